"""What a coding agent reads until the first correct location: arama's `search` tool against
grep-then-read.

For every query of the existing quality sets (the hand-written questions of
`registry_questions.json` over the full source releases of registry_quality.py, and the
hand-written queries of `quality_queries.json` over quality.py's corpus), two agents look for
the code that answers it:

(a) **arama**: one call of the MCP `search` tool with the query (the server's own code,
    `arama.mcp.tools.Toolbox`, in-process, default sizing: 10 hits, 6,000-character budget).
    It reads the answer from the top until the end of the first hit that overlaps a target
    (header and snippet); a query whose targets are not in the answer costs the whole answer
    and is a miss.
(a') **arama, searching again on a miss** (`STRATEGIES`): what the `search` tool's description
    tells an agent to do when an answer does not hold what it wants: search again with mode
    lexical, or ask for the next page (`offset` as the answer's "N more" line gives it); and,
    for comparison, a larger limit (50: the hits past the character budget come as header
    lines, then "N more"). Every call's characters count: the misses whole, the last answer up
    to its first correct hit. The lexical and limit-50 strategies were fixed from that advice
    before any run; the next-page ones after the first run showed the limit-50 answer clipped by
    the budget (the tool then gained `offset`), before they were measured. All are the same for
    every query; nothing is fitted to the queries. Each is also reported with grep as the last
    resort (grep's success by construction, at the mean cost of both).
(b) **grep-then-read**: a ripgrep-style search (`rg -il -e word ...`) for the query's words
    (3+ letters, no stop words) over the same files the index holds, then reading the
    matching files whole, best first (most distinct query words, then most matching lines, as
    a careful agent would pick), until the file holding a target; in that file it reads up to
    the end of the target. It pays the list of matching paths, every file read before, and
    that part of the target file. Success: the target's file is in grep's answer at all;
    `within10` also asks that it be among the first 10 files read.

Characters are counted; tokens are characters / 4. The ratio is (b) / (a) over the queries both
answered (medians and totals), and each side's success share.

    .venv/bin/python benchmarks/agent_tokens.py                    # both sets, table
    .venv/bin/python benchmarks/agent_tokens.py --sets questions   # the cheap one
    .venv/bin/python benchmarks/agent_tokens.py --json out.json    # + every query

The questions' corpus is registry_quality.py's (`~/.cache/arama-bench/workspace-original`,
built by it when missing); the index lives in `--cache-dir` (default
`~/.cache/arama-bench/agent-tokens`), and `--seed-cache DIR` copies another arama cache's
embeddings and model exports in first, so a machine that ran registry_quality.py embeds
nothing again. quality.py's corpus is built in a temporary folder (its embeddings stay in the
cache directory, so only the first run pays for them).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from arama.arguments import parse_search
from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.engine.records import Hit
from arama.mcp.answers import Sizing, hit_header, search_answer
from arama.mcp.places import Places, read_lines
from arama.mcp.tools import SEARCH_BUDGET_S, SEARCH_DEFAULT_LIMIT

BENCH_DIR = Path(__file__).resolve().parent
ARAMA_BENCH = Path.home() / ".cache" / "arama-bench"
CHARS_PER_TOKEN = 4
MAX_FILES_READ = 10
# Per-query reading budgets (tokens) of the budget table: from one screen to a whole large
# context window (200k); None is no limit, the grep baseline's own reading.
BUDGETS_TOKENS: tuple[int | None, ...] = (1_000, 2_000, 5_000, 10_000, 50_000, 100_000, 200_000)
BUDGETS_TOKENS += (None,)
BUDGET_STRATEGY = "search, next 2 pages"
SUCCESS_LEVELS = (0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)
_STOP = """the and for with from into that this what when where which while who how why are was
were can could should would will shall not but all any its it's their them they then than
there here out off one two get gets got use used uses using does did done has have had
make makes made way ways each every some such only also just like more most less very
about over under after before again still yet our your you via per"""
STOP_WORDS = frozenset(_STOP.split())

Span = tuple[str, int, int]  # path, first line, last line (0-based, inclusive)


@dataclass(frozen=True)
class Case:
    id: str
    query: str
    spans: tuple[Span, ...]


@dataclass
class Outcome:
    id: str
    arama_chars: int
    arama_found: bool
    arama_rank: int | None
    grep_chars: int
    grep_found: bool  # the target's file is in grep's answer
    grep_files_read: int | None  # files read until the target's (1 = the first)
    # strategy -> (characters of all its calls, the call that found a target or None)
    strategies: dict[str, tuple[int, int | None]] = field(default_factory=dict)


# -- the cases ---------------------------------------------------------------------------------


def question_cases(root: Path, engine: Engine) -> list[Case]:
    from registry_quality import ChunkInfo, load_questions

    chunks = [
        ChunkInfo(r.path, r.start_line, r.end_line, r.symbol, r.container, r.language, "", r.kind)
        for folder in engine.folders()
        for path in folder.catalog.live_files()
        for r in folder.catalog.chunks_of_file(path)
    ]
    questions = load_questions(BENCH_DIR / "registry_questions.json", chunks, root)
    return [Case(q.id, q.text, tuple(q.targets)) for q in questions]


def quality_cases(engine: Engine) -> list[Case]:
    from quality import QUERIES_FILE, load_queries

    cases: list[Case] = []
    rows = [
        r
        for folder in engine.folders()
        for path in folder.catalog.live_files()
        for r in folder.catalog.chunks_of_file(path)
    ]
    for query in load_queries(QUERIES_FILE):
        spans = tuple(
            (r.path, r.start_line, r.end_line)
            for t in query.targets
            for r in rows
            if r.path == t.path
            and r.symbol == t.symbol
            and (t.container is None or r.container == t.container)
        )
        if spans:
            cases.append(Case(query.id, query.query, spans))
    return cases


# -- (a) arama -------------------------------------------------------------------------------


def _overlaps(hit: Hit, spans: Iterable[Span]) -> bool:
    chunk = hit.chunk
    return any(
        chunk.path == p and chunk.start_line <= last and first <= chunk.end_line
        for p, first, last in spans
    )


def arama_reads(
    engine: Engine,
    root: Path,
    case: Case,
    sizing: Sizing,
    extra: Mapping[str, Any] | None = None,
) -> tuple[int, int | None]:
    """Characters of the `search` answer (with `extra` arguments) up to the end of the first
    correct hit, and its rank; the whole answer and None when no hit is correct."""
    chars, rank, _following = read_answer(engine, root, case, sizing, extra)
    return chars, rank


def read_answer(
    engine: Engine,
    root: Path,
    case: Case,
    sizing: Sizing,
    extra: Mapping[str, Any] | None = None,
) -> tuple[int, int | None, int]:
    """`arama_reads`, and the offset of the answer's next page (what its "N more" line says)."""
    request = parse_search({"query": case.query, "limit": SEARCH_DEFAULT_LIMIT, **(extra or {})})
    answer = engine.search(request, budget_s=SEARCH_BUDGET_S)
    places = Places((root,))
    tool = search_answer(
        answer,
        offset=request.offset,
        places=places,
        sizing=sizing,
        context=0,
        status=None,
        read=read_lines,
        locale="en",
    )
    text = tool.text
    following = request.offset + len(tool.structured["results"])
    shown = {r["path"] + f":{r['start_line']}" for r in tool.structured["results"]}
    for rank, hit in enumerate(answer.hits, request.offset + 1):
        key = f"{hit.chunk.path}:{hit.chunk.start_line + 1}"
        if key not in shown or not _overlaps(hit, case.spans):
            continue
        start = text.find(hit_header(hit, places))
        nxt = re.compile(r"^\S+:\d+-\d+  ", re.M).search(text, start + 1)
        end = nxt.start() if nxt else len(text)
        return end, rank, following
    return len(text), None, following


