"""`arama mcp`: the engine behind a Model Context Protocol server on stdio, for coding agents.

Built on the official `mcp` SDK's low-level `Server` (docs/design.md, "arama for coding agents",
says why not FastMCP): the tools' JSON schemas are ours (tools.py), arguments go through the
command contract's validation, and each call runs on a worker thread, so the SDK's event loop
(anyio on asyncio) keeps reading while a search runs, exactly as the language server hands
work to `asyncio.to_thread`.

The engine is the language server's: the same cache directory, the same background indexing
with live updates (watchfiles), answers while indexing that say so. It is created on a thread
as the session starts, so `initialize` answers at once; a call that arrives first waits for it.
When the client closes stdin the SDK's loop ends, the engine is closed (vectors saved, the
index directory's claim released) and the process exits 0.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.server.stdio import stdio_server

from arama import __version__
from arama.mcp.answers import Sizing, ToolAnswer, error_answer
from arama.mcp.places import Places
from arama.mcp.tools import TOOLS, Toolbox, ToolError
from arama.messages import text

if TYPE_CHECKING:
    from arama.engine.config import EngineConfig
    from arama.engine.engine import Engine

log = logging.getLogger(__name__)


class AgentSession:
    """One stdio session: the engine (made on a thread), the tools, the answers."""

    def __init__(
        self, config: EngineConfig, roots: list[Path], sizing: Sizing, locale: str | None
    ) -> None:
        self.config = config
        self.roots = roots
        self.places = Places(tuple(roots))
        self.sizing = sizing
        self.locale = locale
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="arama-mcp-start")
        self._engine: Future[Engine] | None = None

    # -- the engine ------------------------------------------------------------------------

    def start(self) -> None:
        self._engine = self._executor.submit(self._make_engine)

    def _make_engine(self) -> Engine:
        from arama.engine.engine import Engine  # numpy, faiss, the model: after the handshake

        engine = Engine(self.config)
        for root in self.roots:
            engine.add_folder(root)
        engine.start()
        engine.watch()
        return engine

    def engine(self) -> Engine:
        """The engine, waiting for it to be made; ToolError if it could not be."""
        assert self._engine is not None
        try:
            return self._engine.result()
        except Exception as exc:
            log.exception("could not start the engine in %s", self.config.cache_dir)
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise ToolError(
                text("mcp.engine_failed", self.locale, path=self.config.cache_dir, error=detail)
            ) from None

    def close(self) -> None:
        if self._engine is not None:
            try:
                engine = self._engine.result()
            except Exception:
                engine = None
            if engine is not None:
                engine.close()
        self._executor.shutdown(wait=True)

    # -- the protocol ----------------------------------------------------------------------

    def call(self, name: str, arguments: Mapping[str, Any] | None) -> ToolAnswer:
        """One tool call, on a worker thread: a refused or impossible call is a tool error
        the agent reads, never a crash of the server."""
        try:
            toolbox = Toolbox(self.engine(), self.places, self.sizing, self.locale)
            return toolbox.call(name, arguments)
        except ToolError as exc:
            return error_answer(str(exc))
        except Exception as exc:  # a bug must not end the session: say so, log it
            log.exception("tool %r failed", name)
            return error_answer(f"arama: internal error in '{name}': {type(exc).__name__}")


def tool_list(locale: str | None) -> list[types.Tool]:
    """The tools, described in the server's locale, with the schemas of their arguments and
    of their structured answers."""
    return [
        types.Tool(
            name=spec.name,
            title=spec.title(locale),
            description=spec.description(locale),
            input_schema=spec.input_schema(locale),
            output_schema=spec.output_schema,
            annotations=types.ToolAnnotations(
                title=spec.title(locale), read_only_hint=True, open_world_hint=False
            ),
        )
        for spec in TOOLS
    ]


def build_server(session: AgentSession) -> Server[Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tool_list(session.locale))

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        answer = await anyio.to_thread.run_sync(session.call, params.name, params.arguments)
        return types.CallToolResult(
            content=[types.TextContent(text=answer.text)],
            structured_content=answer.structured,
            is_error=answer.is_error,
        )

    @asynccontextmanager
    async def lifespan(_: Server[Any]) -> AsyncIterator[AgentSession]:
        session.start()
        try:
            yield session
        finally:
            await anyio.to_thread.run_sync(session.close)

    return Server(
        "arama",
        version=__version__,
        title="arama: semantic code search",
        instructions=text("mcp.instructions", session.locale),
        lifespan=lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def serve(config: EngineConfig, roots: list[Path], sizing: Sizing, locale: str | None) -> None:
    """Serve over stdin/stdout until the client closes stdin."""
    session = AgentSession(config, roots, sizing, locale)
    server = build_server(session)

    async def run() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(run)
