"""What a search asks: the query, the mode, the page and the filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pathspec

from arama.engine.records import ChunkRow
from arama.engine.search.paths import content_of

Mode = Literal["hybrid", "semantic", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "semantic", "lexical")


@dataclass(frozen=True)
class SearchFilters:
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    modified_after_ns: int | None = None
    modified_before_ns: int | None = None
    min_size: int | None = None
    max_size: int | None = None
    kinds: tuple[int, ...] = ()  # LSP SymbolKind numbers of the definitions wanted
    content: tuple[str, ...] = ()  # "code", "tests", "docs" (search/paths.py)

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
        self._content = frozenset(filters.content)
        self.kinds: frozenset[int] | None = frozenset(filters.kinds) if filters.kinds else None

    # complexity: one early return per filter, in the order of their cost (cheap first)
    def accepts(self, path: str, language: str, size: int, mtime_ns: int) -> bool:
        """Whether a file passes the per-file filters (every filter but `kinds`)."""
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
        if self._exclude is not None and self._exclude.match_file(path):
            return False
        return not self._content or content_of(path, language).value in self._content

    def accepts_row(self, row: ChunkRow) -> bool:
        if self.kinds is not None and row.kind not in self.kinds:
            return False
        return self.accepts(row.path, row.language, row.size, row.mtime_ns)


MIN_DEPTH = 100  # each channel's candidates for a page of up to 33 results


@dataclass(frozen=True)
class SearchRequest:
    query: str
    limit: int = 20
    offset: int = 0
    mode: Mode = "hybrid"
    filters: SearchFilters = field(default_factory=SearchFilters)
    min_score: float | None = None
    # Widen each hit to its whole definition (every piece of a split one), within
    # EXPAND_MAX_LINES lines.
    expand: bool = False

    @property
    def depth(self) -> int:
        """How many candidates each channel contributes: enough to fill a page and to fuse.
        It follows the page size, never the offset, so that every page of one size is cut
        from the same ranking. Read deeper for a later page, the fusion ordered the list a
        little differently, and paging repeated some results and skipped others (174 repeats
        in 3,200 results: 40 natural questions, 8 pages of 10 each, on the benchmarks'
        nine-package workspace; none since). The ranked list holds more than the channels'
        depth (the channels find different things); a page past its end is empty, and
        `total` says where it ends."""
        return max(MIN_DEPTH, 3 * self.limit)