NEXT_PAGE = "next"
"""In a strategy's call: the offset the previous answer's "N more" line gave."""
STRATEGIES: dict[str, tuple[dict[str, Any], ...]] = {
    "search": ({},),
    "search, then lexical": ({}, {"mode": "lexical"}),
    "search, then limit 50": ({}, {"limit": 50}),
    "search, lexical, limit 50": ({}, {"mode": "lexical"}, {"limit": 50}),
    "search, then next page": ({}, {"offset": NEXT_PAGE}),
    "search, next 2 pages": ({}, {"offset": NEXT_PAGE}, {"offset": NEXT_PAGE}),
    "search, next page, lexical": ({}, {"offset": NEXT_PAGE}, {"mode": "lexical"}),
}
"""What an agent does when an answer misses, as the `search` tool's description advises (search
again with mode lexical for a name-like question, or with a larger limit): each strategy's calls
in order, stopping at the first answer that holds a target. Chosen from that advice before any
run, the same for every query; not fitted to the queries."""


def strategy_reads(
    engine: Engine, root: Path, case: Case, sizing: Sizing, calls: Sequence[Mapping[str, Any]]
) -> tuple[int, int | None]:
    """Characters of every answer read (the misses whole, the last up to its first correct
    hit) and the number of the call that found a target (None: every call missed). A call's
    `offset: NEXT_PAGE` is the previous answer's next page (same arguments otherwise)."""
    total = 0
    previous: dict[str, Any] = {}
    following = 0
    for number, spec in enumerate(calls, 1):
        extra = dict(spec)
        if extra.get("offset") == NEXT_PAGE:
            extra = {**previous, **extra, "offset": following}
        chars, rank, following = read_answer(engine, root, case, sizing, extra)
        total += chars
        if rank is not None:
            return total, number
        previous = extra
    return total, None


