"""Ctrl-C and SIGTERM on `arama index`, and `arama status` as a read-only look, as a user meets
them: the installed script in a subprocess, the real bundled model, a private home and cache.

- SIGINT while the model is prepared (the one-time ONNX export): one line, exit 130, no export
  process left running, no scratch or half-written export directory left in `models/`.
- SIGTERM while chunks are embedded: one line, exit 143; `arama status` then answers at once
  that the index is incomplete (it does not finish the work itself), and the next `arama index`
  embeds only what the interrupted one had not (the work done was kept).
- `arama status` on a folder never indexed: `notIndexed`, exit 1, nothing created.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from support.export_children import export_children
from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import isolated_env

pytestmark = pytest.mark.e2e

ARAMA = Path(sys.executable).parent / "arama"


def _env(home: Path, cache: Path) -> dict[str, str]:
    return isolated_env(home) | {"ARAMA_CACHE_DIR": str(cache), "LANG": "C.UTF-8"}


def _many_files(root: Path, count: int) -> None:
    salt = uuid.uuid4().hex[:8]
    for n in range(count):
        package = root / f"pkg{n % 8}"
        package.mkdir(parents=True, exist_ok=True)
        (package / f"worker_{n}.py").write_text(
            f"def process_{salt}_{n}(queue, limit={n}):\n"
            f"    '''Take up to {n} jobs of run {salt} from the queue and run them.'''\n"
            f"    done = []\n"
            f"    while queue and len(done) < limit:\n"
            f"        done.append(queue.pop().run('{salt}', {n}))\n"
            f"    return done\n"
        )


def test_ctrl_c_during_the_model_preparation(tmp_path: Path) -> None:
    home, cache = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    shutil.copytree(FIXTURE_WORKSPACE, tmp_path / "workspace")
    process = subprocess.Popen(
        [str(ARAMA), "index", str(tmp_path / "workspace")],
        env=_env(home, cache),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while not children and time.monotonic() < deadline and process.poll() is None:
            children = export_children(process.pid)
            time.sleep(0.05)
        assert children, "no export child seen"
        time.sleep(1.0)
        # A terminal's Ctrl-C reaches the whole foreground group: arama and its exporter.
        process.send_signal(signal.SIGINT)
        for child in children:
            os.kill(child, signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arama: interrupted"), err
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)
    models = cache / "models"
    assert not list(models.glob(".tmp-*")), list(models.iterdir())
    assert not list(models.glob(".*-onnx-*")), list(models.iterdir())


def test_sigterm_while_embedding_keeps_the_work(tmp_path: Path) -> None:
    home, cache = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    warm = tmp_path / "warm"
    shutil.copytree(FIXTURE_WORKSPACE, warm)
    # The model prepared first, so that the signal lands in the embedding.
    done = subprocess.run(
        [str(ARAMA), "index", str(warm), "--quiet"],
        env=_env(home, cache),
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    workspace = tmp_path / "workspace"
    _many_files(workspace, 400)
    process = subprocess.Popen(
        [str(ARAMA), "index", str(workspace), "--json"],
        env=_env(home, cache),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(6.0)  # model loaded, files read, some batches embedded
        assert process.poll() is None, "indexing finished before the signal: use more files"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, err
    assert out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arama: stopped (SIGTERM)"), err

    started = time.monotonic()
    look = subprocess.run(
        [str(ARAMA), "status", str(workspace)],
        env=_env(home, cache),
        capture_output=True,
        timeout=60,
        check=False,
    )
    took = time.monotonic() - started
    assert look.returncode == 0, look.stderr
    status = json.loads(look.stdout)
    assert status["state"] == "incomplete", status
    assert took < 10, took  # a look, not the rest of the indexing
    cataloged, waiting = status["chunks"], status["pendingChunks"] + status["pendingNames"]
    again = json.loads(
        subprocess.run(
            [str(ARAMA), "status", str(workspace)],
            env=_env(home, cache),
            capture_output=True,
            timeout=60,
            check=True,
        ).stdout
    )
    assert (again["chunks"], again["pendingChunks"]) == (cataloged, status["pendingChunks"])

    finish = subprocess.run(
        [str(ARAMA), "index", str(workspace), "--json"],
        env=_env(home, cache),
        capture_output=True,
        timeout=900,
        check=False,
    )
    assert finish.returncode == 0, finish.stderr
    final = json.loads(finish.stdout)
    assert final["state"] == "ready" and final["pendingChunks"] == 0
    # The interrupted run's work was kept (saved vectors, or the embedding cache): only what
    # it had not done is embedded now.
    assert waiting > 0, status
    if cataloged == final["chunks"]:
        assert waiting < 2 * cataloged, (waiting, cataloged)  # some vectors were made before
        assert final["cache"]["misses"] <= waiting, (final["cache"], waiting)


def test_status_of_a_folder_never_indexed(tmp_path: Path) -> None:
    home, cache = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    shutil.copytree(FIXTURE_WORKSPACE, tmp_path / "workspace")
    done = subprocess.run(
        [str(ARAMA), "status", str(tmp_path / "workspace")],
        env=_env(home, cache),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["state"] == "notIndexed"
    assert done.stderr == b""
    assert not cache.exists() or not list(cache.rglob("*"))
