"""Fault injection: does the real `arama-ls` keep serving, lose nothing, and re-embed little?

    .venv/bin/python benchmarks/faults.py [--kills 10] [--only NAME ...] [--json out.json]

A corpus (this repository's `server/arama` plus the test fixture workspace) is indexed once into
a "golden" cache. Each scenario then damages a copy of that cache (or its environment), runs the
server over stdio, and reports:

- serving: `arama.status` answers and a search returns results, during or right after the fault;
- ready: the server reached `ready` (on its own, or after the fault was lifted and it restarted);
- lost: files / chunks missing from the final index compared with the golden one;
- re-embedded: texts the model had to embed again (the server's embedding-cache misses), in the
  final run and in all runs of the scenario together;
- bad vectors: vectors in the final index that differ from the golden index's vector for the
  same text (corruption served instead of detected);
- notes: the server's own `recovered` notes, and what was seen.

Scenarios: SIGKILL at random moments of a cold index (--kills times, then a clean start); disk
full while indexing (a tmpfs too small for the cache, then enlarged); a read-only cache (a
read-only bind mount of a complete cache, with one workspace file changed); a corrupt page in the
catalog SQLite; a corrupt page in the embedding cache's SQLite; a corrupt and a truncated faiss
file. The mount-based ones need root (CAP_SYS_ADMIN); without it they are reported as skipped.
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
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

REPO = Path(__file__).resolve().parents[1]
CORPUS = [REPO / "server" / "arama", REPO / "tests" / "fixtures" / "workspace"]
QUERY = "retry a failed request with exponential backoff"
EXPECTED_SYMBOL = "retry_request"
READY_TIMEOUT = 300.0
STARTING_TIMEOUT = 60.0


@dataclass
class Outcome:
    scenario: str
    serving: str = "?"
    ready: str = "?"
    lost: str = "?"
    reembedded_final: int | None = None
    reembedded_total: int | None = None
    wrong_vectors: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class Server:
    """One `arama-ls` process and its pytest-lsp client."""

    def __init__(self, client: LanguageClient, pid: int) -> None:
        self.client = client
        self.pid = pid
        self.last: dict[str, Any] = {}

    @classmethod
    async def start(cls, workspace: Path, cache: Path, log: Path) -> Server:
        # The shell writes its pid, the server's after `exec` (the client keeps the process
        # private), next to the log.
        pidfile = log.with_name("server.pid")
        pidfile.unlink(missing_ok=True)
        server = shlex.join([sys.executable, "-m", "arama.lsp.server", "--log-level", "WARNING"])
        command = f"echo $$ > {shlex.quote(str(pidfile))}; exec {server} 2>>{shlex.quote(str(log))}"
        config = ClientServerConfig(server_command=["/bin/sh", "-c", command])
        client = await config.start()
        assert isinstance(client, LanguageClient)
        await client.initialize_session(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                workspace_folders=[types.WorkspaceFolder(workspace.as_uri(), workspace.name)],
                initialization_options={"cacheDir": str(cache)},
            )
        )
        return cls(client, int(pidfile.read_text()))

    async def command(self, name: str, *args: Any, timeout: float = 30.0) -> Any:
        return await asyncio.wait_for(
            self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=name, arguments=list(args))
            ),
            timeout,
        )

    async def status(self) -> dict[str, Any]:
        answer: dict[str, Any] = await self.command("arama.status")
        self.last = answer
        return answer

    async def wait(
        self, until: Callable[[dict[str, Any]], bool], timeout: float
    ) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = await self.status()
            if until(status):
                return status
            await asyncio.sleep(0.2)
        return None

    async def wait_ready(self, timeout: float = READY_TIMEOUT) -> dict[str, Any] | None:
        if await self.wait(lambda s: s["state"] != "starting", STARTING_TIMEOUT) is None:
            return None  # the engine never came up
        return await self.wait(lambda s: s["state"] == "ready" and s["files"] > 0, timeout)

    async def serving(self) -> str:
        """ "yes" when status and a search both answer with something useful."""
        try:
            await self.status()
            answer = await self.command("arama.search", {"query": QUERY}, timeout=60)
        except Exception as exc:
            return f"no ({type(exc).__name__}: {str(exc)[:80]})"
        symbols = [r["symbol"] for r in answer["results"][:5]]
        if not answer["results"]:
            return "answers, no results"
        return "yes" if EXPECTED_SYMBOL in symbols else "answers, target missing"

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_session(), 60)
            await asyncio.wait_for(self.client.stop(), 60)
        except Exception:
            self.kill()
            await self.client.stop()

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def build_workspace(target: Path) -> None:
    for source in CORPUS:
        shutil.copytree(source, target / source.name, ignore=shutil.ignore_patterns("__pycache__"))


def compare(golden: dict[str, Any], status: dict[str, Any] | None) -> str:
    if status is None:
        return "unknown (never ready)"
    files = golden["files"] - status["files"]
    chunks = golden["chunks"] - status["chunks"]
    if files == chunks == 0 and status["embeddedChunks"] == status["chunks"]:
        return "nothing"
    return (
        f"{files} files, {chunks} chunks, {status['chunks'] - status['embeddedChunks']} unembedded"
    )


def vectors_by_text(cache: Path) -> dict[str, Any]:
    """text hash -> stored vector, read from a (stopped) server's catalog and faiss files."""
    import numpy as np

    from arama.engine.catalog import Catalog
    from arama.engine.vectors import VectorStore

    directory = next((cache / "workspaces").glob("*/catalog.sqlite")).parent
    catalog = Catalog(directory / "catalog.sqlite")
    try:
        hashes = catalog.chunk_hashes()
    finally:
        catalog.close()
    store = VectorStore(next(directory.glob("vectors-*.faiss")))
    if not store.load():
        return {}
    found: dict[str, Any] = {}
    for chunk_id, digest in hashes.items():
        vector = store.vector(chunk_id)
        if vector is not None:
            found[digest] = np.asarray(vector)
    return found


