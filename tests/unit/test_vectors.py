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
