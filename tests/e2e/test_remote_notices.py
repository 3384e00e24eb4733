"""The editor is told when the team cache fails and when it is back: the real language server
over stdio (pytest-lsp) with the real bundled model, against a real `redis-server` that the test
stops and starts again on the same port (tests/support/redis_server.py installs it if missing).

While the server is down, every new file is embedded locally and its lookups fail or are
skipped; the user reads one warning (in their language), not one per batch or per retry, and
one information message once the team cache answers again.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from arama.messages import text
from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import command, lsp_server, wait_ready
from support.redis_server import RedisServer

pytestmark = [pytest.mark.e2e]

LOCALE = "tr"
NOTICE_WAIT_S = 90.0


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, target)
    return target


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as started:
        yield started


def _team_messages(client: LanguageClient, url: str) -> list[types.ShowMessageParams]:
    return [m for m in client.messages if url in m.message]


def _new_file(workspace: Path, number: int) -> None:
    """A file no cache has seen: its texts are local misses, so they are asked of the remote."""
    workspace.joinpath(f"fresh_{number}.py").write_text(
        f"def fresh_function_{number}(value):\n"
        f'    """Scale value number {number} by a factor only this file uses."""\n'
        f"    return value * {number + 7}\n"
    )


async def _until(client: LanguageClient, url: str, count: int, workspace: Path, first: int) -> int:
    """Write a new file every 2 s until `count` team-cache messages arrived; the next number."""
    number = first
    deadline = time.monotonic() + NOTICE_WAIT_S
    while len(_team_messages(client, url)) < count:
        assert time.monotonic() < deadline, [m.message for m in client.messages]
        _new_file(workspace, number)
        number += 1
        await asyncio.sleep(2.0)
    return number


@pytest.mark.asyncio
async def test_one_warning_while_down_and_one_notice_when_back(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    url = server.url
    options = {"remoteCache": {"url": url, "mode": "read", "timeoutMs": 300}}
    async with lsp_server(
        [workspace], tmp_path / "cache", tmp_path / "home", options=options, locale=LOCALE
    ) as client:
        status = await wait_ready(client)
        assert status["remoteCache"]["state"] == "ok"
        assert _team_messages(client, url) == []  # a working team cache says nothing
        server.stop()
        number = await _until(client, url, 1, workspace, 0)
        # More files while it is down: more failed or skipped lookups, no more messages.
        for _ in range(3):
            _new_file(workspace, number)
            number += 1
            await asyncio.sleep(2.0)
        status = await command(client, "arama.status")
        remote = status["remoteCache"]
        assert remote["state"] == "backing-off" and remote["errors"] >= 1
        [warning] = _team_messages(client, url)
        assert warning.type == types.MessageType.Warning
        kinds = ("closed", "refused")  # the pooled connection drops, or the reconnect is refused
        assert warning.message in {
            text(
                "remote.notify.unavailable",
                LOCALE,
                url=url,
                fault=text(f"remote.fault.{k}", LOCALE),
            )
            for k in kinds
        }
        assert remote["reason"] in {text(f"remote.fault.{k}", LOCALE) for k in kinds}
        assert "Error" not in warning.message  # the client library's words stay in the log

        server.start()  # the same port: the team cache is back
        await _until(client, url, 2, workspace, number)
        notice = _team_messages(client, url)[1]
        assert notice.type == types.MessageType.Info
        assert notice.message == text("remote.notify.recovered", LOCALE, url=url)
        status = await wait_ready(client)
        assert status["remoteCache"]["state"] == "ok" and status["remoteCache"]["reason"] is None
        assert status["embeddedChunks"] == status["chunks"]  # nothing lost while it was down


@pytest.mark.asyncio
async def test_a_verification_mismatch_warns_once(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    """A poisoned entry (another text's valid vector) caught by `verifyFraction: 1.0`: the team
    cache is disabled for the session and the user is told once, in their language."""
    url = server.url
    push = {"remoteCache": {"url": url, "mode": "read-write", "timeoutMs": 5000}}
    async with lsp_server([workspace], tmp_path / "ci", tmp_path / "home", options=push) as ci:
        assert (await wait_ready(ci))["remoteCache"]["writes"] > 0
    client_ = server.client()
    keys = sorted(client_.keys("arama:*"))
    client_.set(keys[0], client_.get(keys[1]))
    read = {"remoteCache": {"url": url, "mode": "read", "verifyFraction": 1.0, "timeoutMs": 5000}}
    async with lsp_server(
        [workspace], tmp_path / "laptop", tmp_path / "home", options=read, locale=LOCALE
    ) as client:
        status = await wait_ready(client)
        assert status["remoteCache"]["state"] == "disabled"
        assert status["remoteCache"]["reason"] == text("remote.fault.mismatch", LOCALE)
        for number in range(3):  # more indexing after the mismatch: no more messages
            _new_file(workspace, number)
        await asyncio.sleep(4.0)
        await wait_ready(client)
        [warning] = _team_messages(client, url)
        assert warning.type == types.MessageType.Warning
        fault = text("remote.fault.mismatch", LOCALE)
        assert warning.message == text("remote.notify.disabled", LOCALE, url=url, fault=fault)
