"""The VS Code extension (editor-clients/vscode): its unit tests and an end-to-end run in the real
VS Code workbench.

- `test_extension_unit_tests`: typecheck, then `node --test` on the extension's pure modules (query
  prefix parsing, result formatting, the statistics page, server discovery, translations).
- `test_vscode_end_to_end`: code-server (VS Code in the browser) with the packaged .vsix and the
  real `arama-ls` with the real model, driven by playwright-core in headless Chromium; once in
  English (including the Arama results view: a query in its search box, the expected file and
  line in the tree, a click opening the editor there, its context menu, the results kept across a
  window reload; and the "server not found anywhere" message), once with the display language
  Turkish (the server found with no setting, in the pipx folder; the results view's Turkish
  labels), and once with VS Code's MCP support on: the
  extension's MCP server definition is listed and starts a working `arama mcp` (test/e2e/run.mjs
  says what is checked).

Both call `editor-clients/vscode/scripts/setup-e2e.sh` first. It installs what is missing, and only
that: npm packages of the extension, then for the end-to-end test Node 24 and code-server (from
npm, into `$ARAMA_E2E_TOOLS`, default `~/.cache/arama-e2e`) and Chromium (apt). The first run takes
a few minutes for those installs; later runs reuse them.

Screenshots of every step, and on failure the server log, land in the artifacts directory that the
test prints (`$ARAMA_E2E_ARTIFACTS`, else under pytest's tmp_path).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXTENSION = REPO / "editor-clients" / "vscode"
SETUP = EXTENSION / "scripts" / "setup-e2e.sh"
E2E = EXTENSION / "test" / "e2e" / "run.mjs"

SETUP_TIMEOUT_S = 1200  # first run: apt, Node 24, code-server's native builds
E2E_TIMEOUT_S = 540  # three code-server sessions (English, Turkish, MCP)
UNIT_TIMEOUT_S = 120


def _arama_ls() -> str:
    beside = Path(sys.executable).parent / "arama-ls"
    if beside.exists():
        return str(beside)
    found = shutil.which("arama-ls")
    if found is None:
        pytest.fail("arama-ls is not installed next to this Python nor on PATH (run `make env`)")
    return found


def _tail(text: str, lines: int = 80) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _run(
    args: list[str], timeout: float, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the VS Code extension tests")
    started = time.monotonic()
    try:
        result = subprocess.run(
            args,
            cwd=EXTENSION,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        pytest.fail(f"{args[0]} timed out after {timeout} s\n{_tail(out)}\n{_tail(err)}")
    return result, time.monotonic() - started


def _setup(*flags: str) -> float:
    result, seconds = _run(["bash", str(SETUP), *flags], SETUP_TIMEOUT_S)
    if result.returncode != 0:
        pytest.fail(
            f"setup-e2e.sh {' '.join(flags)} failed ({result.returncode}):\n"
            f"{_tail(result.stdout)}\n{_tail(result.stderr)}"
        )
    return seconds


@pytest.mark.timeout(UNIT_TIMEOUT_S + SETUP_TIMEOUT_S)
def test_extension_unit_tests() -> None:
    _setup("--no-tools")
    result, seconds = _run(
        ["node", "--test", "--test-reporter=spec", "out/test/unit/"], UNIT_TIMEOUT_S
    )
    assert result.returncode == 0, (
        f"node --test failed after {seconds:.1f} s:\n{_tail(result.stdout, 200)}\n{result.stderr}"
    )
    assert "fail 0" in result.stdout.replace("ℹ ", ""), result.stdout


@pytest.mark.e2e
@pytest.mark.timeout(E2E_TIMEOUT_S + SETUP_TIMEOUT_S + 60)
def test_vscode_end_to_end(tmp_path: Path) -> None:
    setup_seconds = _setup()
    artifacts = Path(os.environ.get("ARAMA_E2E_ARTIFACTS") or tmp_path / "vscode-e2e-artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    result, seconds = _run(
        ["node", str(E2E)],
        E2E_TIMEOUT_S,
        env={"ARAMA_LS": _arama_ls(), "ARAMA_E2E_ARTIFACTS": str(artifacts)},
    )
    summary: dict[str, Any] = {}
    for line in reversed(result.stdout.splitlines()):
        if line.startswith('{"ok"'):
            summary = json.loads(line)
            break
    steps: list[dict[str, Any]] = [s for s in summary.get("steps", []) if isinstance(s, dict)]
    report = "\n".join(f"  {s['name']}: {s['status']} ({s.get('seconds', 0):.1f} s)" for s in steps)
    print(f"setup {setup_seconds:.1f} s, e2e {seconds:.1f} s; artifacts in {artifacts}\n{report}")
    if result.returncode != 0 or not summary.get("ok"):
        logs = []
        for log in sorted(artifacts.glob("*Arama*.log")):
            # The server logs every message at INFO: keep the end, and each line short.
            text = "\n".join(line[:300] for line in log.read_text(errors="replace").splitlines())
            logs.append(f"--- {log.name} (end)\n{_tail(text, 40)}")
        pytest.fail(
            f"the VS Code end-to-end run failed ({result.returncode}); artifacts (screenshots, "
            f"logs) in {artifacts}\n{report}\n--- stdout\n{_tail(result.stdout, 60)}\n"
            f"--- stderr\n{_tail(result.stderr, 60)}\n" + "\n".join(logs)
        )
    names = {s["name"] for s in steps if s.get("status") == "passed"}
    expected = {
        "indexing-hint",
        "ready",
        "search",
        "related",
        "workspace-symbol",
        "search-selection",
        "search-filters",
        "reindex",
        "statistics",
        "status",
        "missing-server",
        "setting-problem",
        "results-view",
        "results-context",
        "results-kept",
        "missing-server-absent",
        "tr-ready",
        "tr-search",
        "tr-results-view",
        "tr-status",
        "mcp-ready",
        "mcp-provider",
    }
    assert expected <= names, f"steps not passed: {sorted(expected - names)}"
