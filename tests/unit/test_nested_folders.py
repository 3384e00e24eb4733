"""Nested workspace folders: a root and a package inside it, both open (VS Code multi-root).

The rule (engine/folders.py): a path belongs to the innermost open folder containing it, and an
outer folder leaves an inner folder's subtree to it. So every change in the package reaches the
package's index, and every location is listed once. In-process, with the deterministic test
embedder (see conftest).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.engine.search.request import SearchRequest


def _engine(tmp_path: Path, embedder: Any, *roots: Path) -> Engine:
    engine = Engine(EngineConfig(cache_dir=tmp_path / "cache"), embedder=embedder)
    for root in roots:
        engine.add_folder(root)
    engine.start()
    assert engine.wait_idle(60)
    return engine


def _locations(engine: Engine, query: str) -> list[str]:
    answer = engine.search(SearchRequest(query, mode="lexical", limit=50))
    return [(hit.root / hit.chunk.path).as_uri() for hit in answer.hits]


def _settle(engine: Engine) -> None:
    time.sleep(0.05)
    assert engine.wait_idle(60)


def test_inner_folder_owns_its_files_and_every_change_reaches_search(
    tmp_path: Path, workspace: Path, embedder: Any
) -> None:
    package = workspace / "packages" / "zoo"
    package.mkdir(parents=True)
    zebra = package / "zebra.py"
    zebra.write_text("def zebra_stripes():\n    return 'zebra stripes'\n")
    outer_file = workspace / "outer_zebra.py"
    outer_file.write_text("def outer_zebra():\n    return 'zebra outside the package'\n")
    engine = _engine(tmp_path, embedder, workspace, package)
    try:
        # Each location once: the package's file is indexed by the package only.
        found = _locations(engine, "zebra")
        assert sorted(found) == sorted([zebra.as_uri(), outer_file.as_uri()])
        hits = engine.search(SearchRequest("zebra_stripes", mode="lexical")).hits
        (hit,) = [h for h in hits if h.chunk.symbol == "zebra_stripes"]
        assert hit.root == package and hit.chunk.path == "zebra.py"  # the package owns it

        # Write a new file in the package.
        giraffe = package / "giraffe.py"
        giraffe.write_text("def giraffe_neck():\n    return 'long giraffe neck'\n")
        engine.notify_changed([giraffe])
        _settle(engine)
        assert _locations(engine, "giraffe") == [giraffe.as_uri()]

        # Change an existing one.
        zebra.write_text("def zebra_stripes():\n    return 'okapi stripes now'\n")
        engine.notify_changed([zebra])
        _settle(engine)
        assert _locations(engine, "okapi") == [zebra.as_uri()]

        # An unsaved buffer rules over the disk while open, and only once.
        engine.set_buffer(zebra, "def zebra_stripes():\n    return 'tapir in the buffer'\n")
        _settle(engine)
        assert _locations(engine, "tapir") == [zebra.as_uri()]
        assert _locations(engine, "okapi") == []
        engine.set_buffer(zebra, None)
        _settle(engine)
        assert _locations(engine, "okapi") == [zebra.as_uri()]

        # Delete.
        giraffe.unlink()
        engine.notify_changed([giraffe])
        _settle(engine)
        assert _locations(engine, "giraffe") == []

        # Files of the outer folder are still the outer folder's.
        assert _locations(engine, "outside") == [outer_file.as_uri()]
    finally:
        engine.close()


def test_closing_the_inner_folder_hands_its_files_back(
    tmp_path: Path, workspace: Path, embedder: Any
) -> None:
    package = workspace / "pkg"
    package.mkdir()
    (package / "zebra.py").write_text("def zebra_stripes():\n    return 'zebra'\n")
    engine = _engine(tmp_path, embedder, package, workspace)  # inner first, then outer
    try:
        assert _zebra_paths(engine) == ["zebra.py"]
        engine.remove_folder(package)
        _settle(engine)
        assert _zebra_paths(engine) == ["pkg/zebra.py"]
        engine.add_folder(package)
        _settle(engine)
        assert _zebra_paths(engine) == ["zebra.py"]
        assert engine.locate(package / "zebra.py")[1] == "zebra.py"
        assert engine.locate(workspace / "retry.py")[1] == "retry.py"
    finally:
        engine.close()


def _zebra_paths(engine: Engine) -> list[str]:
    hits = engine.search(SearchRequest("zebra_stripes", mode="lexical")).hits
    return [h.chunk.path for h in hits if h.chunk.symbol == "zebra_stripes"]
