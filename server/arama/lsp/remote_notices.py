"""The team cache's failures told to the user: one `window/showMessage` per kind of failure.

The engine reports the team cache's state changes (`RemoteCacheEvent`, from the indexing
thread); this module only decides what the user reads. A failure that stops the team cache
(unavailable: backing off; disabled: a refused password, a verification mismatch; refused
writes) is a warning, once per session for each (change, fault) pair: a flapping server or a
long outage does not repeat it per batch or per retry. When the team cache answers again after a
warning, one information message says so (not again until another warning is shown), so the
user knows the slower local embedding is over. Everything else (each retry, the client's own
error text) is in the log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from arama.messages import text

if TYPE_CHECKING:
    from arama.engine.records import RemoteCacheEvent
    from arama.lsp.app import AramaServer

log = logging.getLogger(__name__)


class RemoteNotices:
    def __init__(self, server: AramaServer) -> None:
        self.server = server
        self._warned: set[tuple[str, str | None]] = set()
        self._owe_recovery = False  # a warning was shown and the cache has not recovered since

    def from_thread(self, event: RemoteCacheEvent) -> None:
        """Engine callback (indexing thread): handled on the event loop."""
        loop = self.server.loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self.on_event, event)
        except RuntimeError:  # loop closed during shutdown
            pass

    def on_event(self, event: RemoteCacheEvent) -> None:
        locale = self.server.locale
        if event.change == "recovered":
            if not self._owe_recovery:
                return
            self._owe_recovery = False
            self._show(
                types.MessageType.Info, text("remote.notify.recovered", locale, url=event.url)
            )
            return
        kind = (event.change, event.fault)
        if kind in self._warned:
            log.debug("team cache %s (%s) again: already told", event.change, event.fault)
            return
        self._warned.add(kind)
        if event.change != "writes-refused":  # reading still works: no recovery to wait for
            self._owe_recovery = event.change == "unavailable"
        fault = text(f"remote.fault.{event.fault or 'error'}", locale)
        message = text(f"remote.notify.{event.change}", locale, url=event.url, fault=fault)
        self._show(types.MessageType.Warning, message)

    def _show(self, kind: types.MessageType, message: str) -> None:
        self.server.window_show_message(types.ShowMessageParams(type=kind, message=message))
