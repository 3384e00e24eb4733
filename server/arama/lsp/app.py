"""The server object that every feature module registers its handlers on.

Nothing here ranks or indexes: handlers validate, hand the work to the engine on a worker
thread (so the event loop keeps answering while the indexer runs), and translate the answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from arama import __version__
from arama.lsp.options import InitializationOptions
from arama.lsp.progress import IndexingProgress

if TYPE_CHECKING:  # the engine (numpy, faiss, torch later) loads after `initialize` answered
    from arama.engine.engine import Engine

log = logging.getLogger(__name__)

T = TypeVar("T")


class AramaServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("arama", __version__)
        self.engine: Engine | None = None
        self.locale: str | None = None
        self.options = InitializationOptions()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.indexing_progress = IndexingProgress(self)
        self.initial_roots: list[Path] = []

    def require_engine(self) -> Engine:
        if self.engine is None:
            raise JsonRpcInvalidParams("arama: the server is not initialized yet")
        return self.engine

    async def in_thread(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(func, *args)


server = AramaServer()
