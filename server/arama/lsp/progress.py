"""Indexing progress as LSP work-done progress (`$/progress` begin/report/end).

The engine reports from its indexer thread; everything here runs on the event loop, reached with
`call_soon_threadsafe`. Reports are throttled so a fast scan does not flood the client.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

from arama.messages import text

if TYPE_CHECKING:
    from arama.engine.records import Progress
    from arama.lsp.app import AramaServer

log = logging.getLogger(__name__)

MIN_REPORT_INTERVAL_S = 0.2
SCAN_SHARE = 20


class IndexingProgress:
    def __init__(self, server: AramaServer) -> None:
        self.server = server
        self._token: str | None = None
        self._starting: asyncio.Task[None] | None = None
        self._last_report = 0.0
        self._latest: Progress | None = None
        self._last_percentage = 0
        self._last_phase = ""

    def from_thread(self, progress: Progress) -> None:
        """Engine callback (indexer thread)."""
        loop = self.server.loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._on_progress, progress)
        except RuntimeError:  # loop closed during shutdown
            pass

    def _supported(self) -> bool:
        caps = self.server.client_capabilities
        window = caps.window if caps is not None else None
        return bool(window and window.work_done_progress)

    def _on_progress(self, progress: Progress) -> None:
        self._latest = progress
        if not self._supported():
            return
        if progress.phase == "idle":
            self._finish()
            return
        if self._token is None and self._starting is None:
            self._starting = asyncio.ensure_future(self._begin())
            return
        if self._token is not None:
            now = time.monotonic()
            if (
                now - self._last_report >= MIN_REPORT_INTERVAL_S
                or progress.done >= progress.total
                or progress.phase != self._last_phase  # a new step is always shown
            ):
                self._last_report = now
                self._report(progress)

    async def _begin(self) -> None:
        token = f"arama-index-{uuid.uuid4().hex[:8]}"
        try:
            await self.server.work_done_progress.create_async(token)
        except Exception:
            log.exception("client refused a progress token")
            self._starting = None
            return
        self.server.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=text("progress.title", self.server.locale), cancellable=False, percentage=0
            ),
        )
        self._token = token
        self._starting = None
        latest = self._latest
        if latest is not None:
            if latest.phase == "idle":
                self._finish()
            else:
                self._report(latest)

    def _report(self, progress: Progress) -> None:
        if self._token is None or progress.total <= 0:
            return
        # One bar across the steps: reading files fills the first fifth, embedding the rest;
        # the model's one-time preparation holds the bar where it is and says so.
        fraction = min(1.0, progress.done / progress.total)
        if progress.phase == "scanning":
            percentage, key = int(SCAN_SHARE * fraction), "progress.scanning"
        elif progress.phase == "model":
            percentage, key = self._last_percentage, "progress.model"
        else:
            percentage = int(SCAN_SHARE + (100 - SCAN_SHARE) * fraction)
            key = "progress.embedding"
        percentage = max(percentage, self._last_percentage)  # never moves backwards
        self._last_percentage = percentage
        self._last_phase = progress.phase
        message = text(key, self.server.locale, done=progress.done, total=progress.total)
        self.server.work_done_progress.report(
            self._token, types.WorkDoneProgressReport(message=message, percentage=percentage)
        )

    def _finish(self) -> None:
        if self._token is None:
            return
        token, self._token = self._token, None
        self._last_percentage = 0
        # The counts come with the idle report (computed on the indexing thread): nothing here
        # may touch SQLite or the disk, this runs on the event loop.
        latest = self._latest
        files, chunks = (latest.files, latest.chunks) if latest is not None else (0, 0)
        self.server.work_done_progress.end(
            token,
            types.WorkDoneProgressEnd(
                message=text("progress.done", self.server.locale, files=files, chunks=chunks)
            ),
        )
        # pygls files a future for every token it has seen and never lets one go: one per
        # indexing round (each save) for the server's life. An ended token is done with.
        self.server.work_done_progress.tokens.pop(token, None)
