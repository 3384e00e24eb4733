"""The malloc arena limit (arama/memory.py), seen from glibc itself: threads that allocate at
the same time share two arenas once the limit is set, and get one each without it. Each case
runs in a fresh interpreter, since the limit only governs arenas created after it is set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from arama.memory import glibc_version

SERVER = Path(__file__).resolve().parents[2] / "server"

PROBE = """
import ctypes, sys, threading
sys.path.insert(0, {server!r})
if {limit!r}:
    from arama.memory import limit_malloc_arenas
    print("limited" if limit_malloc_arenas() else "not limited", flush=True)
barrier = threading.Barrier(8)
def allocate():
    barrier.wait()  # all eight allocate at the same time
    kept = [bytearray(100_000 + i) for i in range(50)]
    barrier.wait()
    del kept
threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ctypes.CDLL(None).malloc_stats()  # one "Arena N:" block per arena, on stderr
"""

pytestmark = pytest.mark.skipif(glibc_version() is None, reason="glibc only")


def _arenas(limit: bool, env: dict[str, str]) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(server=str(SERVER), limit=limit)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    return done.stdout.strip(), done.stderr.count("Arena ")


def _env_without_the_variable() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}


def test_threads_share_two_arenas_once_the_limit_is_set() -> None:
    said, arenas = _arenas(True, _env_without_the_variable())
    assert said == "limited"
    assert arenas == 2


def test_without_the_limit_each_thread_gets_its_own_arena() -> None:
    """The control: the probe can tell, so the test above cannot pass by accident."""
    _said, arenas = _arenas(False, _env_without_the_variable())
    assert arenas > 2


def test_a_users_malloc_arena_max_is_kept() -> None:
    said, arenas = _arenas(True, {**_env_without_the_variable(), "MALLOC_ARENA_MAX": "4"})
    assert said == "not limited"
    assert arenas == 4


def test_both_entry_points_set_the_limit_before_their_work_starts() -> None:
    """A wiring check: the server sets it before it starts serving, the `arama` command before
    it imports the commands (the engine, the model)."""
    for module, work in (
        ("arama/lsp/server.py", "server.start_io()"),
        ("arama/entry.py", "cli_main"),
    ):
        source = (SERVER / module).read_text()
        main = source[source.index("def main(") :]
        assert 0 <= main.index("limit_malloc_arenas()") < main.index(work), module
