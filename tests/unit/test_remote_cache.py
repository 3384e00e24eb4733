"""The team-shared cache tier in-process: the engine with the deterministic test embedder
(support/embedder.py, so no model loads) against REAL redis-server processes started on
loopback by support/redis_server.py (installed with apt when missing). The end-to-end tests
with the real model and the real language server are in tests/e2e/test_remote_cache.py."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from arama.engine.config import EngineConfig
from arama.engine.embedding.breaker import CircuitBreaker
from arama.engine.embedding.cache import EmbeddingCache
from arama.engine.embedding.remote import KEY_PREFIX, RemoteCache
from arama.engine.embedding.remote_config import RemoteCacheConfig, redacted_url
from arama.engine.search.request import SearchRequest
from arama.messages import text
from support.embedder import BagOfWordsEmbedder
from support.json_engine import JsonEngine as Engine
from support.redis_server import RedisCluster, RedisServer, free_port

SECRET = "s3cr3t-Passw0rd"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as started:
        yield started


def _laptop(
    tmp_path: Path,
    name: str,
    workspace: Path,
    remote: RemoteCacheConfig | None,
    embedder: BagOfWordsEmbedder | None = None,
) -> tuple[Engine, BagOfWordsEmbedder]:
    """One "laptop": its own cache directory (so its own local embedding cache)."""
    embedder = embedder or BagOfWordsEmbedder()
    config = EngineConfig(cache_dir=tmp_path / name, remote_cache=remote)
    engine = Engine(config, embedder=embedder)
    engine.add_folder(workspace)
    engine.start()
    assert engine.wait_idle(120)
    return engine, embedder


def _remote(url: str, **settings: object) -> RemoteCacheConfig:
    """A remote with a generous timeout unless the test sets one: on a loaded CI machine a
    healthy server must not look slow (the fault tests set short ones)."""
    settings.setdefault("timeout_s", 5.0)
    return RemoteCacheConfig(url=url, **settings)  # type: ignore[arg-type]


def _ranked(engine: Engine, query: str) -> list[tuple[str, int, float]]:
    """Semantic results with a score (ties at 0 come in faiss' insertion order)."""
    answer = engine.search(SearchRequest(query, mode="semantic", limit=10))
    return [
        (r["path"], r["range"]["start"]["line"], round(r["score"], 5))
        for r in answer["results"]
        if r["score"] > 0
    ]


QUERIES = ("transpose matrix rows columns", "retry a request", "price of an item")


def test_prewarmed_remote_means_the_second_laptop_embeds_nothing(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    a, a_model = _laptop(tmp_path, "a", workspace, _remote(server.url, mode="read-write"))
    try:
        a_status = a.status()
        texts = len(set(a_model.embedded_texts))
        assert a_status["remoteCache"]["writes"] == texts > 0
        assert int(server.cli("DBSIZE")) == texts
        a_ranks = {q: _ranked(a, q) for q in QUERIES}
    finally:
        a.close()
    b, b_model = _laptop(tmp_path, "b", workspace, _remote(server.url, verify_fraction=0.0))
    try:
        status = b.status()
        assert b_model.embedded_texts == []  # nothing embedded on laptop B
        assert status["cache"]["misses"] == 0
        remote = status["remoteCache"]
        assert remote["hits"] == texts and remote["misses"] == 0 and remote["writes"] == 0
        assert remote["state"] == "ok" and remote["reason"] is None and remote["errors"] == 0
        assert remote["latencyMs"] > 0 and remote["cluster"] is False
        assert status["embeddedChunks"] == status["chunks"] == a_status["chunks"]
        assert {q: _ranked(b, q) for q in QUERIES} == a_ranks  # B's results equal A's
    finally:
        b.close()
    # Remote hits were stored locally: a third run on laptop B needs no server at all.
    server.stop()
    again, model = _laptop(tmp_path, "b", workspace, _remote(server.url))
    try:
        assert model.embedded_texts == [] and again.status()["remoteCache"]["hits"] == 0
    finally:
        again.close()


def test_half_prewarmed_remote_embeds_only_what_the_team_lacks(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    a, _ = _laptop(tmp_path, "a", workspace, _remote(server.url, mode="read-write"))
    a.close()
    keys = sorted(k.decode() for k in server.client().keys(f"{KEY_PREFIX}*"))
    dropped = keys[::2]
    server.client().delete(*dropped)
    b, b_model = _laptop(tmp_path, "b", workspace, _remote(server.url, verify_fraction=0.0))
    try:
        status = b.status()
        assert len(set(b_model.embedded_texts)) == len(dropped)
        assert status["remoteCache"]["hits"] == len(keys) - len(dropped)
        assert status["remoteCache"]["misses"] == len(dropped)
    finally:
        b.close()


def test_read_mode_never_writes(tmp_path: Path, workspace: Path, server: RedisServer) -> None:
    engine, _ = _laptop(tmp_path, "a", workspace, _remote(server.url))
    try:
        assert engine.status()["remoteCache"]["writes"] == 0
        assert int(server.cli("DBSIZE")) == 0
    finally:
        engine.close()


@pytest.mark.parametrize("garbage", ["short", "wrong-dimension", "nan"])
def test_unusable_remote_values_are_misses_and_embedded_locally(
    tmp_path: Path, workspace: Path, server: RedisServer, garbage: str
) -> None:
    a, _ = _laptop(tmp_path, "a", workspace, _remote(server.url, mode="read-write"))
    a.close()
    client = server.client()
    keys = [k.decode() for k in client.keys(f"{KEY_PREFIX}*")]
    value = {
        "short": b"\x00\x01\x02",
        "wrong-dimension": np.ones(17, np.float32).tobytes(),
        "nan": np.full(256, np.nan, np.float32).tobytes(),
    }[garbage]
    client.set(keys[0], value)
    b, b_model = _laptop(tmp_path, "b", workspace, _remote(server.url, verify_fraction=0.0))
    try:
        status = b.status()
        assert len(set(b_model.embedded_texts)) == 1  # that one entry, embedded locally
        assert status["remoteCache"]["rejected"] == 1
        assert status["remoteCache"]["state"] == "ok"
        assert status["embeddedChunks"] == status["chunks"]
    finally:
        b.close()


def test_a_poisoned_entry_is_caught_by_verification_and_the_remote_distrusted(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    a, _ = _laptop(tmp_path, "a", workspace, _remote(server.url, mode="read-write"))
    a.close()
    client = server.client()
    keys = sorted(k.decode() for k in client.keys(f"{KEY_PREFIX}*"))
    # A valid-looking wrong vector: unit length, right dimension, finite: another text's.
    client.set(keys[0], client.get(keys[1]))
    reference, _ = _laptop(tmp_path, "reference", workspace, None)
    expected = {q: _ranked(reference, q) for q in QUERIES}
    reference.close()
    b, _ = _laptop(tmp_path, "b", workspace, _remote(server.url, verify_fraction=1.0))
    try:
        status = b.status()
        remote = status["remoteCache"]
        assert remote["state"] == "disabled"
        assert remote["reason"] == text("remote.fault.mismatch")
        assert remote["rejected"] >= 1 and remote["verified"] >= 1
        assert {q: _ranked(b, q) for q in QUERIES} == expected  # nothing bent
        assert status["embeddedChunks"] == status["chunks"]
    finally:
        b.close()


def test_verify_fraction_checks_that_share_of_hits(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    a, _ = _laptop(tmp_path, "a", workspace, _remote(server.url, mode="read-write"))
    hits = a.status()["remoteCache"]["writes"]
    a.close()
    b, model = _laptop(tmp_path, "b", workspace, _remote(server.url, verify_fraction=0.5))
    try:
        remote = b.status()["remoteCache"]
        assert remote["state"] == "ok" and remote["hits"] == hits
        assert remote["verified"] == hits // 2 == len(model.embedded_texts)
        assert b.status()["cache"]["misses"] == 0  # verification is not a miss
    finally:
        b.close()


def test_remote_down_indexes_locally_and_says_why(tmp_path: Path, workspace: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    started = time.monotonic()
    engine, model = _laptop(tmp_path, "a", workspace, _remote(url, timeout_s=0.2))
    try:
        status = engine.status()
        assert time.monotonic() - started < 30
        assert status["embeddedChunks"] == status["chunks"] > 0
        remote = status["remoteCache"]
        assert remote["state"] == "backing-off" and remote["reason"] == text("remote.fault.refused")
        assert remote["errors"] == 1  # one failure, then the breaker skips the remote
        assert status["cache"]["hits"] == 0
        assert status["cache"]["misses"] >= len(set(model.embedded_texts)) > 0
    finally:
        engine.close()


def test_paused_server_costs_one_timeout_not_one_per_batch(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    server.pause()  # SIGSTOP: connections are accepted by the kernel, requests hang
    try:
        started = time.monotonic()
        engine, _ = _laptop(tmp_path, "a", workspace, _remote(server.url, timeout_s=0.3))
        took = time.monotonic() - started
        try:
            status = engine.status()
            assert status["embeddedChunks"] == status["chunks"] > 0
            remote = status["remoteCache"]
            assert remote["state"] == "backing-off"
            assert remote["reason"] == text("remote.fault.timeout")
            assert remote["errors"] == 1
            assert took < 20
        finally:
            engine.close()
    finally:
        server.resume()


def test_server_killed_mid_index_loses_nothing(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    """The remote dies after the first lookups: indexing finishes locally."""
    embedder = BagOfWordsEmbedder()
    original = embedder.embed
    calls = 0

    def embed_then_kill(texts):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 1:
            server.kill()
        return original(texts)

    embedder.embed = embed_then_kill  # type: ignore[method-assign]
    engine, _ = _laptop(
        tmp_path, "a", workspace, _remote(server.url, mode="read-write"), embedder=embedder
    )
    try:
        status = engine.status()
        assert status["embeddedChunks"] == status["chunks"] > 0
        assert status["pendingChunks"] == status["pendingNames"] == 0
        assert status["remoteCache"]["state"] == "backing-off"
        assert status["remoteCache"]["errors"] >= 1
    finally:
        engine.close()


def test_wrong_password_disables_the_tier_and_never_prints_it(
    tmp_path: Path, workspace: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with RedisServer(tmp_path / "redis", password=SECRET) as server:
        url = f"redis://:{SECRET}-wrong@127.0.0.1:{server.port}/0"
        engine, _ = _laptop(tmp_path, "a", workspace, _remote(url))
        try:
            status = engine.status()
            assert status["embeddedChunks"] == status["chunks"] > 0
            remote = status["remoteCache"]
            assert remote["state"] == "disabled"
            assert remote["reason"] == text("remote.fault.auth")
            assert "AuthenticationError" in caplog.text  # the client's own words: the log only
            seen = json.dumps(engine.status()) + caplog.text + repr(engine.config)
            assert SECRET not in seen
            assert remote["url"] == f"redis://:***@127.0.0.1:{server.port}/0"
        finally:
            engine.close()


def test_password_from_the_environment_variable(
    tmp_path: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with RedisServer(tmp_path / "redis", password=SECRET) as server:
        url = f"redis://127.0.0.1:{server.port}/0"
        engine, _ = _laptop(
            tmp_path, "a", workspace, _remote(url, mode="read-write", password=SECRET)
        )
        try:
            remote = engine.status()["remoteCache"]
            assert remote["state"] == "ok" and remote["writes"] > 0
            assert SECRET not in repr(engine.config) + json.dumps(engine.status())
        finally:
            engine.close()


def test_tls_to_a_plain_server_falls_back_to_local(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    url = f"rediss://127.0.0.1:{server.port}/0"
    engine, _ = _laptop(tmp_path, "a", workspace, _remote(url, timeout_s=0.5))
    try:
        status = engine.status()
        assert status["embeddedChunks"] == status["chunks"] > 0
        assert status["remoteCache"]["state"] == "backing-off"
        assert status["remoteCache"]["errors"] == 1
    finally:
        engine.close()


def test_tls_server_trusted_by_its_ca_and_refused_without_it(
    tmp_path: Path, workspace: Path
) -> None:
    """rediss:// against a real TLS server (a throw-away CA): works with the CA, and an
    untrusted certificate or a plain connection to the TLS port only costs the remote."""
    with RedisServer(tmp_path / "redis", tls=True) as server:
        assert server.url.startswith("rediss://")
        a, _ = _laptop(tmp_path, "a", workspace, _remote(server.url, mode="read-write"))
        writes = a.status()["remoteCache"]["writes"]
        a.close()
        assert writes > 0
        b, model = _laptop(tmp_path, "b", workspace, _remote(server.url, verify_fraction=0))
        try:
            assert model.embedded_texts == [] and b.status()["remoteCache"]["hits"] == writes
        finally:
            b.close()
        untrusted = f"rediss://127.0.0.1:{server.port}/0"
        plain = f"redis://127.0.0.1:{server.port}/0"
        for name, url, why in (("c", untrusted, "tls"), ("d", plain, "closed")):
            engine, model = _laptop(tmp_path, name, workspace, _remote(url, timeout_s=0.5))
            try:
                status = engine.status()
                assert status["embeddedChunks"] == status["chunks"] > 0
                assert model.embedded_texts  # embedded locally
                assert status["remoteCache"]["state"] == "backing-off"
                assert status["remoteCache"]["reason"] == text(f"remote.fault.{why}")
            finally:
                engine.close()


def test_read_only_acl_user_in_read_write_mode_reads_but_does_not_write(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    a, _ = _laptop(tmp_path, "a", workspace, _remote(server.url, mode="read-write"))
    a.close()
    # The editors' ACL user of the README: GET/MGET on arama:* only.
    server.cli("ACL", "SETUSER", "editor", "on", ">pw", "resetkeys", "~arama:*", "-@all")
    server.cli("ACL", "SETUSER", "editor", "+get", "+mget", "+info", "+ping", "+client|setname")
    workspace.joinpath("new_module.py").write_text("def brand_new_function():\n    return 42\n")
    url = f"redis://editor:pw@127.0.0.1:{server.port}/0"
    b, model = _laptop(tmp_path, "b", workspace, _remote(url, mode="read-write"))
    try:
        remote = b.status()["remoteCache"]
        assert remote["hits"] > 0 and remote["writes"] == 0
        assert remote["state"] == "ok"
        assert remote["reason"] == text("remote.writes_refused", fault=text("remote.fault.denied"))
        assert model.embedded_texts  # the new file's texts, embedded locally
    finally:
        b.close()


def test_concurrent_pushers_are_safe(tmp_path: Path, workspace: Path, server: RedisServer) -> None:
    """Several CI jobs pushing the same texts at once: SET NX keeps one value per key."""
    results: list[dict[str, object]] = []

    def push(name: str) -> None:
        engine, _ = _laptop(tmp_path, name, workspace, _remote(server.url, mode="read-write"))
        results.append(engine.status())
        engine.close()

    threads = [threading.Thread(target=push, args=(f"ci{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(results) == 3
    texts = int(server.cli("DBSIZE"))
    writes = [r["remoteCache"]["writes"] for r in results]  # type: ignore[index]
    assert sum(writes) == texts  # each key written exactly once, by whichever job came first
    assert all(r["remoteCache"]["errors"] == 0 for r in results)  # type: ignore[index]
    # The values are the deterministic model's vectors, whoever wrote them.
    local = EmbeddingCache(tmp_path / "ci0" / "embeddings")
    key = next(iter(local._cache.iterkeys()))
    assert server.client().get(KEY_PREFIX + key) == local._cache.get(key)
    local.close()


def test_unix_socket(tmp_path: Path, workspace: Path) -> None:
    with RedisServer(tmp_path / "redis", unix_socket=True) as server:
        a, _ = _laptop(tmp_path, "a", workspace, _remote(server.url, mode="read-write"))
        a.close()
        b, model = _laptop(tmp_path, "b", workspace, _remote(server.url, verify_fraction=0))
        try:
            assert model.embedded_texts == []
            assert b.status()["remoteCache"]["hits"] > 0
        finally:
            b.close()


def test_cluster_push_read_and_a_node_down(tmp_path: Path, workspace: Path) -> None:
    with RedisCluster(tmp_path / "cluster") as cluster:
        a, _ = _laptop(tmp_path, "a", workspace, _remote(cluster.url, mode="read-write"))
        writes = a.status()["remoteCache"]["writes"]
        assert a.status()["remoteCache"]["cluster"] is True
        a.close()
        per_node = cluster.keys_per_node()
        assert sum(per_node) == writes and all(n > 0 for n in per_node)  # spread by slot
        b, model = _laptop(tmp_path, "b", workspace, _remote(cluster.url, verify_fraction=0))
        try:
            assert model.embedded_texts == [] and b.status()["remoteCache"]["hits"] == writes
        finally:
            b.close()
        cluster.nodes[1].kill()
        c, model = _laptop(tmp_path, "c", workspace, _remote(cluster.url, timeout_s=0.3))
        try:
            status = c.status()
            assert status["embeddedChunks"] == status["chunks"] > 0
            assert status["remoteCache"]["errors"] >= 1
            assert status["remoteCache"]["state"] == "backing-off"
        finally:
            c.close()


# -- the pieces alone ----------------------------------------------------------------------------


def test_breaker_backs_off_doubles_and_recovers() -> None:
    now = [0.0]
    breaker = CircuitBreaker(first_backoff_s=1.0, max_backoff_s=4.0, clock=lambda: now[0])
    assert breaker.allow() and breaker.state == "ok"
    assert breaker.failed("TimeoutError") == 1.0
    assert not breaker.allow() and breaker.state == "backing-off"
    now[0] = 1.0
    assert breaker.allow()  # one trial
    assert breaker.failed("TimeoutError") == 2.0
    assert breaker.failed("TimeoutError") == 4.0 and breaker.failed("x") == 4.0  # capped
    now[0] = 10.0
    breaker.succeeded()
    assert breaker.state == "ok" and breaker.reason is None and breaker.allow()
    breaker.disable("AuthenticationError")
    now[0] = 1e9
    assert not breaker.allow() and breaker.state == "disabled"
    breaker.succeeded()
    assert breaker.state == "disabled" and breaker.reason == "AuthenticationError"


def test_urls_are_redacted_everywhere() -> None:
    assert redacted_url("redis://ci:hunter2@cache:6379/0") == "redis://ci:***@cache:6379/0"
    assert redacted_url("rediss://:hunter2@cache/1") == "rediss://:***@cache/1"
    assert redacted_url("redis://cache:6379") == "redis://cache:6379"
    assert redacted_url("unix:///run/r.sock?password=hunter2&db=2") == (
        "unix:///run/r.sock?password=***&db=2"
    )
    config = RemoteCacheConfig(url="redis://u:hunter2@h/0", password="other-secret")
    assert "hunter2" not in repr(config) and "other-secret" not in repr(config)


@pytest.mark.parametrize(
    "settings",
    [
        {"url": "http://cache:6379"},
        {"url": "redis://cache", "mode": "write"},
        {"url": "redis://cache", "verify_fraction": 1.5},
        {"url": "redis://cache", "timeout_s": 0},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RemoteCacheConfig(**settings)  # type: ignore[arg-type]


def test_remote_alone_reads_what_it_wrote_in_batches(server: RedisServer) -> None:
    remote = RemoteCache(_remote(server.url, mode="read-write"))
    digests = [f"{i:064x}" for i in range(1000)]  # more than one batch
    vectors = np.random.default_rng(0).random((1000, 8), dtype=np.float32)
    assert remote.put_many("m", digests, vectors) == 1000
    assert remote.put_many("m", digests, vectors) == 0  # NX: nothing overwritten
    found = remote.get_many("m", digests, 8)
    assert all(v is not None for v in found)
    assert np.array_equal(np.vstack(found), vectors)  # type: ignore[arg-type]
    assert remote.get_many("other-model", digests[:3], 8) == [None] * 3  # models never mix
    ttl = int(server.cli("TTL", RemoteCache.key("m", digests[0])))
    assert 0 < ttl <= remote.config.ttl_s
    remote.close()


def test_the_readme_acl_users_work_and_cannot_list_keys(
    tmp_path: Path, workspace: Path, server: RedisServer
) -> None:
    """The ACL lines of README "Sharing the cache with your team", on a real server."""
    common = ("resetkeys", "~arama:*", "-@all", "+get", "+mget", "+ping", "+info")
    server.cli("ACL", "SETUSER", "ci", "on", ">ci-pw", *common, "+set", "+client|setname")
    server.cli("ACL", "SETUSER", "editor", "on", ">ed-pw", *common, "+client|setname")
    ci = f"redis://ci:ci-pw@127.0.0.1:{server.port}/0"
    editor = f"redis://editor:ed-pw@127.0.0.1:{server.port}/0"
    a, _ = _laptop(tmp_path, "ci", workspace, _remote(ci, mode="read-write"))
    writes = a.status()["remoteCache"]["writes"]
    a.close()
    assert writes > 0 and int(server.cli("DBSIZE")) == writes
    b, model = _laptop(tmp_path, "editor", workspace, _remote(editor, verify_fraction=0))
    try:
        assert model.embedded_texts == [] and b.status()["remoteCache"]["hits"] == writes
    finally:
        b.close()
    import redis

    for url in (ci, editor):
        client = redis.Redis.from_url(url)
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.keys("arama:*")
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.scan(0)
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.get("other:key")
        client.close()
    with pytest.raises(redis.exceptions.NoPermissionError):
        redis.Redis.from_url(editor).set("arama:v1:x", b"1")


def test_a_mismatch_purges_what_the_remote_served_before_and_re_embeds_it(
    tmp_path: Path, workspace: Path, server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Folder `first` is served (sampled, clean) before folder `second`'s poisoned entries are
    caught: `first`'s remote vectors were only sampled, so they leave the local cache and its
    chunks are embedded by the local model too; in the end every text was embedded locally,
    exactly as without a remote, and the answers are the reference's."""
    caplog.set_level(logging.WARNING)
    first, second = tmp_path / "first", tmp_path / "second"
    shutil.copytree(workspace / "src", first)
    shutil.copytree(workspace / "lib", second)
    ci, _ = _laptop(tmp_path, "ci-first", first, _remote(server.url, mode="read-write"))
    ci.close()
    client = server.client()
    clean = set(client.keys(f"{KEY_PREFIX}*"))
    ci, _ = _laptop(tmp_path, "ci-second", second, _remote(server.url, mode="read-write"))
    ci.close()
    rng = np.random.default_rng(7)
    for key in set(client.keys(f"{KEY_PREFIX}*")) - clean:  # valid-looking, wrong vectors
        wrong = rng.standard_normal(len(client.get(key)) // 4).astype(np.float32)
        client.set(key, (wrong / np.linalg.norm(wrong)).astype(np.float32).tobytes())

    def two_folders(
        name: str, remote: RemoteCacheConfig | None
    ) -> tuple[Engine, BagOfWordsEmbedder]:
        model = BagOfWordsEmbedder()
        engine = Engine(
            EngineConfig(cache_dir=tmp_path / name, remote_cache=remote), embedder=model
        )
        engine.add_folder(first)
        engine.add_folder(second)
        engine.start()
        assert engine.wait_idle(120)
        return engine, model

    reference, reference_model = two_folders("reference", None)
    every_text = set(reference_model.embedded_texts)
    expected = {q: _ranked(reference, q) for q in QUERIES}
    reference.close()
    laptop, model = two_folders("laptop", _remote(server.url, verify_fraction=0.5))
    try:
        status = laptop.status()
        remote = status["remoteCache"]
        assert remote["state"] == "disabled" and remote["reason"] == text("remote.fault.mismatch")
        assert remote["hits"] > 0  # `first` was served before the mismatch
        assert set(model.embedded_texts) == every_text  # `first`'s too, not only a sample
        assert "re-embedding" in caplog.text
        assert status["embeddedChunks"] == status["chunks"] and status["pendingNames"] == 0
        assert {q: _ranked(laptop, q) for q in QUERIES} == expected
    finally:
        laptop.close()
    # The laptop's local cache holds its own model's vectors only: a second session without
    # a remote embeds nothing and answers the same.
    again, again_model = two_folders("laptop", None)
    try:
        assert again_model.embedded_texts == []
        assert {q: _ranked(again, q) for q in QUERIES} == expected
    finally:
        again.close()
