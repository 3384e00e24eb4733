"""The one object the outside talks to: folders in, searches and status out.

One background thread (the indexer) owns every write: it scans, chunks and catalogs files first
(so lexical search works within seconds), then fills the vector index from the embedding cache
and the model, most recently modified files first. Searches run on the caller's thread, against
the catalog's WAL snapshot and the vector store's lock, so they answer while indexing runs.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from arama.engine.catalog import Catalog, CatalogCorrupt, ChunkRow, NewChunk
from arama.engine.chunker import chunk_source
from arama.engine.config import EngineConfig
from arama.engine.embedder import Embedder, EmbeddingCache, SentenceTransformerEmbedder, text_hash
from arama.engine.languages import PLAINTEXT, language_for_path
from arama.engine.lexical import normalized_symbol, query_terms
from arama.engine.ranking import (
    FilterMatcher,
    Key,
    SearchRequest,
    fold_overlaps,
    merge_ranked,
    reciprocal_rank_fusion,
)
from arama.engine.records import Chunk, ScannedFile, SkipFile
from arama.engine.results import result_dict
from arama.engine.scanner import Scanner, read_source
from arama.engine.symbols import SymbolRow, fold_query, name_score
from arama.engine.vectors import VectorStore
from arama.engine.watcher import FolderWatcher

log = logging.getLogger(__name__)

State = Literal["starting", "indexing", "ready"]
SAVE_INTERVAL_S = 20.0
REWALK_AFTER_S = (1.0, 5.0)
STORM_PATHS = 200  # a batch this large is a storm: rescan once it is over
STORM_QUIET_S = 2.0
CONTEXT_MIN_SIMILARITY = 0.3
CACHE_LOOKUP_BATCH = 512


@dataclass(frozen=True, slots=True)
class Progress:
    """What the indexer is doing, for progress bars: `phase` is "scanning" or "embedding"."""

    phase: str
    done: int
    total: int


ProgressCallback = Callable[[Progress], None]


@dataclass
class FolderIndex:
    """One workspace folder's index: catalog, vectors, and what still needs a vector."""

    number: int
    root: Path
    directory: Path
    scanner: Scanner
    catalog: Catalog
    vectors: VectorStore
    pending: set[int] = field(default_factory=set)
    # Skipped files, counted once each: the scanner's stat-level refusals of the last full scan,
    # plus read-level refusals (binary, minified, ...) by path, so repeated events don't add up.
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_reads: dict[str, str] = field(default_factory=dict)
    recovered: list[str] = field(default_factory=list)
    # Unsaved editor buffers (relative path -> text): while open, they are what gets indexed.
    overlays: dict[str, str] = field(default_factory=dict)
    # Pending ids in embedding order, computed once per change of what is pending (recomputing
    # it for every batch would scan every chunk each time).
    pending_order: deque[int] | None = None


@dataclass(slots=True)
class _Job:
    kind: Literal["open", "sync", "paths", "overlay", "close"]
    root: Path
    paths: frozenset[Path] = frozenset()
    sync: bool = True  # "open" only: also scan the folder (the CLI's status does not)
    # "overlay" only: buffer text per file, None when the buffer closed (disk rules again).
    buffers: dict[Path, str | None] = field(default_factory=dict)


