"""Confinement of `arama mcp`: the real server process, started as an agent's configuration starts
it (the venv's `arama` console script, the workspace as its working directory), opens no file
outside the workspace folder, its cache directory and the Python installation it runs from,
whatever the agent asks; writes only into the cache directory; uses no network; runs no
workspace code.

One module-scoped session inside a temporary "world" (a fresh HOME holding every XDG_* directory,
TMPDIR, the cache, a directory outside with a secret, links from the workspace to it, trap
files that would leave a marker if executed): searches in every mode (with context lines and
globs that point outside), `related` and `symbols`, every path-escape attempt of the MCP tests,
an edit the live watcher picks up, then stdin closed.

Evidence: the Python audit hook (`support.audit_hook`) logging every open, sqlite connect,
socket, process and compile event of the server process, and a snapshot of the world before
and after. The audit hook sees what Python opens; C code that bypasses it (SQLite's own files,
faiss's writer) works on paths Python handed it, which the snapshot covers.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sys
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import arama
from support.audit_hook import install, read_events
from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import isolated_env
from support.mcp_session import McpSession, console_command, text_of
from support.snapshot import Snapshot, inside, snapshot, subtree

pytestmark = pytest.mark.e2e

SECRET = "zqxmcpconfinedsecret9157"
EDITED = "retry.py"
EDIT_FUNCTION = "mcp_confinement_probe"
TRAP_FILES = ("sitecustomize.py", "usercustomize.py", "conftest.py", "numpy.py", "mcp/__init__.py")
ESCAPES = (
    "../outside/secret.py",
    "src/../../outside/secret.py",
    "/etc/passwd",
    "OUTSIDE",  # the absolute path of the secret
    "leak.py",  # a link to the secret
    "leakdir/secret.py",  # through a linked directory
    "file:///etc/passwd",
    "%2e%2e/outside/secret.py",
    "~/.bashrc",
    "/proc/self/environ",
)
SYSTEM_READS = {
    "/dev/null": "a child process's stdin (the model's ONNX export)",
    "/etc/os-release": "onnxruntime's import checks the distribution",
    "/etc/lsb-release": "the same, on older systems",
    "/proc/mounts": "transformers asks whether a path is on a network file system",
    "/proc/sys/kernel/random/boot_id": "filelock tells this boot's processes apart",
    "/proc/self/mountinfo": "filelock, the same",
    "/proc/self/maps": "threadpoolctl and torch list the native libraries loaded",
}
"""Outside the Python installation, the system files its libraries read (exact paths): no user
data, and nothing an agent's argument chooses."""
NETWORK_FAMILIES = {int(socket.AF_INET), int(socket.AF_INET6)}


@dataclass
class World:
    tmp: Path
    root: Path
    workspace: Path
    cache: Path
    home: Path
    outside: Path
    markers: Path
    audit_log: Path
    before: Snapshot = field(default_factory=dict)
    after: Snapshot = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    workspace_hashes: dict[str, str] = field(default_factory=dict)


