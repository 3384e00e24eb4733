"""Combining channels: weighted reciprocal-rank fusion, and one result per region.

Each channel returns candidates best first; reciprocal-rank fusion combines them without having
to calibrate bm25 against cosine. The weights and k come from `EngineConfig.fusion`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

from arama.engine.config import Fusion
from arama.engine.records import ChunkRow
from arama.engine.search.view import Key

Ranked = list[tuple[Key, float]]  # one channel's candidates, best first, with their scores


def reciprocal_rank_fusion(
    channels: Mapping[str, Sequence[Key]],
    fusion: Fusion,
    rows: Mapping[Key, ChunkRow] | None = None,
    weights: Mapping[str, float] | None = None,
) -> dict[Key, float]:
    """Weighted RRF (`weights` default to `fusion`'s). With `rows`, the pieces of one
    definition (a long function split in several chunks) are one candidate: a question may
    match the piece that names the thing lexically and another piece by meaning, and that is
    more evidence, not two half answers. Each channel counts a definition once, at its best
    piece's rank; the piece that earned the largest single share stands for it.
    (benchmarks/registry_quality.py, natural questions over sources with their docs: Recall@10
    0.767 -> 0.814 from this alone.)"""
    weights = fusion.weights() if weights is None else weights
    scores: dict[Hashable, float] = {}
    best: dict[Hashable, tuple[float, Key]] = {}
    for name, ranked in channels.items():
        weight = weights.get(name, 1.0)
        seen: set[Hashable] = set()
        for key in ranked:
            group = _definition(key, rows) if rows is not None else key
            if group in seen:
                continue
            share = weight / (fusion.k + len(seen) + 1)
            seen.add(group)
            scores[group] = scores.get(group, 0.0) + share
            if group not in best or share > best[group][0]:
                best[group] = (share, key)
    return {best[group][1]: score for group, score in scores.items()}


def _definition(key: Key, rows: Mapping[Key, ChunkRow]) -> Hashable:
    row = rows.get(key)
    if row is None or not row.is_definition:
        return key
    return (key[0], row.path, row.symbol, row.container, row.kind)


def merge_ranked(lists: Iterable[Ranked]) -> list[Key]:
    """Merge per-folder (key, score) lists of one channel into one ranking by score."""
    merged = [item for ranked in lists for item in ranked]
    merged.sort(key=lambda item: item[1], reverse=True)
    return [key for key, _ in merged]


def fold_overlaps(
    ranked: Sequence[tuple[Key, ChunkRow, float]],
) -> list[tuple[Key, ChunkRow, float]]:
    """Keep one result per region: drop a result whose lines overlap a better result of the same
    file (window overlap), or that is another piece of a definition already listed (the pieces
    of a long function all carry its name)."""
    kept: list[tuple[Key, ChunkRow, float]] = []
    spans: dict[tuple[int, str], list[tuple[int, int]]] = {}
    definitions: set[Hashable] = set()
    for key, row, score in ranked:
        taken = spans.setdefault((key[0], row.path), [])
        if any(row.start_line <= end and start <= row.end_line for start, end in taken):
            continue
        if row.is_definition:
            definition = (key[0], row.path, row.symbol, row.container, row.kind)
            if definition in definitions:
                continue
            definitions.add(definition)
        taken.append((row.start_line, row.end_line))
        kept.append((key, row, score))
    return kept
