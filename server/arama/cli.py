"""`arama index|search|status|eval|serve|mcp`: the engine from a terminal or a script.

Every command works on one workspace folder (default: the current directory) and the same cache
directory as the editor's server, so an index built here is the one the editor uses.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from arama import __version__, contract
from arama.arguments import ArgumentError, parse_search
from arama.engine.config import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_MAX_FILE_SIZE,
    EngineConfig,
    Priors,
    default_cache_dir,
)
from arama.engine.engine import Engine, Progress
from arama.engine.search.request import MODES, Mode
from arama.evaluation.errors import EvalError
from arama.evaluation.report import render_table, report_json
from arama.evaluation.runner import DEFAULT_SAMPLE, EvalSettings, evaluate
from arama.mcp import command as mcp_command
from arama.messages import text


class _ProgressBar:
    """A tqdm bar per indexing phase, on stderr; silent when stderr is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._phase = ""

    def __call__(self, progress: Progress) -> None:
        if not self.enabled or progress.phase == "idle":
            return
        if progress.phase != self._phase or self._bar is None:
            self.close()
            from tqdm import tqdm

            label = {"scanning": "reading files", "embedding": "embedding"}[progress.phase]
            unit = "file" if progress.phase == "scanning" else "chunk"
            self._bar = tqdm(total=progress.total, desc=label, unit=unit, file=sys.stderr)
            self._phase = progress.phase
        if progress.total != self._bar.total:
            self._bar.total = progress.total
        self._bar.n = progress.done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _config(ns: argparse.Namespace, *, preload_model: bool) -> EngineConfig:
    return EngineConfig(
        preload_model=preload_model,
        cache_dir=Path(ns.cache_dir).expanduser() if ns.cache_dir else default_cache_dir(),
        model=ns.model,
        exclude=tuple(ns.exclude or ()),
        max_file_size=ns.max_file_size,
        threads=ns.threads,
        backend=ns.backend,
        priors=Priors.off() if getattr(ns, "no_priors", False) else Priors(),
    )


def _open(
    ns: argparse.Namespace, *, index: bool, quiet: bool = False, for_search: bool = False
) -> Engine:
    bar = _ProgressBar(enabled=not quiet and sys.stderr.isatty())
    engine = Engine(_config(ns, preload_model=for_search), on_progress=bar)
    root = Path(ns.path).expanduser().resolve()
    if not root.is_dir():
        raise SystemExit(f"arama: {root} is not a directory")
    engine.add_folder(root, sync=index)
    engine.start()
    engine.wait_idle()
    bar.close()
    return engine


def cmd_index(ns: argparse.Namespace) -> int:
    engine = _open(ns, index=True, quiet=ns.quiet)
    try:
        status = engine.status()
        if ns.json:
            print(json.dumps(contract.status_json(status), ensure_ascii=False, indent=2))
        else:
            skipped = sum(status.skipped_files.values())
            print(
                f"indexed {status.files} files, {status.chunks} chunks "
                f"({status.cache.misses} texts of chunks and definition names embedded, "
                f"{status.cache.hits} from the cache, "
                f"{skipped} files skipped)"
            )
    finally:
        engine.close()
    return 0


def cmd_search(ns: argparse.Namespace) -> int:
    request_obj: dict[str, Any] = {"query": ns.query, "limit": ns.limit, "mode": ns.mode}
    if ns.lang:
        request_obj["languages"] = ns.lang
    if ns.glob:
        request_obj["paths"] = ns.glob
    if ns.kind:
        request_obj["kinds"] = ns.kind
    if ns.content:
        request_obj["content"] = ns.content
    if ns.expand:
        request_obj["expand"] = True
    try:
        request = parse_search(request_obj, os.environ.get("LANG"))
    except ArgumentError as exc:
        print(f"arama: {exc}", file=sys.stderr)
        return 2
    engine = _open(ns, index=not ns.no_update, quiet=ns.json, for_search=True)
    try:
        answer = engine.search(request, budget_s=math.inf)  # a script waits for all of it
    finally:
        engine.close()
    if ns.json:
        print(json.dumps(contract.search_json(answer), ensure_ascii=False, indent=2))
        return 0
    if not answer.hits:
        print("no results")
        return 1
    for rank, hit in enumerate(answer.hits, 1):
        chunk = hit.chunk
        symbol = chunk.symbol or "-"
        print(f"{rank:>2}. {chunk.path}:{chunk.start_line + 1}  {symbol}  score={hit.score:.4f}")
        for snippet_line in contract.snippet(chunk.text).split("\n")[: ns.snippet_lines]:
            print(f"      {snippet_line}")
    print(f"({answer.total} candidates, {answer.took_ms:.1f} ms)")
    return 0


def cmd_status(ns: argparse.Namespace) -> int:
    engine = _open(ns, index=False, quiet=True)
    try:
        print(json.dumps(contract.status_json(engine.status()), ensure_ascii=False, indent=2))
    finally:
        engine.close()
    return 0


def cmd_eval(ns: argparse.Namespace) -> int:
    """Search quality on the folder's own code (arama/evaluation): a table, or `--json`."""
    locale = os.environ.get("LANG")
    root = Path(ns.path).expanduser().resolve()
    if not root.is_dir():
        print(f"arama: {text('eval.not_directory', locale, folder=root)}", file=sys.stderr)
        return 2
    talk = not ns.quiet and sys.stderr.isatty()
    bar = _ProgressBar(enabled=talk)

    def notify(key: str, values: Mapping[str, Any]) -> None:
        if talk:
            bar.close()
            print(text(key, locale, **values), file=sys.stderr)

    settings = EvalSettings(
        modes=ns.modes,
        sample=ns.sample,
        seed=ns.seed,
        queries_file=Path(ns.queries).expanduser() if ns.queries else None,
        hide_docs=True if ns.hide_docs else None,
    )
    try:
        report = evaluate(
            _config(ns, preload_model=True), root, settings, on_progress=bar, notify=notify
        )
    except EvalError as exc:
        print(f"arama: {exc.message(locale)}", file=sys.stderr)
        return exc.exit_status
    finally:
        bar.close()
    if ns.json:
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print(render_table(report, locale))
    return 0


