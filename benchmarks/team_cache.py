"""A second laptop (or clone, worktree, CI runner) indexing with the team's cache: time to full
semantic coverage against a cold index, and what the remote server costs.

    .venv/bin/python benchmarks/team_cache.py [--path FOLDER] [--packages a,b] [--json out.json]
        [--scenarios cold,push,prewarmed,prewarmed-verify0,half,down,hung]
        [--lookup-vectors 100000] [--timeout-ms 500] [--pairs 4] [--pairs-packages express/lib]
        [--seed-cache DIR] [--report-every-s 60] [--hung-probe-s 600 --hung-batch-s 15]

Every scenario indexes FOLDER in-process from a fresh local cache directory (a new laptop) with
the model already loaded (shared by all scenarios, so only indexing is timed), against a real
`redis-server` started on loopback (tests/support/redis_server.py; apt-installed if missing):

  cold               no remote: today's cold index (the baseline, "a")
  push               `read-write` with the cold run's local cache copied in (a CI job that keeps
                     its cache between runs): every vector is a local hit and gets pushed
  prewarmed          remote fully prewarmed, `read`, default verifyFraction (1 %) ("b")
  prewarmed-verify0  the same with verifyFraction 0: the network and the checks alone
  half               half of the remote's keys deleted first ("c")
  down               nothing listens at the URL ("d"): one refused connection, then back-off
  hung               the server is SIGSTOPped: each try costs the full timeout ("d'")

Machine load moves a long run's time by more than 5 %, so "down vs cold" is also measured as a
ratio inside one run: with `--pairs N`, before the scenarios above, N pairs of a cold and a down
index of a fixed subset (`--pairs-packages`) run back to back in ABBA order (cold, down, down,
cold, ...), so a drift in load hits both sides equally; the report gives each pair's ratio and
their median. Each run also clocks the indexing thread's time inside the team-cache tier
(`TierClock`): for a down remote that is its whole cost, measured directly.

Then, without the model: remote lookup throughput (MGET of 384-float vectors through
`RemoteCache.get_many`, checks included) and the server's memory per 100,000 vectors
(`INFO memory` before and after `put_many`), from which docs/design.md sizes 1M and 10M.
Targets (issue 15): prewarmed reaches full coverage >= 20x faster than cold and embeds
nothing; down is no more than 5 % slower than cold.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from arama.engine.config import BACKENDS, DEFAULT_BACKEND, EngineConfig
from arama.engine.embedding.backends import make_embedder
from arama.engine.embedding.breaker import CircuitBreaker
from arama.engine.embedding.protocol import Embedder
from arama.engine.embedding.remote import KEY_PREFIX, RemoteCache, RemoteUnavailable
from arama.engine.embedding.remote_config import RemoteCacheConfig
from arama.engine.engine import Engine
from arama.engine.indexing.team_cache import TeamCache
from arama.engine.records import Progress

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the real-server helper the tests use
from support.redis_server import RedisCluster, RedisServer, free_port  # noqa: E402

DEFAULT_CORPUS = Path.home() / ".cache" / "arama-bench" / "workspace-original"
DEFAULT_PACKAGES = "rich,lodash,express"  # 5,019 + 4,181 + 1,344 chunks
SCENARIOS = ("cold", "push", "prewarmed", "prewarmed-verify0", "half", "down", "hung")
DIMENSION = 384


class TierClock:
    """Wall time the indexing thread spends in the team-cache tier (`TeamCache.fill` after the
    local lookup, and `push`): what a remote adds to an index, measured directly, so a down
    remote's cost is not lost in the noise of a loaded machine's embedding times."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._originals: dict[str, Any] = {}

    def __enter__(self) -> TierClock:
        for name in ("fill", "push"):
            original = getattr(TeamCache, name)
            self._originals[name] = original
            setattr(TeamCache, name, self._timed(original))
        return self

    def _timed(self, original: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed

    def __exit__(self, *_: object) -> None:
        for name, original in self._originals.items():
            setattr(TeamCache, name, original)


@dataclass
class Run:
    scenario: str
    seconds: float
    chunks: int
    embedded: int  # texts the model embedded for the index (local cache misses)
    local_hits: int
    remote: dict[str, Any] | None
    tier_seconds: float = 0.0  # in the team-cache tier (TierClock), verification included

    def row(self, cold: float | None) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seconds": round(self.seconds, 2),
            "speedup_vs_cold": round(cold / self.seconds, 2) if cold else None,
            "slower_than_cold_pct": round((self.seconds / cold - 1) * 100, 1) if cold else None,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "local_hits": self.local_hits,
            "remote": self.remote,
            "tier_seconds": round(self.tier_seconds, 3),
            "tier_pct": round(self.tier_seconds / self.seconds * 100, 2),
        }


