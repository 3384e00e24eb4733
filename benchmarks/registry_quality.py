"""Search quality on real registry code: CodeSearchNet-style docstring queries plus hand-written
developer questions, for arama's three modes next to two plain baselines.

Corpora are pinned releases fetched at run time (see corpora.py): PyPI rich, httpx, attrs; npm
yargs, zod; Debian testify (Go) and itertools (Rust). For every documented function the first
sentence of its documentation is a query and the function its target; the documentation is
removed from the copy that gets indexed (docstrings.py). The hand-written questions live in
registry_questions.json. Each query is answered by arama's `hybrid`, `semantic` and `lexical`
modes (the real Engine and bundled model) and by two baselines over the very same chunks:
plain BM25 (SQLite FTS5, default unicode61 tokenizer, `bm25()`) and plain dense MiniLM (cosine
over the chunk vectors, no fusion, folding or boosts).

    .venv/bin/python benchmarks/registry_quality.py                   # everything, real model
    .venv/bin/python benchmarks/registry_quality.py --json out.json   # + every query's ranks
    .venv/bin/python benchmarks/registry_quality.py --sweep           # + fusion-knob grid
    .venv/bin/python benchmarks/registry_quality.py --embedder bow --per-language 20  # plumbing

Everything is cached under ~/.cache/arama-bench/ (downloads, sources, the stripped workspace,
the engine's index and embeddings), so only the first run pays for downloads and the model.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import json
import logging
import os
import platform
import random
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from arama.engine.config import EngineConfig, Fusion, Priors
from arama.engine.embedding.backends import make_embedder
from arama.engine.embedding.cache import EmbeddingCache
from arama.engine.embedding.protocol import Embedder
from arama.engine.engine import Engine, Progress
from arama.engine.hashing import text_hash
from arama.engine.languages import language_for_path
from arama.engine.search.paths import Content, content_of
from arama.engine.search.request import MODES, Mode, SearchFilters, SearchRequest
from corpora import PACKAGES, Fetched, fetch_all
from docstrings import GRAMMARS, first_sentence, strip_docs
from quality import (
    BagOfWordsEmbedder,
    CountingEmbedder,
    fusion_from,
    fusion_record,
    measuring_config,
    metrics,
    parse_priors,
    parse_weights,
    priors_record,
    reopen_for_sweep,
    source_state,
)
from quality import engine_search as search_engine

BENCH_DIR = Path(__file__).resolve().parent
QUESTIONS_FILE = BENCH_DIR / "registry_questions.json"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "arama-bench"
TOP_K = 10
RECALL_AT = (1, 5, 10)
BASELINES = ("bm25", "dense", "rrf")
# The plain baseline the targets compare hybrid with (RrfBaseline).
TARGET_BASELINE = "rrf"
RRF_BASELINE_K = 60
RRF_DEPTH = 100
SYSTEMS = (*MODES, *BASELINES)
MAX_QUERY_CHARS = 1000  # the search contract's limit
MIN_QUERY_WORDS = 3  # CodeSearchNet: shorter docs say too little
MIN_FUNCTION_LINES = 3  # CodeSearchNet: shorter functions are mostly accessors
TARGET_MRR_GAIN = 0.10
TARGET_QUESTION_RECALL = 0.90
TARGET_QUESTION_MRR = 0.60
SMALL_GROUP = 10  # fewer queries than this: shown, but too few to judge a language by

log = logging.getLogger("registry_quality")

Span = tuple[str, int, int]  # workspace-relative path, first line, last line (0-based, inclusive)


# -- queries ----------------------------------------------------------------------------------


@dataclass
class Query:
    """A query and the code that answers it; any one of `targets` counts as a hit."""

    id: str
    text: str
    group: str  # language for docstring queries, package for questions
    targets: list[Span]
    labels: list[str]


@dataclass
class Workspace:
    root: Path
    files: int
    fingerprint: str
    languages: dict[str, int]
    kinds: dict[str, dict[str, int]]  # package -> content kind (code/tests/docs) -> files
    candidates: dict[str, list[Query]]  # language -> every eligible docstring query
    documented: dict[str, int]  # language -> documented functions found
    stripped: dict[str, int]  # language -> documentation blocks removed


def build_workspace(fetched: Sequence[Fetched], root: Path, *, strip: bool = True) -> Workspace:
    """Write every file of every release tree under `root` (`<package>/<path in the release>`),
    and collect the eligible docstring queries. With `strip`, documentation is removed from the
    documented functions of *code* files (tests, docs and examples keep theirs, as they would
    in a checkout; see `search.paths.content_of`); without it (the copy the natural questions
    search) every file is copied as is. Unchanged files are not rewritten, so the engine's index
    of `root` from an earlier run stays valid."""
    root.mkdir(parents=True, exist_ok=True)
    wanted: set[str] = set()
    digest = hashlib.sha256()
    languages: dict[str, int] = {}
    kinds: dict[str, dict[str, int]] = {}
    by_text: dict[tuple[str, str], Query] = {}
    documented: dict[str, int] = {}
    stripped: dict[str, int] = {}
    for package in fetched:
        per_kind = kinds.setdefault(package.package.name, {})
        for source, rel in package.files():
            data = source.read_bytes()
            language = language_for_path(rel) or "plaintext"
            languages[language] = languages.get(language, 0) + 1
            kind = content_of(rel, language).value
            per_kind[kind] = per_kind.get(kind, 0) + 1
            if strip and language in GRAMMARS and kind == Content.CODE:
                result = strip_docs(data.decode("utf-8", errors="replace"), language)
                data = result.text.encode("utf-8")
                documented[language] = documented.get(language, 0) + len(result.functions)
                stripped[language] = stripped.get(language, 0) + sum(
                    f.strippable for f in result.functions
                )
                for function in result.functions:
                    if not function.strippable or function.is_test:
                        continue
                    sentence = first_sentence(function.doc)[:MAX_QUERY_CHARS]
                    start, end = result.new_range(function)
                    if len(sentence.split()) < MIN_QUERY_WORDS:
                        continue
                    if end - start + 1 < MIN_FUNCTION_LINES:
                        continue
                    name = (
                        f"{function.container}.{function.name}"
                        if function.container
                        else function.name
                    )
                    # One sentence documenting several functions (testify's assert, require and
                    # their forwarders) is one query with alternative targets.
                    key = (language, sentence.casefold())
                    query = by_text.get(key)
                    if query is None:
                        query = by_text[key] = Query("", sentence, language, [], [])
                    query.targets.append((rel, start, end))
                    query.labels.append(f"{rel}:{start + 1}:{name}")
            target = root / rel
            wanted.add(rel)
            digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
            if not target.is_file() or target.read_bytes() != data:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    for path in sorted(root.rglob("*"), reverse=True):  # files of packages no longer selected
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    candidates: dict[str, list[Query]] = {}
    for query in by_text.values():
        candidates.setdefault(query.group, []).append(query)
    return Workspace(
        root, len(wanted), digest.hexdigest(), languages, kinds, candidates, documented, stripped
    )


def sample_queries(
    candidates: Mapping[str, list[Query]], per_language: int, seed: int
) -> list[Query]:
    """At most `per_language` queries per language, the same ones on every run with this seed."""
    chosen: list[Query] = []
    for language in sorted(candidates):
        pool = sorted(candidates[language], key=lambda q: (q.labels[0], q.text))
        rng = random.Random(f"{seed}:{language}")
        picked = pool if len(pool) <= per_language else rng.sample(pool, per_language)
        for number, query in enumerate(sorted(picked, key=lambda q: q.labels[0])):
            query.id = f"{language}-{number:03d}"
            chosen.append(query)
    return chosen


def load_questions(
    source: Path, chunks: Sequence[ChunkInfo], root: Path, packages: set[str] | None = None
) -> list[Query]:
    """Hand-written questions; each target (path + symbol [+ container]) must be a definition
    the index holds, else the run stops with the offenders. With `packages`, only the
    questions about those packages (the first part of their first target's path)."""
    data = json.loads(source.read_text(encoding="utf-8"))
    if packages is not None:
        data["questions"] = [
            q for q in data["questions"] if q["targets"][0]["path"].split("/")[0] in packages
        ]
    lines_of = {
        t["path"]: (root / t["path"]).read_text(encoding="utf-8").split("\n")
        for raw in data["questions"]
        for t in raw["targets"]
        if "lines" in t and (root / t["path"]).is_file()
    }
    by_file: dict[str, list[ChunkInfo]] = {}
    for chunk in chunks:
        by_file.setdefault(chunk.path, []).append(chunk)
    questions: list[Query] = []
    problems: list[str] = []
    for raw in data["questions"]:
        spans: list[Span] = []
        labels: list[str] = []
        for target in raw["targets"]:
            path, symbol, container = target["path"], target["symbol"], target.get("container")
            if "lines" in target:
                # A definition the chunker does not name: its hand-checked line range.
                first, last = (int(n) - 1 for n in target["lines"])
                head = lines_of.get(path, [])
                if first >= len(head) or symbol not in head[first]:
                    problems.append(f"  {raw['id']}: {path}:{first + 1} does not define {symbol}")
                spans.append((path, first, last))
                # Once the chunker names it (`res.x = function x()` since the sixth session),
                # the definition's every piece, its doc comment's included, is the target too.
                spans += _named_pieces(by_file.get(path, []), symbol, first, last)
                labels.append(f"{path}:{first + 1}:{symbol}")
                continue
            # "container": null asks for a top-level definition; no key means any container.
            exact = "container" in target
            found = [
                c
                for c in by_file.get(path, [])
                if c.symbol == symbol and (c.container == container or not exact)
            ]
            if not found:
                names = sorted({f"{c.container}.{c.symbol}" for c in by_file.get(path, [])})
                hint = f" (file has: {', '.join(names[:30])})" if names else " (no such file)"
                problems.append(f"  {raw['id']}: {path}:{container or ''}.{symbol}{hint}")
            found += _closures_within(by_file.get(path, []), found)
            spans += [(c.path, c.start_line, c.end_line) for c in found]
            labels.append(f"{path}:{container + '.' if container else ''}{symbol}")
        questions.append(
            Query(raw["id"], raw["query"], raw["targets"][0]["path"].split("/")[0], spans, labels)
        )
    if problems:
        raise SystemExit("question targets missing from the index:\n" + "\n".join(problems))
    return questions


_FUNCTION_KINDS = frozenset({12, 6, 9})  # LSP SymbolKind: function, method, constructor
_PLAIN_FUNCTION = 12


def _closures_within(chunks: Sequence[ChunkInfo], target: Sequence[ChunkInfo]) -> list[ChunkInfo]:
    """The chunks of functions nested in a target function (and in those, in turn): the
    function's own lines, which the search labels as the function (`search/closures.py`)
    since the seventh session; a target's chunks alone leave them out (attrs' `optional` was
    a miss when the answer was its `optional_converter` lines, labelled `optional`)."""
    if not target or any(c.kind not in _FUNCTION_KINDS for c in target):
        return []
    first = min(c.start_line for c in target)
    last = max(c.end_line for c in target)
    names = {c.symbol for c in target}
    nested: list[ChunkInfo] = []
    grew = True
    while grew:
        grew = False
        for chunk in chunks:
            if (
                chunk not in nested
                and chunk not in target
                and chunk.kind == _PLAIN_FUNCTION
                and chunk.container in names
                and first <= chunk.start_line
                and chunk.end_line <= last
            ):
                nested.append(chunk)
                names.add(chunk.symbol)
                grew = True
    return nested


def _named_pieces(chunks: Sequence[ChunkInfo], symbol: str, first: int, last: int) -> list[Span]:
    """The chunks named `symbol` that overlap lines first..last, and the pieces of the same
    definition that adjoin them (a long definition is cut into overlapping pieces)."""
    named = sorted((c for c in chunks if c.symbol == symbol), key=lambda c: c.start_line)
    start, end = first, last
    taken: list[ChunkInfo] = []
    grew = True
    while grew:
        grew = False
        for chunk in named:
            if chunk not in taken and chunk.start_line <= end + 1 and start - 1 <= chunk.end_line:
                if any(t.container != chunk.container for t in taken):
                    continue
                taken.append(chunk)
                start, end = min(start, chunk.start_line), max(end, chunk.end_line)
                grew = True
    return [(c.path, c.start_line, c.end_line) for c in taken]


# -- the index and the baselines --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChunkInfo:
    path: str
    start_line: int
    end_line: int
    symbol: str | None
    container: str | None
    language: str
    text: str
    kind: int | None = None


def chunk_table(engine: Engine) -> list[ChunkInfo]:
    """Every chunk the engine indexed: what its searches can return, and what the baselines
    rank."""
    chunks: list[ChunkInfo] = []
    for folder in engine.folders():
        for path in sorted(folder.catalog.live_files()):
            for row in folder.catalog.chunks_of_file(path):
                chunks.append(
                    ChunkInfo(
                        row.path,
                        row.start_line,
                        row.end_line,
                        row.symbol,
                        row.container,
                        row.language,
                        row.text,
                        row.kind,
                    )
                )
    return chunks


class Bm25Baseline:
    """Plain BM25: FTS5 with its default tokenizer (unicode61: no camelCase or snake_case
    splitting beyond `_` being a separator), every query word OR-ed, ranked by `bm25()`."""

    def __init__(self, chunks: Sequence[ChunkInfo]) -> None:
        self._chunks = chunks
        self._db = sqlite3.connect(":memory:")
        self._db.execute("CREATE VIRTUAL TABLE c USING fts5(body)")
        self._db.executemany(
            "INSERT INTO c(rowid, body) VALUES (?, ?)", ((i, c.text) for i, c in enumerate(chunks))
        )

    def search(self, query: str, depth: int = TOP_K) -> list[Span]:
        terms = list(dict.fromkeys(re.findall(r"[^\W_]+", query.casefold())))
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = self._db.execute(
            "SELECT rowid FROM c WHERE c MATCH ? ORDER BY bm25(c) LIMIT ?", (match, depth)
        )
        return [_span(self._chunks[int(r[0])]) for r in rows]


class DenseBaseline:
    """Plain dense retrieval: the engine's model, cosine between the query and each chunk's
    text, top 10 chunks as they come. Chunk vectors come from the embedding cache the engine
    uses (keyed by model and text, `cache` opened on the same directory), so nothing embedded
    there before is embedded again."""

    def __init__(
        self, embedder: Embedder, cache: EmbeddingCache, chunks: Sequence[ChunkInfo]
    ) -> None:
        self._embedder = embedder
        self._chunks = chunks
        dim = embedder.dimension()
        digests = [text_hash(c.text) for c in chunks]
        found = cache.get_many(embedder.model_id, digests, dim)
        missing = [i for i, v in enumerate(found) if v is None]
        self.embedded = len(missing)
        if missing:
            log.warning("dense baseline: embedding %d chunks the cache lacks", len(missing))
            vectors = embedder.embed([chunks[i].text for i in missing])
            cache.put_many(embedder.model_id, [digests[i] for i in missing], vectors)
            for i, vector in zip(missing, vectors, strict=True):
                found[i] = vector
        self._matrix: npt.NDArray[np.float32] = np.vstack([v for v in found if v is not None])

    def subset(self, keep: Sequence[int]) -> DenseBaseline:
        """The same baseline over the chunks at `keep` (their vectors reused)."""
        other = object.__new__(DenseBaseline)
        other._embedder = self._embedder
        other._chunks = [self._chunks[i] for i in keep]
        other.embedded = 0
        other._matrix = self._matrix[list(keep)]
        return other

    def search(self, query: str, depth: int = TOP_K) -> list[Span]:
        vector = self._embedder.embed_query(query)
        scores = self._matrix @ vector
        top = np.argsort(-scores, kind="stable")[:depth]
        return [_span(self._chunks[int(i)]) for i in top]


def code_chunk_indexes(chunks: Sequence[ChunkInfo]) -> list[int]:
    """The chunks of code files (not tests, docs, examples' docs, changelogs):
    `search.paths.content_of`, the rule of the engine's `content` filter."""
    return [i for i, c in enumerate(chunks) if content_of(c.path, c.language) == Content.CODE]


def chunk_kinds(chunks: Sequence[ChunkInfo], package: str) -> dict[str, int]:
    """Chunks of one package's directory by content kind (code/tests/docs)."""
    out: dict[str, int] = {}
    for c in chunks:
        if c.path.split("/", 1)[0] == package:
            kind = content_of(c.path, c.language).value
            out[kind] = out.get(kind, 0) + 1
    return out


class RrfBaseline:
    """The plain baseline of issue "Ranking round 2": unweighted reciprocal-rank fusion
    (share 1 / (k + rank), k = 60, ranks from 1) of plain BM25 and plain dense MiniLM, both
    over the function-level chunks of the code files only (arama's chunks of the files that
    `content_of` calls code). Each list is read `RRF_DEPTH` deep."""

    def __init__(self, chunks: Sequence[ChunkInfo], dense: DenseBaseline) -> None:
        keep = code_chunk_indexes(chunks)
        self.chunks = len(keep)
        self._bm25 = Bm25Baseline([chunks[i] for i in keep])
        self._dense = dense.subset(keep)

    def search(self, query: str) -> list[Span]:
        scores: dict[Span, float] = {}
        for ranked in (self._bm25.search(query, RRF_DEPTH), self._dense.search(query, RRF_DEPTH)):
            for rank, span in enumerate(ranked, 1):
                scores[span] = scores.get(span, 0.0) + 1.0 / (RRF_BASELINE_K + rank)
        return sorted(scores, key=lambda span: -scores[span])[:TOP_K]


def _span(chunk: ChunkInfo) -> Span:
    return (chunk.path, chunk.start_line, chunk.end_line)


# -- searching and scoring --------------------------------------------------------------------


SearchFn = Callable[[str], list[Span]]


def engine_search(
    engine: Engine, mode: Mode, fusion: Fusion, priors: Priors | None = None
) -> SearchFn:
    """One arama mode as a function of the query text, under `fusion` (hybrid's weights and k)
    and `priors` (None: the engine's configured ones). The engines are built with
    `quality.measuring_config`: every search computes its answer."""

    def search(query: str) -> list[Span]:
        request = SearchRequest(query, limit=TOP_K, mode=mode)
        # A benchmark scores full answers: no time budget.
        answer = search_engine(engine, request, fusion, priors)
        return [(hit.chunk.path, hit.chunk.start_line, hit.chunk.end_line) for hit in answer.hits]

    return search


IN_PACKAGE = "hybrid in package"


def package_scoped_search(
    engine: Engine, fusion: Fusion, priors: Priors | None, queries: Sequence[Query]
) -> SearchFn:
    """`hybrid` within the question's own package (a `paths` filter on its folder): what a user
    with only that repository open would see. The workspace holds nine packages in five
    languages, and an answer can lose to another package's look-alike (itertools' `chunks` and
    `batching` for lodash's `chunk`); the targets are judged on the whole workspace, this is
    shown beside them, for the questions only (the baselines have no such view)."""
    package_of = {q.text: q.targets[0][0].split("/", 1)[0] for q in queries}

    def search(query: str) -> list[Span]:
        scope = SearchFilters(paths=(f"/{package_of[query]}/",))
        request = SearchRequest(query, limit=TOP_K, mode="hybrid", filters=scope)
        answer = search_engine(engine, request, fusion, priors)
        return [(hit.chunk.path, hit.chunk.start_line, hit.chunk.end_line) for hit in answer.hits]

    return search


def first_hit(query: Query, results: Sequence[Span]) -> int | None:
    """1-based rank of the first result overlapping any target (same file, lines intersect)."""
    for rank, (path, start, end) in enumerate(results, 1):
        for t_path, t_start, t_end in query.targets:
            if path == t_path and start <= t_end and t_start <= end:
                return rank
    return None


def scores(ranks: Sequence[int | None]) -> dict[str, float]:
    """quality.py's metrics (MRR@10, Recall@1/3/10, NDCG@10) plus Recall@5."""
    out = metrics(ranks)
    if out:
        out["recall@5"] = sum(1 for r in ranks if r is not None and r <= 5) / len(ranks)
    return out


@dataclass
class Run:
    ranks: dict[str, dict[str, int | None]] = field(default_factory=dict)  # system -> id -> rank
    top: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def run_queries(queries: Sequence[Query], systems: Mapping[str, SearchFn]) -> Run:
    run = Run()
    for name, search in systems.items():
        started = time.perf_counter()
        ranks: dict[str, int | None] = {}
        top: dict[str, list[str]] = {}
        for query in queries:
            results = search(query.text)
            ranks[query.id] = first_hit(query, results)
            top[query.id] = [f"{p}:{s + 1}-{e + 1}" for p, s, e in results[:5]]
        run.ranks[name] = ranks
        run.top[name] = top
        run.seconds[name] = round(time.perf_counter() - started, 2)
        print(f"  {name}: {len(queries)} queries in {run.seconds[name]:.1f} s", file=sys.stderr)
    return run


def summarize(queries: Sequence[Query], run: Run) -> dict[str, Any]:
    groups = sorted({q.group for q in queries})
    out: dict[str, Any] = {"overall": {}, "groups": {g: {} for g in groups}}
    for system, ranks in run.ranks.items():
        out["overall"][system] = scores([ranks[q.id] for q in queries])
        for group in groups:
            out["groups"][group][system] = scores(
                [ranks[q.id] for q in queries if q.group == group]
            )
    return out


def target_check(
    doc: Mapping[str, Any], questions: Mapping[str, Any] | None, system: str = "hybrid"
) -> dict[str, Any]:
    """The targets of issue "Ranking round 2", evaluated on this run: `system` (hybrid) beats
    the plain baseline `rrf` of the same run by TARGET_MRR_GAIN docstring MRR@10 overall and is
    not below it in any language; on the natural questions MRR@10 >= TARGET_QUESTION_MRR and
    Recall@10 >= TARGET_QUESTION_RECALL. The best of every plain baseline is recorded too."""
    overall = doc["overall"]
    baseline = TARGET_BASELINE
    best_name = max(BASELINES, key=lambda b: overall[b]["mrr@10"])
    gain = overall[system]["mrr@10"] - overall[baseline]["mrr@10"]
    per_language: dict[str, dict[str, float | str | bool]] = {}
    for group, systems in doc["groups"].items():
        best_here = max(BASELINES, key=lambda b: systems[b]["mrr@10"])
        per_language[group] = {
            "queries": systems[system]["queries"],
            system: systems[system]["mrr@10"],
            baseline: systems[baseline]["mrr@10"],
            "gain": round(systems[system]["mrr@10"] - systems[baseline]["mrr@10"], 4),
            "not_below_baseline": systems[system]["mrr@10"] >= systems[baseline]["mrr@10"],
            "best_here": best_here,
            "best_here_mrr": systems[best_here]["mrr@10"],
            "not_below_best_here": systems[system]["mrr@10"] >= systems[best_here]["mrr@10"],
        }
    check: dict[str, Any] = {
        "system": system,
        "baseline": baseline,
        "baseline_mrr@10": overall[baseline]["mrr@10"],
        "mrr_gain": round(gain, 4),
        "gain_met": gain >= TARGET_MRR_GAIN,
        "best_baseline": best_name,
        "gain_over_best_baseline": round(
            overall[system]["mrr@10"] - overall[best_name]["mrr@10"], 4
        ),
        "per_language": per_language,
        "no_language_below": all(v["not_below_baseline"] for v in per_language.values()),
        "no_language_below_any_baseline": all(
            v["not_below_best_here"] for v in per_language.values()
        ),
    }
    if questions is not None:
        mrr = questions["overall"][system]["mrr@10"]
        recall = questions["overall"][system]["recall@10"]
        check["questions_mrr@10"] = mrr
        check["questions_recall@10"] = recall
        check["questions_mrr_met"] = mrr >= TARGET_QUESTION_MRR
        check["questions_recall_met"] = recall >= TARGET_QUESTION_RECALL
        check["questions_met"] = check["questions_mrr_met"] and check["questions_recall_met"]
    return check


# -- fusion sweep -----------------------------------------------------------------------------


def sweep(
    engines: Mapping[str, Engine],
    sets: Mapping[str, Sequence[Query]],
    *,
    lexical: Sequence[float],
    symbol: Sequence[float],
    rrf_k: Sequence[float],
    names: Sequence[float] = (0.5,),
    priors: Priors | None = None,
) -> list[dict[str, Any]]:
    """Hybrid MRR@10 per query set and language over a grid of fusion settings, each passed to
    the searches as a `Fusion` (the engines answer nothing from their result cache);
    `engines` names the engine each query set searches."""
    rows: list[dict[str, Any]] = []
    for k, lex, sym, nam in itertools.product(rrf_k, lexical, symbol, names):
        fusion = Fusion(dense=1.0, lexical=lex, symbol=sym, names=nam, k=k)
        row: dict[str, Any] = {"rrf_k": k, "lexical": lex, "symbol": sym, "names": nam}
        for name, queries in sets.items():
            search = engine_search(engines[name], "hybrid", fusion, priors)
            ranks = {q.id: first_hit(q, search(q.text)) for q in queries}
            overall = scores(list(ranks.values()))
            row[name] = overall["mrr@10"]
            row[f"{name} R@10"] = overall["recall@10"]
            for group in sorted({q.group for q in queries}):
                of_group = [ranks[q.id] for q in queries if q.group == group]
                row[f"{name}:{group}"] = scores(of_group)["mrr@10"]
        rows.append(row)
        print(f"  sweep {row}", file=sys.stderr)
    return rows


# -- prior sweep ------------------------------------------------------------------------------

PRIOR_SWEEP_MODES: tuple[Mode, ...] = ("hybrid", "lexical")


def prior_configurations(given: Priors | None) -> list[tuple[str, Priors]]:
    """All off; each prior alone at a few values; and the `--priors` ones together."""
    off = Priors.off()
    alone: list[tuple[str, dict[str, Any]]] = [
        ("query_shape", {"query_shape": True}),
        ("definition_boost=1", {"definition_boost": 1.0}),
        ("definition_boost=3", {"definition_boost": 3.0}),
        ("path_penalty", {"path_penalty": True}),
        ("file_saturation=0.5", {"file_saturation": 0.5}),
        ("feedback=0.25", {"feedback": 0.25}),
        ("feedback=0.5", {"feedback": 0.5}),
        ("collapse_similar", {"collapse_similar": True}),
        ("mentions=0.25", {"mentions": 0.25}),
        ("mentions=0.5", {"mentions": 0.5}),
        ("top_level=0.6", {"top_level": 0.6}),
        ("closures_as_functions", {"closures_as_functions": True}),
    ]
    configurations = [("all off", off)] + [(name, replace(off, **c)) for name, c in alone]
    configurations.append(("defaults (the kept ones)", Priors()))
    if given is not None and given != off:
        together = ",".join(
            f"{f.name}={getattr(given, f.name)}"
            for f in dataclasses.fields(Priors)
            if getattr(given, f.name) != getattr(off, f.name)
        )
        configurations.append((f"together: {together}", given))
    return configurations


def prior_sweep(
    engines: Mapping[str, Engine],
    sets: Mapping[str, Sequence[Query]],
    fusion: Fusion,
    given: Priors | None,
) -> list[dict[str, Any]]:
    """For every configuration of `prior_configurations` and mode of PRIOR_SWEEP_MODES: MRR@10
    and Recall@10 overall and per group of every query set. A configuration that raises is
    recorded with its error; one whose ranks equal "all off" in every query is flagged."""
    rows: list[dict[str, Any]] = []
    baseline_ranks: dict[str, dict[str, dict[str, int | None]]] = {}
    for label, priors in prior_configurations(given):
        for mode in PRIOR_SWEEP_MODES:
            row: dict[str, Any] = {"configuration": label, "mode": mode}
            row["priors"] = priors_record(priors)
            all_ranks: dict[str, dict[str, int | None]] = {}
            started = time.perf_counter()
            try:
                for name, queries in sets.items():
                    search = engine_search(engines[name], mode, fusion, priors)
                    ranks = {q.id: first_hit(q, search(q.text)) for q in queries}
                    all_ranks[name] = ranks
                    overall = scores(list(ranks.values()))
                    row[name] = {
                        "mrr@10": overall["mrr@10"],
                        "recall@10": overall["recall@10"],
                        "groups": {
                            group: {
                                k: v
                                for k, v in scores(
                                    [ranks[q.id] for q in queries if q.group == group]
                                ).items()
                                if k in ("queries", "mrr@10", "recall@10")
                            }
                            for group in sorted({q.group for q in queries})
                        },
                    }
            except Exception as exc:  # a prior under construction may raise: report it
                log.exception("priors %s (%s) raised", label, mode)
                row["error"] = f"{type(exc).__name__}: {exc}"
            row["seconds"] = round(time.perf_counter() - started, 1)
            if label == "all off":
                baseline_ranks[mode] = all_ranks
            elif "error" not in row:
                row["same_ranks_as_all_off"] = all_ranks == baseline_ranks.get(mode)
                row["queries_changed"] = sum(
                    1
                    for name, ranks in all_ranks.items()
                    for qid, rank in ranks.items()
                    if baseline_ranks.get(mode, {}).get(name, {}).get(qid, rank) != rank
                )
            rows.append(row)
            print(f"  priors {label} ({mode}): {row.get('error') or 'done'}", file=sys.stderr)
    return rows


CEILING_DEPTHS = (10, 20, 50, 100)


def ceiling(
    engine: Engine, queries: Sequence[Query], fusion: Fusion, priors: Priors | None
) -> dict[str, dict[str, float]]:
    """How deep each mode holds a target: Recall@k down to 100 results, and for the better of
    semantic and lexical (what any fusion or prior over those channels could put in a top k)."""
    ranks: dict[str, dict[str, int | None]] = {}
    for mode in MODES:
        found: dict[str, int | None] = {}
        for query in queries:
            request = SearchRequest(query.text, limit=max(CEILING_DEPTHS), mode=mode)
            answer = search_engine(engine, request, fusion, priors)
            spans = [(h.chunk.path, h.chunk.start_line, h.chunk.end_line) for h in answer.hits]
            found[query.id] = first_hit(query, spans)
        ranks[mode] = found
    ranks["semantic|lexical"] = {
        q.id: min((r for r in (ranks["semantic"][q.id], ranks["lexical"][q.id]) if r), default=None)
        for q in queries
    }
    return {
        name: {
            f"R@{k}": round(sum(1 for r in found.values() if r and r <= k) / len(found), 3)
            for k in CEILING_DEPTHS
        }
        for name, found in ranks.items()
    }


def print_ceiling(rows: Mapping[str, Mapping[str, float]]) -> None:
    print("\n### Natural questions: how deep the targets are (`--ceiling`)\n")
    print("| mode | " + " | ".join(f"R@{k}" for k in CEILING_DEPTHS) + " |")
    print("|---|" + "---|" * len(CEILING_DEPTHS))
    for name, recall in rows.items():
        print(f"| {name} | " + " | ".join(f"{recall[f'R@{k}']:.3f}" for k in CEILING_DEPTHS) + " |")


def print_prior_sweep(rows: Sequence[Mapping[str, Any]]) -> None:
    for mode in PRIOR_SWEEP_MODES:
        of_mode = [r for r in rows if r["mode"] == mode]
        if not of_mode:
            continue
        good = next((r for r in of_mode if "docstring" in r), None)
        languages = list(good["docstring"]["groups"]) if good else []
        header = [
            "configuration",
            *languages,
            "docstring MRR@10",
            "docstring R@10",
            "questions MRR@10",
            "questions R@10",
            "changed",
        ]
        table = []
        for r in of_mode:
            if "error" in r:
                table.append([r["configuration"], f"raised: {r['error']}"[:120]])
                continue
            doc, qs = r.get("docstring"), r.get("questions")
            cells = [f"{doc['groups'][g]['mrr@10']:.3f}" for g in languages] if doc else []
            cells += [f"{doc['mrr@10']:.3f}", f"{doc['recall@10']:.3f}"] if doc else ["", ""]
            cells += [f"{qs['mrr@10']:.3f}", f"{qs['recall@10']:.3f}"] if qs else ["", ""]
            changed = (
                ""
                if "queries_changed" not in r
                else ("no effect" if r["same_ranks_as_all_off"] else str(r["queries_changed"]))
            )
            table.append([r["configuration"], *cells, changed])
        print(f"\n### Prior sweep: {mode} (MRR@10 by language, docstring queries)\n")
        print(markdown(header, table))
        if good and "questions" in good:
            packages = list(good["questions"]["groups"])
            table = [
                [r["configuration"]]
                + [
                    f"{r['questions']['groups'][g]['mrr@10']:.3f} "
                    f"({r['questions']['groups'][g]['recall@10']:.2f})"
                    for g in packages
                ]
                for r in of_mode
                if "questions" in r
            ]
            print(f"\n### Prior sweep: {mode}, questions MRR@10 (R@10) by package\n")
            print(markdown(["configuration", *packages], table))


# -- printing ---------------------------------------------------------------------------------


def markdown(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _cells(m: Mapping[str, float]) -> list[str]:
    return [f"{m['mrr@10']:.3f}", *(f"{m[f'recall@{k}']:.3f}" for k in RECALL_AT)]


def print_set(title: str, summary: Mapping[str, Any], group_label: str) -> None:
    columns = ["MRR@10", *(f"R@{k}" for k in RECALL_AT)]
    systems = list(summary["overall"])
    n = int(next(iter(summary["overall"].values()))["queries"])
    print(f"\n### {title}: overall ({n} queries)\n")
    best = max(summary["overall"][s]["mrr@10"] for s in systems)
    rows = []
    for system in systems:
        cells = _cells(summary["overall"][system])
        if summary["overall"][system]["mrr@10"] == best:
            cells[0] = f"**{cells[0]}**"
        rows.append([system, *cells])
    print(markdown(["system", *columns], rows))
    print(f"\n### {title}: MRR@10 by {group_label}\n")
    rows = []
    for group, by_system in summary["groups"].items():
        count = int(next(iter(by_system.values()))["queries"])
        top = max(by_system[s]["mrr@10"] for s in systems)
        cells = [
            f"**{by_system[s]['mrr@10']:.3f}**"
            if by_system[s]["mrr@10"] == top
            else f"{by_system[s]['mrr@10']:.3f}"
            for s in systems
        ]
        note = " (few)" if count < SMALL_GROUP else ""
        rows.append([f"{group}{note}", str(count), *cells])
    print(markdown([group_label, "n", *systems], rows))
    print(f"\n### {title}: every metric by {group_label}\n")
    rows = []
    for group, by_system in summary["groups"].items():
        for system in systems:
            rows.append([group, system, *_cells(by_system[system])])
    print(markdown([group_label, "system", *columns], rows))


def print_check(check: Mapping[str, Any]) -> None:
    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    system, baseline = check["system"], check["baseline"]
    print('\n### Targets (issue "Ranking round 2")\n')
    print(
        f"- docstring queries: {system} MRR@10 − {baseline} (plain BM25 + dense over code "
        f"chunks, RRF k={RRF_BASELINE_K}: {check['baseline_mrr@10']:.3f}) = "
        f"{check['mrr_gain']:+.3f} (target ≥ +{TARGET_MRR_GAIN:.2f}): {met(check['gain_met'])}"
    )
    below = [g for g, v in check["per_language"].items() if not v["not_below_baseline"]]
    gains = ", ".join(f"{g} {v['gain']:+.3f}" for g, v in check["per_language"].items())
    print(
        f"- {system} not below {baseline} in any language: "
        f"{'met' if not below else 'NOT met (' + ', '.join(below) + ')'} ({gains})"
    )
    below_any = [g for g, v in check["per_language"].items() if not v["not_below_best_here"]]
    print(
        f"- (for reference) best plain baseline overall: {check['best_baseline']} "
        f"({check['gain_over_best_baseline']:+.3f}); languages where a plain baseline beats "
        f"{system}: {', '.join(below_any) or 'none'}"
    )
    if "questions_met" in check:
        print(
            f"- natural questions: {system} MRR@10 = {check['questions_mrr@10']:.3f} (target ≥ "
            f"{TARGET_QUESTION_MRR:.2f}): {met(check['questions_mrr_met'])}; Recall@10 = "
            f"{check['questions_recall@10']:.3f} (target ≥ {TARGET_QUESTION_RECALL:.2f}): "
            f"{met(check['questions_recall_met'])}"
        )


# -- main -------------------------------------------------------------------------------------


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",") if x.strip())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--per-language", type=int, default=200, help="docstring queries cap")
    parser.add_argument("--seed", type=int, default=4, help="sampling seed for the cap")
    parser.add_argument("--questions", type=Path, default=QUESTIONS_FILE)
    parser.add_argument(
        "--questions-on",
        choices=("original", "stripped"),
        default="original",
        help="which copy the natural questions search: the sources as published (default), "
        "or the copy with documentation removed that the docstring queries use",
    )
    parser.add_argument("--json", type=Path, help="write every number, per query too, here")
    parser.add_argument(
        "--packages",
        help=f"comma-separated subset of: {','.join(p.name for p in PACKAGES)} (default: all)",
    )
    parser.add_argument(
        "--embedder",
        choices=("real", "bow"),
        default="real",
        help="real: the bundled model (default); bow: quality.py's fast stand-in (plumbing)",
    )
    parser.add_argument(
        "--model",
        help="with --embedder real: another sentence-transformers model (a name or a local "
        "path, loaded offline) instead of the bundled one; its vectors have their own cache keys",
    )
    parser.add_argument("--threads", type=int, help="torch threads (default: all CPUs)")
    parser.add_argument("--weights", type=parse_weights, help="e.g. dense=1,lexical=0.5,symbol=0")
    parser.add_argument("--rrf-k", type=float, help="reciprocal-rank-fusion constant")
    parser.add_argument(
        "--priors",
        type=parse_priors,
        help="ranking priors for every arama search, e.g. query_shape=true,definition_boost=3 "
        "(the others off; default: the engine's configured priors)",
    )
    parser.add_argument(
        "--prior-sweep",
        action="store_true",
        help="index once, then hybrid and lexical with every prior alone and --priors together",
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="the natural questions' Recall@10..100 per mode: how far any re-ranking could go",
    )
    parser.add_argument("--sweep", action="store_true", help="grid of hybrid fusion settings")
    parser.add_argument("--sweep-lexical", type=_floats, default=(0.5, 0.75, 1.0, 1.5))
    parser.add_argument("--sweep-symbol", type=_floats, default=(0.0, 0.25))
    parser.add_argument("--sweep-rrf-k", type=_floats, default=(10.0, 60.0))
    parser.add_argument("--sweep-names", type=_floats, default=(0.0, 0.25, 0.5, 0.75))
    return parser.parse_args(argv)


