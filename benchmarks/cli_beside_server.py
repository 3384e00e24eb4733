"""`arama search --no-update` as a second process beside a running server, old code against new.

    .venv/bin/python benchmarks/cli_beside_server.py --sources OLD/server --sources NEW/server

A copy of a corpus (default: this repository's server/) is indexed once with `arama index`, then
the real `arama-ls` is started on it (it claims the folder's index, as an editor's server does)
and kept ready. Each round then runs `arama search QUERY --no-update --json` once per `--sources`
directory (put first on PYTHONPATH: a checkout's `server/`), in turn, so every variant meets the
same machine load; the table gives wall time p50/p95 per variant, its ratio to the first, how
many results it answered, and the index directories (replicas) the cache holds at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types

from lsp_latency import QUERIES, build_workspace, percentile
from soak import start

REPO = Path(__file__).resolve().parents[1]
ARAMA = Path(sys.executable).parent / "arama"


def _search(sources: Path, workspace: Path, cache: Path, query: str) -> tuple[float, int]:
    """Seconds and number of results of one `arama search --no-update` run with `sources`."""
    env = {**os.environ, "PYTHONPATH": str(sources), "ARAMA_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    done = subprocess.run(
        [str(ARAMA), "search", query, "--no-update", "--json", "-C", str(workspace)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return seconds, -1  # the table shows it; the error is in stderr, kept short
    return seconds, len(json.loads(done.stdout)["results"])


async def _run(args: argparse.Namespace, base: Path) -> dict[str, Any]:
    workspace, cache = base / "workspace", base / "cache"
    build_workspace(args.corpus or [REPO / "server"], 1, workspace)
    if args.seed_cache:  # its model and embeddings: the index is built without embedding
        cache.mkdir()
        for shared in ("embeddings", "models"):
            os.symlink(args.seed_cache / shared, cache / shared)
    subprocess.run(
        [str(ARAMA), "index", str(workspace), "--quiet", "--cache-dir", str(cache)], check=True
    )
    client, _pid = await start(workspace, cache, base / "server.log")
    try:
        while True:  # the server's own scan finds nothing new; wait until it says so
            status = await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="arama.status", arguments=[])
            )
            if status["state"] == "ready":
                break
            await asyncio.sleep(0.5)
        times: dict[str, list[float]] = {str(s): [] for s in args.sources}
        results: dict[str, list[int]] = {str(s): [] for s in args.sources}
        for round_ in range(args.rounds):
            query = QUERIES[round_ % len(QUERIES)]
            for sources in args.sources:
                seconds, found = await asyncio.to_thread(_search, sources, workspace, cache, query)
                times[str(sources)].append(seconds)
                results[str(sources)].append(found)
    finally:
        await client.shutdown_session()
        await client.stop()
    first = statistics.median(times[str(args.sources[0])])
    return {
        "rounds": args.rounds,
        "variants": [
            {
                "sources": key,
                "p50_s": round(statistics.median(values), 2),
                "p95_s": round(percentile(values, 0.95), 2),
                "ratio_to_first": round(statistics.median(values) / first, 2),
                "results_per_search": sorted(set(results[key])),
            }
            for key, values in times.items()
        ],
        "index_dirs": sorted(p.name for p in (cache / "workspaces").iterdir()),
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"arama search --no-update beside a ready server, {result['rounds']} rounds, interleaved")
    print(f"{'sources':<40} {'p50 s':>7} {'p95 s':>7} {'ratio':>6}  results")
    for v in result["variants"]:
        print(
            f"{v['sources'][-40:]:<40} {v['p50_s']:>7} {v['p95_s']:>7} {v['ratio_to_first']:>6}"
            f"  {v['results_per_search']}"
        )
    print(f"index directories in the cache at the end: {result['index_dirs']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, action="append", required=True)
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument(
        "--seed-cache", type=Path, help="a cache directory whose model and embeddings to share"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="arama-cli-beside-") as tmp:
        result = asyncio.run(_run(args, Path(tmp)))
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