class RateReport:
    """Every `every_s`, the vectors given so far and the rate (a long run stopped before it
    ends still says how fast it went)."""

    def __init__(self, name: str, every_s: float) -> None:
        self.name = name
        self.every_s = every_s
        self.started = time.perf_counter()
        self._last = self.started

    def __call__(self, progress: Progress) -> None:
        now = time.perf_counter()
        if progress.phase != "embedding" or now - self._last < self.every_s:
            return
        self._last = now
        elapsed = now - self.started
        line = {
            "scenario": self.name,
            "progress": f"{progress.done}/{progress.total}",
            "seconds": round(elapsed, 1),
            "vectors_per_s": round(progress.done / elapsed, 2),
        }
        print(json.dumps(line), file=sys.stderr, flush=True)


def index_once(
    name: str,
    root: Path,
    embedder: Embedder,
    base: Path,
    remote: RemoteCacheConfig | None,
    report_every_s: float = 0.0,
) -> Run:
    config = EngineConfig(cache_dir=base / name, preload_model=False, remote_cache=remote)
    rate = RateReport(name, report_every_s) if report_every_s else None
    engine = Engine(config, embedder=embedder, on_progress=rate)
    with TierClock() as tier:
        started = time.perf_counter()
        engine.add_folder(root)
        engine.start()
        engine.wait_idle()
        seconds = time.perf_counter() - started
    status = engine.status()
    engine.close()
    assert status.pending_chunks == 0 and status.pending_names == 0, name
    remote_status = status.remote_cache
    return Run(
        scenario=name,
        seconds=seconds,
        chunks=status.chunks,
        embedded=status.cache.misses,
        local_hits=status.cache.hits,
        tier_seconds=tier.seconds,
        remote=None
        if remote_status is None
        else {
            "state": remote_status.state,
            "fault": remote_status.fault,
            "hits": remote_status.hits,
            "misses": remote_status.misses,
            "writes": remote_status.writes,
            "errors": remote_status.errors,
            "verified": remote_status.verified,
            "latency_ms": remote_status.latency_ms,
        },
    )


def delete_half(server: RedisServer) -> int:
    client = server.client()
    keys = sorted(client.scan_iter(match=f"{KEY_PREFIX}*", count=1000))
    dropped = keys[::2]
    for start in range(0, len(dropped), 1000):
        client.delete(*dropped[start : start + 1000])
    return len(dropped)