def _hashes(workspace: Path) -> dict[str, str]:
    return {
        str(p.relative_to(workspace)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(workspace.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _build(tmp: Path) -> World:
    root = tmp / "world"
    world = World(
        tmp=tmp,
        root=root,
        workspace=root / "workspace",
        cache=root / "cache",
        home=root / "home",
        outside=root / "outside",
        markers=root / "markers",
        audit_log=tmp / "audit.jsonl",
    )
    shutil.copytree(FIXTURE_WORKSPACE, world.workspace)
    for directory in (world.home, world.outside, world.markers, root / "tmp"):
        directory.mkdir(parents=True)
    (world.home / ".bashrc").write_text(f"export TOKEN={SECRET}\n")
    (world.outside / "secret.py").write_text(f"def outside_secret():\n    return '{SECRET}'\n")
    (world.workspace / "leak.py").symlink_to(world.outside / "secret.py")
    (world.workspace / "leakdir").symlink_to(world.outside, target_is_directory=True)
    for name in TRAP_FILES:
        path = world.workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        marker = world.markers / name.replace("/", "_")
        path.write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n")
    return world


def _env(world: World) -> dict[str, str]:
    env = isolated_env(world.home)
    env.pop("HF_HOME", None)
    env.update(
        XDG_CACHE_HOME=str(world.home / ".cache"),
        XDG_CONFIG_HOME=str(world.home / ".config"),
        XDG_DATA_HOME=str(world.home / ".local" / "share"),
        XDG_STATE_HOME=str(world.home / ".local" / "state"),
        TMPDIR=str(world.root / "tmp"),
    )
    hook = install(world.tmp / "audit-hook", world.audit_log)
    # The hook first, then this checkout's sources (the console script imports `arama`).
    sources = str(Path(arama.__file__).resolve().parents[1])
    env.update(hook, PYTHONPATH=os.pathsep.join([hook["PYTHONPATH"], sources]))
    return env


def _wait_ready(session: McpSession, timeout: float = 300.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = session.call("status", {}).structured_content or {}
        if status.get("state") == "ready" and status.get("files"):
            return status
        time.sleep(0.3)
    raise AssertionError(f"not ready after {timeout}s: {status}")


def _symbols_of(result: Any) -> list[str | None]:
    return [r.get("symbol") for r in (result.structured_content or {}).get("results", [])]


def _exercise(world: World, session: McpSession) -> None:
    answers = world.answers
    answers["status"] = _wait_ready(session)
    answers["search"] = session.call(
        "search", {"query": "retry a failed request with exponential backoff", "context": 5}
    )
    for mode in ("hybrid", "semantic", "lexical"):
        answers[f"secret_{mode}"] = session.call(
            "search", {"query": "outside_secret", "mode": mode}
        )
    answers["outside_globs"] = session.call(
        "search",
        {"query": "secret", "paths": ["../outside/**", "/**", "leakdir/**"], "context": 20},
    )
    answers["related"] = session.call("related", {"file": "src/cart.ts", "line": 3})
    answers["symbols"] = session.call("symbols", {"query": "findUserByEmail"})
    answers["symbols_secret"] = session.call("symbols", {"query": "outside_secret"})
    escapes = {}
    for raw in ESCAPES:
        file = str(world.outside / "secret.py") if raw == "OUTSIDE" else raw
        escapes[raw] = session.call("related", {"file": file, "line": 1})
    answers["escapes"] = escapes
    with (world.workspace / EDITED).open("a") as handle:
        handle.write(f"\n\ndef {EDIT_FUNCTION}(value):\n    return value\n")
    deadline = time.monotonic() + 60
    seen = False
    while not seen and time.monotonic() < deadline:
        result = session.call("search", {"query": EDIT_FUNCTION, "mode": "lexical", "limit": 3})
        seen = EDIT_FUNCTION in _symbols_of(result)
        time.sleep(0.3)
    answers["edit_seen"] = seen


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = _build(tmp_path_factory.mktemp("mcp-confinement"))
    env = _env(world)
    world.before = snapshot(world.root)
    original = _hashes(world.workspace)
    session = McpSession(
        [world.workspace],
        world.cache,
        world.home,
        world.tmp / "mcp.log",
        env=env,
        command=console_command([world.workspace], world.cache),
    )
    session.start()
    try:
        _exercise(world, session)
    finally:
        session.close()  # closes stdin: the server saves and exits
    world.after = snapshot(world.root)
    original[EDITED] = hashlib.sha256((world.workspace / EDITED).read_bytes()).hexdigest()
    world.workspace_hashes = original
    yield world


# ---------------------------------------------------------------------------------------------


def _allowed_roots(world: World) -> list[str]:
    """Where the process may open files: its folder, its cache, the Python it runs on (the
    installation, the venv with the bundled model, this checkout's sources) and the hook."""
    paths = sysconfig.get_paths()
    roots = {
        str(world.workspace),
        str(world.cache),
        str(world.tmp / "audit-hook"),
        str(world.audit_log),
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        paths["stdlib"],
        paths["platstdlib"],
        paths["purelib"],
        paths["platlib"],
        str(Path(arama.__file__).resolve().parents[1]),
    }
    return sorted({os.path.realpath(r) for r in roots} | roots)


def _opened(world: World) -> list[dict[str, Any]]:
    events = read_events(world.audit_log)
    assert any(e["e"] == "open" for e in events), "the audit hook did not run"
    found = []
    for event in events:
        if event["e"] not in ("open", "sqlite3.connect") or not isinstance(event["path"], str):
            continue
        if event["path"] in (":memory:", ""):
            continue
        path = os.path.normpath(os.path.join(str(world.workspace), event["path"]))
        found.append({**event, "abs": path})
    return found


def test_the_session_worked(world: World) -> None:
    """The evidence below is of a session that did its work, not of one that failed early."""
    answers = world.answers
    assert answers["status"]["state"] == "ready"
    assert not answers["search"].is_error
    assert answers["search"].structured_content["results"][0]["symbol"] == "retry_request"
    assert answers["related"].structured_content["focus"]["path"] == "src/cart.ts"
    assert _symbols_of(answers["symbols"])[0] == "findUserByEmail"
    assert answers["edit_seen"] is True


def test_every_file_opened_is_in_the_workspace_the_cache_or_python(world: World) -> None:
    allowed = _allowed_roots(world)
    stray = sorted(
        {
            e["abs"]
            for e in _opened(world)
            if not any(inside(e["abs"], root) for root in allowed) and e["abs"] not in SYSTEM_READS
        }
    )
    assert stray == [], f"opened outside the workspace, the cache and Python: {stray}"


def test_nothing_through_a_link_to_outside_is_opened(world: World) -> None:
    outside = str(world.outside)
    leaked = sorted(
        e["abs"]
        for e in _opened(world)
        if inside(os.path.realpath(e["abs"]), outside) or inside(e["abs"], str(world.home))
    )
    assert leaked == []


def test_files_are_opened_for_writing_only_in_the_cache(world: World) -> None:
    wrote = set()
    for event in _opened(world):
        if inside(event["abs"], str(world.cache)) or event["abs"] in (
            str(world.audit_log),
            os.devnull,
        ):
            continue
        flags = event.get("flags") or 0
        mode = str(event.get("mode") or "")
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) or set(mode) & set("wax+"):
            wrote.add(event["abs"])
    assert sorted(wrote) == []


def test_the_world_is_unchanged_outside_the_cache(world: World) -> None:
    for top in ("home", "outside", "markers", "tmp"):
        assert subtree(world.after, top) == subtree(world.before, top), top
    assert not (world.home / ".cache").exists()
    assert _hashes(world.workspace) == world.workspace_hashes  # only the test's own edit
    assert (world.workspace / "leak.py").readlink() == world.outside / "secret.py"


def test_every_escape_is_a_tool_error_without_the_secret(world: World) -> None:
    for raw, result in world.answers["escapes"].items():
        assert result.is_error, (raw, text_of(result))
        assert SECRET not in text_of(result), raw


def test_outside_content_is_never_returned_or_indexed(world: World) -> None:
    for key in ("secret_hybrid", "secret_semantic", "secret_lexical", "outside_globs"):
        result = world.answers[key]
        assert SECRET not in text_of(result) + str(result.structured_content), key
        assert "outside_secret" not in _symbols_of(result), key
    assert "outside_secret" not in text_of(world.answers["symbols_secret"])
    for path in world.cache.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_no_network_and_no_workspace_code(world: World) -> None:
    events = read_events(world.audit_log)
    network = [
        e
        for e in events
        if e["e"].startswith(("socket.getaddrinfo", "socket.gethost", "http.", "urllib."))
        or (e["e"].startswith("socket.") and e.get("family") in NETWORK_FAMILIES)
    ]
    assert network == []
    assert sorted(p.name for p in world.markers.iterdir()) == []
    compiled = [
        e["path"] for e in events if e["e"] == "compile" and str(world.workspace) in e["path"]
    ]
    assert compiled == []
    processes = [e for e in events if e["e"] in ("subprocess.Popen", "os.system", "os.exec")]
    # The one child arama may start: the bundled model's ONNX export, isolated (-P), in the cache.
    others = [
        e
        for e in processes
        if "arama.engine.embedding.onnx_export" not in str(e["args"])
        or str(world.cache) not in str(e["args"])
    ]
    assert others == []