# -- (b) grep, then read -----------------------------------------------------------------------


def query_words(query: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]*", query)
    return list(
        dict.fromkeys(w.lower() for w in words if len(w) >= 3 and w.lower() not in STOP_WORDS)
    )


class Grep:
    """The files of the index, in memory, searched as `rg -i` would."""

    def __init__(self, root: Path, paths: Sequence[str]) -> None:
        self.files: dict[str, str] = {}
        for path in sorted(paths):
            lines = read_lines(root, path)
            if lines is not None:
                self.files[path] = "\n".join(lines)
        self.lower = {p: t.lower() for p, t in self.files.items()}

    def reads(self, case: Case) -> tuple[int, bool, int | None]:
        words = query_words(case.query)
        ranked: list[tuple[int, int, str]] = []
        for path, text in self.lower.items():
            found = [w for w in words if w in text]
            if found:
                lines = sum(1 for line in text.split("\n") if any(w in line for w in found))
                ranked.append((-len(found), -lines, path))
        ranked.sort()
        listing = sum(len(path) + 1 for _, _, path in ranked)  # `rg -l` prints the paths
        targets = {p: last for p, _first, last in sorted(case.spans, key=lambda s: s[2])}
        read = listing
        for number, (_, _, path) in enumerate(ranked, 1):
            text = self.files[path]
            if path in targets:
                upto = "\n".join(text.split("\n")[: targets[path] + 1])
                return read + len(upto), True, number
            read += len(text)
        return read, False, None


# -- running -----------------------------------------------------------------------------------


def measure(engine: Engine, root: Path, cases: Sequence[Case], sizing: Sizing) -> list[Outcome]:
    (folder,) = engine.folders()
    grep = Grep(root, list(folder.catalog.live_files()))
    outcomes: list[Outcome] = []
    for case in cases:
        a_chars, rank = arama_reads(engine, root, case, sizing)
        g_chars, g_found, g_read = grep.reads(case)
        outcome = Outcome(case.id, a_chars, rank is not None, rank, g_chars, g_found, g_read)
        for name, calls in STRATEGIES.items():
            outcome.strategies[name] = strategy_reads(engine, root, case, sizing, calls)
        outcomes.append(outcome)
    return outcomes


