"""Exact names in lexical mode: does searching a definition's name put that definition first?

On the full source releases of registry_quality.py (corpora.py; the copy as published, docs
kept), N definitions are picked at random (seeded, the same share of every language): functions,
methods, classes and structs of code files (`search.paths.content_of`), names of at least 4
characters, one per name. Each name is searched in `lexical` mode, and a search counts when
its first result is a chunk that defines that name (same symbol; any piece of a split
definition, and any of the definitions when the name has several, of any kind: a TypeScript
interface `TNull` defines the name as much as the function `TypeGuard.TNull`). Measured twice:

- **complete**: the in-process Engine once its index is complete (registry_quality's index of
  the same copy, reused from the benchmark cache);
- **cold start**: the real `arama-ls` over stdio (started as lsp_latency.py does) on a fresh
  index directory, asked as soon as the first lexical answer arrives, while the cold index is
  still being built and the model is not loaded. The embedding cache and the exported model
  are shared with the benchmark cache (symlinks), so this measures a cold index, not a first
  install. Every answer's time since `initialize` and its `indexing` flag are recorded.

    .venv/bin/python benchmarks/exact_names.py                     # 300 names, both runs
    .venv/bin/python benchmarks/exact_names.py --json out.json --names 600 --seed 2
    .venv/bin/python benchmarks/exact_names.py --no-cold           # the complete index only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import shlex
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from arama.engine.config import EngineConfig, Priors
from arama.engine.embedding.backends import make_embedder
from arama.engine.engine import Engine
from arama.engine.search.paths import Content, content_of
from arama.engine.search.request import SearchRequest
from corpora import DEFAULT_CACHE_DIR, fetch_all
from quality import (
    BagOfWordsEmbedder,
    CountingEmbedder,
    engine_search,
    fusion_from,
    measuring_config,
    parse_priors,
    priors_record,
    source_state,
)
from registry_quality import ChunkInfo, build_workspace, chunk_table, markdown

# LSP SymbolKind: Class, Method, Function, Struct (Go and Rust have no classes).
DEFINITION_KINDS = frozenset({5, 6, 12, 23})
MIN_NAME = 4
TARGET_SHARE = 0.90
FIRST_ANSWER_PROBE = "return"

log = logging.getLogger("exact_names")


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    language: str
    path: str
    start_line: int
    end_line: int


@dataclass
class Picked:
    """One sampled name and every definition of it in the corpus."""

    name: str
    language: str
    sampled: Definition
    definitions: list[Definition]

    def defines(self, path: str, start: int, end: int, symbol: str | None) -> bool:
        """Whether a result (path, 0-based lines, symbol) is a chunk defining this name."""
        if symbol != self.name:
            return False
        return any(
            d.path == path and start <= d.end_line and d.start_line <= end for d in self.definitions
        )


def definitions(
    chunks: Sequence[ChunkInfo],
    kinds: Mapping[tuple[str, int], int | None],
    wanted: frozenset[int] | None = DEFINITION_KINDS,
) -> dict[tuple[str, str], list[Definition]]:
    """(language, name) -> its definitions in code files; the pieces of a split definition
    (consecutive chunks of the same symbol and container) are one definition."""
    found: dict[tuple[str, str], list[Definition]] = {}
    previous: tuple[str, str | None, str | None] | None = None
    for chunk in chunks:
        key = (chunk.path, chunk.symbol, chunk.container)
        kind = kinds.get((chunk.path, chunk.start_line))
        if (
            chunk.symbol is None
            or len(chunk.symbol) < MIN_NAME
            or kind is None
            or (wanted is not None and kind not in wanted)
            or content_of(chunk.path, chunk.language) != Content.CODE
        ):
            previous = None
            continue
        group = found.setdefault((chunk.language, chunk.symbol), [])
        if previous == key and group and group[-1].path == chunk.path:
            last = group[-1]
            group[-1] = Definition(
                last.name, last.language, last.path, last.start_line, chunk.end_line
            )
        else:
            group.append(
                Definition(
                    chunk.symbol, chunk.language, chunk.path, chunk.start_line, chunk.end_line
                )
            )
        previous = key
    return found


def pick(found: Mapping[tuple[str, str], list[Definition]], count: int, seed: int) -> list[Picked]:
    """`count` names, the same share of every language (a language with fewer names gives its
    rest to the others), one per name, the same on every run with this seed."""
    by_language: dict[str, list[tuple[str, str]]] = {}
    for key in sorted(found):
        by_language.setdefault(key[0], []).append(key)
    languages = sorted(by_language)
    picked: list[Picked] = []
    left = count
    for number, language in enumerate(languages):
        share = left // (len(languages) - number)
        pool = by_language[language]
        rng = random.Random(f"{seed}:{language}")
        chosen = pool if len(pool) <= share else rng.sample(pool, share)
        for key in sorted(chosen):
            defs = found[key]
            picked.append(Picked(key[1], language, rng.choice(defs), defs))
        left -= len(chosen)
    return picked


# -- the two runs -------------------------------------------------------------------------------


def complete_run(engine: Engine, picked: Sequence[Picked], priors: Priors | None) -> list[dict]:
    fusion = fusion_from(engine.config.fusion, None, None)
    rows = []
    for p in picked:
        started = time.perf_counter()
        answer = engine_search(
            engine, SearchRequest(p.name, limit=5, mode="lexical"), fusion, priors
        )
        took = (time.perf_counter() - started) * 1000
        top = answer.hits[0].chunk if answer.hits else None
        rows.append(
            {
                "name": p.name,
                "language": p.language,
                "first": bool(top)
                and p.defines(top.path, top.start_line, top.end_line, top.symbol),
                "top": f"{top.path}:{top.start_line + 1}:{top.symbol}" if top else None,
                "ms": round(took, 2),
                "definitions": len(p.definitions),
            }
        )
    return rows


async def _start(workspace: Path, cache: Path) -> tuple[LanguageClient, int]:
    """lsp_latency.py's start: the server through a shell that writes its pid."""
    pidfile = cache.with_name("arama-ls.pid")
    pidfile.unlink(missing_ok=True)
    server = shlex.join([sys.executable, "-m", "arama.lsp.server", "--log-level", "WARNING"])
    command = f"echo $$ > {shlex.quote(str(pidfile))}; exec {server}"
    config = ClientServerConfig(server_command=["/bin/sh", "-c", command])
    client = await config.start()
    assert isinstance(client, LanguageClient)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                window=types.WindowClientCapabilities(work_done_progress=True)
            ),
            workspace_folders=[types.WorkspaceFolder(workspace.as_uri(), workspace.name)],
            initialization_options={"cacheDir": str(cache)},
        )
    )
    return client, int(pidfile.read_text())


