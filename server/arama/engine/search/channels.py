"""The channels of a search, one function each, over one folder: candidates best first.

    dense    cosine over the chunk vectors
    lexical  FTS5 bm25 over symbol, path and body, identifiers split
    symbol   definitions whose name the query spells out (as code or as words)
    names    cosine over the vectors of definition names in words

`allowed` (chunk ids of the files a filter accepts, None for all) narrows each channel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from arama.engine.folders import FolderView
from arama.engine.lexical import normalized_symbol, query_terms
from arama.engine.records import ChunkRow
from arama.engine.search.fusion import Ranked
from arama.engine.search.request import FilterMatcher
from arama.engine.vectors import Vectors

# A name vector this far from the query says nothing, but RRF would still count its rank: with
# no name near "delay a function until calls stop" (debounce's name means little to the model),
# `retry_request` came first. Measured neutral to slightly positive on all three query sets
# (quality.py 0.660 -> 0.661; registry docstrings 0.537 -> 0.538, questions unchanged).
NAME_MIN_SIMILARITY = 0.3
SYMBOL_HITS = 100
FILTERED_LEXICAL_FACTOR = 5  # a filter drops candidates after FTS5: ask it for more


def allowed_ids(folder: FolderView, matcher: FilterMatcher | None) -> list[int] | None:
    if matcher is None:
        return None
    return folder.catalog.filtered_chunk_ids(matcher.accepts, matcher.kinds)


def lexical(folder: FolderView, query: str, depth: int, allowed: Sequence[int] | None) -> Ranked:
    found = folder.catalog.lexical(query, depth * (FILTERED_LEXICAL_FACTOR if allowed else 1))
    if allowed is not None:
        allowed_set = set(allowed)
        found = [(i, s) for i, s in found if i in allowed_set]
    return [((folder.number, i), s) for i, s in found[:depth]]


def dense(folder: FolderView, vector: Vectors, depth: int, allowed: Sequence[int] | None) -> Ranked:
    hits = folder.chunk_vectors.search(folder.chunk_query(vector), depth, allowed)
    return [((folder.number, i), s) for i, s in hits]


def names(folder: FolderView, vector: Vectors, depth: int, allowed: Sequence[int] | None) -> Ranked:
    hits = folder.name_vectors.search(vector, depth, allowed)
    return [((folder.number, i), s) for i, s in hits if s >= NAME_MIN_SIMILARITY]


def symbol(folder: FolderView, query: str, matcher: FilterMatcher | None) -> Ranked:
    """Definitions whose name the query spells out: written as code (`retry_request`,
    `Cache.cull`) or as words ("parse http header" for `parseHttpHeader`). A name that is
    one ordinary word of a longer sentence ("add", "remove") says little and is left out."""
    terms = query_terms(query)
    tokens = re.findall(r"[\w.]+", query)
    written = {t for t in tokens if t.isidentifier() and looks_like_code(t)}
    dotted = {tuple(t.rsplit(".", 1)) for t in tokens if "." in t.strip(".")}
    rows = folder.catalog.symbols_named(written | {member for _, member in dotted})
    rows += folder.catalog.symbols_matching_terms(terms)
    hits: dict[int, float] = {}
    for row in rows:
        if matcher is not None and not matcher.accepts_row(row):
            continue
        score = _name_score(row, written, dotted, terms)
        if score is not None:
            hits[row.id] = max(hits.get(row.id, 0.0), score)
    ordered = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    return [((folder.number, i), s) for i, s in ordered[:SYMBOL_HITS]]


def definitions(folder: FolderView, names: Sequence[str], matcher: FilterMatcher | None) -> Ranked:
    """Definitions of names the query writes as code, for `lexical` mode: the definition boost
    needs them among the candidates even when bm25 ranks their file's other text higher. Scored
    0: the boost (search/priors.py) places them."""
    plain = [n.rsplit(".", 1)[-1] for n in names]
    rows = folder.catalog.symbols_named(dict.fromkeys(plain))
    if matcher is not None:
        rows = [r for r in rows if matcher.accepts_row(r)]
    return [((folder.number, r.id), 0.0) for r in rows[:SYMBOL_HITS]]


def _name_score(
    row: ChunkRow, written: set[str], dotted: set[tuple[str, ...]], terms: Sequence[str]
) -> float | None:
    """`Container.name` as written beats a name as written, which beats a name spelled out
    in words; None when the name is one ordinary word of a longer sentence."""
    if (row.container, row.symbol) in dotted:
        return 3.0
    if row.symbol in written:
        return 2.0
    covered = covered_terms(normalized_symbol(row.symbol) or "", terms)
    if covered >= 2 or len(terms) <= 2:
        return covered / max(len(terms), 1)
    return None


def looks_like_code(token: str) -> bool:
    """`retry_request`, `parseHeader`, `HTTPServer`, `x2`: not a plain dictionary word."""
    return (
        "_" in token or any(c.isdigit() for c in token) or not (token.islower() or token.istitle())
    )


def covered_terms(symbol_norm: str, terms: Sequence[str]) -> int:
    """How many consecutive query terms the folded name is made of (0 if none)."""
    for n in range(min(len(terms), 6), 0, -1):
        for i in range(len(terms) - n + 1):
            if "".join(terms[i : i + n]) == symbol_norm:
                return n
    return 0
