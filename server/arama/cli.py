"""`arama index|search|status|eval|serve|mcp`: the engine from a terminal or a script.

Every command works on one workspace folder (default: the current directory) and the same cache
directory as the editor's server, so an index built here is the one the editor uses.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arama import __version__, terminal
from arama.engine.config import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_MAX_FILE_SIZE,
    EngineConfig,
    Priors,
    default_cache_dir,
)
from arama.engine.search.request import MODES, Mode
from arama.evaluation.mining import DEFAULT_SAMPLE
from arama.mcp import command as mcp_command
from arama.messages import text
from arama.remote_options import add_push_flag, add_remote_flags, remote_config, remote_summary
from arama.terminal import CacheUnusable, UsageError, locale_from_env

if TYPE_CHECKING:  # the engine (numpy, faiss, onnxruntime) loads only for commands that use it
    from arama.engine.embedding.remote_config import RemoteCacheConfig
    from arama.engine.engine import Engine, Progress
    from arama.engine.records import RemoteCacheStatus


class _ProgressBar:
    """A tqdm bar per indexing step, on stderr; silent when stderr is not a terminal. The model's
    one-time preparation is a step of its own (elapsed time, no total); every bar is closed
    at 100 % of its own total."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._phase = ""

    def __call__(self, progress: Progress) -> None:
        if not self.enabled or progress.phase == "idle":
            return
        locale = locale_from_env()
        if progress.phase != self._phase or self._bar is None:
            self.close()
            from tqdm import tqdm

            if progress.phase == "model":
                self._bar = tqdm(
                    desc=text("cli.progress.model", locale),
                    bar_format="{desc} {elapsed}",
                    file=sys.stderr,
                )
            else:
                label = f"cli.progress.{progress.phase}"  # scanning, embedding
                self._bar = tqdm(
                    total=progress.total, desc=text(label, locale), unit="", file=sys.stderr
                )
            self._phase = progress.phase
        if progress.phase == "model":
            if progress.done >= progress.total:
                self.close()
            else:
                self._bar.refresh()
            return
        if progress.total != self._bar.total:
            self._bar.total = progress.total
        self._bar.n = progress.done
        self._bar.refresh()
        if progress.done >= progress.total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._phase = ""


def _config(ns: argparse.Namespace, *, preload_model: bool) -> EngineConfig:
    return EngineConfig(
        preload_model=preload_model,
        cache_dir=_cache_dir(ns),
        model=ns.model,
        exclude=tuple(ns.exclude or ()),
        max_file_size=ns.max_file_size,
        threads=ns.threads,
        backend=ns.backend,
        priors=Priors.off() if getattr(ns, "no_priors", False) else Priors(),
        remote_cache=remote_config(ns),
    )


def _cache_dir(ns: argparse.Namespace) -> Path:
    """--cache-dir, else the default from the environment, which must be usable text; always
    absolute: the one-time model export runs in another directory, and a relative `--cache-dir
    c1` put the model in `c1/models/c1/models/`."""
    locale = locale_from_env()
    if ns.cache_dir:
        return Path(ns.cache_dir).expanduser().absolute()
    try:
        chosen = default_cache_dir()
    except RuntimeError as exc:  # no HOME to put ~/.cache under
        raise CacheUnusable(
            text("cli.cache_unusable", locale, path="~/.cache/arama", error=terminal.describe(exc))
        ) from None
    if terminal.undecodable(str(chosen)):
        name = next(
            (
                n
                for n in ("ARAMA_CACHE_DIR", "XDG_CACHE_HOME", "HOME")
                if terminal.undecodable(os.environ.get(n, ""))
            ),
            "HOME",
        )
        raise CacheUnusable(
            text(
                "cli.env_undecodable",
                locale,
                name=name,
                value=terminal.shown(os.environ.get(name, "")),
            )
        )
    return chosen.absolute()


