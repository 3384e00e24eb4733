"""Keeping the index equal to the workspace: folders, files, buffers and vectors.

One background thread owns every write: it scans, chunks and catalogs files first (so lexical
search works within seconds), then fills the vector index from the embedding cache and the
model, most recently modified files first. Readers (queries.py) use `folders()` and the
generation counters; they never write.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from arama.engine.backends import make_embedder
from arama.engine.catalog import Catalog, CatalogCorrupt, EmbeddingRow, FileRow, NewChunk
from arama.engine.chunker import chunk_source
from arama.engine.config import EngineConfig
from arama.engine.embedder import Embedder, EmbeddingCache, text_hash
from arama.engine.embedding_text import embedding_input, name_phrase
from arama.engine.languages import PLAINTEXT, language_for_path
from arama.engine.records import Chunk, ScannedFile, SkipFile
from arama.engine.scanner import Scanner, read_source
from arama.engine.vectors import VectorStore
from arama.engine.watcher import FolderWatcher, is_directory

log = logging.getLogger(__name__)

State = Literal["starting", "indexing", "ready"]
SAVE_INTERVAL_S = 20.0
REWALK_AFTER_S = (1.0, 5.0)
STORM_PATHS = 200  # a batch this large is a storm: rescan once it is over
STORM_QUIET_S = 2.0
CACHE_LOOKUP_BATCH = 512
RACY_WINDOW_NS = 2_000_000_000  # the coarsest common timestamp (FAT: 2 s)
NAMES_RECIPE = "#names-v1"  # bump when name_phrase changes: the name vectors' file changes too


@dataclass(frozen=True, slots=True)
class Progress:
    """What the indexer is doing, for progress bars: `phase` is "scanning" or "embedding"."""

    phase: str
    done: int
    total: int


ProgressCallback = Callable[[Progress], None]


@dataclass
class VectorSpace:
    """One kind of vector a folder keeps per chunk, and the chunks still waiting for theirs."""

    store: VectorStore
    pending: set[int] = field(default_factory=set)
    # Pending ids in embedding order, computed once per change of what is pending (recomputing
    # it for every batch would scan every chunk each time).
    order: deque[int] | None = None

    def drop(self, ids: Sequence[int]) -> None:
        self.store.remove(ids)
        self.pending.difference_update(ids)

    def want(self, ids: Iterable[int]) -> None:
        self.pending.update(ids)
        self.order = None


@dataclass
class FolderIndex:
    """One workspace folder's index: catalog, vectors, and what still needs a vector.

    Two vector spaces: `chunks` holds each chunk's text (under its file and definition names),
    `names` each named chunk's definition name in words (`embedding_text.name_phrase`)."""

    number: int
    root: Path
    directory: Path
    scanner: Scanner
    catalog: Catalog
    chunks: VectorSpace
    names: VectorSpace
    # Skipped files, counted once each: the scanner's stat-level refusals of the last full scan,
    # plus read-level refusals (binary, minified, ...) by path, so repeated events don't add up.
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_reads: dict[str, str] = field(default_factory=dict)
    recovered: list[str] = field(default_factory=list)
    # Unsaved editor buffers (relative path -> text): while open, they are what gets indexed.
    overlays: dict[str, str] = field(default_factory=dict)

    @property
    def vectors(self) -> VectorStore:
        return self.chunks.store

    def space(self, label: str) -> VectorSpace:
        return self.names if label == "names" else self.chunks


@dataclass(slots=True)
class _Job:
    kind: Literal["open", "sync", "paths", "overlay", "close"]
    root: Path
    paths: frozenset[Path] = frozenset()
    sync: bool = True  # "open" only: also scan the folder (the CLI's status does not)
    # "overlay" only: buffer text per file, None when the buffer closed (disk rules again).
    buffers: dict[Path, str | None] = field(default_factory=dict)


