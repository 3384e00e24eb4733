"""Indexing and query speed, measured as ratios and medians in one run (these machines are noisy).

    .venv/bin/python benchmarks/speed.py [--path FOLDER] [--backend onnx|torch|onnx-int8]
                                         [--json out.json] [--rounds N]

1. raw model throughput: the backend's own `encode` over exactly the texts arama embeds (each
   chunk under its one-line header), all at once, sorted by length;
2. arama's cold index of the same folder (fresh cache dir, model already loaded): chunks/s, and
   the ratio to (1) — how much the scanner, chunker, catalog, cache and faiss cost on top;
3. a warm restart on the same cache: seconds to ready and cache misses (must be 0);
4. in-process query latency (hybrid, semantic, lexical): p50 / p95 over repeated queries, on an
   engine without result cache or query-vector memo (`use_result_cache=False`,
   `query_vector_memo=0`), so every query does the full work, its encoding included.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from arama.engine.chunker import chunk_source
from arama.engine.config import BACKENDS, DEFAULT_BACKEND, EngineConfig
from arama.engine.embedding.backends import make_embedder
from arama.engine.embedding.protocol import Embedder
from arama.engine.embedding.text import with_context
from arama.engine.embedding.torch_embedder import SentenceTransformerEmbedder
from arama.engine.engine import Engine
from arama.engine.records import SkipFile
from arama.engine.scanner import Scanner, read_source
from arama.engine.search.request import MODES, Mode, SearchRequest

REPO = Path(__file__).resolve().parents[1]
QUERIES = [
    "where are embeddings cached on disk",
    "split an identifier written in camel case into words",
    "parse command line arguments",
    "rebuild the vector index when the file is corrupt",
    "which files are ignored by gitignore rules",
    "report indexing progress to the editor",
    "validate the arguments of the search command",
    "fuse lexical and dense rankings",
]


def chunk_texts(root: Path) -> list[str]:
    """What the engine gives the model for this folder: every chunk under its header."""
    texts: list[str] = []
    for scanned in Scanner(root).scan().files:
        try:
            text = read_source(scanned)
        except SkipFile:
            continue
        texts.extend(
            with_context(c.text, scanned.rel, c.symbol, c.container)
            for c in chunk_source(text, scanned.language)
        )
    return list(dict.fromkeys(texts))  # the engine embeds identical text once


def raw_throughput(embedder: Embedder, texts: list[str]) -> float:
    ordered = sorted(texts, key=len)
    started = time.perf_counter()
    if isinstance(embedder, SentenceTransformerEmbedder):
        embedder.load().encode(
            ordered, batch_size=16, normalize_embeddings=True, show_progress_bar=False
        )
    else:
        embedder.embed(ordered)  # the ONNX backend sorts and batches inside
    return len(texts) / (time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def query_latency(engine: Engine, mode: Mode, rounds: int) -> dict[str, float]:
    timings: list[float] = []
    for _ in range(rounds):
        for query in QUERIES:
            started = time.perf_counter()
            engine.search(SearchRequest(query, limit=20, mode=mode))
            timings.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(timings), "p95_ms": percentile(timings, 0.95)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=REPO)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND)
    ns = parser.parse_args(argv)
    root = ns.path.resolve()

    texts = chunk_texts(root)
    with tempfile.TemporaryDirectory(prefix="arama-speed-") as tmp:
        cache = Path(tmp) / "cache"
        config = EngineConfig(cache_dir=cache, preload_model=False, backend=ns.backend)
        load_started = time.perf_counter()
        embedder = make_embedder(config, cache / "torch")
        embedder.warm_up()
        embedder.embed(["load the indexing model too"])
        model_load_s = time.perf_counter() - load_started
        raw = raw_throughput(embedder, texts)

        engine = Engine(config, embedder=embedder)
        started = time.perf_counter()
        engine.add_folder(root)
        engine.start()
        engine.wait_idle()
        cold_s = time.perf_counter() - started
        status = engine.status()
        engine.close()

        restart_started = time.perf_counter()
        warm = Engine(config, embedder=make_embedder(config, cache / "torch"))
        warm.add_folder(root)
        warm.start()
        warm.wait_idle()
        warm_s = time.perf_counter() - restart_started
        warm_status = warm.status()
        warm.close()

        # The query timings reuse the loaded model, on the same (complete) cache.
        queries = Engine(
            replace(config, use_result_cache=False, query_vector_memo=0), embedder=embedder
        )
        queries.add_folder(root)
        queries.start()
        queries.wait_idle()
        queries.load_model()
        latency = {mode: query_latency(queries, mode, ns.rounds) for mode in MODES}
        queries.close()

    cold_rate = status.chunks / cold_s
    result: dict[str, Any] = {
        "folder": str(root),
        "backend": ns.backend,
        "files": status.files,
        "chunks": status.chunks,
        "model_load_s": round(model_load_s, 2),
        "raw_model_chunks_per_s": round(raw, 1),
        "cold_index_s": round(cold_s, 2),
        "cold_index_chunks_per_s": round(cold_rate, 1),
        "cold_to_raw_ratio": round(cold_rate / raw, 3),
        "warm_restart_s": round(warm_s, 3),
        "warm_restart_cache_misses": warm_status.cache.misses,
        "query_latency_ms": {m: {k: round(v, 2) for k, v in d.items()} for m, d in latency.items()},
    }
    rows = [
        ("files / chunks", f"{result['files']} / {result['chunks']}"),
        ("backend", result["backend"]),
        ("model load (incl. export)", f"{result['model_load_s']} s"),
        ("raw model encode", f"{result['raw_model_chunks_per_s']} chunks/s"),
        (
            "cold index (model loaded)",
            f"{result['cold_index_s']} s = {result['cold_index_chunks_per_s']} chunks/s",
        ),
        ("cold / raw ratio", f"{result['cold_to_raw_ratio']}"),
        (
            "warm restart to ready",
            f"{result['warm_restart_s']} s, {result['warm_restart_cache_misses']} misses",
        ),
    ]
    for mode, values in result["query_latency_ms"].items():
        rows.append((f"query {mode} p50 / p95", f"{values['p50_ms']} / {values['p95_ms']} ms"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if ns.json:
        ns.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