def strategy_summary(outcomes: Sequence[Outcome], name: str) -> dict[str, Any]:
    """One strategy against grep-then-read: its success, and the characters both ways, over
    the queries both found (medians, totals) and over every query (means: a miss costs every
    call of the strategy, and grep's miss every file it read)."""
    n = len(outcomes)
    found = [o for o in outcomes if o.strategies[name][1] is not None]
    both = [o for o in found if o.grep_found]
    mine = [o.strategies[name][0] for o in both]
    grep = [o.grep_chars for o in both]
    a_med = float(statistics.median(mine)) if mine else 0.0
    g_med = float(statistics.median(grep)) if grep else 0.0
    a_mean = statistics.fmean(o.strategies[name][0] for o in outcomes) if n else 0.0
    g_mean = statistics.fmean(o.grep_chars for o in outcomes) if n else 0.0
    calls = [o.strategies[name][1] for o in found]
    # ... and grep when every call missed: grep's success by construction, at this mean cost.
    fallback = (
        statistics.fmean(
            o.strategies[name][0] + (0 if o.strategies[name][1] else o.grep_chars) for o in outcomes
        )
        if n
        else 0.0
    )
    return {
        "success": len(found) / n if n else 0.0,
        "mean_calls_when_found": statistics.fmean(c for c in calls if c) if calls else 0.0,
        "both_found": len(both),
        "median_tokens": a_med / CHARS_PER_TOKEN,
        "grep_median_tokens": g_med / CHARS_PER_TOKEN,
        "ratio_of_medians": g_med / a_med if a_med else None,
        "ratio_of_totals": sum(grep) / sum(mine) if sum(mine) else None,
        "mean_tokens_all": a_mean / CHARS_PER_TOKEN,
        "ratio_of_means_all": g_mean / a_mean if a_mean else None,
        "then_grep_mean_tokens": fallback / CHARS_PER_TOKEN,
        "then_grep_ratio_of_means": g_mean / fallback if fallback else None,
    }


def strategy_table(results: dict[str, dict[str, Any]]) -> str:
    header = (
        "set",
        "strategy",
        "ok",
        "grep ok",
        "calls (found)",
        "median tok",
        "grep median tok",
        "ratio (medians)",
        "ratio (totals)",
        "mean tok (all)",
        "ratio (means, all)",
        "+grep on a miss: mean tok",
        "ratio",
    )
    rows = [header]
    for set_name, s in results.items():
        for name, t in s["strategies"].items():
            rows.append(
                (
                    set_name,
                    name,
                    f"{t['success']:.0%}",
                    f"{s['grep_success']:.0%}",
                    f"{t['mean_calls_when_found']:.2f}",
                    f"{t['median_tokens']:,.0f}",
                    f"{t['grep_median_tokens']:,.0f}",
                    f"{t['ratio_of_medians']:.1f}x" if t["ratio_of_medians"] else "-",
                    f"{t['ratio_of_totals']:.1f}x" if t["ratio_of_totals"] else "-",
                    f"{t['mean_tokens_all']:,.0f}",
                    f"{t['ratio_of_means_all']:.1f}x" if t["ratio_of_means_all"] else "-",
                    f"{t['then_grep_mean_tokens']:,.0f}",
                    f"{t['then_grep_ratio_of_means']:.1f}x"
                    if t["then_grep_ratio_of_means"]
                    else "-",
                )
            )
    return _aligned(rows)


def _grep_cost(o: Outcome) -> int | None:
    """Characters grep-then-read reads to the target; None when its answer lacks it."""
    return o.grep_chars if o.grep_found else None


