"""`arama tune` on full source releases: the model alone vs tuned, on documentation held out from
training, on natural questions written for each corpus (never used for training nor for any
choice of settings), and the cost.

For each corpus (a package's full release tree, the unstripped copy registry_quality.py writes,
tests and docs included): `arama eval` on the held-out split without an adapter; training pairs
from every other documented function; the adapter trained (tuning/trainer.py, the shipped
settings); `arama eval` again with it as the candidate; then the package's questions from
registry_questions.json, asked with and without it. Nothing here decides anything: the verdict
column is what `arama tune --queries` would decide (tuning/judge.py) if those questions were the
user's file.

Also measured: the corpus's adapter applied to *another* corpus's held-out split (what tuning
would cost elsewhere if it leaked; it does not: an adapter is used only for its own folder,
tests/unit/test_tuning.py).

    PYTHONPATH=server .venv/bin/python benchmarks/tune.py --json out.json
    PYTHONPATH=server .venv/bin/python benchmarks/tune.py --corpora httpx,attrs   # the dev set

The shipped settings were chosen on the dev set (httpx, attrs); the default corpora (rich,
lodash, itertools, testify) are the reported ones.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from arama.engine.chunker import chunk_source
from arama.engine.config import EngineConfig
from arama.engine.embedding.backends import make_embedder
from arama.engine.embedding.protocol import Embedder
from arama.engine.query_adapter import QueryAdapter, tuned_dir
from arama.evaluation.report import EvalReport
from arama.evaluation.runner import EvalSettings, evaluate
from arama.tuning.judge import Comparison, compare, judge
from arama.tuning.pairs import training_pairs
from arama.tuning.runner import JUDGED_MODES, code_sources, embed_pairs
from arama.tuning.store import drop_candidate, save_candidate
from arama.tuning.trainer import train_adapter

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "arama-bench"
REPORTED = ("rich", "lodash", "itertools", "testify")
LANGUAGE = {
    "rich": "python",
    "httpx": "python",
    "attrs": "python",
    "lodash": "javascript",
    "express": "javascript",
    "yargs": "javascript",
    "typebox": "typescript",
    "itertools": "rust",
    "testify": "go",
}


def questions_file(package: str, root: Path, out: Path) -> int:
    """The package's questions as an `arama eval --queries` file (path:line of each target's
    definition, found with the engine's own chunker). Returns how many."""
    data = json.loads((BENCH_DIR / "registry_questions.json").read_text())
    lines = []
    for q in data["questions"]:
        targets = []
        for t in q["targets"]:
            first, _, rel = t["path"].partition("/")
            if first != package:
                continue
            text = (root / rel).read_text(encoding="utf-8")
            language = LANGUAGE[package]
            for chunk in chunk_source(text, language):
                if chunk.symbol == t["symbol"] and t.get("container") in (None, chunk.container):
                    targets.append(f"{rel}:{chunk.start_line + 1}")
                    break
        if targets:
            lines.append(json.dumps({"query": q["query"], "target": targets}))
    out.write_text("\n".join(lines) + "\n")
    return len(lines)


def scores(a: Comparison) -> dict[str, Any]:
    return {
        "n": a.queries,
        "base": a.base,
        "tuned": a.tuned,
        "gain": a.gain,
        "se": a.standard_error,
    }


