"""One writer per index directory (engine/indexing/claim.py): a second engine on the same folder
and cache works in a replica, costs no embedding, and leaves the first one's index alone.

In-process with the deterministic test embedder (support/embedder.py); a claim is a `flock` on
its own open file description, so two engines in one process are told apart like two processes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.engine.indexing.claim import claim_index_dir, replica_dir
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