async def cold_run(
    workspace: Path, shared_cache: Path, picked: Sequence[Picked]
) -> tuple[list[dict], dict[str, Any]]:
    """Every name asked of a freshly started server, from its first lexical answer on."""
    with tempfile.TemporaryDirectory(prefix="arama-exact-") as tmp:
        cache = Path(tmp) / "cache"
        cache.mkdir()
        for shared in ("embeddings", "models"):
            if (shared_cache / shared).is_dir():
                os.symlink(shared_cache / shared, cache / shared)
        started = time.perf_counter()
        client, _pid = await _start(workspace, cache)
        initialized_s = time.perf_counter() - started

        async def command(name: str, *args: Any) -> Any:
            return await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=name, arguments=list(args))
            )

        def search(name: str) -> Any:
            return command("arama.search", {"query": name, "mode": "lexical", "limit": 5})

        # The first lexical answer: a word nearly every code chunk of every language holds.
        first_answer_s: float | None = None
        while first_answer_s is None:
            answer = await search(FIRST_ANSWER_PROBE)
            if answer["results"]:
                first_answer_s = time.perf_counter() - started
            else:
                await asyncio.sleep(0.01)
                if time.perf_counter() - started > 600:
                    raise RuntimeError("no lexical answer within 10 minutes")
        rows = []
        for p in picked:
            asked = time.perf_counter() - started
            answer = await search(p.name)
            top = answer["results"][0] if answer["results"] else None
            first = False
            if top is not None:
                start = top["range"]["start"]["line"]
                end = top["range"]["end"]["line"]
                first = p.defines(top["path"], start, end, top["symbol"])
            rows.append(
                {
                    "name": p.name,
                    "language": p.language,
                    "first": first,
                    "top": f"{top['path']}:{top['range']['start']['line'] + 1}:{top['symbol']}"
                    if top
                    else None,
                    "asked_s": round(asked, 3),
                    "indexing": answer["indexing"],
                    "definitions": len(p.definitions),
                }
            )
        status = await command("arama.status")
        await client.shutdown_session()
        await client.stop()
    meta = {
        "initialize_s": round(initialized_s, 2),
        "first_lexical_answer_s": round(first_answer_s, 2),
        "last_query_s": rows[-1]["asked_s"] if rows else None,
        "answers_while_indexing": sum(1 for r in rows if r["indexing"]),
        "status_after": {
            k: status.get(k) for k in ("state", "files", "chunks", "pendingFiles", "pendingChunks")
        },
    }
    return rows, meta


# -- report -------------------------------------------------------------------------------------