def run_corpus(
    package: str, root: Path, config: EngineConfig, model: Embedder, scratch: Path
) -> tuple[dict[str, Any], QueryAdapter]:
    held = EvalSettings(modes=JUDGED_MODES, sample=400, held_out=True)

    def ask(adapter: str, settings: EvalSettings) -> EvalReport:
        return evaluate(replace(config, adapter=adapter), root, settings, embedder=model)

    started = time.perf_counter()
    base = ask("none", held)
    base_s = time.perf_counter() - started
    pairs = training_pairs(code_sources(config, root))
    started = time.perf_counter()
    queries, answers, embedded = embed_pairs(config, model, pairs)
    embed_s = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    adapter, training = train_adapter(queries, answers, model.model_id, seconds=180)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    save_candidate(config, root, adapter)
    tuned = ask("candidate", held)
    asked = scratch / f"{package}-questions.jsonl"
    count = questions_file(package, root, asked)
    q_settings = EvalSettings(modes=("hybrid", "semantic"), queries_file=asked)
    q_base, q_tuned = ask("none", q_settings), ask("candidate", q_settings)
    drop_candidate(config, root)
    held_hybrid = compare(base.outcomes, tuned.outcomes, "hybrid")
    row = {
        "corpus": package,
        "language": LANGUAGE[package],
        "files": base.indexed_files,
        "pairs": {k: sum(p.kind == k for p in pairs) for k in ("doc", "name")},
        "heldOut": {m: scores(compare(base.outcomes, tuned.outcomes, m)) for m in JUDGED_MODES},
        "questions": {
            m: scores(compare(q_base.outcomes, q_tuned.outcomes, m)) for m in ("hybrid", "semantic")
        },
        "questionCount": count,
        # What `arama tune --queries` would decide if these questions were the user's file.
        "verdict": judge(held_hybrid, compare(q_base.outcomes, q_tuned.outcomes, "hybrid")).reason,
        "cost": {
            "baseEvalSeconds": round(base_s, 1),
            "pairEmbedSeconds": round(embed_s, 1),
            "pairsEmbedded": embedded,
            "trainSeconds": training.seconds,
            "epochs": training.epochs,
            "bestEpoch": training.best_epoch,
            "peakRssMiBBeforeTraining": round(rss_before / 1024),
            "peakRssMiBAfterTraining": round(rss_after / 1024),
            "reembedded": 0,
        },
    }
    return row, adapter


def leak(
    package: str,
    other: str,
    root: Path,
    adapter: QueryAdapter,
    config: EngineConfig,
    model: Embedder,
) -> dict[str, Any]:
    """`package`'s adapter forced onto `other`'s held-out split."""
    held = EvalSettings(modes=("hybrid",), sample=400, held_out=True)
    base = evaluate(replace(config, adapter="none"), root, held, embedder=model)
    adapter.save(tuned_dir(config, root.resolve()) / "candidate")
    forced = evaluate(replace(config, adapter="candidate"), root, held, embedder=model)
    drop_candidate(config, root)
    return {
        "from": package,
        "to": other,
        **scores(compare(base.outcomes, forced.outcomes, "hybrid")),
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'corpus':10} {'lang':10} {'pairs':>6} | {'held-out hybrid':>22} "
        f"{'semantic':>18} | {'questions hybrid':>22} {'semantic':>18} | train s | verdict"
    )
    out = [head, "-" * len(head)]
    for r in rows:

        def cell(c: dict[str, Any], wide: bool = True) -> str:
            text = f"{c['base']:.3f}->{c['tuned']:.3f} ({c['gain']:+.3f})"
            return f"{text} n={c['n']}" if wide else text

        pairs = r["pairs"]["doc"] + r["pairs"]["name"]
        out.append(
            f"{r['corpus']:10} {r['language']:10} {pairs:>6} | {cell(r['heldOut']['hybrid']):>22} "
            f"{cell(r['heldOut']['semantic'], False):>18} | "
            f"{cell(r['questions']['hybrid']):>22} {cell(r['questions']['semantic'], False):>18} | "
            f"{r['cost']['trainSeconds']:>7} | {r['verdict']}"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default=",".join(REPORTED))
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--json", type=Path)
    ns = parser.parse_args()
    packages = [p for p in ns.corpora.split(",") if p]
    roots = {p: ns.cache_dir / "workspace-original" / p for p in packages}
    missing = [p for p, r in roots.items() if not r.is_dir()]
    if missing:
        raise SystemExit(
            f"no release tree for {missing}: run benchmarks/registry_quality.py "
            "once (it writes workspace-original/)"
        )
    config = EngineConfig(cache_dir=ns.cache_dir / "engine")
    model = make_embedder(config, config.cache_dir / "torch")
    rows: list[dict[str, Any]] = []
    adapters: dict[str, QueryAdapter] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for package in packages:
            row, adapters[package] = run_corpus(
                package, roots[package], config, model, Path(scratch)
            )
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    leaks = []
    if len(packages) > 1:
        for a, b in zip(packages, packages[1:] + packages[:1], strict=True):
            leaks.append(leak(a, b, roots[b], adapters[a], config, model))
    print(table(rows))
    for entry in leaks:
        print(
            f"{entry['from']}'s adapter forced onto {entry['to']}: hybrid "
            f"{entry['base']:.3f} -> {entry['tuned']:.3f} ({entry['gain']:+.3f}, n={entry['n']})"
            " — never happens in arama (an adapter serves its own folder only)"
        )
    if ns.json:
        ns.json.write_text(json.dumps({"corpora": rows, "leaks": leaks}, indent=2))


if __name__ == "__main__":
    main()
