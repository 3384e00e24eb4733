"""A real MCP client (the `mcp` SDK's `ClientSession` over `stdio_client`) driving the real
`arama mcp` process, from synchronous tests.

The SDK's transports are anyio context managers that must be entered and left in one task, so
one coroutine on a background loop (support/background_loop.py) owns them for the session's
life, and each call runs on that loop."""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TextIO

import mcp_types as types
from mcp import ClientSession, StdioServerParameters, stdio_client

from support.background_loop import BackgroundLoop
from support.lsp_session import isolated_env

CALL_TIMEOUT_S = 120.0
ARAMA = str(Path(sys.executable).parent / "arama")


def mcp_command(folders: list[Path], cache: Path, *extra: str) -> list[str]:
    """`arama mcp` as the console script runs it (`python -m arama.cli` with these sources)."""
    return [
        sys.executable,
        "-m",
        "arama.cli",
        "mcp",
        "--cache-dir",
        str(cache),
        *extra,
        *(str(f) for f in folders),
    ]


def console_command(folders: list[Path], cache: Path, *extra: str) -> list[str]:
    """`arama mcp` through the venv's console script, as an agent's configuration starts it
    (its sys.path[0] is the venv's bin, never the working directory)."""
    return [ARAMA, "mcp", "--cache-dir", str(cache), *extra, *(str(f) for f in folders)]


class McpSession:
    def __init__(
        self,
        folders: list[Path],
        cache: Path,
        home: Path,
        stderr: Path,
        *,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
    ) -> None:
        command = command or mcp_command(folders, cache)
        self.params = StdioServerParameters(
            command=command[0],
            args=command[1:],
            env=env if env is not None else isolated_env(home),
            cwd=str(folders[0]),
        )
        self.stderr_path = stderr
        self._errlog: TextIO = stderr.open("a", encoding="utf-8")
        self._loop = BackgroundLoop()
        self._stop: asyncio.Event | None = None
        self._owner: Future[None] | None = None
        self.session: ClientSession | None = None

    def start(self, timeout: float = 60.0) -> McpSession:
        ready: Future[None] = Future()
        self._owner = asyncio.run_coroutine_threadsafe(self._own(ready), self._loop.loop)
        ready.result(timeout)
        return self

    async def _own(self, ready: Future[None]) -> None:
        self._stop = asyncio.Event()
        try:
            async with (
                stdio_client(self.params, errlog=self._errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                self.session = session
                ready.set_result(None)
                await self._stop.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    def call(
        self, name: str, arguments: dict[str, Any], timeout: float = CALL_TIMEOUT_S
    ) -> types.CallToolResult:
        assert self.session is not None
        return self._loop.run(self.session.call_tool(name, arguments), timeout)

    def list_tools(self) -> types.ListToolsResult:
        assert self.session is not None
        return self._loop.run(self.session.list_tools(), 60.0)

    def close(self) -> None:
        if self._stop is not None:
            self._loop.loop.call_soon_threadsafe(self._stop.set)
        if self._owner is not None:
            self._owner.result(60)
        self._loop.close()
        self._errlog.close()

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))
