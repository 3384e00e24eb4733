"""`workspace/symbol`: every definition of every folder, ranked by name and by meaning.

Names are matched fuzzily (names.py); for queries of several words the meaning channels vote
too, so "retry with backoff" finds `retry_request`: the vectors of definition names in words
and of the code. The table of definitions is built once per catalog change; a table that took
long to build is rebuilt on a thread while the previous one answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

from arama.engine.config import Fusion
from arama.engine.folders import FolderView
from arama.engine.lexical import query_terms
from arama.engine.records import ChunkRow, Span, SymbolHit, SymbolRow
from arama.engine.search.channels import NAME_MIN_SIMILARITY
from arama.engine.search.fusion import reciprocal_rank_fusion
from arama.engine.search.names import NameIndex, fold_query
from arama.engine.search.view import IndexView, Key
from arama.engine.vectors import Vectors

log = logging.getLogger(__name__)

REBUILD_SYMBOLS_AFTER_S = 0.25  # tables slower to build than this are rebuilt in the background
NAME_CANDIDATES = 200  # name matches fused with the meaning channels
MEANING_CANDIDATES = 50  # per folder and vector space
# The name match is what the user typed; meaning helps with sentences.
SYMBOL_WEIGHTS = {"name": 1.5, "dense": 1.0}
MEANING_WEIGHTS = {"names": 1.0, "code": 1.0}
_FUSION = Fusion()  # k of the default fusion; the weights above are this feature's own


class SymbolTable:
    """Every definition of every folder, with what a query looks up built once per catalog
    change (per query, only the matching names cost anything)."""

    def __init__(self, rows: list[tuple[FolderView, SymbolRow]]) -> None:
        self.rows = rows
        self.names = NameIndex((r.symbol, r.symbol_norm) for _, r in rows)
        self.rows_by_name: dict[str, list[int]] = {}
        for position, (_folder, row) in enumerate(rows):
            self.rows_by_name.setdefault(row.symbol, []).append(position)
        self.lookup = {(f.number, r.chunk_id): (f, r) for f, r in rows}
        self.first_piece: dict[Hashable, SymbolRow] = {
            (f.number, r.path, r.symbol, r.kind, r.container): r for f, r in rows
        }

    def by_name(self, query_norm: str, wanted: int) -> list[tuple[FolderView, SymbolRow]]:
        """Definitions whose name matches, best match first (ties in path order); at least
        `wanted` of them when there are that many, never a score tier cut in half."""
        picked: list[tuple[float, int]] = []
        last_score: float | None = None
        for score, name in self.names.scored(query_norm):
            if len(picked) >= wanted and score != last_score:
                break
            picked.extend((score, position) for position in self.rows_by_name.get(name, ()))
            last_score = score
        picked.sort(key=lambda item: (-item[0], item[1]))
        return [self.rows[position] for _, position in picked[:wanted]]


class WorkspaceSymbols:
    def __init__(self, index: IndexView, encode: Callable[[str], Vectors]) -> None:
        self._index = index
        self._encode = encode
        self._table: tuple[int, SymbolTable] | None = None
        self._lock = threading.Lock()
        self._build_s = 0.0
        self._builder: threading.Thread | None = None

    def find(self, query: str, limit: int = 100) -> list[SymbolHit]:
        """Definitions ranked by how well the name matches and by what the code means; an
        empty query gives a bounded list."""
        table = self._current_table()
        if not query.strip():
            return _hits(table.rows[:limit])
        by_name = table.by_name(fold_query(query), NAME_CANDIDATES)
        name_keys: list[Key] = [(f.number, r.chunk_id) for f, r in by_name]
        dense_keys: list[Key] = []
        if len(query_terms(query)) > 1 or not by_name:
            dense_keys = self._by_meaning(query, table)
        fused = reciprocal_rank_fusion(
            {"name": name_keys, "dense": dense_keys}, _FUSION, weights=SYMBOL_WEIGHTS
        )
        order = sorted(fused, key=lambda k: fused[k], reverse=True)
        return _hits([table.lookup[k] for k in order[:limit] if k in table.lookup])

    def _by_meaning(self, query: str, table: SymbolTable) -> list[Key]:
        """Symbols nearest the query in meaning: by their name in words ("retry with backoff"
        is close to "retry request") and by their code (any piece of a split symbol)."""
        vector = self._encode(query)
        found_by: dict[str, list[Key]] = {"names": [], "code": []}
        for folder in self._index.folders():
            for label, store in (("names", folder.name_vectors), ("code", folder.chunk_vectors)):
                hits = store.search(vector, MEANING_CANDIDATES)
                if label == "names":
                    hits = [(i, score) for i, score in hits if score >= NAME_MIN_SIMILARITY]
                rows = folder.catalog.chunks_by_id([i for i, _ in hits])
                for chunk_id, _score in hits:
                    row = rows.get(chunk_id)
                    if row is None or not row.is_definition:
                        continue
                    symbol = table.first_piece.get(
                        (folder.number, row.path, row.symbol, row.kind, row.container)
                    )
                    if symbol is not None:
                        found_by[label].append((folder.number, symbol.chunk_id))
        fused = reciprocal_rank_fusion(
            {k: list(dict.fromkeys(v)) for k, v in found_by.items()},
            _FUSION,
            weights=MEANING_WEIGHTS,
        )
        return sorted(fused, key=lambda k: fused[k], reverse=True)

    def _current_table(self) -> SymbolTable:
        """The table for the current catalog. A large table that took long to build is not
        rebuilt inside a request after every save: the previous one answers while a thread
        builds the new one (names a second old beat a second's wait on every keystroke)."""
        generation = self._index.catalog_generation
        with self._lock:
            cached = self._table
            if cached is not None and cached[0] == generation:
                return cached[1]
            if cached is not None and self._build_s > REBUILD_SYMBOLS_AFTER_S:
                if self._builder is None:
                    self._builder = threading.Thread(
                        target=self._rebuild, name="arama-symbols", daemon=True
                    )
                    self._builder.start()
                return cached[1]
        return self._build(generation)

    def _build(self, generation: int) -> SymbolTable:
        started = time.perf_counter()
        folders = self._index.folders()
        table = SymbolTable([(f, row) for f in folders for row in f.catalog.symbol_rows()])
        with self._lock:
            if self._table is None or self._table[0] < generation:
                self._table = (generation, table)
                self._build_s = time.perf_counter() - started
        return table

    def _rebuild(self) -> None:
        try:  # once per request that found the table stale: no rebuild loop while indexing
            self._build(self._index.catalog_generation)
        except Exception:
            log.exception("could not rebuild the symbol table")
        finally:
            with self._lock:
                self._builder = None


def _hits(found: list[tuple[FolderView, SymbolRow]]) -> list[SymbolHit]:
    """Definitions with their spans: whole lines, ending where their last piece ends. Most
    definitions are one chunk, read by id in one query per folder; a split one asks for the
    piece that ends it."""
    first_pieces: dict[int, dict[int, ChunkRow]] = {}
    for folder in {f.number: f for f, _ in found}.values():
        ids = [r.chunk_id for f, r in found if f.number == folder.number]
        first_pieces[folder.number] = folder.catalog.chunks_by_id(ids)
    hits: list[SymbolHit] = []
    for folder, row in found:
        piece = first_pieces[folder.number].get(row.chunk_id)
        if piece is not None and piece.end_line == row.end_line:
            last: str | None = piece.text
        else:
            last = folder.catalog.text_ending_at(row.path, row.end_line)
        span = Span.of_text(row.start_line, row.end_line, last or "")
        hits.append(SymbolHit(folder.root, row, span))
    return hits
