"""Search quality benchmark: hand-written queries against a fixed corpus.

The corpus is built at run time from full source releases: the PyPI sdists of the packages the
project pins (diskcache, pygls, watchfiles), fetched by `corpora.py` and unpacked whole (all that
each sdist ships: code, tests where it has them, README, build files), plus the project's fixture
workspace, written into a temporary workspace root. Every query names its target definitions
(path + symbol); for each search mode we report MRR@10, Recall@1/3/10, NDCG@10 and search
latency, overall and per query kind.

    .venv/bin/python benchmarks/quality.py                    # all three modes, real model
    .venv/bin/python benchmarks/quality.py --json out.json    # also write every number
    .venv/bin/python benchmarks/quality.py --sweep            # + a grid of fusion settings
    .venv/bin/python benchmarks/quality.py --weights dense=1,lexical=0.5 --rrf-k 30
    .venv/bin/python benchmarks/quality.py --priors query_shape=true,definition_boost=3

The sdists are downloaded once with pip and kept (`--release-cache`, default
`~/.cache/arama-bench/`, shared with corpora.py). Embeddings are cached on disk by content hash
(default `benchmarks/.cache/`), so only the first run pays for the model. See
benchmarks/README.md for what is measured and the latest numbers.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.metadata
import inspect
import itertools
import json
import logging
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from arama.engine.config import BACKENDS, EngineConfig, Fusion, Priors
from arama.engine.embedding.backends import make_embedder
from arama.engine.embedding.protocol import Embedder
from arama.engine.engine import Engine
from arama.engine.lexical import identifier_parts
from arama.engine.records import SearchAnswer
from arama.engine.search.paths import CONTENTS, content_of
from arama.engine.search.request import MODES, Mode, SearchRequest
from corpora import DEFAULT_CACHE_DIR as RELEASE_CACHE_DIR
from corpora import Fetched, Package, Skipped, fetch

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
FIXTURE_DIR = REPO_DIR / "tests" / "fixtures" / "workspace"
QUERIES_FILE = BENCH_DIR / "quality_queries.json"
DEFAULT_CACHE_DIR = BENCH_DIR / ".cache"

# The corpus: the sdists of the packages pinned in pyproject.toml, at those versions, unpacked
# whole under `<name>/` (corpora.py's `pypi` registry). Another version is another corpus: the
# queries' targets were read in these releases, so `--versions` needs `--allow-other-versions`.
# pathspec and tqdm are not pinned by the project, so they are not used.
RELEASES: tuple[Package, ...] = (
    Package("diskcache", "pypi", "diskcache", "5.6.3", "python"),
    Package("pygls", "pypi", "pygls", "2.1.1", "python"),
    Package("watchfiles", "pypi", "watchfiles", "1.3.0", "python"),
)
# pip reads an sdist's metadata through its build backend before saving it, with the backend's
# own build requirements. watchfiles' backend, maturin, asks cargo for the crate graph, which
# needs crates.io: where that is out of reach, pip is run again with a stand-in backend of that
# name that answers from the sdist's own PKG-INFO (nothing is built; the archive is PyPI's).
PKG_INFO_BACKENDS: dict[str, str] = {"watchfiles": "maturin"}
_PKG_INFO_BACKEND = """\
import email, pathlib
def get_requires_for_build_wheel(config_settings=None):
    return []
def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    text = pathlib.Path("PKG-INFO").read_text(encoding="utf-8")
    info = email.message_from_string(text)
    name = f"{info['Name'].replace('-', '_')}-{info['Version']}.dist-info"
    (pathlib.Path(metadata_directory) / name).mkdir()
    (pathlib.Path(metadata_directory) / name / "METADATA").write_text(text, encoding="utf-8")
    return name
