"""The `arama tune` run: judge the model alone, train an adapter, judge it, keep it or not.

1. Training pairs from every documented function outside the held-out split (tuning/split.py,
   tuning/pairs.py); too few, and the run stops here, before anything slow.
2. `arama eval` on the held-out split with no adapter: the base line. This also brings the
   evaluation index up to date (engine/query_adapter.py: an adapter changes no chunk vector, so
   both judgements search the same index). Then the pairs are embedded through the shared
   embedding cache (a second run embeds nothing it embedded before).
3. The adapter, trained within the time budget (tuning/trainer.py), saved as the candidate.
4. `arama eval` again, same queries, with the candidate; and, when the user gave a questions
   file, both judgements on it too.
5. tuning/judge.py decides; a kept candidate replaces the folder's adapter in one rename, a
   refused one is deleted. Either way the user gets the numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from arama import contract
from arama.engine.config import EngineConfig
from arama.engine.embedding.backends import make_embedder
from arama.engine.embedding.cache import EmbeddingCache
from arama.engine.embedding.protocol import Embedder
from arama.engine.hashing import text_hash
from arama.engine.query_adapter import Vectors
from arama.engine.records import Progress, SkipFile
from arama.engine.scanner import Scanner, read_source
from arama.engine.search.paths import Content, content_of
from arama.engine.search.request import Mode
from arama.evaluation.errors import NothingToEvaluate
from arama.evaluation.mining import SourceFile, minable
from arama.evaluation.queries import read_queries
from arama.evaluation.report import EvalReport
from arama.evaluation.runner import EvalSettings, evaluate
from arama.tuning.judge import JUDGED_MODE, Comparison, Verdict, compare, judge
from arama.tuning.pairs import Pair, training_pairs
from arama.tuning.store import drop_candidate, keep_candidate, save_candidate
from arama.tuning.trainer import TrainingReport, train_adapter

Notify = Callable[[str, Mapping[str, Any]], None]

DEFAULT_MINUTES = 3.0
# Fewer pairs than this teach a 384 x 384 map nothing it can keep (attrs has ~180).
MIN_PAIRS = 100
JUDGED_MODES: tuple[Mode, ...] = ("hybrid", "semantic")
EMBED_BATCH = 32


class NothingToTune(NothingToEvaluate):
    """Too few documented functions to learn from. Exit 1."""


@dataclass(frozen=True)
class TuneSettings:
    minutes: float = DEFAULT_MINUTES
    sample: int = 400  # held-out queries asked (all of them in most repositories)
    seed: int = 0
    queries_file: Path | None = None


@dataclass(frozen=True)
class TuneReport:
    folder: Path
    model: str
    pairs: dict[str, int]  # kind -> count
    training: TrainingReport
    verdict: Verdict
    semantic: Comparison  # the model's channel alone, for the record
    embedded_pairs: int
    seconds: float


def tune(
    config: EngineConfig,
    root: Path,
    settings: TuneSettings,
    *,
    embedder: Embedder | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    notify: Notify | None = None,
) -> TuneReport:
    started = time.monotonic()
    root = root.resolve()
    if settings.queries_file is not None:
        read_queries(settings.queries_file, root)  # a bad file fails now, not after training
    say = notify or (lambda key, values: None)
    model = embedder or make_embedder(config, config.cache_dir / "torch")
    drop_candidate(config, root)
    held_out = EvalSettings(
        modes=JUDGED_MODES, sample=settings.sample, seed=settings.seed, held_out=True
    )

    def judge_with(adapter: str, what: EvalSettings) -> EvalReport:
        return evaluate(
            replace(config, adapter=adapter), root, what, embedder=model, on_progress=on_progress
        )

    pairs = training_pairs(code_sources(config, root))  # seconds: before the minutes below
    if len(pairs) < MIN_PAIRS:
        raise NothingToTune("tune.tooFew", folder=root, pairs=len(pairs), needed=MIN_PAIRS)
    say("tune.note.base", {"folder": root})
    base = judge_with("none", held_out)
    say("tune.note.training", {"pairs": len(pairs), "minutes": settings.minutes})
    queries, answers, embedded = embed_pairs(config, model, pairs)
    adapter, training = train_adapter(
        queries, answers, model.model_id, seconds=settings.minutes * 60
    )
    save_candidate(config, root, adapter)
    try:
        say("tune.note.judging", {})
        tuned = judge_with("candidate", held_out)
        questions = None
        if settings.queries_file is not None:
            asked = EvalSettings(modes=(JUDGED_MODE,), queries_file=settings.queries_file)
            questions = compare(
                judge_with("none", asked).outcomes,
                judge_with("candidate", asked).outcomes,
                JUDGED_MODE,
            )
        verdict = judge(compare(base.outcomes, tuned.outcomes, JUDGED_MODE), questions)
        report = TuneReport(
            folder=root,
            model=model.model_id,
            pairs={kind: sum(p.kind == kind for p in pairs) for kind in ("doc", "name")},
            training=training,
            verdict=verdict,
            semantic=compare(base.outcomes, tuned.outcomes, "semantic"),
            embedded_pairs=embedded,
            seconds=round(time.monotonic() - started, 1),
        )
        if verdict.keep:
            keep_candidate(config, root, contract.tune_json(report))
    finally:
        drop_candidate(config, root)
    return report


def code_sources(config: EngineConfig, root: Path) -> Iterable[SourceFile]:
    """The workspace's code files the pairs may come from (the index's own file rules)."""
    scanner = Scanner(root, exclude=config.exclude, max_file_size=config.max_file_size)
    for scanned in scanner.scan().files:
        if not minable(scanned.language):
            continue
        if content_of(scanned.rel, scanned.language) is not Content.CODE:
            continue
        try:
            text = read_source(scanned, max_file_size=config.max_file_size)
        except SkipFile:
            continue
        yield SourceFile(scanned.rel, scanned.language, text)


def embed_pairs(
    config: EngineConfig, model: Embedder, pairs: list[Pair]
) -> tuple[Vectors, Vectors, int]:
    """Both sides' vectors, from the embedding cache where it has them; the count embedded."""
    texts = list(dict.fromkeys([p.query for p in pairs] + [p.answer for p in pairs]))
    digests = [text_hash(t) for t in texts]
    cache = EmbeddingCache(config.embeddings_dir)
    try:
        found = cache.get_many(model.model_id, digests, None, count=False)
        missing = [i for i, vector in enumerate(found) if vector is None]
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start : start + EMBED_BATCH]
            vectors = model.embed([texts[i] for i in batch])
            cache.put_many(model.model_id, [digests[i] for i in batch], vectors)
            for i, vector in zip(batch, vectors, strict=True):
                found[i] = vector
    finally:
        cache.close()
    by_text = {t: v for t, v in zip(texts, found, strict=True) if v is not None}
    queries = np.stack([by_text[p.query] for p in pairs]).astype(np.float32)
    answers = np.stack([by_text[p.answer] for p in pairs]).astype(np.float32)
    return queries, answers, len(missing)
