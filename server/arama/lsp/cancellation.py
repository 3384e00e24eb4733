"""A flag that goes up when the client cancels the request being handled.

pygls answers `$/cancelRequest` by cancelling the request's future, but for
`workspace/executeCommand` that future is not the command's own coroutine (pygls runs the
command as a separate task), so nothing reaches the work itself. This is the one place that
knows that: it ties a `threading.Event` to the request's future, for work running on a thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)


def cancellation_flag(protocol: JsonRPCProtocol) -> threading.Event:
    """Set when the current request is cancelled (or its future is otherwise cancelled)."""
    flag = threading.Event()
    msg_id = protocol.msg_id
    futures: dict[Any, Any] = getattr(protocol, "_request_futures", {})
    future = futures.get(msg_id) if msg_id is not None else None
    if future is None:
        log.debug("no future for request %r: cancellation will not reach its work", msg_id)
        return flag

    def cancelled(done: Any) -> None:
        if done.cancelled():
            flag.set()

    future.add_done_callback(cancelled)
    return flag
