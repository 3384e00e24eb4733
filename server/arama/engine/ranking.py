"""Search requests, filters, and the fusion of lexical, dense and symbol evidence.

Each channel returns candidates best first; reciprocal-rank fusion combines them without having
to calibrate bm25 against cosine. Overlapping chunks of one region are folded into the best one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pathspec

from arama.engine.catalog import ChunkRow

Mode = Literal["hybrid", "semantic", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "semantic", "lexical")

# Chosen by sweeping all three query sets (`benchmarks/quality.py --sweep`, `benchmarks/
# registry_quality.py --sweep`): hand-written queries, docstring queries, natural questions.
# On a grid of lexical .5/.75/1, symbol .25/.5, names 0/.25/.5/.75 (k 10), the best points were
# within 0.002 of each other on the mean MRR@10 of the three sets; this one costs the
# hand-written set least (0.675 -> 0.660 MRR@10, Recall@10 0.883 -> 0.904) for docstring
# MRR@10 0.615 -> 0.643 and natural-question Recall@10 0.767 -> 0.860.
# `names` is the channel of definition-name vectors (embedding_text.name_phrase).
RRF_K = 10.0
CHANNEL_WEIGHTS: dict[str, float] = {"dense": 1.0, "lexical": 0.75, "symbol": 0.25, "names": 0.25}


@dataclass(frozen=True)
class SearchFilters:
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    modified_after_ns: int | None = None
    modified_before_ns: int | None = None
    min_size: int | None = None
    max_size: int | None = None

    @property
    def empty(self) -> bool:
        return self == SearchFilters()

    def matcher(self) -> FilterMatcher:
        return FilterMatcher(self)


class FilterMatcher:
    """Compiled filters; globs use gitignore syntax relative to the workspace folder."""

    def __init__(self, filters: SearchFilters) -> None:
        self.filters = filters
        self._include = pathspec.GitIgnoreSpec.from_lines(filters.paths) if filters.paths else None
        self._exclude = (
            pathspec.GitIgnoreSpec.from_lines(filters.exclude) if filters.exclude else None
        )
        self._languages = frozenset(filters.languages)

    def accepts(self, path: str, language: str, size: int, mtime_ns: int) -> bool:
        f = self.filters
        if self._languages and language not in self._languages:
            return False
        if f.min_size is not None and size < f.min_size:
            return False
        if f.max_size is not None and size > f.max_size:
            return False
        if f.modified_after_ns is not None and mtime_ns < f.modified_after_ns:
            return False
        if f.modified_before_ns is not None and mtime_ns > f.modified_before_ns:
            return False
        if self._include is not None and not self._include.match_file(path):
            return False
        return not (self._exclude is not None and self._exclude.match_file(path))

    def accepts_row(self, row: ChunkRow) -> bool:
        return self.accepts(row.path, row.language, row.size, row.mtime_ns)


@dataclass(frozen=True)
class SearchRequest:
    query: str
    limit: int = 20
    offset: int = 0
    mode: Mode = "hybrid"
    filters: SearchFilters = field(default_factory=SearchFilters)
    min_score: float | None = None

    @property
    def depth(self) -> int:
        """How many candidates each channel contributes: enough to page and to fuse."""
        return max(100, 3 * (self.offset + self.limit))


# A candidate is identified across workspace folders by (folder number, chunk id).
Key = tuple[int, int]


def reciprocal_rank_fusion(
    channels: Mapping[str, Sequence[Key]],
    weights: Mapping[str, float] | None = None,
    rows: Mapping[Key, ChunkRow] | None = None,
) -> dict[Key, float]:
    """Weighted RRF. With `rows`, the pieces of one definition (a long function split in
    several chunks) are one candidate: a question may match the piece that names the thing
    lexically and another piece by meaning, and that is more evidence, not two half answers.
    Each channel counts a definition once, at its best piece's rank; the piece that earned the
    largest single share stands for it. (benchmarks/registry_quality.py, natural questions over
    sources with their docs: Recall@10 0.767 -> 0.814 from this alone.)"""
    weights = weights or CHANNEL_WEIGHTS
    scores: dict[Any, float] = {}
    best: dict[Any, tuple[float, Key]] = {}
    for name, ranked in channels.items():
        weight = weights.get(name, 1.0)
        seen: set[Any] = set()
        for key in ranked:
            group = _definition(key, rows) if rows is not None else key
            if group in seen:
                continue
            share = weight / (RRF_K + len(seen) + 1)
            seen.add(group)
            scores[group] = scores.get(group, 0.0) + share
            if group not in best or share > best[group][0]:
                best[group] = (share, key)
    return {best[group][1]: score for group, score in scores.items()}


def _definition(key: Key, rows: Mapping[Key, ChunkRow]) -> Any:
    row = rows.get(key)
    if row is None or row.symbol is None or row.kind is None:
        return key
    return (key[0], row.path, row.symbol, row.container, row.kind)


def merge_ranked(lists: Iterable[Sequence[tuple[Key, float]]]) -> list[Key]:
    """Merge per-folder (key, score) lists of one channel into one ranking by score."""
    merged = [item for ranked in lists for item in ranked]
    merged.sort(key=lambda item: item[1], reverse=True)
    return [key for key, _ in merged]


def fold_overlaps(
    ranked: Sequence[tuple[Key, ChunkRow, float]],
) -> list[tuple[Key, ChunkRow, float]]:
    """Keep one result per region: drop a result whose lines overlap a better result of the same
    file (window overlap), or that is another piece of a definition already listed (the pieces
    of a long function all carry its name)."""
    kept: list[tuple[Key, ChunkRow, float]] = []
    spans: dict[tuple[int, str], list[tuple[int, int]]] = {}
    definitions: set[tuple[int, str, str, str | None, int]] = set()
    for key, row, score in ranked:
        file_key = (key[0], row.path)
        taken = spans.setdefault(file_key, [])
        if any(row.start_line <= end and start <= row.end_line for start, end in taken):
            continue
        if row.symbol is not None and row.kind is not None:
            definition = (key[0], row.path, row.symbol, row.container, row.kind)
            if definition in definitions:
                continue
            definitions.add(definition)
        taken.append((row.start_line, row.end_line))
        kept.append((key, row, score))
    return kept
