"""`arama mcp --print-config`: the snippet each common MCP client wants, so nobody writes it by
hand. Every snippet runs this same `arama` executable (absolute path, so a client started from
a desktop launcher with another PATH finds it) on absolute folders."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CLIENTS = ("mcpServers", "vscode", "codex")
"""`mcpServers`: the shape Claude Code (`.mcp.json`), Claude Desktop, Cursor
(`.cursor/mcp.json`), Windsurf, Gemini CLI and Neovim's mcphub.nvim read; `vscode`: VS Code's
`.vscode/mcp.json` (`servers`, with a `type`); `codex`: the Codex CLI's TOML
(`~/.codex/config.toml`)."""


def arama_command() -> str:
    """The absolute path of the `arama` that is running (or the one on PATH)."""
    here = Path(sys.argv[0])
    if here.name == "arama" and here.exists():
        return str(here.resolve())
    found = shutil.which("arama")
    return str(Path(found).resolve()) if found else "arama"


def server_entry(folders: Sequence[Path], extra: Sequence[str]) -> dict[str, Any]:
    args = ["mcp", *extra, *(os.fspath(f) for f in folders)]
    return {"command": arama_command(), "args": args}


def config_text(client: str, folders: Sequence[Path], extra: Sequence[str] = ()) -> str:
    """The snippet for `client` (one of CLIENTS)."""
    entry = server_entry(folders, extra)
    if client == "vscode":
        return json.dumps({"servers": {"arama": {"type": "stdio", **entry}}}, indent=2)
    if client == "codex":
        args = ", ".join(json.dumps(a) for a in entry["args"])
        return f"[mcp_servers.arama]\ncommand = {json.dumps(entry['command'])}\nargs = [{args}]"
    return json.dumps({"mcpServers": {"arama": entry}}, indent=2)