"""
# The fixture workspace stands for a small multi-language project; under "fixture/" the path
# rules (server/arama/engine/search/paths.py) would rightly take it for test fixtures.
FIXTURE_PREFIX = "project"

KINDS = ("nl", "mixed", "identifier")
TOP_K = 10
RECALL_AT = (1, 3, 10)

DEFAULT_SWEEP_LEXICAL = (0.25, 0.5, 0.75, 1.0)
DEFAULT_SWEEP_SYMBOL = (0.0, 0.25, 0.5, 1.0)
DEFAULT_SWEEP_RRF_K = (10.0, 30.0, 60.0)
DEFAULT_SWEEP_NAMES = (0.0, 0.25, 0.5, 0.75)
CACHE_BYPASS = "EngineConfig(use_result_cache=False): no answer from the result cache"

log = logging.getLogger("quality")


# -- queries ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    path: str
    symbol: str
    container: str | None = None

    def label(self) -> str:
        name = f"{self.container}.{self.symbol}" if self.container else self.symbol
        return f"{self.path}:{name}"


@dataclass(frozen=True, slots=True)
class Query:
    id: str
    query: str
    kind: str
    targets: tuple[Target, ...]

    @property
    def source(self) -> str:
        """Which part of the corpus the query is about (first path segment of its target)."""
        return self.targets[0].path.split("/", 1)[0]


def load_queries(path: Path) -> list[Query]:
    data = json.loads(path.read_text(encoding="utf-8"))
    queries: list[Query] = []
    seen: set[str] = set()
    for number, raw in enumerate(data["queries"]):
        qid = str(raw.get("id") or f"q{number}")
        if qid in seen:
            raise SystemExit(f"{path}: duplicate query id {qid!r}")
        seen.add(qid)
        kind = str(raw["kind"])
        if kind not in KINDS:
            raise SystemExit(f"{path}: query {qid!r} has kind {kind!r}, expected one of {KINDS}")
        targets = tuple(
            Target(str(t["path"]), str(t["symbol"]), t.get("container")) for t in raw["targets"]
        )
        if not targets:
            raise SystemExit(f"{path}: query {qid!r} has no targets")
        queries.append(Query(qid, str(raw["query"]), kind, targets))
    return queries


# -- corpus -----------------------------------------------------------------------------------


@dataclass
class Corpus:
    root: Path
    versions: dict[str, str]
    archives: dict[str, dict[str, str]]  # name -> archive file name and sha256
    tree_files: dict[str, int]  # part -> files written under it
    files: int
    fingerprint: str


def release_versions(overrides: Mapping[str, str], *, allow_other_versions: bool) -> list[Package]:
    """RELEASES with `--versions` applied; stops unless every version is the pinned one or
    `allow_other_versions` is given."""
    names = {p.name for p in RELEASES}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise SystemExit(
            f"--versions: unknown package(s) {unknown}, expected among {sorted(names)}"
        )
    releases = [replace(p, version=overrides.get(p.name, p.version)) for p in RELEASES]
    other = [
        f"{new.name} {new.version} (pinned {old.version})"
        for old, new in zip(RELEASES, releases, strict=True)
        if new.version != old.version
    ]
    if other and not allow_other_versions:
        raise SystemExit(
            f"the corpus is defined on the pinned sdists, not {', '.join(other)}; results would "
            "not be comparable (pass --allow-other-versions to run anyway)"
        )
    return releases


def _pip_with_pkg_info_backend(package: Package, backend: str, downloads: Path) -> None:
    """`pip download` of the sdist, its build backend `backend` replaced by one that reads the
    sdist's PKG-INFO (see PKG_INFO_BACKENDS)."""
    with tempfile.TemporaryDirectory(prefix="arama-pkg-info-") as stub:
        (Path(stub) / backend).mkdir()
        (Path(stub) / backend / "__init__.py").write_text(_PKG_INFO_BACKEND, encoding="utf-8")
        path = os.pathsep.join(filter(None, (stub, os.environ.get("PYTHONPATH"))))
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        command += ["--no-build-isolation", "--disable-pip-version-check"]
        command += [f"{package.source}=={package.version}", "-d", "."]
        done = subprocess.run(
            command,
            cwd=downloads,
            env={**os.environ, "PYTHONPATH": path},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    if done.returncode:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise SystemExit(f"{package.label}: pip download with a PKG-INFO backend failed: {tail}")


def fetch_release(package: Package, cache_dir: Path) -> Fetched:
    """The release tree of one sdist (downloaded and unpacked once under `cache_dir`), checked
    against its PKG-INFO version; stops the run when it cannot be had."""
    result = fetch(package, cache_dir)
    backend = PKG_INFO_BACKENDS.get(package.name)
    if isinstance(result, Skipped) and backend is not None:
        print(
            f"{package.label}: {result.reason}\n  (pip prepares the metadata with {backend}, "
            "which needs its toolchain and registry): trying again with a PKG-INFO backend",
            file=sys.stderr,
        )
        _pip_with_pkg_info_backend(package, backend, cache_dir / "downloads" / package.registry)
        result = fetch(package, cache_dir)
    if isinstance(result, Skipped):
        raise SystemExit(f"cannot build the corpus: {package.label}: {result.reason}")
    info = result.source / "PKG-INFO"
    found = re.search(r"^Version: *(\S+)", info.read_text(encoding="utf-8"), re.M)
    if found is None or found[1] != package.version:
        raise SystemExit(
            f"{result.archive} is not {package.label}: its PKG-INFO says version "
            f"{found[1] if found else '(none)'}"
        )
    return result


def build_corpus(root: Path, releases: Sequence[Package], cache_dir: Path) -> Corpus:
    """Every file of each release tree under `root/<name>/`, and the fixture workspace under
    `root/project/`."""
    versions: dict[str, str] = {}
    archives: dict[str, dict[str, str]] = {}
    tree_files: dict[str, int] = {}
    for package in releases:
        fetched = fetch_release(package, cache_dir)
        versions[package.name] = package.version
        archives[package.name] = {"archive": fetched.archive.name, "sha256": fetched.sha256}
        for source, rel in fetched.files():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            tree_files[package.name] = tree_files.get(package.name, 0) + 1
    shutil.copytree(FIXTURE_DIR, root / FIXTURE_PREFIX)
    tree_files[FIXTURE_PREFIX] = sum(1 for p in (root / FIXTURE_PREFIX).rglob("*") if p.is_file())
    digest = hashlib.sha256()
    files = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        files += 1
        digest.update(path.relative_to(root).as_posix().encode("utf-8"))
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return Corpus(root, versions, archives, tree_files, files, digest.hexdigest())


def corpus_parts(engine: Engine, corpus: Corpus) -> dict[str, dict[str, Any]]:
    """Per part (first path segment): the files written, and the files and chunks the index
    holds by content kind (`search.paths.content_of`, the engine's `content` filter)."""
    parts: dict[str, dict[str, Any]] = {
        name: {
            "version": corpus.versions.get(name, "this repo"),
            "tree_files": count,
            "files": dict.fromkeys(CONTENTS, 0),
            "chunks": dict.fromkeys(CONTENTS, 0),
        }
        for name, count in corpus.tree_files.items()
    }
    for folder in engine.folders():
        for path, row in sorted(folder.catalog.live_files().items()):
            part = parts[path.split("/", 1)[0]]
            kind = content_of(path, row.language).value
            part["files"][kind] += 1
            part["chunks"][kind] += len(folder.catalog.chunks_of_file(path))
    return parts


# -- embedders --------------------------------------------------------------------------------


class BagOfWordsEmbedder:
    """A deterministic stand-in for the model (hashed identifier-part counts): for checking the
    benchmark's plumbing in seconds. Its numbers say nothing about the real model."""

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def model_id(self) -> str:
        return f"benchmark/bag-of-words-{self._dim}"

    def dimension(self) -> int:
        return self._dim

    def warm_up(self) -> None:
        """Nothing to load."""

    def query_ready(self) -> bool:
        return True

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        vectors: npt.NDArray[np.float32] = self.embed([text])[0]
        return vectors

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text):
                for part in identifier_parts(word) or [word.lower()]:
                    bucket = int(hashlib.md5(part.encode()).hexdigest(), 16) % self._dim
                    out[row, bucket] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
            else:
                out[row, 0] = 1.0
        return out


