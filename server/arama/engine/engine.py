"""The one object the outside talks to: folders in, searches and status out.

`Engine` composes the rooms and holds no logic of its own beyond wiring them: a folder registry
(folders.py), the indexing worker that alone writes the index (indexing/), and a searcher that
reads it through a narrow view (search/). The language server and the CLI use only the methods
below; answers are typed records (records.py), which `arama.contract` turns into JSON.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from arama.engine.catalog import CatalogClosed
from arama.engine.config import EngineConfig, Fusion, Priors
from arama.engine.embedding.backends import make_embedder
from arama.engine.embedding.cache import EmbeddingCache, ReadOnlyEmbeddingCache
from arama.engine.embedding.protocol import Embedder
from arama.engine.embedding.remote import RemoteCache, RemoteListener, remote_status
from arama.engine.folders import FolderIndex, FolderRegistry, FolderView, owner_root
from arama.engine.indexing.embedding import Embedding
from arama.engine.indexing.files import FileSync
from arama.engine.indexing.jobs import (
    BufferChanges,
    ChangedPaths,
    CloseFolder,
    JobQueue,
    OpenFolder,
    SyncFolder,
)
from arama.engine.indexing.opening import FolderOpener
from arama.engine.indexing.worker import IndexingWorker
from arama.engine.records import (
    CacheStatus,
    ContextAnswer,
    IndexStats,
    IndexStatus,
    Progress,
    RemoteCacheStatus,
    SearchAnswer,
    SearchCancelled,
    SkipFile,
    State,
    SymbolHit,
)
from arama.engine.search.request import SearchRequest
from arama.engine.search.searcher import Searcher
from arama.engine.watcher import FolderWatcher

__all__ = ["Engine", "Progress", "SearchCancelled"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

ProgressCallback = Callable[[Progress], None]


class Engine:
    def __init__(
        self,
        config: EngineConfig,
        *,
        embedder: Embedder | None = None,
        on_progress: ProgressCallback | None = None,
        on_remote_change: RemoteListener | None = None,
    ) -> None:
        """`on_progress` hears of indexing progress and `on_remote_change` of the team cache's
        state changes (failed, disabled, recovered), both on the engine's threads."""
        self.read_only = (
            config.read_only if config.read_only is not None else _read_only(config.cache_dir)
        )
        config = replace(config, read_only=self.read_only)
        self.config = config
        if not self.read_only:
            config.cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._embedder = embedder or make_embedder(config, config.cache_dir / "torch")
        self._cache = (
            ReadOnlyEmbeddingCache(config.embeddings_dir)
            if self.read_only
            else EmbeddingCache(config.embeddings_dir)
        )
        self._remote = (
            RemoteCache(config.remote_cache, on_change=on_remote_change)
            if config.remote_cache
            else None
        )
        self._on_progress = on_progress
        self._registry = FolderRegistry()
        self._queue = JobQueue()
        self._embedding = Embedding(
            config, self._registry, self._embedder, self._cache, self._report, self._remote
        )
        self._files = FileSync(config, self._queue, self._report)
        self._worker = IndexingWorker(
            config,
            self._registry,
            self._queue,
            FolderOpener(config, self._embedder.model_id, self._registry.new_number),
            self._files,
            self._embedding,
            self._report,
            self._watch_roots,
        )
        view = _View(self._registry, self._worker, self._embedding)
        self._searcher = Searcher(view, self._embedder, config, self._embedding.warm_up)
        self._watcher: FolderWatcher | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the indexing worker (folders added before are opened in order); with
        `preload_model`, load the query model at once too, so that the first searches of a warm
        start rank with every channel (opening an exported model takes a fraction of a second).
        """
        self._worker.start()
        if self.config.preload_model:
            self._searcher.load_query_model_soon()

    def watch(self) -> None:
        """Follow disk changes in every folder (the server does; one-shot CLI runs do not; a
        read-only cache directory cannot take them)."""
        if self._watcher is None and not self.read_only:
            self._watcher = FolderWatcher(self.notify_changed, self._registry.is_ignored)
            self._watcher.set_roots(self.roots())

    def close(self) -> None:
        """Stop the threads and save what was done (vectors included); a model preparation
        under way is ended rather than waited for."""
        if self._watcher is not None:
            self._watcher.stop()
        stop_embedder = getattr(self._embedder, "stop", None)  # ONNX: a running export
        if callable(stop_embedder):
            stop_embedder()
        self._worker.stop()
        for folder in self._registry.clear():
            self._embedding.save(folder, force=True)
            folder.close()
        self._searcher.close()
        self._cache.close()
        if self._remote is not None:
            self._remote.close()

    def load_model(self) -> None:
        """Load the query model now (the worker does when indexing goes idle, with
        `preload_model`); until then `hybrid` answers without the meaning channels."""
        self._embedding.warm_up()

    def check_remote(self) -> None:
        """Reach the team-shared cache once, so the status says whether it answers."""
        if self._remote is not None:
            self._remote.ping()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or pending (CLI and tests)."""
        return self._worker.wait_idle(timeout)

    # -- what changed ------------------------------------------------------------------------

    def add_folder(self, root: Path, *, sync: bool = True) -> None:
        """Open a workspace folder's index; with `sync`, also scan it (the CLI's `status`
        only looks)."""
        self._queue.put(OpenFolder(root.resolve(), sync=sync))

    def remove_folder(self, root: Path) -> None:
        self._queue.put(CloseFolder(root.resolve()))

    def reindex(self) -> int:
        """Rescan every folder (unchanged text costs nothing); returns the files indexed."""
        for root in self.roots():
            self._queue.put(SyncFolder(root))
        return sum(len(f.catalog.live_files()) for f in self._registry.all())

    def notify_changed(self, paths: Iterable[Path]) -> None:
        """Files or directories created, changed or deleted on disk (watcher or client)."""
        by_root: dict[Path, set[Path]] = {}
        roots = self.roots()
        for path in paths:
            root = owner_root(roots, path)
            if root is not None:
                by_root.setdefault(root, set()).add(Path(os.path.abspath(path)))
        for root, changed in by_root.items():
            self._queue.put(ChangedPaths(root, changed))

    def set_buffer(self, path: Path, text: str | None) -> None:
        """An editor buffer's unsaved text (None when closed: the disk content rules again)."""
        root = owner_root(self.roots(), path)
        if root is not None:
            self._queue.put(BufferChanges(root, {Path(os.path.abspath(path)): text}))

    # -- what is there -----------------------------------------------------------------------

    def roots(self) -> list[Path]:
        """Open folders, then folders queued to open."""
        opened = self._registry.roots()
        queued = self._queue.queued_roots(OpenFolder)
        return opened + [r for r in queued if r not in opened]

    def folders(self) -> list[FolderView]:
        """The open folders as searches see them (tests and benchmarks inspect catalogs)."""
        return [f.view for f in self._registry.all()]

    @property
    def state(self) -> State:
        return self._worker.state

    @property
    def model_id(self) -> str:
        return self._embedder.model_id

    @property
    def embedder(self) -> Embedder:
        """The loaded model, for work beside the index that embeds too (`arama tune`'s pairs)
        without loading it a second time."""
        return self._embedder

    def contains(self, path: Path) -> bool:
        """Whether `path` lies in an open folder and can be named there."""
        try:
            self._registry.locate(path)
        except (LookupError, SkipFile):
            return False
        return True

    def locate(self, path: Path) -> tuple[FolderView, str]:
        folder, rel = self._registry.locate(path)
        return folder.view, rel

    def status(self) -> IndexStatus:
        folders = self._registry.all()
        files = chunks = 0
        skipped: Counter[str] = Counter()
        recovered: list[str] = []
        removed: list[FolderIndex] = []
        for folder in folders:
            try:
                f, c = folder.catalog.counts()
            except CatalogClosed:  # removed while this was read: no longer there
                removed.append(folder)
                continue
            files, chunks = files + f, chunks + c
            skipped.update(folder.skipped)
            skipped.update(folder.skipped_reads.values())
            recovered.extend(f"{folder.root}: {note}" for note in folder.recovered)
        if self._cache.recovered:
            recovered.append(self._cache.recovered)
        if self.read_only:
            recovered.append(
                f"read-only cache directory {self.config.cache_dir}: searches answer from the "
                "index as it is; changes are not indexed"
            )
        backend_note = getattr(self._embedder, "note", None)  # e.g. ONNX unusable: torch instead
        if backend_note:
            recovered.append(str(backend_note))
        queued = self._queue.snapshot()
        return IndexStatus(
            state=self.state,
            files=files,
            chunks=chunks,
            pending_files=sum(len(j.paths) for j in queued if isinstance(j, ChangedPaths)),
            pending_chunks=self._registry.pending_chunks(),
            pending_names=self._registry.pending_names(),
            model=self._embedder.model_id,
            cache=CacheStatus(
                str(self._cache.directory),
                self._cache.entries(),
                self._cache.hits,
                self._cache.misses,
            ),
            workspace_folders=tuple(f.root for f in folders if f not in removed),
            skipped_files=dict(skipped),
            recovered=tuple(recovered),
            update_batches=self._files.update_batches,
            updated_paths=self._files.updated_paths,
            vectors_from_cache=self._embedding.vectors_from_cache,
            vectors_embedded=self._embedding.vectors_embedded,
            tuned_folders=tuple(f.root for f in folders if f.view.chunk_adapter() is not None),
            remote_cache=self._remote_status(),
        )

    def _remote_status(self) -> RemoteCacheStatus | None:
        return remote_status(self._remote) if self._remote is not None else None

    # -- questions ---------------------------------------------------------------------------

    def search(
        self,
        request: SearchRequest,
        *,
        cancelled: Callable[[], bool] | None = None,
        budget_s: float | None = None,
        fusion: Fusion | None = None,
        priors: Priors | None = None,
    ) -> SearchAnswer:
        """`fusion` and `priors` override the configured ones for this search (benchmarks)."""
        return _without_removed_folders(
            lambda: self._searcher.search(
                request, cancelled=cancelled, budget_s=budget_s, fusion=fusion, priors=priors
            )
        )

    def context(self, path: Path, line: int, limit: int = 10) -> ContextAnswer:
        return _without_removed_folders(lambda: self._searcher.context(path, line, limit))

    def symbols(self, query: str, limit: int = 100) -> list[SymbolHit]:
        return _without_removed_folders(lambda: self._searcher.symbols(query, limit))

    def stats(self) -> IndexStats:
        return _without_removed_folders(self._searcher.stats)

    # -- wiring ------------------------------------------------------------------------------

    def _report(self, progress: Progress) -> None:
        if self._on_progress is not None:
            try:
                self._on_progress(progress)
            except Exception:
                log.exception("progress callback failed")

    def _watch_roots(self) -> None:
        if self._watcher is not None:
            self._watcher.set_roots(self._registry.roots())


