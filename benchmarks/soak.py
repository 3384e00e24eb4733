"""A long soak of the real server under a mixed load, with a SIGKILL and restart every few minutes.

The real `arama-ls` over stdio (started as lsp_latency.py does) on a copy of a corpus (default:
this repository's server/ and tests/). For `--minutes` (default 30) it keeps doing, in turns:
file edits on disk, branch-switch-like bursts (hundreds of files written, later deleted), editor
buffer edits (didOpen/didChange/didClose), searches in the three modes, workspace/symbol
lookups, and a second process on the same cache (`arama search --no-update`, `arama status`).
Every `--kill-every` minutes the server is killed with SIGKILL and started again.

It reports searches answered, errors (must be 0), p50/p95 latency per operation and per server
life, the server's RSS over time (growth after warm-up, per life: below 10 % is the bar), open
file descriptors and threads (flat), and at the end whether the index equals a fresh index of
the disk (files and chunks identical, every chunk with its vector).

    .venv/bin/python benchmarks/soak.py                          # 30 minutes
    .venv/bin/python benchmarks/soak.py --minutes 3 --kill-every 1 --json out.json   # short

Descriptors are sampled by what they point at (`fds_grown` per life: which kind grew), RSS as a
curve per life (`rss_mb_curve`). `--seed-cache DIR` copies a cache's model export and embeddings
first, so that on a loaded machine the lives measure the steady state, not the cold index;
`--final-timeout` bounds the last run's wait for ready.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shlex
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_latency import QUERIES, build_workspace, percentile

REPO = Path(__file__).resolve().parents[1]
ARAMA = Path(sys.executable).parent / "arama"
REQUEST_TIMEOUT_S = 60.0
SAMPLE_EVERY_S = 5.0
WARM_UP_S = 60.0  # RSS growth is measured from this long into each server life
SYMBOL_QUERIES = ("retry", "Engine", "parse", "cache get", "wait ready", "FolderIndex")


@dataclass
class Life:
    """One server process between two kills."""

    number: int
    pid: int
    started: float
    samples: list[dict[str, Any]] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class Soak:
    workspace: Path
    cache: Path
    rng: random.Random
    lives: list[Life] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answered: int = 0
    burst: Path | None = None
    edits: int = 0

    def latency(self, kind: str, ms: float) -> None:
        self.lives[-1].latencies.setdefault(kind, []).append(ms)


async def start(workspace: Path, cache: Path, log: Path) -> tuple[LanguageClient, int]:
    """lsp_latency.py's start, with the server's log (INFO) kept in `log` for the report."""
    pidfile = cache.with_name("arama-ls.pid")
    pidfile.unlink(missing_ok=True)
    server = shlex.join([sys.executable, "-m", "arama.lsp.server", "--log-level", "INFO"])
    command = f"echo $$ > {shlex.quote(str(pidfile))}; exec {server} 2>> {shlex.quote(str(log))}"
    client = await ClientServerConfig(server_command=["/bin/sh", "-c", command]).start()
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


def _proc(pid: int) -> dict[str, Any]:
    status = Path(f"/proc/{pid}/status").read_text()
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    kinds = _fd_kinds(pid)
    return {
        "rss_mb": round(int(values["VmRSS"].split()[0]) / 1024, 1),
        "threads": int(values["Threads"]),
        "fds": sum(kinds.values()),
        "fd_kinds": kinds,
    }


def _fd_kinds(pid: int) -> dict[str, int]:
    """Open descriptors by what they point at: a file's name (catalog.sqlite-wal, ...), or the
    kind of a socket, pipe or anonymous inode; what grows says which part leaks."""
    kinds: dict[str, int] = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed between the listing and the read
            continue
        kind = target.split(":", 1)[0] if not target.startswith("/") else Path(target).name
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


async def _timed(soak: Soak, kind: str, call: Any) -> Any:
    started = time.perf_counter()
    try:
        # Shielded: a timeout counts as an error here, but the request stays pending. Cancelled,
        # its late answer made pygls's client fail (InvalidStateError) and pytest-lsp's error
        # handler then terminate the server: the "server exited by itself" of earlier soaks.
        result = await asyncio.wait_for(asyncio.shield(call), REQUEST_TIMEOUT_S)
    except Exception as exc:  # every failure counts, whatever it is
        soak.errors.append(f"{kind}: {type(exc).__name__}: {exc}"[:300])
        return None
    soak.latency(kind, (time.perf_counter() - started) * 1000)
    return result


def _python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "burst" not in p.parts)


def _edit_file(soak: Soak) -> None:
    victim = soak.rng.choice(_python_files(soak.workspace))
    soak.edits += 1
    with victim.open("a", encoding="utf-8") as out:
        out.write(f"\n\ndef soak_edit_{soak.edits}(value):\n    return value + {soak.edits}\n")


def _burst(soak: Soak) -> None:
    """A branch switch: hundreds of files appear at once; the next burst removes them."""
    if soak.burst is not None:
        for path in sorted(soak.burst.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        soak.burst.rmdir()
        soak.burst = None
        return
    soak.burst = soak.workspace / f"burst_{soak.rng.randrange(10**6)}"
    for n in range(300):
        package = soak.burst / f"pkg{n % 10}"
        package.mkdir(parents=True, exist_ok=True)
        (package / f"handler_{n}.py").write_text(
            f"def handle_{n}(event):\n    '''Handle event number {n}.'''\n    return event\n"
        )


async def _buffer_edit(soak: Soak, client: Any) -> None:
    path = soak.rng.choice(_python_files(soak.workspace))
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8", errors="replace")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [
                types.TextDocumentContentChangeWholeDocument(
                    text + "\ndef unsaved_soak():\n    pass\n"
                )
            ],
        )
    )
    await asyncio.sleep(0.5)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
    )


async def _second_process(soak: Soak) -> None:
    for argv in (
        ["search", "retry with backoff", "--no-update", "--json", "-C", str(soak.workspace)],
        ["status", str(soak.workspace)],
    ):
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            str(ARAMA),
            *argv,
            env={**os.environ, "ARAMA_CACHE_DIR": str(soak.cache)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _out, err = await process.communicate()
        if process.returncode not in (0, 1):
            soak.errors.append(f"cli {argv[0]}: exit {process.returncode}: {err[-300:]!r}")
        else:
            soak.latency(f"cli {argv[0]}", (time.perf_counter() - started) * 1000)


async def _one_life(soak: Soak, until: float) -> None:
    log = soak.cache.with_name(f"server-{len(soak.lives) + 1}.log")
    client, pid = await start(soak.workspace, soak.cache, log)
    life = Life(len(soak.lives) + 1, pid, time.monotonic())
    soak.lives.append(life)

    async def command(name: str, *args: Any) -> Any:
        return await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(args))
        )

    turn = 0
    next_sample = time.monotonic()
    second: asyncio.Task[None] | None = None
    while time.monotonic() < until:
        if client.stopped:  # the server exited by itself: say so, with the end of its log
            tail = log.read_text(errors="replace").splitlines()[-5:]
            soak.errors.append(f"life {life.number}: the server exited by itself: {tail}")
            break
        if time.monotonic() >= next_sample:
            try:
                life.samples.append({"t": round(time.monotonic() - life.started, 1), **_proc(pid)})
            except (OSError, KeyError, ValueError) as exc:
                soak.errors.append(f"sample: {exc}")
            next_sample += SAMPLE_EVERY_S
        query = QUERIES[turn % len(QUERIES)]
        mode = ("hybrid", "semantic", "lexical")[turn % 3]
        answer = await _timed(
            soak, f"search {mode}", command("arama.search", {"query": query, "mode": mode})
        )
        soak.answered += answer is not None
        await _timed(
            soak,
            "workspace/symbol",
            client.workspace_symbol_async(
                types.WorkspaceSymbolParams(query=SYMBOL_QUERIES[turn % len(SYMBOL_QUERIES)])
            ),
        )
        if turn % 5 == 0:
            _edit_file(soak)
        if turn % 7 == 0:
            try:
                await _buffer_edit(soak, client)
            except RuntimeError as exc:  # the client stopped: the loop says why next turn
                soak.errors.append(f"buffer edit: {exc}")
        if turn % 40 == 20:
            _burst(soak)
        if turn % 25 == 0 and (second is None or second.done()):
            second = asyncio.create_task(_second_process(soak))  # beside the editor's load
        if turn % 10 == 0:
            await _timed(soak, "status", command("arama.status"))
        turn += 1
        await asyncio.sleep(0.2)
    if second is not None:
        await second
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        if not client.stopped:
            soak.errors.append(f"life {life.number}: the server had exited by itself")
    try:
        await asyncio.wait_for(client.stop(), 10)
    except Exception:
        pass


async def _final_index(soak: Soak, final_timeout_s: float) -> dict[str, Any]:
    """A last server run to ready, then its catalog against a fresh index of the same disk."""
    if soak.burst is not None:
        _burst(soak)  # leave the disk as a checkout would
    client, _pid = await start(soak.workspace, soak.cache, soak.cache.with_name("final.log"))
    deadline = time.monotonic() + final_timeout_s
    try:
        while True:
            status = await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="arama.status", arguments=[])
            )
            if status["state"] == "ready" and not status["pendingFiles"]:
                break
            if time.monotonic() > deadline:  # say so rather than wait past the run's end
                soak.errors.append(
                    f"final: not ready after {final_timeout_s:.0f} s: {status}"[:300]
                )
                break
            await asyncio.sleep(0.5)
    finally:
        await client.shutdown_session()
        await client.stop()
    fresh = soak.cache.parent / "fresh-cache"
    fresh.mkdir(exist_ok=True)
    for shared in ("embeddings", "models"):  # a fresh index, the same embeddings
        if not (fresh / shared).exists():
            os.symlink(soak.cache / shared, fresh / shared)
    done = subprocess.run(
        [str(ARAMA), "index", str(soak.workspace), "--quiet", "--cache-dir", str(fresh)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        soak.errors.append(f"fresh index: {done.stderr[-300:]}")
    soaked, new = _catalog(soak.cache), _catalog(fresh)
    return {
        "status": {k: status[k] for k in ("state", "files", "chunks", "pendingChunks")},
        "files_equal": soaked["files"] == new["files"],
        "chunks_equal": soaked["chunks"] == new["chunks"],
        "files": len(new["files"]),
        "chunks": len(new["chunks"]),
        "only_in_soaked": len(soaked["chunks"] - new["chunks"]),
        "only_in_fresh": len(new["chunks"] - soaked["chunks"]),
    }


def _catalog(cache: Path) -> dict[str, set[tuple[Any, ...]]]:
    # The folder's own index, not a replica (`<dir>~2`) another process may have left there.
    [path] = [
        p for p in (cache / "workspaces").glob("*/catalog.sqlite") if "~" not in p.parent.name
    ]
    db = sqlite3.connect(path)
    try:
        files = set(db.execute("SELECT path, sha256 FROM files WHERE deleted_at IS NULL"))
        chunks = set(
            db.execute(
                "SELECT f.path, c.start_line, c.end_line, c.text_hash FROM chunks c "
                "JOIN files f ON f.id = c.file_id"
            )
        )
    finally:
        db.close()
    return {"files": files, "chunks": chunks}


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
    }


def _growth(life: Life) -> dict[str, Any]:
    warm = [s for s in life.samples if s["t"] >= min(WARM_UP_S, life.samples[-1]["t"] / 2)]
    if len(warm) < 2:
        return {"life": life.number, "samples": len(life.samples)}
    first, last = warm[0], warm[-1]
    return {
        "life": life.number,
        "seconds": last["t"],
        "rss_mb": f"{first['rss_mb']} -> {last['rss_mb']}",
        "rss_growth_pct": round(100 * (last["rss_mb"] - first["rss_mb"]) / first["rss_mb"], 1),
        "fds": f"{first['fds']} -> {last['fds']} (max {max(s['fds'] for s in warm)})",
        "threads": f"{first['threads']} -> {last['threads']} "
        f"(max {max(s['threads'] for s in warm)})",
        "fds_grown": _kinds_grown(life.samples[0]["fd_kinds"], last["fd_kinds"]),
        "rss_mb_curve": [s["rss_mb"] for s in life.samples[:: max(1, len(life.samples) // 10)]],
    }


def _kinds_grown(first: dict[str, int], last: dict[str, int]) -> dict[str, str]:
    """The descriptor kinds whose count changed over a life (from its first sample)."""
    return {
        kind: f"{first.get(kind, 0)} -> {last.get(kind, 0)}"
        for kind in sorted(set(first) | set(last))
        if first.get(kind, 0) != last.get(kind, 0)
    }


async def soak_run(args: argparse.Namespace, base: Path) -> dict[str, Any]:
    workspace = base / "workspace"
    build_workspace(args.corpus or [REPO / "server", REPO / "tests"], 1, workspace)
    soak = Soak(workspace, base / "cache", random.Random(args.seed))
    if args.seed_cache:  # a warm embedding cache: the lives measure the steady state
        for shared in ("embeddings", "models"):
            shutil.copytree(args.seed_cache / shared, soak.cache / shared)
    end = time.monotonic() + args.minutes * 60
    while time.monotonic() < end:
        await _one_life(soak, min(end, time.monotonic() + args.kill_every * 60))
    final = await _final_index(soak, args.final_timeout)
    kinds = sorted({k for life in soak.lives for k in life.latencies})
    return {
        "minutes": args.minutes,
        "kill_every_min": args.kill_every,
        "lives": len(soak.lives),
        "searches_answered": soak.answered,
        "errors": len(soak.errors),
        "error_examples": soak.errors[:10],
        "latency": {
            kind: _summary([v for life in soak.lives for v in life.latencies.get(kind, [])])
            for kind in kinds
        },
        "latency_per_life": [
            {"life": life.number, **{k: _summary(v) for k, v in sorted(life.latencies.items())}}
            for life in soak.lives
        ],
        "resources": [_growth(life) for life in soak.lives if life.samples],
        "final": final,
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"soak: {result['minutes']} min, SIGKILL + restart every {result['kill_every_min']} min "
        f"({result['lives']} server lives); {result['searches_answered']} searches answered, "
        f"{result['errors']} errors"
    )
    for example in result["error_examples"]:
        print(f"  error: {example}")
    print(f"{'operation':<20} {'n':>6} {'p50 ms':>9} {'p95 ms':>9}")
    for kind, s in result["latency"].items():
        print(f"{kind:<20} {s['n']:>6} {s.get('p50_ms', '-'):>9} {s.get('p95_ms', '-'):>9}")
    print("per life (searches, hybrid p50/p95):")
    for life in result["latency_per_life"]:
        hybrid = life.get("search hybrid", {})
        p50, p95 = hybrid.get("p50_ms", "-"), hybrid.get("p95_ms", "-")
        print(f"  life {life['life']}: {hybrid.get('n', 0)} hybrid, {p50} / {p95} ms")
    print("resources after warm-up, per life:")
    for r in result["resources"]:
        print(f"  {r}")
    final = result["final"]
    print(
        f"final index: {final['files']} files, {final['chunks']} chunks; equal to a fresh index: "
        f"files {final['files_equal']}, chunks {final['chunks_equal']} "
        f"(only in soaked {final['only_in_soaked']}, only in fresh {final['only_in_fresh']}); "
        f"status {final['status']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--kill-every", type=float, default=5.0, help="minutes between SIGKILLs")
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--seed-cache",
        type=Path,
        help="copy this cache directory's embeddings and model first (a warm start, not a cold "
        "index in the first life)",
    )
    parser.add_argument(
        "--final-timeout", type=float, default=900.0, help="seconds the last run may take to ready"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="arama-soak-") as tmp:
        result = asyncio.run(soak_run(args, Path(tmp)))
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    final = result["final"]
    ok = result["errors"] == 0 and final["files_equal"] and final["chunks_equal"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
