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
files, never an embedding the cache holds; and nothing is written twice into one catalog. A
replica is kept, so the next second process starts warm too.
"""

from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_FILE = "writer.lock"
MAX_REPLICAS = 8
"""Processes that may index one folder at once; one more gets the last replica anyway (logged),
which is how things were before claims existed."""


@dataclass
class IndexClaim:
    """A claimed index directory; `release()` (or the process's end) lets it go."""

    directory: Path
    fd: int | None
    replica: int  # 1 for the folder's own directory, 2.. for a replica

    def release(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)  # closing the descriptor drops the flock
            except OSError:
                pass
            self.fd = None


def replica_dir(directory: Path, replica: int) -> Path:
    return directory if replica == 1 else directory.with_name(f"{directory.name}~{replica}")


def claim_index_dir(directory: Path) -> IndexClaim:
    """The first of `directory`, `directory~2`, ... that no other process holds, created
    (owner-only) and locked. Each open of the lock file is its own claim, so a second engine in
    the same process is told apart too."""
    for replica in range(1, MAX_REPLICAS + 1):
        candidate = replica_dir(directory, replica)
        for level in (candidate.parent, candidate):  # mkdir's mode applies to the leaf only
            level.mkdir(exist_ok=True, mode=0o700)
        fd = os.open(candidate / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        except OSError as exc:  # a file system without locks: behave as before claims
            log.warning("cannot lock %s (%s): indexing without a claim", candidate, exc)
            os.close(fd)
            return IndexClaim(candidate, None, replica)
        if replica > 1:
            log.info("index %s is in use by another process: using replica %s", directory, replica)
        return IndexClaim(candidate, fd, replica)
    last = replica_dir(directory, MAX_REPLICAS)
    log.warning("every replica of %s is in use: sharing %s without a claim", directory, last)
    return IndexClaim(last, None, MAX_REPLICAS)
