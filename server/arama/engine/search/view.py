"""The index as a search sees it: read-only, narrow.

Searches never reach into the indexing worker or the registry: they get the open folders as
`FolderView`s (catalog, two vector stores), the generations that key their caches, and whether
the index is still being built. The engine implements this protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from arama.engine.folders import FolderView
from arama.engine.records import ChunkRow

# A candidate is identified across workspace folders by (folder number, chunk id).
Key = tuple[int, int]


class IndexView(Protocol):
    @property
    def generation(self) -> int:
        """Changes whenever anything a search can see changes (vectors included)."""
        ...

    @property
    def catalog_generation(self) -> int:
        """Changes when files, chunks or symbols change (not vectors)."""
        ...

    def folders(self) -> list[FolderView]: ...

    def locate(self, path: Path) -> tuple[FolderView, str]:
        """The folder owning `path` and the path relative to it; LookupError if none."""
        ...

    def indexing(self) -> bool:
        """Whether results may be incomplete (not every file read, or vectors missing)."""
        ...

    def wait_opened(self, timeout: float) -> bool:
        """Wait (at most `timeout` s) until the folders queued to open are open: their index
        on disk is what a search in the first moments of a session should answer from."""
        ...

    def dimension_known(self) -> bool:
        """Whether the vector dimension is known (else no vector can be compared yet)."""
        ...


def rows_of(
    folders: Sequence[FolderView],
    keys: Sequence[Key],
    known: dict[Key, ChunkRow] | None = None,
) -> dict[Key, ChunkRow]:
    """The catalog rows of candidates from any folder (one query per folder). Rows already in
    `known` (read earlier in the same search) are not read again; the new ones join it."""
    by_folder: dict[int, list[int]] = {}
    rows: dict[Key, ChunkRow] = {}
    for key in keys:
        if known is not None and key in known:
            rows[key] = known[key]
        else:
            by_folder.setdefault(key[0], []).append(key[1])
    for folder in folders:
        ids = by_folder.get(folder.number)
        if ids:
            for chunk_id, row in folder.catalog.chunks_by_id(ids).items():
                rows[(folder.number, chunk_id)] = row
    if known is not None:
        known.update(rows)
    return rows
