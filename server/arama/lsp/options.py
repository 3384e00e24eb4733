"""Typed `initializationOptions`. A wrong value is logged and replaced by its default, because a
client's typo must not cost the user their search; the other options still apply. Inside an
object option (`remoteCache`) the same holds field by field: a bad `timeoutMs` falls back to its
default and the team cache still works; only a field the object cannot do without (its `url`)
drops the whole object."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from arama.engine.config import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_MAX_FILE_SIZE,
    EngineConfig,
    default_cache_dir,
)
from arama.engine.embedding.remote_config import RemoteCacheConfig, from_environment
from arama.remote_options import RemoteCacheOptions
from arama.validation import (
    CONVERTER,
    Invalid,
    StringList,
    at_least,
    between,
    one_of,
    optional,
    problems,
    without_nulls,
)

log = logging.getLogger(__name__)

MAX_SEARCH_BUDGET_MS = 600_000


def _not_blank(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        raise Invalid("error.length", attribute.alias, low=1, high=4096)


@attrs.frozen
class InitializationOptions:
    """What the client may set (docs/contract.md, "Configuration")."""

    cache_dir: str | None = attrs.field(
        default=None, alias="cacheDir", validator=optional(_not_blank)
    )
    model: str | None = attrs.field(default=None, validator=optional(_not_blank))
    exclude: StringList = attrs.field(default=StringList(()))
    max_file_size: int = attrs.field(
        default=DEFAULT_MAX_FILE_SIZE, alias="maxFileSize", validator=at_least(1)
    )
    threads: int | None = attrs.field(default=None, validator=optional(at_least(1)))
    backend: str = attrs.field(
        default=DEFAULT_BACKEND, alias="embeddingBackend", validator=one_of(BACKENDS)
    )
    search_budget_ms: int = attrs.field(
        default=2000, alias="searchBudgetMs", validator=between(1, MAX_SEARCH_BUDGET_MS)
    )
    # The team-shared embedding cache; without it, ARAMA_REMOTE_CACHE in the server's
    # environment (docs: README, "Sharing the cache with your team").
    remote_cache: RemoteCacheOptions | None = attrs.field(default=None, alias="remoteCache")

    @classmethod
    def parse(cls, raw: Any) -> tuple[InitializationOptions, list[str]]:
        """The options, plus one English line per ignored bad value (for the log). Each bad
        value falls back to its default on its own."""
        if raw is None:
            return cls(), []
        if not isinstance(raw, Mapping):
            return cls(), ["initializationOptions must be an object"]
        given = without_nulls(raw)
        refused: list[str] = []
        for _attempt in range(_key_count(given) + 1):
            try:
                return CONVERTER.structure(given, cls), refused
            except Exception as exc:
                found = problems(exc)
            for problem in found:
                refused.append(problem.message("en"))
                _drop(given, problem.field)
        return cls(), refused  # not reached: every round removes a key

    def engine_config(self) -> EngineConfig:
        return EngineConfig(
            cache_dir=Path(self.cache_dir).expanduser() if self.cache_dir else default_cache_dir(),
            model=self.model,
            exclude=self.exclude,
            max_file_size=self.max_file_size,
            threads=self.threads if self.threads is not None else _default_threads(),
            backend=self.backend,
            search_budget_s=self.search_budget_ms / 1000,
            remote_cache=self.remote_cache_config(),
        )

    def remote_cache_config(self) -> RemoteCacheConfig | None:
        if self.remote_cache is not None:
            return self.remote_cache.config()
        try:
            return from_environment()
        except ValueError as exc:
            log.warning("ignored ARAMA_REMOTE_CACHE: %s", exc)
            return None


# Fields an object option cannot do without: a bad one drops the whole object.
ESSENTIAL_FIELDS: dict[str, frozenset[str]] = {"remoteCache": frozenset({"url"})}


def _drop(given: dict[str, Any], field: str) -> None:
    """Remove the refused value at `field` ("searchBudgetMs", "remoteCache.timeoutMs") so its
    default applies: a nested field alone, unless it is essential to its object."""
    top, _, rest = field.partition(".")
    top = top.split("[", 1)[0]
    name = rest.split(".", 1)[0].split("[", 1)[0]
    nested = given.get(top)
    if isinstance(nested, Mapping) and name in nested and name not in ESSENTIAL_FIELDS.get(top, ()):
        given[top] = {key: value for key, value in nested.items() if key != name}
    else:
        given.pop(top, None)


def _key_count(given: Mapping[str, Any]) -> int:
    return len(given) + sum(len(v) for v in given.values() if isinstance(v, Mapping))


def _default_threads() -> int:
    return max(1, os.cpu_count() or 1)
