"""The `arama.*` commands: arguments validated in the client's language, answers written by
`arama.contract` from the engine's typed records."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams

from arama.contract import WIRE_KEYS
from arama.lsp import commands
from arama.lsp.app import AramaServer
from arama.messages import text
from lsp.conftest import make_server
from support.fake_engine import ROOT, FakeEngine


async def test_search_validates_and_answers_in_the_contract_shape(
    ls: AramaServer, engine: FakeEngine
) -> None:
    answer = await commands.search(ls, {"query": "retry", "limit": 5, "paths": "src/**"})
    assert set(answer) == WIRE_KEYS["searchAnswer"]
    (result,) = answer["results"]
    assert set(result) == WIRE_KEYS["searchResult"]
    assert result["uri"] == (ROOT / "retry.py").as_uri()
    assert result["range"] == {
        "start": {"line": 3, "character": 0},
        "end": {"line": 5, "character": len("    return 'ğüşıöç'")},
    }
    assert result["lastModified"] == "2026-01-01T00:00:00Z"
    ((request, options),) = engine.called("search")
    assert (request.query, request.limit, request.filters.paths) == ("retry", 5, ("src/**",))
    assert callable(options["cancelled"])  # a withdrawn request reaches the search thread


@pytest.mark.parametrize(
    ("locale", "arguments", "expected"),
    [
        (
            "en",
            ({"query": "q", "limit": 500},),
            text("error.range", "en", field="limit", low=1, high=200),
        ),
        (
            "tr",
            ({"query": "q", "limit": 500},),
            text("error.range", "tr", field="limit", low=1, high=200),
        ),
        ("tr", ({},), text("error.required", "tr", field="query")),
        ("en", ({"query": "q", "limit": "5"},), "'limit' must be an integer."),
        ("en", (), text("error.arguments", "en")),
        ("en", ("query",), text("error.arguments", "en")),
    ],
)
async def test_bad_search_arguments_are_invalid_params_naming_the_field(
    engine: FakeEngine, locale: str, arguments: tuple[object, ...], expected: str
) -> None:
    ls = make_server(engine, locale)
    with pytest.raises(JsonRpcInvalidParams) as info:
        await commands.search(ls, *arguments)
    assert info.value.message == expected
    assert engine.called("search") == []  # refused before reaching the engine


async def test_status_before_the_engine_exists_has_the_same_shape(engine: FakeEngine) -> None:
    ls = make_server(None)
    ls.initial_roots = [ROOT]
    starting = await commands.status(ls)
    assert set(starting) == WIRE_KEYS["status"] - {"error", "remoteCache"}
    assert starting["state"] == "starting" and starting["workspaceFolders"] == [str(ROOT)]
    ls.engine_error = "Arama cannot use its cache directory /x: PermissionError"
    failed = await commands.status(ls)
    assert failed["error"] == ls.engine_error and set(failed) == WIRE_KEYS["status"] - {
        "remoteCache"
    }
    with pytest.raises(JsonRpcInternalError):  # every other command fails at once, saying why
        await commands.stats(ls)


async def test_status_stats_reindex_in_the_contract_shape(ls: AramaServer) -> None:
    status = await commands.status(ls)
    assert set(status) == WIRE_KEYS["status"] - {"error", "remoteCache"}
    assert status["embeddedChunks"] == 4 and status["updates"] == {"batches": 3, "paths": 7}
    assert set(status["cache"]) == WIRE_KEYS["statusCache"]
    stats = await commands.stats(ls, {})
    assert set(stats) == WIRE_KEYS["stats"] and stats["avgBytes"] == 150.0
    assert stats["languages"] == [{"language": "python", "files": 2}]
    assert await commands.reindex(ls) == {"queued": 2}
    with pytest.raises(JsonRpcInvalidParams):
        await commands.reindex(ls, 5)


async def test_context_refuses_files_outside_the_workspace_and_unindexed_ones(
    ls: AramaServer, engine: FakeEngine
) -> None:
    position = {"line": 4, "character": 2}
    answer = await commands.context(ls, {"uri": (ROOT / "retry.py").as_uri(), "position": position})
    assert set(answer) == WIRE_KEYS["contextAnswer"] and set(answer["focus"]) == WIRE_KEYS["focus"]
    assert engine.called("context") == [(ROOT / "retry.py", 4, 10)]
    with pytest.raises(JsonRpcInvalidParams) as outside:
        await commands.context(ls, {"uri": "file:///etc/passwd", "position": position})
    assert outside.value.message == text("error.uri", "en", field="uri")
    engine.fail_context = True
    with pytest.raises(JsonRpcInvalidParams) as missing:
        await commands.context(ls, {"uri": (ROOT / "new.py").as_uri(), "position": position})
    assert missing.value.message == text("error.not_indexed", "en")
    with pytest.raises(JsonRpcInvalidParams) as line:
        await commands.context(ls, {"uri": (ROOT / "a.py").as_uri(), "position": {}})
    assert line.value.message == text("error.required", "en", field="position.line")