class CountingEmbedder:
    """The embedder the engine is given, counting the texts it embeds: the model's indexing work
    (chunk texts and definition names; queries go through `embed_query` and are not counted)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.embedded = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def note(self) -> str | None:
        """The backend's fallback note (e.g. ONNX unusable: torch instead), for the status."""
        note = getattr(self.inner, "note", None)
        return None if note is None else str(note)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        vectors = self.inner.embed(texts)
        self.embedded += len(texts)
        return vectors

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        return self.inner.embed_query(text)

    def query_ready(self) -> bool:
        return self.inner.query_ready()

    def dimension(self) -> int:
        return self.inner.dimension()

    def warm_up(self) -> None:
        self.inner.warm_up()


# -- the index --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChunkInfo:
    path: str
    start_line: int
    end_line: int
    symbol: str | None
    container: str | None


def chunk_table(engine: Engine) -> list[ChunkInfo]:
    """Every chunk in the index, read back from the catalog (what search can return)."""
    chunks: list[ChunkInfo] = []
    for folder in engine.folders():
        for path in sorted(folder.catalog.live_files()):
            for row in folder.catalog.chunks_of_file(path):
                chunks.append(
                    ChunkInfo(row.path, row.start_line, row.end_line, row.symbol, row.container)
                )
    return chunks


def _matches(target: Target, path: str, symbol: str | None, container: str | None) -> bool:
    return (
        path == target.path
        and symbol == target.symbol
        and (target.container is None or container == target.container)
    )


def check_targets(queries: Sequence[Query], chunks: Sequence[ChunkInfo]) -> None:
    """Stop loudly unless every target is a chunk with that symbol in that file."""
    missing: list[str] = []
    for query in queries:
        for target in query.targets:
            if not any(_matches(target, c.path, c.symbol, c.container) for c in chunks):
                near = sorted(
                    {f"{c.container}.{c.symbol}" for c in chunks if c.path == target.path}
                )
                hint = f" (symbols in that file: {', '.join(near[:40])})" if near else ""
                missing.append(f"  {query.id}: no chunk {target.label()}{hint}")
    if missing:
        raise SystemExit("targets missing from the index:\n" + "\n".join(missing))


