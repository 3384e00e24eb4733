"""A circuit breaker for the remote cache: after a failure, stop asking for a while.

A remote that is down or hangs must cost indexing one timeout, not one timeout per batch: after
a failure the tier is "backing-off" and every lookup is skipped (the texts are embedded locally)
until the back-off ends; then one request is let through, and its outcome closes the breaker or
doubles the wait (1 s, 2 s, 4 s, ... at most a minute). A fault that waiting cannot fix (a
refused password, a cache that served a wrong vector) disables the tier for the session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from arama.engine.embedding.remote_faults import FaultKind

BreakerState = Literal["ok", "backing-off", "disabled"]

FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 60.0


class CircuitBreaker:
    """ok -> (failure) backing-off -> (wait over, request ok) ok; any -> disabled (final)."""

    def __init__(
        self,
        *,
        first_backoff_s: float = FIRST_BACKOFF_S,
        max_backoff_s: float = MAX_BACKOFF_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._first = first_backoff_s
        self._max = max_backoff_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._retry_at = 0.0
        self._disabled = False
        # Why it is not "ok": the client's own words (for the log) and the kind (for people).
        self.reason: str | None = None
        self.fault: FaultKind | None = None
        self.last_error: str | None = None

    @property
    def state(self) -> BreakerState:
        with self._lock:
            if self._disabled:
                return "disabled"
            return "backing-off" if self._failures else "ok"

    def allow(self) -> bool:
        """Whether a request may go out now."""
        with self._lock:
            if self._disabled:
                return False
            return not self._failures or self._clock() >= self._retry_at

    def succeeded(self) -> bool:
        """Record a success; True when it ends a back-off (the remote recovered)."""
        with self._lock:
            if self._disabled:
                return False
            recovered = self._failures > 0
            self._failures = 0
            self.reason = None
            self.fault = None
            return recovered

    def failed(self, reason: str, fault: FaultKind = "error") -> float:
        """Record a failure; returns how long requests are now skipped."""
        with self._lock:
            self._failures += 1
            wait: float = min(self._max, self._first * 2.0 ** float(self._failures - 1))
            self._retry_at = self._clock() + wait
            self.last_error = reason
            if not self._disabled:
                self.reason = reason
                self.fault = fault
            return wait

    def disable(self, reason: str, fault: FaultKind = "error") -> None:
        with self._lock:
            if not self._disabled:
                self._disabled = True
                self.reason = reason
                self.fault = fault
                self.last_error = reason

    def retry_in(self) -> float:
        """Seconds until the next request may go out (0 when allowed now)."""
        with self._lock:
            if self._disabled:
                return float("inf")
            return max(0.0, self._retry_at - self._clock()) if self._failures else 0.0