def _push_and_lookup(url: str, vectors: int, timeout_ms: int) -> tuple[float, float]:
    """Seconds to push `vectors` random unit vectors through `RemoteCache`, then to read them."""
    remote = RemoteCache(RemoteCacheConfig(url=url, mode="read-write", timeout_s=timeout_ms / 1000))
    rng = np.random.default_rng(0)
    data = rng.standard_normal((vectors, DIMENSION), dtype=np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    digests = [f"{i:064x}" for i in range(vectors)]
    started = time.perf_counter()
    remote.put_many("bench-model", digests, data)
    push_s = time.perf_counter() - started
    started = time.perf_counter()
    found = remote.get_many("bench-model", digests, DIMENSION)
    lookup_s = time.perf_counter() - started
    assert all(v is not None for v in found) and remote.counters().errors == 0
    remote.close()
    return push_s, lookup_s


def server_costs(base: Path, vectors: int, timeout_ms: int) -> dict[str, Any]:
    """Lookup throughput and memory per vector, on servers of their own (no model needed):
    one standalone server, then a three-master cluster."""
    with RedisServer(base / "redis-costs") as server:
        before = server.used_memory()
        push_s, lookup_s = _push_and_lookup(server.url, vectors, timeout_ms)
        after = server.used_memory()
    with RedisCluster(base / "cluster-costs") as cluster:
        cluster_push_s, cluster_lookup_s = _push_and_lookup(cluster.url, vectors, timeout_ms)
        per_node = cluster.keys_per_node()
    per_vector = (after - before) / vectors
    return {
        "vectors": vectors,
        "dimension": DIMENSION,
        "push_vectors_per_s": round(vectors / push_s),
        "lookup_vectors_per_s": round(vectors / lookup_s),
        "cluster_masters": len(per_node),
        "cluster_keys_per_node": per_node,
        "cluster_push_vectors_per_s": round(vectors / cluster_push_s),
        "cluster_lookup_vectors_per_s": round(vectors / cluster_lookup_s),
        "bytes_per_vector": round(per_vector, 1),
        "mb_per_100k": round(per_vector * 100_000 / 1e6, 1),
        "gb_per_1m": round(per_vector * 1e6 / 1e9, 2),
        "gb_per_10m": round(per_vector * 1e7 / 1e9, 1),
    }


def copy_packages(root: Path, packages: str, to: Path) -> Path:
    """A copy, not symlinks: the scanner never follows a link out of the folder."""
    for name in packages.split(","):
        shutil.copytree(root / name, to / name)
    return to


def down_vs_cold_pairs(
    root: Path,
    embedder: Embedder,
    base: Path,
    pairs: int,
    timeout_s: float,
    say: Callable[[Run], None],
) -> dict[str, Any]:
    """`pairs` cold/down pairs of the same folder in ABBA order; each pair's down/cold ratio."""
    ratios: list[float] = []
    tier_pcts: list[float] = []
    for number in range(1, pairs + 1):
        order = ("cold", "down") if number % 2 else ("down", "cold")
        seconds: dict[str, float] = {}
        for kind in order:
            dead = RemoteCacheConfig(url=f"redis://127.0.0.1:{free_port()}/0", timeout_s=timeout_s)
            run = index_once(
                f"pair{number}-{kind}", root, embedder, base, dead if kind == "down" else None
            )
            say(run)
            seconds[kind] = run.seconds
            if kind == "down":
                tier_pcts.append(run.tier_seconds / run.seconds * 100)
        ratios.append(seconds["down"] / seconds["cold"])
    median = statistics.median(ratios)
    return {
        "pairs": pairs,
        "ratios": [round(r, 4) for r in ratios],
        "median_ratio": round(median, 4),
        "down_slower_pct": round((median - 1) * 100, 1),
        "down_tier_pct": [round(p, 3) for p in tier_pcts],
    }


def hung_probe(base: Path, seconds: float, batch_every_s: float, timeout_ms: int) -> dict[str, Any]:
    """What a hung (SIGSTOPped) server costs the indexing thread, without the model: one
    lookup per simulated batch (`batch_every_s` apart: 512 texts at ~35 texts/s is ~15 s) for
    `seconds`, through the real `RemoteCache` and breaker; the time blocked in lookups is the
    whole cost, since everything else is embedded locally as without a remote."""
    with RedisServer(base / "redis-hung") as server:
        remote = RemoteCache(
            RemoteCacheConfig(url=server.url, timeout_s=timeout_ms / 1000), CircuitBreaker()
        )
        remote.get_many("m", ["0" * 64], DIMENSION)  # connected, as an indexing session is
        server.pause()
        try:
            blocked, tries, started = 0.0, 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                before = time.perf_counter()
                errors = remote.counters().errors
                try:
                    remote.get_many("m", ["0" * 64], DIMENSION)
                except RemoteUnavailable:
                    pass
                blocked += time.perf_counter() - before
                tries += remote.counters().errors - errors
                time.sleep(batch_every_s)  # the batch being embedded locally
            elapsed = time.perf_counter() - started
        finally:
            server.resume()
            remote.close()
    return {
        "seconds": round(elapsed, 1),
        "batch_every_s": batch_every_s,
        "batches": math.ceil(elapsed / (batch_every_s + 1e-9)),
        "timeouts": tries,
        "blocked_s": round(blocked, 2),
        "blocked_pct": round(blocked / elapsed * 100, 2),
    }


def run(ns: argparse.Namespace) -> dict[str, Any]:
    root = ns.path.resolve()
    chosen = [s.strip() for s in ns.scenarios.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="arama-team-") as tmp:
        base = Path(tmp)
        pairs_root = base / "pairs-corpus"
        if ns.pairs:
            copy_packages(root, ns.pairs_packages, pairs_root)
        if ns.packages:
            root = copy_packages(root, ns.packages, base / "corpus")
        runs: list[Run] = []
        pairs: dict[str, Any] = {}
        model = "-"
        if chosen or ns.pairs:
            runs, pairs, model = index_scenarios(root, pairs_root, chosen, base, ns)
        costs = server_costs(base, ns.lookup_vectors, ns.timeout_ms) if ns.lookup_vectors else {}
        hung = (
            hung_probe(base, ns.hung_probe_s, ns.hung_batch_s, ns.timeout_ms)
            if ns.hung_probe_s
            else {}
        )
    cold = next((r.seconds for r in runs if r.scenario == "cold"), None)
    return {
        "corpus": str(root),
        "backend": ns.backend,
        "model": model,
        "timeout_ms": ns.timeout_ms,
        "runs": [r.row(cold) for r in runs],
        "down_vs_cold_pairs": pairs,
        "server": costs,
        "hung_probe": hung,
    }


def index_scenarios(
    root: Path, pairs_root: Path, chosen: list[str], base: Path, ns: argparse.Namespace
) -> tuple[list[Run], dict[str, Any], str]:
    timeout_s = ns.timeout_ms / 1000
    config = EngineConfig(cache_dir=base / "model", backend=ns.backend)
    embedder = make_embedder(config, base / "model" / "torch")
    embedder.warm_up()
    embedder.embed(["load the indexing model too"])
    runs: list[Run] = []

    def say(run: Run) -> None:
        """Each scenario as soon as it ends (a long run stopped early keeps what it measured)."""
        runs.append(run)
        cold = next((r.seconds for r in runs if r.scenario == "cold"), None)
        print(json.dumps(run.row(cold)), file=sys.stderr, flush=True)

    def say_pair(run: Run) -> None:
        print(json.dumps(run.row(None)), file=sys.stderr, flush=True)

    pairs: dict[str, Any] = {}
    if ns.pairs:
        print(f"{ns.pairs} cold/down pairs of {pairs_root} ...", file=sys.stderr)
        pairs = down_vs_cold_pairs(pairs_root, embedder, base, ns.pairs, timeout_s, say_pair)
        print(json.dumps({"down_vs_cold_pairs": pairs}), file=sys.stderr, flush=True)

    with RedisServer(base / "redis") as server:

        def remote(**settings: Any) -> RemoteCacheConfig:
            return RemoteCacheConfig(url=server.url, timeout_s=timeout_s, **settings)

        print(f"indexing {root} once per scenario ...", file=sys.stderr)
        every = ns.report_every_s
        # With a seed cache the remote scenarios need no cold run first, so the cold run (the
        # longest) goes last and the others are measured even if it cannot finish.
        cold_first = ns.seed_cache is None
        if "cold" in chosen and cold_first:
            say(index_once("cold", root, embedder, base, None, every))
        needs_prewarm = {"prewarmed", "prewarmed-verify0", "half"} & set(chosen)
        if "push" in chosen or needs_prewarm:
            # CI with its local cache kept between jobs: every vector is a local hit, and
            # read-write pushes local hits too. Without a cold run or seed: a cold push.
            if ns.seed_cache is not None:
                shutil.copytree(ns.seed_cache, base / "push" / "embeddings")
            elif "cold" in chosen:
                shutil.copytree(base / "cold" / "embeddings", base / "push" / "embeddings")
            say(index_once("push", root, embedder, base, remote(mode="read-write"), every))
        if "prewarmed" in chosen:
            say(index_once("prewarmed", root, embedder, base, remote()))
        if "prewarmed-verify0" in chosen:
            say(index_once("prewarmed-verify0", root, embedder, base, remote(verify_fraction=0.0)))
        if "cold" in chosen and not cold_first:
            say(index_once("cold", root, embedder, base, None, every))
        if "half" in chosen:
            delete_half(server)
            say(index_once("half", root, embedder, base, remote(), every))
        if "hung" in chosen:
            server.pause()
            try:
                say(index_once("hung", root, embedder, base, remote()))
            finally:
                server.resume()
    if "down" in chosen:
        dead = RemoteCacheConfig(url=f"redis://127.0.0.1:{free_port()}/0", timeout_s=timeout_s)
        say(index_once("down", root, embedder, base, dead, every))
    return runs, pairs, embedder.model_id


def table(report: dict[str, Any]) -> str:
    lines = [
        f"corpus {report['corpus']}  ({report['runs'][0]['chunks'] if report['runs'] else 0} "
        f"chunks; model {report['model']}, {report['backend']})",
        "",
        f"{'scenario':<18} {'seconds':>8} {'vs cold':>8} {'embedded':>9} {'remote hits':>12} "
        f"{'writes':>7} {'errors':>7} {'state':<12} {'in tier':>8}",
    ]
    for run in report["runs"]:
        remote = run["remote"] or {}
        speed = f"{run['speedup_vs_cold']:.1f}x" if run["speedup_vs_cold"] else "-"
        lines.append(
            f"{run['scenario']:<18} {run['seconds']:>8.1f} {speed:>8} {run['embedded']:>9} "
            f"{remote.get('hits', '-'):>12} {remote.get('writes', '-'):>7} "
            f"{remote.get('errors', '-'):>7} {remote.get('state', '-'):<12} "
            f"{run['tier_pct']:>7.2f}%"
        )
    pairs = report["down_vs_cold_pairs"]
    if pairs:
        lines += [
            "",
            f"down vs cold, {pairs['pairs']} pairs in ABBA order: down/cold ratios "
            f"{pairs['ratios']}, median {pairs['median_ratio']} "
            f"({pairs['down_slower_pct']:+.1f} %); time in the down remote's tier: "
            f"{pairs['down_tier_pct']} % of each down run",
        ]
    hung = report["hung_probe"]
    if hung:
        lines += [
            "",
            f"hung server, a lookup per batch every {hung['batch_every_s']} s for "
            f"{hung['seconds']} s: {hung['timeouts']} timeouts, {hung['blocked_s']} s blocked "
            f"= {hung['blocked_pct']} % of the time",
        ]
    server = report["server"]
    if server:
        lines += [
            "",
            f"server: {server['lookup_vectors_per_s']:,} vectors/s looked up, "
            f"{server['push_vectors_per_s']:,} vectors/s pushed ({server['vectors']:,} vectors "
            f"of {server['dimension']} floats); memory {server['bytes_per_vector']} bytes per "
            f"vector = {server['mb_per_100k']} MB per 100k, {server['gb_per_1m']} GB per 1M, "
            f"{server['gb_per_10m']} GB per 10M",
            f"cluster of {server['cluster_masters']} masters on this machine: "
            f"{server['cluster_lookup_vectors_per_s']:,} vectors/s looked up, "
            f"{server['cluster_push_vectors_per_s']:,} pushed; keys per node "
            f"{server['cluster_keys_per_node']}",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    # SIGTERM unwinds like Ctrl-C, so the redis-server processes are stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument(
        "--packages",
        default=DEFAULT_PACKAGES,
        help="comma-separated subfolders of --path to index ('' for all of it); default: "
        f"{DEFAULT_PACKAGES} (~10,500 chunks)",
    )
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND)
    parser.add_argument("--lookup-vectors", type=int, default=100_000)
    parser.add_argument("--timeout-ms", type=int, default=500)
    parser.add_argument(
        "--pairs", type=int, default=0, help="cold/down pairs for the down-vs-cold ratio"
    )
    parser.add_argument(
        "--pairs-packages",
        default="express/lib",
        help="comma-separated subfolders of --path the pairs index (default: express/lib, "
        "164 chunks)",
    )
    parser.add_argument(
        "--seed-cache",
        type=Path,
        help="an embeddings directory (<cacheDir>/embeddings) of an earlier index of the same "
        "corpus and model: the push scenario starts from a copy of it instead of the cold run's, "
        "and the cold run goes last",
    )
    parser.add_argument(
        "--hung-probe-s",
        type=float,
        default=0.0,
        help="also measure, without the model, what a hung server blocks in this many seconds",
    )
    parser.add_argument("--hung-batch-s", type=float, default=15.0)
    parser.add_argument(
        "--report-every-s",
        type=float,
        default=60.0,
        help="print each long scenario's vectors so far and rate this often (0: never)",
    )
    ns = parser.parse_args(argv)
    if not ns.path.is_dir():
        raise SystemExit(f"{ns.path} is not a directory (benchmarks/corpora.py fetches it)")
    if ns.seed_cache is not None and not (ns.seed_cache / "cache.db").is_file():
        raise SystemExit(f"{ns.seed_cache} is not an embeddings directory (no cache.db)")
    report = run(ns)
    report["packages"] = ns.packages
    print(table(report))
    if ns.json:
        ns.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
