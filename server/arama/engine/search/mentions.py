"""The mentions channel: tests, docs and examples vote for the code definitions they name.

A question is often worded like the documentation or the test of the code it wants ("limit how
often a scroll handler runs" is a README sentence next to `throttle(...)`), while the code
itself shares none of its words. The path priors rank those tests and docs down; here they
pass their match on to the definitions they mention, by name. Hybrid mode only: it reads the
dense and lexical hits. Measured in benchmarks/README.md ("mentions").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

from arama.engine.folders import FolderView
from arama.engine.records import ChunkRow
from arama.engine.search import paths
from arama.engine.search.fusion import Ranked, merge_ranked
from arama.engine.search.request import FilterMatcher
from arama.engine.search.view import Key, rows_of

VOTERS_FROM = 40  # best hits of each of the dense and lexical channels read
MAX_DEFINITIONS = 4  # a name defined in more places than this says too little
HITS = 30
VOTER_TRAITS = frozenset({paths.TEST, paths.FIXTURE, paths.DOC, paths.EXAMPLE})
_MENTIONED = re.compile(r"[A-Za-z_$][\w$]{2,}")
TOKEN_MEMO = 4096  # chunks whose words are remembered (by content hash)
_tokens_by_hash: dict[str, frozenset[str]] = {}


def is_commentary(row: ChunkRow) -> bool:
    """A test, fixture, doc or example: text about the code rather than the code."""
    return bool(paths.traits(row.path, row.language) & VOTER_TRAITS)


def mentioned_tokens(row: ChunkRow) -> frozenset[str]:
    """The words of a chunk that could be names; remembered by the chunk's content hash, as
    the same tests and docs come back search after search."""
    tokens = _tokens_by_hash.get(row.text_hash)
    if tokens is None:
        if len(_tokens_by_hash) >= TOKEN_MEMO:
            _tokens_by_hash.clear()
        tokens = _tokens_by_hash[row.text_hash] = frozenset(_MENTIONED.findall(row.text))
    return tokens


def mention_votes(
    voters: Sequence[tuple[ChunkRow, float]],
    defined: Mapping[str, int],
    max_definitions: int = MAX_DEFINITIONS,
) -> dict[str, float]:
    """Each voter (a test or doc hit with its weight) shares its weight among the defined names
    it mentions (`defined`: name -> how many code definitions carry it), a name's vote split
    among its definitions; a name defined in many places (`get`, `run`) is left out. Dividing
    by the square root of the names a voter mentions, rather than their number, measured the
    same (benchmarks/README.md)."""
    votes: dict[str, float] = {}
    for row, weight in voters:
        names = [n for n in mentioned_tokens(row) if 0 < defined.get(n, 0) <= max_definitions]
        if not names:
            continue
        share = weight / len(names) ** 0.5
        for name in names:
            votes[name] = votes.get(name, 0.0) + share / defined[name]
    return votes


def voter_weights(dense: list[Ranked], lexical: list[Ranked], k: float) -> dict[Key, float]:
    """The best hits of both channels, each weighted by its reciprocal rank (summed when both
    found it)."""
    weights: dict[Key, float] = {}
    for lists in (dense, lexical):
        for place, key in enumerate(merge_ranked(lists)[:VOTERS_FROM]):
            weights[key] = weights.get(key, 0.0) + 1.0 / (k + place + 1)
    return weights


def mentioned_definitions(
    folders: Sequence[FolderView],
    weights: Mapping[Key, float],
    matcher: FilterMatcher | None,
    known: dict[Key, ChunkRow] | None = None,
) -> list[Ranked]:
    """Per folder, the code definitions the voting hits name, best voted first (the hits' rows
    join `known`, for the ranking that follows)."""
    rows = rows_of(folders, list(weights), known)
    found: list[Ranked] = []
    for folder in folders:
        # Every voter: capping them at the best 12 or 20 cost lodash's questions 0.045 (its
        # README answers from deep in the lists) and saved ~2 ms a search.
        voters = [
            (row, weights[key])
            for key, row in rows.items()
            if key[0] == folder.number and is_commentary(row)
        ]
        if voters:
            found.append(_voted(folder, voters, matcher))
    return found


def _voted(
    folder: FolderView, voters: Sequence[tuple[ChunkRow, float]], matcher: FilterMatcher | None
) -> Ranked:
    tokens: set[str] = set().union(*(mentioned_tokens(row) for row, _w in voters))
    counts = folder.catalog.definition_counts(tokens)
    # Counted with the definitions in tests and doc snippets, a first vote picks the names
    # worth reading (twice the cut, and twice the names kept); the cut and the split then
    # apply to the code definitions among them. Reading every candidate's rows cost ~2 ms.
    first = mention_votes(voters, counts, 2 * MAX_DEFINITIONS)
    worth = sorted(first, key=lambda name: first[name], reverse=True)[: 2 * HITS]
    definitions = [
        row
        for row in folder.catalog.symbols_named(worth, with_text=False)
        if not is_commentary(row) and (matcher is None or matcher.accepts_row(row))
    ]
    defined = Counter(row.symbol for row in definitions if row.symbol)
    votes = mention_votes(voters, defined)
    scored = sorted(
        ((row.id, votes.get(row.symbol or "", 0.0)) for row in definitions),
        key=lambda item: item[1],
        reverse=True,
    )
    return [((folder.number, i), score) for i, score in scored[:HITS] if score > 0]
