"""Per-folder index state, and the registry of open workspace folders.

The registry holds the one rule that maps a path to a folder: **a path belongs to the innermost
open folder that contains it.** Workspace folders may nest (a monorepo root and one of its
packages, both open in a VS Code multi-root workspace); an outer folder leaves the subtree of
an inner one to it (`Scanner.set_nested_folders`), so each file is indexed, searched and
updated exactly once. Events, buffers, context lookups and the watcher's filter all ask
`locate`/`owner`; nothing else compares paths with roots.

The registry also carries the index generations that key the searcher's caches: writers bump
them through `changed()`, readers only read them.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from arama.engine.catalog import Catalog
from arama.engine.indexing.claim import IndexClaim
from arama.engine.query_adapter import AdapterSlot, QueryAdapter
from arama.engine.records import SkipFile
from arama.engine.scanner import Scanner
from arama.engine.vectors import Vectors, VectorStore


@dataclass
class VectorSpace:
    """One kind of vector a folder keeps per chunk, and the chunks still waiting for theirs."""

    store: VectorStore
    pending: set[int] = field(default_factory=set)
    # Pending ids in embedding order, computed once per change of what is pending (recomputing
    # it for every batch would scan every chunk each time).
    order: deque[int] | None = None

    def drop(self, ids: Sequence[int]) -> None:
        self.store.remove(ids)
        self.pending.difference_update(ids)

    def want(self, ids: Iterable[int]) -> None:
        self.pending.update(ids)
        self.order = None


@dataclass
class FolderIndex:
    """One workspace folder's index: catalog, vectors, and what still needs a vector.

    Two vector spaces: `chunks` holds each chunk's text (under its file and definition names),
    `names` each named chunk's definition name in words (`embedding.text.name_phrase`). Only
    the indexing worker writes any of it; searches read the catalog (WAL snapshots) and the
    stores (under their own locks)."""

    number: int
    root: Path
    scanner: Scanner
    catalog: Catalog
    chunks: VectorSpace
    names: VectorSpace
    # Skipped files, counted once each: the scanner's stat-level refusals of the last full scan,
    # plus read-level refusals (binary, minified, ...) by path, so repeated events don't add up.
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_reads: dict[str, str] = field(default_factory=dict)
    recovered: list[str] = field(default_factory=list)
    # Unsaved editor buffers (relative path -> text): while open, they are what gets indexed.
    overlays: dict[str, str] = field(default_factory=dict)
    # This process's claim on the index directory (indexing/claim.py); released on close.
    claim: IndexClaim | None = None
    # The query adapter `arama tune` kept for this folder, if any (engine/query_adapter.py).
    adapter: AdapterSlot | None = None

    def close(self) -> None:
        """Close the catalog and let another process claim the index directory."""
        self.catalog.close()
        if self.claim is not None:
            self.claim.release()

    def space(self, label: str) -> VectorSpace:
        return self.names if label == "names" else self.chunks

    @property
    def view(self) -> FolderView:
        return FolderView(
            self.number, self.root, self.catalog, self.chunks.store, self.names.store, self.adapter
        )


@dataclass(frozen=True, slots=True)
class FolderView:
    """What a search may see of a folder: where it is, its catalog, its two vector stores.
    `number` tells folders apart in candidate keys (a chunk id is unique per folder only)."""

    number: int
    root: Path
    catalog: Catalog
    chunk_vectors: VectorStore
    name_vectors: VectorStore
    adapter: AdapterSlot | None = None

    def chunk_adapter(self) -> QueryAdapter | None:
        return self.adapter.current() if self.adapter is not None else None

    def chunk_query(self, vector: Vectors) -> Vectors:
        """The query vector as this folder's chunk vectors are searched with (its tuned
        adapter applied, when it has one)."""
        adapter = self.chunk_adapter()
        return adapter.apply(vector) if adapter is not None else vector


def contains(root: Path, absolute: Path) -> bool:
    return absolute == root or root in absolute.parents


class FolderRegistry:
    """The open folders by root, with the path -> folder rule and the index generations."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._folders: dict[Path, FolderIndex] = {}
        self._next_number = 0
        # Bumped by every change to what a search can see; keys the result and symbol caches.
        self.generation = 0
        self.catalog_generation = 0  # files, chunks and symbols only (not vectors)

    # -- membership (the indexing worker) ---------------------------------------------------

    def new_number(self) -> int:
        with self._lock:
            self._next_number += 1
            return self._next_number - 1

    def add(self, folder: FolderIndex) -> list[FolderIndex]:
        """Register a folder; returns the folders whose nested set changed (they must rescan:
        an outer folder hands the new inner folder's files over)."""
        with self._lock:
            self._folders[folder.root] = folder
            return self._update_nesting()

    def remove(self, root: Path) -> tuple[FolderIndex | None, list[FolderIndex]]:
        """Unregister a folder; returns it and the folders that must rescan (an outer folder
        takes the files of a closed inner one back)."""
        with self._lock:
            folder = self._folders.pop(root, None)
            return folder, (self._update_nesting() if folder is not None else [])

    def _update_nesting(self) -> list[FolderIndex]:
        roots = list(self._folders)
        changed: list[FolderIndex] = []
        for folder in self._folders.values():
            inner = [r for r in roots if r != folder.root and folder.root in r.parents]
            if folder.scanner.set_nested_folders(inner):
                changed.append(folder)
        return changed

    def clear(self) -> list[FolderIndex]:
        with self._lock:
            folders = list(self._folders.values())
            self._folders.clear()
            return folders

    def changed(self, *, catalog: bool = True) -> None:
        """Something a search can see changed: vectors only, or also files/chunks/symbols."""
        with self._lock:
            self.generation += 1
            if catalog:
                self.catalog_generation += 1

    # -- lookups (anyone) -------------------------------------------------------------------

    def get(self, root: Path) -> FolderIndex | None:
        with self._lock:
            return self._folders.get(root)

    def all(self) -> list[FolderIndex]:
        with self._lock:
            return list(self._folders.values())

    def roots(self) -> list[Path]:
        with self._lock:
            return list(self._folders)

    def owner(self, path: Path) -> FolderIndex | None:
        """The innermost open folder containing `path` (lexically, as events name paths)."""
        with self._lock:
            root = owner_root(self._folders, path)
            return None if root is None else self._folders[root]

    def locate(self, path: Path) -> tuple[FolderIndex, str]:
        """The owning folder and the path relative to it; LookupError when no folder has it,
        SkipFile when the folder's scanner cannot name it."""
        folder = self.owner(path)
        if folder is None:
            raise LookupError(f"{path} is not inside a workspace folder")
        return folder, folder.scanner.rel(Path(os.path.abspath(path)))

    def is_ignored(self, path: Path) -> bool:
        """The watcher's filter: outside every folder, or excluded by its owner's rules."""
        try:
            folder, _rel = self.locate(path)
        except (LookupError, SkipFile):
            return True
        return folder.scanner.is_ignored(path)

    def pending_chunks(self) -> int:
        with self._lock:
            return sum(len(f.chunks.pending) for f in self._folders.values())

    def pending_names(self) -> int:
        with self._lock:
            return sum(len(f.names.pending) for f in self._folders.values())

    def has_pending(self) -> bool:
        with self._lock:
            return any(f.chunks.pending or f.names.pending for f in self._folders.values())


def owner_root(roots: Iterable[Path], path: Path) -> Path | None:
    """The innermost of `roots` containing `path`: the registry's rule for roots that are
    queued but not open yet."""
    absolute = Path(os.path.abspath(path))
    inside = [r for r in roots if contains(r, absolute)]
    return max(inside, key=lambda r: len(r.parts), default=None)
