"""Whether a tuned adapter is kept: it must answer the user's own questions better than the
model alone, by more than the measurement's noise, and not lose on the held-out documentation.

Why the user's questions decide (docs/design.md, "arama tune"; benchmarks/README.md, "tune.py"):
on six full releases the adapter ranked held-out *documentation* sentences better (up to +0.10
hybrid MRR@10) but natural developer questions no better (-0.12 to +0.06, mean -0.02): it
learns how a repository's docstrings talk, not how its developers ask. A gain on documentation
alone therefore keeps nothing; the run reports the numbers and says what would.

The comparisons are paired: the same queries, the same index, the same hidden documentation,
only the adapter differs, so each query's change of reciprocal rank is a measurement and their
spread is the noise. Kept when the questions' mean gain in hybrid MRR@10 is at least MIN_GAIN
and at least NOISE_FACTOR standard errors of that mean (a gain another set of questions would
likely repeat), and the held-out documentation is not worse. MIN_GAIN: below it a user would not
notice, and an adapter is one more thing that can surprise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from arama.engine.search.request import Mode
from arama.evaluation.metrics import TOP_K, Outcome

JUDGED_MODE: Mode = "hybrid"
MIN_GAIN = 0.01
NOISE_FACTOR = 2.0


@dataclass(frozen=True, slots=True)
class Comparison:
    queries: int
    base: float  # MRR@10
    tuned: float
    gain: float
    standard_error: float


@dataclass(frozen=True, slots=True)
class Verdict:
    keep: bool
    held_out: Comparison
    questions: Comparison | None
    reason: str  # a message key (arama/messages.py)


def compare(base: Iterable[Outcome], tuned: Iterable[Outcome], mode: str) -> Comparison:
    """Paired MRR@10 of one mode (outcomes matched by query and target)."""
    before = {(o.query, o.target): _rr(o.rank) for o in base if o.mode == mode}
    after = {(o.query, o.target): _rr(o.rank) for o in tuned if o.mode == mode}
    keys = sorted(before.keys() & after.keys())
    n = len(keys)
    if not n:
        return Comparison(0, 0.0, 0.0, 0.0, 0.0)
    diffs = [after[k] - before[k] for k in keys]
    mean = sum(diffs) / n
    variance = sum((d - mean) ** 2 for d in diffs) / (n - 1) if n > 1 else 0.0
    return Comparison(
        n,
        round(sum(before[k] for k in keys) / n, 4),
        round(sum(after[k] for k in keys) / n, 4),
        round(mean, 4),
        round(math.sqrt(variance / n), 4),
    )


def judge(held_out: Comparison, questions: Comparison | None) -> Verdict:
    if questions is None or questions.queries == 0:
        return Verdict(False, held_out, questions, "tune.verdict.needQuestions")
    if held_out.gain < 0:
        return Verdict(False, held_out, questions, "tune.verdict.docsWorse")
    if questions.gain < MIN_GAIN:
        return Verdict(False, held_out, questions, "tune.verdict.noGain")
    if questions.gain < NOISE_FACTOR * questions.standard_error:
        return Verdict(False, held_out, questions, "tune.verdict.noise")
    return Verdict(True, held_out, questions, "tune.verdict.kept")


def _rr(rank: int | None) -> float:
    return 1.0 / rank if rank is not None and rank <= TOP_K else 0.0
