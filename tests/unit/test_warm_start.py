"""The first searches of a warm start: answered from the index on disk, ranked as when ready, and
never remembered while the index is still starting (the deterministic test embedder,
support/embedder.py, with a query model that takes a moment to load)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from arama.engine.config import EngineConfig
from arama.engine.search.request import SearchRequest
from support.embedder import BagOfWordsEmbedder
from support.json_engine import JsonEngine as Engine

QUERIES = (
    "transpose matrix rows columns",
    "retry a request with backoff",
    "look up a user by e-mail",
    "delay a function until calls stop",
    "total price of the cart",
)
LOAD_S = 0.3


class LoadingEmbedder(BagOfWordsEmbedder):
    """The test embedder whose query model needs `LOAD_S` to load, like an exported model being
    opened on a warm start (same vectors, same model id: it reads the first engine's index)."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded = False

    def warm_up(self) -> None:
        if not self.loaded:
            time.sleep(LOAD_S)
            self.loaded = True

    def query_ready(self) -> bool:
        return self.loaded

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        self.warm_up()
        return super().embed_query(text)


def _top(answer: dict[str, Any]) -> list[tuple[str, int]]:
    return [(r["path"], r["range"]["start"]["line"]) for r in answer["results"]]


def test_a_warm_start_answers_at_once_from_the_index_on_disk(
    tmp_path: Path, workspace: Path
) -> None:
    config = EngineConfig(cache_dir=tmp_path / "cache")
    first = Engine(config, embedder=BagOfWordsEmbedder())
    first.add_folder(workspace)
    first.start()
    assert first.wait_idle(60)
    ready = {q: _top(first.search(SearchRequest(q))) for q in QUERIES}
    first.close()
    assert all(ready.values())

    warm = Engine(config, embedder=LoadingEmbedder())
    warm.add_folder(workspace)
    warm.start()
    try:
        # Right after start: the folder is not open yet and the query model is loading.
        early = [(q, warm.search(SearchRequest(q))) for q in QUERIES for _ in range(2)]
        assert warm.wait_idle(60)
        later = {q: warm.search(SearchRequest(q)) for q in QUERIES}
    finally:
        warm.close()
    for query, answer in early:
        assert _top(answer) == ready[query], query
        assert answer["partial"] is False
        if answer["indexing"]:
            assert answer["cached"] is False, query
    for query, answer in later.items():
        assert _top(answer) == ready[query] and answer["indexing"] is False


def test_no_answer_is_remembered_while_the_index_is_incomplete(
    tmp_path: Path, workspace: Path
) -> None:
    """A search while files still wait for their vectors is computed afresh each time; once the
    index is complete, the same search is served from memory."""
    engine = Engine(EngineConfig(cache_dir=tmp_path / "cache"), embedder=BagOfWordsEmbedder())
    engine.add_folder(workspace)
    engine.start()
    try:
        assert engine.wait_idle(60)
        folder = engine._registry.all()[0]  # a chunk waiting for its vector: incomplete
        with engine._queue.condition:
            folder.chunks.pending.add(next(iter(folder.catalog.chunk_hashes())))
        incomplete = [engine.search(SearchRequest("matrix rows")) for _ in range(2)]
        assert all(a["indexing"] and not a["cached"] for a in incomplete)
        with engine._queue.condition:
            engine._queue.condition.notify_all()  # the worker embeds it now
        assert engine.wait_idle(60)
        complete = [engine.search(SearchRequest("matrix rows")) for _ in range(2)]
        assert [a["cached"] for a in complete] == [False, True]
    finally:
        engine.close()