def _folder(ns: argparse.Namespace) -> Path:
    """The workspace folder named on the command line; UsageError when it is none."""
    raw = Path(ns.path).expanduser()
    try:
        root = raw.resolve()
        usable = root.is_dir()
    except (OSError, RuntimeError):
        root, usable = raw, False
    if not usable:
        raise UsageError(text("cli.not_directory", locale_from_env(), folder=root))
    return root


def _cache_unusable(config: EngineConfig, exc: BaseException) -> CacheUnusable:
    """The one line (exit 3) for a cache directory that cannot be used, and why."""
    return CacheUnusable(
        text(
            "cli.cache_unusable",
            locale_from_env(),
            path=config.cache_dir,
            error=terminal.describe(exc),
        )
    )


def _engine(config: EngineConfig, bar: _ProgressBar | None = None) -> Engine:
    """A new engine on the configured cache directory; CacheUnusable when it cannot be."""
    from arama.engine.engine import Engine

    try:
        return Engine(config, on_progress=bar)
    except Exception as exc:  # read-only, full, not a directory, a broken database...
        raise _cache_unusable(config, exc) from None


@contextlib.contextmanager
def _session(
    ns: argparse.Namespace,
    *,
    index: bool,
    quiet: bool = False,
    for_search: bool = False,
    config: EngineConfig | None = None,
) -> Iterator[Engine]:
    """The folder's engine, brought up to date (`index`) or only opened, and closed whatever
    happens: on Ctrl-C the files read and the vectors made so far are saved."""
    root = _folder(ns)
    bar = _ProgressBar(enabled=not quiet and sys.stderr.isatty())
    engine = _engine(config or _config(ns, preload_model=for_search), bar)
    try:
        engine.add_folder(root, sync=index)
        engine.start()
        engine.wait_idle()
        bar.close()
        yield engine
    finally:
        bar.close()
        with terminal.uninterrupted():
            engine.close()


def cmd_index(ns: argparse.Namespace) -> int:
    with _session(ns, index=True, quiet=ns.quiet) as engine:
        status = engine.status()
    if ns.json:
        print(json.dumps(contract_status(status), ensure_ascii=False, indent=2))
    else:
        print(
            text(
                "cli.indexed",
                locale_from_env(),
                files=status.files,
                chunks=status.chunks,
                vectors=status.vectors_from_cache + status.vectors_embedded,
                embedded=status.vectors_embedded,
                cached=status.vectors_from_cache,
                skipped=sum(status.skipped_files.values()),
            )
        )
        if status.remote_cache is not None:
            print("\n".join(remote_summary(status.remote_cache, locale_from_env())))
    return 0


def contract_status(status: Any) -> dict[str, Any]:
    from arama import contract

    return contract.status_json(status, locale_from_env())


def cmd_search(ns: argparse.Namespace) -> int:
    from arama import contract
    from arama.arguments import ArgumentError, parse_search

    request_obj: dict[str, Any] = {"query": ns.query, "limit": ns.limit, "mode": ns.mode}
    if ns.offset:
        request_obj["offset"] = ns.offset
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
        request = parse_search(request_obj, locale_from_env())
    except ArgumentError as exc:
        raise UsageError(str(exc)) from None
    config = _config(ns, preload_model=True)
    if ns.no_update:
        config = _as_it_is(config)
        if not _indexed(config, _folder(ns)):
            print(text("cli.search_not_indexed", locale_from_env()), file=sys.stderr)
            return 1
    with _session(ns, index=not ns.no_update, quiet=ns.json, config=config) as engine:
        answer = engine.search(request, budget_s=math.inf)  # a script waits for all of it
    if ns.json:
        print(json.dumps(contract.search_json(answer), ensure_ascii=False, indent=2))
        return 0
    if not answer.hits:
        print(text("cli.no_results", locale_from_env()))
        return 1
    for rank, hit in enumerate(answer.hits, ns.offset + 1):
        chunk = hit.chunk
        symbol = chunk.symbol or "-"
        print(f"{rank:>2}. {chunk.path}:{chunk.start_line + 1}  {symbol}  score={hit.score:.4f}")
        for snippet_line in contract.snippet(chunk.text).split("\n")[: ns.snippet_lines]:
            print(f"      {snippet_line}")
    print(text("cli.candidates", locale_from_env(), total=answer.total, ms=f"{answer.took_ms:.1f}"))
    return 0


