"""One writer per index directory (engine/indexing/claim.py): a second engine on the same folder
and cache works in a replica, costs no embedding, and leaves the first one's index alone.

In-process with the deterministic test embedder (support/embedder.py); a claim is a `flock` on
its own open file description, so two engines in one process are told apart like two processes.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.engine.indexing import claim as claim_module
from arama.engine.indexing.claim import LOCK_FILE, claim_index_dir, replica_dir, sweep_replicas
from arama.engine.search.request import SearchRequest
from support.embedder import BagOfWordsEmbedder


def test_a_claimed_directory_sends_the_next_claim_to_a_replica(tmp_path: Path) -> None:
    directory = tmp_path / "workspaces" / "w-0123"
    first = claim_index_dir(directory)
    second = claim_index_dir(directory)
    try:
        assert (first.directory, first.replica) == (directory, 1)
        assert (second.directory, second.replica) == (replica_dir(directory, 2), 2)
        assert second.directory.name == "w-0123~2"
    finally:
        first.release()
        second.release()
    again = claim_index_dir(directory)
    try:
        assert again.replica == 1  # released: the folder's own directory is free again
    finally:
        again.release()


def test_a_claim_held_by_another_process_is_respected(tmp_path: Path) -> None:
    directory = tmp_path / "w"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; "
            "from arama.engine.indexing.claim import claim_index_dir; "
            f"c = claim_index_dir(Path({str(directory)!r})); print(c.replica, flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "1"
        mine = claim_index_dir(directory)
        assert mine.replica == 2
        mine.release()
    finally:
        holder.communicate("", timeout=30)
    after = claim_index_dir(directory)  # the holder's exit released its claim
    assert after.replica == 1
    after.release()


def test_a_second_engine_on_the_same_folder_costs_no_embedding(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    config = EngineConfig(cache_dir=tmp_path / "cache")
    first = Engine(config, embedder=embedder)
    first.add_folder(workspace)
    first.start()
    assert first.wait_idle(60)
    embedded_once = first.status().cache.misses
    assert embedded_once > 0
    second = Engine(config, embedder=embedder)
    try:
        second.add_folder(workspace)
        second.start()
        assert second.wait_idle(60)
        status = second.status()
        assert status.cache.misses == 0  # every text came from the shared embedding cache
        assert status.state == "ready" and status.chunks == first.status().chunks
        (folder,) = second.folders()
        assert folder.catalog.path.parent.name.endswith("~2")
        (own,) = first.folders()
        assert own.catalog.path.parent == config.workspace_dir(workspace.resolve())
        # Both answer, each from its own index.
        for engine in (first, second):
            hits = engine.search(SearchRequest("transpose matrix rows columns")).hits
            assert hits[0].chunk.path == "src/matrix.rs"
    finally:
        second.close()
        first.close()


DAY = 24 * 3600.0


def _age(replica: Path, days: float) -> None:
    old = time.time() - days * DAY
    os.utime(replica / LOCK_FILE, (old, old))


def test_an_idle_free_replica_is_removed_at_the_next_claim(tmp_path: Path) -> None:
    directory = tmp_path / "workspaces" / "w"
    claims = [claim_index_dir(directory) for _ in range(4)]  # the folder's own, ~2, ~3, ~4
    for claim in claims:
        (claim.directory / "catalog.sqlite").write_bytes(b"x" * 1000)
        claim.release()
    _age(directory, 30)
    _age(replica_dir(directory, 2), 8)  # free, unused for 8 days: removed
    _age(replica_dir(directory, 3), 8)  # unused for 8 days but held by another process: kept
    held = os.open(replica_dir(directory, 3) / LOCK_FILE, os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    _age(replica_dir(directory, 4), 6)  # used 6 days ago: kept
    try:
        again = claim_index_dir(directory)
        again.release()
    finally:
        os.close(held)
    assert again.replica == 1
    assert directory.is_dir()  # the folder's own index is never swept, however old
    assert not replica_dir(directory, 2).exists()
    assert replica_dir(directory, 3).is_dir() and replica_dir(directory, 4).is_dir()
    assert sorted(p.name for p in directory.parent.iterdir()) == ["w", "w~3", "w~4"]


def test_a_claim_refreshes_the_last_use(tmp_path: Path) -> None:
    directory = tmp_path / "w"
    first = claim_index_dir(directory)
    second = claim_index_dir(directory)
    second.release()
    _age(second.directory, 8)
    reused = claim_index_dir(directory)  # the next second process takes ~2 again: warm
    try:
        assert reused.replica == 2
        assert time.time() - (reused.directory / LOCK_FILE).stat().st_mtime < 60
    finally:
        reused.release()
        first.release()
    assert sweep_replicas(directory, keep=1) == []  # just used: kept
    assert sweep_replicas(directory, keep=1, now=time.time() + 8 * DAY) == [reused.directory]


def test_a_claim_on_a_lock_file_swept_away_meanwhile_claims_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep in another process removes ~2 between this claim's open and its flock: the
    claim must not work in the removed directory."""
    directory = tmp_path / "w"
    holder = claim_index_dir(directory)
    real_flock = fcntl.flock
    swept: list[str] = []

    def flock_after_a_sweep(fd: int, operation: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        if path.endswith(f"w~2/{LOCK_FILE}") and not swept:
            swept.append(path)
            shutil.rmtree(Path(path).parent)
        real_flock(fd, operation)

    monkeypatch.setattr(claim_module.fcntl, "flock", flock_after_a_sweep)
    second = claim_index_dir(directory)
    try:
        assert swept and second.replica == 2
        assert (second.directory / LOCK_FILE).exists()
        assert second.fd is not None
        assert os.fstat(second.fd).st_ino == (second.directory / LOCK_FILE).stat().st_ino
    finally:
        second.release()
        holder.release()


def test_an_interrupted_removal_is_finished_by_the_next_sweep(tmp_path: Path) -> None:
    directory = tmp_path / "w"
    directory.mkdir()
    leftover = tmp_path / "w~2.removing-123-456"
    leftover.mkdir()
    (leftover / "catalog.sqlite").write_bytes(b"x")
    sweep_replicas(directory, keep=1)
    assert not leftover.exists() and directory.is_dir()
