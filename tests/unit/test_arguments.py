from __future__ import annotations

import pytest

from arama.arguments import ArgumentError, parse_context, parse_search, single_object


def test_defaults_and_full_request() -> None:
    request = parse_search({"query": "retry"})
    assert (request.limit, request.offset, request.mode) == (20, 0, "hybrid")
    full = parse_search(
        {
            "query": "cart total",
            "limit": 5,
            "offset": 10,
            "mode": "lexical",
            "paths": ["src/**"],
            "exclude": ["*.md"],
            "languages": ["typescript"],
            "modifiedAfter": "2026-01-01",
            "modifiedBefore": "2026-12-31T23:59:59Z",
            "minSize": 1,
            "maxSize": 1000,
            "minScore": 0.1,
            "unknownKey": "ignored",
        }
    )
    assert full.filters.paths == ("src/**",)
    assert full.filters.languages == ("typescript",)
    assert full.filters.modified_after_ns is not None
    assert full.min_score == 0.1


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({}, "query"),
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": 42}, "query"),
        ({"query": "x" * 1001}, "query"),
        ({"query": "q", "limit": 0}, "limit"),
        ({"query": "q", "limit": 201}, "limit"),
        ({"query": "q", "limit": "10"}, "limit"),
        ({"query": "q", "limit": True}, "limit"),
        ({"query": "q", "offset": -1}, "offset"),
        ({"query": "q", "mode": "fuzzy"}, "mode"),
        ({"query": "q", "languages": ["klingon"]}, "languages"),
        ({"query": "q", "paths": [1]}, "paths"),
        ({"query": "q", "modifiedAfter": "yesterday"}, "modifiedAfter"),
        ({"query": "q", "minSize": 10, "maxSize": 5}, "minSize"),
        ({"query": "q", "minScore": "high"}, "minScore"),
    ],
)
def test_bad_values_name_the_field(obj: dict[str, object], field: str) -> None:
    with pytest.raises(ArgumentError) as info:
        parse_search(obj)
    assert field in str(info.value)


def test_messages_follow_the_locale() -> None:
    with pytest.raises(ArgumentError) as info:
        parse_search({"query": "q", "limit": 500}, "tr-TR")
    assert "arasında olmalı" in str(info.value)


def test_arguments_must_be_one_object() -> None:
    with pytest.raises(ArgumentError):
        single_object([], None)
    with pytest.raises(ArgumentError):
        single_object(["query"], None)
    with pytest.raises(ArgumentError):
        single_object([{"a": 1}, {"b": 2}], None)
    assert single_object([], None, allow_empty=True) == {}


def test_null_means_not_given_and_one_string_is_a_list() -> None:
    request = parse_search({"query": "q", "mode": None, "limit": None, "paths": "src/**"})
    assert (request.mode, request.limit, request.filters.paths) == ("hybrid", 20, ("src/**",))
    uri, line, character, limit = parse_context(
        {"uri": "file:///w/a.py", "position": {"line": 3, "character": None}, "limit": None}
    )
    assert (uri, line, character, limit) == ("file:///w/a.py", 3, 0, 10)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"uri": "file:///w/a.py"}, "'position' is required."),
        ({"uri": "file:///w/a.py", "position": "3:4"}, "'position' must be an object."),
        ({"uri": "file:///w/a.py", "position": {}}, "'position.line' is required."),
        ({"uri": "file:///w/a.py", "position": {"line": -1}}, "'position.line' must be between"),
        ({"uri": "http://x/a.py", "position": {"line": 1}}, "'uri' must be a file URI"),
        ({"uri": "file://[", "position": {"line": 1}}, "'uri' must be a file URI"),
        ({"uri": 5, "position": {"line": 1}}, "'uri' must be a string."),
    ],
)
def test_context_arguments_name_the_nested_field(obj: dict[str, object], message: str) -> None:
    with pytest.raises(ArgumentError) as info:
        parse_context(obj)
    assert str(info.value).startswith(message)


def test_type_errors_name_the_expected_type_in_the_locale() -> None:
    with pytest.raises(ArgumentError) as info:
        parse_search({"query": "q", "minScore": "high"}, "tr")
    assert str(info.value) == "'minScore' bir sayı olmalı."
    with pytest.raises(ArgumentError) as info:
        parse_search({"query": "q", "paths": ["ok", 3]})
    assert str(info.value) == "'paths' must be a list of strings."


def test_version_2_kinds_content_and_expand() -> None:
    request = parse_search(
        {"query": "q", "kinds": ["Function", "method", 5], "content": "code", "expand": True}
    )
    assert request.filters.kinds == (5, 6, 12)
    assert request.filters.content == ("code",)
    assert request.expand is True
    assert parse_search({"query": "q", "kinds": "enum_member"}).filters.kinds == (22,)
    for bad, message in (
        ({"kinds": ["gadget"]}, "'kinds' holds an unknown symbol kind: gadget."),
        ({"kinds": [99]}, "'kinds' holds an unknown symbol kind: 99."),
        ({"kinds": [True]}, "'kinds' must be a list of names or numbers."),
        ({"content": ["binaries"]}, "'content' must be one of: code, tests, docs."),
        ({"expand": "yes"}, "'expand' must be true or false."),
    ):
        with pytest.raises(ArgumentError) as info:
            parse_search({"query": "q", **bad})
        assert str(info.value) == message


def test_symbol_kind_names_are_the_lsp_specifications() -> None:
    """arguments.py spells the kinds out so the CLI does not import lsprotocol (seconds at every
    `arama search`); they must stay lsprotocol's names and numbers."""
    from lsprotocol.types import SymbolKind

    from arama.arguments import SYMBOL_KINDS

    assert {kind.name.casefold(): kind.value for kind in SymbolKind} == SYMBOL_KINDS
