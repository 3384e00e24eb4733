"""What the indexing worker is asked to do, and the queue that coalesces it.

Every way the index learns of a change (the client, the watcher, a timer) ends up here as a
job, so one thread can apply them in order. Jobs that say the same thing merge while they wait:
path events of one folder become one batch, the latest text of a buffer wins, a second full
sync of a folder is dropped. Delayed jobs (a rescan once an event storm is over, a second walk
of a new directory) wait in the same queue and enter it when due, so no timer thread ever
touches the index.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class OpenFolder:
    """Open a folder's index (recovering what needs it); with `sync`, also scan the folder
    (the CLI's `status` only looks)."""

    root: Path
    sync: bool = True


@dataclass(frozen=True, slots=True)
class SyncFolder:
    """Compare the whole folder with its catalog (stat first: unchanged files cost a stat)."""

    root: Path


@dataclass(slots=True)
class ChangedPaths:
    """Paths created, changed or deleted on disk (files or directories)."""

    root: Path
    paths: set[Path] = field(default_factory=set)


@dataclass(slots=True)
class BufferChanges:
    """Unsaved editor text per file; None when the buffer closed (the disk rules again)."""

    root: Path
    buffers: dict[Path, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CloseFolder:
    root: Path


Job = OpenFolder | SyncFolder | ChangedPaths | BufferChanges | CloseFolder


class JobQueue:
    """FIFO of jobs with coalescing, plus jobs that become due later.

    `condition` guards the queue and is what waiters wait on; the worker holds it while it
    changes its own state too, so "nothing queued and not busy" is read in one step."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self._ready: deque[Job] = deque()
        self._later: list[tuple[float, int, Hashable | None, Job]] = []
        self._later_keys: dict[Hashable, int] = {}  # key -> sequence number of its live entry
        self._sequence = itertools.count()

    def put(self, job: Job) -> None:
        with self.condition:
            self._put(job)
            self.condition.notify_all()

    def _put(self, job: Job) -> None:
        if isinstance(job, SyncFolder) and any(
            isinstance(j, SyncFolder) and j.root == job.root for j in self._ready
        ):
            return
        if isinstance(job, ChangedPaths | BufferChanges):
            for queued in self._ready:
                if type(queued) is type(job) and queued.root == job.root:
                    if isinstance(queued, ChangedPaths) and isinstance(job, ChangedPaths):
                        queued.paths |= job.paths
                    elif isinstance(queued, BufferChanges) and isinstance(job, BufferChanges):
                        queued.buffers.update(job.buffers)  # the latest text of a buffer wins
                    return
        self._ready.append(job)

    def put_later(self, delay_s: float, job: Job, *, key: Hashable | None = None) -> None:
        """Queue `job` in `delay_s` seconds. A later call with the same `key` replaces the
        waiting one (debouncing: the storm rescan waits for the storm's last batch)."""
        with self.condition:
            sequence = next(self._sequence)
            if key is not None:
                self._later_keys[key] = sequence
            heapq.heappush(self._later, (time.monotonic() + delay_s, sequence, key, job))
            self.condition.notify_all()

    def pop(self) -> Job | None:
        """The next job, due delayed jobs included; None when nothing is ready. Call with
        `condition` held."""
        self._release_due()
        return self._ready.popleft() if self._ready else None

    def has_ready(self) -> bool:
        """Whether a job is ready to run. Call with `condition` held."""
        self._release_due()
        return bool(self._ready)

    def waiting(self) -> bool:
        """Whether a job waits, read without the lock: a hint for long work to stop early and
        let it go first (a file save must not wait behind an embedding backlog)."""
        return bool(self._ready)

    def seconds_to_next(self) -> float | None:
        """How long until the next delayed job is due (None: none waits). `condition` held."""
        return max(0.0, self._later[0][0] - time.monotonic()) if self._later else None

    def _release_due(self) -> None:
        now = time.monotonic()
        while self._later and self._later[0][0] <= now:
            _due, sequence, key, job = heapq.heappop(self._later)
            if key is not None:
                if self._later_keys.get(key) != sequence:
                    continue  # replaced by a later call with the same key
                del self._later_keys[key]
            self._put(job)

    def snapshot(self) -> list[Job]:
        with self.condition:
            return list(self._ready)

    def queued_roots(self, kind: type[Job]) -> list[Path]:
        with self.condition:
            return [j.root for j in self._ready if isinstance(j, kind)]
