from __future__ import annotations

from pathlib import Path

import numpy as np

from arama.engine.vectors import VectorStore


def _unit(rows: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_add_search_remove_and_persist(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "v.faiss")
    vectors = _unit(10)
    store.add(list(range(100, 110)), vectors)
    assert store.search(vectors[3], 1)[0][0] == 103
    store.remove([103])
    assert 103 not in {i for i, _ in store.search(vectors[3], 10)}
    store.save()

    reloaded = VectorStore(tmp_path / "v.faiss")
    assert reloaded.load()
    assert reloaded.ids() == set(range(100, 110)) - {103}
    assert reloaded.dimension == 8


def test_search_restricted_to_allowed_ids(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "v.faiss")
    vectors = _unit(20, seed=1)
    store.add(list(range(20)), vectors)
    hits = store.search(vectors[0], 5, allowed=[7, 9])
    assert {i for i, _ in hits} == {7, 9}
    assert store.search(vectors[0], 5, allowed=[]) == []


def test_missing_and_corrupt_files_are_reported_not_raised(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "v.faiss")
    assert not store.load()
    assert store.load_error == "missing"
    (tmp_path / "v.faiss").write_bytes(b"not a faiss index at all")
    assert not store.load()
    assert store.load_error is not None and store.load_error.startswith("corrupt")

    good = VectorStore(tmp_path / "w.faiss")
    good.add([1, 2], _unit(2))
    good.save()
    data = (tmp_path / "w.faiss").read_bytes()
    (tmp_path / "w.faiss").write_bytes(data[: len(data) // 2])
    truncated = VectorStore(tmp_path / "w.faiss")
    assert not truncated.load()


# -- the approximate (IVF) index above the size threshold --------------------------------------


def _clustered(rows: int, dim: int = 32, centres: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors in clusters, like embeddings of code (uniform random vectors are the worst
    case for IVF and unlike real data)."""
    rng = np.random.default_rng(seed)
    means = rng.normal(size=(centres, dim)).astype(np.float32)
    v = means[rng.integers(0, centres, rows)] + rng.normal(0, 0.35, size=(rows, dim))
    v = v.astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _exact_top(data: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    order = np.argsort(-(data @ query), kind="stable")[:k]
    return [int(ids[i]) for i in order]


def test_switches_to_ivf_above_threshold_and_back(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "v.faiss", exact_max=1500)
    data = _clustered(2500)
    store.add(list(range(1500)), data[:1500])
    assert not store.approximate
    store.add(list(range(1500, 2500)), data[1500:])
    assert store.approximate
    assert store.ids() == set(range(2500))
    assert len(store) == 2500
    stored = store.vector(1234)
    assert stored is not None and np.allclose(stored, data[1234])
    assert store.vector(99999) is None
    # Shrinking below half the threshold goes back to exact search.
    store.remove(range(1800))
    assert not store.approximate
    assert store.ids() == set(range(1800, 2500))


def test_ivf_recall_against_exact_on_clustered_data(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "v.faiss", exact_max=1000)
    data = _clustered(6000, seed=2)
    ids = np.arange(10_000, 16_000)
    store.add(list(ids), data)
    assert store.approximate
    queries = _clustered(100, seed=3)
    hits = 0
    for query in queries:
        found = {i for i, _ in store.search(query, 10)}
        hits += len(found & set(_exact_top(data, ids, query, 10)))
    assert hits / (10 * len(queries)) >= 0.98


def test_ivf_remove_add_and_filter(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "v.faiss", exact_max=1000)
    data = _clustered(3000, seed=4)
    store.add(list(range(3000)), data)
    assert store.approximate
    # Removed vectors are never returned, even for their own vector as the query.
    store.remove([5, 6, 7])
    assert 5 not in {i for i, _ in store.search(data[5], 10)}
    assert store.vector(5) is None
    # New vectors are found, scores are cosines.
    extra = _clustered(2, seed=5)
    store.add([50_000, 50_001], extra)
    best_id, best_score = store.search(extra[0], 1)[0]
    assert best_id == 50_000 and abs(best_score - 1.0) < 1e-4
    # A filter returns only allowed ids, and the best of them (filtered search is exact enough
    # to agree with brute force on the allowed subset).
    allowed = list(range(0, 3000, 10))
    live = np.array([i for i in allowed if i not in (5, 6, 7)])
    for query in _clustered(20, seed=6):
        hits = store.search(query, 10, allowed=allowed)
        assert {i for i, _ in hits} <= set(allowed)
        assert [i for i, _ in hits] == _exact_top(data[live], live, query, 10)
    assert store.search(data[0], 5, allowed=[]) == []


def test_ivf_retrains_when_it_grows(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "v.faiss", exact_max=500)
    data = _clustered(2600, seed=7)
    store.add(list(range(600)), data[:600])
    assert store.approximate
    first_lists = store._index.nlist  # type: ignore[union-attr]
    store.add(list(range(600, 2600)), data[600:])  # > 4x the size it was trained at
    assert store._index.nlist > first_lists  # type: ignore[union-attr]
    assert store.ids() == set(range(2600))


def test_ivf_save_load_and_corruption(tmp_path: Path) -> None:
    path = tmp_path / "v.faiss"
    store = VectorStore(path, exact_max=1000)
    data = _clustered(2000, seed=8)
    store.add(list(range(2000)), data)
    store.remove([3])
    store.save()

    reloaded = VectorStore(path, exact_max=1000)
    assert reloaded.load(dim_hint=32)
    assert reloaded.approximate
    assert reloaded.ids() == set(range(2000)) - {3}
    assert reloaded.search(data[10], 3) == store.search(data[10], 3)
    reloaded.remove([10])  # the id table survives a reload
    assert 10 not in reloaded.ids()
    assert not VectorStore(path).load(dim_hint=16)

    raw = path.read_bytes()
    # Damage inside one stored vector: found by the unit-length check, not served.
    target = data[1500].tobytes()
    at = raw.find(target)
    assert at > 0
    path.write_bytes(raw[:at] + b"\x7f" * 64 + raw[at + 64 :])
    damaged = VectorStore(path, exact_max=1000)
    assert not damaged.load()
    assert damaged.load_error is not None and damaged.load_error.startswith("corrupt")
    # A truncated file.
    path.write_bytes(raw[: len(raw) * 2 // 3])
    assert not VectorStore(path, exact_max=1000).load()


def test_searches_keep_answering_while_the_index_switches(tmp_path: Path) -> None:
    import threading

    store = VectorStore(tmp_path / "v.faiss", exact_max=2000)
    data = _clustered(4000, seed=9)
    store.add(list(range(1000)), data[:1000])
    errors: list[BaseException] = []
    done = threading.Event()

    def searcher() -> None:
        try:
            while not done.is_set():
                hits = store.search(data[0], 5)
                assert hits and hits[0][0] == 0
                store.search(data[1], 5, allowed=[1, 2, 3])
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        for start in range(1000, 4000, 500):
            store.add(list(range(start, start + 500)), data[start : start + 500])
    finally:
        done.set()
        thread.join()
    assert not errors
    assert store.approximate and len(store) == 4000


def test_a_saved_exact_index_over_the_threshold_switches_on_load(tmp_path: Path) -> None:
    path = tmp_path / "v.faiss"
    exact = VectorStore(path, exact_max=10_000)
    data = _clustered(1500, seed=10)
    exact.add(list(range(1500)), data)
    exact.save()
    assert not exact.approximate

    lowered = VectorStore(path, exact_max=1000)
    assert lowered.load()
    assert lowered.approximate
    assert lowered.search(data[7], 1)[0][0] == 7
