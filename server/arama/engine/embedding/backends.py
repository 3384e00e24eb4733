"""Which embedding backend the engine gets: the `backend` setting made into an `Embedder`.

    torch      sentence-transformers on torch (the reference)
    onnx       the same model exported to ONNX, fp32: the same vectors (same cache identity)
    onnx-int8  the ONNX model with int8 weights: fastest, slightly different vectors (own identity)

An ONNX backend that cannot be made here (onnxruntime missing, export failed) must not cost the
user their search: the engine then runs on torch, with a warning in the log and a note in
`FallbackEmbedder.note` for the status.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from arama.engine.config import EngineConfig
from arama.engine.embedding.onnx_embedder import OnnxEmbedder, OnnxUnavailable, onnx_model_id
from arama.engine.embedding.protocol import Embedder, Vectors, model_identity
from arama.engine.embedding.torch_embedder import SentenceTransformerEmbedder

log = logging.getLogger(__name__)

T = TypeVar("T")


def make_embedder(config: EngineConfig, scratch_dir: Path) -> Embedder:
    """The embedder `config.backend` names. `scratch_dir` is where torch may write its caches
    (the server writes only inside its cache directory)."""

    def torch_embedder() -> Embedder:
        return SentenceTransformerEmbedder(
            config.model, threads=config.threads, scratch_dir=scratch_dir
        )

    if config.backend == "torch":
        return torch_embedder()
    if importlib.util.find_spec("onnxruntime") is None:
        note = f"embedding backend {config.backend} unavailable (onnxruntime is not installed)"
        log.warning("%s; using torch", note)
        return FallbackEmbedder(None, torch_embedder, note=note)
    onnx = OnnxEmbedder(
        config.model,
        models_dir=config.models_dir,
        quantized=config.backend == "onnx-int8",
        threads=config.threads,
        scratch_dir=scratch_dir,
    )
    return FallbackEmbedder(onnx, torch_embedder)


def configured_model_id(config: EngineConfig) -> str:
    """The cache identity the configured backend embeds with, known without loading anything
    (a read-only look at an index names its vector files with it)."""
    if config.backend == "torch":
        return model_identity(config.model)
    return onnx_model_id(model_identity(config.model), quantized=config.backend == "onnx-int8")


class FallbackEmbedder:
    """An ONNX embedder that hands over to torch, once and for good, when ONNX fails to load.

    `model_id` follows the embedder in use, so cache entries are always keyed by the backend that
    made them. (fp32 ONNX and torch share an id anyway; for int8 a fallback switches ids.)
    """

    def __init__(
        self,
        primary: OnnxEmbedder | None,
        make_fallback: Callable[[], Embedder],
        *,
        note: str | None = None,
    ) -> None:
        self._make_fallback = make_fallback
        self._lock = threading.Lock()
        self.primary = primary
        self._active: Embedder = primary if primary is not None else make_fallback()
        self.note = note  # why torch runs instead of ONNX; None while ONNX is in use

    @property
    def active(self) -> Embedder:
        return self._active

    @property
    def model_id(self) -> str:
        return self._active.model_id

    def _fall_back(self, failed: Embedder, exc: OnnxUnavailable) -> Embedder:
        with self._lock:
            if self._active is failed:
                self.note = f"ONNX embedding backend unavailable, using torch: {exc}"
                log.warning("%s", self.note)
                self._active = self._make_fallback()
            return self._active

    def _call(self, use: Callable[[Embedder], T]) -> T:
        embedder = self._active
        try:
            return use(embedder)
        except OnnxUnavailable as exc:
            return use(self._fall_back(embedder, exc))

    def embed(self, texts: Sequence[str]) -> Vectors:
        return self._call(lambda e: e.embed(texts))

    def embed_query(self, text: str) -> Vectors:
        return self._call(lambda e: e.embed_query(text))

    def query_ready(self) -> bool:
        return self._active.query_ready()

    def dimension(self) -> int:
        return self._call(lambda e: e.dimension())

    def warm_up(self) -> None:
        self._call(lambda e: e.warm_up())

    def needs_preparation(self) -> bool:
        """Whether the first load makes the model first (an ONNX export)."""
        return self._active is self.primary and self.primary.needs_preparation()

    def stop(self) -> None:
        """The engine is closing: a model being prepared stops (engine.py `close`)."""
        if self.primary is not None:
            self.primary.stop()
