"""Answering searches: the channels run, their rankings are fused, filtered and paged.

Everything here reads: the catalog through its WAL snapshot and the vector stores under their
locks, on the caller's thread, while the indexing worker keeps writing. The query is encoded on
a thread of its own while the lexical and symbol channels run; past the time budget the search
stops waiting and fuses what it has (`partial`). Identical requests between two index changes
are answered from memory (`cached`), and each query's vector is memoized.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import astuple, dataclass, field, replace
from pathlib import Path

from arama.engine.config import EngineConfig, Fusion, Priors
from arama.engine.embedding.protocol import Embedder
from arama.engine.folders import FolderView
from arama.engine.records import (
    ChunkRow,
    ContextAnswer,
    Hit,
    IndexStats,
    SearchAnswer,
    SymbolHit,
)
from arama.engine.search import channels, mentions, priors
from arama.engine.search.budget import Budget
from arama.engine.search.context import related_code
from arama.engine.search.expand import expand
from arama.engine.search.fusion import Ranked, merge_ranked
from arama.engine.search.ranking import Ranking, rank
from arama.engine.search.request import FilterMatcher, SearchRequest
from arama.engine.search.stats import index_stats
from arama.engine.search.symbols import WorkspaceSymbols
from arama.engine.search.view import IndexView, Key, rows_of
from arama.engine.vectors import Vectors

log = logging.getLogger(__name__)

RESULT_CACHE_SIZE = 128
# How long a search waits for the folders queued to open (their index on disk), and for a query
# model being prepared for the first time (a first export takes ~20 s and is not waited for; a
# model that only needs opening is waited for within the search's budget).
OPEN_WAIT_S = 5.0
QUERY_MODEL_WAIT_S = 1.5
CHANNELS_RESERVE_S = 0.3  # of a search's budget, kept for the channels after waiting for the model
LOADER_JOIN_S = 10.0
CHANNELS = ("dense", "lexical", "symbol", "names", "feedback", "definitions", "mentions")


@dataclass
class _Evidence:
    """What the channels found, per channel a list of per-folder rankings; `allowed` keeps
    each folder's filtered chunk ids (None: all), computed once per search."""

    lists: dict[str, list[Ranked]]
    allowed: dict[int, list[int] | None]
    rows: dict[Key, ChunkRow] = field(default_factory=dict)  # read so far, for the ranking

    def ranked(self) -> dict[str, list[Key]]:
        return {name: merge_ranked(lists) for name, lists in self.lists.items() if lists}

    def allowed_in(self, folder: FolderView, matcher: FilterMatcher | None) -> list[int] | None:
        if folder.number not in self.allowed:
            self.allowed[folder.number] = channels.allowed_ids(folder, matcher)
        return self.allowed[folder.number]


def _by_words(
    evidence: _Evidence,
    request: SearchRequest,
    folder: FolderView,
    matcher: FilterMatcher | None,
    budget: Budget,
    names: Sequence[str],
) -> None:
    """The channels that need no model: lexical, symbol names in hybrid mode, definitions of
    written names in lexical mode."""
    allowed = evidence.allowed_in(folder, matcher)
    if request.mode in ("hybrid", "lexical"):
        found = channels.lexical(folder, request.query, request.depth, allowed)
        evidence.lists["lexical"].append(found)
    if request.mode == "hybrid" and budget.go_on():
        evidence.lists["symbol"].append(channels.symbol(folder, request.query, matcher))
    if request.mode == "lexical" and names:
        evidence.lists["definitions"].append(channels.definitions(folder, names, matcher))


def _by_feedback(
    evidence: _Evidence,
    request: SearchRequest,
    folders: Sequence[FolderView],
    matcher: FilterMatcher | None,
) -> None:
    """A second lexical query: the question plus identifiers of the best dense hits."""
    best = merge_ranked(evidence.lists["dense"])[: priors.FEEDBACK_FROM]
    rows = rows_of(folders, best, evidence.rows)
    query = priors.feedback_query(request.query, [rows[k] for k in best if k in rows])
    if query is None:
        return
    for folder in folders:
        allowed = evidence.allowed_in(folder, matcher)
        evidence.lists["feedback"].append(channels.lexical(folder, query, request.depth, allowed))


def _second_pass(
    evidence: _Evidence,
    request: SearchRequest,
    folders: Sequence[FolderView],
    matcher: FilterMatcher | None,
    rules: Priors,
    k: float,
) -> None:
    """The hybrid channels that read the first ones' hits: feedback, mentions."""
    if rules.feedback > 0:
        _by_feedback(evidence, request, folders, matcher)
    if rules.mentions > 0:
        weights = mentions.voter_weights(evidence.lists["dense"], evidence.lists["lexical"], k)
        evidence.lists["mentions"] = mentions.mentioned_definitions(
            folders, weights, matcher, evidence.rows
        )