def _without_removed_folders(answer: Callable[[], _T]) -> _T:
    """A request that read a folder being removed (its catalog closed under it) is answered
    again from the folders left: the client removed it, it asked about the others. A folder
    removed again during the second try is rare enough to be an error."""
    try:
        return answer()
    except CatalogClosed:
        return answer()


def _read_only(cache_dir: Path) -> bool:
    """Whether `cache_dir` exists but this process cannot write there (a missing directory is
    created; one that cannot be is an error for the caller, as before)."""
    if not cache_dir.is_dir():
        return False
    try:
        probe, name = tempfile.mkstemp(prefix=".probe-", dir=cache_dir)
    except OSError:
        return True
    os.close(probe)
    os.unlink(name)
    return False


class _View:
    """The engine as a search sees it (search/view.py `IndexView`)."""

    def __init__(
        self, registry: FolderRegistry, worker: IndexingWorker, embedding: Embedding
    ) -> None:
        self._registry = registry
        self._worker = worker
        self._embedding = embedding

    @property
    def generation(self) -> int:
        return self._registry.generation

    @property
    def catalog_generation(self) -> int:
        return self._registry.catalog_generation

    def folders(self) -> list[FolderView]:
        return [f.view for f in self._registry.all()]

    def locate(self, path: Path) -> tuple[FolderView, str]:
        folder, rel = self._registry.locate(path)
        return folder.view, rel

    def indexing(self) -> bool:
        return self._worker.state != "ready"

    def wait_opened(self, timeout: float) -> bool:
        return self._worker.wait_opened(timeout)

    def dimension_known(self) -> bool:
        return self._embedding.dimension_known
