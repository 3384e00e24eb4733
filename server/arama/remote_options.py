"""The team-shared cache's settings as a client gives them: `initializationOptions.remoteCache`
(an attrs class read by the one converter, `validation.py`) and the CLI's flags. Both end in the
engine's `RemoteCacheConfig`; the password is read from the URL or from an environment variable
(`passwordEnv`, default `ARAMA_REMOTE_CACHE_PASSWORD`), never from a file.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from typing import Any
from urllib.parse import urlsplit

import attrs

from arama.engine.embedding.remote_config import (
    DEFAULT_TIMEOUT_MS,
    DEFAULT_TTL_S,
    DEFAULT_VERIFY_FRACTION,
    ENV_PASSWORD,
    REMOTE_MODES,
    SCHEMES,
    RemoteCacheConfig,
    from_environment,
)
from arama.engine.records import RemoteCacheStatus
from arama.messages import remote_reason, text
from arama.validation import Invalid, between, one_of

MAX_TIMEOUT_MS = 60_000
MAX_TTL_S = 10 * 365 * 24 * 3600


def _cache_url(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    try:
        scheme = urlsplit(value).scheme
    except ValueError:
        scheme = ""
    if scheme not in SCHEMES or len(value) > 4096:
        raise Invalid("error.remote_url", attribute.alias or attribute.name)


def _fraction(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise Invalid("error.range", attribute.alias or attribute.name, low=0, high=1)


def _env_name(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value or len(value) > 200 or not value.replace("_", "a").isalnum():
        raise Invalid("error.env_name", attribute.alias or attribute.name)


@attrs.frozen
class RemoteCacheOptions:
    """`initializationOptions.remoteCache` (docs/contract.md, "Configuration")."""

    url: str = attrs.field(validator=_cache_url)
    mode: str = attrs.field(default="read", validator=one_of(REMOTE_MODES))
    timeout_ms: int = attrs.field(
        default=DEFAULT_TIMEOUT_MS, alias="timeoutMs", validator=between(1, MAX_TIMEOUT_MS)
    )
    verify_fraction: float = attrs.field(
        default=DEFAULT_VERIFY_FRACTION, alias="verifyFraction", validator=_fraction
    )
    ttl_seconds: int = attrs.field(
        default=DEFAULT_TTL_S, alias="ttlSeconds", validator=between(0, MAX_TTL_S)
    )
    password_env: str = attrs.field(default=ENV_PASSWORD, alias="passwordEnv", validator=_env_name)

    def config(self) -> RemoteCacheConfig:
        return RemoteCacheConfig(
            url=self.url,
            mode=self.mode,
            timeout_s=self.timeout_ms / 1000,
            verify_fraction=self.verify_fraction,
            ttl_s=self.ttl_seconds,
            password=os.environ.get(self.password_env) or None,
        )


# -- the CLI ------------------------------------------------------------------------------------


def add_remote_flags(parser: argparse.ArgumentParser) -> None:
    """--remote-cache URL and its settings (every command that opens the engine)."""
    group = parser.add_argument_group("team-shared embedding cache")
    group.add_argument(
        "--remote-cache",
        metavar="URL",
        help="redis://, rediss:// or unix:// URL of a Redis or Valkey server (default: "
        "$ARAMA_REMOTE_CACHE); the password from the URL or $ARAMA_REMOTE_CACHE_PASSWORD",
    )
    group.add_argument("--remote-mode", choices=REMOTE_MODES, help="default: read")
    group.add_argument("--remote-timeout-ms", type=_bounded_int(1, MAX_TIMEOUT_MS), default=None)
    group.add_argument("--verify-fraction", type=_fraction_arg, default=None)
    group.add_argument("--remote-ttl", type=_bounded_int(0, MAX_TTL_S), default=None)


def add_push_flag(parser: argparse.ArgumentParser) -> None:
    """`arama index --push`: mode read-write."""
    parser.add_argument(
        "--push",
        action="store_true",
        help="write new vectors to the remote cache (SET NX with a TTL): the CI job that "
        "prewarms the team's cache",
    )


def remote_config(ns: argparse.Namespace) -> RemoteCacheConfig | None:
    """The remote tier the flags and the environment name (None: none). SystemExit with a
    clear message when malformed."""
    try:
        base: RemoteCacheConfig | None
        if ns.remote_cache:
            base = RemoteCacheConfig(url=ns.remote_cache, password=os.environ.get(ENV_PASSWORD))
        else:
            base = from_environment()
        if base is None:
            if getattr(ns, "push", False):
                raise SystemExit("arama: --push needs --remote-cache URL or ARAMA_REMOTE_CACHE")
            return None
        return dataclasses.replace(
            base,
            mode="read-write" if getattr(ns, "push", False) else ns.remote_mode or base.mode,
            timeout_s=ns.remote_timeout_ms / 1000 if ns.remote_timeout_ms else base.timeout_s,
            verify_fraction=(
                ns.verify_fraction if ns.verify_fraction is not None else base.verify_fraction
            ),
            ttl_s=ns.remote_ttl if ns.remote_ttl is not None else base.ttl_s,
        )
    except ValueError as exc:
        raise SystemExit(f"arama: {exc}") from None


def _bounded_int(low: int, high: int) -> Any:
    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return number

    return parse


def _fraction_arg(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return number


def remote_summary(remote: RemoteCacheStatus, locale: str | None) -> list[str]:
    """What `arama index` prints about the team cache, in the user's language (the client
    library's own message for a fault is only logged)."""
    lines = [
        text(
            "remote.summary",
            locale,
            url=remote.url,
            mode=remote.mode,
            state=text(f"remote.state.{remote.state}", locale),
            hits=remote.hits,
            misses=remote.misses,
            writes=remote.writes,
            errors=remote.errors,
        )
    ]
    reason = remote_reason(remote.fault, remote.writes_fault, locale)
    if reason:
        lines.append(text("remote.reason", locale, reason=reason))
    return lines
