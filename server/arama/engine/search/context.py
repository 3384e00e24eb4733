"""Related code at a position (`arama.context`): definitions of the names the chunk there uses,
and its nearest neighbours by meaning, fused; never the chunk itself."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from arama.engine.config import Fusion
from arama.engine.folders import FolderView
from arama.engine.records import ChunkRow, Hit
from arama.engine.search.fusion import fold_overlaps, merge_ranked, reciprocal_rank_fusion
from arama.engine.search.view import IndexView, Key, rows_of
from arama.engine.vectors import Vectors

CONTEXT_MIN_SIMILARITY = 0.3  # weaker neighbours are noise
CHANNEL_WEIGHTS = {"symbol": 1.0, "dense": 1.0}
_IDENTIFIER = re.compile(r"\b[^\W\d]\w{2,}\b")


def related_code(
    index: IndexView,
    folder: FolderView,
    rel: str,
    line: int,
    limit: int,
    encode: Callable[[str], Vectors],
    fusion: Fusion,
) -> tuple[Hit, list[Hit]]:
    """The chunk at `rel`:`line` (the narrowest covering it) and up to `limit` related hits;
    LookupError when nothing is indexed there."""
    focus = folder.catalog.chunk_at(rel, line)
    if focus is None:
        raise LookupError(f"{rel}:{line + 1} is not indexed")
    folders = index.folders()
    vector = folder.chunk_vectors.vector(focus.id)
    if vector is None and index.dimension_known():
        vector = encode(focus.text)
    fused = reciprocal_rank_fusion(
        {
            "symbol": _definitions_used(focus, folders),
            "dense": _neighbours(vector, folders, limit) if vector is not None else [],
        },
        fusion,
        weights=CHANNEL_WEIGHTS,
    )
    order = sorted(fused, key=lambda k: fused[k], reverse=True)
    rows = rows_of(folders, order)
    focus_key = (folder.number, focus.id)
    ranked = [
        (k, rows[k], fused[k])
        for k in order
        if k in rows and k != focus_key and not _overlaps(folder, focus, k, rows[k])
    ]
    roots = {f.number: f.root for f in folders}
    related = [Hit(roots[k[0]], row, score) for k, row, score in fold_overlaps(ranked)[:limit]]
    return Hit(folder.root, focus, 1.0), related


def _definitions_used(focus: ChunkRow, folders: Sequence[FolderView]) -> list[Key]:
    """Definitions, in any folder, of the names the focus uses (in order of first use)."""
    used = [n for n in dict.fromkeys(_IDENTIFIER.findall(focus.text)) if n != focus.symbol]
    definitions: list[Key] = []
    for other in folders:
        by_name = {r.symbol: r for r in other.catalog.symbols_named(used)}
        definitions += [(other.number, by_name[n].id) for n in used if n in by_name]
    return definitions


def _neighbours(vector: Vectors, folders: Sequence[FolderView], limit: int) -> list[Key]:
    """Chunks near the focus in meaning, nearest first."""
    found: list[tuple[Key, float]] = []
    for other in folders:
        hits = other.chunk_vectors.search(vector, 3 * limit + 10)
        found += [((other.number, i), s) for i, s in hits if s >= CONTEXT_MIN_SIMILARITY]
    return merge_ranked([found])


def _overlaps(folder: FolderView, focus: ChunkRow, key: Key, row: ChunkRow) -> bool:
    """Whether a candidate is (a part of) the focus's own lines."""
    same_file = key[0] == folder.number and row.path == focus.path
    return same_file and row.start_line <= focus.end_line and focus.start_line <= row.end_line
