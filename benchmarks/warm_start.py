"""The first second of a warm start: does the editor get the answers it will get a minute later?

The real `arama-ls` over stdio (started as lsp_latency.py does). A corpus (default: this
repository's server/) is copied into a temporary workspace and indexed by a first server, which
then shuts down. A second server starts on the same cache, nothing changed on disk, and is asked
the queries below in a loop from the moment `initialize` answered until one second after that;
(all at once first, then one after another); once it is `ready` and `--later` seconds (default
60) have passed, every query is asked again.
Reported per answer of the first second: time since the process started, whether it said
`indexing` and `cached`, and whether its top 10 (path and line) equals the later answer's.

    .venv/bin/python benchmarks/warm_start.py                    # server/, a minute later
    .venv/bin/python benchmarks/warm_start.py --later 5 --json out.json
    .venv/bin/python benchmarks/warm_start.py --corpus ../cpython/Lib/http --cache /tmp/c

`--cache` keeps the index and embedding cache between runs (a rerun skips the cold build).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsp_latency import QUERIES, build_workspace, start

REPO = Path(__file__).resolve().parents[1]
FIRST_WINDOW_S = 1.0


def top10(answer: dict[str, Any]) -> list[tuple[str, int]]:
    return [(r["path"], r["range"]["start"]["line"]) for r in answer["results"][:10]]


async def _until_ready(command: Any) -> dict[str, Any]:
    while True:
        status: dict[str, Any] = await command("arama.status")
        if status["state"] == "ready" and status["files"]:
            return status
        await asyncio.sleep(0.05)


async def build(workspace: Path, cache: Path) -> dict[str, Any]:
    """The first server: index the workspace completely, then shut down."""
    started = time.perf_counter()
    client, _pid = await start(workspace, cache, {})

    async def command(name: str, *args: Any) -> Any:
        return await client.workspace_execute_command_async(_params(name, args))

    status = await _until_ready(command)
    await client.shutdown_session()
    await client.stop()
    return {
        "files": status["files"],
        "chunks": status["chunks"],
        "build_s": round(time.perf_counter() - started, 1),
    }


def _params(name: str, args: tuple[Any, ...]) -> Any:
    from lsprotocol import types

    return types.ExecuteCommandParams(command=name, arguments=list(args))


async def warm(workspace: Path, cache: Path, later_s: float) -> dict[str, Any]:
    started = time.perf_counter()
    client, _pid = await start(workspace, cache, {})
    initialized_s = time.perf_counter() - started

    async def command(name: str, *args: Any) -> Any:
        return await client.workspace_execute_command_async(_params(name, args))

    early: list[dict[str, Any]] = []
    window_end = time.perf_counter() + FIRST_WINDOW_S

    async def ask(query: str) -> None:
        asked = time.perf_counter() - started
        answer = await command("arama.search", {"query": query})
        early.append(
            {
                "query": query,
                "asked_s": round(asked, 3),
                "answered_s": round(time.perf_counter() - started, 3),
                "indexing": answer["indexing"],
                "cached": answer["cached"],
                "partial": answer["partial"],
                "top": top10(answer),
            }
        )

    # Every query at once, as an editor's first searches would come, then one after another
    # until the first second since `initialize` answered has passed.
    await asyncio.gather(*(ask(q) for q in QUERIES))
    n = 0
    while time.perf_counter() < window_end:
        await ask(QUERIES[n % len(QUERIES)])
        n += 1
    early.sort(key=lambda row: row["asked_s"])
    ready = await _until_ready(command)
    ready_s = time.perf_counter() - started
    await asyncio.sleep(max(0.0, later_s - (time.perf_counter() - started)))
    later = {q: top10(await command("arama.search", {"query": q})) for q in QUERIES}
    later_at = time.perf_counter() - started
    await client.shutdown_session()
    await client.stop()
    for row in early:
        row["same_top10"] = row["top"] == later[row["query"]]
        row["results"] = len(row.pop("top"))
    return {
        "files": ready["files"],
        "initialize_s": round(initialized_s, 2),
        "ready_s": round(ready_s, 2),
        "later_s": round(later_at, 1),
        "cache_misses": ready["cache"]["misses"],
        "early": early,
        "summary": {
            "answers_in_first_second": len(early),
            "same_top10": sum(r["same_top10"] for r in early),
            "empty": sum(r["results"] == 0 for r in early),
            "cached_while_indexing": sum(r["cached"] and r["indexing"] for r in early),
            "partial": sum(r["partial"] for r in early),
        },
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"workspace: {result['build']['files']} files, {result['build']['chunks']} chunks "
        f"(first server ready in {result['build']['build_s']} s)"
    )
    w = result["warm"]
    print(
        f"warm start: initialize answered {w['initialize_s']} s after the process started, "
        f"ready at {w['ready_s']} s, {w['cache_misses']} texts embedded; "
        f"compared with the answers at {w['later_s']} s"
    )
    print(f"{'asked s':>8} {'took ms':>8}  {'indexing':<8} {'cached':<6} {'n':>3} same  query")
    for r in w["early"]:
        took = (r["answered_s"] - r["asked_s"]) * 1000
        print(
            f"{r['asked_s']:>8.3f} {took:>8.1f}  {r['indexing']!s:<8} {r['cached']!s:<6} "
            f"{r['results']:>3} {'yes' if r['same_top10'] else 'NO':<4}  {r['query']}"
        )
    s = w["summary"]
    print(
        f"first second: {s['answers_in_first_second']} answers, {s['same_top10']} with the same "
        f"top 10 as later, {s['empty']} empty, {s['cached_while_indexing']} cached while "
        f"indexing, {s['partial']} partial"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--later", type=float, default=60.0, help="seconds after the start")
    parser.add_argument("--cache", type=Path, help="keep the index here (default: a temp dir)")
    parser.add_argument("--json", type=Path)
    ns = parser.parse_args(argv)
    corpus = ns.corpus or [REPO / "server"]
    with tempfile.TemporaryDirectory(prefix="arama-warm-") as tmp:
        base = ns.cache or Path(tmp)
        workspace = base / "workspace"
        if not workspace.exists():
            build_workspace(corpus, 1, workspace)
        cache = base / "cache"
        result = {"build": asyncio.run(build(workspace, cache))}
        result["warm"] = asyncio.run(warm(workspace, cache, ns.later))
    result["corpus"] = [str(c) for c in corpus]
    print_table(result)
    if ns.json:
        ns.json.write_text(json.dumps(result, indent=2))
    failed = result["warm"]["summary"]
    return 0 if failed["same_top10"] == failed["answers_in_first_second"] else 1


if __name__ == "__main__":
    sys.exit(main())
