"""Exact vs approximate faiss search at workspace sizes from 20k to 1M chunks.

    .venv/bin/python benchmarks/ann.py [--sizes 20k,50k,...] [--json out.json] [--queries N]

Why: exact inner-product search (what `VectorStore` did at every size) grows linearly with the
index; somewhere between 100k and 500k vectors one query costs more than the whole latency budget
of a search. This measures where, and what an approximate index (IVF, HNSW) costs in recall,
build time, removal time and memory, so `arama.engine.vectors` can switch at a measured size.

Vectors: real all-MiniLM-L6-v2 embeddings of real code chunks (this repository and a few
installed packages, chunked by arama's own chunker), embedded once and cached in
`~/.cache/arama-bench/`. Larger sets are made from them: each synthetic vector is a real vector,
plus a random share of a second real vector, plus small Gaussian noise, normalised, so the data
stays clustered the way real embeddings are rather than filling the sphere uniformly (uniform
random vectors are the worst case for IVF and not what a code base looks like). Queries are real
vectors held out of the generator (never a base), half of them lightly perturbed.

Every figure is a median/percentile within one run on a shared, noisy machine: compare rows, not
runs. Latency is one query at a time (as the server asks), k=10 unless said otherwise.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("ARAMA_BENCH_CACHE", Path.home() / ".cache" / "arama-bench"))
PACKAGES = ["diskcache", "pygls", "watchfiles", "lsprotocol", "sentence_transformers", "pathspec"]
Matrix = npt.NDArray[np.float32]
# One query at a time is timed on one OpenMP thread by default: on these 2 shared cores, faiss's
# two-thread single-query search was 4x slower (104 vs 23 ms p50, exact, 100k) than one thread
# whenever other processes kept the cores busy (OpenMP threads wait for each other).
SEARCH_THREADS = 1


# -- real vectors -------------------------------------------------------------------------------


def real_vectors(limit: int) -> Matrix:
    """Up to `limit` distinct real chunk embeddings, computed once and cached as .npy."""
    path = CACHE / f"minilm-code-{limit}.npy"
    if path.exists():
        return np.load(path)
    from arama.engine.chunker import chunk_source
    from arama.engine.embedding.torch_embedder import SentenceTransformerEmbedder
    from arama.engine.records import SkipFile
    from arama.engine.scanner import Scanner, read_source

    roots = [REPO / "server", REPO / "tests", REPO / "benchmarks", REPO / "editor-clients"]
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            roots.extend(Path(p) for p in spec.submodule_search_locations)
    texts: dict[str, None] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for scanned in Scanner(root).scan().files:
            try:
                text = read_source(scanned)
            except SkipFile:
                continue
            for chunk in chunk_source(text, scanned.language):
                if len(chunk.text.strip()) > 40:
                    texts.setdefault(chunk.text)
            if len(texts) >= limit:
                break
        if len(texts) >= limit:
            break
    chosen = list(texts)[:limit]
    print(f"embedding {len(chosen)} real chunks once (cached in {path}) ...", file=sys.stderr)
    started = time.perf_counter()
    vectors = SentenceTransformerEmbedder(threads=os.cpu_count()).embed(chosen)
    print(f"  {time.perf_counter() - started:.0f} s", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def normalise(v: Matrix) -> Matrix:
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def synthetic(base: Matrix, n: int, noise: float, seed: int) -> Matrix:
    """n clustered vectors grown from `base` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        a = base[rng.integers(0, len(base), m)]
        b = base[rng.integers(0, len(base), m)]
        mix = rng.uniform(0.0, 0.5, size=(m, 1)).astype(np.float32)
        part = a + mix * b + rng.normal(0.0, noise, size=a.shape).astype(np.float32)
        out[start : start + m] = normalise(part)
    return out


def queries_from(held_out: Matrix, count: int, noise: float, seed: int) -> Matrix:
    rng = np.random.default_rng(seed)
    q = held_out[rng.choice(len(held_out), size=count, replace=len(held_out) < count)].copy()
    half = count // 2
    q[:half] += rng.normal(0.0, noise / 2, size=q[:half].shape).astype(np.float32)
    return np.ascontiguousarray(normalise(q))


