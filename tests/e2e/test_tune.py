"""`arama.tune` over LSP against the real server and the real bundled model: bad arguments are
InvalidParams, a run reports progress and answers with the numbers, a kept tuning shows in
`arama.status` and a reset forgets it; and a second run while one runs is refused."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pytest_lsp import LanguageClient

from support.lsp_session import command, lsp_server, wait_ready
from support.model_cache import seed_model

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

TOPICS = [
    ("parse", "header line", "split the raw line at the first colon"),
    ("merge", "sorted lists", "walk both lists and keep the smaller head"),
    ("retry", "failed request", "sleep with exponential backoff between attempts"),
    ("cache", "computed value", "store the result under the arguments"),
    ("format", "file size", "turn bytes into kilobytes or megabytes"),
    ("escape", "html text", "replace angle brackets and ampersands"),
    ("hash", "file contents", "read the file in blocks and digest them"),
    ("clamp", "number range", "keep a value between a low and a high bound"),
]


def _module(topic: int) -> str:
    verb, noun, how = TOPICS[topic]
    functions = []
    for i in range(12):
        name = f"{verb}_{noun.replace(' ', '_')}_{i}"
        functions.append(
            textwrap.dedent(
                f'''
                def {name}(value, option={i}):
                    """{verb.capitalize()} the {noun} for case {i}: {how}."""
                    first = value[:option]
                    rest = value[option:]
                    return first + rest
                '''
            )
        )
    return "\n".join(functions)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LanguageClient]:
    base = tmp_path_factory.mktemp("tune")
    workspace = base / "workspace"
    (workspace / "pkg").mkdir(parents=True)
    for topic in range(len(TOPICS)):
        (workspace / "pkg" / f"{TOPICS[topic][0]}.py").write_text(_module(topic))
    (workspace / "questions.tsv").write_text(
        "how are two sorted lists combined\tpkg/merge.py\nwhere do we wait between retries\tpkg/retry.py\n"
    )
    seed_model(base / "cache")
    async with lsp_server([workspace], base / "cache", base / "home") as client:
        await wait_ready(client)
        client.workspace_root = workspace  # type: ignore[attr-defined]
        yield client


@pytest.mark.parametrize(
    "arguments",
    [
        {"minutes": 0},
        {"minutes": "two"},
        {"reset": "yes"},
        {"folder": "file:///elsewhere"},
        {"queries": "file:///etc/passwd"},
    ],
)
async def test_bad_arguments_are_invalid_params(
    client: LanguageClient, arguments: dict[str, object]
) -> None:
    with pytest.raises(JsonRpcInvalidParams):
        await command(client, "arama.tune", arguments)


async def test_a_run_answers_with_its_numbers_and_status_follows(client: LanguageClient) -> None:
    workspace: Path = client.workspace_root  # type: ignore[attr-defined]
    before = sorted(p.relative_to(workspace) for p in workspace.rglob("*"))
    queries = (workspace / "questions.tsv").as_uri()
    running = asyncio.ensure_future(
        command(client, "arama.tune", {"minutes": 0.05, "queries": queries})
    )
    await asyncio.sleep(0.5)
    with pytest.raises(JsonRpcException) as busy:
        await command(client, "arama.tune", {"minutes": 0.2})
    assert busy.value.code == -32803 and "already" in busy.value.message
    search = await command(client, "arama.search", {"query": "merge sorted lists"})
    assert search["results"]  # searches are served while it runs
    answer = await asyncio.wait_for(running, 600)
    assert answer["heldOut"]["queries"] > 0 and answer["questions"]["queries"] == 2
    assert answer["pairs"]["doc"] + answer["pairs"]["name"] >= 100
    assert answer["message"]
    reports = [r for values in client.progress_reports.values() for r in values]
    assert any("Training on" in str(getattr(r, "message", "")) for r in reports)
    await asyncio.sleep(1.2)  # the server looks at the adapter file at most once a second
    status = await command(client, "arama.status")
    assert (str(workspace) in status["tunedFolders"]) == answer["kept"]
    assert sorted(p.relative_to(workspace) for p in workspace.rglob("*")) == before
    reset = await command(client, "arama.tune", {"reset": True})
    assert reset == {"folder": str(workspace), "reset": answer["kept"]}
    await asyncio.sleep(1.2)
    assert (await command(client, "arama.status"))["tunedFolders"] == []
