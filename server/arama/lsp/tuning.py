"""`arama.tune`: `arama tune` for the editors, run on a worker thread with work-done progress.

The request answers when the run is over (minutes; the editor shows the progress and keeps
working: searches and edits are served meanwhile). One run at a time: a second request while one
runs is refused with a clear message rather than queued behind it. A kept adapter reaches the
server's own searches at the next search (engine/query_adapter.py); nothing else changes."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from arama import contract
from arama.arguments import ArgumentError, TuneArguments, parse_tune, single_object
from arama.lsp.app import AramaServer, server
from arama.lsp.uris import local_path
from arama.messages import text

if TYPE_CHECKING:
    from arama.engine.engine import Engine

log = logging.getLogger(__name__)

_running = threading.Lock()


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: valid arguments, but the run could not be done (pygls has no
    class for it)."""

    CODE = -32803
    MESSAGE = "Request Failed"


@server.command("arama.tune")
async def tune_command(ls: AramaServer, *args: Any) -> dict[str, Any]:
    from arama.evaluation.errors import EvalError
    from arama.tuning.runner import TuneSettings, tune
    from arama.tuning.store import reset

    try:
        request = parse_tune(single_object(args, ls.locale, allow_empty=True), ls.locale)
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None
    engine = await ls.get_engine()
    root = _folder(ls, request, engine.roots())
    if request.reset:
        return contract.tune_reset_json(root, await ls.in_thread(reset, engine.config, root))
    settings = TuneSettings(minutes=request.minutes, queries_file=_queries(ls, request, engine))
    if not _running.acquire(blocking=False):
        raise RequestFailed(text("tune.busy", ls.locale))
    progress = _Progress(ls)
    try:
        await progress.begin(root)
        report = await ls.in_thread(
            lambda: tune(
                engine.config, root, settings, embedder=engine.embedder, notify=progress.note
            )
        )
    except EvalError as exc:
        raise RequestFailed(exc.message(ls.locale)) from None
    finally:
        _running.release()
        progress.end()
    return contract.tune_json(report, ls.locale)


def _queries(ls: AramaServer, request: TuneArguments, engine: Engine) -> Path | None:
    """The questions file, which must lie in a workspace folder (the server reads nothing
    outside them and its cache directory)."""
    if request.queries is None:
        return None
    path = local_path(request.queries)
    if path is None or not engine.contains(path):
        raise JsonRpcInvalidParams(text("error.uri", ls.locale, field="queries"))
    return path


def _folder(ls: AramaServer, request: TuneArguments, roots: list[Path]) -> Path:
    if request.folder is None:
        if not roots:
            raise JsonRpcInvalidParams(text("error.no_folder", ls.locale))
        return roots[0]
    path = local_path(request.folder)
    if path is None or path not in roots:
        raise JsonRpcInvalidParams(text("error.uri", ls.locale, field="folder"))
    return path


class _Progress:
    """One work-done progress for the run: the run's notes as its messages (from the worker
    thread, handed to the event loop)."""

    def __init__(self, ls: AramaServer) -> None:
        self.ls = ls
        self.token: str | None = None
        self.loop = asyncio.get_running_loop()

    async def begin(self, root: Path) -> None:
        caps = self.ls.client_capabilities
        window = caps.window if caps is not None else None
        if not (window and window.work_done_progress):
            return
        token = f"arama-tune-{uuid.uuid4().hex[:8]}"
        try:
            await self.ls.work_done_progress.create_async(token)
        except Exception:
            log.exception("client refused a progress token")
            return
        self.token = token
        title = text("tune.progress", self.ls.locale, folder=root.name)
        self.ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title))

    def note(self, key: str, values: Mapping[str, Any]) -> None:
        message = text(key, self.ls.locale, **values)
        log.info("%s", message)
        if self.token is not None:
            self.loop.call_soon_threadsafe(self._report, message)

    def _report(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=message)
            )

    def end(self) -> None:
        if self.token is not None:
            token, self.token = self.token, None
            self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd())
