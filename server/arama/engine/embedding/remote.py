"""The team-shared embedding cache: a Redis-protocol server (Redis >= 6 or Valkey, standalone or
Cluster) behind the local diskcache, read with MGET and written with pipelined `SET NX EX`.

Keys are `arama:v1:` + the local cache key (sha256 of the model identity and the text digest), so
a different model or backend never mixes, and the `arama:` prefix lets an ACL confine a user to
them. Values are the raw float32 bytes, checked exactly as local ones are (`usable_vector`).

Nothing here may hold indexing up: every request has a timeout (`timeoutMs`, no retries), and
after a failure the circuit breaker skips the remote until its back-off ends; the caller then
embeds locally. A refused password or a denied command disables the tier for the session. The
URL's password never reaches a log line or the status (`redacted_url`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arama.engine.embedding.breaker import CircuitBreaker
from arama.engine.embedding.cache import EmbeddingCache, usable_vector
from arama.engine.embedding.protocol import Vectors
from arama.engine.embedding.remote_config import RemoteCacheConfig
from arama.engine.embedding.remote_faults import FaultKind, classify
from arama.engine.records import RemoteCacheEvent, RemoteCacheStatus, RemoteChange

log = logging.getLogger(__name__)

KEY_PREFIX = "arama:v1:"
# Keys per MGET (and SETs per pipeline): ~600 KB of 384-float vectors per round trip.
REMOTE_BATCH = 400

RemoteListener = Callable[[RemoteCacheEvent], None]


@dataclass(frozen=True, slots=True)
class RemoteCounters:
    """What the remote tier did this session (for `arama.status`)."""

    hits: int
    misses: int
    writes: int
    errors: int
    rejected: int  # values refused by the checks (length, dimension, finite) or verification
    verified: int
    latency_ms: float  # mean round trip of the successful requests


class RemoteUnavailable(Exception):
    """The tier is skipped now (backing off or disabled): embed locally."""


class RemoteCache:
    """Lookups and pushes against one server or cluster; thread-safe counters; never raises
    to the caller except `RemoteUnavailable`, which means "embed locally"."""

    def __init__(
        self,
        config: RemoteCacheConfig,
        breaker: CircuitBreaker | None = None,
        on_change: RemoteListener | None = None,
    ) -> None:
        self.config = config
        self.breaker = breaker or CircuitBreaker()
        self._on_change = on_change  # told when the tier fails, is disabled or recovers
        self.cluster: bool | None = None  # known after the first connection
        self._client: Any = None
        self._lock = threading.Lock()
        self._hits = self._misses = self._writes = self._errors = 0
        self._rejected = self._verified = 0
        self._round_trips = 0
        self._round_trip_s = 0.0
        self.writes_refused: str | None = None  # a read-only ACL user in read-write mode
        self.writes_fault: FaultKind | None = None

    # -- reading -----------------------------------------------------------------------------

    def get_many(
        self, model_id: str, digests: Sequence[str], dim: int | None
    ) -> list[Vectors | None]:
        """The team's vectors for `digests` (None where absent or unusable)."""
        keys = [self.key(model_id, d) for d in digests]
        found: list[Vectors | None] = []
        for start in range(0, len(keys), REMOTE_BATCH):
            part = keys[start : start + REMOTE_BATCH]
            raw = self._request(lambda client, part=part: _mget(client, part, self.cluster))
            for key, value in zip(part, raw, strict=True):
                vector = usable_vector(value, dim) if value is not None else None
                if value is not None and vector is None:
                    self._count(rejected=1)
                    log.warning("remote cache entry %s is not a usable vector; ignored", key)
                found.append(vector)
        hits = sum(v is not None for v in found)
        self._count(hits=hits, misses=len(found) - hits)
        return found

    def ping(self) -> bool:
        """One round trip (`arama status`: is the team's cache reachable, and how fast)."""
        try:
            self._request(lambda client: client.ping())
        except RemoteUnavailable:
            return False
        return True

    # -- writing -----------------------------------------------------------------------------

    def put_many(self, model_id: str, digests: Sequence[str], vectors: Vectors) -> int:
        """`SET key value NX EX ttl` for each, pipelined: a key already there (another CI job
        was first) is left alone, so concurrent pushers never overwrite each other. Returns
        how many were new."""
        if self.writes_refused is not None:
            raise RemoteUnavailable(self.writes_refused)
        items = [
            (self.key(model_id, d), np.asarray(v, np.float32).tobytes())
            for d, v in zip(digests, vectors, strict=True)
        ]
        written = 0
        ttl = self.config.ttl_s or None
        for start in range(0, len(items), REMOTE_BATCH):
            part = items[start : start + REMOTE_BATCH]
            answers = self._request(
                lambda client, part=part: _set_nx(client, part, ttl), writing=True
            )
            written += sum(1 for a in answers if a)
        self._count(writes=written)
        return written

    # -- the connection and its faults -------------------------------------------------------

    def _request(self, call: Any, *, writing: bool = False) -> Any:
        if not self.breaker.allow():
            raise RemoteUnavailable(self.breaker.reason or "remote cache unavailable")
        started = time.perf_counter()
        try:
            client = self._connected()
            answer = call(client)
        except Exception as exc:
            self._failed(exc, writing=writing)
            raise RemoteUnavailable(self.breaker.reason or str(exc)) from None
        with self._lock:
            self._round_trips += 1
            self._round_trip_s += time.perf_counter() - started
        if self.breaker.succeeded():
            log.info("remote cache %s answers again", self.config.display_url)
            self._tell("recovered", None)
        return answer

    def _connected(self) -> Any:
        if self._client is None:
            self._client = _connect(self.config)
            self.cluster = _is_cluster_client(self._client)
            log.info(
                "remote embedding cache %s (%s, %s)",
                self.config.display_url,
                "cluster" if self.cluster else "standalone",
                self.config.mode,
            )
        return self._client

    def _failed(self, exc: Exception, *, writing: bool) -> None:
        """Back off, or give up for the session when waiting cannot help (a refused password
        or command); the client's message goes to the log, its kind to the status."""
        self._count(errors=1)
        reason = describe_error(exc, self.config)
        fault = classify(exc)
        before = self.breaker.state
        if fault in ("auth", "denied"):
            if writing and fault == "denied":
                first = self.writes_refused is None
                self.writes_refused, self.writes_fault = reason, fault
                log.warning("remote cache refuses writes: %s", reason)
                if first:
                    self._tell("writes-refused", fault)
                return
            self.breaker.disable(reason, fault)
            log.warning("remote cache disabled for this session (%s): %s", fault, reason)
        else:
            wait = self.breaker.failed(reason, fault)
            log.warning(
                "remote cache failed (%s: %s); embedding locally for %.0f s", fault, reason, wait
            )
        self._drop_client()
        after = self.breaker.state
        if after != before:
            self._tell("disabled" if after == "disabled" else "unavailable", fault)

    def _tell(self, change: RemoteChange, fault: FaultKind | None) -> None:
        """The listener hears of a state change; its failure never reaches indexing."""
        if self._on_change is None:
            return
        try:
            self._on_change(RemoteCacheEvent(change, fault, self.config.display_url))
        except Exception:
            log.exception("remote cache listener failed")

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                log.debug("closing the remote cache client failed", exc_info=True)

    def close(self) -> None:
        self._drop_client()

    # -- trust and counters ------------------------------------------------------------------

    def distrust(self, reason: str) -> None:
        """A verified hit did not match the local model: stop using the remote this session."""
        before = self.breaker.state
        self.breaker.disable(reason, "mismatch")
        log.error("remote cache distrusted for this session: %s", reason)
        if before != "disabled":
            self._tell("disabled", "mismatch")

    def count_verified(self, count: int) -> None:
        self._count(verified=count)

    def count_rejected(self, count: int) -> None:
        self._count(rejected=count)

    def _count(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                attr = f"_{name}"
                setattr(self, attr, getattr(self, attr) + delta)

    def counters(self) -> RemoteCounters:
        with self._lock:
            mean = self._round_trip_s / self._round_trips * 1000 if self._round_trips else 0.0
            return RemoteCounters(
                hits=self._hits,
                misses=self._misses,
                writes=self._writes,
                errors=self._errors,
                rejected=self._rejected,
                verified=self._verified,
                latency_ms=round(mean, 2),
            )

    @staticmethod
    def key(model_id: str, digest: str) -> str:
        return KEY_PREFIX + EmbeddingCache.key(model_id, digest)


def describe_error(exc: BaseException, config: RemoteCacheConfig) -> str:
    """One line naming the fault, with any password removed."""
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    for secret in (config.password, _url_password(config.url)):
        if secret:
            message = message.replace(secret, "***")
    return message[:300]


def _url_password(url: str) -> str | None:
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


def _connect(config: RemoteCacheConfig) -> Any:
    """A client for `config.url`: standalone, or cluster when the server says it is one."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    common: dict[str, Any] = {
        "socket_timeout": config.timeout_s,
        "socket_connect_timeout": config.timeout_s,
        "retry": Retry(NoBackoff(), 0),
        "client_name": "arama",
    }
    if config.password and _url_password(config.url) is None:
        common["password"] = config.password
    client = redis.Redis.from_url(config.url, health_check_interval=0, **common)
    if config.url.startswith("unix:"):
        return client
    try:
        enabled = client.info("cluster").get("cluster_enabled") == 1
    except BaseException:
        client.close()
        raise
    if not enabled:
        return client
    client.close()
    return redis.RedisCluster.from_url(config.url, require_full_coverage=False, **common)


def _is_cluster_client(client: Any) -> bool:
    import redis

    return isinstance(client, redis.RedisCluster)


def _mget(client: Any, keys: list[str], cluster: bool | None) -> list[bytes | None]:
    """MGET; in a cluster one MGET per hash slot, sent to each slot's node."""
    if cluster:
        return list(client.mget_nonatomic(keys))
    return list(client.mget(keys))


def _set_nx(client: Any, items: list[tuple[str, bytes]], ttl: int | None) -> list[Any]:
    pipe = client.pipeline(transaction=False)
    for key, value in items:
        pipe.set(key, value, nx=True, ex=ttl)
    return list(pipe.execute())


def remote_status(remote: RemoteCache) -> RemoteCacheStatus:
    """What the status says of the team cache: state, why, counters (the URL without password)."""
    counters = remote.counters()
    breaker = remote.breaker
    return RemoteCacheStatus(
        url=remote.config.display_url,
        mode=remote.config.mode,
        state=breaker.state,
        fault=breaker.fault,
        writes_fault=remote.writes_fault,
        cluster=remote.cluster,
        hits=counters.hits,
        misses=counters.misses,
        writes=counters.writes,
        errors=counters.errors,
        rejected=counters.rejected,
        verified=counters.verified,
        latency_ms=counters.latency_ms,
    )
