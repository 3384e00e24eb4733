"""What a team-shared embedding cache is and how it may be used: its settings, and its address
with the secrets taken out.

The settings come from `initializationOptions.remoteCache` (the editor), the CLI's flags, or the
`ARAMA_REMOTE_CACHE` environment variable (CI). The password is read from the URL or from an
environment variable, never from a file: a workspace file could be committed, or planted by a
repository the user merely opened.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

SCHEMES = ("redis", "rediss", "unix")
REMOTE_MODES = ("read", "read-write")
ENV_URL = "ARAMA_REMOTE_CACHE"
ENV_MODE = "ARAMA_REMOTE_CACHE_MODE"
ENV_PASSWORD = "ARAMA_REMOTE_CACHE_PASSWORD"

# A lookup that takes longer than this gives up and the texts are embedded locally. 500 ms is
# ~300 round trips on a LAN and well under the ~15 s that one 512-text batch costs the model.
DEFAULT_TIMEOUT_MS = 500
# Share of remote hits re-embedded locally and compared (the trust check): 1 % costs 1 % of a
# cold index, and a cache that serves wrong vectors is caught within the first ~100 hits.
DEFAULT_VERIFY_FRACTION = 0.01
# Entries the CI writes live this long unless written again after they expire; with
# `maxmemory-policy allkeys-lru` the server also evicts the least used ones first.
DEFAULT_TTL_S = 30 * 24 * 3600


@dataclass(frozen=True)
class RemoteCacheConfig:
    """A Redis-protocol server (Redis >= 6, Valkey; standalone or Cluster) behind the local
    embedding cache. `password` is kept out of `repr` so no log line can print it."""

    url: str
    mode: str = "read"
    timeout_s: float = DEFAULT_TIMEOUT_MS / 1000
    verify_fraction: float = DEFAULT_VERIFY_FRACTION
    ttl_s: int = DEFAULT_TTL_S
    password: str | None = None

    def __post_init__(self) -> None:
        scheme = urlsplit(self.url).scheme
        if scheme not in SCHEMES:
            raise ValueError(f"remote cache URL must start with {', '.join(SCHEMES)}://")
        if self.mode not in REMOTE_MODES:
            raise ValueError(f"remote cache mode must be one of {', '.join(REMOTE_MODES)}")
        if not 0.0 <= self.verify_fraction <= 1.0:
            raise ValueError("verifyFraction must be between 0 and 1")
        if self.timeout_s <= 0 or self.ttl_s < 0:
            raise ValueError("timeout must be positive and ttl not negative")

    def __repr__(self) -> str:
        return (
            f"RemoteCacheConfig(url={redacted_url(self.url)!r}, mode={self.mode!r}, "
            f"timeout_s={self.timeout_s}, verify_fraction={self.verify_fraction}, "
            f"ttl_s={self.ttl_s}, password={'***' if self.password else None})"
        )

    @property
    def writes(self) -> bool:
        return self.mode == "read-write"

    @property
    def display_url(self) -> str:
        return redacted_url(self.url)


def redacted_url(url: str) -> str:
    """The URL without its password (the user name stays: it says which ACL user is used), and
    without a `password=` query parameter."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}"
        query = "&".join(
            f"{k}=***" if k.lower() == "password" else f"{k}={v}" if sep else k
            for k, sep, v in (item.partition("=") for item in parts.query.split("&") if item)
        )
        return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
    except ValueError:
        return "<unreadable url>"


def password_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """`ARAMA_REMOTE_CACHE_PASSWORD`, when the URL holds none (so CI keeps it in a secret)."""
    value = (os.environ if environ is None else environ).get(ENV_PASSWORD)
    return value or None


def from_environment(environ: Mapping[str, str] | None = None) -> RemoteCacheConfig | None:
    """`ARAMA_REMOTE_CACHE=redis://...` (and `ARAMA_REMOTE_CACHE_MODE=read-write`), for CI and
    for editors whose client passes no option. None when unset; ValueError when malformed."""
    env = os.environ if environ is None else environ
    url = env.get(ENV_URL, "").strip()
    if not url:
        return None
    return RemoteCacheConfig(
        url=url, mode=env.get(ENV_MODE, "read") or "read", password=password_from_env(env)
    )
