"""Two glibc malloc arenas for arama's processes instead of up to eight per core.

glibc gives each thread that allocates its own arena, up to 8 per core. The server's threads
(the indexer, the query encoder, each symbol-table rebuild, the file watcher, the model's
workers) leave freed memory in their own arenas, which the other threads cannot reuse, so the
process keeps the high-water mark of every arena. Two arenas bound that part: in two 30-minute
soaks side by side (`benchmarks/soak.py`, six server lives each), the servers ended their lives
~20 MB (4 %) smaller with the limit than without (`MALLOC_ARENA_MAX=16`, glibc's default on two
cores), at the same latency; docs/design.md "Memory" has the table.

The limit is `mallopt(M_ARENA_MAX)`, set before any thread of arama's starts; it is what the
`MALLOC_ARENA_MAX` environment variable does, which cannot be set for a process already running
(and an editor starts the server without asking us). A user who sets that variable keeps it.
Anything but glibc on Linux is left as it is.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2


def glibc_version() -> str | None:
    """'2.36' on glibc, None elsewhere (musl, macOS, Windows)."""
    if sys.platform != "linux":
        return None
    try:
        name, _, version = os.confstr("CS_GNU_LIBC_VERSION").partition(" ")  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return None
    return version if name == "glibc" else None


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """True when the limit is now in force for the threads this process starts from here on."""
    if os.environ.get("MALLOC_ARENA_MAX") or glibc_version() is None:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))
