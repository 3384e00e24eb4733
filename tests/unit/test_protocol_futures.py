"""The protocol forgets every finished call: no answer stays behind in `_request_futures`.

pygls 2.1 runs `workspace/executeCommand` (a generator handler) by filing the command's own
coroutine under a fresh uuid in the protocol's table of pending futures, and nothing took it out
again: the soak saw the server grow by each `arama.search` answer it ever gave. These tests drive
arama's real protocol class in-process (a fresh `AramaServer` with test commands, answers
written to a list), with no engine: the bookkeeping is the whole subject.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from arama.engine.records import Progress
from arama.lsp.app import AramaServer


class Sink:
    """The protocol's writer: the answers, decoded."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.messages.append(json.loads(data.decode("utf-8")))

    def close(self) -> None:
        pass


def _server() -> tuple[AramaServer, Sink]:
    ls = AramaServer()
    sink = Sink()
    ls.protocol.set_writer(sink, include_headers=False)

    @ls.command("test.answer")
    async def answer(_ls: AramaServer, *args: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"text": "x" * 10_000, "args": list(args)}

    @ls.command("test.slow")
    async def slow(_ls: AramaServer, *args: Any) -> dict[str, Any]:
        await asyncio.sleep(0.3)
        return {}

    return ls, sink


def _receive(ls: AramaServer, message: dict[str, Any]) -> None:
    """A message as it arrives: decoded by the protocol, then handled."""
    ls.protocol.handle_message(ls.protocol.structure_message({"jsonrpc": "2.0", **message}))


def _execute(ls: AramaServer, msg_id: int, command: str) -> None:
    params = {"command": command, "arguments": [msg_id]}
    _receive(ls, {"id": msg_id, "method": "workspace/executeCommand", "params": params})


async def _settle(sink: Sink, answers: int) -> None:
    for _ in range(200):
        if len([m for m in sink.messages if "id" in m]) >= answers:
            return
        await asyncio.sleep(0.01)


async def test_answered_commands_leave_no_futures_behind() -> None:
    ls, sink = _server()
    for msg_id in range(1, 51):
        _execute(ls, msg_id, "test.answer")
    await _settle(sink, 50)
    await asyncio.sleep(0.05)
    answered = {m["id"]: m for m in sink.messages if "id" in m}
    assert sorted(answered) == list(range(1, 51))
    assert answered[7]["result"]["args"] == [7]
    assert ls.protocol._request_futures == {}


async def test_a_cancelled_command_is_forgotten_when_its_work_ends() -> None:
    ls, sink = _server()
    _execute(ls, 1, "test.slow")
    await asyncio.sleep(0.05)
    assert 1 in ls.protocol._request_futures  # the request itself, for `$/cancelRequest`
    _receive(ls, {"method": "$/cancelRequest", "params": {"id": 1}})
    await asyncio.sleep(0.6)  # the command's own coroutine runs to its end, unanswered
    assert ls.protocol._request_futures == {}
    assert next(m for m in sink.messages if m.get("id") == 1)["error"]["code"] == -32800


async def test_a_finished_progress_leaves_nothing_behind() -> None:
    """Each indexing round (a save) is a work-done progress: created by a request to the
    client, begun, reported, ended. Once ended, neither its token nor the request that created
    it is remembered."""
    ls, sink = _server()
    capabilities = {"window": {"workDoneProgress": True}}
    _receive(ls, {"id": 1, "method": "initialize", "params": {"capabilities": capabilities}})
    await _settle(sink, 1)
    for round_ in range(3):
        ls.indexing_progress._on_progress(Progress("scanning", 1, 4))
        create = None
        for _ in range(100):
            requests = [
                m for m in sink.messages if m.get("method") == "window/workDoneProgress/create"
            ]
            if len(requests) > round_:
                create = requests[round_]
                break
            await asyncio.sleep(0.01)
        assert create is not None
        _receive(ls, {"id": create["id"], "result": None})  # the client accepts the token
        await asyncio.sleep(0.05)
        ls.indexing_progress._on_progress(Progress("idle", 0, 0, files=3, chunks=9))
        await asyncio.sleep(0.01)
    kinds = [m["params"]["value"]["kind"] for m in sink.messages if m.get("method") == "$/progress"]
    assert kinds.count("begin") == kinds.count("end") == 3
    assert ls.work_done_progress.tokens == {}
    assert ls.protocol._request_futures == {}
