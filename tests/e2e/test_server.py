"""The real server over stdio, the real bundled model, real SQLite/faiss/diskcache on disk."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

from conftest import FIXTURE_WORKSPACE
from e2e.lsp_session import command, lsp_server, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("e2e")
    workspace = base / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
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
    reports = [r for values in client.progress_reports.values() for r in values]
    kinds = [r.kind for r in reports]
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
    assert set(hit) == {
        "uri",
        "path",
        "range",
        "snippet",
        "score",
        "symbol",
        "symbolKind",
        "language",
        "lastModified",
        "size",
    }
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
