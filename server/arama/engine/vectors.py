"""The dense index: faiss inner product over normalized vectors, ids = catalog chunk ids.

Small indexes are exact (`IndexIDMap2(IndexFlatIP)`). Exact search costs time in proportion to
the index, so above `EXACT_MAX_VECTORS` the store switches to an inverted-file index
(`IndexIVFFlat`, inner product, the catalog's chunk ids stored in its lists): one query then
scans `NPROBE` of its `nlist` lists instead of every vector. IVF rather than HNSW because a live
index removes vectors all the time (every edit of a file) and HNSW cannot remove; IVF with a hash
table direct map removes and reconstructs by id like the flat index. The flat vectors are kept
(IVFFlat, not a quantized variant), so scores stay exact cosines and only the candidate set is
approximate. `benchmarks/ann.py` measured the threshold, `NPROBE` and the recall.

The faiss file is a derived cache of (catalog + embedding cache). It is written atomically
(temporary file, fsync, rename), and on load the caller checks its ids against the catalog, so a
missing, stale or corrupt file costs a rebuild from cached vectors, never a wrong answer.

Threads: writes (add, remove, reset, load, save) come from the engine's indexer thread and
searches from request threads. `_lock` guards the index object for the short time of one faiss
call; `_write_lock` serialises writers, so that the slow part of switching to IVF (k-means
training and filling the new index, seconds to a minute) can run outside `_lock` on a snapshot
that no other writer can change, while searches keep using the old index until the swap.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
Ids = npt.NDArray[np.int64]

# The IVF direct map kind that supports remove_ids and reconstruct by id (faiss's stubs omit it).
_ID_HASHTABLE: int = faiss.DirectMap.Hashtable  # type: ignore[attr-defined]

# Above this many vectors the index becomes IVF. benchmarks/ann.py (real MiniLM code vectors
# grown to size with clustered perturbations; one query, k=10, one faiss thread, 2 cores shared
# with other work, load ~7): exact search p50/p95 21/29 ms at 100k, 43/54 ms at 200k, 66/74 ms
# at 500k, 147/161 ms at 1M, so exact p95 passes ~25-30 ms at about 100k on a busy machine
# (environment.md saw 11 ms at 100k on a quiet one). IVFFlat at NPROBE=32 answered in
# 0.3/8, 0.5/9, 0.7/5 and 1.0/5 ms at those sizes with recall@10 vs exact 0.998, 0.998, 1.0,
# 0.999. The price is a one-off k-means on the indexer thread when the index crosses the
# threshold (44 s at 100k on the busy machine; searches go on against the exact index meanwhile).
EXACT_MAX_VECTORS = 100_000
# An IVF index that shrinks below half the threshold goes back to exact (not at the threshold
# itself, so an index hovering around it does not flip back and forth).
# Lists scanned per query: recall@10 at nprobe 16 was 0.986-0.998 (too close to the 0.98 floor
# at 200k), at 32 0.998-1.0, at 64 1.0 for twice the time (ann.py, 100k-1M).
NPROBE = 32
# nlist = LISTS_PER_SQRT * sqrt(vectors at training time), the usual rule: 1,265 lists of ~80
# vectors at 100k, 4,000 lists of ~250 at 1M.
LISTS_PER_SQRT = 4
# k-means is trained on a random sample of at most this many vectors per list (faiss's default
# is 256): training time grows with the sample, and 64 gave the recall above.
TRAIN_POINTS_PER_LIST = 64
# Retrain (more lists, fresh centroids) when the index has grown this much since training.
RETRAIN_GROWTH = 4.0
# Filtered search on IVF (see _filtered_nprobe). ann.py, allow-list of 10% of the ids, NPROBE 32,
# recall@10 vs exact filtered search: 0.990-0.998 probing 32 lists, 0.999-1.0 probing 4x as many
# (0.5-6 ms p50, 100k-1M), 1.0 probing all (9-76 ms p50, i.e. as slow as exact).
FILTER_PROBE_SCALE = 0.4
# Threads faiss may use for one query. On 2 shared cores, two OpenMP threads made one exact
# query 4x slower (104 vs 23 ms p50 at 100k) while other processes (the embedder) kept the cores
# busy; one query is a small job, so it runs on the calling thread alone.
SEARCH_THREADS = 1


class VectorStore:
    def __init__(
        self,
        path: Path,
        *,
        exact_max: int = EXACT_MAX_VECTORS,
        exact_return: int | None = None,
        nprobe: int = NPROBE,
    ) -> None:
        self.path = path
        self.exact_max = exact_max
        self.exact_return = exact_max // 2 if exact_return is None else exact_return
        self.nprobe = nprobe
        self._lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._index: Any = None
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
            # read_index already returns the concrete class (downcasting again would hand out a
            # second Python owner of the same C++ object).
            index: Any = faiss.read_index(str(self.path))
            if isinstance(index, faiss.IndexIVFFlat):
                if index.direct_map.type != _ID_HASHTABLE:
                    raise ValueError("IVF index without its id table")
                index.nprobe = self.nprobe
            elif not isinstance(index, faiss.IndexIDMap2):
                raise ValueError(f"unexpected index type {type(index).__name__}")
            if dim_hint is not None and index.d != dim_hint:
                raise ValueError(f"dimension {index.d} != {dim_hint}")
            _check_vectors(index)
        except Exception as exc:  # faiss raises RuntimeError for truncated files
            self.load_error = f"corrupt: {exc}"
            log.warning("vector index %s unusable (%s); it will be rebuilt", self.path, exc)
            return False
        with self._write_lock:
            with self._lock:
                self._index = index
                self._dirty = False
            # A saved index may be on the wrong side of the threshold (it was changed, or the
            # threshold was): fix that now rather than at the next write.
            self._maybe_switch()
        return True

    def save(self) -> None:
        # Searches only read the index, and no writer runs while `_write_lock` is held, so the
        # file is written without holding `_lock`: searches are not blocked for the seconds
        # that writing a large index takes.
        with self._write_lock:
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

    @property
    def approximate(self) -> bool:
        """Whether searches go through the IVF index (True) or are exact."""
        with self._lock:
            return isinstance(self._index, faiss.IndexIVFFlat)

    def __len__(self) -> int:
        with self._lock:
            return 0 if self._index is None else int(self._index.ntotal)

    def ids(self) -> set[int]:
        with self._lock:
            if self._index is None or self._index.ntotal == 0:
                return set()
            return {int(i) for i in _stored_ids(self._index)}

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
        with self._write_lock, self._lock:
            self._index = _new_flat(dim)
            self._dirty = True

    def add(self, ids: Sequence[int], vectors: npt.NDArray[np.float32]) -> None:
        if not len(ids):
            return
        with self._write_lock:
            with self._lock:
                if self._index is None:
                    self._index = _new_flat(vectors.shape[1])
                self._index.add_with_ids(
                    np.ascontiguousarray(vectors, dtype=np.float32),
                    np.asarray(ids, dtype=np.int64),
                )
                self._dirty = True
            self._maybe_switch()

    def remove(self, ids: Iterable[int]) -> None:
        id_array = np.fromiter(ids, dtype=np.int64)
        if not id_array.size:
            return
        with self._write_lock:
            with self._lock:
                if self._index is None:
                    return
                self._index.remove_ids(id_array)
                self._dirty = True
            self._maybe_switch()

    def search(
        self,
        query: npt.NDArray[np.float32],
        k: int,
        allowed: Sequence[int] | None = None,
    ) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) best first; `allowed` restricts to those ids."""
        threads = faiss.omp_get_max_threads()  # a per-thread OpenMP setting: restored below
        faiss.omp_set_num_threads(SEARCH_THREADS)
        try:
            return self._search(query, k, allowed)
        finally:
            faiss.omp_set_num_threads(threads)

    def _search(
        self, query: npt.NDArray[np.float32], k: int, allowed: Sequence[int] | None
    ) -> list[tuple[int, float]]:
        with self._lock:
            index = self._index
            if index is None or index.ntotal == 0 or k <= 0:
                return []
            q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
            k = min(k, int(index.ntotal))
            ivf = isinstance(index, faiss.IndexIVFFlat)
            if allowed is not None:
                if not len(allowed):
                    return []
                selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
                params: Any
                if ivf:
                    nprobe = _filtered_nprobe(self.nprobe, index.nlist, len(allowed), index.ntotal)
                    params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
                else:
                    params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
                scores, ids = index.search(q, min(k, len(allowed)), params=params)
            else:
                scores, ids = index.search(q, k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    # -- exact <-> approximate ---------------------------------------------------------------

    def _maybe_switch(self) -> None:
        """Called by writers (holding `_write_lock`, not `_lock`) after a change: build an IVF
        index when the exact one has grown past `exact_max` or the IVF one has outgrown its
        training, go back to exact when it has shrunk below `exact_return`.

        The new index is built from views of the old one's memory, without `_lock`: only
        writers change an index and none can run while `_write_lock` is held, and searches only
        read. So searches go on against the old index meanwhile, and the peak memory is the old
        index plus the new one (no third copy)."""
        with self._lock:
            index = self._index
            if index is None:
                return
            n = int(index.ntotal)
            if isinstance(index, faiss.IndexIVFFlat):
                trained_for = (index.nlist / LISTS_PER_SQRT) ** 2
                if n < self.exact_return:
                    action = "exact"
                elif n > RETRAIN_GROWTH * trained_for:
                    action = "retrain"
                else:
                    return
            elif n > self.exact_max:
                action = "ivf"
            else:
                return
        started = time.monotonic()
        parts = _parts(index)
        if action == "exact":
            fresh = _new_flat(int(index.d))
        else:
            fresh = _trained_ivf(parts, int(index.d), self.nprobe)
        for ids, vectors in parts:
            fresh.add_with_ids(vectors, ids)
        log.info(
            "vector index: %s with %d vectors (%s) in %.1f s",
            type(fresh).__name__,
            n,
            action,
            time.monotonic() - started,
        )
        with self._lock:
            self._index = fresh
            self._dirty = True


def _new_flat(dim: int) -> Any:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _trained_ivf(parts: Sequence[tuple[Ids, Vectors]], dim: int, nprobe: int) -> Any:
    """An empty IVF index whose centroids are trained on (a sample of) the vectors in `parts`."""
    n = sum(len(ids) for ids, _ in parts)
    nlist = max(1, round(LISTS_PER_SQRT * math.sqrt(n)))
    quantizer = faiss.IndexFlatIP(dim)
    index: Any = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.max_points_per_centroid = TRAIN_POINTS_PER_LIST
    index.cp.seed = 1234
    # The sample is drawn here (a copy of only the sampled rows) rather than by faiss, which
    # would need all vectors in one array.
    wanted = min(n, TRAIN_POINTS_PER_LIST * nlist)
    rows = np.sort(np.random.default_rng(1234).choice(n, wanted, replace=False))
    sample = np.empty((wanted, dim), dtype=np.float32)
    offset = taken = 0
    for _ids, vectors in parts:
        lo, hi = np.searchsorted(rows, [offset, offset + len(vectors)])
        sample[taken : taken + hi - lo] = vectors[rows[lo:hi] - offset]
        taken += hi - lo
        offset += len(vectors)
    index.train(sample)
    index.set_direct_map_type(_ID_HASHTABLE)
    index.nprobe = nprobe
    return index


def _filtered_nprobe(nprobe: int, nlist: int, allowed: int, total: int) -> int:
    """Lists to probe when only `allowed` of `total` ids may be returned.

    The best k among a fraction f of the index sit around rank k/f of the unfiltered ranking,
    so they are spread over more lists: probe nprobe * FILTER_PROBE_SCALE / f lists, never fewer
    than nprobe and at most all of them (which is exact over the allowed ids).
    """
    fraction = max(allowed, 1) / max(total, 1)
    wanted = math.ceil(nprobe * FILTER_PROBE_SCALE / fraction)
    return max(nprobe, min(nlist, wanted))


def _ivf_lists(index: Any) -> Iterator[tuple[Ids, Vectors]]:
    """(ids, vectors) of each non-empty IVF list: views into faiss's memory, valid only while
    the index is unchanged (copy before letting go of the lock)."""
    lists: Any = index.invlists
    dim = int(index.d)
    for i in range(index.nlist):
        size = lists.list_size(i)
        if not size:
            continue
        ids = faiss.rev_swig_ptr(lists.get_ids(i), size)
        codes = faiss.rev_swig_ptr(lists.get_codes(i), size * index.code_size)
        yield ids, np.frombuffer(codes, dtype=np.float32).reshape(size, dim)


def _stored_ids(index: Any) -> Ids:
    if isinstance(index, faiss.IndexIVFFlat):
        parts = [ids.copy() for ids, _ in _ivf_lists(index)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return faiss.vector_to_array(index.id_map).astype(np.int64, copy=False)


def _parts(index: Any) -> list[tuple[Ids, Vectors]]:
    """(ids, vectors) of everything in the index in a few parts, the vectors as views into
    faiss's memory (valid while the index is unchanged)."""
    if isinstance(index, faiss.IndexIVFFlat):
        return list(_ivf_lists(index))
    n, dim = int(index.ntotal), int(index.d)
    if not n:
        return []
    flat: Any = faiss.downcast_index(index.index)
    vectors = faiss.rev_swig_ptr(flat.get_xb(), n * dim).reshape(n, dim)
    return [(faiss.vector_to_array(index.id_map).astype(np.int64), vectors)]


def _stored(index: Any) -> tuple[Ids, Vectors]:
    """(ids, vectors) of everything in the index, copied out of faiss's memory."""
    dim = int(index.d)
    if isinstance(index, faiss.IndexIVFFlat):
        parts = list(_ivf_lists(index))
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros((0, dim), dtype=np.float32)
        return np.concatenate([i for i, _ in parts]), np.concatenate([v for _, v in parts])
    flat: Any = faiss.downcast_index(index.index)
    data = faiss.vector_to_array(flat.codes).view(np.float32).reshape(-1, dim)
    return faiss.vector_to_array(index.id_map).astype(np.int64), data


def _check_vectors(index: Any) -> None:
    """Every stored vector must be finite and of unit length (all are normalized before they
    are added), and every id stored once: damage inside the data is caught here instead of
    being served. An IVF index is checked list by list (no second copy of a large index)."""
    if isinstance(index, faiss.IndexIVFFlat):
        centroids: Any = faiss.downcast_index(index.quantizer)
        if centroids.ntotal != index.nlist or not index.is_trained:
            raise ValueError("IVF centroids are damaged")
        means = faiss.vector_to_array(centroids.codes).view(np.float32)
        if means.shape[0] != index.nlist * index.d or not np.all(np.isfinite(means)):
            raise ValueError("IVF centroids are damaged")
        id_parts = []
        for ids, vectors in _ivf_lists(index):
            _check_unit(vectors)
            id_parts.append(ids.copy())
        all_ids = np.concatenate(id_parts) if id_parts else np.zeros(0, dtype=np.int64)
        count = all_ids.shape[0]
    else:
        if index.ntotal == 0:
            return
        all_ids, data = _stored(index)
        _check_unit(data)
        count = data.shape[0]
    if count != index.ntotal or all_ids.shape[0] != count:
        raise ValueError("stored vector count is damaged")
    if np.unique(all_ids).shape[0] != count:
        raise ValueError("stored ids are damaged")


def _check_unit(vectors: Vectors) -> None:
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.linalg.norm(vectors, axis=1)
    if not np.all(np.isfinite(norms)) or np.any(np.abs(norms - 1.0) > 1e-3):
        raise ValueError("stored vectors are damaged (not finite or not unit length)")


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
