"""Fuzzy symbol-name matching: the regex pre-filter of `NameIndex` must find exactly the names
`name_score` accepts, whatever the names and the query hold."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from arama.engine.search.names import NameIndex, fold_query, name_score

NAMES = [
    "retry_request",
    "RetryRequest",
    "parseHttpHeader",
    "ParseHeaderLine",
    "findUserByEmail",
    "__init__",
    "get",
    "işlem_başlat",
    "a.b",
    "x2y",
]


def _brute_force(query: str, names: list[str]) -> dict[str, float]:
    folded = fold_query(query)
    scores = {name: name_score(folded, name, fold_query(name)) for name in names}
    return {name: score for name, score in scores.items() if score > 0}


def test_known_queries() -> None:
    index = NameIndex((n, fold_query(n)) for n in NAMES)
    assert len(index) == len(NAMES)
    top = index.scored(fold_query("retReq"))
    assert {name for _, name in top[:2]} == {"retry_request", "RetryRequest"}
    assert index.scored(fold_query("parse_http_header"))[0] == (1.0, "parseHttpHeader")
    assert [name for _, name in index.scored(fold_query("fube"))] == ["findUserByEmail"]
    assert index.scored(fold_query("başlat"))[0][1] == "işlem_başlat"
    assert index.scored("") == [] and NameIndex([]).scored("abc") == []
    assert index.scored(fold_query("zzz")) == []


identifiers = st.text(
    alphabet=st.sampled_from("abcXYZ_019çşİı.*+?[](){}\\^$|"), min_size=1, max_size=12
)


@settings(max_examples=300, deadline=None)
@given(names=st.lists(identifiers, min_size=1, max_size=30), query=identifiers)
def test_prefilter_finds_exactly_what_the_scorer_accepts(names: list[str], query: str) -> None:
    index = NameIndex((n, fold_query(n)) for n in names)
    found = {name: score for score, name in index.scored(fold_query(query))}
    assert found == _brute_force(query, names)
