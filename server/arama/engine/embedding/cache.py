"""The on-disk embedding cache that makes every text cost one embedding, ever.

The cache key is sha256(model id, sha256(text)): it knows nothing of paths or positions, so a
move, a branch switch, an undo, or the same file in another workspace all hit the cache. (The
text is what the model reads, headed by the file's name: a rename is a miss; docs/design.md.)
Vectors are stored as raw float32 bytes and checked for length on read, so a truncated or
foreign entry is treated as a miss and embedded again, never served.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import diskcache
import numpy as np

from arama.engine.embedding.protocol import Vectors

log = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE_LIMIT = 16 * 1024**3  # diskcache evicts beyond its limit (1 GiB by default)
# SQLite's page cache and memory map for each of diskcache's connections (one per thread that
# touches the cache). diskcache's defaults, 8,192 pages (32 MB) and a 64 MB map, are sized for a
# cache that serves whole files; ours serves 1.5 KB vectors by key, which the OS's page cache
# serves as well. With the defaults, reading 15,000 vectors once grew a process by 34 MB of heap
# and 64 MB of mapped file per connection; with these, by 2 MB, and the reads were 15 % faster
# (docs/design.md "Memory").
SQLITE_CACHE_PAGES = 512
SQLITE_MMAP_BYTES = 0


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
            str(directory),
            size_limit=size_limit,
            eviction_policy="least-recently-stored",
            sqlite_cache_size=SQLITE_CACHE_PAGES,
            sqlite_mmap_size=SQLITE_MMAP_BYTES,
        )
        len(cache)  # touches the settings table: a malformed database fails here, not later
        return cache

    @staticmethod
    def key(model_id: str, text_digest: str) -> str:
        return hashlib.sha256(f"{model_id}\0{text_digest}".encode()).hexdigest()

    def get_many(
        self, model_id: str, digests: Sequence[str], dim: int | None, *, count: bool = True
    ) -> list[Vectors | None]:
        """Vectors for each digest, None where missing or unusable (wrong size, corrupt).
        `count=False` leaves the hit/miss counters to the caller (the remote tier decides what
        a local miss finally was)."""
        found: list[Vectors | None] = []
        hits = 0
        for digest in digests:
            vector = self._read(self.key(model_id, digest), dim)
            found.append(vector)
            hits += vector is not None
        if count:
            self.count(hits, len(digests) - hits)
        return found

    def count(self, hits: int, misses: int) -> None:
        """`misses`: texts that no cache had, so the model embedded them."""
        with self._count_lock:
            self.hits += hits
            self.misses += misses

    def _read(self, key: str, dim: int | None) -> Vectors | None:
        try:
            raw = self._cache.get(key)
        except Exception:  # a corrupt entry must cost an embedding, not the server
            log.warning("unreadable embedding cache entry %s", key, exc_info=True)
            return None
        return usable_vector(raw, dim)

    def put_many(self, model_id: str, digests: Sequence[str], vectors: Vectors) -> None:
        with self._cache.transact():
            for digest, vector in zip(digests, vectors, strict=True):
                self._cache.set(
                    self.key(model_id, digest), np.asarray(vector, np.float32).tobytes()
                )

    def delete_many(self, model_id: str, digests: Sequence[str]) -> int:
        """Forget these vectors (a distrusted team cache served them); returns how many were
        there."""
        deleted = 0
        with self._cache.transact():
            for digest in digests:
                deleted += bool(self._cache.delete(self.key(model_id, digest)))
        return deleted

    def entries(self) -> int:
        return len(self._cache)

    def close(self) -> None:
        self._cache.close()


class ReadOnlyEmbeddingCache(EmbeddingCache):
    """The cache of a read-only cache directory: nothing is embedded there (no index can be
    updated), so it only counts its entries for the status."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.recovered = None
        self.hits = 0
        self.misses = 0
        self._count_lock = threading.Lock()

    def get_many(
        self, model_id: str, digests: Sequence[str], dim: int | None, *, count: bool = True
    ) -> list[Vectors | None]:
        return [None] * len(digests)

    def put_many(self, model_id: str, digests: Sequence[str], vectors: Vectors) -> None:
        pass

    def delete_many(self, model_id: str, digests: Sequence[str]) -> int:
        return 0

    def entries(self) -> int:
        from arama.engine.catalog import read_only_connection

        database = self.directory / "cache.db"
        if not database.is_file():
            return 0
        try:
            db = read_only_connection(database)
            try:
                row = db.execute("SELECT value FROM Settings WHERE key = 'count'").fetchone()
            finally:
                db.close()
        except sqlite3.Error:
            return 0
        return int(row[0]) if row is not None else 0

    def close(self) -> None:
        pass


def usable_vector(raw: object, dim: int | None) -> Vectors | None:
    """Stored bytes as a vector, or None unless they are float32 bytes of the right dimension
    with finite values only. Local and remote entries pass this same check."""
    if not isinstance(raw, bytes) or not raw or len(raw) % 4:
        return None
    vector = np.frombuffer(raw, dtype=np.float32)
    if dim is not None and vector.shape[0] != dim:
        return None
    if not np.all(np.isfinite(vector)):
        return None
    return vector
