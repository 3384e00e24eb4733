from __future__ import annotations

from pathlib import Path

import numpy as np

from arama.engine.embedding.cache import EmbeddingCache
from arama.engine.hashing import text_hash


def test_hits_misses_and_model_separation(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "emb")
    digest = text_hash("def f(): pass")
    assert cache.get_many("model-a", [digest], 4) == [None]
    cache.put_many("model-a", [digest], np.ones((1, 4), dtype=np.float32))
    (found,) = cache.get_many("model-a", [digest], 4)
    assert found is not None and found.tolist() == [1.0, 1.0, 1.0, 1.0]
    assert cache.get_many("model-b", [digest], 4) == [None]  # never mixes models
    assert (cache.hits, cache.misses) == (1, 2)
    assert cache.entries() == 1


def test_key_depends_on_text_only_not_on_path_or_position(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "emb")
    text = "return a + b"
    cache.put_many("m", [text_hash(text)], np.full((1, 3), 0.5, dtype=np.float32))
    # The same text found elsewhere (another file, another line) is the same key.
    assert cache.get_many("m", [text_hash("return a + b")], 3)[0] is not None
    assert EmbeddingCache.key("m", text_hash(text)) == EmbeddingCache.key("m", text_hash(text))


def test_wrong_dimension_or_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "emb")
    digest = text_hash("x")
    cache.put_many("m", [digest], np.ones((1, 3), dtype=np.float32))
    assert cache.get_many("m", [digest], 4) == [None]
    cache._cache.set(EmbeddingCache.key("m", digest), b"\x00\x01\x02")  # truncated bytes
    assert cache.get_many("m", [digest], None) == [None]
    cache._cache.set(EmbeddingCache.key("m", digest), np.full(4, np.nan, np.float32).tobytes())
    assert cache.get_many("m", [digest], 4) == [None]


def test_shared_across_instances_on_disk(tmp_path: Path) -> None:
    first = EmbeddingCache(tmp_path / "emb")
    first.put_many("m", [text_hash("a")], np.ones((1, 2), dtype=np.float32))
    first.close()
    second = EmbeddingCache(tmp_path / "emb")
    assert second.get_many("m", [text_hash("a")], 2)[0] is not None
