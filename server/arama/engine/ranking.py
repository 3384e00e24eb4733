"""Search requests, filters, and the fusion of lexical, dense and symbol evidence.

Each channel returns candidates best first; reciprocal-rank fusion combines them without having
to calibrate bm25 against cosine. Overlapping chunks of one region are folded into the best one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pathspec

from arama.engine.catalog import ChunkRow

Mode = Literal["hybrid", "semantic", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "semantic", "lexical")

# Chosen by `benchmarks/quality.py --sweep` with chunks embedded under their file and symbol
# names (EngineConfig.embed_context); the same setting was best for every header variant tried,
# and won 16 of 20 random half splits of the queries (0.676 on the held-out halves against
# 0.627 for the previous weights, full-path variant).
RRF_K = 10.0
CHANNEL_WEIGHTS: dict[str, float] = {"dense": 1.0, "lexical": 0.5, "symbol": 0.5}


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
    channels: Mapping[str, Sequence[Key]], weights: Mapping[str, float] | None = None
) -> dict[Key, float]:
    weights = weights or CHANNEL_WEIGHTS
    scores: dict[Key, float] = {}
    for name, ranked in channels.items():
        weight = weights.get(name, 1.0)
        for rank, key in enumerate(ranked):
            scores[key] = scores.get(key, 0.0) + weight / (RRF_K + rank + 1)
    return scores


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
