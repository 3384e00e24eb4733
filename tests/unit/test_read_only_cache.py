"""A cache directory this process may not write is served as it is (the deterministic test
embedder, support/embedder.py): searches answer from the index there, the status says so, and
nothing in the cache directory changes, whatever happens in the workspace."""

from __future__ import annotations

import gc
from pathlib import Path

from arama.engine.config import EngineConfig
from arama.engine.search.request import SearchRequest
from support.embedder import BagOfWordsEmbedder
from support.json_engine import JsonEngine as Engine


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Files with size and time; SQLite's -wal/-shm set up by a reader hold no data."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def _top(answer: dict[str, object]) -> list[tuple[str, int]]:
    return [(r["path"], r["range"]["start"]["line"]) for r in answer["results"]]  # type: ignore[attr-defined, index]


def test_a_read_only_cache_answers_from_what_is_there(tmp_path: Path, workspace: Path) -> None:
    cache = tmp_path / "cache"
    writer = Engine(EngineConfig(cache_dir=cache), embedder=BagOfWordsEmbedder())
    writer.add_folder(workspace)
    writer.start()
    assert writer.wait_idle(60)
    queries = ("transpose matrix rows columns", "retry_request", "debounce")
    expected = {q: _top(writer.search(SearchRequest(q))) for q in queries}
    files = writer.status()["files"]
    writer.close()
    del writer
    gc.collect()
    before = _tree(cache)

    (workspace / "new_module.py").write_text("def transpose_again(rows):\n    return rows\n")
    reader = Engine(EngineConfig(cache_dir=cache, read_only=True), embedder=BagOfWordsEmbedder())
    reader.add_folder(workspace)
    reader.start()
    reader.watch()
    try:
        assert reader.wait_idle(60)
        for query in queries:
            assert _top(reader.search(SearchRequest(query))) == expected[query], query
        reader.notify_changed([workspace / "new_module.py"])
        assert reader.wait_idle(60)
        status = reader.status()
        assert status["files"] == files  # the new file is not indexed: nothing can be written
        assert status["state"] == "ready"
        assert any("read-only cache directory" in note for note in status["recovered"])
    finally:
        reader.close()
    assert _tree(cache) == before


def test_a_cache_directory_nobody_may_write_is_detected(tmp_path: Path, workspace: Path) -> None:
    from arama.engine import engine as engine_module

    cache = tmp_path / "cache"
    cache.mkdir()
    assert engine_module._read_only(cache) is False
    assert engine_module._read_only(tmp_path / "missing") is False  # created, as before
    assert engine_module._read_only(Path("/proc")) is True
