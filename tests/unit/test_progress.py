"""Progress tells the truth (the deterministic test embedder, support/embedder.py, with a model
that says it must first be prepared): the model's preparation is its own step, between reading
the files and embedding; the embedding bar ends at exactly 100 %; and its total is the number of
vectors the summary reports, from the cache or from the model."""

from __future__ import annotations

from pathlib import Path

from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.engine.records import Progress
from support.embedder import BagOfWordsEmbedder


class PreparedOnFirstUse(BagOfWordsEmbedder):
    """Needs preparation until its first load (as an ONNX export does, once per machine)."""

    def __init__(self) -> None:
        super().__init__()
        self.prepared = False

    def needs_preparation(self) -> bool:
        return not self.prepared

    def dimension(self) -> int:
        self.prepared = True
        return super().dimension()

    def warm_up(self) -> None:
        self.prepared = True


def _run(
    cache: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> tuple[list[Progress], Engine]:
    seen: list[Progress] = []
    engine = Engine(
        EngineConfig(cache_dir=cache, preload_model=False),
        embedder=embedder,
        on_progress=seen.append,
    )
    engine.add_folder(workspace)
    engine.start()
    assert engine.wait_idle(60)
    return seen, engine


def test_steps_in_order_and_bars_that_end_at_their_totals(tmp_path: Path, workspace: Path) -> None:
    seen, engine = _run(tmp_path / "cache", workspace, PreparedOnFirstUse())
    status = engine.status()
    engine.close()
    phases = [p.phase for p in seen]
    first_model = phases.index("model")
    assert "embedding" not in phases[:first_model]  # no batch before the model is ready
    assert max(i for i, p in enumerate(phases) if p == "scanning") < first_model
    assert [(p.done, p.total) for p in seen if p.phase == "model"] == [(0, 1), (1, 1)]
    embedding = [p for p in seen if p.phase == "embedding"]
    assert embedding and all(p.total > 0 for p in embedding)
    last = embedding[-1]
    assert last.done == last.total == status.vectors_embedded + status.vectors_from_cache
    assert status.vectors_embedded > 0 and phases[-1] == "idle"


def test_vectors_from_the_cache_fill_the_bar_too(tmp_path: Path, workspace: Path) -> None:
    _seen, first = _run(tmp_path / "cache", workspace, BagOfWordsEmbedder())
    made = first.status().vectors_embedded
    first.close()
    for vectors in (tmp_path / "cache").rglob("*.faiss"):
        vectors.unlink()  # the vectors come back from the embedding cache
    seen, engine = _run(tmp_path / "cache", workspace, PreparedOnFirstUse())
    status = engine.status()
    engine.close()
    last = [p for p in seen if p.phase == "embedding"][-1]
    assert last.done == last.total == status.vectors_from_cache == made
    assert status.vectors_embedded == 0
