"""Every search filter of the contract, over LSP against the real server and model.

Each filter is checked both ways: what it keeps satisfies it, and the unfiltered answer to the
same query holds results it removed (so a filter that does nothing fails).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from pytest_lsp import LanguageClient

from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import command, lsp_server, wait_ready
from support.model_cache import seed_model

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

OLD = datetime(2020, 1, 15, tzinfo=UTC)
OLD_FILES = ("retry.py", "src/matrix.rs", "utils/debounce.js")
QUERY = "function that returns a value"  # something in every language of the fixture


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LanguageClient]:
    base = tmp_path_factory.mktemp("filters")
    workspace = base / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    (workspace / "tests").mkdir()
    (workspace / "tests" / "test_retry.py").write_text(
        "def test_retry_request_returns_a_value():\n    assert retry_request('u') is not None\n"
    )
    body = "\n".join(f"    step_{n} = transpose_helper({n})" for n in range(90))
    (workspace / "long.py").write_text(f"def very_long_transpose():\n{body}\n    return 1\n")
    old_ns = int(OLD.timestamp() * 1e9)
    for rel in OLD_FILES:
        os.utime(workspace / rel, ns=(old_ns, old_ns))
    seed_model(base / "cache")
    async with lsp_server([workspace], base / "cache", base / "home") as client:
        await wait_ready(client)
        yield client


async def search(client: LanguageClient, **args: Any) -> dict[str, Any]:
    return await command(client, "arama.search", {"query": QUERY, "limit": 200, **args})  # type: ignore[no-any-return]


def paths(answer: dict[str, Any]) -> set[str]:
    return {r["path"] for r in answer["results"]}


async def test_everything_is_searchable_unfiltered(client: LanguageClient) -> None:
    everything = await search(client)
    assert len(paths(everything)) >= 7
    assert everything["total"] == len(everything["results"])


async def test_paths_and_exclude_globs(client: LanguageClient) -> None:
    everything = paths(await search(client))
    only_src = paths(await search(client, paths=["src/**"]))
    assert only_src and all(p.startswith("src/") for p in only_src)
    assert everything - only_src  # something was left out
    two = paths(await search(client, paths=["src/*.rs", "*.py"]))
    assert two and all(p.endswith((".rs", ".py")) for p in two)
    no_src = paths(await search(client, exclude=["src/"]))
    assert no_src and not any(p.startswith("src/") for p in no_src)
    assert no_src | only_src == everything
    narrowed = paths(await search(client, paths=["src/**"], exclude=["*.ts"]))
    assert narrowed == {p for p in only_src if not p.endswith(".ts")}


async def test_languages(client: LanguageClient) -> None:
    answer = await search(client, languages=["go", "java"])
    assert {r["language"] for r in answer["results"]} == {"go", "java"}
    assert paths(answer) == {"server/http.go", "lib/UserRepository.java"}


async def test_modified_after_and_before(client: LanguageClient) -> None:
    cut = "2021-01-01T00:00:00Z"
    recent = await search(client, modifiedAfter=cut)
    old = await search(client, modifiedBefore=cut)
    assert paths(old) == set(OLD_FILES)
    assert paths(recent) and not paths(recent) & set(OLD_FILES)
    for hit in old["results"]:
        assert hit["lastModified"].startswith("2020-01-15")
    window = await search(
        client, modifiedAfter="2020-01-01T00:00:00Z", modifiedBefore="2020-02-01T00:00:00Z"
    )
    assert paths(window) == set(OLD_FILES)
    assert (await search(client, modifiedAfter="2100-01-01T00:00:00Z"))["results"] == []


async def test_min_and_max_size(client: LanguageClient) -> None:
    everything = (await search(client))["results"]
    sizes = sorted({r["size"] for r in everything})
    middle = sizes[len(sizes) // 2]
    small = (await search(client, maxSize=middle))["results"]
    large = (await search(client, minSize=middle + 1))["results"]
    assert small and large
    assert all(r["size"] <= middle for r in small)
    assert all(r["size"] > middle for r in large)
    assert {r["path"] for r in small} | {r["path"] for r in large} == paths({"results": everything})


async def test_min_score(client: LanguageClient) -> None:
    everything = (await search(client, mode="semantic"))["results"]
    scores = [r["score"] for r in everything]
    threshold = sorted(scores)[len(scores) // 2]
    kept = (await search(client, mode="semantic", minScore=threshold))["results"]
    assert kept and len(kept) < len(everything)
    assert all(r["score"] >= threshold for r in kept)


async def test_offset_limit_and_total(client: LanguageClient) -> None:
    full = await search(client, languages=["python", "rust", "typescript"])
    assert full["total"] >= 4
    seen: list[str] = []
    for offset in range(0, full["total"], 2):
        page = await search(
            client, languages=["python", "rust", "typescript"], offset=offset, limit=2
        )
        assert page["total"] == full["total"]
        seen += [f"{r['path']}:{r['range']['start']['line']}" for r in page["results"]]
    assert seen == [f"{r['path']}:{r['range']['start']['line']}" for r in full["results"]]
    past = await search(client, offset=full["total"] + 50, limit=5)
    assert past["results"] == [] and past["total"] > 0


async def test_filters_combine(client: LanguageClient) -> None:
    answer = await search(
        client,
        paths=["**/*.py", "src/**"],
        exclude=["çalışma_dosyası.py"],
        languages=["python", "rust"],
        modifiedBefore="2021-01-01T00:00:00Z",
    )
    assert paths(answer) == {"retry.py", "src/matrix.rs"}


async def test_version_2_kinds_content_and_expand(client: LanguageClient) -> None:
    everything = await search(client)
    functions = await search(client, kinds=["function"])
    kinds = {r["symbolKind"] for r in functions["results"]}
    assert kinds == {12} and {r["symbolKind"] for r in everything["results"]} - kinds
    assert all(isinstance(r["similar"], int) for r in everything["results"])
    tests = paths(await search(client, content="tests"))
    assert tests == {"tests/test_retry.py"}
    code = paths(await search(client, content=["code"]))
    assert "tests/test_retry.py" not in code and "README.md" not in code
    assert paths(everything) - code  # the filter removed something
    docs = paths(await search(client, content="docs"))
    assert docs == {"README.md"}
    lookup = {"query": "very_long_transpose", "mode": "lexical", "limit": 1}
    (piece,) = (await command(client, "arama.search", lookup))["results"]
    (whole,) = (await command(client, "arama.search", {**lookup, "expand": True}))["results"]
    assert piece["symbol"] == whole["symbol"] == "very_long_transpose"
    assert whole["range"]["start"]["line"] == 0 and whole["range"]["end"]["line"] == 91
    assert piece["range"]["end"]["line"] - piece["range"]["start"]["line"] < 40