def bad_vectors(golden: dict[str, Any], cache: Path) -> int:
    """Stored vectors that differ from the golden index's vector for the same text."""
    import numpy as np

    final = vectors_by_text(cache)
    return sum(
        1
        for digest, vector in final.items()
        if digest in golden and not np.allclose(vector, golden[digest], atol=1e-4)
    )


def corrupt(path: Path, offset: int, length: int, seed: int = 7) -> None:
    noise = random.Random(seed).randbytes(length)
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(noise)


def run_root(*command: str) -> bool:
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


class Bench:
    def __init__(self, base: Path, kills: int) -> None:
        self.base = base
        self.kills = kills
        self.workspace = base / "workspace"
        self.golden_cache = base / "golden-cache"
        self.log = base / "server.log"
        self.golden: dict[str, Any] = {}
        self.golden_vectors: dict[str, Any] = {}

    async def build_golden(self) -> None:
        build_workspace(self.workspace)
        started = time.perf_counter()
        server = await Server.start(self.workspace, self.golden_cache, self.log)
        status = await server.wait_ready()
        await server.stop()
        assert status is not None, "the golden index never became ready"
        self.golden = {**status, "seconds": round(time.perf_counter() - started, 1)}
        self.golden_vectors = vectors_by_text(self.golden_cache)

    def fresh_cache(self, name: str, *, copy: bool = True) -> Path:
        cache = self.base / f"cache-{name}"
        if copy:
            shutil.copytree(self.golden_cache, cache)
        return cache

    def catalog(self, cache: Path) -> Path:
        return next((cache / "workspaces").glob("*/catalog.sqlite"))

    async def final_run(self, outcome: Outcome, cache: Path) -> dict[str, Any] | None:
        server = await Server.start(self.workspace, cache, self.log)
        try:
            status = await server.wait_ready()
            outcome.serving = outcome.serving if outcome.serving != "?" else await server.serving()
            outcome.ready = "yes" if status else "no"
            outcome.lost = compare(self.golden, status)
            if status is None:
                outcome.notes.append(f"final run stuck in state {server.last.get('state')!r}")
            if status is not None:
                outcome.reembedded_final = status["cache"]["misses"]
                outcome.notes.extend(status.get("recovered", []))
        finally:
            await server.stop()
        if status is not None:
            outcome.wrong_vectors = bad_vectors(self.golden_vectors, cache)
        return status

    # -- scenarios --------------------------------------------------------------------------

    async def sigkill_during_indexing(self, outcome: Outcome) -> None:
        cache = self.fresh_cache("sigkill", copy=False)
        rng = random.Random(20261126)
        budget = max(2.0, self.golden["seconds"] * 0.8)
        wasted = 0  # misses are counted at lookup, 512 chunks at a time: an upper bound
        states = []
        for _ in range(self.kills):
            server = await Server.start(self.workspace, cache, self.log)
            deadline = time.monotonic() + rng.uniform(0.3, budget)
            last: dict[str, Any] = {}
            while time.monotonic() < deadline:
                last = await server.status()
                if last["state"] == "ready" and last["files"]:
                    break
                await asyncio.sleep(0.1)
            states.append(last.get("state", "?"))
            wasted += last.get("cache", {}).get("misses", 0)
            server.kill()
            await server.client.stop()
        status = await self.final_run(outcome, cache)
        if status is not None and outcome.reembedded_final is not None:
            outcome.reembedded_total = wasted + outcome.reembedded_final
        outcome.notes.append(
            f"killed {self.kills}x while {', '.join(sorted(set(states)))}; "
            f"a cold index embeds {self.golden['cache']['misses']}"
        )

    async def disk_full(self, outcome: Outcome) -> None:
        cache = self.fresh_cache("diskfull", copy=False)
        cache.mkdir()
        golden_bytes = sum(p.stat().st_size for p in self.golden_cache.rglob("*") if p.is_file())
        size_kb = max(64, golden_bytes // 2 // 1024)
        options = f"size={size_kb}k,mode=0700"
        if not run_root("mount", "-t", "tmpfs", "-o", options, "tmpfs", str(cache)):
            outcome.serving = outcome.ready = outcome.lost = "skipped (cannot mount tmpfs)"
            return
        try:
            server = await Server.start(self.workspace, cache, self.log)
            try:
                stuck = await self.wait_stuck(server)
                outcome.serving = await server.serving()
                outcome.notes.append(
                    f"tmpfs {size_kb} KiB (half the cache): stuck at {stuck.get('state')}, "
                    f"{stuck.get('embeddedChunks')}/{stuck.get('chunks')} chunks embedded"
                )
                run_root("mount", "-o", "remount,size=1g", str(cache))
                recovered = await server.wait_ready(60)
                outcome.notes.append(
                    "after space was freed: "
                    + ("ready without a restart" if recovered else "not ready within 60 s")
                )
            finally:
                await server.stop()
            await self.final_run(outcome, cache)
        finally:
            run_root("umount", "-l", str(cache))

    async def wait_stuck(self, server: Server, quiet: float = 8.0) -> dict[str, Any]:
        """Poll until ready or no progress for `quiet` seconds; the last status."""
        last: dict[str, Any] = {}
        changed = time.monotonic()
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            status = await server.status()
            key = (status["state"], status["chunks"], status["embeddedChunks"])
            if key != (last.get("state"), last.get("chunks"), last.get("embeddedChunks")):
                changed = time.monotonic()
            last = status
            if status["state"] == "ready" and status["files"]:
                break
            if time.monotonic() - changed > quiet:
                break
            await asyncio.sleep(0.3)
        return last

    async def read_only_cache(self, outcome: Outcome) -> None:
        """A complete cache mounted read-only while one workspace file is new; then the mount
        goes, the file goes, and a normal start must give exactly the golden index."""
        cache = self.fresh_cache("readonly")
        probe = self.workspace / "arama" / "fault_probe.py"
        if not (
            run_root("mount", "--bind", str(cache), str(cache))
            and run_root("mount", "-o", "remount,bind,ro", str(cache))
        ):
            run_root("umount", str(cache))
            outcome.serving = outcome.ready = outcome.lost = "skipped (cannot bind-mount)"
            return
        try:
            probe.write_text("def fault_probe_function():\n    return 'written while read-only'\n")
            server = await Server.start(self.workspace, cache, self.log)
            try:
                status = await self.wait_stuck(server)
                outcome.notes.append(f"read-only: state {status.get('state')!r}")
                outcome.serving = await server.serving()
                answer = await server.command(
                    "arama.search", {"query": "fault_probe_function", "mode": "lexical"}
                )
                found = any(r["symbol"] == "fault_probe_function" for r in answer["results"])
                outcome.notes.append(
                    "read-only: the new file " + ("searchable" if found else "not searchable")
                )
            except Exception as exc:
                outcome.serving = f"no ({type(exc).__name__}: {str(exc)[:80]})"
            finally:
                await server.stop()
        finally:
            run_root("umount", str(cache))
            probe.unlink(missing_ok=True)
        await self.final_run(outcome, cache)

    async def corrupt_catalog(self, outcome: Outcome) -> None:
        cache = self.fresh_cache("catalog")
        catalog = self.catalog(cache)
        corrupt(catalog, 4096 * 2, 4096)
        await self.final_run(outcome, cache)

    async def corrupt_embedding_cache(self, outcome: Outcome) -> None:
        cache = self.fresh_cache("embeddings")
        database = cache / "embeddings" / "cache.db"
        corrupt(database, 4096 * 2, 4096 * 4)
        await self.final_run(outcome, cache)

    async def corrupt_faiss(self, outcome: Outcome) -> None:
        cache = self.fresh_cache("faiss")
        index = next((cache / "workspaces").glob("*/vectors-*.faiss"))
        corrupt(index, index.stat().st_size // 3, 4096)
        await self.final_run(outcome, cache)

    async def truncated_faiss(self, outcome: Outcome) -> None:
        cache = self.fresh_cache("faiss-truncated")
        index = next((cache / "workspaces").glob("*/vectors-*.faiss"))
        os.truncate(index, index.stat().st_size // 2)
        await self.final_run(outcome, cache)


SCENARIOS: dict[str, Callable[[Bench, Outcome], Awaitable[None]]] = {
    "sigkill during indexing": Bench.sigkill_during_indexing,
    "disk full while indexing": Bench.disk_full,
    "read-only cache dir": Bench.read_only_cache,
    "corrupt SQLite page (catalog)": Bench.corrupt_catalog,
    "corrupt SQLite page (embedding cache)": Bench.corrupt_embedding_cache,
    "corrupt faiss file": Bench.corrupt_faiss,
    "truncated faiss file": Bench.truncated_faiss,
}


async def run(kills: int, only: list[str]) -> tuple[dict[str, Any], list[Outcome]]:
    with tempfile.TemporaryDirectory(prefix="arama-faults-") as tmp:
        bench = Bench(Path(tmp), kills)
        await bench.build_golden()
        outcomes = []
        for name, scenario in SCENARIOS.items():
            if only and not any(o in name for o in only):
                continue
            outcome = Outcome(name)
            started = time.perf_counter()
            try:
                await scenario(bench, outcome)
            except Exception as exc:
                outcome.notes.append(f"ERROR {type(exc).__name__}: {exc}"[:300])
            outcome.seconds = round(time.perf_counter() - started, 1)
            outcomes.append(outcome)
            print(f"  {name}: done in {outcome.seconds}s", file=sys.stderr)
        errors = bench.log.read_text(errors="replace").count("Traceback")
        golden = {k: bench.golden[k] for k in ("files", "chunks", "seconds")}
        golden["server_tracebacks_logged"] = errors
        return golden, outcomes


def print_table(golden: dict[str, Any], outcomes: list[Outcome]) -> None:
    print(
        f"golden index: {golden['files']} files, {golden['chunks']} chunks, "
        f"{golden['seconds']} s cold"
    )
    header = ("scenario", "serving", "ready", "lost", "re-embedded final/total", "bad vectors", "s")
    rows = [
        (
            o.scenario,
            o.serving,
            o.ready,
            o.lost,
            f"{o.reembedded_final if o.reembedded_final is not None else '-'}"
            f"/{o.reembedded_total if o.reembedded_total is not None else '-'}",
            "-" if o.wrong_vectors is None else str(o.wrong_vectors),
            str(o.seconds),
        )
        for o in outcomes
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    for o in outcomes:
        for note in o.notes:
            print(f"  {o.scenario}: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--only", action="append", default=[], help="scenario name substring")
    parser.add_argument("--json", type=Path)
    ns = parser.parse_args(argv)
    golden, outcomes = asyncio.run(run(ns.kills, ns.only))
    print_table(golden, outcomes)
    if ns.json:
        ns.json.write_text(
            json.dumps({"golden": golden, "scenarios": [asdict(o) for o in outcomes]}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