def shares(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for language in [*sorted({r["language"] for r in rows}), "overall"]:
        of = [r for r in rows if language in ("overall", r["language"])]
        unique = [r for r in of if r["definitions"] == 1]
        out[language] = {
            "names": len(of),
            "first": round(sum(r["first"] for r in of) / len(of), 4) if of else 0.0,
            "unique_names": len(unique),
            "first_unique": round(sum(r["first"] for r in unique) / len(unique), 4)
            if unique
            else 0.0,
        }
    return out


def print_report(report: Mapping[str, Any]) -> None:
    runs = report["runs"]
    languages = list(next(iter(runs.values()))["shares"])
    header = ["language", "names"]
    for run in runs:
        header += [f"{run}: first", f"{run}: first (unique names)"]
    rows = []
    for language in languages:
        first = next(iter(runs.values()))["shares"][language]
        row = [language if language != "overall" else "**overall**", str(first["names"])]
        for run in runs.values():
            s = run["shares"][language]
            row += [f"{s['first']:.1%}", f"{s['first_unique']:.1%} ({s['unique_names']})"]
        rows.append(row)
    print(f"\n## Exact names, lexical mode (target ≥ {TARGET_SHARE:.0%})\n")
    print(markdown(header, rows))
    if "cold" in runs:
        meta = runs["cold"]["meta"]
        print(
            f"\ncold start: first lexical answer {meta['first_lexical_answer_s']} s after the "
            f"server started; {len(runs['cold']['rows'])} names asked until "
            f"{meta['last_query_s']} s, {meta['answers_while_indexing']} of them answered while "
            f"indexing; status after: {meta['status_after']}"
        )
    for name, run in runs.items():
        misses = [r for r in run["rows"] if not r["first"]][:15]
        if misses:
            print(
                f"\n{name}: first misses: "
                + "; ".join(f"{m['name']} -> {m['top']}" for m in misses)
            )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--names", type=int, default=300, help="definitions to sample")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--packages", help="comma-separated subset (default: all)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-cold", dest="cold", action="store_false", help="skip the LSP run")
    parser.add_argument("--priors", type=parse_priors, help="priors of the in-process run")
    parser.add_argument(
        "--embedder",
        choices=("real", "bow"),
        default="real",
        help="the in-process index's embedder (lexical mode never reads vectors; bow: plumbing "
        "without a model, on its own cache directory)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    cache_dir: Path = args.cache_dir.expanduser().resolve()
    only = {p.strip() for p in args.packages.split(",")} if args.packages else None
    fetched, skipped = fetch_all(cache_dir, only)
    for miss in skipped:
        print(f"  skipped {miss.package.label}: {miss.reason}", file=sys.stderr)
    workspace = build_workspace(fetched, cache_dir / "workspace-original", strip=False)
    config = measuring_config(EngineConfig(cache_dir=cache_dir / "engine"))
    inner = (
        BagOfWordsEmbedder()
        if args.embedder == "bow"
        else make_embedder(config, config.cache_dir / "torch")
    )
    engine = Engine(config, embedder=CountingEmbedder(inner))
    try:
        print(f"indexing {workspace.files} files under {workspace.root} ...", file=sys.stderr)
        engine.add_folder(workspace.root)
        engine.start()
        engine.wait_idle()
        chunks = chunk_table(engine)
        kinds = {
            (row.path, row.start_line): row.kind
            for folder in engine.folders()
            for path in folder.catalog.live_files()
            for row in folder.catalog.chunks_of_file(path)
        }
        found = definitions(chunks, kinds)
        picked = pick(found, args.names, args.seed)
        # A result defines the name when it is any definition of it: the sampled function, or
        # the interface, type or constant of the same name (TypeScript's `TNull`).
        every = definitions(chunks, kinds, wanted=None)
        for p in picked:
            p.definitions = every.get((p.language, p.name), p.definitions)
        print(f"{len(picked)} names from {len(found)} defined names", file=sys.stderr)
        complete = complete_run(engine, picked, args.priors)
    finally:
        engine.close()
    runs: dict[str, Any] = {"complete": {"rows": complete, "shares": shares(complete)}}
    if args.cold:
        print("cold start over LSP ...", file=sys.stderr)
        rows, meta = asyncio.run(cold_run(workspace.root, config.cache_dir, picked))
        runs["cold"] = {"rows": rows, "shares": shares(rows), "meta": meta}
    report = {
        "benchmark": "arama exact names in lexical mode",
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source_state(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "packages": [f.package.label for f in fetched],
        "settings": {
            "names": args.names,
            "seed": args.seed,
            "kinds": sorted(DEFINITION_KINDS),
            "min_name": MIN_NAME,
            "priors": priors_record(args.priors),
        },
        "runs": runs,
    }
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