def _pages_cost(o: Outcome, *, then_grep: bool = False) -> int | None:
    """Characters `BUDGET_STRATEGY` reads to the target; with `then_grep`, an agent that greps
    after every call missed pays those calls and grep's reading."""
    chars, call = o.strategies[BUDGET_STRATEGY]
    if call is not None:
        return chars
    return chars + o.grep_chars if then_grep and o.grep_found else None


def budget_curve(outcomes: Sequence[Outcome]) -> dict[str, list[float]]:
    """The share of queries each reader finds within a per-query reading budget
    (`BUDGETS_TOKENS`). Success "at any cost" compares arama's few hundred tokens with a grep
    agent that reads every matching file (a median of ~100,000 tokens on the questions, more
    than many agents' whole context); at a fixed budget both read what an agent could."""
    n = len(outcomes)

    def within(costs: Iterable[int | None]) -> list[float]:
        found = [c for c in costs if c is not None]
        return [
            sum(1 for c in found if limit is None or c <= limit * CHARS_PER_TOKEN) / n if n else 0.0
            for limit in BUDGETS_TOKENS
        ]

    return {
        "grep": within(_grep_cost(o) for o in outcomes),
        "search": within(o.arama_chars if o.arama_found else None for o in outcomes),
        BUDGET_STRATEGY: within(_pages_cost(o) for o in outcomes),
        f"{BUDGET_STRATEGY}, then grep": within(_pages_cost(o, then_grep=True) for o in outcomes),
    }


def budget_table(results: dict[str, dict[str, Any]]) -> str:
    header = (
        "set",
        "reader",
        *(f"<={b // 1000}k tok" if b else "no limit" for b in BUDGETS_TOKENS),
    )
    rows = [header]
    for set_name, s in results.items():
        for reader, shares in s["budget_curve"].items():
            rows.append((set_name, reader, *(f"{share:.0%}" for share in shares)))
    return _aligned(rows)


def success_costs(outcomes: Sequence[Outcome]) -> dict[str, list[float | None]]:
    """The issue's "fewer characters at equal success", read at each success level: the
    per-query reading budget (tokens) a reader needs so that this share of the queries is found
    within it (None: the reader never gets there). The reader that searches arama, pages, then
    greps on a miss pays every arama call before grep's reading."""
    n = len(outcomes)

    def needed(costs: Iterable[int | None]) -> list[float | None]:
        ordered = sorted(c for c in costs if c is not None)
        out: list[float | None] = []
        for level in SUCCESS_LEVELS:
            count = max(1, math.ceil(level * n - 1e-9))
            out.append(ordered[count - 1] / CHARS_PER_TOKEN if count <= len(ordered) else None)
        return out

    return {
        "grep": needed(_grep_cost(o) for o in outcomes),
        f"{BUDGET_STRATEGY}, then grep": needed(_pages_cost(o, then_grep=True) for o in outcomes),
    }


def success_cost_table(results: dict[str, dict[str, Any]]) -> str:
    rows: list[Sequence[str]] = [
        ("set", "reader", *(f"{level:.0%} found" for level in SUCCESS_LEVELS))
    ]
    for set_name, s in results.items():
        costs = s["success_costs"]
        for reader, needed in costs.items():
            rows.append((set_name, reader, *(f"{c:,.0f}" if c else "never" for c in needed)))
        grep, mine = costs["grep"], costs[f"{BUDGET_STRATEGY}, then grep"]
        rows.append(
            (
                set_name,
                "ratio, grep / arama",
                *(f"{g / m:.1f}x" if g and m else "-" for g, m in zip(grep, mine, strict=True)),
            )
        )
    return _aligned(rows)


