"""`arama search --no-update` beside a process that owns the folder's index, as a user meets it:
the installed script in a subprocess, the real bundled model (the torch backend: no one-time
export to wait for), a private home and cache.

An editor's server claims the folder's index directory (engine/indexing/claim.py): a second
process that opens the folder for writing gets a replica of its own, which the old `--no-update`
opened empty (no scan) and searched: no results, a second index directory in the cache, and the
seconds of opening it. `--no-update` now reads the folder's index as it is on disk, read-only:
it answers from it, scans nothing (a file added since is not found), creates no replica and
writes nothing into the other process's catalog. A folder never indexed is one line, exit 1.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from arama.engine.config import EngineConfig
from arama.engine.indexing.claim import claim_index_dir
from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import isolated_env

pytestmark = pytest.mark.e2e

ARAMA = Path(sys.executable).parent / "arama"


def _arama(home: Path, cache: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = isolated_env(home) | {"ARAMA_CACHE_DIR": str(cache), "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(ARAMA), *argv], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file of an index directory with its size and modification time; of the catalog's
    WAL only the size (a reader may create it, empty, and its -shm index: SQLite's reading)."""
    return {
        p.name: (p.stat().st_size, 0 if p.name.endswith("-wal") else p.stat().st_mtime_ns)
        for p in directory.iterdir()
        if not p.name.endswith("-shm") and not (p.name.endswith("-wal") and not p.stat().st_size)
    }


def test_no_update_answers_from_the_index_on_disk_beside_its_owner(tmp_path: Path) -> None:
    home, cache, workspace = tmp_path / "home", tmp_path / "cache", tmp_path / "workspace"
    home.mkdir()
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    indexed = _arama(home, cache, "index", str(workspace), "--backend", "torch", "--quiet")
    assert indexed.returncode == 0, indexed.stderr
    index_dir = EngineConfig(cache_dir=cache).workspace_dir(workspace.resolve())
    # Another process owns the index now, as a running language server does (the same lock).
    owner = claim_index_dir(index_dir)
    assert owner.directory == index_dir
    try:
        (workspace / "added_later.py").write_text(
            "def reconcile_quarterly_ledger_zebra(ledger):\n    return sorted(ledger)\n"
        )
        before = _snapshot(index_dir)
        search = ["--no-update", "--json", "-C", str(workspace), "--backend", "torch"]
        found = _arama(home, cache, "search", "retry a request with backoff", *search)
        assert found.returncode == 0, found.stderr
        paths = [hit["path"] for hit in json.loads(found.stdout)["results"]]
        assert "retry.py" in paths[:3], paths  # answered from the index on disk
        # A script pages with --offset: the second page of 2 is the first 4's last two.
        four = _arama(home, cache, "search", "function", *search, "--limit", "4")
        page = _arama(home, cache, "search", "function", *search, "-n", "2", "--offset", "2")
        assert four.returncode == 0 and page.returncode == 0, page.stderr
        first, second = json.loads(four.stdout), json.loads(page.stdout)
        assert second["total"] == first["total"] > 4
        assert [h["path"] for h in second["results"]] == [h["path"] for h in first["results"]][2:]
        later = _arama(
            home, cache, "search", "reconcile_quarterly_ledger_zebra", *search, "--mode", "lexical"
        )
        assert later.returncode == 0, later.stderr
        assert "added_later.py" not in {h["path"] for h in json.loads(later.stdout)["results"]}
        assert _snapshot(index_dir) == before  # nothing written into the owner's index
        assert sorted(p.name for p in index_dir.parent.iterdir()) == [index_dir.name]  # no ~2
    finally:
        owner.release()


def test_no_update_on_a_folder_never_indexed_is_one_line(tmp_path: Path) -> None:
    home, cache, workspace = tmp_path / "home", tmp_path / "cache", tmp_path / "workspace"
    home.mkdir()
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    done = _arama(home, cache, "search", "retry", "--no-update", "-C", str(workspace))
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "arama index" in done.stderr
    assert not (cache / "workspaces").exists()  # nothing created for it
