"""Start the real `arama-ls` over stdio with pytest-lsp, isolated from the user's home."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from arama import __version__

SERVER_COMMAND = [sys.executable, "-m", "arama.lsp.server", "--log-level", "INFO"]
RESULT_KEYS = frozenset(
    {
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
        "similar",
    }
)
"""The keys of one search result in the command contract (docs/contract.md, version 2)."""


def isolated_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ARAMA_"))}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        HF_HOME=str(home / "hf"),
    )
    return env


async def start_session(
    command: list[str],
    env: dict[str, str],
    folders: list[Path],
    cache_dir: Path,
    *,
    options: dict[str, Any] | None = None,
    locale: str = "en",
) -> LanguageClient:
    """Start `command` as the server and initialize it on `folders`; `initialize_seconds` on the
    client is how long `initialize` took to answer."""
    client = await ClientServerConfig(server_command=command, server_env=env).start()
    assert isinstance(client, LanguageClient)
    started = time.perf_counter()
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                window=types.WindowClientCapabilities(work_done_progress=True),
                workspace=types.WorkspaceClientCapabilities(workspace_folders=True),
            ),
            root_uri=folders[0].as_uri(),
            workspace_folders=[types.WorkspaceFolder(f.as_uri(), f.name) for f in folders],
            initialization_options={"cacheDir": str(cache_dir), **(options or {})},
            locale=locale,
        )
    )
    client.initialize_seconds = time.perf_counter() - started  # type: ignore[attr-defined]
    assert result.server_info is not None and result.server_info.name == "arama"
    # The version `arama --version` prints (tests/unit/test_versions.py): one release number.
    assert result.server_info.version == __version__, result.server_info
    return client


@asynccontextmanager
async def lsp_server(
    folders: list[Path],
    cache_dir: Path,
    home: Path,
    *,
    locale: str = "en",
    options: dict[str, Any] | None = None,
) -> AsyncIterator[LanguageClient]:
    home.mkdir(parents=True, exist_ok=True)
    client = await start_session(
        SERVER_COMMAND, isolated_env(home), folders, cache_dir, options=options, locale=locale
    )
    try:
        yield client
    finally:
        await client.shutdown_session()
        await client.stop()


async def command(client: LanguageClient, name: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


async def wait_ready(client: LanguageClient, timeout: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = await command(client, "arama.status")
        if status["state"] == "ready" and status["files"] > 0:
            return status
        await asyncio.sleep(0.2)
    raise AssertionError(f"server not ready after {timeout}s: {status}")
