"""SIGKILL at random moments of indexing and updating, then a restart: the index must match
the files on disk exactly, and nothing already in the embedding cache is embedded again.

Real parts throughout: the `arama` CLI process with the bundled model, SQLite, faiss, diskcache.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arama.engine.catalog import Catalog
from arama.engine.chunker import chunk_source
from arama.engine.config import EngineConfig
from arama.engine.embedding.cache import EmbeddingCache
from arama.engine.embedding.protocol import DEFAULT_MODEL_ID
from arama.engine.embedding.text import name_phrase, with_context
from arama.engine.hashing import text_hash
from arama.engine.scanner import Scanner, read_source
from arama.engine.vectors import VectorStore
from support.export_children import export_children
from support.fixtures import FIXTURE_WORKSPACE

pytestmark = pytest.mark.e2e

PACKAGE_SOURCE = Path(__file__).resolve().parents[2] / "server" / "arama"
KILLS = 10


def _arama(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "arama"), *args]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ARAMA_"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"))
    return env


def _mutate(workspace: Path, round_number: int, rng: random.Random) -> None:
    """Edits between crashes, so kills also land in the middle of updates."""
    files = sorted(p for p in workspace.rglob("*.py") if p.is_file())
    victim = rng.choice(files)
    victim.write_text(
        victim.read_text()
        + f"\n\ndef crash_round_{round_number}(value):\n    return value * {round_number}\n"
    )
    if round_number % 3 == 0:
        doomed = rng.choice([p for p in files if p != victim])
        doomed.unlink()


def _expected_chunks(workspace: Path) -> dict[str, list[tuple[int, int, str]]]:
    result = Scanner(workspace).scan()
    expected: dict[str, list[tuple[int, int, str]]] = {}
    for scanned in result.files:
        text = read_source(scanned)
        expected[scanned.rel] = [
            (c.start_line, c.end_line, c.text) for c in chunk_source(text, scanned.language)
        ]
    return expected


def _missing_from_cache(cache_dir: Path, workspace: Path) -> tuple[int, int]:
    """(unique texts, vectors) of the final disk state that the cache lacks; the texts are
    what the engine gives the model (each chunk under its header, each definition's name)."""
    texts = []
    for scanned in Scanner(workspace).scan().files:
        text = read_source(scanned)
        for c in chunk_source(text, scanned.language):
            texts.append(with_context(c.text, scanned.rel, c.symbol, c.container))
            if c.symbol is not None and c.kind is not None:
                texts.append(name_phrase(scanned.rel, c.symbol, c.container))
    cache = EmbeddingCache(cache_dir / "embeddings")
    try:
        found = cache.get_many(DEFAULT_MODEL_ID, [text_hash(t) for t in texts], None)
        missing = [t for t, v in zip(texts, found, strict=True) if v is None]
        return len(set(missing)), len(missing)
    finally:
        cache.close()


def test_sigkill_at_random_moments_never_corrupts_or_re_embeds(tmp_path: Path) -> None:
    rng = random.Random(20261126)
    workspace = tmp_path / "workspace"
    shutil.copytree(PACKAGE_SOURCE, workspace, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(FIXTURE_WORKSPACE, workspace / "fixture")
    home, cache_dir = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    # The ONNX export happens once per cache, before any kill: the kills are about indexing
    # (a kill during the export has a test of its own below).
    shutil.copytree(FIXTURE_WORKSPACE, tmp_path / "warm-up")
    subprocess.run(
        _arama("index", str(tmp_path / "warm-up"), "--cache-dir", str(cache_dir), "--quiet"),
        env=_env(home),
        check=True,
        timeout=600,
    )
    kills: list[float] = []
    for round_number in range(KILLS):
        process = subprocess.Popen(
            _arama(
                "index", str(workspace), "--cache-dir", str(cache_dir), "--quiet", "--threads", "1"
            ),
            env=_env(home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        moment = rng.uniform(0.3, 3.0)
        try:
            process.wait(timeout=moment)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills.append(round(moment, 2))
        else:
            stderr = process.stderr.read().decode() if process.stderr else ""
            assert process.returncode == 0, stderr
        if process.stderr:
            process.stderr.close()
        # After every kill the persisted pieces are each intact (never half-written).
        for catalog_file in (cache_dir / "workspaces").glob("*/catalog.sqlite"):
            catalog = Catalog(catalog_file)  # raises CatalogCorrupt on a damaged database
            catalog.close()
        for vectors_file in (cache_dir / "workspaces").glob("*/*.faiss"):
            store = VectorStore(vectors_file)
            assert store.load(), store.load_error
        _mutate(workspace, round_number, rng)
    assert len(kills) >= KILLS - 2, f"most runs must be killed mid-way, got kills at {kills}"

    expected = _expected_chunks(workspace)
    unique_missing, chunks_missing = _missing_from_cache(cache_dir, workspace)
    started = time.monotonic()
    final = subprocess.run(
        _arama("index", str(workspace), "--cache-dir", str(cache_dir), "--json"),
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    status = json.loads(final.stdout)
    assert status["state"] == "ready", status
    # Nothing already embedded was embedded again: the misses are exactly what the cache lacked.
    assert unique_missing <= status["cache"]["misses"] <= chunks_missing, (
        status["cache"],
        unique_missing,
        chunks_missing,
        time.monotonic() - started,
    )

    config = EngineConfig(cache_dir=cache_dir)
    directory = config.workspace_dir(workspace.resolve())
    catalog = Catalog(directory / "catalog.sqlite")
    try:
        live = catalog.live_files()
        assert sorted(live) == sorted(expected)
        for rel, chunks in expected.items():
            indexed = [(r.start_line, r.end_line, r.text) for r in catalog.chunks_of_file(rel)]
            assert indexed == chunks, rel
        (vectors_file,) = directory.glob("vectors-*.faiss")
        store = VectorStore(vectors_file)
        assert store.load()
        assert store.ids() == set(catalog.chunk_hashes()), "orphan or missing vectors"
        (names_file,) = directory.glob("names-*.faiss")
        names = VectorStore(names_file)
        assert names.load()
        assert names.ids() == catalog.named_chunk_ids(), "orphan or missing name vectors"
    finally:
        catalog.close()
    assert not list(home.rglob("*")), "nothing may be written outside the cache dir"


def test_sigkill_during_the_onnx_export_leaves_no_process_and_no_scratch(tmp_path: Path) -> None:
    """The export runs in a child process; a server killed meanwhile must not leave it running
    (writing into the cache) nor leave its scratch directory behind."""
    home, cache_dir = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    shutil.copytree(FIXTURE_WORKSPACE, tmp_path / "workspace")
    process = subprocess.Popen(
        _arama("index", str(tmp_path / "workspace"), "--cache-dir", str(cache_dir), "--quiet"),
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while not children and time.monotonic() < deadline and process.poll() is None:
            children = export_children(process.pid)
            time.sleep(0.05)
        assert children, "no export child seen"
        time.sleep(1.0)  # well inside the export (it takes 10 s or more)
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in children):
            assert time.monotonic() < deadline, "the export child outlived its parent"
            time.sleep(0.1)
        assert not list((cache_dir / "models").glob(".tmp-*"))
    finally:
        if process.poll() is None:
            process.kill()
