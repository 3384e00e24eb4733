"""The dense index: faiss inner product over normalized vectors, ids = catalog chunk ids.

The faiss file is a derived cache of (catalog + embedding cache). It is written atomically
(temporary file, fsync, rename), and on load the caller checks its ids against the catalog, so a
missing, stale or corrupt file costs a rebuild from cached vectors, never a wrong answer.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)


class VectorStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._index: faiss.IndexIDMap2 | None = None
        self._dirty = False
        self.load_error: str | None = None

    # -- persistence ---------------------------------------------------------------------------

    def load(self, dim_hint: int | None = None) -> bool:
        """Read the saved index; False (and `load_error` set) when absent or unusable."""
        self.load_error = None
        if not self.path.exists():
            self.load_error = "missing"
            return False
        try:
            index = faiss.read_index(str(self.path))
            if not isinstance(index, faiss.IndexIDMap2):
                index = faiss.downcast_index(index)
            if not isinstance(index, faiss.IndexIDMap2):
                raise ValueError(f"unexpected index type {type(index).__name__}")
            if dim_hint is not None and index.d != dim_hint:
                raise ValueError(f"dimension {index.d} != {dim_hint}")
            _check_vectors(index)
        except Exception as exc:  # faiss raises RuntimeError for truncated files
            self.load_error = f"corrupt: {exc}"
            log.warning("vector index %s unusable (%s); it will be rebuilt", self.path, exc)
            return False
        with self._lock:
            self._index = index
            self._dirty = False
        return True

    def save(self) -> None:
        with self._lock:
            if self._index is None or not self._dirty:
                return
            tmp = self.path.with_suffix(".tmp")
            faiss.write_index(self._index, str(tmp))
            self._dirty = False
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)

    # -- contents --------------------------------------------------------------------------------

    @property
    def dimension(self) -> int | None:
        with self._lock:
            return None if self._index is None else int(self._index.d)

    def __len__(self) -> int:
        with self._lock:
            return 0 if self._index is None else int(self._index.ntotal)

    def ids(self) -> set[int]:
        with self._lock:
            if self._index is None or self._index.ntotal == 0:
                return set()
            return {int(i) for i in faiss.vector_to_array(self._index.id_map)}

    def vector(self, chunk_id: int) -> npt.NDArray[np.float32] | None:
        """The stored vector of one chunk (for "more like this"), None if it has none yet."""
        with self._lock:
            if self._index is None:
                return None
            try:
                return np.asarray(self._index.reconstruct(int(chunk_id)), dtype=np.float32)
            except RuntimeError:
                return None

    def reset(self, dim: int) -> None:
        with self._lock:
            self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
            self._dirty = True

    def add(self, ids: Sequence[int], vectors: npt.NDArray[np.float32]) -> None:
        if not len(ids):
            return
        with self._lock:
            if self._index is None:
                self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )
            self._dirty = True

    def remove(self, ids: Iterable[int]) -> None:
        id_array = np.fromiter(ids, dtype=np.int64)
        if not id_array.size:
            return
        with self._lock:
            if self._index is None:
                return
            self._index.remove_ids(id_array)  # type: ignore[arg-type]
            self._dirty = True

    def search(
        self,
        query: npt.NDArray[np.float32],
        k: int,
        allowed: Sequence[int] | None = None,
    ) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) best first; `allowed` restricts to those ids."""
        with self._lock:
            if self._index is None or self._index.ntotal == 0 or k <= 0:
                return []
            q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
            k = min(k, int(self._index.ntotal))
            if allowed is not None:
                if not len(allowed):
                    return []
                selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
                params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
                scores, ids = self._index.search(q, min(k, len(allowed)), params=params)
            else:
                scores, ids = self._index.search(q, k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


def _check_vectors(index: faiss.IndexIDMap2) -> None:
    """Every stored vector must be finite and of unit length (all are normalized before they
    are added): damage inside the vector data is caught here instead of being served."""
    if index.ntotal == 0:
        return
    flat = faiss.downcast_index(index.index)
    data = faiss.vector_to_array(flat.codes).view(np.float32).reshape(-1, index.d)  # type: ignore[attr-defined]
    norms = np.linalg.norm(data, axis=1)
    if not np.all(np.isfinite(norms)) or np.any(np.abs(norms - 1.0) > 1e-3):
        raise ValueError("stored vectors are damaged (not finite or not unit length)")
    ids = faiss.vector_to_array(index.id_map)
    if ids.shape[0] != data.shape[0] or np.unique(ids).shape[0] != ids.shape[0]:
        raise ValueError("stored ids are damaged")


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
