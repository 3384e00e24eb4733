"""`initializationOptions.remoteCache`, `ARAMA_REMOTE_CACHE` and the CLI's remote flags: typed,
validated by the one converter, secrets never in a repr (no server or model needed)."""

from __future__ import annotations

import pytest

from arama.cli import build_parser
from arama.engine.embedding.remote_config import (
    DEFAULT_TIMEOUT_MS,
    DEFAULT_TTL_S,
    DEFAULT_VERIFY_FRACTION,
)
from arama.lsp.options import InitializationOptions
from arama.remote_options import remote_config


def test_remote_cache_option_becomes_the_engine_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_CACHE_PW", "hunter2")
    options, problems = InitializationOptions.parse(
        {
            "remoteCache": {
                "url": "rediss://editor@cache.example:6380/0",
                "mode": "read",
                "timeoutMs": 150,
                "verifyFraction": 0.05,
                "ttlSeconds": 3600,
                "passwordEnv": "TEAM_CACHE_PW",
            }
        }
    )
    assert problems == []
    remote = options.engine_config().remote_cache
    assert remote is not None
    assert (remote.url, remote.mode, remote.timeout_s) == (
        "rediss://editor@cache.example:6380/0",
        "read",
        0.15,
    )
    assert (remote.verify_fraction, remote.ttl_s, remote.password) == (0.05, 3600, "hunter2")
    assert "hunter2" not in repr(options.engine_config())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"url": "http://cache", "mode": "read"},
            "'remoteCache.url' must be a redis://, rediss:// or unix:// URL.",
        ),
        ({"mode": "read"}, "'remoteCache.url' is required."),
        ("redis://c", "'remoteCache' must be an object."),
    ],
)
def test_a_remote_cache_without_a_usable_url_is_dropped_and_the_rest_applies(
    value: object, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARAMA_REMOTE_CACHE", raising=False)
    options, problems = InitializationOptions.parse({"remoteCache": value, "searchBudgetMs": 700})
    assert problems == [message]
    assert options.remote_cache is None and options.search_budget_ms == 700
    assert options.engine_config().remote_cache is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mode", "write", "'remoteCache.mode' must be one of: read, read-write."),
        ("timeoutMs", 0, "'remoteCache.timeoutMs' must be between 1 and 60000."),
        ("verifyFraction", 2, "'remoteCache.verifyFraction' must be between 0 and 1."),
        ("verifyFraction", "all", "'remoteCache.verifyFraction' must be a number."),
        ("ttlSeconds", -1, "'remoteCache.ttlSeconds' must be between 0 and 315360000."),
        (
            "passwordEnv",
            "NOT A NAME",
            "'remoteCache.passwordEnv' must be the name of an environment variable.",
        ),
    ],
)
def test_one_bad_remote_cache_field_falls_back_to_its_default_alone(
    field: str, value: object, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like every other option: the bad value is logged by name and its default applies; the
    team cache keeps its URL and the other fields (a typo must not cost the team cache)."""
    monkeypatch.delenv("ARAMA_REMOTE_CACHE", raising=False)
    good = {"url": "redis://c/0", "mode": "read-write", "timeoutMs": 150, "verifyFraction": 0.5}
    good |= {"ttlSeconds": 60, "passwordEnv": "TEAM_PW"}
    options, problems = InitializationOptions.parse({"remoteCache": good | {field: value}})
    assert problems == [message]
    remote = options.engine_config().remote_cache
    assert remote is not None and remote.url == "redis://c/0"
    defaults = {
        "mode": ("mode", "read"),
        "timeoutMs": ("timeout_s", DEFAULT_TIMEOUT_MS / 1000),
        "verifyFraction": ("verify_fraction", DEFAULT_VERIFY_FRACTION),
        "ttlSeconds": ("ttl_s", DEFAULT_TTL_S),
    }
    kept = {"mode": "read-write", "timeout_s": 0.15, "verify_fraction": 0.5, "ttl_s": 60}
    if field in defaults:
        attribute, default = defaults[field]
        kept[attribute] = default
    assert {name: getattr(remote, name) for name in kept} == kept
    two_bad = good | {"mode": "write", "timeoutMs": 0}
    options, problems = InitializationOptions.parse({"remoteCache": two_bad})
    assert len(problems) == 2
    remote = options.engine_config().remote_cache
    assert remote is not None and (remote.mode, remote.timeout_s) == ("read", 0.5)


def test_environment_variable_when_no_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARAMA_REMOTE_CACHE", "redis://cache:6379/2")
    monkeypatch.setenv("ARAMA_REMOTE_CACHE_PASSWORD", "from-ci-secret")
    remote = InitializationOptions().engine_config().remote_cache
    assert remote is not None and remote.url == "redis://cache:6379/2"
    assert remote.mode == "read" and remote.password == "from-ci-secret"
    assert remote.timeout_s == DEFAULT_TIMEOUT_MS / 1000
    monkeypatch.setenv("ARAMA_REMOTE_CACHE", "ftp://nope")
    assert InitializationOptions().engine_config().remote_cache is None  # logged, ignored


def test_cli_flags_and_push(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARAMA_REMOTE_CACHE", raising=False)
    parser = build_parser()
    ns = parser.parse_args(["index", "--remote-cache", "redis://c/0", "--push"])
    remote = remote_config(ns)
    assert remote is not None and remote.mode == "read-write"
    ns = parser.parse_args(
        ["search", "q", "--remote-cache", "unix:///tmp/r.sock", "--remote-timeout-ms", "80"]
    )
    remote = remote_config(ns)
    assert remote is not None and remote.mode == "read" and remote.timeout_s == 0.08
    assert remote_config(parser.parse_args(["status"])) is None
    with pytest.raises(SystemExit, match="--push needs"):
        remote_config(parser.parse_args(["index", "--push"]))
    with pytest.raises(SystemExit, match="must start with"):
        remote_config(parser.parse_args(["index", "--remote-cache", "http://x"]))
    monkeypatch.setenv("ARAMA_REMOTE_CACHE", "redis://ci-cache/0")
    remote = remote_config(parser.parse_args(["index", "--push", "--verify-fraction", "0"]))
    assert remote is not None and remote.url == "redis://ci-cache/0"
    assert remote.mode == "read-write" and remote.verify_fraction == 0


def test_index_summary_speaks_english_and_turkish() -> None:
    from arama.engine.records import RemoteCacheStatus
    from arama.messages import CATALOG
    from arama.remote_options import remote_summary

    remote = RemoteCacheStatus(
        url="redis://ci:***@cache/0",
        mode="read-write",
        state="backing-off",
        fault="timeout",
        cluster=False,
        hits=3,
        misses=4,
        writes=5,
        errors=1,
        rejected=0,
        verified=0,
        latency_ms=1.5,
    )
    english = remote_summary(remote, "en_US.UTF-8")
    assert english[0].startswith("Team cache redis://ci:***@cache/0 (read-write): not answering")
    assert "3 vectors found there, 4 missing, 5 written, 1 errors" in english[0]
    assert english[1] == "Team cache: the server did not answer within timeoutMs " + (
        "(it hangs or is overloaded, or the URL is rediss:// and the server has no TLS)"
    )
    turkish = remote_summary(remote, "tr_TR.UTF-8")
    assert turkish[0].startswith("Ekip önbelleği redis://ci:***@cache/0 (read-write): yanıt")
    assert turkish[1].startswith("Ekip önbelleği: sunucu timeoutMs içinde yanıt vermedi")
    keys = {k for k in CATALOG["en"] if k.startswith("remote.") or "remote_url" in k}
    assert keys and keys <= set(CATALOG["tr"])  # every remote sentence has its Turkish
