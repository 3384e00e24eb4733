"""sentence-transformers on torch: the reference embedder, and the fallback when ONNX cannot
be made. Loaded on first use (the server answers before that)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from arama.engine.embedding.protocol import Vectors, default_model_path, model_identity

log = logging.getLogger(__name__)


class SentenceTransformerEmbedder:
    """sentence-transformers on torch, loaded on first use (the server answers before that).

    `model` is None for the bundled default, else a sentence-transformers name or a local path.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        threads: int | None = None,
        scratch_dir: Path | None = None,
    ) -> None:
        if scratch_dir is not None:
            # torch writes compiler caches to $TMPDIR/torchinductor_<user> at import unless told
            # otherwise; the server writes only inside its cache directory.
            scratch_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(scratch_dir))
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        self._model_arg = model
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        # Queries get their own model instance: the indexer's batches hold the first one for up
        # to a second, and a fast tokenizer must not be used from two threads at once.
        self._query_model: Any = None
        self._query_lock = threading.Lock()
        self._model_id = model_identity(model)

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _new_model(self) -> Any:
        import torch
        from sentence_transformers import SentenceTransformer

        if self._threads:
            torch.set_num_threads(self._threads)
        source = str(default_model_path()) if self._model_arg is None else self._model_arg
        log.info("loading embedding model %s", source)
        return SentenceTransformer(source, device="cpu")

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._new_model()
            return self._model

    def warm_up(self) -> None:
        # Queries need only their own instance; the indexing one loads when something needs
        # embedding (a warm restart then costs one model load, and its memory, instead of two).
        with self._query_lock:
            if self._query_model is None:
                self._query_model = self._new_model()

    def query_ready(self) -> bool:
        return self._query_model is not None

    def embed_query(self, text: str) -> Vectors:
        with self._query_lock:
            if self._query_model is None:
                self._query_model = self._new_model()
            vector = self._query_model.encode(
                [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.ascontiguousarray(np.asarray(vector)[0], dtype=np.float32)

    def dimension(self) -> int:
        model = self.load()
        dim = model.get_embedding_dimension()
        return int(dim)

    def embed(self, texts: Sequence[str]) -> Vectors:
        model = self.load()
        if not texts:
            return np.zeros((0, self.dimension()), dtype=np.float32)
        vectors = model.encode(
            list(texts),
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
