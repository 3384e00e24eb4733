"""An evaluation's findings, as JSON (`arama eval --json`) and as a table a person reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from arama.evaluation.metrics import (
    RECALL_AT,
    TOP_K,
    ModeScores,
    Outcome,
    Scores,
    by_mode,
    slowest,
)
from arama.messages import text

Source = Literal["docs", "queries"]


@dataclass(frozen=True, slots=True)
class Timing:
    index_s: float  # the evaluation index brought up to date with the folder
    hide_s: float  # documentation hidden, the changed chunks embedded
    search_s: float  # every query in every mode
    total_s: float


@dataclass(frozen=True)
class EvalReport:
    folder: Path
    model: str
    source: Source  # mined documentation, or the user's queries file
    modes: tuple[str, ...]
    sample: int | None  # the cap on mined queries (None for a queries file)
    seed: int
    docs_hidden: bool
    eligible: dict[str, int]  # language -> eligible mined queries
    indexed_files: int
    hidden_functions: int
    hidden_files: int
    # Texts the model embedded (the rest came from the cache): bringing the index up to date,
    # and for the hidden documentation.
    embedded_index: int
    embedded_hidden: int
    timing: Timing
    outcomes: tuple[Outcome, ...]

    @property
    def queries(self) -> int:
        return len(self.outcomes) // max(1, len(self.modes))

    @property
    def scores(self) -> dict[str, ModeScores]:
        return by_mode(self.outcomes)


def _scores_json(s: Scores) -> dict[str, Any]:
    out: dict[str, Any] = {"n": s.n, f"mrr@{TOP_K}": round(s.mrr, 4)}
    out |= {f"recall@{k}": round(s.recall[k], 4) for k in RECALL_AT}
    return out


def _outcome_json(o: Outcome) -> dict[str, Any]:
    return {
        "mode": o.mode,
        "query": o.query,
        "language": o.language,
        "target": o.target,
        "rank": o.rank,
        "ms": round(o.ms, 1),
    }


def report_json(report: EvalReport) -> dict[str, Any]:
    """Every number of the report; `perQuery` holds each query's rank and time in each mode."""
    per_query: dict[tuple[str, str], dict[str, Any]] = {}
    for o in report.outcomes:
        entry = per_query.setdefault(
            (o.query, o.target),
            {"query": o.query, "language": o.language, "target": o.target, "ranks": {}, "ms": {}},
        )
        entry["ranks"][o.mode] = o.rank
        entry["ms"][o.mode] = round(o.ms, 1)
    t = report.timing
    return {
        "folder": str(report.folder),
        "model": report.model,
        "source": report.source,
        "queries": report.queries,
        "modes": list(report.modes),
        "topK": TOP_K,
        "sample": report.sample,
        "seed": report.seed,
        "docsHidden": report.docs_hidden,
        "eligible": report.eligible,
        "indexedFiles": report.indexed_files,
        "hidden": {"functions": report.hidden_functions, "files": report.hidden_files},
        "embedded": {"index": report.embedded_index, "hiding": report.embedded_hidden},
        "timing": {
            "indexSeconds": round(t.index_s, 2),
            "hideSeconds": round(t.hide_s, 2),
            "searchSeconds": round(t.search_s, 2),
            "totalSeconds": round(t.total_s, 2),
        },
        "results": {
            mode: {
                "overall": _scores_json(s.overall),
                "languages": {lang: _scores_json(v) for lang, v in s.languages.items()},
            }
            for mode, s in report.scores.items()
        },
        "slowest": [_outcome_json(o) for o in slowest(report.outcomes)],
        "perQuery": list(per_query.values()),
    }


# -- the table -----------------------------------------------------------------------------------


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    """Left-aligned text in the first two columns, numbers right-aligned after them."""
    parts = [
        cell.ljust(width) if index < 2 else cell.rjust(width)
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
    ]
    return "  ".join(parts).rstrip()


def _score_table(report: EvalReport, locale: str | None) -> list[str]:
    header = ["mode", "language", "n", f"MRR@{TOP_K}", *(f"R@{k}" for k in RECALL_AT)]
    rows: list[list[str]] = []
    every = text("eval.table.all", locale)
    for mode, s in report.scores.items():
        groups = [(every, s.overall)]
        if len(s.languages) > 1:
            groups += list(s.languages.items())
        for index, (group, v) in enumerate(groups):
            rows.append(
                [
                    mode if index == 0 else "",
                    group,
                    str(v.n),
                    f"{v.mrr:.3f}",
                    *(f"{v.recall[k]:.3f}" for k in RECALL_AT),
                ]
            )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [_row(header, widths), *(_row(r, widths) for r in rows)]


def _shorten(query: str, limit: int = 60) -> str:
    return query if len(query) <= limit else query[: limit - 1] + "…"


def render_table(report: EvalReport, locale: str | None = None) -> str:
    """The report for a terminal: what was asked, the scores, the slowest searches, the time."""
    t = report.timing
    source = "eval.title.docs" if report.source == "docs" else "eval.title.queries"
    lines = [
        text(source, locale, folder=report.folder, queries=report.queries, k=TOP_K),
        text("eval.model", locale, model=report.model, files=report.indexed_files),
    ]
    if report.eligible:
        eligible = ", ".join(f"{lang} {n}" for lang, n in sorted(report.eligible.items()))
        lines.append(
            text("eval.eligible", locale, eligible=eligible, sample=report.sample, seed=report.seed)
        )
    if report.docs_hidden:
        lines.append(
            text(
                "eval.hidden",
                locale,
                functions=report.hidden_functions,
                files=report.hidden_files,
            )
        )
    lines += ["", *_score_table(report, locale), "", text("eval.slowest", locale)]
    for o in slowest(report.outcomes):
        rank = f">{TOP_K}" if o.rank is None else f"#{o.rank}"
        query = _shorten(o.query)
        lines.append(f"  {o.ms:7.1f} ms  {o.mode:<8}  {rank:>3}  {query}  ->  {o.target}")
    lines += [
        "",
        text(
            "eval.timing",
            locale,
            index=f"{t.index_s:.1f}",
            index_embedded=report.embedded_index,
            hide=f"{t.hide_s:.1f}",
            embedded=report.embedded_hidden,
            search=f"{t.search_s:.1f}",
            total=f"{t.total_s:.1f}",
        ),
    ]
    return "\n".join(lines)
