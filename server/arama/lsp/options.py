"""Typed `initializationOptions`; a wrong value is logged and replaced by its default, because a
client's typo must not cost the user their search."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arama.engine.config import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_MAX_FILE_SIZE,
    EngineConfig,
    default_cache_dir,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InitializationOptions:
    cache_dir: Path | None = None
    model: str | None = None
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    threads: int | None = None
    backend: str = DEFAULT_BACKEND
    search_budget_ms: int = 2000

    @classmethod
    def parse(cls, raw: Any) -> tuple[InitializationOptions, list[str]]:
        """The options, plus one English line per ignored bad value (for the log)."""
        if not isinstance(raw, dict):
            return cls(), ([] if raw is None else ["initializationOptions must be an object"])
        problems: list[str] = []
        cache_dir = raw.get("cacheDir")
        if cache_dir is not None and not (isinstance(cache_dir, str) and cache_dir.strip()):
            problems.append("cacheDir must be a non-empty string")
            cache_dir = None
        model = raw.get("model")
        if model is not None and not (isinstance(model, str) and model.strip()):
            problems.append("model must be a non-empty string")
            model = None
        exclude = raw.get("exclude", [])
        if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
            problems.append("exclude must be a list of glob strings")
            exclude = []
        max_size = raw.get("maxFileSize", DEFAULT_MAX_FILE_SIZE)
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
            problems.append("maxFileSize must be a positive integer")
            max_size = DEFAULT_MAX_FILE_SIZE
        threads = raw.get("threads")
        if threads is not None and (
            isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
        ):
            problems.append("threads must be a positive integer")
            threads = None
        backend = raw.get("embeddingBackend", DEFAULT_BACKEND)
        if backend not in BACKENDS:
            problems.append(
                "embeddingBackend must be one of " + ", ".join(f'"{b}"' for b in BACKENDS)
            )
            backend = DEFAULT_BACKEND
        budget = raw.get("searchBudgetMs", 2000)
        if isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= 600_000:
            problems.append("searchBudgetMs must be an integer from 1 to 600000")
            budget = 2000
        return (
            cls(
                cache_dir=Path(cache_dir).expanduser() if cache_dir else None,
                model=model or None,
                exclude=tuple(exclude),
                max_file_size=max_size,
                threads=threads if threads is not None else _default_threads(),
                backend=backend,
                search_budget_ms=budget,
            ),
            problems,
        )

    def engine_config(self) -> EngineConfig:
        return EngineConfig(
            cache_dir=self.cache_dir or default_cache_dir(),
            model=self.model,
            exclude=self.exclude,
            max_file_size=self.max_file_size,
            threads=self.threads,
            backend=self.backend,
            search_budget_s=self.search_budget_ms / 1000,
        )


def _default_threads() -> int:
    return max(1, os.cpu_count() or 1)
