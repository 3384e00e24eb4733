"""`arama status` is a read-only look (engine/look.py): it never indexes, repairs or creates
anything, and tells a complete index from an interrupted one and from none (the deterministic
test embedder, support/embedder.py, builds the indexes it looks at)."""

from __future__ import annotations

import gc
from pathlib import Path

from arama.engine.catalog import SCAN_META
from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.engine.look import look
from support.embedder import BagOfWordsEmbedder

MODEL = BagOfWordsEmbedder().model_id


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and its size and time, but SQLite's WAL and shared-memory files: a reader
    of a WAL database sets them up (empty), and they hold no data."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def _index(config: EngineConfig, workspace: Path) -> Engine:
    engine = Engine(config, embedder=BagOfWordsEmbedder())
    engine.add_folder(workspace)
    engine.start()
    assert engine.wait_idle(60)
    return engine


def test_a_folder_never_indexed_is_said_so_and_nothing_is_created(
    tmp_path: Path, workspace: Path
) -> None:
    config = EngineConfig(cache_dir=tmp_path / "cache")
    status = look(config, workspace, model_id=MODEL)
    assert status.state == "notIndexed" and status.files == 0 and status.chunks == 0
    assert not config.cache_dir.exists()


def test_a_complete_index_is_ready_with_the_engines_counts(tmp_path: Path, workspace: Path) -> None:
    config = EngineConfig(cache_dir=tmp_path / "cache")
    engine = _index(config, workspace)
    expected = engine.status()
    engine.close()
    del engine
    gc.collect()  # connections of the engine's ended threads close (and checkpoint) now
    before = _tree(config.cache_dir)
    status = look(config, workspace, model_id=MODEL)
    assert _tree(config.cache_dir) == before  # nothing written, not even a journal
    assert status.state == "ready"
    assert (status.files, status.chunks) == (expected.files, expected.chunks)
    assert status.pending_chunks == status.pending_names == 0
    assert status.cache.entries == expected.cache.entries > 0


def test_an_interrupted_index_is_incomplete_and_stays_so(tmp_path: Path, workspace: Path) -> None:
    config = EngineConfig(cache_dir=tmp_path / "cache")
    engine = _index(config, workspace)
    folder = engine._registry.all()[0]
    chunks = folder.catalog.counts()[1]
    vector_file = folder.chunks.store.path
    engine.close()
    vector_file.unlink()  # as if killed before the first save of the vectors
    first = look(config, workspace, model_id=MODEL)
    again = look(config, workspace, model_id=MODEL)
    assert first.state == again.state == "incomplete"
    assert first.pending_chunks == again.pending_chunks == chunks  # nothing was embedded
    assert not vector_file.exists()


def test_a_scan_that_did_not_finish_is_incomplete(tmp_path: Path, workspace: Path) -> None:
    config = EngineConfig(cache_dir=tmp_path / "cache")
    engine = _index(config, workspace)
    catalog = engine._registry.all()[0].catalog
    assert catalog.meta(SCAN_META) == "complete"
    catalog.set_meta(SCAN_META, "running")  # as if stopped in the middle of the scan
    engine.close()
    status = look(config, workspace, model_id=MODEL)
    assert status.state == "incomplete" and status.pending_chunks == 0
    assert status.recovered
