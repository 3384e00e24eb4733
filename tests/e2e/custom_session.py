"""Start the real server with pytest-lsp like `lsp_session.lsp_server`, but with a command and an
environment of the test's choosing (stderr to a file, a working directory, `unshare -n`, ...)."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

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


async def start_session(
    command: list[str],
    env: dict[str, str],
    folders: list[Path],
    cache_dir: Path,
    *,
    options: dict[str, Any] | None = None,
    locale: str = "en",
) -> LanguageClient:
    client = await ClientServerConfig(server_command=command, server_env=env).start()
    assert isinstance(client, LanguageClient)
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                window=types.WindowClientCapabilities(work_done_progress=True),
                workspace=types.WorkspaceClientCapabilities(workspace_folders=True),
            ),
            root_uri=folders[0].as_uri(),
            workspace_folders=[types.WorkspaceFolder(f.as_uri(), f.name) for f in folders],
            initialization_options={"cacheDir": str(cache_dir), **(options or {})},
            locale=locale,
        )
    )
    assert result.server_info is not None and result.server_info.name == "arama"
    return client


async def stop_session(client: LanguageClient) -> None:
    try:
        await client.shutdown_session()
    finally:
        await client.stop()