def _as_it_is(config: EngineConfig) -> EngineConfig:
    """`search --no-update`'s engine: read-only, and writing no model either. Where the one-time
    ONNX export is not on disk yet (a server beside may be making it), the query is embedded by
    torch from the bundled weights (fp32 ONNX keeps torch's vectors and id) rather than by a
    second export of its own: minutes on a loaded machine, for one query."""
    config = dataclasses.replace(config, read_only=True)
    if config.backend != "onnx":
        return config
    from arama.engine.embedding.onnx_embedder import OnnxEmbedder

    if OnnxEmbedder(config.model, models_dir=config.models_dir).needs_preparation():
        return dataclasses.replace(config, backend="torch")
    return config


def _indexed(config: EngineConfig, root: Path) -> bool:
    """Whether `root` has an index in the cache directory (its catalog), read without opening.

    `search --no-update` answers from that index read-only, as it is on disk: no scan, no
    embedding, no claim. Opened for writing, it would have claimed a replica beside a running
    server (claim.py) and filled it there, re-reading and chunking the folder and embedding what
    lacked vectors before the first answer (p50 6.5 s in the soak)."""
    from arama.engine.indexing.opening import CATALOG_FILE

    return (config.workspace_dir(root.resolve()) / CATALOG_FILE).is_file()


def cmd_status(ns: argparse.Namespace) -> int:
    """A read-only look (engine/look.py): nothing is indexed, repaired or created. Exit 1 when
    the folder was never indexed in this cache directory."""
    import sqlite3

    from arama.engine.look import look

    root = _folder(ns)
    config = _config(ns, preload_model=False)
    try:
        status = look(config, root)
    except (OSError, sqlite3.Error) as exc:
        raise _cache_unusable(config, exc) from None
    if config.remote_cache is not None:  # one round trip: does the team cache answer?
        status = dataclasses.replace(status, remote_cache=_remote_look(config.remote_cache))
    print(json.dumps(contract_status(status), ensure_ascii=False, indent=2))
    return 1 if status.state == "notIndexed" else 0


def _remote_look(settings: RemoteCacheConfig) -> RemoteCacheStatus:
    from arama.engine.embedding.remote import RemoteCache, remote_status

    remote = RemoteCache(settings)
    try:
        remote.ping()
        return remote_status(remote)
    finally:
        remote.close()


def _progress_and_notes(
    ns: argparse.Namespace, locale: str | None
) -> tuple[_ProgressBar, Callable[[str, Mapping[str, Any]], None]]:
    """A long command's progress bar and one-line notes: on a terminal's stderr, unless --quiet."""
    talk = not ns.quiet and sys.stderr.isatty()
    bar = _ProgressBar(enabled=talk)

    def notify(key: str, values: Mapping[str, Any]) -> None:
        if talk:
            bar.close()
            print(text(key, locale, **values), file=sys.stderr)

    return bar, notify


def cmd_eval(ns: argparse.Namespace) -> int:
    """Search quality on the folder's own code (arama/evaluation): a table, or `--json`."""
    from arama.evaluation.errors import EvalError
    from arama.evaluation.report import render_table, report_json
    from arama.evaluation.runner import EvalSettings, evaluate

    locale = locale_from_env()
    root = _folder(ns)
    bar, notify = _progress_and_notes(ns, locale)

    settings = EvalSettings(
        modes=ns.modes,
        sample=ns.sample,
        seed=ns.seed,
        queries_file=Path(ns.queries).expanduser() if ns.queries else None,
        hide_docs=True if ns.hide_docs else None,
        held_out=ns.held_out,
    )
    config = _config(ns, preload_model=True)
    _engine(config).close()  # the cache directory is usable (CacheUnusable otherwise)
    try:
        report = evaluate(config, root, settings, on_progress=bar, notify=notify)
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