# -- fusion settings --------------------------------------------------------------------------

FUSION_CHANNELS = tuple(Fusion().weights())


def parse_weights(text: str) -> dict[str, float]:
    """`--weights dense=1,lexical=0.5`: channel -> weight, for the channels `Fusion` has."""
    weights: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected channel=weight, got {item!r}")
        name = name.strip()
        if name not in FUSION_CHANNELS:
            raise argparse.ArgumentTypeError(
                f"unknown channel {name!r}, expected one of {', '.join(FUSION_CHANNELS)}"
            )
        try:
            weights[name] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    return weights


def fusion_from(base: Fusion, weights: Mapping[str, float] | None, rrf_k: float | None) -> Fusion:
    """`base` (the configured `EngineConfig.fusion`) with `--weights` and `--rrf-k` applied:
    what every hybrid search of the run is given (`Engine.search(..., fusion=...)`)."""
    changes: dict[str, float] = dict(weights or {})
    if rrf_k is not None:
        changes["k"] = float(rrf_k)
    return replace(base, **changes)


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def parse_priors(text: str) -> Priors:
    """`--priors query_shape=true,definition_boost=3`: a `Priors` with those fields set and the
    others off (`Priors.off()`); `--priors off` is all off, `--priors default` the engine's
    defaults; booleans take true/false/1/0/on/off."""
    if text.strip() == "default":
        return Priors()
    if text.strip() == "off":
        return Priors.off()
    fields = {f.name: f for f in dataclasses.fields(Priors)}
    changes: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = (x.strip() for x in item.partition("="))
        if not sep or name not in fields:
            raise argparse.ArgumentTypeError(
                f"expected prior=value with a prior among {', '.join(fields)}, got {item!r}"
            )
        if isinstance(getattr(Priors(), name), bool):
            if value.lower() not in _TRUE | _FALSE:
                raise argparse.ArgumentTypeError(f"{name}: not a boolean: {value!r}")
            changes[name] = value.lower() in _TRUE
        else:
            try:
                changes[name] = float(value)
            except ValueError:
                raise argparse.ArgumentTypeError(f"{name}: not a number: {value!r}") from None
    return replace(Priors.off(), **changes)


def priors_record(priors: Priors | None) -> dict[str, Any] | None:
    """The "priors" entry of the reports (None: the engine's configured ones)."""
    return None if priors is None else dataclasses.asdict(priors)


def engine_search(
    engine: Engine,
    request: SearchRequest,
    fusion: Fusion,
    priors: Priors | None = None,
) -> SearchAnswer:
    """`engine.search` with no time budget under `fusion`, and `priors` when given. An engine
    whose `search` takes no `priors` yet can only run without them."""
    if priors is None:
        return engine.search(request, budget_s=math.inf, fusion=fusion)
    if "priors" not in inspect.signature(engine.search).parameters:
        raise RuntimeError("Engine.search takes no priors= (the engine has no per-search priors)")
    return engine.search(request, budget_s=math.inf, fusion=fusion, priors=priors)  # type: ignore[call-arg]


def fusion_record(fusion: Fusion) -> dict[str, Any]:
    """The "ranking" entry of the reports: the fusion the searches used."""
    return {"channel_weights": fusion.weights(), "rrf_k": float(fusion.k)}


def measuring_config(config: EngineConfig) -> EngineConfig:
    """`config` for measured runs: no result cache (every search computes its answer, also when
    a sweep asks the same request under another fusion) and no query-vector memo (every search
    encodes its query, so latency includes the query embedding)."""
    return replace(config, use_result_cache=False, query_vector_memo=0)


def reopen_for_sweep(engine: Engine, embedder: Embedder, root: Path, queries: int) -> Engine:
    """`engine` closed and its folder reopened (from the index on disk) by an engine that
    remembers the vectors of `queries` queries: a sweep asks every query once per grid point,
    scores only ranks, and need not encode each query again. The result cache stays off."""
    config = replace(engine.config, query_vector_memo=max(1, queries))
    engine.close()
    swept = Engine(config, embedder=embedder)
    swept.add_folder(root)
    swept.start()
    swept.wait_idle()
    swept.load_model()
    return swept


# -- searching and scoring --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    path: str
    symbol: str | None
    container: str | None
    line: int

    def label(self) -> str:
        name = f"{self.container}.{self.symbol}" if self.container else (self.symbol or "-")
        return f"{self.path}:{self.line + 1}:{name}"


