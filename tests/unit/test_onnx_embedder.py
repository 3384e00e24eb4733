"""The ONNX backend on the real bundled model: one export per test session (about 15 s), then
checks against torch, reuse of the export, recovery from a damaged one, and option handling."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from arama.cli import build_parser
from arama.engine.config import EngineConfig
from arama.engine.embedding.backends import FallbackEmbedder, make_embedder
from arama.engine.embedding.onnx_embedder import (
    MODEL_FILE,
    ORT_HOME,
    OnnxEmbedder,
    OnnxUnavailable,
    onnx_model_id,
)
from arama.engine.embedding.protocol import DEFAULT_MODEL_ID
from arama.engine.embedding.torch_embedder import SentenceTransformerEmbedder
from arama.lsp.options import InitializationOptions
from arama.terminal import UsageError
from support.embedder import BagOfWordsEmbedder

TEXTS = [
    "where are embeddings cached on disk by content hash",
    "def add(a: int, b: int) -> int:\n    return a + b\n",
    "class Catalog:\n" + "    def get(self, key):\n        return self.rows[key]\n" * 80,
    "İstanbul'da çalışan ağ sunucusu: ğ ü ş ı ö ç",
    "x",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OnnxEmbedder]:
    models = tmp_path_factory.mktemp("onnx-cache") / "models"
    embedder = OnnxEmbedder(models_dir=models, threads=2)
    embedder.warm_up()
    yield embedder


def test_vectors_match_torch(exported: OnnxEmbedder) -> None:
    torch_model = SentenceTransformerEmbedder(threads=2)
    expected = torch_model.embed(TEXTS)
    got = exported.embed(TEXTS)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), 384)
    assert float(np.max(np.abs(got - expected))) < 1e-5
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert exported.info.max_abs_diff <= 1e-4  # the exporter's own check against torch
    # Same vectors, same cache identity: torch's cache entries serve the ONNX backend.
    assert exported.model_id == torch_model.model_id == DEFAULT_MODEL_ID


def test_query_and_batch_agree_even_concurrently(exported: OnnxEmbedder) -> None:
    batch = exported.embed(TEXTS)
    queries: list[np.ndarray] = []

    def ask() -> None:
        queries.extend(exported.embed_query(t) for t in TEXTS)

    thread = threading.Thread(target=ask)
    thread.start()
    concurrent = exported.embed(TEXTS * 2)  # the batch session works while queries run
    thread.join()
    assert exported.query_ready()
    np.testing.assert_allclose(np.vstack(queries), batch, atol=1e-5)
    np.testing.assert_allclose(concurrent[: len(TEXTS)], batch, atol=1e-6)
    assert exported.embed([]).shape == (0, 384)


def test_export_is_reused_and_private(exported: OnnxEmbedder) -> None:
    again = OnnxEmbedder(models_dir=exported.directory.parent, threads=1)
    assert again.directory == exported.directory
    again.warm_up()
    assert again.exports == 0
    assert again.dimension() == 384
    assert stat.S_IMODE(exported.directory.stat().st_mode) == 0o700
    for item in exported.directory.iterdir():
        assert stat.S_IMODE(item.stat().st_mode) == 0o600
    # No half-made export left behind, and the exporter's temporary files (its TMPDIR, inside
    # the cache) were removed with it.
    names = {p.name for p in exported.directory.parent.iterdir()}
    assert names == {exported.directory.name, ORT_HOME}


def test_damaged_export_is_made_again(exported: OnnxEmbedder, tmp_path: Path) -> None:
    models = tmp_path / "models"
    good = exported.directory
    damaged = OnnxEmbedder(models_dir=models, threads=1)
    shutil.copytree(good, damaged.directory)
    model = damaged.directory / MODEL_FILE
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 3])  # a partial write

    def export_again() -> None:  # stands in for the child process (tested by the fixture)
        assert not damaged.directory.exists()  # the damaged one was removed first
        shutil.copytree(good, damaged.directory)
        damaged.exports += 1

    damaged._export = export_again  # type: ignore[method-assign]
    damaged.warm_up()
    assert damaged.exports == 1
    np.testing.assert_allclose(damaged.embed(TEXTS[:2]), exported.embed(TEXTS[:2]), atol=1e-6)


def test_failed_export_falls_back_to_torch(tmp_path: Path) -> None:
    onnx = OnnxEmbedder(models_dir=tmp_path / "models", quantized=True)

    def fail() -> None:
        raise OnnxUnavailable("ONNX export failed (exit 1): no space left on device")

    onnx._export = fail  # type: ignore[method-assign]
    fallback = BagOfWordsEmbedder(model_id="test/torch")
    embedder = FallbackEmbedder(onnx, lambda: fallback)
    assert embedder.model_id == DEFAULT_MODEL_ID + "#onnx-int8"
    assert embedder.note is None
    vector = embedder.embed_query("retry with backoff")
    assert vector.shape == (256,)
    assert embedder.model_id == "test/torch"  # cache keys follow the backend that embeds
    assert embedder.note is not None and "no space left" in embedder.note
    assert embedder.active is fallback


def test_int8_has_its_own_cache_identity() -> None:
    assert onnx_model_id(DEFAULT_MODEL_ID, quantized=False) == DEFAULT_MODEL_ID
    assert onnx_model_id(DEFAULT_MODEL_ID, quantized=True) != DEFAULT_MODEL_ID


def test_factory_picks_the_backend(tmp_path: Path) -> None:
    torch = make_embedder(EngineConfig(cache_dir=tmp_path, backend="torch"), tmp_path / "t")
    assert isinstance(torch, SentenceTransformerEmbedder)
    onnx = make_embedder(EngineConfig(cache_dir=tmp_path, backend="onnx-int8"), tmp_path / "t")
    assert isinstance(onnx, FallbackEmbedder) and isinstance(onnx.active, OnnxEmbedder)
    assert onnx.model_id.endswith("#onnx-int8")
    assert not (tmp_path / "models").exists()  # nothing is exported before first use


def test_bad_backend_is_rejected_clearly() -> None:
    options, problems = InitializationOptions.parse({"embeddingBackend": "cuda"})
    assert options.backend == EngineConfig().backend
    assert problems == ["'embeddingBackend' must be one of: torch, onnx, onnx-int8."]
    options, problems = InitializationOptions.parse({"embeddingBackend": "onnx"})
    assert (options.backend, problems) == ("onnx", [])
    assert options.engine_config().backend == "onnx"
    with pytest.raises(ValueError, match="unknown embedding backend 'cuda'"):
        EngineConfig(backend="cuda")
    with pytest.raises(UsageError, match="--backend: 'cuda' is not one of"):
        build_parser().parse_args(["index", "--backend", "cuda"])
    assert build_parser().parse_args(["index", "--backend", "onnx-int8"]).backend == "onnx-int8"


def test_export_child_cannot_import_workspace_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's working directory may be a workspace: a `torch.py` there must not be what
    the exporter imports."""
    seen: dict[str, object] = {}

    class FakeExporter:
        returncode = 3

        def __init__(self, command: list[str], **kwargs: object) -> None:
            seen.update(command=command, **kwargs)

        def communicate(self, timeout: float | None = None) -> tuple[str, str]:
            return "", "boom"

        def poll(self) -> int:
            return self.returncode

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(subprocess, "Popen", FakeExporter)
    onnx = OnnxEmbedder(models_dir=tmp_path / "cache" / "models")
    with pytest.raises(OnnxUnavailable, match="exit 3"):
        onnx.warm_up()
    command = seen["command"]
    assert isinstance(command, list) and command[1:4] == [
        "-P",
        "-m",
        "arama.engine.embedding.onnx_export",
    ]
    assert seen["cwd"] == tmp_path / "cache" / "models"
    assert seen["stdin"] == subprocess.DEVNULL  # stdin/stdout are the server's LSP channel
    with pytest.raises(OnnxUnavailable):  # remembered: no second child on the next call
        onnx.embed(["x"])
    assert onnx.exports == 1


