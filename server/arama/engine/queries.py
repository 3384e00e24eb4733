"""The questions the index answers: search, context at a position, workspace symbols, stats.

Everything here reads: the catalog through its WAL snapshot and the vector stores under their
locks, on the caller's thread, while the indexer thread keeps writing.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import astuple
from pathlib import Path
from typing import Any

import numpy as np

from arama.engine.catalog import ChunkRow
from arama.engine.indexer import FolderIndex, Indexer
from arama.engine.lexical import normalized_symbol, query_terms
from arama.engine.ranking import (
    FilterMatcher,
    Key,
    SearchRequest,
    fold_overlaps,
    merge_ranked,
    reciprocal_rank_fusion,
)
from arama.engine.records import SearchCancelled
from arama.engine.results import result_dict
from arama.engine.symbols import NameIndex, SymbolRow, fold_query

log = logging.getLogger(__name__)

CONTEXT_MIN_SIMILARITY = 0.3
# A name vector this far from the query says nothing, but RRF would still count its rank: with
# no name near "delay a function until calls stop" (debounce's name means little to the model),
# `retry_request` came first. Measured neutral to slightly positive on all three query sets
# (quality.py 0.660 -> 0.661; registry docstrings 0.537 -> 0.538, questions unchanged).
NAME_MIN_SIMILARITY = 0.3
REBUILD_SYMBOLS_AFTER_S = 0.25  # tables slower to build than this are rebuilt in the background
NAME_CANDIDATES = 200  # name matches fused with the dense channel for `workspace/symbol`


Vector = np.ndarray[Any, np.dtype[np.float32]]


class _Steps:
    """The clock and the cancel flag of one search, asked between its steps."""

    def __init__(self, deadline: float, cancelled: Callable[[], bool] | None) -> None:
        self.deadline = deadline
        self.cancelled = cancelled
        self.cut_short = False

    def check_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise SearchCancelled

    def go_on(self) -> bool:
        """False once the budget is spent (and from then on); raises when cancelled."""
        self.check_cancelled()
        if time.perf_counter() >= self.deadline:
            self.cut_short = True
        return not self.cut_short

    def wait_for(self, future: Future[Vector]) -> Vector | None:
        """The future's value, or None when the budget ends first. Waits in short slices so a
        cancellation is noticed while the model is still loading."""
        while True:
            if not self.go_on():
                return None
            remaining = self.deadline - time.perf_counter()
            try:
                return future.result(timeout=min(max(remaining, 0.0), 0.05))
            except FutureTimeout:
                continue


class _SymbolTable:
    """Every definition of every folder, with what `workspace/symbol` looks up per query built
    once per catalog change (per query, only the matching names cost anything)."""

    def __init__(self, rows: list[tuple[FolderIndex, SymbolRow]]) -> None:
        self.rows = rows
        self.names = NameIndex((r.symbol, r.symbol_norm) for _, r in rows)
        self.rows_by_name: dict[str, list[int]] = {}
        for position, (_folder, row) in enumerate(rows):
            self.rows_by_name.setdefault(row.symbol, []).append(position)
        self.lookup = {(f.number, r.chunk_id): (f, r) for f, r in rows}
        self.first_piece = {(f.number, r.path, r.symbol, r.kind, r.container): r for f, r in rows}

    def by_name(self, query_norm: str, wanted: int) -> list[tuple[FolderIndex, SymbolRow]]:
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


class Searcher:
    def __init__(self, index: Indexer) -> None:
        self._index = index
        self._query_vectors: dict[str, Vector] = {}
        self._vectors_lock = threading.Lock()
        # One thread encodes queries (the model instance for queries is not thread-safe).
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arama-query")
        self._results: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._results_generation = -1
        self._results_lock = threading.Lock()
        self._symbols: tuple[int, _SymbolTable] | None = None
        self._symbols_lock = threading.Lock()
        self._symbols_build_s = 0.0
        self._symbols_builder: threading.Thread | None = None
        self._query_loader: threading.Thread | None = None
        self._loader_lock = threading.Lock()

    def close(self) -> None:
        self._encoder.shutdown(wait=False, cancel_futures=True)

    def _cached_query_vector(self, query: str) -> Vector | None:
        with self._vectors_lock:
            return self._query_vectors.get(query)

    def _query_vector(self, query: str) -> Vector:
        vector = self._cached_query_vector(query)
        if vector is None:
            vector = self._index.embedder.embed_query(query)
            with self._vectors_lock:
                if len(self._query_vectors) > 256:
                    self._query_vectors.clear()
                self._query_vectors[query] = vector
        return vector

    def search(
        self,
        request: SearchRequest,
        *,
        cancelled: Callable[[], bool] | None = None,
        budget_s: float | None = None,
    ) -> dict[str, Any]:
        """The `arama.search` answer. Identical requests between two index changes are served
        from memory (`cached: true`).

        `cancelled` is polled between steps: when it says so, `SearchCancelled` is raised and
        no more work is done. Past `budget_s` (the configured budget when None), the answer is
        built from the channels that finished and says `partial: true`.
        """
        started = time.perf_counter()
        budget = self._index.config.search_budget_s if budget_s is None else budget_s
        indexing = self._index.state != "ready"
        folders = self._index.folders()
        self._record(folders, request)
        # Hybrid answers at once from the lexical and symbol channels while the query model is
        # still loading (seconds, once per process); `semantic` asked for the model and waits.
        dense_ready = request.mode != "hybrid" or self._index.embedder.query_ready()
        if not dense_ready:
            indexing = True
            self._load_query_model_soon()
        generation = self._index.generation
        key = (*_request_key(request), dense_ready)
        with self._results_lock:
            if self._results_generation != generation:
                self._results.clear()
                self._results_generation = generation
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
        if cached is not None:
            took = round((time.perf_counter() - started) * 1000, 2)
            return {**cached, "tookMs": took, "indexing": indexing, "cached": True}
        steps = _Steps(started + budget, cancelled)
        answer = self._search(request, folders, steps, use_dense=dense_ready)
        answer["indexing"] = indexing
        if not answer["partial"]:  # an answer cut short is not worth remembering
            with self._results_lock:
                if self._results_generation == generation:
                    self._results[key] = answer
                    while len(self._results) > RESULT_CACHE_SIZE:
                        self._results.popitem(last=False)
        return {**answer, "tookMs": round((time.perf_counter() - started) * 1000, 2)}

    def _load_query_model_soon(self) -> None:
        with self._loader_lock:
            if self._query_loader is not None:
                return
            self._query_loader = threading.Thread(
                target=self._index.warm_up, name="arama-query-model", daemon=True
            )
            self._query_loader.start()

    def _encode_query_soon(self, query: str) -> Future[Vector]:
        """The query's vector, computed on the encoder thread while the lexical and symbol
        channels run here (and abandoned, not waited for, when the budget runs out)."""
        cached = self._cached_query_vector(query)
        if cached is not None:
            done: Future[Vector] = Future()
            done.set_result(cached)
            return done
        return self._encoder.submit(self._query_vector, query)

    def _search(
        self,
        request: SearchRequest,
        folders: Sequence[FolderIndex],
        steps: _Steps,
        *,
        use_dense: bool = True,
    ) -> dict[str, Any]:
        matcher = None if request.filters.empty else request.filters.matcher()
        depth = request.depth
        channels: dict[str, list[list[tuple[Key, float]]]] = {
            "dense": [],
            "lexical": [],
            "symbol": [],
            "names": [],
        }
        use_dense = use_dense and request.mode in ("hybrid", "semantic")
        use_lexical = request.mode in ("hybrid", "lexical")
        vector_soon = self._encode_query_soon(request.query) if use_dense and folders else None
        allowed_by_folder: dict[int, list[int] | None] = {}
        for folder in folders:
            if not steps.go_on():
                break
            allowed = allowed_by_folder[folder.number] = self._allowed_ids(folder, matcher)
            if use_lexical:
                lexical = folder.catalog.lexical(request.query, depth * (5 if allowed else 1))
                if allowed is not None:
                    allowed_set = set(allowed)
                    lexical = [(i, s) for i, s in lexical if i in allowed_set]
                channels["lexical"].append([((folder.number, i), s) for i, s in lexical[:depth]])
            if request.mode == "hybrid" and steps.go_on():
                channels["symbol"].append(self._symbol_hits(folder, request.query, matcher))
        query_vector = steps.wait_for(vector_soon) if vector_soon is not None else None
        if query_vector is not None:
            for folder in folders:
                if not steps.go_on():
                    break
                allowed = allowed_by_folder.get(folder.number)
                if folder.number not in allowed_by_folder:
                    allowed = self._allowed_ids(folder, matcher)
                hits = folder.vectors.search(query_vector, depth, allowed)
                channels["dense"].append([((folder.number, i), s) for i, s in hits])
                if request.mode == "hybrid" and steps.go_on():
                    names = folder.names.store.search(query_vector, depth, allowed)
                    channels["names"].append(
                        [((folder.number, i), s) for i, s in names if s >= NAME_MIN_SIMILARITY]
                    )
        steps.check_cancelled()
        ranked = {name: merge_ranked(lists) for name, lists in channels.items() if lists}
        rows = self._rows(folders, list({k for keys in ranked.values() for k in keys}))
        if request.mode == "semantic":
            scores = dict(item for lists in channels["dense"] for item in lists)
        elif request.mode == "lexical":
            scores = dict(item for lists in channels["lexical"] for item in lists)
        else:
            scores = reciprocal_rank_fusion(ranked, rows=rows)
        order = sorted(scores, key=lambda k: scores[k], reverse=True)
        candidates = [(k, rows[k], scores[k]) for k in order if k in rows]
        if matcher is not None:
            candidates = [c for c in candidates if matcher.accepts_row(c[1])]
        if request.min_score is not None:
            candidates = [c for c in candidates if c[2] >= request.min_score]
        candidates = fold_overlaps(candidates)
        page = candidates[request.offset : request.offset + request.limit]
        by_number = {f.number: f for f in folders}
        results = [result_dict(by_number[k[0]].root, row, score) for k, row, score in page]
        return {
            "results": results,
            "total": len(candidates),
            "cached": False,
            "partial": steps.cut_short,
        }

    def context(self, path: Path, line: int, limit: int = 10) -> dict[str, Any]:
        """The chunk at a position (`focus`) and the code most related to it: definitions of the
        names it uses, and its nearest neighbours by meaning. Never the focus itself."""
        started = time.perf_counter()
        folder, rel = self._index.locate(path)
        focus = folder.catalog.chunk_at(rel, line)
        if focus is None:
            raise LookupError(f"{rel}:{line + 1} is not indexed")
        folders = self._index.folders()
        focus_key = (folder.number, focus.id)

        def elsewhere(key: Key, row: ChunkRow) -> bool:
            same_file = key[0] == folder.number and row.path == focus.path
            overlaps = row.start_line <= focus.end_line and focus.start_line <= row.end_line
            return key != focus_key and not (same_file and overlaps)

        used = [n for n in dict.fromkeys(_IDENTIFIER.findall(focus.text)) if n != focus.symbol]
        definitions: list[Key] = []
        for other in folders:
            by_name = {r.symbol: r for r in other.catalog.symbols_named(used)}
            definitions += [(other.number, by_name[n].id) for n in used if n in by_name]
        vector = folder.vectors.vector(focus.id)
        if vector is None and self._index.dimension_known:
            vector = self._query_vector(focus.text)
        neighbours: list[tuple[Key, float]] = []
        if vector is not None:
            for other in folders:
                hits = other.vectors.search(vector, 3 * limit + 10)
                neighbours += [
                    ((other.number, i), score)
                    for i, score in hits
                    if score >= CONTEXT_MIN_SIMILARITY  # weaker neighbours are noise
                ]
        fused = reciprocal_rank_fusion(
            {"symbol": definitions, "dense": merge_ranked([neighbours])},
            {"symbol": 1.0, "dense": 1.0},
        )
        order = sorted(fused, key=lambda k: fused[k], reverse=True)
        rows = self._rows(folders, order)
        ranked = [(k, rows[k], fused[k]) for k in order if k in rows and elsewhere(k, rows[k])]
        by_number = {f.number: f for f in folders}
        related = [
            result_dict(by_number[k[0]].root, row, score)
            for k, row, score in fold_overlaps(ranked)[:limit]
        ]
        focus_dict = result_dict(folder.root, focus, 1.0)
        return {
            "focus": {k: focus_dict[k] for k in ("uri", "path", "range", "symbol", "snippet")},
            "related": related,
            "tookMs": round((time.perf_counter() - started) * 1000, 2),
        }

    def symbols(self, query: str, limit: int = 100) -> list[dict[str, Any]]:
        """Definitions ranked by how well the name matches and by what the code means, so
        "retry with backoff" finds `retry_request`; an empty query gives a bounded list."""
        table = self._symbol_table()
        if not query.strip():
            return [_symbol_dict(f, r) for f, r in table.rows[:limit]]
        by_name = table.by_name(fold_query(query), NAME_CANDIDATES)
        name_keys: list[Key] = [(f.number, r.chunk_id) for f, r in by_name]
        dense_keys: list[Key] = []
        words = query_terms(query)
        if len(words) > 1 or not by_name:
            dense_keys = self._dense_symbol_keys(query, table)
        fused = reciprocal_rank_fusion(
            {"name": name_keys, "dense": dense_keys}, {"name": 1.5, "dense": 1.0}
        )
        order = sorted(fused, key=lambda k: fused[k], reverse=True)
        return [_symbol_dict(*table.lookup[k]) for k in order[:limit] if k in table.lookup]

    def _dense_symbol_keys(self, query: str, table: _SymbolTable) -> list[Key]:
        """Symbols nearest the query in meaning: by their name in words ("retry with backoff"
        is close to "retry request") and by their code (any piece of a split symbol)."""
        vector = self._query_vector(query)
        found_by: dict[str, list[Key]] = {"names": [], "code": []}
        for folder in self._index.folders():
            for label, store in (("names", folder.names.store), ("code", folder.vectors)):
                hits = store.search(vector, 50)
                if label == "names":
                    hits = [(i, score) for i, score in hits if score >= NAME_MIN_SIMILARITY]
                rows = folder.catalog.chunks_by_id([i for i, _ in hits])
                for chunk_id, _score in hits:
                    row = rows.get(chunk_id)
                    if row is None or row.symbol is None or row.kind is None:
                        continue
                    symbol = table.first_piece.get(
                        (folder.number, row.path, row.symbol, row.kind, row.container)
                    )
                    if symbol is not None:
                        found_by[label].append((folder.number, symbol.chunk_id))
        fused = reciprocal_rank_fusion(
            {k: list(dict.fromkeys(v)) for k, v in found_by.items()}, {"names": 1.0, "code": 1.0}
        )
        return sorted(fused, key=lambda k: fused[k], reverse=True)

    def _symbol_table(self) -> _SymbolTable:
        """The table for the current catalog. A large table that took long to build is not
        rebuilt inside a request after every save: the previous one answers while a thread
        builds the new one (names a second old beat a second's wait on every keystroke)."""
        generation = self._index.catalog_generation
        with self._symbols_lock:
            cached = self._symbols
            if cached is not None and cached[0] == generation:
                return cached[1]
            if cached is not None and self._symbols_build_s > REBUILD_SYMBOLS_AFTER_S:
                if self._symbols_builder is None:
                    self._symbols_builder = threading.Thread(
                        target=self._rebuild_symbols, name="arama-symbols", daemon=True
                    )
                    self._symbols_builder.start()
                return cached[1]
        return self._build_symbols(generation)

    def _build_symbols(self, generation: int) -> _SymbolTable:
        started = time.perf_counter()
        folders = self._index.folders()
        table = _SymbolTable(
            [(folder, row) for folder in folders for row in folder.catalog.symbol_rows()]
        )
        with self._symbols_lock:
            if self._symbols is None or self._symbols[0] < generation:
                self._symbols = (generation, table)
                self._symbols_build_s = time.perf_counter() - started
        return table

    def _rebuild_symbols(self) -> None:
        try:  # once per request that found the table stale: no rebuild loop while indexing
            self._build_symbols(self._index.catalog_generation)
        except Exception:
            log.exception("could not rebuild the symbol table")
        finally:
            with self._symbols_lock:
                self._symbols_builder = None

    def stats(self) -> dict[str, Any]:
        folders = self._index.folders()
        since = time.time_ns() - 7 * 24 * 3600 * 10**9
        files = total = recent = 0
        languages: Counter[str] = Counter()
        queries: Counter[str] = Counter()
        for folder in folders:
            f, t, r, langs = folder.catalog.file_stats(since)
            files, total, recent = files + f, total + t, recent + r
            languages.update(dict(langs))
            queries.update(dict(folder.catalog.popular_queries(50)))
        return {
            "files": files,
            "totalBytes": total,
            "avgBytes": round(total / files, 1) if files else 0,
            "recentFiles7d": recent,
            "languages": [{"language": k, "files": v} for k, v in _top(languages, 10)],
            "popularQueries": [{"query": k, "count": v} for k, v in _top(queries, 10)],
        }

    def _allowed_ids(self, folder: FolderIndex, matcher: FilterMatcher | None) -> list[int] | None:
        if matcher is None:
            return None
        return folder.catalog.filtered_chunk_ids(matcher.accepts)

    def _symbol_hits(
        self, folder: FolderIndex, query: str, matcher: FilterMatcher | None
    ) -> list[tuple[Key, float]]:
        """Definitions whose name the query spells out: written as code (`retry_request`,
        `Cache.cull`) or as words ("parse http header" for `parseHttpHeader`). A name that is
        one ordinary word of a longer sentence ("add", "remove") says little and is left out."""
        terms = query_terms(query)
        tokens = re.findall(r"[\w.]+", query)
        written = {t for t in tokens if t.isidentifier() and _looks_like_code(t)}
        dotted = {tuple(t.rsplit(".", 1)) for t in tokens if "." in t.strip(".")}
        rows = folder.catalog.symbols_named(written | {member for _, member in dotted})
        rows += folder.catalog.symbols_matching_terms(terms)
        hits: dict[int, float] = {}
        for row in rows:
            if matcher is not None and not matcher.accepts_row(row):
                continue
            norm = normalized_symbol(row.symbol) or ""
            covered = _covered_terms(norm, terms)
            if (row.container, row.symbol) in dotted:
                score = 3.0
            elif row.symbol in written:
                score = 2.0
            elif covered >= 2 or len(terms) <= 2:
                score = covered / max(len(terms), 1)
            else:
                continue
            hits[row.id] = max(hits.get(row.id, 0.0), score)
        ordered = sorted(hits.items(), key=lambda item: item[1], reverse=True)
        return [((folder.number, i), s) for i, s in ordered[:100]]

    @staticmethod
    def _rows(folders: Sequence[FolderIndex], keys: Sequence[Key]) -> dict[Key, ChunkRow]:
        by_folder: dict[int, list[int]] = {}
        for number, chunk_id in keys:
            by_folder.setdefault(number, []).append(chunk_id)
        rows: dict[Key, ChunkRow] = {}
        for folder in folders:
            ids = by_folder.get(folder.number)
            if ids:
                for chunk_id, row in folder.catalog.chunks_by_id(ids).items():
                    rows[(folder.number, chunk_id)] = row
        return rows

    def _record(self, folders: Sequence[FolderIndex], request: SearchRequest) -> None:
        if folders:
            try:
                folders[0].catalog.record_search(request.query.strip(), request.mode)
            except Exception:
                log.exception("could not record search history")


_IDENTIFIER = re.compile(r"\b[^\W\d]\w{2,}\b")
RESULT_CACHE_SIZE = 128


def _request_key(request: SearchRequest) -> tuple[Any, ...]:
    """Requests that differ only in case or spacing of the query share an answer."""
    return (" ".join(request.query.split()).casefold(), *astuple(request)[1:])


def _looks_like_code(token: str) -> bool:
    """`retry_request`, `parseHeader`, `HTTPServer`, `x2`: not a plain dictionary word."""
    return (
        "_" in token or any(c.isdigit() for c in token) or not (token.islower() or token.istitle())
    )


def _covered_terms(symbol_norm: str, terms: Sequence[str]) -> int:
    """How many consecutive query terms the folded name is made of (0 if none)."""
    for n in range(min(len(terms), 6), 0, -1):
        for i in range(len(terms) - n + 1):
            if "".join(terms[i : i + n]) == symbol_norm:
                return n
    return 0


def _top(counts: Counter[str], n: int) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


def _symbol_dict(folder: FolderIndex, row: SymbolRow) -> dict[str, Any]:
    return {
        "name": row.symbol,
        "kind": row.kind,
        "containerName": row.container,
        "uri": (folder.root / row.path).as_uri(),
        "path": row.path,
        "range": {
            "start": {"line": row.start_line, "character": 0},
            "end": {"line": row.end_line + 1, "character": 0},
        },
    }