def progress_printer() -> Callable[[Progress], None]:
    """An engine's `on_progress`: a line on stderr at most every 20 s."""
    last = [0.0]

    def progress(event: Progress) -> None:
        now = time.monotonic()
        if now - last[0] >= 20:
            last[0] = now
            print(f"  {event.phase}: {event.done}/{event.total}", file=sys.stderr)

    return progress


def _index(engine: Engine, root: Path) -> float:
    started = time.perf_counter()
    engine.add_folder(root)
    engine.start()
    engine.wait_idle()
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    cache_dir: Path = args.cache_dir.expanduser().resolve()
    only = {p.strip() for p in args.packages.split(",")} if args.packages else None
    print("fetching pinned releases ...", file=sys.stderr)
    fetched, skipped = fetch_all(cache_dir, only)
    for miss in skipped:
        print(f"  skipped {miss.package.label}: {miss.reason}", file=sys.stderr)
    workspace = build_workspace(fetched, cache_dir / "workspace")
    docs = sample_queries(workspace.candidates, args.per_language, args.seed)

    config = measuring_config(
        EngineConfig(cache_dir=cache_dir / "engine", threads=args.threads, model=args.model)
    )
    fusion = fusion_from(config.fusion, args.weights, args.rrf_k)

    def new_engine() -> tuple[Engine, CountingEmbedder]:
        """An engine and its embedder (the dense baseline encodes with the same model)."""
        embedder = CountingEmbedder(
            BagOfWordsEmbedder()
            if args.embedder == "bow"
            else make_embedder(config, config.cache_dir / "torch")
        )
        return Engine(config, embedder=embedder, on_progress=progress_printer()), embedder

    engine, embedder = new_engine()
    question_engine: Engine | None = None
    question_embedder: Embedder = embedder
    # The engines' embedding cache, for the dense baseline's plain chunk texts.
    cache = EmbeddingCache(config.embeddings_dir)
    try:
        print(f"indexing {workspace.files} files under {workspace.root} ...", file=sys.stderr)
        index_seconds = _index(engine, workspace.root)
        embedded = embedder.embedded
        status = engine.status()
        chunks = chunk_table(engine)
        question_root, question_chunks = workspace.root, chunks
        if args.questions.exists() and args.questions_on == "original":
            original = build_workspace(fetched, cache_dir / "workspace-original", strip=False)
            question_engine, question_embedder = new_engine()
            print(f"indexing the original sources under {original.root} ...", file=sys.stderr)
            index_seconds += _index(question_engine, original.root)
            question_root, question_chunks = original.root, chunk_table(question_engine)
        questions = (
            load_questions(
                args.questions, question_chunks, question_root, {f.package.name for f in fetched}
            )
            if args.questions.exists()
            else []
        )
        engine.load_model()  # hybrid skips the dense channel until the query model is up
        if question_engine is not None:
            question_engine.load_model()

        print(f"baselines over {len(chunks)} chunks ...", file=sys.stderr)
        dense = DenseBaseline(embedder, cache, chunks)
        bm25 = Bm25Baseline(chunks)
        rrf = RrfBaseline(chunks, dense)
        sets = {"docstring": docs, "questions": questions}
        runs: dict[str, Run] = {}
        summaries: dict[str, dict[str, Any]] = {}
        priors = args.priors
        systems: dict[str, SearchFn] = {m: engine_search(engine, m, fusion, priors) for m in MODES}
        systems |= {"bm25": bm25.search, "dense": dense.search, "rrf": rrf.search}
        question_systems = systems
        question_rrf = rrf
        if question_engine is not None:
            question_systems = {m: engine_search(question_engine, m, fusion, priors) for m in MODES}
            question_dense = DenseBaseline(question_embedder, cache, question_chunks)
            question_rrf = RrfBaseline(question_chunks, question_dense)
            question_systems |= {
                "bm25": Bm25Baseline(question_chunks).search,
                "dense": question_dense.search,
                "rrf": question_rrf.search,
            }
        if questions:
            question_systems = question_systems | {
                IN_PACKAGE: package_scoped_search(
                    question_engine or engine, fusion, priors, questions
                )
            }
        for name, queries in sets.items():
            if queries:
                print(f"{name} queries: {len(queries)}", file=sys.stderr)
                chosen = question_systems if name == "questions" else systems
                runs[name] = run_queries(queries, chosen)
                summaries[name] = summarize(queries, runs[name])
        check = target_check(summaries["docstring"], summaries.get("questions"))
        depth = (
            ceiling(question_engine or engine, questions, fusion, priors)
            if args.ceiling and questions
            else None
        )
        if args.prior_sweep:
            print("sweeping priors ...", file=sys.stderr)
            remembered = len(docs) + len(questions)
            engine = reopen_for_sweep(engine, embedder, workspace.root, remembered)
            if question_engine is not None:
                question_engine = reopen_for_sweep(
                    question_engine, question_embedder, question_root, remembered
                )
            prior_rows = prior_sweep(
                {"docstring": engine, "questions": question_engine or engine},
                {k: v for k, v in sets.items() if v},
                fusion,
                priors,
            )

        report: dict[str, Any] = {
            "benchmark": "arama registry-corpora quality (issue 4)",
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
            "python": platform.python_version(),
            "source": source_state(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "embedder": engine.model_id,
            "ranking": fusion_record(fusion),
            "priors": priors_record(priors),
            "packages": [
                {
                    "package": f.package.label,
                    "name": f.package.name,
                    "language": f.package.language,
                    "archive": f.archive.name,
                    "sha256": f.sha256,
                    "files_by_kind": workspace.kinds.get(f.package.name, {}),
                    "chunks_by_kind": chunk_kinds(chunks, f.package.name),
                    "question_chunks_by_kind": chunk_kinds(question_chunks, f.package.name),
                }
                for f in fetched
            ],
            "skipped": [{"package": s.package.label, "reason": s.reason} for s in skipped],
            "corpus": {
                "files": workspace.files,
                "files_by_language": workspace.languages,
                "chunks": len(chunks),
                "question_chunks": len(question_chunks),
                "rrf_baseline_chunks": rrf.chunks,
                "rrf_baseline_question_chunks": question_rrf.chunks,
                "fingerprint": workspace.fingerprint,
                "documented_functions": workspace.documented,
                "docs_removed": workspace.stripped,
                "eligible_queries": {k: len(v) for k, v in workspace.candidates.items()},
            },
            "indexing": {
                "seconds": round(index_seconds, 2),
                "embedded": embedded,
                "cache_hits": status.cache.hits,
                "dense_baseline_embedded": dense.embedded,
            },
            "settings": {
                "per_language": args.per_language,
                "seed": args.seed,
                "top_k": TOP_K,
                "questions_on": args.questions_on,
            },
            "results": summaries,
            "target": check,
        }
        if args.prior_sweep:
            report["prior_sweep"] = prior_rows
        if depth is not None:
            report["ceiling"] = depth
        if args.sweep:
            print("sweeping fusion knobs ...", file=sys.stderr)
            remembered = len(docs) + len(questions)
            engine = reopen_for_sweep(engine, embedder, workspace.root, remembered)
            if question_engine is not None:
                question_engine = reopen_for_sweep(
                    question_engine, question_embedder, question_root, remembered
                )
            report["sweep"] = sweep(
                {"docstring": engine, "questions": question_engine or engine},
                {k: v for k, v in sets.items() if v},
                lexical=args.sweep_lexical,
                symbol=args.sweep_symbol,
                rrf_k=args.sweep_rrf_k,
                names=args.sweep_names,
                priors=priors,
            )
        report["queries"] = {
            name: [
                {
                    "id": q.id,
                    "query": q.text,
                    "group": q.group,
                    "targets": q.labels,
                    "ranks": {s: runs[name].ranks[s][q.id] for s in runs[name].ranks},
                    "top": {s: runs[name].top[s][q.id] for s in runs[name].top},
                }
                for q in sets[name]
            ]
            for name in runs
        }
        print_report(report)
        if args.json:
            args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
            print(f"\nwrote {args.json}")
    finally:
        engine.close()
        if question_engine is not None:
            question_engine.close()
        cache.close()
    return 0


def print_report(report: Mapping[str, Any]) -> None:
    corpus = report["corpus"]
    print("\n## arama registry-corpora quality\n")
    print(f"packages: {', '.join(p['package'] for p in report['packages'])}")
    for miss in report["skipped"]:
        print(f"skipped: {miss['package']}: {miss['reason']}")
    print(
        f"corpus: {corpus['files']} files, {corpus['chunks']} chunks, fingerprint "
        f"{corpus['fingerprint'][:16]}; documented functions {corpus['documented_functions']}, "
        f"eligible docstring queries {corpus['eligible_queries']}"
    )
    idx = report["indexing"]
    print(
        f"indexing: {idx['seconds']:.0f} s, {idx['embedded']} texts embedded by the model, "
        f"{idx['cache_hits']} from the cache; embedder {report['embedder']}; "
        f"ranking {report['ranking']}; priors {report.get('priors') or 'as configured'}"
    )
    print(
        f"rrf baseline: BM25 + dense over the {corpus['rrf_baseline_chunks']} code chunks "
        f"({corpus['rrf_baseline_question_chunks']} in the questions' copy), RRF k="
        f"{RRF_BASELINE_K}\n"
    )
    kinds = ("code", "tests", "docs")
    print(
        markdown(
            [
                "package",
                "language",
                *(f"files {k}" for k in kinds),
                *(f"chunks {k}" for k in kinds),
                "chunks",
            ],
            (
                [
                    p["package"],
                    p["language"],
                    *(str(p["files_by_kind"].get(k, 0)) for k in kinds),
                    *(str(p["question_chunks_by_kind"].get(k, 0)) for k in kinds),
                    str(sum(p["question_chunks_by_kind"].values())),
                ]
                for p in report["packages"]
            ),
        )
    )
    results = report["results"]
    if "docstring" in results:
        print_set("Docstring queries (CodeSearchNet method)", results["docstring"], "language")
    if "questions" in results:
        print_set("Natural developer questions", results["questions"], "package")
    print_check(report["target"])
    if "ceiling" in report:
        print_ceiling(report["ceiling"])
    if "prior_sweep" in report:
        print_prior_sweep(report["prior_sweep"])
    if "sweep" in report:
        rows = report["sweep"]
        names = [k for k in rows[0] if k not in ("rrf_k", "lexical", "symbol")]
        print("\n### Sweep: hybrid MRR@10 (dense weight 1)\n")
        print(
            markdown(
                ["rrf_k", "lexical", "symbol", *names],
                (
                    [f"{r['rrf_k']:g}", f"{r['lexical']:g}", f"{r['symbol']:g}"]
                    + [f"{r[n]:.3f}" for n in names]
                    for r in rows
                ),
            )
        )


if __name__ == "__main__":
    sys.exit(main())
