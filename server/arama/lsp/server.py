"""The arama language server: LSP in, engine calls out.

Nothing here ranks or indexes: handlers validate, hand the work to the engine on a worker
thread (so the event loop keeps answering while the indexer runs), and translate the answer.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from arama import __version__
from arama.arguments import ArgumentError, parse_search, single_object
from arama.engine.engine import Engine
from arama.lsp.options import InitializationOptions
from arama.lsp.progress import IndexingProgress
from arama.messages import text

log = logging.getLogger(__name__)

COMMANDS = ("arama.search", "arama.status", "arama.reindex")

T = TypeVar("T")


class AramaServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("arama", __version__)
        self.engine: Engine | None = None
        self.locale: str | None = None
        self.options = InitializationOptions()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.indexing_progress = IndexingProgress(self)

    def require_engine(self) -> Engine:
        if self.engine is None:
            raise JsonRpcInvalidParams("arama: the server is not initialized yet")
        return self.engine

    async def in_thread(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(func, *args)


server = AramaServer()


def _workspace_roots(params: types.InitializeParams) -> list[Path]:
    roots: list[Path] = []
    for folder in params.workspace_folders or []:
        path = to_fs_path(folder.uri)
        if path:
            roots.append(Path(path))
    if not roots and params.root_uri:
        path = to_fs_path(params.root_uri)
        if path:
            roots.append(Path(path))
    if not roots and params.root_path:
        roots.append(Path(params.root_path))
    return roots


_initial_roots: list[Path] = []


@server.feature(types.INITIALIZE)
def on_initialize(ls: AramaServer, params: types.InitializeParams) -> None:
    ls.locale = params.locale
    ls.options, problems = InitializationOptions.parse(params.initialization_options)
    for problem in problems:
        log.warning("ignored initialization option: %s", problem)
    _initial_roots[:] = _workspace_roots(params)


@server.feature(types.INITIALIZED)
async def on_initialized(ls: AramaServer, params: types.InitializedParams) -> None:
    ls.loop = asyncio.get_running_loop()
    # Creating the engine touches the cache dir and diskcache; keep it off the event loop.
    engine = await ls.in_thread(
        lambda: Engine(ls.options.engine_config(), on_progress=ls.indexing_progress.from_thread)
    )
    ls.engine = engine
    for root in _initial_roots:
        engine.add_folder(root)
    engine.start()


@server.feature(types.SHUTDOWN)
async def on_shutdown(ls: AramaServer, params: None) -> None:
    if ls.engine is not None:
        engine, ls.engine = ls.engine, None
        await ls.in_thread(engine.close)


def _invalid(exc: ArgumentError) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(str(exc))


@server.command("arama.search")
async def search(ls: AramaServer, *args: Any) -> dict[str, Any]:
    try:
        request = parse_search(single_object(args, ls.locale), ls.locale)
    except ArgumentError as exc:
        raise _invalid(exc) from None
    engine = ls.require_engine()
    return await ls.in_thread(engine.search, request)


@server.command("arama.status")
async def status(ls: AramaServer, *args: Any) -> dict[str, Any]:
    try:
        single_object(args, ls.locale, allow_empty=True)
    except ArgumentError as exc:
        raise _invalid(exc) from None
    engine = ls.engine
    if engine is None:
        return {
            "state": "starting",
            "files": 0,
            "chunks": 0,
            "pendingFiles": 0,
            "embeddedChunks": 0,
            "model": "",
            "cache": {},
            "workspaceFolders": [],
        }
    return await ls.in_thread(engine.status)


@server.command("arama.reindex")
async def reindex(ls: AramaServer, *args: Any) -> dict[str, Any]:
    try:
        single_object(args, ls.locale, allow_empty=True)
    except ArgumentError as exc:
        raise _invalid(exc) from None
    engine = ls.require_engine()
    return {"queued": await ls.in_thread(engine.reindex)}


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="arama-ls", description=text("progress.title"))
    parser.add_argument("--stdio", action="store_true", help="talk LSP over stdio (default)")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--version", action="version", version=f"arama-ls {__version__}")
    ns = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(ns.log_level).upper(), logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    server.start_io()


if __name__ == "__main__":
    main()
