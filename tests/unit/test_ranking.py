from __future__ import annotations

from arama.engine.catalog import ChunkRow
from arama.engine.ranking import SearchFilters, fold_overlaps, reciprocal_rank_fusion


def _row(chunk_id: int, path: str, start: int, end: int, symbol: str | None = None) -> ChunkRow:
    return ChunkRow(
        chunk_id,
        path,
        "python",
        10,
        1,
        start,
        end,
        symbol,
        12 if symbol else None,
        None,
        "text",
        "hash",
    )


def test_fusion_rewards_agreement_and_respects_weights() -> None:
    a, b, c = (0, 1), (0, 2), (0, 3)
    fused = reciprocal_rank_fusion(
        {"dense": [a, b], "lexical": [b, c]}, {"dense": 1.0, "lexical": 1.0}
    )
    assert max(fused, key=fused.__getitem__) == b  # in both lists
    heavy = reciprocal_rank_fusion({"dense": [a], "lexical": [c]}, {"dense": 1.0, "lexical": 0.1})
    assert heavy[a] > heavy[c]


def test_fold_keeps_one_result_per_region_and_per_definition() -> None:
    ranked = [
        ((0, 1), _row(1, "a.py", 0, 9, "long_function"), 0.9),
        ((0, 2), _row(2, "a.py", 8, 17, "long_function"), 0.8),  # overlapping window
        ((0, 3), _row(3, "a.py", 30, 39, "long_function"), 0.7),  # a later piece, no overlap
        ((0, 4), _row(4, "a.py", 50, 55, "other"), 0.6),
        ((1, 1), _row(1, "a.py", 0, 9, "long_function"), 0.5),  # same path in another folder
        ((0, 5), _row(5, "b.py", 0, 3), 0.4),
    ]
    kept = [key for key, _row_, _score in fold_overlaps(ranked)]
    assert kept == [(0, 1), (0, 4), (1, 1), (0, 5)]


def test_empty_filters_are_detected() -> None:
    assert SearchFilters().empty
    assert not SearchFilters(languages=("python",)).empty
    matcher = SearchFilters(paths=("src/**",), exclude=("*.md",), min_size=5).matcher()
    assert matcher.accepts("src/a.py", "python", 10, 0)
    assert not matcher.accepts("src/README.md", "markdown", 10, 0)
    assert not matcher.accepts("lib/a.py", "python", 10, 0)
    assert not matcher.accepts("src/a.py", "python", 1, 0)