class Indexer:
    def __init__(
        self,
        config: EngineConfig,
        *,
        embedder: Embedder | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.config = config
        config.cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.embedder: Embedder = embedder or make_embedder(config, config.cache_dir / "torch")
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
        self._last_save = time.monotonic()
        self._dim: int | None = None
        # Bumped by every change to what a search can see; keys the result and symbol caches.
        self.generation = 0
        self.catalog_generation = 0  # files, chunks and symbols only (not vectors)
        self._watcher: FolderWatcher | None = None
        # How file events were coalesced: batches processed, and paths they held.
        self.update_batches = 0
        self.updated_paths = 0
        self._walked: dict[Path, float] = {}  # new directories walked, and when
        self._storm_timers: dict[Path, threading.Timer] = {}
        self.embedded_chunks = 0
        self.embedded_names = 0

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
            folder, _rel = self.locate(path)
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
            return any(f.chunks.pending or f.names.pending for f in self._folders.values())

    def _run(self) -> None:
        _lower_thread_priority()
        while True:
            with self._cv:
                idle = not self._stopping and not self._jobs and not self._has_pending()
            if idle and self._busy:
                if self.config.preload_model:
                    # Still "indexing" until the model can answer semantically: "ready" (and the
                    # end of the progress bar) means every kind of search works.
                    self.warm_up()
                with self._cv:
                    if self._jobs or self._has_pending():
                        continue
                # The end of the progress bar goes out before status can say "ready".
                self._report(Progress("idle", 0, 0))
                with self._cv:
                    if self._jobs or self._has_pending():
                        continue
                    self._busy = False
                    self._cv.notify_all()
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
        try:
            usable = root.is_dir()
        except OSError as exc:  # a name too long, a permission wall: not ours to index
            log.warning("workspace folder %.300s is unusable: %s", root, exc.strerror)
            return None
        if not usable:
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
        identity = self.embedder.model_id + ("#context" if self.config.embed_context else "")
        vectors = VectorStore(directory / f"vectors-{_slug(identity)}.faiss")
        names_identity = self.embedder.model_id + NAMES_RECIPE
        names = VectorStore(directory / f"names-{_slug(names_identity)}.faiss")
        folder = FolderIndex(
            number=self._next_number,
            root=root,
            directory=directory,
            scanner=Scanner(
                root, exclude=self.config.exclude, max_file_size=self.config.max_file_size
            ),
            catalog=catalog,
            chunks=VectorSpace(vectors),
            names=VectorSpace(names),
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
        """Make each vector index hold exactly what the catalog asks of it; what's missing is
        pending (and mostly comes back from the embedding cache)."""
        for label, space, wanted in (
            ("vector index", folder.chunks, set(folder.catalog.chunk_hashes())),
            ("name index", folder.names, folder.catalog.named_chunk_ids()),
        ):
            if not space.store.load():
                # A missing name index on a catalog that has chunks is an upgrade, not a loss.
                missing = space.store.load_error == "missing"
                if not missing or (wanted and space is folder.chunks):
                    folder.recovered.append(f"{label} rebuilt: {space.store.load_error}")
                space.pending = set(wanted)
                space.order = None
                continue
            present = space.store.ids()
            orphans = present - wanted
            if orphans:
                space.store.remove(orphans)
            space.pending = wanted - present
            space.order = None
            if orphans or space.pending:
                log.info(
                    "%s %s: %d orphan vectors removed, %d chunks without vectors",
                    folder.root,
                    label,
                    len(orphans),
                    len(space.pending),
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
        if not force and known is not None and _unchanged(known, scanned):
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
        for space in (folder.chunks, folder.names):
            space.drop(removed)
        folder.chunks.want(added)
        folder.names.want(i for i, c in zip(added, chunks, strict=True) if _named(c))

    def _forget(self, folder: FolderIndex, rels: Sequence[str]) -> None:
        removed = folder.catalog.mark_deleted(rels)
        for space in (folder.chunks, folder.names):
            space.drop(removed)

    def _update_paths(self, folder: FolderIndex, paths: frozenset[Path]) -> None:
        self.update_batches += 1
        self.updated_paths += len(paths)
        if len(paths) >= STORM_PATHS:
            self._rescan_after_storm(folder.root)
        known = folder.catalog.live_files()
        for directory in _new_directories(folder.root, paths, known):
            # An event for a file in a directory the index has never seen: the directory is new
            # (a branch switch, an unpacked archive), and the OS watch on it started only after
            # it existed. Files written in between send no events of their own, and the event of
            # the directory itself can be lost under load: walk it.
            self._index_directory(folder, directory, known)
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
        """Give vectors to one batch of pending chunks: cache first, then the model. Chunk
        vectors of every folder come before any name vector: they serve every search."""
        work: tuple[FolderIndex, str, VectorSpace] | None = None
        with self._folders_lock:
            for label in ("chunks", "names"):
                folder = next((f for f in self._folders.values() if f.space(label).pending), None)
                if folder is not None:
                    work = (folder, label, folder.space(label))
                    break
        if work is None:
            return
        folder, label, space = work
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
            return
        rows = folder.catalog.chunk_embedding_rows(batch)
        texts = self._texts(label, rows)
        space.pending.difference_update(set(batch) - texts.keys())
        ids = [i for i in batch if i in texts]
        dim = self._dimension(folder)
        cached = self.cache.get_many(self.embedder.model_id, [texts[i][1] for i in ids], dim)
        hit_ids = [i for i, v in zip(ids, cached, strict=True) if v is not None]
        if hit_ids:
            space.store.add(hit_ids, np.vstack([v for v in cached if v is not None]))
            space.pending.difference_update(hit_ids)
            self._changed(catalog=False)
        # Identical text (copies, vendored code, boilerplate) is embedded once per batch.
        ids_by_hash: dict[str, list[int]] = {}
        for i, vector in zip(ids, cached, strict=True):
            if vector is None:
                ids_by_hash.setdefault(texts[i][1], []).append(i)
        # Similar lengths in one batch waste little on padding.
        unique = sorted(ids_by_hash, key=lambda digest: len(texts[ids_by_hash[digest][0]][0]))
        # Names are a few words each: larger batches cost no more memory than chunk batches.
        size = self.config.embed_batch_size * (8 if label == "names" else 1)
        for start in range(0, len(unique), size):
            if self._stopping or self._jobs:
                break  # let file updates go first; the rest stays pending
            digests = unique[start : start + size]
            vectors = self._embed([texts[ids_by_hash[d][0]][0] for d in digests])
            self.cache.put_many(self.embedder.model_id, digests, vectors)
            part = [i for d in digests for i in ids_by_hash[d]]
            positions = [row for row, d in enumerate(digests) for _ in ids_by_hash[d]]
            space.store.add(part, vectors[positions])
            space.pending.difference_update(part)
            if label == "chunks":
                self.embedded_chunks += len(digests)
            else:
                self.embedded_names += len(digests)
            self._changed(catalog=False)
            self._report_embedding()
        self._report_embedding()
        self._save(folder, force=not (folder.chunks.pending or folder.names.pending))

    def _texts(self, label: str, rows: dict[int, EmbeddingRow]) -> dict[int, tuple[str, str]]:
        """chunk id -> (text to embed, its digest) in one vector space; chunks with nothing to
        embed there (an unnamed chunk has no name vector) are left out."""
        if label == "chunks":
            context = self.config.embed_context
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

    def warm_up(self) -> None:
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
                folder.chunks.store.save()
                folder.names.store.save()
            except OSError:
                log.exception("could not save vector index of %s", folder.root)
            self._last_save = now

    def _report_embedding(self) -> None:
        pending = self.pending_chunks() + self.pending_names()
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

    # -- state -----------------------------------------------------------------------------------

    def folders(self) -> list[FolderIndex]:
        with self._folders_lock:
            return list(self._folders.values())

    @property
    def dimension_known(self) -> bool:
        return self._dim is not None

    def pending_chunks(self) -> int:
        with self._folders_lock:
            return sum(len(f.chunks.pending) for f in self._folders.values())

    def pending_names(self) -> int:
        with self._folders_lock:
            return sum(len(f.names.pending) for f in self._folders.values())

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

    def locate(self, path: Path) -> tuple[FolderIndex, str]:
        absolute = Path(os.path.abspath(path))
        with self._folders_lock:
            folders = sorted(self._folders.values(), key=lambda f: len(str(f.root)), reverse=True)
        for folder in folders:
            if absolute == folder.root or folder.root in absolute.parents:
                return folder, folder.scanner.rel(absolute)
        raise LookupError(f"{path} is not inside a workspace folder")

    def contains(self, path: Path) -> bool:
        try:
            self.locate(path)
        except (LookupError, SkipFile):
            return False
        return True

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
        backend_note = getattr(self.embedder, "note", None)  # e.g. ONNX unusable: torch instead
        if backend_note:
            recovered.append(str(backend_note))
        pending = self.pending_chunks()
        return {
            "state": self.state,
            "files": files,
            "chunks": chunks,
            "pendingFiles": sum(len(j.paths) for j in self._jobs_snapshot()),
            "pendingChunks": pending,
            "embeddedChunks": chunks - pending,
            "pendingNames": self.pending_names(),
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


def _unchanged(known: FileRow, scanned: ScannedFile) -> bool:
    """Whether the stat proves the text is the one indexed. Not when the file's timestamp is
    within RACY_WINDOW_NS of the moment it was read: a rewrite in the same timestamp tick
    (coarse or slow clocks, FAT, network file systems) keeps size and mtime, so such a file is
    read and hashed again (git's "racy clean" rule); an equal hash costs no embedding and
    stamps the file as checked, which ends the doubt."""
    if known.size != scanned.size or known.mtime_ns != scanned.mtime_ns:
        return False
    return int(known.indexed_at * 1e9) - scanned.mtime_ns > RACY_WINDOW_NS


def _new_directories(root: Path, paths: Iterable[Path], known: Mapping[str, Any]) -> list[Path]:
    """The outermost directories under `root` holding a changed path and no indexed file. A
    save of an indexed file (the common event) costs a lookup, not a pass over the index."""
    unknown: list[tuple[str, ...]] = []
    for path in paths:
        try:
            parts = path.relative_to(root).parts
        except ValueError:
            continue
        if "/".join(parts) not in known and len(parts) > 1:
            unknown.append(parts[:-1])
    if not unknown:
        return []
    seen: set[str] = set()
    for rel in known:
        parents = rel.split("/")[:-1]
        for depth in range(1, len(parents) + 1):
            seen.add("/".join(parents[:depth]))
    found: set[Path] = set()
    for folders in unknown:
        for depth in range(1, len(folders) + 1):
            if "/".join(folders[:depth]) not in seen:
                found.add(root.joinpath(*folders[:depth]))
                break
    return sorted(d for d in found if is_directory(d))


def _named(chunk: Chunk) -> bool:
    return chunk.symbol is not None and chunk.kind is not None


def _slug(model_id: str) -> str:
    return text_hash(model_id)[:12]


def _lower_thread_priority() -> None:
    """Indexing yields the CPU to the editor: raise this thread's nice value (Linux: per thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