def resolve_hits(answer: SearchAnswer) -> list[Hit]:
    """Results as (path, symbol, container, first line)."""
    return [
        Hit(hit.chunk.path, hit.chunk.symbol, hit.chunk.container, hit.chunk.start_line)
        for hit in answer.hits
    ]


def search(
    engine: Engine, query: str, mode: Mode, fusion: Fusion, priors: Priors | None = None
) -> SearchAnswer:
    """One scored search: the full answer (no time budget) under `fusion` (and `priors`)."""
    request = SearchRequest(query, limit=TOP_K, mode=mode)
    return engine_search(engine, request, fusion, priors)


def first_rank(query: Query, hits: Sequence[Hit]) -> int | None:
    for rank, hit in enumerate(hits, 1):
        if any(_matches(t, hit.path, hit.symbol, hit.container) for t in query.targets):
            return rank
    return None


def metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """Binary relevance, first matching result (targets of a query are alternatives): with one
    relevant answer, NDCG@10 = 1/log2(1 + rank)."""
    n = len(ranks)
    if not n:
        return {}
    found = [r for r in ranks if r is not None and r <= TOP_K]
    out = {"queries": float(n), f"mrr@{TOP_K}": sum(1.0 / r for r in found) / n}
    for k in RECALL_AT:
        out[f"recall@{k}"] = sum(1 for r in found if r <= k) / n
    out[f"ndcg@{TOP_K}"] = sum(1.0 / math.log2(1 + r) for r in found) / n
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


@dataclass
class ModeRun:
    ranks: dict[str, int | None]
    top: dict[str, list[str]]
    latency_ms: list[float]
    cached: int


def run_mode(
    engine: Engine,
    mode: Mode,
    queries: Sequence[Query],
    fusion: Fusion,
    priors: Priors | None = None,
) -> ModeRun:
    """Every query in one mode, timed; `engine` is built with `measuring_config`, so every search
    encodes its query and computes its answer."""
    run = ModeRun({}, {}, [], 0)
    for query in queries:
        started = time.perf_counter()
        answer = search(engine, query.query, mode, fusion, priors)
        run.latency_ms.append((time.perf_counter() - started) * 1000)
        run.cached += answer.cached
        if answer.indexing:
            log.warning("%s answered while indexing", query.id)
        hits = resolve_hits(answer)
        run.ranks[query.id] = first_rank(query, hits)
        run.top[query.id] = [h.label() for h in hits[:5]]
    return run


def _kind_order(query: Query) -> int:
    return KINDS.index(query.kind)


def summarize(queries: Sequence[Query], run: ModeRun) -> dict[str, Any]:
    def group(key: Callable[[Query], str]) -> dict[str, dict[str, float]]:
        names = list(dict.fromkeys(key(q) for q in sorted(queries, key=_kind_order)))
        return {n: metrics([run.ranks[q.id] for q in queries if key(q) == n]) for n in names}

    return {
        "overall": metrics([run.ranks[q.id] for q in queries]),
        "by_kind": group(lambda q: q.kind),
        "by_source": group(lambda q: q.source),
        "latency_ms": {
            "median": round(statistics.median(run.latency_ms), 2),
            "p95": round(percentile(run.latency_ms, 95), 2),
            "max": round(max(run.latency_ms), 2),
        },
        "cached_answers": run.cached,
    }


def sweep(
    engine: Engine,
    queries: Sequence[Query],
    *,
    dense: float,
    lexical: Sequence[float],
    symbol: Sequence[float],
    rrf_k: Sequence[float],
    names: Sequence[float] = (0.5,),
    priors: Priors | None = None,
) -> dict[str, Any]:
    """Hybrid MRR@10 over a grid of fusion settings, on the one index already built (`engine`
    from `reopen_for_sweep`: no answer comes from the result cache), under `priors`."""
    grid: list[dict[str, float]] = []
    per_query: dict[str, dict[str, int | None]] = {}
    for k, lex, sym, nam in itertools.product(rrf_k, lexical, symbol, names):
        fusion = Fusion(dense=dense, lexical=lex, symbol=sym, names=nam, k=k)
        weights = fusion.weights()
        ranks: dict[str, int | None] = {}
        for query in queries:
            answer = search(engine, query.query, "hybrid", fusion, priors)
            ranks[query.id] = first_rank(query, resolve_hits(answer))
        m = metrics(list(ranks.values()))
        row = {
            **weights,
            "rrf_k": k,
            "mrr@10": m["mrr@10"],
            "recall@1": m["recall@1"],
            "recall@10": m["recall@10"],
        }
        for kind in KINDS:
            of_kind = [ranks[q.id] for q in queries if q.kind == kind]
            if of_kind:
                row[f"mrr@10 {kind}"] = metrics(of_kind)["mrr@10"]
        grid.append(row)
        key = f"dense={dense:g},lexical={lex:g},symbol={sym:g},names={nam:g},rrf_k={k:g}"
        per_query[key] = ranks
    best = max(grid, key=lambda row: (row["mrr@10"], row["recall@10"]))
    best_by_kind: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        column = f"mrr@10 {kind}"
        if column in grid[0]:
            best_by_kind[kind] = max(grid, key=lambda row: row[column])
    return {
        "cache_bypass": CACHE_BYPASS,
        "grid": grid,
        "best": best,
        "best_by_kind": best_by_kind,
        "ranks": per_query,
    }


