"""initialize / initialized / shutdown: options in, the engine started and stopped."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types

from arama.lsp.app import AramaServer, server
from arama.lsp.documents import register_file_watcher
from arama.lsp.options import InitializationOptions
from arama.lsp.uris import checked_path, local_path
from arama.messages import text

log = logging.getLogger(__name__)


def _workspace_roots(params: types.InitializeParams) -> list[Path]:
    """The folders to index: the workspace folders, else the root URI, else the root path (the
    first of them that names a usable folder). URIs that name no absolute local path are left
    out."""
    sources = (
        [local_path(folder.uri) for folder in params.workspace_folders or []],
        [local_path(params.root_uri)] if params.root_uri else [],
        [checked_path(params.root_path)] if params.root_path else [],
    )
    for source in sources:
        roots = [path for path in source if path is not None]
        if roots:
            return roots
    if any(sources):
        log.warning("no usable workspace folder in initialize: nothing to index")
    return []


@server.feature(types.INITIALIZE)
def on_initialize(ls: AramaServer, params: types.InitializeParams) -> None:
    ls.locale = params.locale
    ls.options, problems = InitializationOptions.parse(params.initialization_options)
    for problem in problems:
        log.warning("ignored initialization option: %s", problem)
    ls.initial_roots = _workspace_roots(params)


@server.feature(types.INITIALIZED)
async def on_initialized(ls: AramaServer, params: types.InitializedParams) -> None:
    ls.loop = asyncio.get_running_loop()
    from arama.engine.engine import Engine  # heavy imports, after `initialize` has answered

    # Creating the engine touches the cache dir and diskcache; keep it off the event loop.
    config = ls.options.engine_config()
    try:
        engine = await ls.in_thread(
            lambda: Engine(
                config,
                on_progress=ls.indexing_progress.from_thread,
                on_remote_change=ls.remote_notices.from_thread,
            )
        )
    except Exception as exc:
        # An unusable cache directory (read-only, full, unreadable): say so once, clearly, and
        # let every command fail fast with the same reason instead of waiting for an engine.
        log.exception("could not start the engine in %s", config.cache_dir)
        ls.engine_error = text(
            "error.engine_failed",
            ls.locale,
            path=str(config.cache_dir),
            error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
        )
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=ls.engine_error)
        )
        ls.engine_ready.set()
        return
    for root in ls.initial_roots:
        engine.add_folder(root)
    # Documents opened while the engine was being created: their buffers rule from the start.
    for uri, document in list(ls.workspace.text_documents.items()):
        if (path := local_path(uri)) is not None:
            engine.set_buffer(path, document.source)
    ls.engine = engine
    ls.engine_ready.set()
    engine.start()
    engine.watch()
    await register_file_watcher(ls)


@server.feature(types.SHUTDOWN)
async def on_shutdown(ls: AramaServer, params: None) -> None:
    if ls.engine is not None:
        engine, ls.engine = ls.engine, None
        await ls.in_thread(engine.close)