class Engine:
    def __init__(
        self,
        config: EngineConfig,
        *,
        embedder: Embedder | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.config = config
        config.cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.embedder: Embedder = embedder or SentenceTransformerEmbedder(
            config.model, threads=config.threads, scratch_dir=config.cache_dir / "torch"
        )
        self.cache = EmbeddingCache(config.embeddings_dir)
        self.on_progress = on_progress
        self._folders: dict[Path, FolderIndex] = {}
        self._folders_lock = threading.RLock()
        self._next_number = 0
        self._jobs: deque[_Job] = deque()
        self._cv = threading.Condition()
        self._busy = False
        self._queue_total = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._embed_lock = threading.Lock()
        self._query_vectors: dict[str, np.ndarray[Any, np.dtype[np.float32]]] = {}
        self._last_save = time.monotonic()
        self._dim: int | None = None
        # Bumped by every change to what a search can see; keys the result and symbol caches.
        self.generation = 0
        self.catalog_generation = 0  # files, chunks and symbols only (not vectors)
        self._results: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._results_generation = -1
        self._results_lock = threading.Lock()
        self._symbols: tuple[int, list[tuple[FolderIndex, SymbolRow]]] | None = None
        self._watcher: FolderWatcher | None = None
        # How file events were coalesced: batches processed, and paths they held.
        self.update_batches = 0
        self.updated_paths = 0
        self._walked: dict[Path, float] = {}  # new directories walked, and when
        self._storm_timers: dict[Path, threading.Timer] = {}
        self._query_loader: threading.Thread | None = None
        self.embedded_chunks = 0

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        with self._cv:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="arama-indexer", daemon=True)
            self._thread.start()

    def watch(self) -> None:
        """Follow disk changes in every folder (the server does; one-shot CLI runs do not)."""
        if self._watcher is None:
            self._watcher = FolderWatcher(self.notify_changed, self._is_ignored)
            self._watcher.set_roots(self.folder_roots())

    def _is_ignored(self, path: Path) -> bool:
        try:
            folder, _rel = self._locate(path)
        except (LookupError, SkipFile):
            return True
        return folder.scanner.is_ignored(path)

    def _folders_changed(self) -> None:
        if self._watcher is not None:
            with self._folders_lock:
                roots = list(self._folders)
            self._watcher.set_roots(roots)

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=60)
        with self._folders_lock:
            for folder in self._folders.values():
                self._save(folder, force=True)
                folder.catalog.close()
            self._folders.clear()
        self.cache.close()

    def add_folder(self, root: Path, *, sync: bool = True) -> None:
        self._enqueue(_Job("open", root.resolve(), sync=sync))

    def remove_folder(self, root: Path) -> None:
        self._enqueue(_Job("close", root.resolve()))

    def reindex(self) -> int:
        """Rescan every folder; the embedding cache keeps unchanged text free."""
        roots = self.folder_roots()
        for root in roots:
            self._enqueue(_Job("sync", root))
        with self._folders_lock:
            return sum(len(f.catalog.live_files()) for f in self._folders.values())

    def notify_changed(self, paths: Iterable[Path]) -> None:
        """Files created, changed or deleted on disk (watcher or client events)."""
        by_root: dict[Path, set[Path]] = {}
        roots = self.folder_roots()
        for path in paths:
            absolute = Path(os.path.abspath(path))
            for root in roots:
                if absolute == root or root in absolute.parents:
                    by_root.setdefault(root, set()).add(absolute)
                    break
        for root, changed in by_root.items():
            self._enqueue(_Job("paths", root, frozenset(changed)))

    def set_buffer(self, path: Path, text: str | None) -> None:
        """An editor buffer's unsaved text (None when closed: the disk content rules again)."""
        absolute = Path(os.path.abspath(path))
        for root in self.folder_roots():
            if absolute == root or root in absolute.parents:
                self._enqueue(_Job("overlay", root, buffers={absolute: text}))
                return

    def folder_roots(self) -> list[Path]:
        with self._folders_lock:
            opened = list(self._folders)
        with self._cv:
            queued = [j.root for j in self._jobs if j.kind == "open"]
        return opened + [r for r in queued if r not in opened]

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or pending (CLI and tests)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            while self._jobs or self._busy or self._has_pending():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cv.wait(timeout=remaining if remaining is not None else 1.0)
        return True

    # -- the indexer thread ---------------------------------------------------------------------

    def _enqueue(self, job: _Job) -> None:
        with self._cv:
            # Coalesce: a full sync of a folder makes queued path updates of it redundant.
            if job.kind == "sync" and any(
                j.kind == "sync" and j.root == job.root for j in self._jobs
            ):
                return
            if job.kind in ("paths", "overlay"):
                for queued in self._jobs:
                    if queued.kind == job.kind and queued.root == job.root:
                        queued.paths = queued.paths | job.paths
                        queued.buffers.update(job.buffers)  # the latest text of a buffer wins
                        self._cv.notify_all()
                        return
            self._jobs.append(job)
            self._cv.notify_all()

    def _has_pending(self) -> bool:
        with self._folders_lock:
            return any(f.pending for f in self._folders.values())

    def _run(self) -> None:
        _lower_thread_priority()
        while True:
            with self._cv:
                idle = not self._stopping and not self._jobs and not self._has_pending()
            if idle and self._busy:
                if self.config.preload_model:
                    # Still "indexing" until the model can answer semantically: "ready" (and the
                    # end of the progress bar) means every kind of search works.
                    self._warm_up()
                with self._cv:
                    if self._jobs or self._has_pending():
                        continue
                    self._busy = False
                    self._cv.notify_all()
                self._report(Progress("idle", 0, 0))
            with self._cv:
                while not self._stopping and not self._jobs and not self._has_pending():
                    self._busy = False
                    self._cv.notify_all()
                    self._cv.wait()
                if self._stopping:
                    self._busy = False
                    self._cv.notify_all()
                    return
                job = self._jobs.popleft() if self._jobs else None
                self._busy = True
            try:
                if job is not None:
                    self._run_job(job)
                else:
                    self._embed_step()
            except Exception:  # the indexer must outlive any one bad file or job
                log.exception("indexer job failed: %s", job)

    def _run_job(self, job: _Job) -> None:
        if job.kind == "open":
            folder = self._open_folder(job.root)
            if folder is not None and job.sync:
                self._sync(folder)
            return
        with self._folders_lock:
            folder = self._folders.get(job.root)
        if folder is None:
            return
        if job.kind == "close":
            with self._folders_lock:
                del self._folders[job.root]
            self._save(folder, force=True)
            folder.catalog.close()
            self._folders_changed()
        elif job.kind == "sync":
            self._sync(folder)
        elif job.kind == "overlay":
            self._apply_buffers(folder, job.buffers)
        else:
            self._update_paths(folder, job.paths)
        self._changed()

    def _open_folder(self, root: Path) -> FolderIndex | None:
        with self._folders_lock:
            if root in self._folders:
                return self._folders[root]
        if not root.is_dir():
            log.warning("workspace folder %s is not a directory", root)
            return None
        directory = self.config.workspace_dir(root)
        for level in (directory.parent, directory):  # mkdir's mode applies to the leaf only
            level.mkdir(exist_ok=True, mode=0o700)
        recovered: list[str] = []
        catalog_path = directory / "catalog.sqlite"
        try:
            catalog = Catalog(catalog_path)
        except CatalogCorrupt as exc:
            log.error("catalog %s is corrupt (%s): starting a new one", catalog_path, exc)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            for suffix in ("", "-wal", "-shm"):
                old = Path(str(catalog_path) + suffix)
                if old.exists():
                    old.replace(Path(f"{old}.corrupt-{stamp}"))
            catalog = Catalog(catalog_path)
            recovered.append(f"catalog rebuilt: {exc}")
        catalog.set_meta("root", str(root))
        vectors = VectorStore(directory / f"vectors-{_slug(self.embedder.model_id)}.faiss")
        folder = FolderIndex(
            number=self._next_number,
            root=root,
            directory=directory,
            scanner=Scanner(
                root, exclude=self.config.exclude, max_file_size=self.config.max_file_size
            ),
            catalog=catalog,
            vectors=vectors,
            recovered=recovered,
        )
        self._next_number += 1
        self._reconcile_vectors(folder)
        with self._folders_lock:
            self._folders[root] = folder
        self._changed()
        self._folders_changed()
        return folder

    def _reconcile_vectors(self, folder: FolderIndex) -> None:
        """Make the vector index hold exactly the catalog's chunks; what's missing is pending."""
        wanted = folder.catalog.chunk_hashes()
        if not folder.vectors.load():
            if folder.vectors.load_error != "missing" or wanted:
                folder.recovered.append(f"vector index rebuilt: {folder.vectors.load_error}")
            folder.pending = set(wanted)
            return
        present = folder.vectors.ids()
        orphans = present - wanted.keys()
        if orphans:
            folder.vectors.remove(orphans)
        folder.pending = set(wanted.keys() - present)
        if orphans or folder.pending:
            log.info(
                "%s: %d orphan vectors removed, %d chunks without vectors",
                folder.root,
                len(orphans),
                len(folder.pending),
            )

    def _sync(self, folder: FolderIndex) -> None:
        result = folder.scanner.scan()
        folder.skipped = Counter(result.skipped)
        folder.skipped_reads.clear()
        known = folder.catalog.live_files()
        seen: set[str] = set()
        total = len(result.files)
        for done, scanned in enumerate(result.files, 1):
            seen.add(scanned.rel)
            self._index_file(folder, scanned, known.get(scanned.rel))
            if done % 50 == 0 or done == total:
                self._report(Progress("scanning", done, total))
            if self._stopping:
                return
        vanished = [path for path in known if path not in seen]
        if vanished:
            self._forget(folder, vanished)
        folder.catalog.purge_tombstones(time.time() - self.config.tombstone_retention_s)

    def _index_file(
        self, folder: FolderIndex, scanned: ScannedFile, known: Any, *, force: bool = False
    ) -> None:
        if scanned.rel in folder.overlays:
            return  # an open editor buffer rules over the disk until it closes
        if (
            not force
            and known is not None
            and known.size == scanned.size
            and known.mtime_ns == scanned.mtime_ns
        ):
            return
        try:
            text, _raw = read_source(scanned, max_file_size=self.config.max_file_size)
        except SkipFile as skip:
            folder.skipped_reads[scanned.rel] = skip.reason
            if known is not None:
                self._forget(folder, [scanned.rel])
            return
        folder.skipped_reads.pop(scanned.rel, None)
        digest = text_hash(text)
        if known is not None and known.sha256 == digest:
            folder.catalog.touch_file(known.id, scanned.size, scanned.mtime_ns)
            return
        self._store_chunks(
            folder, scanned.rel, digest, scanned, chunk_source(text, scanned.language)
        )

    def _apply_buffers(self, folder: FolderIndex, buffers: dict[Path, str | None]) -> None:
        for path, text in buffers.items():
            try:
                rel = folder.scanner.rel(path)
            except SkipFile:
                continue
            if folder.scanner.is_ignored(path):
                continue
            if text is None:
                if folder.overlays.pop(rel, None) is not None:
                    self._reload_from_disk(folder, path, rel)
                continue
            if len(text.encode("utf-8", "surrogatepass")) > self.config.max_file_size:
                continue
            folder.overlays[rel] = text
            digest = text_hash(text)
            known = folder.catalog.file(rel)
            if known is not None and known.deleted_at is None and known.sha256 == digest:
                continue
            try:
                on_disk = folder.scanner.check(path)
                language, mtime_ns = on_disk.language, on_disk.mtime_ns + 1
            except SkipFile:  # a new file not saved yet
                language, mtime_ns = language_for_path(path) or PLAINTEXT, 0
            # mtime differs from the disk's by design: after a crash, the next scan re-reads
            # the file instead of trusting buffer text that was never saved.
            scanned = ScannedFile(path, rel, len(text.encode("utf-8")), mtime_ns, language)
            self._store_chunks(folder, rel, digest, scanned, chunk_source(text, language))

    def _reload_from_disk(self, folder: FolderIndex, path: Path, rel: str) -> None:
        try:
            scanned = folder.scanner.check(path)
        except SkipFile:
            self._forget(folder, [rel])
            return
        self._index_file(folder, scanned, folder.catalog.file(rel), force=True)

    def _store_chunks(
        self, folder: FolderIndex, rel: str, digest: str, scanned: ScannedFile, chunks: list[Chunk]
    ) -> None:
        new = [NewChunk(c, text_hash(c.text)) for c in chunks]
        removed, added = folder.catalog.replace_file(
            rel,
            sha256=digest,
            size=scanned.size,
            mtime_ns=scanned.mtime_ns,
            language=scanned.language,
            chunks=new,
        )
        folder.vectors.remove(removed)
        folder.pending -= set(removed)
        folder.pending.update(added)
        folder.pending_order = None

    def _forget(self, folder: FolderIndex, rels: Sequence[str]) -> None:
        removed = folder.catalog.mark_deleted(rels)
        folder.vectors.remove(removed)
        folder.pending -= set(removed)

    def _update_paths(self, folder: FolderIndex, paths: frozenset[Path]) -> None:
        self.update_batches += 1
        self.updated_paths += len(paths)
        if len(paths) >= STORM_PATHS:
            self._rescan_after_storm(folder.root)
        known = folder.catalog.live_files()
        gone: list[str] = []
        for path in sorted(paths):
            try:
                rel = folder.scanner.rel(path)
            except SkipFile:
                continue
            try:
                scanned = folder.scanner.check(path)
            except SkipFile:
                if path.is_dir():
                    # Files written into a new directory before the watcher covered it send no
                    # events of their own: walk it.
                    self._index_directory(folder, path, known)
                    continue
                # Stat-level refusals (FIFO, link outside, too large) were counted by the last
                # full scan; counting each event again would grow without bound.
                folder.skipped_reads.pop(rel, None)
                # A vanished path may have been a file or a whole directory.
                gone.extend(p for p in known if p == rel or p.startswith(rel + "/"))
                continue
            self._index_file(folder, scanned, known.get(rel))
        if gone:
            self._forget(folder, gone)

    def _rescan_after_storm(self, root: Path) -> None:
        """A burst of events (branch switch, `npm install`, a generator) can outrun the OS
        watcher, which then drops events. Once the burst has been quiet for a moment, a sync
        (stat-only for unchanged files) makes the index match the disk whatever was dropped."""
        with self._cv:
            pending = self._storm_timers.pop(root, None)
            if pending is not None:
                pending.cancel()
            timer = threading.Timer(STORM_QUIET_S, lambda: self._enqueue(_Job("sync", root)))
            timer.daemon = True
            self._storm_timers[root] = timer
            timer.start()

    def _index_directory(self, folder: FolderIndex, directory: Path, known: dict[str, Any]) -> None:
        scanner = folder.scanner
        if scanner.is_ignored(directory):
            return
        # The OS watch on a new directory starts only after it exists: files written in between
        # send no events. Walk it now, and again a little later for the ones still being written.
        now = time.monotonic()
        last = self._walked.get(directory)
        if last is None or now - last > REWALK_AFTER_S[-1] + 1:
            self._walked[directory] = now
            for delay in REWALK_AFTER_S:
                timer = threading.Timer(delay, self.notify_changed, args=([directory],))
                timer.daemon = True
                timer.start()
        for current, dirnames, filenames in os.walk(directory):
            base = Path(current)
            dirnames[:] = [d for d in dirnames if not scanner.is_ignored(base / d)]
            for name in filenames:
                try:
                    scanned = scanner.check(base / name)
                except SkipFile:
                    continue
                self._index_file(folder, scanned, known.get(scanned.rel))

    def _embed_step(self) -> None:
        """Give vectors to one batch of pending chunks: cache first, then the model."""
        with self._folders_lock:
            folder = next((f for f in self._folders.values() if f.pending), None)
        if folder is None:
            return
        if not folder.pending_order:
            order = folder.catalog.chunk_order_for_embedding(folder.pending)
            folder.pending.intersection_update(order)  # ids whose chunk is gone need nothing
            folder.pending_order = deque(order)
        batch: list[int] = []
        while folder.pending_order and len(batch) < CACHE_LOOKUP_BATCH:
            chunk_id = folder.pending_order.popleft()
            if chunk_id in folder.pending:
                batch.append(chunk_id)
        if not batch:
            folder.pending_order = None
            return
        texts = folder.catalog.chunk_texts(batch)
        folder.pending.difference_update(set(batch) - texts.keys())
        ids = [i for i in batch if i in texts]
        dim = self._dimension(folder)
        cached = self.cache.get_many(self.embedder.model_id, [texts[i][1] for i in ids], dim)
        hit_ids = [i for i, v in zip(ids, cached, strict=True) if v is not None]
        if hit_ids:
            folder.vectors.add(hit_ids, np.vstack([v for v in cached if v is not None]))
            folder.pending.difference_update(hit_ids)
            self._changed(catalog=False)
        # Identical text (copies, vendored code, boilerplate) is embedded once per batch.
        ids_by_hash: dict[str, list[int]] = {}
        for i, vector in zip(ids, cached, strict=True):
            if vector is None:
                ids_by_hash.setdefault(texts[i][1], []).append(i)
        # Similar lengths in one batch waste little on padding.
        unique = sorted(ids_by_hash, key=lambda digest: len(texts[ids_by_hash[digest][0]][0]))
        size = self.config.embed_batch_size
        for start in range(0, len(unique), size):
            if self._stopping or self._jobs:
                break  # let file updates go first; the rest stays pending
            digests = unique[start : start + size]
            vectors = self._embed([texts[ids_by_hash[d][0]][0] for d in digests])
            self.cache.put_many(self.embedder.model_id, digests, vectors)
            part = [i for d in digests for i in ids_by_hash[d]]
            rows = [row for row, d in enumerate(digests) for _ in ids_by_hash[d]]
            folder.vectors.add(part, vectors[rows])
            folder.pending.difference_update(part)
            self.embedded_chunks += len(digests)
            self._changed(catalog=False)
            self._report_embedding()
        self._report_embedding()
        self._save(folder, force=not folder.pending)

    def _warm_up(self) -> None:
        """With nothing to index (a warm start), load the model now rather than on the first
        query."""
        try:
            with self._embed_lock:
                self.embedder.warm_up()
        except Exception:
            log.exception("could not load the embedding model")

    def _changed(self, *, catalog: bool = True) -> None:
        """Something a search can see changed: vectors only, or also files/chunks/symbols."""
        self.generation += 1
        if catalog:
            self.catalog_generation += 1

    def _embed(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        with self._embed_lock:
            return self.embedder.embed(texts)

    def _dimension(self, folder: FolderIndex) -> int:
        if self._dim is None:
            self._dim = folder.vectors.dimension
        if self._dim is None:
            with self._embed_lock:
                self._dim = self.embedder.dimension()
        return self._dim

    def _save(self, folder: FolderIndex, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_save > SAVE_INTERVAL_S:
            try:
                folder.vectors.save()
            except OSError:
                log.exception("could not save vector index of %s", folder.root)
            self._last_save = now

    def _report_embedding(self) -> None:
        pending = self.pending_chunks()
        self._queue_total = max(self._queue_total, pending)
        self._report(Progress("embedding", self._queue_total - pending, self._queue_total))
        if not pending:
            self._queue_total = 0

    def _report(self, progress: Progress) -> None:
        if self.on_progress is not None:
            try:
                self.on_progress(progress)
            except Exception:
                log.exception("progress callback failed")

    # -- questions -------------------------------------------------------------------------------

    def pending_chunks(self) -> int:
        with self._folders_lock:
            return sum(len(f.pending) for f in self._folders.values())

    @property
    def state(self) -> State:
        """ "starting" until the first folder is open, "indexing" while anything is queued or
        lacks a vector, then "ready"."""
        with self._folders_lock:
            no_folders = not self._folders
        with self._cv:
            queued = bool(self._jobs) or self._busy
        if no_folders and queued:
            return "starting"
        return "indexing" if queued or self._has_pending() else "ready"

    def _query_vector(self, query: str) -> np.ndarray[Any, np.dtype[np.float32]]:
        vector = self._query_vectors.get(query)
        if vector is None:
            vector = self.embedder.embed_query(query)
            if len(self._query_vectors) > 256:
                self._query_vectors.clear()
            self._query_vectors[query] = vector
        return vector

    def search(self, request: SearchRequest) -> dict[str, Any]:
        """The `arama.search` answer. Identical requests between two index changes are served
        from memory (`cached: true`)."""
        started = time.perf_counter()
        indexing = self.state != "ready"
        with self._folders_lock:
            folders = list(self._folders.values())
        self._record(folders, request)
        # Hybrid answers at once from the lexical and symbol channels while the query model is
        # still loading (seconds, once per process); `semantic` asked for the model and waits.
        dense_ready = request.mode != "hybrid" or self.embedder.query_ready()
        if not dense_ready:
            indexing = True
            self._load_query_model_soon()
        generation = self.generation
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
        answer = self._search(request, folders, use_dense=dense_ready)
        answer["indexing"] = indexing
        with self._results_lock:
            if self._results_generation == generation:
                self._results[key] = answer
                while len(self._results) > RESULT_CACHE_SIZE:
                    self._results.popitem(last=False)
        return {**answer, "tookMs": round((time.perf_counter() - started) * 1000, 2)}

    def _load_query_model_soon(self) -> None:
        with self._cv:
            if self._query_loader is not None:
                return
            self._query_loader = threading.Thread(
                target=self._warm_up, name="arama-query-model", daemon=True
            )
            self._query_loader.start()

    def _search(
        self, request: SearchRequest, folders: Sequence[FolderIndex], *, use_dense: bool = True
    ) -> dict[str, Any]:
        matcher = None if request.filters.empty else request.filters.matcher()
        depth = request.depth
        channels: dict[str, list[list[tuple[Key, float]]]] = {
            "dense": [],
            "lexical": [],
            "symbol": [],
        }
        use_dense = use_dense and request.mode in ("hybrid", "semantic")
        use_lexical = request.mode in ("hybrid", "lexical")
        query_vector = self._query_vector(request.query) if use_dense and folders else None
        for folder in folders:
            allowed = self._allowed_ids(folder, matcher)
            if query_vector is not None:
                hits = folder.vectors.search(query_vector, depth, allowed)
                channels["dense"].append([((folder.number, i), s) for i, s in hits])
            if use_lexical:
                lexical = folder.catalog.lexical(request.query, depth * (5 if allowed else 1))
                if allowed is not None:
                    allowed_set = set(allowed)
                    lexical = [(i, s) for i, s in lexical if i in allowed_set]
                channels["lexical"].append([((folder.number, i), s) for i, s in lexical[:depth]])
            if request.mode == "hybrid":
                channels["symbol"].append(self._symbol_hits(folder, request.query, matcher))
        ranked = {name: merge_ranked(lists) for name, lists in channels.items() if lists}
        if request.mode == "semantic":
            scores = dict(item for lists in channels["dense"] for item in lists)
        elif request.mode == "lexical":
            scores = dict(item for lists in channels["lexical"] for item in lists)
        else:
            scores = reciprocal_rank_fusion(ranked)
        order = sorted(scores, key=lambda k: scores[k], reverse=True)
        rows = self._rows(folders, order)
        candidates = [(k, rows[k], scores[k]) for k in order if k in rows]
        if matcher is not None:
            candidates = [c for c in candidates if matcher.accepts_row(c[1])]
        if request.min_score is not None:
            candidates = [c for c in candidates if c[2] >= request.min_score]
        candidates = fold_overlaps(candidates)
        page = candidates[request.offset : request.offset + request.limit]
        by_number = {f.number: f for f in folders}
        results = [result_dict(by_number[k[0]].root, row, score) for k, row, score in page]
        return {"results": results, "total": len(candidates), "cached": False}

    def context(self, path: Path, line: int, limit: int = 10) -> dict[str, Any]:
        """The chunk at a position (`focus`) and the code most related to it: definitions of the
        names it uses, and its nearest neighbours by meaning. Never the focus itself."""
        started = time.perf_counter()
        folder, rel = self._locate(path)
        focus = folder.catalog.chunk_at(rel, line)
        if focus is None:
            raise LookupError(f"{rel}:{line + 1} is not indexed")
        with self._folders_lock:
            folders = list(self._folders.values())
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
        if vector is None and self._dim is not None:
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

    def _locate(self, path: Path) -> tuple[FolderIndex, str]:
        absolute = Path(os.path.abspath(path))
        with self._folders_lock:
            folders = sorted(self._folders.values(), key=lambda f: len(str(f.root)), reverse=True)
        for folder in folders:
            if absolute == folder.root or folder.root in absolute.parents:
                return folder, folder.scanner.rel(absolute)
        raise LookupError(f"{path} is not inside a workspace folder")

    def contains(self, path: Path) -> bool:
        try:
            self._locate(path)
        except (LookupError, SkipFile):
            return False
        return True

    def symbols(self, query: str, limit: int = 100) -> list[dict[str, Any]]:
        """Definitions ranked by how well the name matches and by what the code means, so
        "retry with backoff" finds `retry_request`; an empty query gives a bounded list."""
        rows = self._symbol_table()
        if not query.strip():
            return [_symbol_dict(f, r) for f, r in rows[:limit]]
        query_norm = fold_query(query)
        # Names repeat (`__init__`, `get`, copies of a module): score each distinct name once.
        score_of = {
            name: name_score(query_norm, name, norm)
            for name, norm in {(r.symbol, r.symbol_norm) for _, r in rows}
        }
        by_name = [
            (score, folder, row) for folder, row in rows if (score := score_of[row.symbol]) > 0
        ]
        by_name.sort(key=lambda item: item[0], reverse=True)
        name_keys: list[Key] = [(f.number, r.chunk_id) for _, f, r in by_name[:200]]
        dense_keys: list[Key] = []
        words = query_terms(query)
        if len(words) > 1 or not by_name:
            dense_keys = self._dense_symbol_keys(query, rows)
        fused = reciprocal_rank_fusion(
            {"name": name_keys, "dense": dense_keys}, {"name": 1.5, "dense": 1.0}
        )
        lookup = {(f.number, r.chunk_id): (f, r) for f, r in rows}
        order = sorted(fused, key=lambda k: fused[k], reverse=True)
        return [_symbol_dict(*lookup[k]) for k in order[:limit] if k in lookup]

    def _dense_symbol_keys(
        self, query: str, rows: Sequence[tuple[FolderIndex, SymbolRow]]
    ) -> list[Key]:
        """Symbols whose code is nearest the query in meaning (any piece of a split symbol)."""
        vector = self._query_vector(query)
        first_piece = {(f.number, r.path, r.symbol, r.kind, r.container): r for f, r in rows}
        keys: list[Key] = []
        with self._folders_lock:
            folders = list(self._folders.values())
        for folder in folders:
            hits = folder.vectors.search(vector, 50)
            found = folder.catalog.chunks_by_id([i for i, _ in hits])
            for chunk_id, _score in hits:
                row = found.get(chunk_id)
                if row is None or row.symbol is None or row.kind is None:
                    continue
                symbol = first_piece.get(
                    (folder.number, row.path, row.symbol, row.kind, row.container)
                )
                if symbol is not None:
                    keys.append((folder.number, symbol.chunk_id))
        return list(dict.fromkeys(keys))

    def _symbol_table(self) -> list[tuple[FolderIndex, SymbolRow]]:
        cached = self._symbols
        generation = self.catalog_generation
        if cached is not None and cached[0] == generation:
            return cached[1]
        with self._folders_lock:
            folders = list(self._folders.values())
        table = [(folder, row) for folder in folders for row in folder.catalog.symbol_rows()]
        self._symbols = (generation, table)
        return table

    def stats(self) -> dict[str, Any]:
        with self._folders_lock:
            folders = list(self._folders.values())
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

    def status(self) -> dict[str, Any]:
        with self._folders_lock:
            folders = list(self._folders.values())
        files = chunks = 0
        skipped: Counter[str] = Counter()
        recovered: list[str] = []
        for folder in folders:
            f, c = folder.catalog.counts()
            files += f
            chunks += c
            skipped.update(folder.skipped)
            skipped.update(folder.skipped_reads.values())
            recovered.extend(f"{folder.root}: {note}" for note in folder.recovered)
        if self.cache.recovered:
            recovered.append(self.cache.recovered)
        pending = self.pending_chunks()
        return {
            "state": self.state,
            "files": files,
            "chunks": chunks,
            "pendingFiles": sum(len(j.paths) for j in self._jobs_snapshot()),
            "pendingChunks": pending,
            "embeddedChunks": chunks - pending,
            "model": self.embedder.model_id,
            "cache": {
                "path": str(self.cache.directory),
                "entries": self.cache.entries(),
                "hits": self.cache.hits,
                "misses": self.cache.misses,
            },
            "workspaceFolders": [str(f.root) for f in folders],
            "skippedFiles": dict(skipped),
            "recovered": recovered,
            "updates": {"batches": self.update_batches, "paths": self.updated_paths},
        }

    def _jobs_snapshot(self) -> list[_Job]:
        with self._cv:
            return list(self._jobs)


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


def _slug(model_id: str) -> str:
    return text_hash(model_id)[:12]


def _lower_thread_priority() -> None:
    """Indexing yields the CPU to the editor: raise this thread's nice value (Linux: per thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
