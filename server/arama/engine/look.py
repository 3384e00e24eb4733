"""A look at a folder's index that changes nothing: `arama status`.

No worker starts, no file is scanned, embedded, repaired or created: the catalog and the
embedding cache are opened read-only (SQLite `mode=ro`) and the vector files only read. So
`status` is instant after an interrupted `arama index` (it reports what is missing instead of
finishing the work), says `notIndexed` for a folder that was never indexed, and works on a
read-only cache directory.

    ready        the last full scan finished and every chunk has its vectors
    incomplete   a scan was interrupted, or chunks or names still wait for vectors
    notIndexed   no index of this folder in this cache directory
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from arama.engine.catalog import SCAN_META, read_only_connection
from arama.engine.config import EngineConfig
from arama.engine.embedding.backends import configured_model_id
from arama.engine.indexing.opening import CATALOG_FILE, vector_files
from arama.engine.query_adapter import AdapterSlot, adapter_dir
from arama.engine.records import CacheStatus, IndexStatus
from arama.engine.vectors import VectorStore

log = logging.getLogger(__name__)

CACHE_DB = "cache.db"  # diskcache's database inside the embeddings directory


def look(config: EngineConfig, root: Path, *, model_id: str | None = None) -> IndexStatus:
    """The state of `root`'s index in `config.cache_dir`, read without changing anything
    (`model_id`: the configured backend's by default). sqlite3.Error or OSError when the files
    exist but cannot be read."""
    model = model_id or configured_model_id(config)
    directory = config.workspace_dir(root)
    cache = _cache_status(config)
    catalog = directory / CATALOG_FILE
    if not catalog.is_file():
        return IndexStatus("notIndexed", 0, 0, 0, 0, 0, model, cache, (root,))
    db = read_only_connection(catalog)
    try:
        files = int(db.execute("SELECT count(*) FROM files WHERE deleted_at IS NULL").fetchone()[0])
        chunk_ids = {int(r[0]) for r in db.execute("SELECT id FROM chunks")}
        named_ids = {
            int(r[0])
            for r in db.execute(
                "SELECT id FROM chunks WHERE symbol IS NOT NULL AND kind IS NOT NULL"
            )
        }
        row = db.execute("SELECT value FROM meta WHERE key = ?", (SCAN_META,)).fetchone()
    finally:
        db.close()
    scan_finished = row is None or row[0] == "complete"  # indexes older than the marker: done
    chunk_file, name_file = vector_files(directory, model, config)
    pending_chunks = len(chunk_ids - _stored_ids(chunk_file))
    pending_names = len(named_ids - _stored_ids(name_file))
    complete = scan_finished and not pending_chunks and not pending_names
    return IndexStatus(
        state="ready" if complete else "incomplete",
        files=files,
        chunks=len(chunk_ids),
        pending_files=0,
        pending_chunks=pending_chunks,
        pending_names=pending_names,
        model=model,
        cache=cache,
        workspace_folders=(root,),
        recovered=() if scan_finished else ("the last scan of this folder did not finish",),
        tuned_folders=(root,) if AdapterSlot(adapter_dir(config, root), model).current() else (),
    )


def _stored_ids(path: Path) -> set[int]:
    store = VectorStore(path)
    return store.ids() if store.load() else set()


def _cache_status(config: EngineConfig) -> CacheStatus:
    """How many vectors the embedding cache holds (diskcache keeps the count in Settings)."""
    directory = config.embeddings_dir
    entries = 0
    if (directory / CACHE_DB).is_file():
        try:
            db = read_only_connection(directory / CACHE_DB)
            try:
                row = db.execute("SELECT value FROM Settings WHERE key = 'count'").fetchone()
            finally:
                db.close()
            entries = int(row[0]) if row is not None else 0
        except (sqlite3.Error, ValueError) as exc:
            log.warning("cannot read the embedding cache %s: %s", directory, exc)
    return CacheStatus(str(directory), entries, 0, 0)
