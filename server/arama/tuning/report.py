"""`arama tune`'s findings as a few lines a person reads (`--json`: contract.tune_json)."""

from __future__ import annotations

from arama.messages import text
from arama.tuning.judge import Comparison
from arama.tuning.runner import TuneReport


def _line(key: str, c: Comparison, locale: str | None) -> str:
    return text(
        key,
        locale,
        n=c.queries,
        base=f"{c.base:.3f}",
        tuned=f"{c.tuned:.3f}",
        gain=f"{c.gain:+.3f}",
        se=f"{c.standard_error:.3f}",
    )


def render_tune(report: TuneReport, locale: str | None = None) -> str:
    verdict = report.verdict
    t = report.training
    lines = [
        text("tune.title", locale, folder=report.folder, model=report.model),
        text(
            "tune.pairs",
            locale,
            doc=report.pairs.get("doc", 0),
            name=report.pairs.get("name", 0),
            embedded=report.embedded_pairs,
            epochs=t.epochs,
            seconds=f"{t.seconds:.0f}",
        ),
        _line("tune.heldOut", verdict.held_out, locale),
        _line("tune.semantic", report.semantic, locale),
    ]
    if verdict.questions is not None:
        lines.append(_line("tune.questions", verdict.questions, locale))
    lines.append(text(verdict.reason, locale))
    lines.append(text("tune.took", locale, seconds=f"{report.seconds:.0f}"))
    return "\n".join(lines)
