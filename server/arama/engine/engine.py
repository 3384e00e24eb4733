"""The one object the outside talks to: folders in, searches and status out.

An `Indexer` (indexer.py) keeps the index equal to the workspace on its own thread; a
`Searcher` (queries.py) answers questions against it from the caller's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from arama.engine.config import EngineConfig
from arama.engine.embedder import Embedder
from arama.engine.indexer import Indexer, Progress, ProgressCallback
from arama.engine.queries import Searcher
from arama.engine.ranking import SearchRequest
from arama.engine.records import SearchCancelled

__all__ = ["Engine", "Progress", "SearchCancelled"]


class Engine(Indexer):
    def __init__(
        self,
        config: EngineConfig,
        *,
        embedder: Embedder | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        super().__init__(config, embedder=embedder, on_progress=on_progress)
        self._searcher = Searcher(self)

    def close(self) -> None:
        super().close()
        self._searcher.close()

    def search(
        self,
        request: SearchRequest,
        *,
        cancelled: Callable[[], bool] | None = None,
        budget_s: float | None = None,
    ) -> dict[str, Any]:
        return self._searcher.search(request, cancelled=cancelled, budget_s=budget_s)

    def context(self, path: Path, line: int, limit: int = 10) -> dict[str, Any]:
        return self._searcher.context(path, line, limit)

    def symbols(self, query: str, limit: int = 100) -> list[dict[str, Any]]:
        return self._searcher.symbols(query, limit)

    def stats(self) -> dict[str, Any]:
        return self._searcher.stats()
