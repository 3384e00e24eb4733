"""A search's clock and cancel flag, asked between its steps."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from arama.engine.records import SearchCancelled

T = TypeVar("T")
POLL_S = 0.05


class Budget:
    """Past `deadline` (a `time.perf_counter` value) a search stops waiting and answers with
    what it has (`cut_short`); when `cancelled` says so, it stops at once."""

    def __init__(self, deadline: float, cancelled: Callable[[], bool] | None) -> None:
        self.deadline = deadline
        self.cancelled = cancelled
        self.cut_short = False

    def check_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise SearchCancelled

    def go_on(self) -> bool:
        """False once the budget is spent (and from then on); raises when cancelled."""
        self.check_cancelled()
        if time.perf_counter() >= self.deadline:
            self.cut_short = True
        return not self.cut_short

    def wait_for(self, future: Future[T]) -> T | None:
        """The future's value, or None when the budget ends first. Waits in short slices so a
        cancellation is noticed while the model is still loading."""
        while True:
            if not self.go_on():
                return None
            remaining = self.deadline - time.perf_counter()
            try:
                return future.result(timeout=min(max(remaining, 0.0), POLL_S))
            except FutureTimeout:
                continue
