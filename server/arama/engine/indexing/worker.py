"""The one writer thread: jobs first, in order; vectors whenever nothing is queued.

Its state is what `arama.status` and progress bars report: "starting" until a folder is open,
"indexing" while a job runs, one waits or a chunk lacks a vector, then "ready", once the model
can answer too. The thread runs at nice 10 (Linux sets niceness per thread) so the editor
keeps the CPU.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from arama.engine.config import EngineConfig
from arama.engine.embedding.protocol import EmbedderStopped
from arama.engine.folders import FolderRegistry
from arama.engine.indexing.embedding import Embedding
from arama.engine.indexing.files import FileSync
from arama.engine.indexing.jobs import (
    BufferChanges,
    ChangedPaths,
    CloseFolder,
    Job,
    JobQueue,
    OpenFolder,
    SyncFolder,
)
from arama.engine.indexing.opening import FolderOpener
from arama.engine.records import Progress, State

log = logging.getLogger(__name__)

JOIN_TIMEOUT_S = 60.0


class IndexingWorker:
    """Runs the queue's jobs on its own thread, dispatching each to its room."""

    def __init__(
        self,
        config: EngineConfig,
        registry: FolderRegistry,
        queue: JobQueue,
        opener: FolderOpener,
        files: FileSync,
        embedding: Embedding,
        report: Callable[[Progress], None],
        on_folders_changed: Callable[[], None],
    ) -> None:
        self._config = config
        self._registry = registry
        self._queue = queue
        self._opener = opener
        self._files = files
        self._embedding = embedding
        self._report = report
        self._on_folders_changed = on_folders_changed
        self._busy = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._opening: Path | None = None  # the folder being opened, until searches see it

    # -- control (any thread) ----------------------------------------------------------------

    def start(self) -> None:
        with self._queue.condition:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="arama-indexer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._queue.condition:
            self._stopping = True
            self._files.stopping = self._embedding.stopping = True
            self._queue.condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=JOIN_TIMEOUT_S)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued, running or pending (CLI and tests). Delayed jobs (a
        second walk of a new directory) are not waited for."""
        deadline = None if timeout is None else time.monotonic() + timeout
        condition = self._queue.condition
        with condition:
            while self._queue.has_ready() or self._busy or self._registry.has_pending():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                condition.wait(timeout=min(remaining, 1.0) if remaining is not None else 1.0)
        return True

    def wait_opened(self, timeout: float) -> bool:
        """Block until every folder queued to open is open, so that a search in the first
        moments of a session answers from the index already on disk instead of from nothing.
        Opening reads the catalog and the vector files (well under a second); the scan that
        follows is not waited for. False when `timeout` passed first."""
        deadline = time.monotonic() + max(0.0, timeout)
        condition = self._queue.condition
        with condition:
            while self._opening is not None or self._queue.queued_roots(OpenFolder):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stopping or self._thread is None:
                    return False  # (a worker not started opens nothing)
                condition.wait(timeout=min(remaining, 1.0))
        return True

    @property
    def state(self) -> State:
        no_folders = not self._registry.roots()
        with self._queue.condition:
            queued = self._queue.has_ready() or self._busy
        if no_folders and queued:
            return "starting"
        return "indexing" if queued or self._registry.has_pending() else "ready"

    # -- the thread --------------------------------------------------------------------------

    def _has_work(self) -> bool:
        """Call with the queue's condition held."""
        return self._queue.has_ready() or self._registry.has_pending()

    def _run(self) -> None:
        _lower_thread_priority()
        condition = self._queue.condition
        while True:
            with condition:
                finished = self._busy and not self._stopping and not self._has_work()
            if finished:
                self._finish()
            with condition:
                while not self._stopping and not self._has_work():
                    self._busy = False
                    condition.notify_all()
                    condition.wait(timeout=self._queue.seconds_to_next())
                if self._stopping:
                    self._busy = False
                    condition.notify_all()
                    return
                job = self._queue.pop()
                self._busy = True
                if isinstance(job, OpenFolder):
                    self._opening = job.root
            try:
                if job is not None:
                    self._dispatch(job)
                else:
                    self._embedding.step(yield_to=self._queue.waiting)
            except EmbedderStopped:
                log.info("indexing stopped while the model was busy: %s", job)
            except Exception:  # the worker must outlive any one bad file or job
                log.exception("indexing job failed: %s", job)

    def _finish(self) -> None:
        """The work is done: load the model if nothing needed it yet (a warm start), then end
        the progress bar, and only then say "ready" (unless new work arrived meanwhile)."""
        condition = self._queue.condition
        if self._config.preload_model:
            self._embedding.warm_up()
        with condition:
            if self._has_work():
                return
        files = chunks = 0
        for folder in self._registry.all():
            f, c = folder.catalog.counts()
            files, chunks = files + f, chunks + c
        self._report(Progress("idle", 0, 0, files=files, chunks=chunks))
        with condition:
            if not self._has_work():
                self._busy = False
                condition.notify_all()

    def _dispatch(self, job: Job) -> None:
        if isinstance(job, OpenFolder):
            self._open(job.root, sync=job.sync and not self._config.read_only)
            return
        folder = self._registry.get(job.root)
        if folder is None:
            return
        if self._config.read_only and not isinstance(job, CloseFolder):
            return  # a read-only cache directory serves its indexes as they are
        if isinstance(job, CloseFolder):
            _closed, resync = self._registry.remove(job.root)
            self._embedding.save(folder, force=True)
            folder.close()
            self._folders_changed([f.root for f in resync])
        elif isinstance(job, SyncFolder):
            self._files.sync(folder)
        elif isinstance(job, BufferChanges):
            self._files.apply_buffers(folder, job.buffers)
        elif isinstance(job, ChangedPaths):
            self._files.update_paths(folder, job.paths)
        self._registry.changed()

    def _open(self, root: Path, *, sync: bool) -> None:
        try:
            if self._registry.get(root) is not None:
                return
            folder = self._opener.open(root)
            if folder is None:
                return
            resync = self._registry.add(folder)
            self._registry.changed()
        finally:
            with self._queue.condition:  # searches waiting for the index on disk go on
                self._opening = None
                self._queue.condition.notify_all()
        # A folder whose nested set changed is rescanned; the new folder scans anyway.
        self._folders_changed([f.root for f in resync if f is not folder])
        if sync:
            self._files.sync(folder)
            self._registry.changed()

    def _folders_changed(self, resync: list[Path]) -> None:
        for root in resync:
            self._queue.put(SyncFolder(root))
        self._on_folders_changed()


def _lower_thread_priority() -> None:
    """Indexing yields the CPU to the editor: raise this thread's nice value (Linux: per thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
