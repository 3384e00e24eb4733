from __future__ import annotations

from arama.engine.lexical import (
    expand_terms,
    fts_query,
    identifier_parts,
    normalized_symbol,
    query_terms,
)


def test_identifier_parts_split_camel_snake_kebab_and_digits() -> None:
    assert identifier_parts("parseHttpHeader") == ["parse", "http", "header"]
    assert identifier_parts("HTTPServer2") == ["http", "server", "2"]
    assert identifier_parts("parse_http_header") == ["parse", "http", "header"]
    assert identifier_parts("x-request-id") == ["x", "request", "id"]
    assert identifier_parts("sha256sum") == ["sha", "256", "sum"]


def test_turkish_identifiers_stay_whole_words() -> None:
    assert identifier_parts("dosyayı_oku") == ["dosyayı", "oku"]
    assert normalized_symbol("sıcaklığı_dönüştür") == "sıcaklığıdönüştür"


def test_expand_terms_adds_parts_and_joined_form() -> None:
    extra = expand_terms("def parseHttpHeader(raw): pass")
    assert {"parse", "http", "header", "parsehttpheader"} <= set(extra)


def test_query_terms_drop_stopwords_and_split_identifiers() -> None:
    assert query_terms("how to parse the HTTP header") == ["parse", "http", "header"]
    assert "parse" in query_terms("parseHttpHeader")
    assert query_terms("the") == ["the"]


def test_fts_query_quotes_every_term() -> None:
    assert fts_query('foo" OR bar') == '"foo" OR "bar"'
    assert fts_query("NEAR(a b)") == '"near" OR "b"'
