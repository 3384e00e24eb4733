"""The `arama` command's entry point. Its first act is to catch SIGINT and SIGTERM, with nothing
imported but `signal`, before the commands' imports (numpy, tree-sitter, the engine: ~0.2 s on an
idle machine, seconds on a loaded one), so a Ctrl-C at any moment ends with arama's one line and
exit status, never a bare death by signal or Python's traceback (tests/e2e/test_cli_fuzz.py saw
both in that window). A signal that arrives during the imports is held and delivered as soon as
the command runs. What no program can catch is a signal during Python's own start-up, before
this first line (~50 ms on an idle machine)."""

from __future__ import annotations

import signal


def main() -> None:
    held: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, _frame: held.append(number))
    from arama import terminal  # the standard library and the message table only

    terminal.catch_signals_early(held)
    from arama.memory import limit_malloc_arenas

    limit_malloc_arenas()  # before any thread starts: `arama mcp` and `arama index` run long
    from arama.cli import main as cli_main

    cli_main()