# -- printing ---------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def corpus_table(parts: Mapping[str, Mapping[str, Any]]) -> str:
    """Files and chunks by content kind per corpus part, and the total."""
    kinds = " / ".join(CONTENTS)
    header = ["part", "version", "tree files", f"files {kinds}", f"chunks {kinds}", "chunks"]
    rows: list[list[str]] = []
    total: dict[str, Any] = {"tree_files": 0, "files": {}, "chunks": {}}
    for name, part in parts.items():
        total["tree_files"] += part["tree_files"]
        for key in ("files", "chunks"):
            for kind in CONTENTS:
                total[key][kind] = total[key].get(kind, 0) + part[key][kind]
        rows.append([name, str(part["version"]), *_part_cells(part)])
    rows.append(["total", "", *_part_cells(total)])
    return _table(header, rows)


def _part_cells(part: Mapping[str, Any]) -> list[str]:
    files = " / ".join(f"{part['files'][k]:,}" for k in CONTENTS)
    chunks = " / ".join(f"{part['chunks'][k]:,}" for k in CONTENTS)
    return [f"{part['tree_files']:,}", files, chunks, f"{sum(part['chunks'].values()):,}"]


def print_report(report: Mapping[str, Any], queries: Sequence[Query]) -> None:
    corpus = report["corpus"]
    print(
        f"\ncorpus: {corpus['files']} files, {corpus['chunks']} chunks "
        f"({', '.join(f'{k} {v}' for k, v in corpus['packages'].items())} sdists + fixture "
        f"workspace); fingerprint {corpus['fingerprint'][:16]}\n"
    )
    print(corpus_table(corpus["parts"]))
    idx = report["indexing"]
    print(
        f"indexing: {idx['seconds']:.1f} s ({idx['embedded']} texts embedded by the model, "
        f"{idx['cache_hits']} from the embedding cache); embedder {report['embedder']}"
    )
    print(f"ranking: {report['ranking']}; priors: {report.get('priors') or 'as configured'}")
    print(
        f"machine: {report['cpus']} CPUs, load average {report['load_average_at_start']} "
        "at start (latency depends on it)"
    )
    modes: dict[str, Any] = report["modes"]
    cols = [f"mrr@{TOP_K}", *(f"recall@{k}" for k in RECALL_AT), f"ndcg@{TOP_K}"]
    print(f"\n{len(queries)} queries, top {TOP_K}\n")
    rows = []
    for mode, result in modes.items():
        o = result["overall"]
        lat = result["latency_ms"]
        rows.append(
            [mode, *(f"{o[c]:.3f}" for c in cols), f"{lat['median']:.1f}", f"{lat['p95']:.1f}"]
        )
    print(_table(["mode", *cols, "p50 ms", "p95 ms"], rows))

    for title, key in (("by query kind", "by_kind"), ("by corpus part", "by_source")):
        groups = list(next(iter(modes.values()))[key])
        header = [title.split()[-1], "n"] + [f"{m} mrr/R@10" for m in modes]
        rows = []
        for name in groups:
            first = next(iter(modes.values()))[key][name]
            cells = [
                f"{modes[m][key][name]['mrr@10']:.3f} / {modes[m][key][name]['recall@10']:.2f}"
                for m in modes
            ]
            rows.append([name, str(int(first["queries"])), *cells])
        print(f"\n{title}\n")
        print(_table(header, rows))

    per_query: list[dict[str, Any]] = report["queries"]
    mode_names = list(modes)
    rows = []
    for q in per_query:
        ranks = q["ranks"]
        hybrid, semantic = ranks.get("hybrid"), ranks.get("semantic")
        worse = (
            "hybrid" in ranks
            and "semantic" in ranks
            and semantic is not None
            and (hybrid is None or hybrid > semantic)
        )
        missed = all(r is None for r in ranks.values())
        if worse or missed:
            note = "hybrid < semantic" if worse else "missed by all"
            rows.append([q["id"], q["kind"], *(str(ranks[m] or "-") for m in mode_names), note])
    if rows:
        print("\nqueries where hybrid ranks below semantic, or no mode finds the target\n")
        print(_table(["query", "kind", *mode_names, ""], rows))

    if "sweep" in report:
        sw = report["sweep"]
        grid = sw["grid"]
        print(f"\nsweep: hybrid MRR@10, dense weight 1.0 ({sw['cache_bypass']})")
        symbols = sorted({row["symbol"] for row in grid})
        for k, nam in itertools.product(
            sorted({row["rrf_k"] for row in grid}), sorted({row["names"] for row in grid})
        ):
            rows = []
            for lex in sorted({row["lexical"] for row in grid}):
                cells = [
                    f"{row['mrr@10']:.3f}"
                    for sym in symbols
                    for row in grid
                    if row["rrf_k"] == k
                    and row["names"] == nam
                    and row["lexical"] == lex
                    and row["symbol"] == sym
                ]
                rows.append([f"lexical {lex:g}", *cells])
            print(f"\nrrf_k = {k:g}, names {nam:g}\n")
            print(_table(["", *(f"symbol {s:g}" for s in symbols)], rows))
        best = sw["best"]
        per_kind = ", ".join(
            f"{k} {best[f'mrr@10 {k}']:.3f}" for k in KINDS if f"mrr@10 {k}" in best
        )
        print(
            f"\nbest: lexical {best['lexical']:g}, symbol {best['symbol']:g}, "
            f"names {best['names']:g}, "
            f"rrf_k {best['rrf_k']:g} -> MRR@10 {best['mrr@10']:.3f}, "
            f"R@1 {best['recall@1']:.3f}, R@10 {best['recall@10']:.3f} "
            f"({per_kind})"
        )
        for kind, row in sw["best_by_kind"].items():
            print(
                f"best for {kind}: lexical {row['lexical']:g}, symbol {row['symbol']:g}, "
                f"rrf_k {row['rrf_k']:g} -> {kind} MRR@10 {row[f'mrr@10 {kind}']:.3f} "
                f"(overall {row['mrr@10']:.3f})"
            )


