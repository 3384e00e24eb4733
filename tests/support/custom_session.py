"""Start the real server with pytest-lsp like `lsp_session.lsp_server`, but with a command and an
environment of the test's choosing (stderr to a file, a working directory, `unshare -n`, ...)."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_lsp import LanguageClient

from support.lsp_session import start_session

ARAMA_LS = str(Path(sys.executable).parent / "arama-ls")
"""The console script editors start (its sys.path[0] is the venv's bin, never the cwd)."""


def server_command(
    *,
    log_file: Path,
    cwd: Path | None = None,
    prefix: Sequence[str] = (),
    log_level: str = "WARNING",
) -> list[str]:
    """`arama-ls` with stderr appended to `log_file`, optionally in `cwd` and under `prefix`."""
    inner = [*prefix, ARAMA_LS, "--log-level", log_level]
    script = f"exec {shlex.join(inner)} 2>>{shlex.quote(str(log_file))}"
    if cwd is not None:
        script = f"cd {shlex.quote(str(cwd))} && {script}"
    return ["/bin/sh", "-c", script]


async def stop_session(client: LanguageClient) -> None:
    try:
        await client.shutdown_session()
    finally:
        await client.stop()


__all__ = ["ARAMA_LS", "server_command", "start_session", "stop_session"]
