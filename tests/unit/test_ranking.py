from __future__ import annotations

from arama.engine.config import Fusion
from arama.engine.records import ChunkRow
from arama.engine.search.fusion import fold_overlaps, reciprocal_rank_fusion
from arama.engine.search.request import SearchFilters

FUSION = Fusion()


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
        {"dense": [a, b], "lexical": [b, c]}, FUSION, weights={"dense": 1.0, "lexical": 1.0}
    )
    assert max(fused, key=fused.__getitem__) == b  # in both lists
    heavy = reciprocal_rank_fusion(
        {"dense": [a], "lexical": [c]}, FUSION, weights={"dense": 1.0, "lexical": 0.1}
    )
    assert heavy[a] > heavy[c]


def test_fusion_counts_the_pieces_of_one_definition_as_one_candidate() -> None:
    """A long function split in two: its name matches lexically in one piece and its meaning
    in the other. Together that outranks a chunk only one channel likes best."""
    head, tail, rival, loose = (0, 1), (0, 2), (0, 3), (0, 4)
    rows = {
        head: _row(1, "a.py", 0, 9, "long_function"),
        tail: _row(2, "a.py", 10, 19, "long_function"),
        rival: _row(3, "b.py", 0, 9, "rival"),
        loose: _row(4, "c.py", 0, 9),  # no definition: always its own candidate
    }
    channels = {"dense": [rival, tail, loose, head], "lexical": [head, loose, rival]}
    weights = {"dense": 1.0, "lexical": 1.0}
    apart = reciprocal_rank_fusion(channels, FUSION, weights=weights)
    assert max(apart, key=apart.__getitem__) == rival  # piece by piece, the rival wins
    fused = reciprocal_rank_fusion(channels, FUSION, rows=rows, weights=weights)
    assert set(fused) == {head, rival, loose}  # one entry for the function: its best piece
    assert max(fused, key=fused.__getitem__) == head
    # Each channel counts the function once, at its best piece's rank, and its other pieces
    # take no rank from anyone: `loose` stays third in `dense`.
    assert fused[head] == 1.0 / (10 + 2) + 1.0 / (10 + 1)
    assert fused[loose] == 1.0 / (10 + 3) + 1.0 / (10 + 2)


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