def source_state() -> dict[str, Any]:
    """The commit the engine code comes from and whether server/ differs from it (read-only git
    queries; numbers from a dirty tree are a snapshot of work in progress)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(REPO_DIR), *args],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "server")
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "server_changes": changed.splitlines() if changed else [],
    }


# -- main -------------------------------------------------------------------------------------


def parse_versions(text: str) -> dict[str, str]:
    """`--versions pygls=2.0.0,diskcache=5.6.1`: package -> sdist version."""
    versions: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, version = (x.strip() for x in item.partition("="))
        if not sep or not name or not version:
            raise argparse.ArgumentTypeError(f"expected package=version, got {item!r}")
        versions[name] = version
    return versions


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",") if x.strip())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated search modes")
    parser.add_argument("--json", type=Path, help="write the full report (per query too) here")
    parser.add_argument(
        "--embedder",
        choices=("real", "bow"),
        default="real",
        help="real: the bundled model (default); bow: a fast bag-of-words stand-in for testing",
    )
    parser.add_argument(
        "--model",
        help="with --embedder real: another sentence-transformers model (a name or a local "
        "path, loaded offline) instead of the bundled one; its vectors have their own cache keys",
    )
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--queries", type=Path, default=QUERIES_FILE)
    parser.add_argument(
        "--weights", type=parse_weights, help="fusion weights, e.g. dense=1,lexical=0.5,symbol=0.5"
    )
    parser.add_argument("--rrf-k", type=float, help="reciprocal-rank-fusion constant")
    parser.add_argument(
        "--priors",
        type=parse_priors,
        help="ranking priors for every search, e.g. query_shape=true,definition_boost=3 "
        "(the others off; default: the engine's configured priors)",
    )
    parser.add_argument("--sweep", action="store_true", help="grid of hybrid fusion settings")
    parser.add_argument("--sweep-lexical", type=_floats, default=DEFAULT_SWEEP_LEXICAL)
    parser.add_argument("--sweep-symbol", type=_floats, default=DEFAULT_SWEEP_SYMBOL)
    parser.add_argument("--sweep-rrf-k", type=_floats, default=DEFAULT_SWEEP_RRF_K)
    parser.add_argument("--sweep-dense", type=float, default=1.0)
    parser.add_argument("--sweep-names", type=_floats, default=DEFAULT_SWEEP_NAMES)
    parser.add_argument("--threads", type=int, help="torch threads (default: all CPUs)")
    parser.add_argument(
        "--backend", choices=BACKENDS, default="torch", help="embedding backend (real model only)"
    )
    parser.add_argument("--keep-workspace", action="store_true", help="leave the corpus copy")
    parser.add_argument(
        "--no-embed-context",
        dest="embed_context",
        action="store_false",
        help="embed chunk text alone, without its file and enclosing names",
    )
    parser.add_argument(
        "--release-cache",
        type=Path,
        default=RELEASE_CACHE_DIR,
        help="where the sdists are downloaded and unpacked (corpora.py's layout: downloads/, "
        "sources/; default %(default)s)",
    )
    parser.add_argument(
        "--versions",
        type=parse_versions,
        default={},
        help="other sdist versions, e.g. pygls=2.0.0 (needs --allow-other-versions)",
    )
    parser.add_argument(
        "--allow-other-versions",
        action="store_true",
        help="run even when --versions asks for sdists other than the pinned ones",
    )
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        parser.error(f"--modes must be a subset of {','.join(MODES)}")
    args.modes = modes
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    queries = load_queries(args.queries)
    cache_dir: Path = args.cache_dir.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="arama-quality-"))
    root = (scratch / "workspace").resolve()
    root.mkdir()
    config = measuring_config(
        EngineConfig(
            cache_dir=cache_dir,
            threads=args.threads,
            model=args.model,
            backend=args.backend,
            embed_context=args.embed_context,
        )
    )
    fusion = fusion_from(config.fusion, args.weights, args.rrf_k)
    engine: Engine | None = None
    try:
        releases = release_versions(args.versions, allow_other_versions=args.allow_other_versions)
        corpus = build_corpus(root, releases, args.release_cache.expanduser().resolve())
        embedder = CountingEmbedder(
            BagOfWordsEmbedder()
            if args.embedder == "bow"
            else make_embedder(config, config.cache_dir / "torch")
        )
        engine = Engine(config, embedder=embedder)
        print(f"indexing {corpus.files} files under {root} ...", file=sys.stderr)
        started = time.perf_counter()
        engine.add_folder(root)
        engine.start()
        engine.wait_idle()
        index_seconds = time.perf_counter() - started
        embedded = embedder.embedded
        status = engine.status()

        check_targets(queries, chunk_table(engine))

        # Load the query model before timing anything (a warm cache leaves it unloaded), and
        # encode once: the first encoding pays for one-time set-up.
        engine.load_model()
        search(engine, "warm up the model", "semantic", fusion, args.priors)

        report: dict[str, Any] = {
            "benchmark": "arama search quality",
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "arama": importlib.metadata.version("arama"),
            "source": source_state(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "embedder": engine.model_id,
            "backend": args.backend if args.embedder == "real" else None,
            "corpus": {
                "packages": corpus.versions,
                "archives": corpus.archives,
                "files": status.files,
                "chunks": status.chunks,
                "parts": corpus_parts(engine, corpus),
                "fingerprint": corpus.fingerprint,
            },
            "indexing": {
                "seconds": round(index_seconds, 2),
                "embedded": embedded,
                "cache_hits": status.cache.hits,
            },
            "ranking": fusion_record(fusion),
            "priors": priors_record(args.priors),
        }
        runs = {mode: run_mode(engine, mode, queries, fusion, args.priors) for mode in args.modes}
        report["modes"] = {mode: summarize(queries, run) for mode, run in runs.items()}
        report["queries"] = [
            {
                "id": q.id,
                "query": q.query,
                "kind": q.kind,
                "targets": [t.label() for t in q.targets],
                "ranks": {mode: run.ranks[q.id] for mode, run in runs.items()},
                "top": {mode: run.top[q.id] for mode, run in runs.items()},
                "latency_ms": {mode: round(run.latency_ms[i], 2) for mode, run in runs.items()},
            }
            for i, q in enumerate(queries)
        ]
        if args.sweep:
            print("sweeping fusion settings ...", file=sys.stderr)
            engine = reopen_for_sweep(engine, embedder, root, len(queries))
            report["sweep"] = sweep(
                engine,
                queries,
                dense=args.sweep_dense,
                lexical=args.sweep_lexical,
                symbol=args.sweep_symbol,
                rrf_k=args.sweep_rrf_k,
                names=args.sweep_names,
                priors=args.priors,
            )
        print_report(report, queries)
        if args.json:
            args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
            print(f"\nwrote {args.json}")
    finally:
        if engine is not None:
            engine.close()
        if args.keep_workspace:
            print(f"workspace kept at {root}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
            # The per-folder index of a temporary root is never reused; the embeddings stay.
            shutil.rmtree(config.workspace_dir(root), ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
