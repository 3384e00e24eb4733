"""Each way a team cache fails has its kind, its English and Turkish sentence, and its state
change reported once: `RemoteCache` against REAL redis-server processes (support/redis_server.py,
installed with apt when missing) and real faults (nothing listening, a stopped or SIGSTOPped
server, a wrong password, an ACL without MGET, TLS with an untrusted certificate, plain text to
a TLS port, MGET renamed away). No model: the vectors are random."""

from __future__ import annotations

import logging
import time
import typing
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from arama.engine.embedding.breaker import CircuitBreaker
from arama.engine.embedding.remote import RemoteCache, RemoteUnavailable
from arama.engine.embedding.remote_config import RemoteCacheConfig
from arama.engine.embedding.remote_faults import FAULT_KINDS, FaultKind
from arama.engine.records import RemoteCacheEvent
from arama.messages import CATALOG, remote_reason, text
from support.redis_server import RedisServer, free_port

DIGEST = "ab" * 32


def _remote(
    url: str, events: list[RemoteCacheEvent] | None = None, **settings: typing.Any
) -> RemoteCache:
    settings.setdefault("timeout_s", 0.3)
    breaker = CircuitBreaker(first_backoff_s=0.05, max_backoff_s=0.2)
    listener: Callable[[RemoteCacheEvent], None] | None = (
        events.append if events is not None else None
    )
    return RemoteCache(RemoteCacheConfig(url=url, **settings), breaker, on_change=listener)


def _fault_of(url: str, **settings: typing.Any) -> str | None:
    remote = _remote(url, **settings)
    try:
        with pytest.raises(RemoteUnavailable):
            remote.get_many("m", [DIGEST], 4)
        return remote.breaker.fault
    finally:
        remote.close()


def test_every_kind_has_an_english_and_a_turkish_sentence() -> None:
    assert set(FAULT_KINDS) == set(typing.get_args(FaultKind))
    for kind in FAULT_KINDS:
        english, turkish = text(f"remote.fault.{kind}", "en"), text(f"remote.fault.{kind}", "tr")
        assert english and turkish and english != turkish
    for change in ("unavailable", "disabled", "writes-refused", "recovered"):
        assert CATALOG["tr"][f"remote.notify.{change}"] != CATALOG["en"][f"remote.notify.{change}"]
    assert remote_reason(None, None, "tr") is None
    assert remote_reason("auth", None, "tr") == CATALOG["tr"]["remote.fault.auth"]
    assert remote_reason(None, "denied", "en") == (
        "writes refused: " + CATALOG["en"]["remote.fault.denied"]
    )


def test_faults_without_a_server(tmp_path: Path) -> None:
    assert _fault_of(f"redis://127.0.0.1:{free_port()}/0") == "refused"
    assert _fault_of(f"unix://{tmp_path}/no-such.sock") == "refused"
    assert _fault_of("redis://no-such-host.invalid:6379/0") == "unreachable"


def test_faults_of_a_running_server(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    with RedisServer(tmp_path / "pw", password="right") as server:
        assert _fault_of(f"redis://:wrong@127.0.0.1:{server.port}/0") == "auth"
        assert "invalid username-password pair" in caplog.text  # the client's words: logged
        assert _fault_of(f"redis://127.0.0.1:{server.port}/0") == "auth"  # no password at all
        assert _fault_of(f"rediss://:right@127.0.0.1:{server.port}/0") == "timeout"  # TLS to plain
        server.cli("ACL", "SETUSER", "reader", "on", ">pw", "~arama:*", "-@all")
        server.cli("ACL", "SETUSER", "reader", "+info", "+ping", "+client|setname")
        assert _fault_of(f"redis://reader:pw@127.0.0.1:{server.port}/0") == "denied"  # no MGET
        server.pause()
        try:
            assert _fault_of(server.url) == "timeout"
        finally:
            server.resume()
    with RedisServer(tmp_path / "tls", tls=True) as server:
        assert _fault_of(f"rediss://127.0.0.1:{server.port}/0") == "tls"  # CA not given
        assert _fault_of(f"redis://127.0.0.1:{server.port}/0") == "closed"  # plain to TLS
    with RedisServer(tmp_path / "renamed", extra=("--rename-command", "MGET", "")) as server:
        assert _fault_of(server.url) == "server"  # ERR unknown command 'mget'


def test_state_changes_are_reported_once_each(tmp_path: Path) -> None:
    """A stopped server: one "unavailable" however many lookups fail or are skipped; back on
    the same port: one "recovered"; a mismatch then disables it, reported once."""
    events: list[RemoteCacheEvent] = []
    with RedisServer(tmp_path / "redis") as server:
        remote = _remote(server.url, events)
        assert remote.get_many("m", [DIGEST], 4) == [None]
        assert events == []
        server.stop()
        for _ in range(6):
            with pytest.raises(RemoteUnavailable):
                remote.get_many("m", [DIGEST], 4)
            time.sleep(0.06)
        assert remote.counters().errors >= 2  # it tried again, and failed again
        assert [e.change for e in events] == ["unavailable"]
        assert events[0].fault in ("closed", "refused") and events[0].url == server.url
        server.start()
        deadline = time.monotonic() + 10
        while remote.breaker.state != "ok":
            assert time.monotonic() < deadline
            time.sleep(0.1)
            try:
                remote.get_many("m", [DIGEST], 4)
            except RemoteUnavailable:
                pass
        assert [e.change for e in events] == ["unavailable", "recovered"]
        assert events[1].fault is None
        remote.distrust("a remote vector differs")
        remote.distrust("another one")
        assert events[2:] == [RemoteCacheEvent("disabled", "mismatch", server.url)]
        with pytest.raises(RemoteUnavailable):
            remote.get_many("m", [DIGEST], 4)
        assert len(events) == 3
        remote.close()


def test_refused_writes_are_reported_once(tmp_path: Path) -> None:
    events: list[RemoteCacheEvent] = []
    with RedisServer(tmp_path / "redis") as server:
        server.cli("ACL", "SETUSER", "editor", "on", ">pw", "~arama:*", "-@all")
        server.cli("ACL", "SETUSER", "editor", "+get", "+mget", "+info", "+ping", "+client|setname")
        url = f"redis://editor:pw@127.0.0.1:{server.port}/0"
        remote = _remote(url, events, mode="read-write")
        vectors = np.ones((1, 4), np.float32)
        for _ in range(3):
            with pytest.raises(RemoteUnavailable):
                remote.put_many("m", [DIGEST], vectors)
        assert remote.get_many("m", [DIGEST], 4) == [None]  # reading still works
        assert events == [RemoteCacheEvent("writes-refused", "denied", remote.config.display_url)]
        assert remote.breaker.state == "ok" and remote.writes_fault == "denied"
        remote.close()


def test_a_failing_listener_never_reaches_indexing(tmp_path: Path) -> None:
    def broken(_: RemoteCacheEvent) -> None:
        raise RuntimeError("listener bug")

    remote = RemoteCache(
        RemoteCacheConfig(url=f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.3),
        on_change=broken,
    )
    with pytest.raises(RemoteUnavailable):  # "embed locally", not the listener's error
        remote.get_many("m", [DIGEST], 4)
    assert remote.breaker.state == "backing-off"
