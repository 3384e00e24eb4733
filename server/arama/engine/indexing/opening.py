"""Opening a folder's index: whatever is on disk, make it usable, never serve it wrong.

The catalog is the source of truth. A catalog that fails to open or to pass `quick_check` is
moved aside and rebuilt by the scan that follows. The vector files are caches of (catalog +
embedding cache): their ids are reconciled with the catalog's chunks, orphans removed, missing
vectors marked pending (and mostly served again by the embedding cache). Every repair is noted
in the folder's `recovered` list, which `arama.status` shows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from arama.engine.catalog import Catalog, CatalogCorrupt, ReadOnlyCatalog
from arama.engine.chunker import CHUNKING_REVISION, languages_rechunked_since
from arama.engine.config import EngineConfig
from arama.engine.folders import FolderIndex, VectorSpace
from arama.engine.hashing import text_hash
from arama.engine.indexing.claim import IndexClaim, claim_index_dir
from arama.engine.query_adapter import AdapterSlot, adapter_dir
from arama.engine.scanner import Scanner
from arama.engine.vectors import VectorStore

log = logging.getLogger(__name__)

NAMES_RECIPE = "#names-v1"  # bump when name_phrase changes: the name vectors' file changes too
CATALOG_FILE = "catalog.sqlite"
CHUNKING_META = "chunking"  # the chunker revision the catalog's chunks were cut by


def vector_files(directory: Path, model_id: str, config: EngineConfig) -> tuple[Path, Path]:
    """A folder's chunk and name vector files: named after the model and what it embedded, so
    another model or recipe never reads them."""
    context = "#context" if config.embed_context else ""
    return (
        directory / f"vectors-{_slug(model_id + context)}.faiss",
        directory / f"names-{_slug(model_id + NAMES_RECIPE)}.faiss",
    )


class FolderOpener:
    def __init__(self, config: EngineConfig, model_id: str, numbers: Callable[[], int]) -> None:
        self._config = config
        self._model_id = model_id  # the vector files are named after it
        self._new_number = numbers

    def open(self, root: Path) -> FolderIndex | None:
        """The folder's index, recovered where needed; None when `root` is not a usable
        directory (logged)."""
        try:
            usable = root.is_dir()
        except OSError as exc:  # a name too long, a permission wall: not ours to index
            log.warning("workspace folder %.300s is unusable: %s", root, exc.strerror)
            return None
        if not usable:
            log.warning("workspace folder %s is not a directory", root)
            return None
        base = self._config.workspace_dir(root)
        recovered: list[str] = []
        claim: IndexClaim | None = None
        if self._config.read_only:
            directory = base
            catalog: Catalog | None = _open_read_only(directory / CATALOG_FILE, root)
            if catalog is None:
                return None
        else:
            # One writer per index directory: another process indexing this folder has its
            # own replica (claim.py), which also creates the directories.
            claim = claim_index_dir(base)
            directory = claim.directory
            try:
                catalog = _open_catalog(directory / CATALOG_FILE, recovered)
            except BaseException:
                claim.release()
                raise
            catalog.set_meta("root", str(root))
            _expire_old_chunking(catalog)
        chunk_file, name_file = vector_files(directory, self._model_id, self._config)
        folder = FolderIndex(
            number=self._new_number(),
            root=root,
            scanner=Scanner(
                root, exclude=self._config.exclude, max_file_size=self._config.max_file_size
            ),
            catalog=catalog,
            chunks=VectorSpace(VectorStore(chunk_file)),
            names=VectorSpace(VectorStore(name_file)),
            recovered=recovered,
            claim=claim,
            adapter=AdapterSlot(adapter_dir(self._config, root), self._model_id),
        )
        reconcile_vectors(folder)
        if self._config.read_only:
            _serve_as_it_is(folder)
        return folder


def _expire_old_chunking(catalog: Catalog) -> None:
    """An index chunked by an older chunker re-chunks the languages it cuts differently now:
    the files are read again by the scan that follows, and only chunks whose text changed
    are embedded again."""
    stored = catalog.meta(CHUNKING_META)
    if stored == str(CHUNKING_REVISION):
        return
    revision = int(stored) if stored is not None and stored.isdigit() else 1
    languages = languages_rechunked_since(revision)
    expired = catalog.expire_languages(languages, CHUNKING_META, str(CHUNKING_REVISION))
    if expired:
        log.info("re-chunking %d files (%s): the chunker changed", expired, ", ".join(languages))


def _open_read_only(path: Path, root: Path) -> Catalog | None:
    """The catalog of a read-only cache directory, or None (logged) when there is none to
    serve: it cannot be created or repaired there."""
    if not path.is_file():
        log.warning("no index of %s in the read-only cache directory", root)
        return None
    try:
        return ReadOnlyCatalog(path)
    except CatalogCorrupt as exc:
        log.error("the index of %s in the read-only cache directory is unusable: %s", root, exc)
        return None


def _serve_as_it_is(folder: FolderIndex) -> None:
    """Read-only: what lacks a vector keeps lacking it (lexical channels still find it)."""
    missing = len(folder.chunks.pending) + len(folder.names.pending)
    if missing:
        folder.recovered.append(
            f"{missing} texts lack vectors and cannot get them in a read-only cache directory"
        )
    for space in (folder.chunks, folder.names):
        space.pending = set()
        space.order = None


def _open_catalog(path: Path, recovered: list[str]) -> Catalog:
    try:
        return Catalog(path)
    except CatalogCorrupt as exc:
        log.error("catalog %s is corrupt (%s): starting a new one", path, exc)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            old = Path(str(path) + suffix)
            if old.exists():
                old.replace(Path(f"{old}.corrupt-{stamp}"))
        recovered.append(f"catalog rebuilt: {exc}")
        return Catalog(path)


def reconcile_vectors(folder: FolderIndex) -> None:
    """Make each vector index hold exactly what the catalog asks of it; what's missing is
    pending (and mostly comes back from the embedding cache)."""
    for label, space, wanted in (
        ("vector index", folder.chunks, set(folder.catalog.chunk_hashes())),
        ("name index", folder.names, folder.catalog.named_chunk_ids()),
    ):
        if not space.store.load():
            # A missing name index on a catalog that has chunks is an upgrade, not a loss.
            missing = space.store.load_error == "missing"
            if not missing or (wanted and space is folder.chunks):
                folder.recovered.append(f"{label} rebuilt: {space.store.load_error}")
            space.pending = set(wanted)
            space.order = None
            continue
        present = space.store.ids()
        orphans = present - wanted
        if orphans:
            space.store.remove(orphans)
        space.pending = wanted - present
        space.order = None
        if orphans or space.pending:
            log.info(
                "%s %s: %d orphan vectors removed, %d chunks without vectors",
                folder.root,
                label,
                len(orphans),
                len(space.pending),
            )


def _slug(identity: str) -> str:
    return text_hash(identity)[:12]
