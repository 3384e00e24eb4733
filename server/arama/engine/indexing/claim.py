"""One writer per index directory, across processes.

A folder's index (catalog, vector files) assumes one writer: the vector files are kept in step
with the catalog by chunk id, in memory, by the process that changes the catalog. Two processes
indexing the same folder into the same directory (the editor's language server, `arama mcp` for
an agent, a CLI run) would each miss the other's changes in their vectors, and SQLite reuses a
deleted chunk's id, so a stale vector could end up filed under another chunk's id.

So a process *claims* the directory with an advisory lock (`flock`, released by the kernel when
the process ends, even by SIGKILL). A second process that finds it claimed opens a sibling
replica (`<dir>~2`, `~3`, ...) instead: its own catalog and vector files, filled by its own scan.
The embedding cache is shared and keyed by text, so a replica costs reading and chunking the
files, never an embedding the cache holds; and nothing is written twice into one catalog.

A replica is kept after its process ends, so the next second process (the editor opened again
beside an agent) starts warm; but it costs as much disk as the folder's own index. So every
claim sweeps the folder's *other* replicas: one that no process holds and that nobody has used
for `REPLICA_IDLE_S` (its lock file's mtime, touched at every claim and release) is removed, under
its lock: taken, the directory renamed aside, then deleted. The folder's own directory is never
removed. A claim checks that the lock file it locked is still the one at its path, so a process
that opened a replica's lock just before the sweep renamed it tries again instead of working in
a removed directory.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_FILE = "writer.lock"
MAX_REPLICAS = 8
"""Processes that may index one folder at once; one more gets the last replica anyway (logged),
which is how things were before claims existed."""
REPLICA_IDLE_S = 7 * 24 * 3600.0
"""A free replica unused this long is removed at the folder's next claim: a week keeps the
replica of an editor and an agent used side by side every working day warm."""
REMOVING = ".removing-"


@dataclass
class IndexClaim:
    """A claimed index directory; `release()` (or the process's end) lets it go."""

    directory: Path
    fd: int | None
    replica: int  # 1 for the folder's own directory, 2.. for a replica

    def release(self) -> None:
        if self.fd is not None:
            _touch(self.fd)
            try:
                os.close(self.fd)  # closing the descriptor drops the flock
            except OSError:
                pass
            self.fd = None


def replica_dir(directory: Path, replica: int) -> Path:
    return directory if replica == 1 else directory.with_name(f"{directory.name}~{replica}")


def claim_index_dir(directory: Path, *, idle_s: float = REPLICA_IDLE_S) -> IndexClaim:
    """The first of `directory`, `directory~2`, ... that no other process holds, created
    (owner-only) and locked; then the folder's other replicas idle for `idle_s` are removed.
    Each open of the lock file is its own claim, so a second engine in the same process is told
    apart too."""
    claim = _claim(directory)
    try:
        sweep_replicas(directory, keep=claim.replica, idle_s=idle_s)
    except OSError as exc:  # a sweep that fails costs disk, never the claim
        log.warning("could not sweep the replicas of %s: %s", directory, exc)
    return claim


def _claim(directory: Path) -> IndexClaim:
    replica = 1
    for _attempt in range(3 * MAX_REPLICAS):  # a retry after a sweep is rare; never a spin
        if replica > MAX_REPLICAS:
            break
        candidate = replica_dir(directory, replica)
        for level in (candidate.parent, candidate):  # mkdir's mode applies to the leaf only
            level.mkdir(exist_ok=True, mode=0o700)
        try:
            fd = os.open(candidate / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:  # swept away between mkdir and open: make it again
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            replica += 1
            continue
        except OSError as exc:  # a file system without locks: behave as before claims
            log.warning("cannot lock %s (%s): indexing without a claim", candidate, exc)
            os.close(fd)
            return IndexClaim(candidate, None, replica)
        if not _still_there(fd, candidate / LOCK_FILE):  # a sweep removed what we locked
            os.close(fd)
            continue
        _touch(fd)
        if replica > 1:
            log.info("index %s is in use by another process: using replica %s", directory, replica)
        return IndexClaim(candidate, fd, replica)
    last = replica_dir(directory, MAX_REPLICAS)
    log.warning("every replica of %s is in use: sharing %s without a claim", directory, last)
    return IndexClaim(last, None, MAX_REPLICAS)


def _touch(fd: int) -> None:
    """Mark the directory used now: the replica sweep reads the lock file's mtime."""
    try:
        os.utime(fd)
    except OSError:  # a file system that refuses it: the replica may be swept a little early
        pass


def _still_there(fd: int, path: Path) -> bool:
    """The file `fd` locked is the one at `path` (not renamed aside or deleted since)."""
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (here.st_dev, here.st_ino)


def sweep_replicas(
    directory: Path, *, keep: int, idle_s: float = REPLICA_IDLE_S, now: float | None = None
) -> list[Path]:
    """Remove the replicas of `directory` (never `directory` itself, nor replica `keep`) that no
    process holds and nobody used for `idle_s`; also what an interrupted removal left. Returns
    the replicas removed."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    for replica in range(2, MAX_REPLICAS + 1):
        candidate = replica_dir(directory, replica)
        if replica != keep and _remove_if_idle(candidate, now - idle_s):
            removed.append(candidate)
    if directory.parent.is_dir():
        for leftover in directory.parent.glob(f"{directory.name}~*{REMOVING}*"):
            shutil.rmtree(leftover, ignore_errors=True)
    return removed


def _remove_if_idle(candidate: Path, used_before: float) -> bool:
    try:
        if os.stat(candidate / LOCK_FILE).st_mtime >= used_before:
            return False
        fd = os.open(candidate / LOCK_FILE, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # in use
        if os.fstat(fd).st_mtime >= used_before or not _still_there(fd, candidate / LOCK_FILE):
            return False  # claimed and released meanwhile, or already swept
        aside = candidate.with_name(f"{candidate.name}{REMOVING}{os.getpid()}-{time.time_ns()}")
        os.rename(candidate, aside)
        # Still holding the lock: a process that opened the old lock file waits for nothing
        # (its flock fails, it moves on) and then finds it gone (_still_there).
        shutil.rmtree(aside, ignore_errors=True)
    finally:
        os.close(fd)
    log.info("removed the unused index replica %s", candidate)
    return True
