"""benchmarks/agent_tokens.py's two readers on the fixture workspace: what each counts, and that a
hit is recognised. In-process with the deterministic test embedder (support/embedder.py): the
numbers are the benchmark's plumbing, not its results."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.mcp.answers import Sizing
from support.embedder import BagOfWordsEmbedder

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import agent_tokens


@pytest.fixture
def engine(tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder) -> Iterator[Engine]:
    engine = Engine(EngineConfig(cache_dir=tmp_path / "cache"), embedder=embedder)
    engine.add_folder(workspace)
    engine.start()
    assert engine.wait_idle(60)
    yield engine
    engine.close()


def _span(workspace: Path, path: str, name: str) -> agent_tokens.Span:
    lines = (workspace / path).read_text().split("\n")
    first = next(i for i, line in enumerate(lines) if f"def {name}" in line)
    return (path, first, first + 5)


def test_query_words_drop_stop_words_and_short_ones() -> None:
    assert agent_tokens.query_words("Where are the retries of an HTTP request done?") == [
        "retries",
        "http",
        "request",
    ]


def test_grep_reads_the_listing_then_files_until_the_target(
    workspace: Path, engine: Engine
) -> None:
    (folder,) = engine.folders()
    grep = agent_tokens.Grep(workspace, list(folder.catalog.live_files()))
    case = agent_tokens.Case(
        "t", "retry request backoff", (_span(workspace, "retry.py", "retry_request"),)
    )
    chars, found, files_read = grep.reads(case)
    assert found and files_read == 1  # retry.py holds the most query words
    upto = "\n".join((workspace / "retry.py").read_text().split("\n")[: case.spans[0][2] + 1])
    words = agent_tokens.query_words(case.query)
    listing = sum(len(p) + 1 for p, text in grep.lower.items() if any(w in text for w in words))
    assert listing > len("retry.py") + 1  # other files mention "request" too
    assert chars == listing + len(upto)
    missing = agent_tokens.Case("m", "zzzqqq", (("retry.py", 0, 1),))
    assert grep.reads(missing)[1:] == (False, None)


def test_arama_reads_up_to_the_end_of_the_first_correct_hit(
    workspace: Path, engine: Engine
) -> None:
    case = agent_tokens.Case("t", "retry_request", (_span(workspace, "retry.py", "retry_request"),))
    chars, rank = agent_tokens.arama_reads(engine, workspace, case, Sizing())
    assert rank == 1
    assert 0 < chars < 1500  # the first entry only: its header and snippet
    miss = agent_tokens.Case("m", "retry_request", (("src/cart.ts", 10_000, 10_001),))
    whole, none = agent_tokens.arama_reads(engine, workspace, miss, Sizing())
    assert none is None and whole > chars


def test_summary_counts_success_and_ratios() -> None:
    outcomes = [
        agent_tokens.Outcome("a", 100, True, 1, 10_000, True, 3),
        agent_tokens.Outcome("b", 200, True, 2, 30_000, True, 12),
        agent_tokens.Outcome("c", 900, False, None, 50_000, True, 2),
    ]
    s = agent_tokens.summary(outcomes)
    assert s["arama_success"] == pytest.approx(2 / 3) and s["grep_success"] == 1.0
    assert s["grep_success_within10"] == pytest.approx(2 / 3)
    assert s["ratio_of_medians"] == pytest.approx(20_000 / 150)
    assert s["arama_then_grep_mean_chars"] == pytest.approx((100 + 200 + 900 + 50_000) / 3)


def test_a_strategy_pays_every_call_until_one_holds_a_target(
    workspace: Path, engine: Engine
) -> None:
    target = (_span(workspace, "retry.py", "retry_request"),)
    case = agent_tokens.Case("t", "retry_request", target)
    first, rank = agent_tokens.arama_reads(engine, workspace, case, Sizing())
    assert rank is not None
    # Found by the first call: the second is never made.
    assert agent_tokens.strategy_reads(
        engine, workspace, case, Sizing(), [{}, {"mode": "lexical"}]
    ) == (first, 1)
    # Found by no call: every answer is paid whole.
    miss = agent_tokens.Case("m", "retry_request", (("src/cart.ts", 10_000, 10_001),))
    whole_1, _ = agent_tokens.arama_reads(engine, workspace, miss, Sizing())
    whole_2, _ = agent_tokens.arama_reads(engine, workspace, miss, Sizing(), {"limit": 50})
    assert agent_tokens.strategy_reads(engine, workspace, miss, Sizing(), [{}, {"limit": 50}]) == (
        whole_1 + whole_2,
        None,
    )
    # Missed by the first call, found by the second: the first whole, the second up to the hit.
    semantic_miss = agent_tokens.Case(
        "s", "zzqq retry_request", target
    )  # a made-up word: lexical still matches the name
    chars, call = agent_tokens.strategy_reads(
        engine, workspace, semantic_miss, Sizing(), [{"paths": ["src/**"]}, {"mode": "lexical"}]
    )
    paid_first, found_first = agent_tokens.arama_reads(
        engine, workspace, semantic_miss, Sizing(), {"paths": ["src/**"]}
    )
    paid_second, _ = agent_tokens.arama_reads(
        engine, workspace, semantic_miss, Sizing(), {"mode": "lexical"}
    )
    assert found_first is None and call == 2 and chars == paid_first + paid_second


def test_strategy_summary_counts_all_calls_and_the_grep_fallback() -> None:
    outcomes = [
        agent_tokens.Outcome("a", 100, True, 1, 10_000, True, 3, {"s": (100, 1)}),
        agent_tokens.Outcome("b", 900, False, None, 30_000, True, 12, {"s": (1_100, 2)}),
        agent_tokens.Outcome("c", 900, False, None, 50_000, True, 2, {"s": (1_500, None)}),
    ]
    s = agent_tokens.strategy_summary(outcomes, "s")
    assert s["success"] == pytest.approx(2 / 3) and s["both_found"] == 2
    assert s["mean_calls_when_found"] == pytest.approx(1.5)
    assert s["ratio_of_totals"] == pytest.approx(40_000 / 1_200)
    assert s["mean_tokens_all"] == pytest.approx((100 + 1_100 + 1_500) / 3 / 4)
    assert s["then_grep_mean_tokens"] == pytest.approx((100 + 1_100 + 1_500 + 50_000) / 3 / 4)
    assert s["then_grep_ratio_of_means"] == pytest.approx(90_000 / (100 + 1_100 + 51_500))


def test_the_next_page_continues_the_previous_call(workspace: Path, engine: Engine) -> None:
    from arama.arguments import parse_search

    hits = engine.search(parse_search({"query": "function", "limit": 5})).hits
    second = hits[1].chunk
    case = agent_tokens.Case("p", "function", ((second.path, second.start_line, second.end_line),))
    chars, call = agent_tokens.strategy_reads(
        engine, workspace, case, Sizing(), [{"limit": 1}, {"offset": agent_tokens.NEXT_PAGE}]
    )
    first_page, missed, following = agent_tokens.read_answer(
        engine, workspace, case, Sizing(), {"limit": 1}
    )
    assert missed is None and following == 1
    page, rank, _ = agent_tokens.read_answer(
        engine, workspace, case, Sizing(), {"limit": 1, "offset": 1}
    )
    assert rank == 2  # ranks count from the first page
    assert (chars, call) == (first_page + page, 2)


def test_the_budget_table_counts_what_each_reader_finds_within_a_budget() -> None:
    """Pure arithmetic over made-up outcomes: a reader finds a query within a budget when its
    characters to the target (every call, a miss included before grep) fit in it."""

    def outcome(arama: int | None, strategy: int | None, grep: int | None) -> agent_tokens.Outcome:
        calls = {agent_tokens.BUDGET_STRATEGY: (strategy or 9_000, 1 if strategy else None)}
        return agent_tokens.Outcome(
            "q", arama or 3_000, arama is not None, 1 if arama else None, grep or 0,
            grep is not None, 1 if grep else None, calls,
        )  # fmt: skip

    outcomes = [
        outcome(400, 400, 900_000),  # arama at once; grep reads ~225k tokens
        outcome(None, 7_000, 30_000),  # the second page; grep ~7.5k tokens
        outcome(None, None, 1_000_000),  # only grep, after every arama call missed
    ]
    curve = agent_tokens.budget_curve(outcomes)
    at = {b: i for i, b in enumerate(agent_tokens.BUDGETS_TOKENS)}
    assert curve["search"][at[1_000]] == pytest.approx(1 / 3)
    assert curve[agent_tokens.BUDGET_STRATEGY][at[1_000]] == pytest.approx(1 / 3)
    assert curve[agent_tokens.BUDGET_STRATEGY][at[2_000]] == pytest.approx(2 / 3)
    assert curve["grep"][at[5_000]] == 0.0
    assert curve["grep"][at[10_000]] == pytest.approx(1 / 3)
    assert curve["grep"][at[None]] == 1.0
    then_grep = curve[f"{agent_tokens.BUDGET_STRATEGY}, then grep"]
    assert then_grep[at[200_000]] == pytest.approx(2 / 3)  # 9,000 + 1,000,000 chars is over
    assert then_grep[at[None]] == 1.0
    table = agent_tokens.budget_table({"set": {"budget_curve": curve}})
    assert "no limit" in table and "33%" in table

    # The budget each reader needs for a share of the queries: half of three is two found.
    costs = agent_tokens.success_costs(outcomes)
    level = {share: i for i, share in enumerate(agent_tokens.SUCCESS_LEVELS)}
    mine = costs[f"{agent_tokens.BUDGET_STRATEGY}, then grep"]
    assert costs["grep"][level[0.5]] == 225_000  # 900,000 characters / 4
    assert mine[level[0.5]] == 1_750  # the second page, 7,000 characters
    assert (costs["grep"][level[1.0]], mine[level[1.0]]) == (250_000, 252_250)
    assert "128.6x" in agent_tokens.success_cost_table({"set": {"success_costs": costs}})