def cmd_tune(ns: argparse.Namespace) -> int:
    """Adapt search to the folder's own vocabulary (arama/tuning), kept only if `arama eval`
    on held-out documentation says it helps; `--reset` forgets it."""
    from arama import contract
    from arama.evaluation.errors import EvalError
    from arama.tuning.report import render_tune
    from arama.tuning.runner import TuneSettings, tune
    from arama.tuning.store import reset

    locale = locale_from_env()
    root = _folder(ns)
    config = _config(ns, preload_model=True)
    if ns.reset:
        had = reset(config, root)
        if ns.json:
            print(json.dumps(contract.tune_reset_json(root, had), ensure_ascii=False, indent=2))
        else:
            print(text("tune.reset.done" if had else "tune.reset.none", locale, folder=root))
        return 0
    bar, notify = _progress_and_notes(ns, locale)

    settings = TuneSettings(
        minutes=ns.minutes,
        sample=ns.sample,
        seed=ns.seed,
        queries_file=Path(ns.queries).expanduser() if ns.queries else None,
    )
    _engine(config).close()  # the cache directory is usable (CacheUnusable otherwise)
    try:
        report = tune(config, root, settings, on_progress=bar, notify=notify)
    except EvalError as exc:
        print(f"arama: {exc.message(locale)}", file=sys.stderr)
        return exc.exit_status
    finally:
        bar.close()
    if ns.json:
        print(json.dumps(contract.tune_json(report, locale), ensure_ascii=False, indent=2))
    else:
        print(render_tune(report, locale))
    return 0


def _tune_parser(sub: Any, engine_options: Callable[[argparse.ArgumentParser], None]) -> None:
    from arama.tuning.runner import DEFAULT_MINUTES

    p_tune = sub.add_parser(
        "tune",
        help="adapt search to the folder's own vocabulary, kept only if it measurably helps",
        description="Learn, from the folder's documented functions, which code its own words "
        "point to (a small map on the query side; nothing is re-embedded), judge it with "
        "`arama eval` on documentation held out from training and on your own questions "
        "(--queries), and keep it only if it answers your questions better than the model "
        "alone. Used for this folder only; --reset forgets it.",
    )
    p_tune.add_argument("folder", nargs="?", help="workspace folder (same as --path)")
    engine_options(p_tune)
    p_tune.add_argument(
        "--minutes",
        type=terminal.minutes,
        default=DEFAULT_MINUTES,
        help=f"time budget for training (default: {DEFAULT_MINUTES:g})",
    )
    p_tune.add_argument(
        "--sample",
        type=terminal.positive_int,
        default=400,
        help="at most this many held-out queries to judge with (default: 400)",
    )
    p_tune.add_argument("--seed", type=terminal.count, default=0, help="which sample (default: 0)")
    p_tune.add_argument(
        "--queries",
        metavar="FILE",
        help="your own questions (as for arama eval): a tuning is kept only if it answers them "
        "better",
    )
    p_tune.add_argument("--reset", action="store_true", help="forget this folder's tuning")
    p_tune.add_argument("--json", action="store_true", help="print the report as JSON")
    p_tune.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p_tune.set_defaults(func=cmd_tune)


def _modes(value: str) -> tuple[Mode, ...]:
    """`hybrid,lexical` -> the modes, in the order given (argparse turns the error into exit 2)."""
    chosen = [m.strip() for m in value.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in MODES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            text(
                "cli.modes", locale_from_env(), modes=", ".join(MODES), value=terminal.shown(value)
            )
        )
    return tuple(m for m in MODES if m in chosen)


