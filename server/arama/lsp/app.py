"""The server object that every feature module registers its handlers on.

Nothing here ranks or indexes: handlers validate, hand the work to the engine on a worker
thread (so the event loop keeps answering while the indexer runs), and translate the answer.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from lsprotocol import types
from pygls.exceptions import (
    FeatureRequestError,
    JsonRpcInternalError,
    JsonRpcServerNotInitialized,
)
from pygls.lsp.server import LanguageServer

from arama import __version__
from arama.lsp.options import InitializationOptions
from arama.lsp.progress import IndexingProgress
from arama.lsp.protocol import AramaProtocol, strict_converter
from arama.lsp.remote_notices import RemoteNotices
from arama.lsp.transport import serve_stdio
from arama.messages import text

if TYPE_CHECKING:  # the engine (numpy, faiss, torch later) loads after `initialize` answered
    from arama.engine.engine import Engine

log = logging.getLogger(__name__)

T = TypeVar("T")
ENGINE_WAIT_S = 30.0


class AramaServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "arama", __version__, protocol_cls=AramaProtocol, converter_factory=strict_converter
        )
        self.engine: Engine | None = None
        self.locale: str | None = None
        self.options = InitializationOptions()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.indexing_progress = IndexingProgress(self)
        self.remote_notices = RemoteNotices(self)
        self.initial_roots: list[Path] = []
        self.engine_ready = asyncio.Event()
        self.engine_error: str | None = None  # why the engine could not start, for every reply
        self._reported_errors: set[tuple[str, str]] = set()

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve over stdio with arama's guarded framing (`transport`) instead of pygls' loop,
        which a single absurd Content-Length ends."""
        self._stop_event = stop = threading.Event()
        serve_stdio(self, stdin or sys.stdin.buffer, stdout or sys.stdout.buffer, stop)

    async def get_engine(self) -> Engine:
        """The engine, waiting for it while `initialized` is still creating it (a client may
        send a command right after `initialize`)."""
        if self.engine is None:
            try:
                await asyncio.wait_for(self.engine_ready.wait(), ENGINE_WAIT_S)
            except TimeoutError:
                pass
        if self.engine is None:
            if self.engine_error is not None:
                raise JsonRpcInternalError(self.engine_error)
            raise JsonRpcServerNotInitialized(text("error.not_initialized", self.locale))
        return self.engine

    async def in_thread(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(func, *args)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """A handler failed outside a request (a notification, a message pygls could not
        read): the traceback goes to the log, and the user reads once per kind of failure, in
        their language, what happened and where the details are (pygls would show "Error in
        server: ..." in English, again and again). Failed requests answer with their error."""
        if source is FeatureRequestError:
            return
        log.error("%s: %s", source.__name__, error, exc_info=error)
        kind = (source.__name__, type(error).__name__)
        if kind in self._reported_errors:
            return
        self._reported_errors.add(kind)
        name = type(error).__name__
        self.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error,
                message=text(
                    "error.server_failed",
                    self.locale,
                    error=f"{name}: {error}" if str(error) else name,
                ),
            )
        )


server = AramaServer()
