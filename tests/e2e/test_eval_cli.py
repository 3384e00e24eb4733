"""`arama eval` as a user runs it: the installed command in a subprocess, the real bundled model,
a private cache directory and home, over a copy of the fixture workspace."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import isolated_env
from support.model_cache import seed_model

pytestmark = pytest.mark.e2e

ARAMA = Path(sys.executable).parent / "arama"
LANGUAGES = {"go", "javascript", "python", "rust", "typescript"}


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("eval")
    shutil.copytree(FIXTURE_WORKSPACE, base / "workspace")
    seed_model(base / "cache")
    return {"base": base, "workspace": base / "workspace", "cache": base / "cache"}


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _eval(dirs: dict[str, Path], *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = isolated_env(dirs["base"] / "home") | {"LANG": "C.UTF-8"}
    return subprocess.run(
        [str(ARAMA), "eval", *map(str, args), "--cache-dir", str(dirs["cache"])],
        cwd=dirs["base"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def report(dirs: dict[str, Path]) -> dict[str, Any]:
    before = _snapshot(dirs["workspace"])
    done = _eval(dirs, dirs["workspace"], "--json")
    assert done.returncode == 0, done.stderr
    assert _snapshot(dirs["workspace"]) == before  # nothing written into the workspace
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_json_report_has_every_mode_and_language(report: dict[str, Any]) -> None:
    assert report["source"] == "docs" and report["docsHidden"] is True
    assert report["queries"] == 8 and report["hidden"] == {"functions": 8, "files": 6}
    assert report["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert set(report["results"]) == {"hybrid", "semantic", "lexical"}
    for mode, table in report["results"].items():
        assert table["overall"]["n"] == 8, mode
        assert set(table["languages"]) == LANGUAGES, mode
        for scores in (table["overall"], *table["languages"].values()):
            assert set(scores) == {"n", "mrr@10", "recall@1", "recall@5", "recall@10"}
            assert 0.0 <= scores["mrr@10"] <= scores["recall@10"] <= 1.0
    # The real model finds most definitions from their hidden documentation's first sentence.
    assert report["results"]["hybrid"]["overall"]["recall@10"] >= 0.75
    assert len(report["slowest"]) == 5 and report["slowest"][0]["ms"] > 0
    assert len(report["perQuery"]) == 8


def test_table_is_readable_and_the_users_index_untouched(
    dirs: dict[str, Path], report: dict[str, Any]
) -> None:
    before = _snapshot(dirs["workspace"])
    done = _eval(dirs, dirs["workspace"], "--modes", "lexical,hybrid", "--sample", "5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"Search quality of {dirs['workspace']}: 5 queries")
    header = next(line for line in lines if line.startswith("mode"))
    assert header.split() == ["mode", "language", "n", "MRR@10", "R@1", "R@5", "R@10"]
    rows = [line.split() for line in lines if line.startswith(("hybrid ", "lexical "))]
    assert [row[:3] for row in rows] == [["hybrid", "all", "5"], ["lexical", "all", "5"]]
    assert "semantic" not in done.stdout
    assert "Slowest searches:" in lines and lines[-1].startswith("Time: index ")
    assert _snapshot(dirs["workspace"]) == before
    assert not (dirs["cache"] / "workspaces").exists()  # the user's own indexes: never opened


def test_exit_statuses(dirs: dict[str, Path], report: dict[str, Any]) -> None:
    plain = dirs["base"] / "plain"
    plain.mkdir()
    (plain / "main.py").write_text("def main():\n    x = 1\n    return x\n")
    nothing = _eval(dirs, plain, "--modes", "lexical")
    assert nothing.returncode == 1 and "Nothing to evaluate" in nothing.stderr
    missing = _eval(dirs, dirs["base"] / "absent")
    assert missing.returncode == 2 and missing.stderr.strip().endswith("is not a directory.")
    assert len(missing.stderr.strip().splitlines()) == 1