def _modes(value: str) -> tuple[Mode, ...]:
    """`hybrid,lexical` -> the modes, in the order given (argparse turns the error into exit 2)."""
    chosen = [m.strip() for m in value.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in MODES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {', '.join(MODES)}, got {value!r}"
        )
    return tuple(m for m in MODES if m in chosen)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return number


def cmd_serve(ns: argparse.Namespace) -> int:
    from arama.lsp.server import main as serve

    serve(["--log-level", ns.log_level])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arama", description="Local semantic code search.")
    parser.add_argument("--version", action="version", version=f"arama {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def engine_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--path", "-C", dest="path", default=".", help="workspace folder")
        p.add_argument("--cache-dir", help="cache directory (default: $XDG_CACHE_HOME/arama)")
        p.add_argument("--model", help="sentence-transformers model name or local path")
        p.add_argument("--exclude", action="append", help="extra ignore glob (repeatable)")
        p.add_argument("--max-file-size", type=int, default=DEFAULT_MAX_FILE_SIZE)
        p.add_argument("--threads", type=int, default=None)
        p.add_argument(
            "--backend",
            choices=BACKENDS,
            default=DEFAULT_BACKEND,
            help=f"embedding backend (default: {DEFAULT_BACKEND})",
        )
        p.add_argument(
            "--no-priors",
            action="store_true",
            help="rank by the channels alone (no path, definition or similar-result rules)",
        )

    p_index = sub.add_parser("index", help="index a workspace folder")
    p_index.add_argument("folder", nargs="?", help="workspace folder (same as --path)")
    engine_options(p_index)
    p_index.add_argument("--json", action="store_true", help="print the status as JSON")
    p_index.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p_index.set_defaults(func=cmd_index)

    p_search = sub.add_parser("search", help="search a workspace folder")
    p_search.add_argument("query")
    engine_options(p_search)
    p_search.add_argument("--limit", "-n", type=int, default=10)
    p_search.add_argument("--mode", default="hybrid", choices=["hybrid", "semantic", "lexical"])
    p_search.add_argument("--lang", action="append", help="only this language id (repeatable)")
    p_search.add_argument("--glob", action="append", help="only paths matching (repeatable)")
    p_search.add_argument(
        "--kind", action="append", help="only definitions of this kind: function, class, ..."
    )
    p_search.add_argument(
        "--content", action="append", help="only code, tests or docs (repeatable)"
    )
    p_search.add_argument(
        "--expand", action="store_true", help="widen each hit to its whole definition"
    )
    p_search.add_argument("--json", action="store_true", help="print the contract's JSON")
    p_search.add_argument("--no-update", action="store_true", help="search without rescanning")
    p_search.add_argument("--snippet-lines", type=int, default=3)
    p_search.set_defaults(func=cmd_search)

    p_status = sub.add_parser("status", help="show the index state of a folder")
    p_status.add_argument("folder", nargs="?", help="workspace folder (same as --path)")
    engine_options(p_status)
    p_status.set_defaults(func=cmd_status)

    p_eval = sub.add_parser(
        "eval",
        help="measure search quality on the folder's own documented code",
        description="Ask the first sentence of sampled documented functions (docstrings, JSDoc, "
        "Go and Rust doc comments) as queries, with that documentation hidden from a separate "
        "evaluation index (in memory: no file is written, your own index is not touched), and "
        "report MRR@10 and Recall@1/5/10 per mode and language, and the slowest searches.",
    )
    p_eval.add_argument("folder", nargs="?", help="workspace folder (same as --path)")
    engine_options(p_eval)
    p_eval.add_argument(
        "--modes",
        type=_modes,
        default=MODES,
        help="comma-separated modes to measure (default: hybrid,semantic,lexical)",
    )
    p_eval.add_argument(
        "--sample",
        type=_positive,
        default=DEFAULT_SAMPLE,
        help=f"at most this many mined queries, spread over the languages "
        f"(default: {DEFAULT_SAMPLE}, about a minute once the index is ready)",
    )
    p_eval.add_argument("--seed", type=int, default=0, help="which sample (default: 0)")
    p_eval.add_argument(
        "--queries",
        metavar="FILE",
        help='your own pairs instead: JSON lines {"query": ..., "target": "path[:line]"} '
        "or question<TAB>path[:line]",
    )
    p_eval.add_argument(
        "--hide-docs",
        action="store_true",
        help="with --queries: hide the documentation of the target files too",
    )
    p_eval.add_argument("--json", action="store_true", help="print the whole report as JSON")
    p_eval.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p_eval.set_defaults(func=cmd_eval)

    mcp_command.register(sub)  # arama mcp: the MCP server for coding agents (arama/mcp/)

    p_serve = sub.add_parser("serve", help="run the language server over stdio")
    p_serve.add_argument("--log-level", default="INFO")
    p_serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> None:
    ns = build_parser().parse_args(argv)
    if getattr(ns, "folder", None):
        ns.path = ns.folder
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    sys.exit(ns.func(ns))


if __name__ == "__main__":
    main()
