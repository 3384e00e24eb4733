"""Latency as the editor sees it: the real `arama-ls` over stdio, timed client-side.

    .venv/bin/python benchmarks/lsp_latency.py [--corpus FOLDER] [--replicate N] [--json out.json]

The corpus (default: this repository's server/ and tests/) is copied N times into a temporary
workspace ("synthetic, by replicating a real corpus": identical text is embedded once, thanks to
the content-hash cache, so a 20,000-chunk workspace is quick to build). Measured in one run:
- seconds from `initialize` to the first lexical result, and to full semantic coverage (ready);
- `arama.status` latency while the cold index runs (p50/p95/max): does indexing block the editor?
- `arama.search` latency while indexing and once ready, per mode (p50/p95);
- `workspace/symbol` latency once ready;
- with `--storm N`: N files written at once (a branch switch), `arama.status` latency until all
  are cataloged, and how many update batches the file events were coalesced into;
- the server's peak resident memory (VmHWM from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

REPO = Path(__file__).resolve().parents[1]
QUERIES = [
    "where are embeddings cached on disk",
    "split an identifier written in camel case into words",
    "rebuild the vector index when the file is corrupt",
    "which files are ignored by gitignore rules",
    "report indexing progress to the editor",
    "validate the arguments of the search command",
    "fuse lexical and dense rankings",
    "wait until the server is ready",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 0.95), 2),
        "max_ms": round(max(values), 2),
    }


def build_workspace(corpus: list[Path], copies: int, target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", ".venv", "node_modules", "*.pyc")
    for n in range(copies):
        for source in corpus:
            shutil.copytree(source, target / f"copy{n:03d}" / source.name, ignore=ignore)


async def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call
    return (time.perf_counter() - started) * 1000, result


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def storm(
    command: Any, workspace: Path, files: int, before: dict[str, Any]
) -> dict[str, Any]:
    target = workspace / "storm"
    target.mkdir()
    started = time.perf_counter()
    for n in range(files):
        (target / f"module_{n:05d}.py").write_text(
            f"def handler_{n:05d}(event):\n    return event\n"
        )
    written_s = time.perf_counter() - started
    latencies: list[float] = []
    status: dict[str, Any] = {}
    while True:
        took, status = await timed(command("arama.status"))
        latencies.append(took)
        if status["files"] >= before["files"] + files and not status["pendingFiles"]:
            break
        await asyncio.sleep(0.02)
    return {
        "files": files,
        "write_s": round(written_s, 2),
        "cataloged_s": round(time.perf_counter() - started, 2),
        "status_during": summary(latencies),
        "update_batches": status["updates"]["batches"] - before["updates"]["batches"],
    }


async def start(
    workspace: Path, cache: Path, options: dict[str, Any]
) -> tuple[LanguageClient, int]:
    """An initialized server and its process id. The server runs through a shell that writes
    its own pid (the server's, after `exec`) next to the cache: the client keeps the process
    private."""
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
            initialization_options={"cacheDir": str(cache), **options},
        )
    )
    return client, int(pidfile.read_text())


async def warm_restart(workspace: Path, cache: Path, options: dict[str, Any]) -> dict[str, Any]:
    """A second server on the same cache: seconds from process start to `ready`, embeddings."""
    started = time.perf_counter()
    client, pid = await start(workspace, cache, options)
    while True:
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="arama.status", arguments=[])
        )
        if status["state"] == "ready" and status["files"]:
            break
        await asyncio.sleep(0.02)
    ready_s = time.perf_counter() - started
    rss = peak_rss_mb(pid)
    await client.shutdown_session()
    await client.stop()
    return {
        "ready_s": round(ready_s, 2),
        "cache_misses": status["cache"]["misses"],
        "peak_rss_mb": rss,
    }


async def run(
    workspace: Path, cache: Path, rounds: int, storm_files: int, options: dict[str, Any]
) -> dict[str, Any]:
    client, pid = await start(workspace, cache, options)

    async def command(name: str, *args: Any) -> Any:
        return await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(args))
        )

    status_during: list[float] = []
    search_during: list[float] = []
    first_result_s: float | None = None
    started = time.perf_counter()
    status: dict[str, Any] = {}
    n = 0
    while True:
        took, status = await timed(command("arama.status"))
        status_during.append(took)
        if status["state"] == "ready" and status["files"]:
            break
        if (n % 10 == 0 or first_result_s is None) and status["chunks"]:
            query = {"query": QUERIES[n % len(QUERIES)]}  # hybrid: lexical until vectors come
            took, answer = await timed(command("arama.search", query))
            search_during.append(took)
            if first_result_s is None and answer["results"]:
                first_result_s = time.perf_counter() - started
        n += 1
        await asyncio.sleep(0.05)
    index_s = time.perf_counter() - started

    after: dict[str, list[float]] = {"hybrid": [], "semantic": [], "lexical": []}
    for round_number in range(rounds):
        for query in QUERIES:
            for mode in after:
                # A distinct limit per round keeps the server's result cache out of the timing.
                args = {"query": query, "mode": mode, "limit": 10 + round_number}
                took, _ = await timed(command("arama.search", args))
                after[mode].append(took)
    symbols: list[float] = []
    for query in ("retry", "cache", "parse http header", "Engine", "wait ready"):
        took, _ = await timed(
            client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query))
        )
        symbols.append(took)
    storm_result = (
        await storm(command, workspace, storm_files, await command("arama.status"))
        if storm_files
        else None
    )
    rss = peak_rss_mb(pid)
    await client.shutdown_session()
    await client.stop()
    return {
        "files": status["files"],
        "chunks": status["chunks"],
        "first_lexical_result_s": round(first_result_s or index_s, 2),
        "full_semantic_coverage_s": round(index_s, 1),
        "status_while_indexing": summary(status_during),
        "search_while_indexing": summary(search_during),
        "search_ready": {mode: summary(values) for mode, values in after.items()},
        "workspace_symbol_ready": summary(symbols),
        "server_peak_rss_mb": rss,
        **({"storm": storm_result} if storm_result else {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--replicate", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--storm", type=int, default=0, help="files to write at once when ready")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        help="initializationOptions entry as key=JSON (e.g. embeddingBackend='\"onnx\"')",
    )
    ns = parser.parse_args(argv)
    options = {k: json.loads(v) for k, _, v in (o.partition("=") for o in ns.option)}
    corpus = ns.corpus or [REPO / "server", REPO / "tests"]
    with tempfile.TemporaryDirectory(prefix="arama-latency-") as tmp:
        workspace = Path(tmp) / "workspace"
        build_workspace(corpus, ns.replicate, workspace)
        cache = Path(tmp) / "cache"
        result = asyncio.run(run(workspace, cache, ns.rounds, ns.storm, options))
        result["warm_restart"] = asyncio.run(warm_restart(workspace, cache, options))
    result["replicate"] = ns.replicate
    result["options"] = options
    for key, value in result.items():
        if isinstance(value, dict) and "n" not in value:
            for mode, stats in value.items():
                print(f"{key + ' ' + mode:<32} {stats}")
        else:
            print(f"{key:<32} {value}")
    if ns.json:
        ns.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
