"""The real server over stdio, the real bundled model, real SQLite/faiss/diskcache on disk."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import RESULT_KEYS, command, lsp_server, wait_ready
from support.model_cache import seed_model

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("e2e")
    workspace = base / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    seed_model(base / "cache")
    return {"workspace": workspace, "cache": base / "cache", "home": base / "home"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(dirs: dict[str, Path]) -> AsyncIterator[LanguageClient]:
    async with lsp_server([dirs["workspace"]], dirs["cache"], dirs["home"]) as client:
        await wait_ready(client)
        yield client


async def search(client: LanguageClient, **args: Any) -> dict[str, Any]:
    return await command(client, "arama.search", args)  # type: ignore[no-any-return]


QUERIES = [
    ("retry a failed request with exponential backoff", "retry.py", "retry_request"),
    ("total price of the items in a shopping cart after a discount", "src/cart.ts", "totalPrice"),
    ("split an HTTP header line into its name and value", "server/http.go", "ParseHeaderLine"),
    ("swap the rows and columns of a matrix", "src/matrix.rs", "transpose"),
    ("look up a user by e-mail address", "lib/UserRepository.java", "findUserByEmail"),
    ("wait until the user stops typing before calling a function", "utils/debounce.js", "debounce"),
    ("read settings from a key value config file", "retry.py", "load_settings"),
]


async def test_initialize_is_fast_and_progress_is_reported(client: LanguageClient) -> None:
    assert client.initialize_seconds < 2.0  # type: ignore[attr-defined]
    # "ready" can reach the client just before the bar's end when the index is this small.
    for _ in range(50):
        reports = [r for values in client.progress_reports.values() for r in values]
        kinds = [r.kind for r in reports]
        if "end" in kinds:
            break
        await asyncio.sleep(0.1)
    assert "begin" in kinds and "end" in kinds
    begin = next(r for r in reports if r.kind == "begin")
    assert begin.title == "Arama: indexing workspace"


async def test_status_after_indexing(client: LanguageClient, dirs: dict[str, Path]) -> None:
    status = await command(client, "arama.status")
    assert status["state"] == "ready"
    assert status["files"] == 9  # the 8 source files and the fixture's .gitignore
    assert status["embeddedChunks"] == status["chunks"] > 8
    assert status["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert status["workspaceFolders"] == [str(dirs["workspace"])]
    assert Path(status["cache"]["path"]).is_relative_to(dirs["cache"])


@pytest.mark.parametrize(("query", "path", "symbol"), QUERIES)
async def test_natural_language_queries_find_their_target(
    client: LanguageClient, query: str, path: str, symbol: str
) -> None:
    for mode in ("semantic", "hybrid"):
        answer = await search(client, query=query, limit=3, mode=mode)
        top = [(r["path"], r["symbol"]) for r in answer["results"]]
        assert (path, symbol) in top, f"{mode}: {query!r} -> {top}"


async def test_turkish_query_and_file_name(client: LanguageClient, dirs: dict[str, Path]) -> None:
    answer = await search(client, query="dosyadaki kelimeleri sayan işlev", limit=3)
    top = answer["results"][0]
    assert top["path"] == "çalışma_dosyası.py"
    assert top["symbol"] == "dosyayı_oku"
    assert top["uri"] == (dirs["workspace"] / "çalışma_dosyası.py").as_uri()


async def test_result_shape_matches_the_contract(client: LanguageClient) -> None:
    answer = await search(client, query="transpose", limit=1)
    assert set(answer) >= {"results", "total", "tookMs", "indexing", "cached"}
    assert answer["indexing"] is False
    hit = answer["results"][0]
    assert set(hit) == RESULT_KEYS
    assert hit["language"] == "rust" and hit["symbolKind"] == 6  # Method
    assert "transpose" in hit["snippet"]
    assert hit["range"]["start"]["line"] < hit["range"]["end"]["line"]


async def test_lexical_mode_and_paging(client: LanguageClient) -> None:
    answer = await search(client, query="ParseHeaderLine", mode="lexical", limit=1)
    assert answer["results"][0]["symbol"] == "ParseHeaderLine"
    page2 = await search(client, query="function", limit=2, offset=2)
    assert page2["total"] >= len(page2["results"])


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ([{}], "query"),
        ([{"query": ""}], "query"),
        ([{"query": 7}], "query"),
        ([{"query": "x", "limit": 0}], "limit"),
        ([{"query": "x", "limit": 1000}], "limit"),
        ([{"query": "x", "mode": "psychic"}], "mode"),
        ([{"query": "x", "offset": -5}], "offset"),
        (["just a string"], "JSON object"),
        ([], "JSON object"),
    ],
)
async def test_bad_arguments_are_invalid_params(
    client: LanguageClient, arguments: list[Any], field: str
) -> None:
    with pytest.raises(JsonRpcInvalidParams) as info:
        await command(client, "arama.search", *arguments)
    assert info.value.code == -32602
    assert field in info.value.message
    status = await command(client, "arama.status")
    assert status["state"] == "ready"  # still alive and answering


async def test_reindex_is_cheap(client: LanguageClient) -> None:
    before = await command(client, "arama.status")
    queued = await command(client, "arama.reindex")
    assert queued["queued"] == 9
    after = await wait_ready(client)
    assert after["cache"]["misses"] == before["cache"]["misses"]


async def test_same_search_twice_is_served_from_the_result_cache(client: LanguageClient) -> None:
    first = await search(client, query="Matrix   transpose", limit=5)
    second = await search(client, query="matrix transpose", limit=5)
    assert second["cached"] is True
    assert second["results"] == first["results"]


async def test_workspace_symbol_by_name_and_by_meaning(client: LanguageClient) -> None:
    exact = await client.workspace_symbol_async(
        types.WorkspaceSymbolParams(query="findUserByEmail")
    )
    assert exact, "no symbols"
    top = exact[0]
    # On the wire a WorkspaceSymbol with a full location; the client library may decode it as
    # the equivalent SymbolInformation.
    assert isinstance(top, types.WorkspaceSymbol | types.SymbolInformation)
    assert (top.name, top.container_name) == ("findUserByEmail", "UserRepository")
    assert top.kind == types.SymbolKind.Method
    assert isinstance(top.location, types.Location)
    assert top.location.uri.endswith("lib/UserRepository.java")

    fuzzy = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="retReq"))
    assert fuzzy and fuzzy[0].name == "retry_request"

    meaning = await client.workspace_symbol_async(
        types.WorkspaceSymbolParams(query="retry with backoff")
    )
    assert "retry_request" in [s.name for s in meaning[:3]]

    everything = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query=""))
    assert 0 < len(everything) <= 100


async def test_context_at_the_cursor(client: LanguageClient, dirs: dict[str, Path]) -> None:
    uri = (dirs["workspace"] / "retry.py").as_uri()
    lines = (dirs["workspace"] / "retry.py").read_text().splitlines()
    line = next(i for i, text in enumerate(lines) if "except TransientError" in text)
    answer = await command(
        client, "arama.context", {"uri": uri, "position": {"line": line, "character": 8}}
    )
    assert answer["focus"]["symbol"] == "retry_request"
    related = [(r["path"], r["symbol"]) for r in answer["related"]]
    assert ("retry.py", "retry_request") not in related
    assert ("retry.py", "TransientError") in related  # a definition the focus uses
    assert len(related) <= 10


@pytest.mark.parametrize(
    ("argument", "needle"),
    [
        ({"position": {"line": 0, "character": 0}}, "uri"),
        ({"uri": "https://example.com/x.py", "position": {"line": 0}}, "uri"),
        ({"uri": "file:///etc/passwd", "position": {"line": 0, "character": 0}}, "uri"),
        ({"uri": "file:///tmp/x.py"}, "position"),
        ({"uri": "file:///tmp/x.py", "position": {"line": -1}}, "line"),
    ],
)
async def test_context_rejects_bad_arguments(
    client: LanguageClient, argument: dict[str, Any], needle: str
) -> None:
    with pytest.raises(JsonRpcInvalidParams) as info:
        await command(client, "arama.context", argument)
    assert needle in info.value.message


async def test_stats(client: LanguageClient) -> None:
    await search(client, query="transpose a matrix")
    await search(client, query="transpose a matrix")
    stats = await command(client, "arama.stats")
    assert stats["files"] == 9
    assert stats["totalBytes"] > 1000
    assert stats["avgBytes"] == pytest.approx(stats["totalBytes"] / 9, rel=0.01)
    assert stats["recentFiles7d"] == 9
    languages = {item["language"]: item["files"] for item in stats["languages"]}
    assert languages["python"] == 2 and languages["typescript"] == 1
    queries = {item["query"]: item["count"] for item in stats["popularQueries"]}
    assert queries["transpose a matrix"] >= 2