def _aligned(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    both = [o for o in outcomes if o.arama_found and o.grep_found]
    n = len(outcomes)

    def median(values: Sequence[int]) -> float:
        return float(statistics.median(values)) if values else 0.0

    a_med = median([o.arama_chars for o in both])
    g_med = median([o.grep_chars for o in both])
    a_sum = sum(o.arama_chars for o in both)
    g_sum = sum(o.grep_chars for o in both)
    return {
        "queries": n,
        "arama_success": sum(o.arama_found for o in outcomes) / n if n else 0.0,
        "grep_success": sum(o.grep_found for o in outcomes) / n if n else 0.0,
        "grep_success_within10": sum(
            1
            for o in outcomes
            if o.grep_files_read is not None and o.grep_files_read <= MAX_FILES_READ
        )
        / n
        if n
        else 0.0,
        "both_found": len(both),
        "arama_median_chars": a_med,
        "grep_median_chars": g_med,
        "arama_median_tokens": a_med / CHARS_PER_TOKEN,
        "grep_median_tokens": g_med / CHARS_PER_TOKEN,
        "ratio_of_medians": g_med / a_med if a_med else None,
        "ratio_of_totals": g_sum / a_sum if a_sum else None,
        "arama_mean_chars_all": statistics.fmean(o.arama_chars for o in outcomes) if n else 0.0,
        "grep_mean_chars_all": statistics.fmean(o.grep_chars for o in outcomes) if n else 0.0,
        # An agent that asks arama first and greps only when the answer misses: grep's success,
        # at the mean cost of both.
        "arama_then_grep_mean_chars": statistics.fmean(
            o.arama_chars + (0 if o.arama_found else o.grep_chars) for o in outcomes
        )
        if n
        else 0.0,
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    header = (
        "set",
        "queries",
        "arama ok",
        "grep ok",
        "grep ok<=10 files",
        "arama median tok",
        "grep median tok",
        "ratio (medians)",
        "ratio (totals)",
        "arama->grep mean tok",
        "grep mean tok",
        "ratio (means)",
    )
    rows = [header]
    for name, s in results.items():
        rows.append(
            (
                name,
                str(s["queries"]),
                f"{s['arama_success']:.0%}",
                f"{s['grep_success']:.0%}",
                f"{s['grep_success_within10']:.0%}",
                f"{s['arama_median_tokens']:,.0f}",
                f"{s['grep_median_tokens']:,.0f}",
                f"{s['ratio_of_medians']:.1f}x" if s["ratio_of_medians"] else "-",
                f"{s['ratio_of_totals']:.1f}x" if s["ratio_of_totals"] else "-",
                f"{s['arama_then_grep_mean_chars'] / CHARS_PER_TOKEN:,.0f}",
                f"{s['grep_mean_chars_all'] / CHARS_PER_TOKEN:,.0f}",
                f"{s['grep_mean_chars_all'] / s['arama_then_grep_mean_chars']:.1f}x"
                if s["arama_then_grep_mean_chars"]
                else "-",
            )
        )
    return _aligned(rows)


def open_engine(cache_dir: Path, root: Path, embedder: str) -> tuple[Engine, float]:
    """The index of `root` (the real model, or `bow`: quality.py's bag of words, for checking
    the plumbing in seconds; its numbers say nothing)."""
    started = time.perf_counter()
    stand_in = None
    if embedder == "bow":
        from quality import BagOfWordsEmbedder

        stand_in = BagOfWordsEmbedder()
    engine = Engine(EngineConfig(cache_dir=cache_dir, use_result_cache=False), embedder=stand_in)
    engine.add_folder(root)
    engine.start()
    engine.wait_idle()
    return engine, time.perf_counter() - started


def seed(cache_dir: Path, source: Path) -> None:
    """Copy another cache's embeddings and model exports (never its indexes) once."""
    for part in ("embeddings", "models"):
        if (source / part).is_dir() and not (cache_dir / part).exists():
            shutil.copytree(source / part, cache_dir / part)


def questions_root(bench: Path) -> Path:
    root = bench / "workspace-original"
    if not root.is_dir():
        from corpora import fetch_all
        from registry_quality import build_workspace

        fetched, _skipped = fetch_all(bench, None)
        build_workspace(fetched, root, strip=False)
    return root


def run_set(
    name: str, args: argparse.Namespace, sizing: Sizing
) -> tuple[dict[str, Any], list[Outcome]]:
    cache_dir: Path = args.cache_dir
    if name == "questions":
        root = questions_root(args.bench_dir)
        engine, seconds = open_engine(cache_dir, root, args.embedder)
        try:
            cases = question_cases(root, engine)
            outcomes = measure(engine, root, cases, sizing)
            status = engine.status()
        finally:
            engine.close()
    else:
        from quality import RELEASES, build_corpus

        with tempfile.TemporaryDirectory(prefix="arama-agent-tokens-") as tmp:
            root = Path(tmp) / "workspace"
            root.mkdir()
            build_corpus(root, RELEASES, args.bench_dir)
            engine, seconds = open_engine(cache_dir, root, args.embedder)
            try:
                cases = quality_cases(engine)
                outcomes = measure(engine, root, cases, sizing)
                status = engine.status()
            finally:
                engine.close()
    result = summary(outcomes)
    result["strategies"] = {name: strategy_summary(outcomes, name) for name in STRATEGIES}
    result["budget_curve"] = budget_curve(outcomes)
    result["success_costs"] = success_costs(outcomes)
    result.update(
        index_seconds=round(seconds, 1),
        files=status.files,
        chunks=status.chunks,
        embedded=status.cache.misses,
    )
    print(
        f"{name}: {status.files} files, {status.chunks} chunks, {status.cache.misses} texts "
        f"embedded, {seconds:.0f} s to index",
        file=sys.stderr,
    )
    return result, outcomes


def replay(saved: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The summaries of an earlier run, recomputed from its per-query outcomes (`--json`)."""
    results: dict[str, dict[str, Any]] = {}
    for set_name, rows in saved["queries"].items():
        outcomes = [
            Outcome(**{**row, "strategies": {k: tuple(v) for k, v in row["strategies"].items()}})
            for row in rows
        ]
        result = summary(outcomes)
        result["strategies"] = {
            name: strategy_summary(outcomes, name)
            for name in STRATEGIES
            if all(name in o.strategies for o in outcomes)
        }
        result["budget_curve"] = budget_curve(outcomes)
        result["success_costs"] = success_costs(outcomes)
        results[set_name] = result
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="questions,quality", help="questions, quality, or both")
    parser.add_argument("--bench-dir", type=Path, default=ARAMA_BENCH)
    parser.add_argument("--cache-dir", type=Path, default=ARAMA_BENCH / "agent-tokens")
    parser.add_argument("--seed-cache", type=Path, help="copy this arama cache's embeddings first")
    parser.add_argument("--budget", type=int, default=Sizing().budget_chars)
    parser.add_argument("--json", type=Path, help="write the summary and every query here")
    parser.add_argument("--embedder", choices=("model", "bow"), default="model")
    parser.add_argument(
        "--replay", type=Path, help="print the tables of an earlier --json run (nothing searched)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.replay:
        replayed = replay(json.loads(args.replay.read_text(encoding="utf-8")))
        print(table(replayed))
        print()
        print(strategy_table(replayed))
        print()
        print(budget_table(replayed))
        print()
        print(success_cost_table(replayed))
        return 0
    args.cache_dir = args.cache_dir.expanduser().resolve()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    if args.seed_cache:
        seed(args.cache_dir, args.seed_cache.expanduser())
    sizing = Sizing(budget_chars=args.budget)
    results: dict[str, dict[str, Any]] = {}
    per_query: dict[str, list[dict[str, Any]]] = {}
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        if name not in ("questions", "quality"):
            parser.error(f"unknown set {name!r}")
        results[name], outcomes = run_set(name, args, sizing)
        per_query[name] = [asdict(o) for o in outcomes]
    print(table(results))
    print()
    print(strategy_table(results))
    print()
    print(budget_table(results))
    print()
    print(success_cost_table(results))
    if args.json:
        args.json.write_text(
            json.dumps({"summary": results, "queries": per_query, "budget": args.budget}, indent=2),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
