"""`arama-ls`: the arama language server over stdio.

Feature modules register their handlers on the shared server object when imported.
"""

from __future__ import annotations

import logging
import sys

from pygls.exceptions import JsonRpcInvalidParams

from arama import __version__
from arama.lsp import (  # noqa: F401 - registers features
    commands,
    documents,
    lifecycle,
    symbols,
    tuning,
)
from arama.lsp.app import server
from arama.memory import limit_malloc_arenas
from arama.messages import text


def main(argv: list[str] | None = None) -> None:
    import argparse

    limit_malloc_arenas()  # before the server's threads start (arama/memory.py says why)

    parser = argparse.ArgumentParser(prog="arama-ls", description=text("progress.title"))
    parser.add_argument("--stdio", action="store_true", help="talk LSP over stdio (default)")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--version", action="version", version=f"arama-ls {__version__}")
    ns = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(ns.log_level).upper(), logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if logging.getLogger().level > logging.DEBUG:
        # pygls logs every message it sends at INFO: whole search results, megabytes a day.
        logging.getLogger("pygls").setLevel(logging.WARNING)
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_quiet_invalid_params)
    server.start_io()  # arama's guarded framing (arama.lsp.transport), not pygls' reader


def _quiet_invalid_params(record: logging.LogRecord) -> bool:
    """A client's bad arguments are answered with -32602; they are not server errors, so they
    do not belong in the log as tracebacks."""
    exc = record.exc_info[1] if record.exc_info else None
    if isinstance(exc, JsonRpcInvalidParams):
        record.msg, record.args, record.exc_info, record.levelno = (
            f"invalid params: {exc.message}",
            (),
            None,
            logging.INFO,
        )
        record.levelname = "INFO"
    return True


if __name__ == "__main__":
    main()
