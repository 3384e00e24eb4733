"""`arama mcp` end to end: the MCP SDK's own client over stdio, the real server process, the
real bundled model, real files (a copy of the fixture workspace) and a fresh cache."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest

from arama.engine.config import EngineConfig
from support.audit_hook import install, read_events
from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import isolated_env
from support.mcp_session import McpSession, mcp_command, text_of

pytestmark = pytest.mark.e2e

HEADER = re.compile(r"^(?P<path>\S+):(?P<start>\d+)-(?P<end>\d+)  (?P<symbol>\S+)  \(")
QUERIES = [
    ("retry a failed request with exponential backoff", "retry.py", "retry_request"),
    ("total price of the items in a shopping cart after a discount", "src/cart.ts", "totalPrice"),
    ("split an HTTP header line into its name and value", "server/http.go", "ParseHeaderLine"),
    ("swap the rows and columns of a matrix", "src/matrix.rs", "transpose"),
    ("look up a user by e-mail address", "lib/UserRepository.java", "findUserByEmail"),
    ("wait until the user stops typing before calling a function", "utils/debounce.js", "debounce"),
]
SECRET = "zqxmcpoutsidesecret"


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("mcp")
    workspace = base / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(f"def leaked():\n    return '{SECRET}'\n")
    os.symlink(outside / "secret.py", workspace / "secret_link.py")
    os.symlink(outside, workspace / "outside_dir")
    return {"workspace": workspace, "cache": base / "cache", "home": base / "home", "base": base}


@pytest.fixture(scope="module")
def early(dirs: dict[str, Path]) -> Iterator[dict[str, Any]]:
    """The session, and what it answered before the index was complete."""
    session = McpSession([dirs["workspace"]], dirs["cache"], dirs["home"], dirs["base"] / "mcp.log")
    session.start()
    first = session.call("search", {"query": "retry a failed request with exponential backoff"})
    status = session.call("status", {})
    yield {"session": session, "search": first, "status": status}
    session.close()


@pytest.fixture(scope="module")
def mcp(early: dict[str, Any]) -> McpSession:
    session: McpSession = early["session"]
    wait_ready(session)
    return session


def wait_ready(session: McpSession, timeout: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = session.call("status", {}).structured_content
        if status["state"] == "ready" and status["files"] > 0:
            return status
        time.sleep(0.2)
    raise AssertionError(f"not ready after {timeout}s: {status}")


def eventually(check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not true within {timeout}s")


def hits(result: types.CallToolResult) -> list[tuple[str, str]]:
    return [
        (m["path"], m["symbol"])
        for line in text_of(result).split("\n")
        if (m := HEADER.match(line))
    ]


def test_answers_while_indexing_say_so(early: dict[str, Any]) -> None:
    # A fresh cache: the model is still being prepared, so the first answers come early.
    status = early["status"].structured_content
    assert status["state"] in ("starting", "indexing")
    first = early["search"]  # asked before that status: indexing was under way then too
    assert not first.is_error
    assert first.structured_content["indexing"] is True
    assert text_of(first).startswith("Note: indexing is under way")
    assert early["status"].content[0].text.startswith(f"Arama is {status['state']}")


def test_tools_are_listed_with_schemas(mcp: McpSession) -> None:
    tools = {tool.name: tool for tool in mcp.list_tools().tools}
    assert set(tools) == {"search", "related", "symbols", "status"}
    search = tools["search"].input_schema
    assert search["required"] == ["query"]
    assert {"query", "limit", "mode", "paths", "exclude", "languages", "context"} <= set(
        search["properties"]
    )
    assert tools["related"].input_schema["required"] == ["file", "line"]
    assert all(
        t.description and t.annotations and t.annotations.read_only_hint for t in tools.values()
    )
    # Every tool declares its structuredContent's schema; the SDK's client validates each
    # successful call's answer against it (ClientSession.validate_tool_result), so every call
    # in this module checks it.
    assert all(t.output_schema and t.output_schema["type"] == "object" for t in tools.values())
    assert tools["search"].output_schema["properties"]["results"]["items"]["required"]


@pytest.mark.parametrize(("query", "path", "symbol"), QUERIES)
def test_search_finds_the_fixture_targets(
    mcp: McpSession, query: str, path: str, symbol: str
) -> None:
    result = mcp.call("search", {"query": query, "limit": 3})
    assert not result.is_error
    assert (path, symbol) in hits(result), text_of(result)
    structured = result.structured_content
    assert [(r["path"], r["symbol"] or "-") for r in structured["results"]] == hits(result)
    assert structured["indexing"] is False
    assert len(text_of(result)) <= 6000 + 200


def test_related_and_symbols(mcp: McpSession, dirs: dict[str, Path]) -> None:
    lines = (dirs["workspace"] / "src" / "cart.ts").read_text().split("\n")
    line = next(i for i, text in enumerate(lines, 1) if "totalPrice" in text)
    related = mcp.call("related", {"file": "src/cart.ts", "line": line})
    assert not related.is_error, text_of(related)
    assert related.structured_content["focus"]["symbol"] == "totalPrice"
    assert related.structured_content["results"]
    symbols = mcp.call("symbols", {"query": "findUserByEmail"})
    first = symbols.structured_content["results"][0]
    assert (first["path"], first["symbol"]) == ("lib/UserRepository.java", "findUserByEmail")
    assert text_of(symbols).startswith("lib/UserRepository.java:")


def test_a_file_edited_on_disk_is_found_by_the_next_search(
    mcp: McpSession, dirs: dict[str, Path]
) -> None:
    target = dirs["workspace"] / "retry.py"
    target.write_text(
        target.read_text()
        + "\n\ndef compute_invoice_checksum(lines):\n"
        + '    """Add up the invoice lines into a checksum digit."""\n'
        + "    return sum(ord(c) for line in lines for c in line) % 10\n"
    )

    def found() -> bool:
        result = mcp.call("search", {"query": "invoice checksum digit", "limit": 3})
        return ("retry.py", "compute_invoice_checksum") in hits(result)

    eventually(found, 30)


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("search", {}, "query"),
        ("search", {"query": 7}, "query"),
        ("search", {"query": "x", "limit": 0}, "limit"),
        ("search", {"query": "x", "mode": "psychic"}, "mode"),
        ("search", {"query": "x", "context": -1}, "context"),
        ("search", {"query": "x", "limt": 3}, "limt"),
        ("related", {"file": "retry.py"}, "line"),
        ("related", {"file": "retry.py", "line": "ten"}, "line"),
        ("symbols", {"query": ""}, "query"),
    ],
)
def test_bad_arguments_are_tool_errors(
    mcp: McpSession, tool: str, arguments: dict[str, Any], field: str
) -> None:
    result = mcp.call(tool, arguments)
    assert result.is_error
    assert f"'{field}'" in text_of(result)
    assert not mcp.call("status", {}).is_error  # still serving


def test_an_unknown_tool_is_refused_without_a_crash(mcp: McpSession) -> None:
    result = mcp.call("delete_everything", {})
    assert result.is_error and "search, related, symbols, status" in text_of(result)
    assert not mcp.call("status", {}).is_error


@pytest.mark.parametrize(
    "file",
    [
        "../outside/secret.py",
        "src/../../outside/secret.py",
        "/etc/passwd",
        "OUTSIDE",  # replaced by the absolute path of the outside file
        "secret_link.py",
        "outside_dir/secret.py",
        "file:///etc/passwd",
    ],
)
def test_path_escapes_are_refused(mcp: McpSession, dirs: dict[str, Path], file: str) -> None:
    if file == "OUTSIDE":
        file = str(dirs["base"] / "outside" / "secret.py")
    result = mcp.call("related", {"file": file, "line": 1})
    assert result.is_error
    assert SECRET not in text_of(result)
    assert "workspace folders" in text_of(result) or "no file of the index" in text_of(result)


def test_nothing_outside_is_ever_returned(mcp: McpSession) -> None:
    for arguments in (
        {"query": SECRET, "mode": "lexical"},
        {"query": "leaked", "paths": ["../**", "/**", "outside_dir/**"]},
        {"query": "leaked", "context": 20},
    ):
        result = mcp.call("search", arguments)
        assert SECRET not in text_of(result) + json.dumps(result.structured_content)
        assert all(
            not p.startswith(("..", "/", "outside_dir", "secret_link")) for p, _ in hits(result)
        )
    symbols = mcp.call("symbols", {"query": "leaked"})
    assert "secret" not in text_of(symbols)


def test_a_second_process_on_the_same_cache_costs_no_embedding(
    mcp: McpSession, dirs: dict[str, Path]
) -> None:
    before = mcp.call("search", {"query": "swap the rows and columns of a matrix", "limit": 3})
    misses = mcp.call("status", {}).structured_content["cache"]["misses"]
    second = McpSession([dirs["workspace"]], dirs["cache"], dirs["home"], dirs["base"] / "mcp2.log")
    second.start()
    try:
        status = wait_ready(second)
        assert status["cache"]["misses"] == 0, status  # every text came from the shared cache
        result = second.call(
            "search", {"query": "swap the rows and columns of a matrix", "limit": 3}
        )
        assert ("src/matrix.rs", "transpose") in hits(result)
    finally:
        second.close()
    # The first process's index is untouched and still answers the same.
    after = mcp.call("search", {"query": "swap the rows and columns of a matrix", "limit": 3})
    assert hits(after) == hits(before)
    assert mcp.call("status", {}).structured_content["cache"]["misses"] == misses


def test_exits_cleanly_when_stdin_closes(dirs: dict[str, Path], mcp: McpSession) -> None:
    process = subprocess.Popen(
        mcp_command([dirs["workspace"]], dirs["cache"]),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=isolated_env(dirs["home"]),
    )
    assert process.stdin is not None and process.stdout is not None
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    }
    process.stdin.write((json.dumps(initialize) + "\n").encode())
    process.stdin.flush()
    answer = json.loads(process.stdout.readline())
    assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "arama"
    process.stdin.write(b'{"jsonrpc": "2.0", "method": "notifications/initialized"}\n')
    process.stdin.close()
    try:
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert process.stdout.read() == b""  # nothing but protocol on stdout, and nothing after


def test_no_traceback_in_the_session_log(mcp: McpSession) -> None:
    assert "Traceback" not in mcp.stderr()


def test_print_config_runs_the_same_server(dirs: dict[str, Path]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "arama.cli", "mcp", "--print-config", str(dirs["workspace"])],
        capture_output=True,
        text=True,
        env=isolated_env(dirs["home"]),
        check=False,
    )
    assert out.returncode == 2  # a folder is not a client name: argparse says so
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "arama.cli",
            "mcp",
            "--print-config",
            "mcpServers",
            str(dirs["workspace"]),
        ],
        capture_output=True,
        text=True,
        env=isolated_env(dirs["home"]),
        check=True,
    )
    entry = json.loads(out.stdout)["mcpServers"]["arama"]
    assert entry["args"] == ["mcp", str(dirs["workspace"])]


def _cli(
    dirs: dict[str, Path], audit: Path, *arguments: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """The CLI as a user runs it beside the agent's server: same cache, its own process, with
    the audit hook (support/audit_hook.py) logging what it opens."""
    env = isolated_env(dirs["home"])
    hook = install(dirs["base"] / "cli-hook", audit)
    env.update(hook, PYTHONPATH=os.pathsep.join([hook["PYTHONPATH"], env.get("PYTHONPATH", "")]))
    audit.unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-m", "arama.cli", *arguments, "--cache-dir", str(dirs["cache"])],
        capture_output=True,
        text=True,
        env=env,
        cwd=dirs["base"],
        timeout=600,
        check=False,
    )
    return out, read_events(audit)


def _event_path(event: dict[str, Any]) -> str:
    """The path an audited open or connect names (a Path arrives as its repr)."""
    return re.sub(r"^PosixPath\('(.*)'\)$", r"\1", str(event.get("path")))


def _index_files(directory: Path) -> dict[str, tuple[int, int]]:
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns)
        for p in directory.iterdir()
        if p.is_file() and p.name != "writer.lock"
    }


def test_the_cli_beside_the_server_works_in_a_replica(
    mcp: McpSession, dirs: dict[str, Path]
) -> None:
    """`arama index` and `arama search` while `arama mcp` holds the folder's index: they work
    in a replica, embed nothing the shared cache holds, never open the server's index
    directory, and answer like the server."""
    workspace = str(dirs["workspace"])
    own = EngineConfig(cache_dir=dirs["cache"]).workspace_dir(dirs["workspace"].resolve())
    assert (own / "writer.lock").exists()
    query = "swap the rows and columns of a matrix"
    before = hits(mcp.call("search", {"query": query, "limit": 3}))
    files_before = _index_files(own)

    indexed, index_events = _cli(
        dirs, dirs["base"] / "cli-index.jsonl", "index", workspace, "--json"
    )
    assert indexed.returncode == 0, indexed.stderr
    status = json.loads(indexed.stdout)
    assert status["state"] == "ready" and status["files"] > 0
    assert status["cache"]["misses"] == 0, status  # every text came from the shared cache
    searched, search_events = _cli(
        dirs, dirs["base"] / "cli-search.jsonl", "search", query, "--path", workspace, "--json"
    )
    assert searched.returncode == 0, searched.stderr
    first = json.loads(searched.stdout)["results"][0]
    assert (first["path"], first["symbol"]) == ("src/matrix.rs", "transpose")

    for events in (index_events, search_events):
        catalogs = {
            str(Path(_event_path(e)).parent)
            for e in events
            if e["e"] == "sqlite3.connect" and _event_path(e).endswith("catalog.sqlite")
        }
        assert catalogs and all(re.search(r"~\d+$", c) for c in catalogs), catalogs
        opened_own = [
            e
            for e in events
            if e["e"] in ("open", "sqlite3.connect")
            and Path(_event_path(e)).parent == own
            and Path(_event_path(e)).name != "writer.lock"  # trying the claim opens it
        ]
        assert opened_own == []
    assert _index_files(own) == files_before  # the server's catalog and vectors untouched
    assert hits(mcp.call("search", {"query": query, "limit": 3})) == before
