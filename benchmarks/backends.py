"""Embedding backends side by side: torch, onnx (fp32) and onnx-int8 on the same chunk texts.

    .venv/bin/python benchmarks/backends.py                      # all three, table on stdout
    .venv/bin/python benchmarks/backends.py --json out.json      # also every number
    .venv/bin/python benchmarks/backends.py --no-quality         # skip quality.py (minutes)

Each backend runs in a fresh child process that loads only that backend, so start-up and memory
are what a server with that backend would pay:
- start-up: process start -> first query vector (the ONNX model already exported);
- first start (ONNX only): the same with an empty models directory, i.e. including the export;
- indexing: chunks/s over the chunk texts arama makes of this repository's `server/` (its own
  scanner and chunker), in batches of the engine's size, sorted by length as the engine does;
  also chunks per CPU-second of the child, which is steadier on shared cores;
- query latency: p50/p95 of `embed_query` over the quality benchmark's query strings;
- peak RSS: the child's ru_maxrss after all of the above;
- max |v - torch|: over the first 64 chunk vectors;
- MRR@10 (semantic and hybrid) from `benchmarks/quality.py --backend B`, each with a fresh cache
  directory so every vector of the corpus is made by that backend.
The machine is shared and noisy: compare backends by their ratios to torch within one run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
BACKENDS = ("torch", "onnx", "onnx-int8")
DIFF_ROWS = 64
SLOW_SEARCH_MS = 1500.0  # the engine answers partially past its budget (2 s by default)


# -- inputs -----------------------------------------------------------------------------------


def chunk_texts(root: Path, limit: int) -> list[str]:
    """Distinct chunk texts of `root` as arama makes them; an even spread of `limit` of them."""
    from arama.engine.chunker import chunk_source
    from arama.engine.records import SkipFile
    from arama.engine.scanner import Scanner, read_source

    texts: dict[str, None] = {}
    for scanned in Scanner(root).scan().files:
        try:
            text = read_source(scanned)
        except SkipFile:
            continue
        for chunk in chunk_source(text, scanned.language):
            texts.setdefault(chunk.text)
    every = list(texts)
    if len(every) <= limit:
        return every
    step = len(every) / limit
    return [every[int(i * step)] for i in range(limit)]


def query_texts() -> list[str]:
    data = json.loads((BENCH_DIR / "quality_queries.json").read_text(encoding="utf-8"))
    return [str(q["query"]) for q in data["queries"]]


# -- the child: one backend -------------------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    """Load one backend, embed, report JSON on stdout. Timed from the parent's spawn time."""
    from arama.engine.config import EngineConfig
    from arama.engine.embedding.backends import make_embedder

    inputs = json.loads(Path(args.inputs).read_text(encoding="utf-8"))
    texts: list[str] = inputs["texts"]
    queries: list[str] = inputs["queries"]
    cache = Path(args.cache_dir)
    config = EngineConfig(cache_dir=cache, backend=args.child, threads=args.threads)
    embedder = make_embedder(config, cache / "torch")
    embedder.embed_query(queries[0])
    first_query_s = time.time() - args.spawned_at
    out: dict[str, Any] = {"backend": args.child, "first_query_s": first_query_s}
    primary = getattr(embedder, "primary", None)
    out["export_s"] = getattr(primary, "export_seconds", None)
    out["fell_back"] = getattr(embedder, "note", None)
    if args.startup_only:
        print(json.dumps(out))
        return 0

    embedder.warm_up()
    ordered = sorted(texts, key=len)
    size = config.embed_batch_size
    wall = time.perf_counter()
    cpu = time.process_time()
    for start in range(0, len(ordered), size):
        embedder.embed(ordered[start : start + size])
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    out["chunks"] = len(texts)
    out["chunks_per_s"] = len(texts) / wall
    out["chunks_per_cpu_s"] = len(texts) / cpu

    latencies = []
    for query in queries:
        started = time.perf_counter()
        embedder.embed_query(query)
        latencies.append((time.perf_counter() - started) * 1000)
    out["query_ms_p50"] = statistics.median(latencies)
    out["query_ms_p95"] = percentile(latencies, 95)
    np.save(args.vectors, embedder.embed(texts[:DIFF_ROWS]))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["torch_imported"] = "torch" in sys.modules
    out["model_id"] = embedder.model_id
    print(json.dumps(out))
    return 0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))]