def test_onnxruntime_writes_nothing_outside_the_cache(tmp_path: Path) -> None:
    """onnxruntime's import writes a device id and a telemetry store under ~/.cache and a
    session file in TMPDIR unless told otherwise; in a fresh process both must stay empty."""
    home, tmp, models = tmp_path / "home", tmp_path / "tmp", tmp_path / "cache" / "models"
    home.mkdir()
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(home), TMPDIR=str(tmp))
    code = (
        "import sys; from pathlib import Path; "
        "from arama.engine.embedding.onnx_embedder import import_onnxruntime; "
        "import_onnxruntime(Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", code, str(models)], env=env, check=True, timeout=60)
    assert list(home.iterdir()) == []
    assert list(tmp.iterdir()) == []
    assert stat.S_IMODE((models / ORT_HOME).stat().st_mode) == 0o700


def test_old_exports_are_swept(tmp_path: Path) -> None:
    """An upgrade leaves exports of an older format, or of older weights of the same model;
    they go when the current one is ready. Other models and backends stay. (No model here:
    the directories are only named like exports.)"""
    from arama.engine.embedding.onnx_embedder import EXPORT_FORMAT, sweep_old_exports

    models = tmp_path / "models"
    current = models / f"all-MiniLM-L6-v2-onnx-v{EXPORT_FORMAT}-aaaaaaaaaaaa"
    old_format = models / f"all-MiniLM-L6-v2-onnx-v{EXPORT_FORMAT - 1}-aaaaaaaaaaaa"
    old_weights = models / f"all-MiniLM-L6-v2-onnx-v{EXPORT_FORMAT}-bbbbbbbbbbbb"
    int8 = models / f"all-MiniLM-L6-v2-onnx-int8-v{EXPORT_FORMAT}-aaaaaaaaaaaa"
    other_model = models / f"my_model-onnx-v{EXPORT_FORMAT}-cccccccccccc"
    keep = [current, int8, other_model, models / "onnxruntime-home"]
    for directory in [*keep, old_format, old_weights]:
        directory.mkdir(parents=True)
        (directory / "model.onnx").write_bytes(b"x")
    removed = sweep_old_exports(current)
    assert sorted(removed) == sorted([old_format, old_weights])
    assert all(d.exists() for d in keep)
    assert not old_format.exists() and not old_weights.exists()
