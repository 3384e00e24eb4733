"""`$/cancelRequest` and the search time budget, against the real server over stdio.

The server runs through `gated_server.py`: the real server, with the query vector held back
while a gate file exists, so "a search that is still running" does not depend on this machine's
speed.
"""

from __future__ import annotations

import asyncio
import shlex
import shutil
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from support.custom_session import start_session, stop_session
from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import command, isolated_env, wait_ready
from support.model_cache import seed_model

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

GATED_SERVER = Path(__file__).parents[1] / "support" / "gated_server.py"
BUDGET_MS = 600


class Gated:
    def __init__(self, base: Path) -> None:
        self.gate = base / "gate"
        self.log = base / "server.log"
        self.workspace = base / "workspace"
        self.client: LanguageClient | None = None

    def hold(self) -> None:
        self.gate.touch()

    def release(self) -> None:
        self.gate.unlink(missing_ok=True)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gated(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Gated]:
    base = tmp_path_factory.mktemp("cancel")
    state = Gated(base)
    shutil.copytree(FIXTURE_WORKSPACE, state.workspace)
    inner = [sys.executable, str(GATED_SERVER), str(state.gate), "--log-level", "INFO"]
    script = f"exec {shlex.join(inner)} 2>>{shlex.quote(str(state.log))}"
    (base / "home").mkdir()
    seed_model(base / "cache")
    state.client = await start_session(
        ["/bin/sh", "-c", script],
        isolated_env(base / "home"),
        [state.workspace],
        base / "cache",
        options={"searchBudgetMs": BUDGET_MS},
    )
    try:
        await wait_ready(state.client)
        yield state
    finally:
        state.release()
        await stop_session(state.client)


async def search(client: LanguageClient, **args: Any) -> dict[str, Any]:
    return await command(client, "arama.search", args)  # type: ignore[no-any-return]


async def test_a_search_past_its_budget_answers_with_what_it_has(gated: Gated) -> None:
    assert gated.client is not None
    gated.hold()
    try:
        started = time.perf_counter()
        answer = await search(gated.client, query="retry_request with exponential backoff")
        took = time.perf_counter() - started
        assert answer["partial"] is True
        assert BUDGET_MS / 1000 <= took < BUDGET_MS / 1000 + 2.0, took
        # The lexical and symbol channels had answered before the budget ran out.
        assert answer["results"][0]["symbol"] == "retry_request"
        semantic = await search(gated.client, query="swap rows and columns", mode="semantic")
        assert semantic["partial"] is True and semantic["results"] == []
    finally:
        gated.release()
    full = await search(gated.client, query="retry_request with exponential backoff")
    assert full["partial"] is False and full["cached"] is False
    semantic = await search(gated.client, query="swap rows and columns", mode="semantic")
    assert semantic["partial"] is False
    assert semantic["results"][0]["path"] == "src/matrix.rs"


async def test_cancel_request_stops_a_running_search(gated: Gated) -> None:
    client = gated.client
    assert client is not None
    gated.hold()
    try:
        params = types.ExecuteCommandParams(
            command="arama.search",
            arguments=[{"query": "look up a user by e-mail address", "mode": "semantic"}],
        )
        pending = asyncio.wrap_future(
            client.protocol.send_request(
                types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="cancel-me"
            )
        )
        await asyncio.sleep(0.3)  # well inside the budget: only a cancellation ends it early
        assert not pending.done(), "the search should still be waiting for its query vector"
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="cancel-me"))
        with pytest.raises(JsonRpcRequestCancelled):
            await asyncio.wait_for(pending, 5.0)
        # The search thread noticed too, while the query vector was still held back.
        deadline = time.monotonic() + 5.0
        while "search cancelled after" not in gated.log_text() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert "search cancelled after" in gated.log_text()
        status = await command(client, "arama.status")
        assert status["state"] == "ready"
    finally:
        gated.release()
    answer = await search(client, query="look up a user by e-mail address", mode="semantic")
    assert answer["partial"] is False
    assert answer["results"][0]["symbol"] == "findUserByEmail"
