"""Vectors for pending chunks and definition names: cache first, then the model, in batches.

Order: chunk vectors of every folder before any name vector (they serve every search); within
a folder, most recently modified files first (what the user touches gets embedded first).
Within one batch, cache hits come first, identical texts are embedded once, and misses are sorted
by length (little padding). The loop gives way to queued jobs between model calls, so a file
save never waits behind an embedding backlog. Vector files are saved every `SAVE_INTERVAL_S`
per folder and whenever a folder has nothing left pending.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np

from arama.engine.config import EngineConfig
from arama.engine.embedding.cache import EmbeddingCache
from arama.engine.embedding.protocol import Embedder, EmbedderStopped, Vectors
from arama.engine.embedding.remote import RemoteCache
from arama.engine.embedding.text import embedding_input, name_phrase
from arama.engine.folders import FolderIndex, FolderRegistry, VectorSpace
from arama.engine.hashing import text_hash
from arama.engine.indexing.team_cache import TeamCache
from arama.engine.records import EmbeddingRow, Progress

log = logging.getLogger(__name__)

SAVE_INTERVAL_S = 20.0
CACHE_LOOKUP_BATCH = 512
NAME_BATCH_FACTOR = 8  # names are a few words each: larger batches cost no more memory
SPACES = ("chunks", "names")


class Embedding:
    """Fills the folders' vector spaces. `step` runs on the indexing thread; `warm_up` and the
    model lock are shared with the searcher's model loading."""

    def __init__(
        self,
        config: EngineConfig,
        registry: FolderRegistry,
        embedder: Embedder,
        cache: EmbeddingCache,
        report: Callable[[Progress], None],
        remote: RemoteCache | None = None,
    ) -> None:
        self._config = config
        self._registry = registry
        self._embedder = embedder
        self._cache = cache
        self._report = report
        self._model_lock = threading.Lock()
        self._dim: int | None = None
        # This round of the embedding bar: vectors given so far (from the cache or the model).
        # The bar's total is that plus what is still pending, so it ends at exactly 100 %.
        self._round_done = 0
        self._model_loaded = False
        self._saved_at: dict[int, float] = {}  # folder number -> when its vectors were saved
        self.stopping = False
        self.embedded_chunks = 0
        self.embedded_names = 0
        # Vectors given since the engine started, by where they came from (the CLI's summary).
        self.vectors_from_cache = 0
        self.vectors_embedded = 0
        # The team-shared cache behind the local one (remoteCache); our model verifies it.
        self.team = TeamCache(cache, remote, self._embed) if remote is not None else None
        # Chunk ids that got the team cache's vectors, per vector space: re-embedded if it is
        # distrusted later (a verification mismatch).
        self._from_team: dict[int, tuple[VectorSpace, set[int]]] = {}

    @property
    def dimension_known(self) -> bool:
        return self._dim is not None

    def step(self, *, yield_to: Callable[[], bool]) -> None:
        """Give vectors to one batch of pending chunks of one space of one folder."""
        work = self._next_work()
        if work is None:
            return
        folder, label, space = work
        batch = _next_batch(folder, space)
        if not batch:
            return
        rows = folder.catalog.chunk_embedding_rows(batch)
        texts = self._texts(label, rows)
        space.pending.difference_update(set(batch) - texts.keys())
        ids = [i for i in batch if i in texts]
        misses = self._serve_from_cache(folder, space, ids, texts)
        if misses:
            self._prepare_model()
        size = self._config.embed_batch_size * (NAME_BATCH_FACTOR if label == "names" else 1)
        for start in range(0, len(misses), size):
            if self.stopping or yield_to():
                break  # let file updates go first; the rest stays pending
            self._embed_batch(space, label, misses[start : start + size], texts)
            self._report_embedding()
        self._report_embedding()
        self.save(folder, force=not (folder.chunks.pending or folder.names.pending))

    def _next_work(self) -> tuple[FolderIndex, str, VectorSpace] | None:
        folders = self._registry.all()
        for label in SPACES:
            folder = next((f for f in folders if f.space(label).pending), None)
            if folder is not None:
                return folder, label, folder.space(label)
        return None

    def _serve_from_cache(
        self,
        folder: FolderIndex,
        space: VectorSpace,
        ids: list[int],
        texts: dict[int, tuple[str, str]],
    ) -> list[list[int]]:
        """Add the cached vectors; returns the misses as groups of ids sharing one text (so
        copies, vendored code and boilerplate cost one embedding), shortest text first."""
        dim = self._dimension(folder)
        model_id = self._embedder.model_id
        digests = [texts[i][1] for i in ids]
        cached = self._cache.get_many(model_id, digests, dim, count=self.team is None)
        if self.team is not None:
            filled = self.team.fill(model_id, digests, [texts[i][0] for i in ids], cached, dim)
            cached = filled.vectors
            self._remember_team_vectors(space, [ids[i] for i in filled.from_remote])
        hit_ids = [i for i, v in zip(ids, cached, strict=True) if v is not None]
        if hit_ids:
            space.store.add(hit_ids, np.vstack([v for v in cached if v is not None]))
            space.pending.difference_update(hit_ids)
            self._registry.changed(catalog=False)
            self._round_done += len(hit_ids)
            self.vectors_from_cache += len(hit_ids)
        ids_by_hash: dict[str, list[int]] = {}
        for i, vector in zip(ids, cached, strict=True):
            if vector is None:
                ids_by_hash.setdefault(texts[i][1], []).append(i)
        groups = list(ids_by_hash.values())
        groups.sort(key=lambda group: len(texts[group[0]][0]))  # similar lengths pad little
        return groups

    def _remember_team_vectors(self, space: VectorSpace, served: list[int]) -> None:
        """Note which chunks got remote vectors; after a mismatch, give those back to the queue
        (their vectors out of the store, the chunks pending) so the local model embeds them."""
        assert self.team is not None
        if served:
            self._from_team.setdefault(id(space), (space, set()))[1].update(served)
        if not self.team.take_distrusted():
            return
        live = {id(f.space(label)) for f in self._registry.all() for label in SPACES}
        requeued = 0
        for key, (other, chunk_ids) in self._from_team.items():
            if key not in live:
                continue  # its folder was removed meanwhile
            other.store.remove(chunk_ids)
            other.pending.update(chunk_ids)
            requeued += len(chunk_ids)
        self._from_team.clear()
        self._registry.changed(catalog=False)
        log.warning(
            "re-embedding %d chunks that got vectors from the distrusted team cache", requeued
        )

    def _embed_batch(
        self,
        space: VectorSpace,
        label: str,
        groups: Sequence[list[int]],
        texts: dict[int, tuple[str, str]],
    ) -> None:
        vectors = self._embed([texts[group[0]][0] for group in groups])
        digests = [texts[group[0]][1] for group in groups]
        self._cache.put_many(self._embedder.model_id, digests, vectors)
        if self.team is not None:
            self.team.push(self._embedder.model_id, digests, vectors)
        ids = [i for group in groups for i in group]
        positions = [row for row, group in enumerate(groups) for _ in group]
        space.store.add(ids, vectors[positions])
        space.pending.difference_update(ids)
        self._round_done += len(ids)
        self.vectors_embedded += len(ids)
        if label == "chunks":
            self.embedded_chunks += len(groups)
        else:
            self.embedded_names += len(groups)
        self._registry.changed(catalog=False)

    def _texts(self, label: str, rows: dict[int, EmbeddingRow]) -> dict[int, tuple[str, str]]:
        """chunk id -> (text to embed, its digest) in one vector space; chunks with nothing to
        embed there (an unnamed chunk has no name vector) are left out."""
        if label == "chunks":
            context = self._config.embed_context
            return {
                i: embedding_input(
                    r.text, r.text_hash, r.path, r.symbol, r.container, context=context
                )
                for i, r in rows.items()
            }
        out: dict[int, tuple[str, str]] = {}
        for i, r in rows.items():
            if r.symbol is not None and r.kind is not None:
                phrase = name_phrase(r.path, r.symbol, r.container)
                if phrase:
                    out[i] = (phrase, text_hash(phrase))
        return out

    # -- the model ---------------------------------------------------------------------------

    def _prepare_model(self) -> None:
        """Load the model before its first batch; a model made on first use (the ONNX export,
        ~20 s once) is its own step of the progress, not time billed to reading files."""
        if self._model_loaded:
            return
        needs = getattr(self._embedder, "needs_preparation", None)
        preparing = bool(needs()) if callable(needs) else False
        if preparing:
            self._report(Progress("model", 0, 1))
        with self._model_lock:
            self._embedder.dimension()  # loads (and first makes) the model
        self._model_loaded = True
        if preparing:
            self._report(Progress("model", 1, 1))

    def warm_up(self) -> None:
        """With nothing to index (a warm start), load the model now rather than on the first
        query."""
        try:
            with self._model_lock:
                self._embedder.warm_up()
        except EmbedderStopped:
            log.info("the engine closed while the model was loading")
        except Exception:
            log.exception("could not load the embedding model")

    def _embed(self, texts: Sequence[str]) -> Vectors:
        with self._model_lock:
            return self._embedder.embed(texts)

    def _dimension(self, folder: FolderIndex) -> int:
        if self._dim is None:
            self._dim = folder.chunks.store.dimension
        if self._dim is None:
            self._prepare_model()  # a new index: only the model knows the dimension
            with self._model_lock:
                self._dim = self._embedder.dimension()
        return self._dim

    # -- saving and progress -----------------------------------------------------------------

    def save(self, folder: FolderIndex, *, force: bool = False) -> None:
        if self._config.read_only:
            return
        now = time.monotonic()
        if force or now - self._saved_at.get(folder.number, 0.0) > SAVE_INTERVAL_S:
            try:
                folder.chunks.store.save()
                folder.names.store.save()
            except OSError:
                log.exception("could not save vector index of %s", folder.root)
            self._saved_at[folder.number] = now

    def _report_embedding(self) -> None:
        """Vectors given this round out of given + pending: the last report of a round is
        exactly 100 %, and its total is the number of vectors the round made or found."""
        pending = self._registry.pending_chunks() + self._registry.pending_names()
        total = self._round_done + pending
        if total == 0:
            return  # nothing was needed: no bar
        self._report(Progress("embedding", self._round_done, total))
        if not pending:
            self._round_done = 0


def _next_batch(folder: FolderIndex, space: VectorSpace) -> list[int]:
    """Up to CACHE_LOOKUP_BATCH pending ids, in embedding order (recomputed only after what is
    pending changed)."""
    if not space.order:
        order = folder.catalog.chunk_order_for_embedding(space.pending)
        space.pending.intersection_update(order)  # ids whose chunk is gone need nothing
        space.order = deque(order)
    batch: list[int] = []
    while space.order and len(batch) < CACHE_LOOKUP_BATCH:
        chunk_id = space.order.popleft()
        if chunk_id in space.pending:
            batch.append(chunk_id)
    if not batch:
        space.order = None
    return batch
