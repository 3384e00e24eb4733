"""Search quality from ranks: MRR@10 and Recall@1/5/10, overall and per language, for each mode;
and the slowest searches.

Binary relevance with alternative answers: a query's rank is that of the first result that is
one of its answers (targets.py), or none within the top TOP_K. MRR@10 is the mean of 1/rank (0
for none); Recall@k the share of queries answered within the first k results.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TOP_K = 10
RECALL_AT = (1, 5, 10)
SLOWEST = 5


@dataclass(frozen=True, slots=True)
class Scores:
    n: int
    mrr: float  # MRR@TOP_K
    recall: dict[int, float]  # k -> Recall@k, for k in RECALL_AT


@dataclass(frozen=True, slots=True)
class Outcome:
    """One query asked in one mode: where its answer ranked, and how long the search took."""

    query: str
    language: str
    target: str
    mode: str
    rank: int | None
    ms: float


@dataclass(frozen=True, slots=True)
class ModeScores:
    overall: Scores
    languages: dict[str, Scores]


def scores(ranks: Sequence[int | None]) -> Scores:
    found = [r for r in ranks if r is not None and r <= TOP_K]
    n = len(ranks)
    if not n:
        return Scores(0, 0.0, dict.fromkeys(RECALL_AT, 0.0))
    return Scores(
        n,
        sum(1.0 / r for r in found) / n,
        {k: sum(1 for r in found if r <= k) / n for k in RECALL_AT},
    )


def by_mode(outcomes: Iterable[Outcome]) -> dict[str, ModeScores]:
    """Scores per mode (in the order modes first appear), and per language within each (sorted
    by name)."""
    ranks: dict[str, dict[str, list[int | None]]] = {}
    for outcome in outcomes:
        ranks.setdefault(outcome.mode, {}).setdefault(outcome.language, []).append(outcome.rank)
    return {
        mode: ModeScores(
            scores([r for language in sorted(per) for r in per[language]]),
            {language: scores(per[language]) for language in sorted(per)},
        )
        for mode, per in ranks.items()
    }


def slowest(outcomes: Iterable[Outcome], count: int = SLOWEST) -> list[Outcome]:
    return sorted(outcomes, key=lambda o: o.ms, reverse=True)[:count]
