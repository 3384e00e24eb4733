"""The check no tuning looked at: `arama eval` on the held-out packages, ranking before and after.

corpora.py pins `HELD_OUT` packages (one per weak language: JavaScript, TypeScript, Rust) that no
other benchmark indexes and that were not looked at while the ranking priors were tuned. This
script fetches their full source releases, writes each as its own workspace (the release tree
as a user would have it), and runs the real `arama eval` command twice per package: with
`--no-priors` (the ranking before the priors: the channels alone) and with the defaults. It
prints one table, MRR@10 and Recall@10 per mode, before -> after, and writes the JSON.

    .venv/bin/python benchmarks/held_out.py                  # every held-out package
    .venv/bin/python benchmarks/held_out.py --json out.json --sample 300

Run it once, at the end of a ranking change: a number looked at twice is no longer held out.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from corpora import HELD_OUT, Fetched, fetch

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "arama-bench"
ARAMA = [sys.executable, "-m", "arama.cli"]
MODES = ("hybrid", "semantic", "lexical")


def workspace(fetched: Fetched, root: Path) -> Path:
    """The release tree under `root/<name>`, written once (the packager's additions left out)."""
    target = root / fetched.package.name
    done = target / ".arama-held-out"
    if done.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    for source, rel in fetched.files():
        destination = root / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    done.write_text(fetched.sha256)
    return target


def evaluate(folder: Path, cache: Path, sample: int, *, priors: bool) -> dict[str, Any]:
    command = [*ARAMA, "eval", str(folder), "--cache-dir", str(cache), "--json"]
    command += ["--sample", str(sample), "--quiet"]
    if not priors:
        command.append("--no-priors")
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"arama eval failed ({done.returncode}): {done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def overall(report: dict[str, Any], mode: str) -> dict[str, float]:
    scores: dict[str, float] = report["results"][mode]["overall"]
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    root = args.cache_dir / "held-out"
    engine_cache = args.cache_dir / "held-out-engine"
    results: list[dict[str, Any]] = []
    for package in HELD_OUT:
        fetched = fetch(package, args.cache_dir)
        if not isinstance(fetched, Fetched):
            print(f"skipped {package.label}: {fetched.reason}", file=sys.stderr)
            continue
        folder = workspace(fetched, root)
        print(f"{package.label}: before ...", file=sys.stderr)
        before = evaluate(folder, engine_cache, args.sample, priors=False)
        print(f"{package.label}: after ...", file=sys.stderr)
        after = evaluate(folder, engine_cache, args.sample, priors=True)
        results.append(
            {
                "package": package.label,
                "language": package.language,
                "before": before,
                "after": after,
            }
        )
    print("\n## Held-out check: arama eval, before (--no-priors) -> after (defaults)\n")
    print(
        "| package | language | n | "
        + " | ".join(f"{m} MRR@10" for m in MODES)
        + " | hybrid R@10 |"
    )
    print("|---|---|---|" + "---|" * (len(MODES) + 1))
    for r in results:
        cells = []
        for mode in MODES:
            b, a = overall(r["before"], mode), overall(r["after"], mode)
            cells.append(f"{b['mrr@10']:.3f} -> {a['mrr@10']:.3f}")
        b, a = overall(r["before"], "hybrid"), overall(r["after"], "hybrid")
        cells.append(f"{b['recall@10']:.3f} -> {a['recall@10']:.3f}")
        print(f"| {r['package']} | {r['language']} | {a['n']} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