def cmd_serve(ns: argparse.Namespace) -> int:
    from arama.lsp.server import main as serve

    serve(["--log-level", ns.log_level])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = terminal.Parser(prog="arama", description="Local semantic code search.")
    parser.add_argument("--version", action="version", version=f"arama {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def engine_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--path", "-C", dest="path", default=".", help="workspace folder")
        p.add_argument("--cache-dir", help="cache directory (default: $XDG_CACHE_HOME/arama)")
        p.add_argument("--model", help="sentence-transformers model name or local path")
        p.add_argument("--exclude", action="append", help="extra ignore glob (repeatable)")
        p.add_argument("--max-file-size", type=terminal.count, default=DEFAULT_MAX_FILE_SIZE)
        p.add_argument("--threads", type=terminal.thread_count, default=None)
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
        add_remote_flags(p)

    p_index = sub.add_parser("index", help="index a workspace folder")
    p_index.add_argument("folder", nargs="?", help="workspace folder (same as --path)")
    engine_options(p_index)
    p_index.add_argument("--json", action="store_true", help="print the status as JSON")
    p_index.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_push_flag(p_index)
    p_index.set_defaults(func=cmd_index)

    p_search = sub.add_parser("search", help="search a workspace folder")
    p_search.add_argument("query")
    engine_options(p_search)
    p_search.add_argument("--limit", "-n", type=terminal.positive_int, default=10)
    p_search.add_argument(
        "--offset",
        type=terminal.count,
        default=0,
        help="skip this many results: the next page is --offset LIMIT (pages of one --limit "
        "never repeat a result)",
    )
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
    p_search.add_argument("--snippet-lines", type=terminal.count, default=3)
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
        type=terminal.positive_int,
        default=DEFAULT_SAMPLE,
        help=f"at most this many mined queries, spread over the languages "
        f"(default: {DEFAULT_SAMPLE}, about a minute once the index is ready)",
    )
    p_eval.add_argument("--seed", type=terminal.count, default=0, help="which sample (default: 0)")
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
    p_eval.add_argument(
        "--held-out",
        action="store_true",
        help="only the functions arama tune never trains on (its held-out fifth)",
    )
    p_eval.add_argument("--json", action="store_true", help="print the whole report as JSON")
    p_eval.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p_eval.set_defaults(func=cmd_eval)

    _tune_parser(sub, engine_options)

    mcp_command.register(sub)  # arama mcp: the MCP server for coding agents (arama/mcp/)

    p_serve = sub.add_parser("serve", help="run the language server over stdio")
    p_serve.add_argument(
        "--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR")
    )
    p_serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> None:
    """`arama`: every outcome is one line on stderr and a documented exit status
    (arama/terminal.py)."""
    terminal.run(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    ns = build_parser().parse_args(argv)
    if getattr(ns, "folder", None):
        ns.path = ns.folder
    terminal.check_decodable({_option(name): value for name, value in vars(ns).items()})
    if ns.command != "serve":  # the language server sets up its own log
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_OneLine("%(levelname)s %(name)s: %(message)s"))
        logging.basicConfig(level=logging.WARNING, handlers=[handler])
    status: int = ns.func(ns)
    return status


def _option(dest: str) -> str:
    """`cache_dir` -> `--cache-dir`; positionals keep their name."""
    return dest if dest in ("query", "folder", "command") else "--" + dest.replace("_", "-")


class _OneLine(logging.Formatter):
    """Log records as one line each: a warning is news to the user, its traceback is not (the
    language server's log keeps them)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message}: {terminal.describe(record.exc_info[1])}"
        saved = record.msg, record.args, record.exc_info, record.exc_text, record.stack_info
        record.msg, record.args, record.exc_info, record.exc_text, record.stack_info = (
            message,
            None,
            None,
            None,
            None,
        )
        try:
            return " ".join(super().format(record).split())
        finally:
            record.msg, record.args, record.exc_info, record.exc_text, record.stack_info = saved


if __name__ == "__main__":
    main()
