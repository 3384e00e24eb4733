"""The `arama mcp [FOLDER...]` subcommand: its flags, and starting the server or printing a
client's configuration. Kept here so `cli.py` only registers it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from arama.engine.config import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_MAX_FILE_SIZE,
    EngineConfig,
    default_cache_dir,
)
from arama.mcp.clients import CLIENTS, config_text

# answers.py imports lsprotocol (~0.5 s): only `arama mcp` itself loads it, so every other
# command's signal handlers are in place before a Ctrl-C can land in an import.
DEFAULT_BUDGET_CHARS = 6000

MIN_BUDGET = 500


def _budget(value: str) -> int:
    number = int(value)
    if number < MIN_BUDGET:
        raise argparse.ArgumentTypeError(f"must be {MIN_BUDGET} or more, got {value}")
    return number


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add `mcp` to the CLI's subcommands (whatever ArgumentParser subclass they use)."""
    p = sub.add_parser(
        "mcp",
        help="serve coding agents over MCP (stdio)",
        description="Run a Model Context Protocol server on stdin/stdout for coding agents, "
        "with the tools search, related, symbols and status over the given folders (default: "
        "the current directory). It shares the cache with the editor's server and the CLI.",
    )
    p.add_argument("folders", nargs="*", metavar="FOLDER", help="workspace folders")
    p.add_argument(
        "--print-config",
        nargs="?",
        const="mcpServers",
        choices=CLIENTS,
        metavar="CLIENT",
        help="print the configuration snippet for an MCP client and exit: mcpServers (Claude "
        "Code, Cursor, Claude Desktop, Gemini CLI, mcphub.nvim; the default), vscode, codex",
    )
    p.add_argument("--cache-dir", help="cache directory (default: $XDG_CACHE_HOME/arama)")
    p.add_argument("--model", help="sentence-transformers model name or local path")
    p.add_argument("--exclude", action="append", help="extra ignore glob (repeatable)")
    p.add_argument("--max-file-size", type=int, default=DEFAULT_MAX_FILE_SIZE)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND)
    p.add_argument(
        "--max-chars",
        type=_budget,
        default=DEFAULT_BUDGET_CHARS,
        help=f"character budget of one answer (default: {DEFAULT_BUDGET_CHARS})",
    )
    p.add_argument(
        "--log-level",
        type=str.upper,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        default="WARNING",
        help="stderr log level (default: WARNING)",
    )
    p.set_defaults(func=run)


def _folders(ns: argparse.Namespace) -> list[Path] | None:
    folders = [Path(f).expanduser().resolve() for f in (ns.folders or ["."])]
    for folder in folders:
        if not folder.is_dir():
            print(f"arama: {folder} is not a directory", file=sys.stderr)
            return None
    return list(dict.fromkeys(folders))


def _passed_on(ns: argparse.Namespace) -> list[str]:
    """The flags a printed configuration keeps (the cache and model choices)."""
    extra: list[str] = []
    if ns.cache_dir:
        extra += ["--cache-dir", str(Path(ns.cache_dir).expanduser().resolve())]
    if ns.model:
        extra += ["--model", ns.model]
    if ns.backend != DEFAULT_BACKEND:
        extra += ["--backend", ns.backend]
    return extra


def run(ns: argparse.Namespace) -> int:
    folders = _folders(ns)
    if folders is None:
        return 2
    if ns.print_config:
        print(config_text(ns.print_config, folders, _passed_on(ns)))
        return 0
    logging.getLogger().setLevel(ns.log_level)
    config = EngineConfig(
        cache_dir=Path(ns.cache_dir).expanduser() if ns.cache_dir else default_cache_dir(),
        model=ns.model,
        exclude=tuple(ns.exclude or ()),
        max_file_size=ns.max_file_size,
        threads=ns.threads,
        backend=ns.backend,
    )
    from arama.mcp.answers import Sizing
    from arama.mcp.server import serve  # the SDK loads only for the server

    serve(config, folders, Sizing(budget_chars=ns.max_chars), os.environ.get("LANG"))
    return 0