def run_child(backend: str, inputs: Path, cache: Path, threads: int, extra: list[str]) -> Any:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        backend,
        "--inputs",
        str(inputs),
        "--cache-dir",
        str(cache),
        "--threads",
        str(threads),
        "--spawned-at",
        repr(time.time()),
        *extra,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{backend} child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- quality ----------------------------------------------------------------------------------


def quality(backend: str, cache: Path, threads: int, scratch: Path) -> dict[str, Any]:
    report = scratch / f"quality-{backend}.json"
    command = [
        sys.executable,
        str(BENCH_DIR / "quality.py"),
        "--backend",
        backend,
        "--modes",
        "semantic,hybrid",
        "--cache-dir",
        str(cache),
        "--threads",
        str(threads),
        "--json",
        str(report),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"quality.py --backend {backend} failed:\n{done.stderr[-3000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    # A search over the engine's budget answers partially, which would be scored as a miss:
    # count the searches that came near it, so a loaded machine cannot pass for a worse model.
    slow = sum(
        1 for q in data["queries"] for ms in q["latency_ms"].values() if ms >= SLOW_SEARCH_MS
    )
    return {
        "mrr_semantic": data["modes"]["semantic"]["overall"]["mrr@10"],
        "mrr_hybrid": data["modes"]["hybrid"]["overall"]["mrr@10"],
        "quality_index_s": data["indexing"]["seconds"],
        "quality_chunks": data["corpus"]["chunks"],
        "quality_slow_searches": slow,
        "quality_seconds": time.perf_counter() - started,
    }


# -- the parent -------------------------------------------------------------------------------


def fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(results: dict[str, dict[str, Any]]) -> str:
    base = results.get("torch", {})

    def ratio(backend: str, key: str, invert: bool = False) -> str:
        mine, ref = results[backend].get(key), base.get(key)
        if not mine or not ref:
            return ""
        return f" ({(ref / mine if invert else mine / ref):.2f}x)"

    header = [
        "backend",
        "start-up s",
        "first start s",
        "chunks/s",
        "chunks/CPU-s",
        "query p50 ms",
        "query p95 ms",
        "peak RSS MB",
        "max abs diff",
        "MRR@10 sem",
        "MRR@10 hyb",
        "quality index s",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for backend, r in results.items():
        cells = [
            backend,
            fmt(r.get("first_query_s"), ".2f") + ratio(backend, "first_query_s", invert=True),
            fmt(r.get("first_start_s"), ".1f"),
            fmt(r.get("chunks_per_s"), ".1f") + ratio(backend, "chunks_per_s"),
            fmt(r.get("chunks_per_cpu_s"), ".1f") + ratio(backend, "chunks_per_cpu_s"),
            fmt(r.get("query_ms_p50"), ".1f"),
            fmt(r.get("query_ms_p95"), ".1f"),
            fmt(r.get("peak_rss_mb"), ".0f"),
            fmt(r.get("max_abs_diff"), ".1e"),
            fmt(r.get("mrr_semantic"), ".3f"),
            fmt(r.get("mrr_hybrid"), ".3f"),
            fmt(r.get("quality_index_s"), ".0f") + ratio(backend, "quality_index_s", invert=True),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parent(args: argparse.Namespace) -> int:
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not set(backends) <= set(BACKENDS):
        raise SystemExit(f"--backends: choose from {','.join(BACKENDS)}")
    scratch = Path(tempfile.mkdtemp(prefix="arama-backends-"))
    try:
        texts = chunk_texts(args.path, args.chunks)
        queries = query_texts()[: args.queries]
        inputs = scratch / "inputs.json"
        inputs.write_text(json.dumps({"texts": texts, "queries": queries}), encoding="utf-8")
        cache = scratch / "cache"
        results: dict[str, dict[str, Any]] = {b: {} for b in backends}
        print(f"{len(texts)} chunk texts of {args.path}, {len(queries)} queries", file=sys.stderr)
        for backend in backends:  # first start: empty models directory, pays the export
            if backend != "torch":
                first = run_child(backend, inputs, cache, args.threads, ["--startup-only"])
                if first["fell_back"]:
                    raise SystemExit(f"{backend} fell back to torch: {first['fell_back']}")
                results[backend]["first_start_s"] = first["first_query_s"]
                results[backend]["export_s"] = first["export_s"]
        rounds: dict[str, list[dict[str, Any]]] = {b: [] for b in backends}
        for round_number in range(args.rounds):  # interleaved, so load drifts hit all alike
            for backend in backends:
                print(f"round {round_number + 1}: {backend}", file=sys.stderr)
                vectors = scratch / f"{backend}-{round_number}.npy"
                run = run_child(backend, inputs, cache, args.threads, ["--vectors", str(vectors)])
                run["vectors"] = vectors
                rounds[backend].append(run)
        reference = np.load(rounds["torch"][0]["vectors"]) if "torch" in rounds else None
        for backend, runs in rounds.items():
            merged = results[backend]
            for key in runs[0]:
                values = [r[key] for r in runs]
                if values[0] is None and key in merged:
                    continue  # export_s: known from the first start, None in later runs
                if all(isinstance(v, float) for v in values):
                    merged[key] = statistics.median(values)
                elif key != "vectors":
                    merged[key] = values[0]
            if reference is not None:
                diff = np.abs(np.load(runs[0]["vectors"]) - reference)
                merged["max_abs_diff"] = float(diff.max())
        if not args.no_quality:
            for backend in backends:
                print(f"quality.py --backend {backend} ...", file=sys.stderr)
                qcache = scratch / f"quality-cache-{backend}"
                qcache.mkdir()
                if (cache / "models").exists():  # reuse the export; the vectors start empty
                    shutil.copytree(cache / "models", qcache / "models")
                results[backend].update(quality(backend, qcache, args.threads, scratch))
        print(table(results))
        slow = {
            b: r["quality_slow_searches"]
            for b, r in results.items()
            if "quality_slow_searches" in r
        }
        if any(slow.values()):
            print(f"\nsearches over {SLOW_SEARCH_MS:.0f} ms in quality.py (maybe partial): {slow}")
        load = [round(x, 2) for x in os.getloadavg()]
        print(
            f"\n{len(texts)} chunks, {len(queries)} queries, {args.threads} threads, "
            f"{args.rounds} round(s), median; load average at end {load}; "
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
        )
        if args.json:
            report = {
                "benchmark": "arama embedding backends",
                "chunks": len(texts),
                "queries": len(queries),
                "threads": args.threads,
                "rounds": args.rounds,
                "load_average_at_end": load,
                "results": results,
            }
            args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
            print(f"wrote {args.json}", file=sys.stderr)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--path", type=Path, default=REPO / "server", help="chunk texts from here")
    parser.add_argument("--chunks", type=int, default=400, help="how many chunk texts")
    parser.add_argument("--queries", type=int, default=60, help="how many query strings")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds (median)")
    parser.add_argument("--no-quality", action="store_true", help="skip quality.py MRR@10")
    parser.add_argument("--json", type=Path, help="write every number here")
    # child mode (internal)
    parser.add_argument("--child", choices=BACKENDS, help=argparse.SUPPRESS)
    parser.add_argument("--inputs", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    parser.add_argument("--spawned-at", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--vectors", help=argparse.SUPPRESS)
    parser.add_argument("--startup-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())
