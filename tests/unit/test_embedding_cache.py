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


def test_every_connection_keeps_a_small_page_cache_and_no_memory_map(tmp_path: Path) -> None:
    """diskcache's defaults (32 MB of pages and a 64 MB map per connection) made the server grow
    for as long as it read new vectors; each thread's connection gets ours."""
    import threading

    cache = EmbeddingCache(tmp_path / "emb")
    seen: list[tuple[int, int]] = []

    def look() -> None:  # diskcache opens one connection per thread
        sql = cache._cache._sql
        seen.append((sql("PRAGMA cache_size").fetchone()[0], sql("PRAGMA mmap_size").fetchone()[0]))

    look()
    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    assert seen == [(512, 0), (512, 0)]
    cache.close()


READ_ALL = """
import sys
import numpy as np
sys.path.insert(0, {server!r})
from arama.engine.embedding.cache import EmbeddingCache
def rss_mb():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return sum(int(fields[k].split()[0]) for k in ("RssAnon", "RssFile")) / 1024
cache = EmbeddingCache(__import__("pathlib").Path({directory!r}))
digests = [f"{{n:064x}}" for n in range({count})]
cache.get_many("m", digests[:10], 384)
before = rss_mb()
for start in range(0, len(digests), 500):
    assert all(v is not None for v in cache.get_many("m", digests[start : start + 500], 384))
print(rss_mb() - before)
"""


def test_reading_many_vectors_does_not_grow_the_process(tmp_path: Path) -> None:
    """The measure behind the settings above, in a fresh process: reading 15,000 stored vectors
    (a 25 MB database) once grows it by a few MB, not by the database's size twice over."""
    import subprocess
    import sys

    count = 15_000
    cache = EmbeddingCache(tmp_path / "emb")
    vectors = np.random.default_rng(0).standard_normal((count, 384)).astype(np.float32)
    cache.put_many("m", [f"{n:064x}" for n in range(count)], vectors)
    cache.close()
    server = str(Path(__file__).resolve().parents[2] / "server")
    probe = READ_ALL.format(server=server, directory=str(tmp_path / "emb"), count=count)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert float(done.stdout) < 10, done.stdout
