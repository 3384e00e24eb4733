"""`BagOfWordsEmbedder`, a small deterministic stand-in for the real model (hashed word counts,
L2-normalized): fast, and texts sharing words land close together, which is all the engine's
plumbing needs. Unit tests use it; end-to-end tests (tests/e2e) use the real bundled model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from arama.engine.lexical import identifier_parts


class BagOfWordsEmbedder:
    """Deterministic test embedder; counts what it embeds so tests can assert cache behaviour."""

    def __init__(self, dim: int = 256, model_id: str = "test/bag-of-words") -> None:
        self._dim = dim
        self._model_id = model_id
        self.embedded_texts: list[str] = []

    @property
    def model_id(self) -> str:
        return self._model_id

    def dimension(self) -> int:
        return self._dim

    def warm_up(self) -> None:
        pass

    def query_ready(self) -> bool:
        return True

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        return self.embed([text])[0]

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.embedded_texts.extend(texts)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text):
                for part in identifier_parts(word) or [word.lower()]:
                    bucket = int(hashlib.md5(part.encode()).hexdigest(), 16) % self._dim
                    out[row, bucket] += 1.0
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out
