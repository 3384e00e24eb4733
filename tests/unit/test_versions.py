"""One release number everywhere: the Python package (pyproject.toml and `arama.__version__`),
`arama --version`, `arama-ls --version` and the VS Code extension. The server's
`serverInfo.version` is checked against the same number at every initialize in the end-to-end
tests (tests/support/lsp_session.py) and in the native Neovim session (tests/editors)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from arama import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_package_and_extension_share_the_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extension = json.loads((ROOT / "editor-clients" / "vscode" / "package.json").read_text("utf-8"))
    assert project["version"] == __version__ == extension["version"]


def test_version_flags_print_it() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
    for module, name in (("arama.cli", "arama"), ("arama.lsp.server", "arama-ls")):
        out = subprocess.run(
            [sys.executable, "-m", module, "--version"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=True,
        )
        assert out.stdout.strip() == f"{name} {__version__}", (module, out.stdout, out.stderr)