# -- measuring ----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def latencies(fn: Callable[[Matrix], Any], queries: Matrix) -> dict[str, float]:
    """p50/p95 in ms of one query at a time, with faiss on SEARCH_THREADS OpenMP threads."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(SEARCH_THREADS)
    try:
        fn(queries[:1])  # warm
        times = []
        for i in range(len(queries)):
            started = time.perf_counter()
            fn(queries[i : i + 1])
            times.append((time.perf_counter() - started) * 1000)
    finally:
        faiss.omp_set_num_threads(before)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
    }


def recall(found: npt.NDArray[np.int64], truth: npt.NDArray[np.int64], k: int) -> float:
    hits = 0
    total = 0
    for f, t in zip(found, truth, strict=True):
        want = {int(x) for x in t[:k] if x >= 0}
        hits += len(want & {int(x) for x in f[:k] if x >= 0})
        total += len(want)
    return round(hits / max(total, 1), 4)


def index_bytes(index: faiss.Index) -> int:
    """Size of the serialized index: what the saved file holds and (within a few per cent,
    hash maps aside) what the index occupies in memory."""
    return int(faiss.serialize_index(index).nbytes)


def selector_params(allowed: npt.NDArray[np.int64], **extra: Any) -> Any:
    sel = faiss.IDSelectorBatch(allowed)
    if extra:
        return faiss.SearchParametersIVF(sel=sel, **extra)
    return faiss.SearchParameters(sel=sel)


# -- one size -----------------------------------------------------------------------------------


def measure_size(
    n: int,
    base: Matrix,
    queries: Matrix,
    args: argparse.Namespace,
) -> dict[str, Any]:
    k = 10
    data = synthetic(base, n, args.noise, seed=n)
    ids = np.arange(1_000_000, 1_000_000 + n, dtype=np.int64)  # not 0..n-1: ids are arbitrary
    rng = np.random.default_rng(7)
    allowed = np.sort(rng.choice(ids, size=max(k, n // 10), replace=False))
    removed = rng.choice(ids, size=500, replace=False)
    rows: list[dict[str, Any]] = []
    row_q = queries[: args.queries]

    # exact ---------------------------------------------------------------------------------
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(data.shape[1]))
    add_s = timed(lambda: flat.add_with_ids(data, ids))
    _, truth = flat.search(queries, k)
    _, truth100 = flat.search(queries, 100)
    fparams = selector_params(allowed)
    _, truth_f = flat.search(queries, k, params=fparams)
    exact = {
        "index": "Flat (exact)",
        "train_s": 0.0,
        "add_s": round(add_s, 2),
        "recall@10": 1.0,
        **latencies(lambda q: flat.search(q, k), row_q),
        "k100": latencies(lambda q: flat.search(q, 100), row_q[: args.queries // 2]),
        "filtered": {
            **latencies(lambda q: flat.search(q, k, params=fparams), row_q),
            "recall@10": 1.0,
        },
        "bytes": index_bytes(flat) if n <= 200_000 else n * (data.shape[1] * 4 + 8),
    }
    exact["remove_500_s"] = round(timed(lambda: flat.remove_ids(removed)), 3)
    rows.append(exact)

    # IVF -----------------------------------------------------------------------------------
    nlist = round(4 * np.sqrt(n))
    train_rows = data[np.random.default_rng(1).choice(n, min(n, 64 * nlist), replace=False)]
    for kind in args.ivf:
        quantizer = faiss.IndexFlatIP(data.shape[1])
        if kind == "IVFFlat":
            ivf: Any = faiss.IndexIVFFlat(
                quantizer, data.shape[1], nlist, faiss.METRIC_INNER_PRODUCT
            )
        else:
            ivf = faiss.IndexIVFScalarQuantizer(
                quantizer,
                data.shape[1],
                nlist,
                faiss.ScalarQuantizer.QT_8bit,
                faiss.METRIC_INNER_PRODUCT,
            )
        ivf.cp.max_points_per_centroid = 64
        train_s = timed(lambda ivf=ivf: ivf.train(train_rows))
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        add_s = timed(lambda ivf=ivf: ivf.add_with_ids(data, ids))
        size = index_bytes(ivf) if n <= 200_000 or kind != "IVFFlat" else None
        for nprobe in args.nprobe:
            ivf.nprobe = nprobe
            _, found = ivf.search(queries, k)
            row: dict[str, Any] = {
                "index": f"{kind} nlist={nlist} nprobe={nprobe}",
                "train_s": round(train_s, 2),
                "add_s": round(add_s, 2),
                "recall@10": recall(found, truth, k),
                **latencies(lambda q, ivf=ivf: ivf.search(q, k), row_q),
                # computed where serializing would cost another copy: vectors + ids + the
                # id hash table (16 bytes an entry on disk) + centroids
                "bytes": size
                if size is not None
                else n * (data.shape[1] * 4 + 8 + 16) + nlist * data.shape[1] * 4,
            }
            if nprobe in args.detail_nprobe:
                _, found100 = ivf.search(queries, 100)
                row["recall@100"] = recall(found100, truth100, 100)
                row["k100"] = latencies(lambda q, ivf=ivf: ivf.search(q, 100), row_q[:50])
                for mult in (1, 4, nlist):
                    p = selector_params(allowed, nprobe=min(nlist, nprobe * mult))
                    _, found_f = ivf.search(queries, k, params=p)
                    label = "all" if mult == nlist else mult
                    row[f"filtered_nprobe_x{label}"] = {
                        **latencies(lambda q, ivf=ivf, p=p: ivf.search(q, k, params=p), row_q),
                        "recall@10": recall(found_f, truth_f, k),
                    }
            rows.append(row)
        rows[-1]["remove_500_s"] = round(timed(lambda ivf=ivf: ivf.remove_ids(removed)), 3)
        del ivf
        gc.collect()

    # filtered search done by hand: gather the allowed vectors and take dot products (what an
    # approximate index can do when the allow-list is small enough)
    rows_allowed = allowed - 1_000_000
    rows[0]["filtered_gather"] = latencies(
        lambda q: np.argpartition(-(data[rows_allowed] @ q[0]), k)[:k], row_q
    )

    # HNSW ----------------------------------------------------------------------------------
    if n <= args.hnsw_max:
        hnsw = faiss.IndexHNSWFlat(data.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 40
        idmap = faiss.IndexIDMap2(hnsw)
        add_s = timed(lambda: idmap.add_with_ids(data, ids))
        for ef in (32, 64, 128):
            hnsw.hnsw.efSearch = ef
            _, found = idmap.search(queries, k)
            rows.append(
                {
                    "index": f"HNSW32 efSearch={ef}",
                    "train_s": 0.0,
                    "add_s": round(add_s, 2),
                    "recall@10": recall(found, truth, k),
                    **latencies(lambda q: idmap.search(q, k), row_q),
                    "bytes": index_bytes(idmap),
                    "remove_500_s": None,  # HNSW cannot remove vectors
                }
            )
    return {"n": n, "nlist": nlist, "allowed": len(allowed), "rows": rows}


# -- output -------------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    text = text.strip().lower()
    if text.endswith("m"):
        return int(float(text[:-1]) * 1_000_000)
    if text.endswith("k"):
        return int(float(text[:-1]) * 1_000)
    return int(text)


def mb(value: int | None) -> str:
    return "" if value is None else f"{value / 1e6:,.0f}"


def print_table(results: list[dict[str, Any]]) -> None:
    print(
        "| n | index | train s | add s | remove 500 s | recall@10 | p50 ms | p95 ms "
        "| filtered p50/p95 ms (recall) | MB |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for result in results:
        for row in result["rows"]:
            filtered = row.get("filtered") or row.get("filtered_nprobe_x1")
            ftext = ""
            if filtered:
                ftext = f"{filtered['p50_ms']}/{filtered['p95_ms']} ({filtered['recall@10']})"
            for label in ("x4", "xall"):
                wide = row.get(f"filtered_nprobe_{label}")
                if wide:
                    ftext += (
                        f"; nprobe {label}: {wide['p50_ms']}/{wide['p95_ms']} ({wide['recall@10']})"
                    )
            gather = row.get("filtered_gather")
            if gather:
                ftext += f"; gather+dot: {gather['p50_ms']}/{gather['p95_ms']}"
            remove = row.get("remove_500_s")
            print(
                f"| {result['n']:,} | {row['index']} | {row['train_s']} | {row['add_s']} "
                f"| {'' if remove is None else remove} | {row['recall@10']} | {row['p50_ms']} "
                f"| {row['p95_ms']} | {ftext} | {mb(row['bytes'])} |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20k,50k,100k,200k,500k,1m")
    parser.add_argument("--real", type=int, default=3000, help="real chunk vectors to embed")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--noise", type=float, default=0.03, help="per-dimension sigma")
    parser.add_argument("--nprobe", default="8,16,32,64")
    parser.add_argument("--detail-nprobe", default="16,32", help="nprobe with filter/k=100 rows")
    parser.add_argument("--ivf", default="IVFFlat,IVFSQ8")
    parser.add_argument("--hnsw-max", default="100k", help="largest size to build HNSW for")
    parser.add_argument(
        "--threads", type=int, default=0, help="faiss threads for building (0: its default)"
    )
    parser.add_argument("--search-threads", type=int, default=1, help="faiss threads per query")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.nprobe = [int(x) for x in args.nprobe.split(",")]
    args.detail_nprobe = [int(x) for x in args.detail_nprobe.split(",")]
    args.ivf = [x.strip() for x in args.ivf.split(",") if x.strip()]
    args.hnsw_max = parse_size(args.hnsw_max)
    global SEARCH_THREADS
    SEARCH_THREADS = args.search_threads
    if args.threads:
        faiss.omp_set_num_threads(args.threads)

    real = real_vectors(args.real)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(real))
    held = max(50, len(real) // 10)
    base, held_out = real[order[held:]], real[order[:held]]
    queries = queries_from(held_out, args.queries, args.noise, seed=3)
    results = []
    for size in [parse_size(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        results.append(measure_size(size, base, queries, args))
        print(f"  n={size:,}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    print_table(results)
    if args.json:
        meta = {
            "cpus": os.cpu_count(),
            "loadavg": os.getloadavg(),
            "faiss": faiss.__version__,
            "real_vectors": len(real),
            "noise": args.noise,
            "queries": args.queries,
            "search_threads": args.search_threads,
        }
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
