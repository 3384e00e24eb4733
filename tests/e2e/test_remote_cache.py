"""The team-shared cache end to end: the installed `arama index --push` (the CI job) and the real
language server over stdio (the editors), with the real bundled model, against a real
`redis-server` on loopback (tests/support/redis_server.py installs it when missing).

Two laptops on one workspace: CI pushes from its own cache directory; an editor with a fresh
cache directory and `mode: read` reaches ready having embedded nothing (`cache.misses == 0`, all
hits remote) and answers as CI's index does. A down or hanging server costs nothing but the
remote: the editor indexes locally and `arama.status` says why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arama.messages import text
from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import command, isolated_env, lsp_server, wait_ready
from support.redis_server import RedisServer, free_port

pytestmark = [pytest.mark.e2e]

ARAMA = Path(sys.executable).parent / "arama"
PASSWORD = "team-Secret-42"
QUERIES = ("transpose a matrix", "retry a request with backoff", "total price of the cart")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, target)
    return target


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis", password=PASSWORD) as started:
        yield started


def _arama(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, exit_status: int = 0
) -> Any:
    result = subprocess.run(
        [str(ARAMA), *args],
        env=isolated_env(tmp_path / "home") | {"LANG": "C.UTF-8"} | (env or {}),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == exit_status, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    return json.loads(result.stdout)


def _ranked(answer: dict[str, Any]) -> list[tuple[str, int, float]]:
    return [
        (r["path"], r["range"]["start"]["line"], round(r["score"], 4))
        for r in answer["results"]
        if r["score"] > 0
    ]


@pytest.mark.asyncio
async def test_ci_pushes_and_a_second_laptop_embeds_nothing(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    # CI: ARAMA_REMOTE_CACHE (the URL without the password) and the password from its secret.
    url = f"redis://127.0.0.1:{server.port}/0"
    ci_env = {"ARAMA_REMOTE_CACHE": url, "ARAMA_REMOTE_CACHE_PASSWORD": PASSWORD}
    ci_cache = str(tmp_path / "ci")
    pushed = _arama(
        tmp_path, "index", str(workspace), "--cache-dir", ci_cache, "--push", "--json", "-q",
        "--remote-timeout-ms", "5000", env=ci_env,
    )  # fmt: skip
    remote = pushed["remoteCache"]
    assert remote["mode"] == "read-write" and remote["state"] == "ok"
    assert remote["writes"] > 0 and remote["writes"] == int(server.cli("DBSIZE"))
    search = ["--path", str(workspace), "--cache-dir", ci_cache, "--no-update", "--json"]
    ci_answers = {
        q: _ranked(_arama(tmp_path, "search", q, *search, "--mode", "semantic")) for q in QUERIES
    }

    # The editor on another laptop: fresh cache directory, read mode, the password in the URL.
    options = {
        "remoteCache": {
            "url": f"redis://:{PASSWORD}@127.0.0.1:{server.port}/0",
            "mode": "read",
            "verifyFraction": 0,
            "timeoutMs": 5000,  # a loaded CI machine must not make a healthy server look slow
        }
    }
    async with lsp_server(
        [workspace], tmp_path / "laptop-b", tmp_path / "home", options=options
    ) as client:
        status = await wait_ready(client)
        while status["pendingChunks"] or status["pendingNames"]:
            status = await command(client, "arama.status")
        assert status["cache"]["misses"] == 0  # laptop B embedded nothing
        remote = status["remoteCache"]
        assert remote["hits"] == pushed["remoteCache"]["writes"]
        assert remote["misses"] == 0 and remote["errors"] == 0 and remote["state"] == "ok"
        assert remote["url"] == f"redis://:***@127.0.0.1:{server.port}/0"
        assert PASSWORD not in json.dumps(status)
        assert status["embeddedChunks"] == status["chunks"] == pushed["chunks"]
        for query in QUERIES:
            answer = await command(
                client, "arama.search", {"query": query, "mode": "semantic", "limit": 10}
            )
            assert _ranked(answer) == ci_answers[query], query  # B answers as CI's index does

    # A third laptop checks every remote vector against its own model: the same model on
    # another process agrees, so the remote stays trusted.
    options["remoteCache"]["verifyFraction"] = 1.0
    async with lsp_server(
        [workspace], tmp_path / "laptop-c", tmp_path / "home", options=options
    ) as client:
        status = await wait_ready(client)
        remote = status["remoteCache"]
        assert remote["state"] == "ok" and remote["rejected"] == 0
        assert remote["verified"] == remote["hits"] > 0


@pytest.mark.asyncio
@pytest.mark.parametrize("fault", ["down", "paused", "wrong-password"])
async def test_a_broken_remote_never_breaks_indexing(
    tmp_path: Path, workspace: Path, server: RedisServer, fault: str
) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{server.port}/0"
    if fault == "down":
        url = f"redis://127.0.0.1:{free_port()}/0"
    elif fault == "wrong-password":
        url = f"redis://:wrong-{PASSWORD}@127.0.0.1:{server.port}/0"
    else:
        server.pause()  # SIGSTOP: every request hangs until the timeout
    options = {"remoteCache": {"url": url, "mode": "read-write", "timeoutMs": 300}}
    try:
        started = time.monotonic()
        async with lsp_server(
            [workspace], tmp_path / "cache", tmp_path / "home", options=options
        ) as client:
            status = await wait_ready(client)
            took = time.monotonic() - started
            assert status["embeddedChunks"] == status["chunks"] > 0  # indexed locally
            assert status["cache"]["misses"] > 0
            remote = status["remoteCache"]
            assert remote["errors"] >= 1 and remote["hits"] == remote["writes"] == 0
            expected = {
                "down": ("backing-off", "refused"),
                "paused": ("backing-off", "timeout"),
                "wrong-password": ("disabled", "auth"),
            }[fault]
            assert remote["state"] == expected[0]
            assert remote["reason"] == text(f"remote.fault.{expected[1]}")
            assert PASSWORD not in json.dumps(status)
            assert took < 180
            answer = await command(client, "arama.search", {"query": "transpose a matrix"})
            assert answer["results"][0]["path"] == "src/matrix.rs"
    finally:
        server.resume()


def test_arama_status_says_whether_the_team_cache_answers(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{server.port}/0"
    # The folder was never indexed in this cache: `status` says so with exit 1 (a read-only
    # look), and still says whether the team cache answers.
    status = _arama(tmp_path, "status", str(workspace), "--remote-cache", url, exit_status=1)
    assert status["state"] == "notIndexed"
    remote = status["remoteCache"]
    assert (remote["state"], remote["reason"], remote["cluster"]) == ("ok", None, False)
    assert remote["latencyMs"] > 0 and remote["url"] == url.replace(PASSWORD, "***")
    dead = f"redis://127.0.0.1:{free_port()}/0"
    remote = _arama(tmp_path, "status", str(workspace), "--remote-cache", dead, exit_status=1)[
        "remoteCache"
    ]
    assert remote["state"] == "backing-off" and remote["reason"] == text("remote.fault.refused")