def _by_meaning(
    evidence: _Evidence,
    request: SearchRequest,
    folder: FolderView,
    matcher: FilterMatcher | None,
    budget: Budget,
    vector: Vectors,
) -> None:
    """The vector channels: chunk vectors, and name vectors in hybrid mode."""
    allowed = evidence.allowed_in(folder, matcher)
    evidence.lists["dense"].append(channels.dense(folder, vector, request.depth, allowed))
    if request.mode == "hybrid" and budget.go_on():
        evidence.lists["names"].append(channels.names(folder, vector, request.depth, allowed))


class Searcher:
    def __init__(
        self,
        index: IndexView,
        embedder: Embedder,
        config: EngineConfig,
        load_model: Callable[[], None],
    ) -> None:
        self._index = index
        self._embedder = embedder
        self._config = config
        self._load_model = load_model
        self._query_vectors: dict[str, Vectors] = {}
        self._vectors_lock = threading.Lock()
        # One thread encodes queries (the model instance for queries is not thread-safe).
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arama-query")
        self._results: OrderedDict[Hashable, SearchAnswer] = OrderedDict()
        self._results_generation = -1
        self._results_lock = threading.Lock()
        self._query_loader: threading.Thread | None = None
        self._loader_started = 0.0
        self._loader_lock = threading.Lock()
        self._symbols = WorkspaceSymbols(index, self.query_vector)

    def close(self) -> None:
        """Stop encoding; a query model still loading is given a moment to finish (a process
        that exits while ONNX Runtime builds a session aborts in C++)."""
        self._encoder.shutdown(wait=False, cancel_futures=True)
        loader = self._query_loader
        if loader is not None:
            loader.join(timeout=LOADER_JOIN_S)

    # -- arama.search ------------------------------------------------------------------------

    def search(
        self,
        request: SearchRequest,
        *,
        cancelled: Callable[[], bool] | None = None,
        budget_s: float | None = None,
        fusion: Fusion | None = None,
        priors: Priors | None = None,
    ) -> SearchAnswer:
        """The `arama.search` answer. `cancelled` is polled between steps: when it says so,
        `SearchCancelled` is raised and no more work is done. Past `budget_s` (the configured
        budget when None), the answer is built from the channels that finished and says
        `partial`. `fusion` and `priors` override the configured ones (benchmarks sweep them)."""
        started = time.perf_counter()
        budget = self._config.search_budget_s if budget_s is None else budget_s
        ranking = Ranking(fusion or self._config.fusion, priors or self._config.priors)
        # In the first moments of a session, answer from the index on disk, not from nothing.
        self._index.wait_opened(max(0.0, min(budget - CHANNELS_RESERVE_S, OPEN_WAIT_S)))
        dense_ready = request.mode != "hybrid" or self._query_model_ready(started + budget)
        indexing = self._index.indexing() or not dense_ready
        folders = self._index.folders()
        _record(folders, request)
        generation = self._index.generation
        key = (
            *_request_key(request),
            astuple(ranking.fusion),
            astuple(ranking.priors),
            # A tuned adapter kept (or reset) since: another answer, same index generation.
            tuple(f.adapter.identity() if f.adapter is not None else None for f in folders),
        )
        # Only a complete index's answers are remembered or served again: while it starts,
        # is built or lacks the query model, the next search may already know more.
        cached = None if indexing else self._cached_answer(key, generation)
        if cached is not None:
            return replace(cached, took_ms=_ms_since(started), indexing=indexing, cached=True)
        answer = self._search(
            request, folders, Budget(started + budget, cancelled), dense_ready, ranking
        )
        answer = replace(answer, indexing=indexing)
        if not answer.partial and not indexing:  # an answer cut short is not worth remembering
            self._remember(key, generation, answer)
        return replace(answer, took_ms=_ms_since(started))

    def _query_model_ready(self, deadline: float) -> bool:
        """Whether hybrid can use the meaning channels. A model that only has to be opened (a
        warm start: the ONNX export is on disk) is waited for, until `CHANNELS_RESERVE_S`
        before the search's deadline, so the first answers rank as later ones do. A model
        being prepared for the first time (~20 s) is waited for at most `QUERY_MODEL_WAIT_S`
        from when its loading began: hybrid then answers from the lexical and symbol channels,
        and says `indexing`."""
        if self._embedder.query_ready():
            return True
        loader, loading_since = self.load_query_model_soon()
        needs = getattr(self._embedder, "needs_preparation", None)
        now = time.perf_counter()
        if callable(needs) and needs():
            wait = loading_since + QUERY_MODEL_WAIT_S - now
        else:
            wait = deadline - CHANNELS_RESERVE_S - now
        if wait > 0:
            loader.join(timeout=None if math.isinf(wait) else wait)
        return self._embedder.query_ready()

    def _cached_answer(self, key: Hashable, generation: int) -> SearchAnswer | None:
        if not self._config.use_result_cache:
            return None
        with self._results_lock:
            if self._results_generation != generation:
                self._results.clear()
                self._results_generation = generation
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
            return cached

    def _remember(self, key: Hashable, generation: int, answer: SearchAnswer) -> None:
        if not self._config.use_result_cache:
            return
        with self._results_lock:
            if self._results_generation == generation:
                self._results[key] = answer
                while len(self._results) > RESULT_CACHE_SIZE:
                    self._results.popitem(last=False)

    def _search(
        self,
        request: SearchRequest,
        folders: Sequence[FolderView],
        budget: Budget,
        dense_ready: bool,
        ranking: Ranking,
    ) -> SearchAnswer:
        matcher = None if request.filters.empty else request.filters.matcher()
        evidence = self._gather(request, folders, budget, matcher, dense_ready, ranking.priors)
        budget.check_cancelled()
        ranked = rank(request, evidence.lists, folders, ranking, matcher, evidence.rows)
        page = ranked[request.offset : request.offset + request.limit]
        roots = {f.number: f.root for f in folders}
        hits = [Hit(roots[k[0]], row, score, similar) for (k, row, score), similar in page]
        if request.expand:
            by_number = {f.number: f for f in folders}
            hits = [
                expand(by_number[k[0]], hit)
                for hit, ((k, _row, _score), _similar) in zip(hits, page, strict=True)
            ]
        return SearchAnswer(
            hits=tuple(hits),
            total=len(ranked),
            took_ms=0.0,
            indexing=False,
            partial=budget.cut_short,
        )

    def _gather(
        self,
        request: SearchRequest,
        folders: Sequence[FolderView],
        budget: Budget,
        matcher: FilterMatcher | None,
        dense_ready: bool,
        rules: Priors,
    ) -> _Evidence:
        """Run the channels the mode asks for: the lexical and symbol ones while the query is
        being encoded, then the vector ones, each folder in turn, until the budget ends."""
        evidence = _Evidence({name: [] for name in CHANNELS}, {})
        use_dense = dense_ready and request.mode in ("hybrid", "semantic")
        soon = self._encode_query_soon(request.query) if use_dense and folders else None
        # In lexical mode the definitions of written names join the candidates, so that the
        # definition prior can place them (hybrid's symbol channel finds them anyway).
        names = priors.written_names(request.query) if rules.definition_boost > 0 else []
        for folder in folders:
            if not budget.go_on():
                break
            _by_words(evidence, request, folder, matcher, budget, names)
        vector = budget.wait_for(soon) if soon is not None else None
        if vector is not None:
            for folder in folders:
                if not budget.go_on():
                    break
                _by_meaning(evidence, request, folder, matcher, budget, vector)
        if request.mode == "hybrid" and budget.go_on():
            _second_pass(evidence, request, folders, matcher, rules, self._config.fusion.k)
        return evidence

    # -- the query model ---------------------------------------------------------------------

    def load_query_model_soon(self) -> tuple[threading.Thread, float]:
        """Start loading the query model on a thread of its own (once); returns that thread
        and when it started (`time.perf_counter`)."""
        with self._loader_lock:
            if self._query_loader is None:
                self._query_loader = threading.Thread(
                    target=self._load_model, name="arama-query-model", daemon=True
                )
                self._loader_started = time.perf_counter()
                self._query_loader.start()
            return self._query_loader, self._loader_started

    def _encode_query_soon(self, query: str) -> Future[Vectors]:
        """The query's vector, computed on the encoder thread while the lexical and symbol
        channels run here (and abandoned, not waited for, when the budget runs out)."""
        with self._vectors_lock:
            cached = self._query_vectors.get(query)
        if cached is not None:
            done: Future[Vectors] = Future()
            done.set_result(cached)
            return done
        return self._encoder.submit(self.query_vector, query)

    def query_vector(self, query: str) -> Vectors:
        memo = self._config.query_vector_memo
        with self._vectors_lock:
            vector = self._query_vectors.get(query)
        if vector is None:
            vector = self._embedder.embed_query(query)
            if memo > 0:
                with self._vectors_lock:
                    if len(self._query_vectors) >= memo:
                        self._query_vectors.clear()
                    self._query_vectors[query] = vector
        return vector

    # -- the other questions -----------------------------------------------------------------

    def context(self, path: Path, line: int, limit: int = 10) -> ContextAnswer:
        """The chunk at a position (`focus`) and the code most related to it; LookupError when
        the path is in no folder or nothing is indexed there."""
        started = time.perf_counter()
        folder, rel = self._index.locate(path)
        focus, related = related_code(
            self._index, folder, rel, line, limit, self.query_vector, self._config.fusion
        )
        return ContextAnswer(focus, tuple(related), _ms_since(started))

    def symbols(self, query: str, limit: int = 100) -> list[SymbolHit]:
        return self._symbols.find(query, limit)

    def stats(self) -> IndexStats:
        return index_stats(self._index.folders())


def _record(folders: Sequence[FolderView], request: SearchRequest) -> None:
    """Search history, for the popular queries of `arama.stats` (kept in the first folder)."""
    if folders:
        try:
            folders[0].catalog.record_search(request.query.strip(), request.mode)
        except Exception:
            log.exception("could not record search history")


def _request_key(request: SearchRequest) -> tuple[object, ...]:
    """Requests that differ only in case or spacing of the query share an answer."""
    return (" ".join(request.query.split()).casefold(), *astuple(request)[1:])


def _ms_since(started: float) -> float:
    took = (time.perf_counter() - started) * 1000
    return round(took, 2) if math.isfinite(took) else 0.0
