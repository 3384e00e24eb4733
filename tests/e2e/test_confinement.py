"""Confinement: the server reads only its workspace, writes only its cache directory, uses no
network, and never runs workspace code.

One module-scoped cycle on the real server (the `arama-ls` script editors start, with the
workspace as its working directory, like an editor would): index, search, refused requests for
things outside, an edit, an added file and a deleted file, shutdown, then a restart (under
`unshare --net`, a network namespace with no interfaces up, when the system allows it) that must
reach `ready` and see the updates. Everything happens inside a temporary "world": a fresh HOME,
every XDG_* directory, TMPDIR and the cache directory live there, with `HF_HUB_OFFLINE` and the
other offline switches unset, and HF_HOME unset (so the Hugging Face default is under HOME).

Evidence, three kinds:
- a snapshot (type, size, mtime, mode) of every path in the world before and after: anything
  that differs must be under the cache directory or be one of the test's own edits;
- a Python audit hook (`support.audit_hook`, loaded through PYTHONPATH) logging every open, socket,
  process and compile event of the server process;
- trap files in the workspace (`sitecustomize.py`, `conftest.py`, `setup.py`, modules named like
  the server's dependencies, a git `core.fsmonitor` command) that write a marker if executed.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from support.audit_hook import install, read_events
from support.background_loop import BackgroundLoop
from support.custom_session import server_command, start_session, stop_session
from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import command, isolated_env, wait_ready
from support.snapshot import Snapshot, inside, snapshot, subtree

pytestmark = pytest.mark.e2e

SECRET = "zqxoutsidesecret7731"
"""A token only the file outside the workspace holds."""
UNSAVED_SECRET = "zqxunsavedoutside4242"
"""A token only an editor buffer of a file outside the workspace holds."""
EDIT_FUNCTION = "confinement_probe_edit"
ADDED_FUNCTION = "freshly_added_function"
DELETED = "utils/debounce.js"
ADDED = "src/added_module.py"
EDITED = "retry.py"
TRAP_FILES = [
    "sitecustomize.py",
    "usercustomize.py",
    "conftest.py",
    "setup.py",
    "__main__.py",
    "numpy.py",
    "faiss.py",
    "torch.py",
    "sentence_transformers.py",
    "tree_sitter.py",
    "pathspec.py",
    "arama/__init__.py",
    "pygls/__init__.py",
]
OFFLINE_SWITCHES = (
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "HF_HOME",
    "SENTENCE_TRANSFORMERS_HOME",
    "TORCH_HOME",
    "PYTHONSAFEPATH",
)
NETWORK_FAMILIES = {int(socket.AF_INET), int(socket.AF_INET6)}


@dataclass
class Cycle:
    tmp: Path
    world: Path
    workspace: Path
    cache: Path
    home: Path
    outside: Path
    markers: Path
    audit_log: Path
    before: Snapshot = field(default_factory=dict)
    after: Snapshot = field(default_factory=dict)
    expected_workspace: dict[str, str] = field(default_factory=dict)
    refusals: dict[str, tuple[int, str] | str] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    network_isolated: bool = False
    isolation_note: str = ""


def _hashes(workspace: Path) -> dict[str, str]:
    return {
        str(p.relative_to(workspace)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(workspace.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _trap(marker: Path) -> str:
    return (
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('executed')\n\n\n"
        "def trap_function():\n    return 'a trap'\n"
    )


def _build_world(tmp: Path) -> Cycle:
    world = tmp / "world"
    cycle = Cycle(
        tmp=tmp,
        world=world,
        workspace=world / "workspace",
        cache=world / "cache",
        home=world / "home",
        outside=world / "outside",
        markers=world / "markers",
        audit_log=tmp / "audit.jsonl",
    )
    shutil.copytree(FIXTURE_WORKSPACE, cycle.workspace)
    for directory in (cycle.home, cycle.outside, cycle.markers, world / "tmp"):
        directory.mkdir(parents=True)
    (world / "run").mkdir(mode=0o700)
    (cycle.outside / "secret.py").write_text(
        f"def outside_secret_function():\n    return '{SECRET}'\n"
    )
    ws = cycle.workspace
    (ws / "leak.py").symlink_to(cycle.outside / "secret.py")
    (ws / "leakdir").symlink_to(cycle.outside, target_is_directory=True)
    for name in TRAP_FILES:
        path = ws / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_trap(cycle.markers / name.replace("/", "_")))
    # Code a git invocation in the workspace would run: an fsmonitor command and a hook.
    git = ws / ".git"
    (git / "hooks").mkdir(parents=True)
    (git / "config").write_text(
        f"[core]\n\tfsmonitor = touch {cycle.markers / 'git-fsmonitor'}\n"
        f"\thooksPath = {git / 'hooks'}\n"
    )
    hook = git / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {cycle.markers / 'git-hook'}\n")
    hook.chmod(0o755)
    (ws / "package.json").write_text(
        f'{{"name": "trap", "scripts": {{"postinstall": "touch {cycle.markers / "npm"}"}}}}\n'
    )
    return cycle


def _env(cycle: Cycle) -> dict[str, str]:
    env = isolated_env(cycle.home)
    for name in OFFLINE_SWITCHES:
        env.pop(name, None)
    world = cycle.world
    env.update(
        XDG_CACHE_HOME=str(cycle.home / ".cache"),
        XDG_CONFIG_HOME=str(cycle.home / ".config"),
        XDG_DATA_HOME=str(cycle.home / ".local" / "share"),
        XDG_STATE_HOME=str(cycle.home / ".local" / "state"),
        XDG_RUNTIME_DIR=str(world / "run"),
        TMPDIR=str(world / "tmp"),
    )
    env.update(install(cycle.tmp / "audit-hook", cycle.audit_log))
    return env


def _isolation_prefix() -> tuple[list[str], str]:
    """`unshare` arguments for a private network namespace, or ([], why not)."""
    if shutil.which("unshare") is None:
        return [], "unshare(1) is not installed"
    for prefix in (["unshare", "--net", "--"], ["unshare", "--net", "--map-root-user", "--"]):
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30, check=False)
        if probe.returncode == 0:
            return prefix, ""
        reason = probe.stderr.decode(errors="replace").strip()
    return [], f"unshare --net is not permitted here: {reason}"


async def _expect_refused(
    client: LanguageClient, argument: dict[str, Any]
) -> tuple[int, str] | str:
    try:
        answer = await command(client, "arama.context", argument)
    except JsonRpcException as exc:
        return exc.code, exc.message
    return f"ANSWERED: {answer!r}"[:500]


async def _search(client: LanguageClient, query: str, **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = await command(client, "arama.search", {"query": query, **extra})
    return answer


async def _symbols(client: LanguageClient, query: str) -> list[str | None]:
    answer = await _search(client, query, mode="lexical")
    return [r["symbol"] for r in answer["results"]]


async def _first_session(cycle: Cycle, env: dict[str, str]) -> None:
    ws = cycle.workspace
    cmd = server_command(log_file=cycle.tmp / "server-1.log", cwd=ws)
    client = await start_session(cmd, env, [ws], cycle.cache)
    try:
        status = await wait_ready(client, timeout=300)
        cycle.answers["first_status"] = status
        cycle.answers["first_search"] = await _search(
            client, "retry a failed request with exponential backoff"
        )
        line = {"line": 0, "character": 0}
        secret_uri = (cycle.outside / "secret.py").as_uri()
        for name, uri in {
            "etc_passwd": "file:///etc/passwd",
            "outside_file": secret_uri,
            "symlink_to_outside_file": (ws / "leak.py").as_uri(),
            "through_symlinked_dir": (ws / "leakdir" / "secret.py").as_uri(),
            "dot_dot": ws.as_uri() + "/../outside/secret.py",
            "encoded_dot_dot": ws.as_uri() + "/%2e%2e/outside/secret.py",
            "home": (cycle.home / ".bashrc").as_uri(),
        }.items():
            cycle.refusals[name] = await _expect_refused(client, {"uri": uri, "position": line})
        # (Searching for the secret token itself would put it in the search history.)
        cycle.answers["secret_search"] = [
            await _search(client, "outside_secret_function", mode=mode)
            for mode in ("lexical", "hybrid")
        ]
        cycle.answers["outside_glob_search"] = await _search(
            client, "secret function", paths=["../outside/**", "/**", "leakdir/**"]
        )
        # An editor buffer for a file outside the workspace is not indexed either.
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(
                    uri=secret_uri,
                    language_id="python",
                    version=1,
                    text=f"def unsaved_outside():\n    return '{UNSAVED_SECRET}'\n",
                )
            )
        )

        # The update cycle: edit, add, delete.
        with (ws / EDITED).open("a") as handle:
            handle.write(f"\n\ndef {EDIT_FUNCTION}(value):\n    return value\n")
        (ws / ADDED).write_text(f"def {ADDED_FUNCTION}():\n    return 'new'\n")
        (ws / DELETED).unlink()
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[
                    types.FileEvent((ws / EDITED).as_uri(), types.FileChangeType.Changed),
                    types.FileEvent((ws / ADDED).as_uri(), types.FileChangeType.Created),
                    types.FileEvent((ws / DELETED).as_uri(), types.FileChangeType.Deleted),
                ]
            )
        )
        deadline = time.monotonic() + 120
        while True:
            edited = EDIT_FUNCTION in await _symbols(client, EDIT_FUNCTION)
            added = ADDED_FUNCTION in await _symbols(client, ADDED_FUNCTION)
            deleted = "debounce" not in await _symbols(client, "debounce")
            if (edited and added and deleted) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        cycle.answers["updates_seen"] = (edited, added, deleted)
        cycle.answers["unsaved_secret"] = await _search(client, "unsaved_outside", mode="lexical")
        await wait_ready(client, timeout=120)
    finally:
        await stop_session(client)


async def _second_session(cycle: Cycle, env: dict[str, str], prefix: list[str]) -> None:
    ws = cycle.workspace
    cmd = server_command(log_file=cycle.tmp / "server-2.log", cwd=ws, prefix=prefix)
    client = await start_session(cmd, env, [ws], cycle.cache)
    try:
        cycle.answers["second_status"] = await wait_ready(client, timeout=300)
        cycle.answers["second_search"] = await _search(
            client, "retry a failed request with exponential backoff", mode="semantic"
        )
        cycle.answers["second_updates"] = (
            EDIT_FUNCTION in await _symbols(client, EDIT_FUNCTION),
            ADDED_FUNCTION in await _symbols(client, ADDED_FUNCTION),
            "debounce" not in await _symbols(client, "debounce"),
        )
    finally:
        await stop_session(client)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    cycle = _build_world(tmp_path_factory.mktemp("confinement"))
    env = _env(cycle)
    prefix, cycle.isolation_note = _isolation_prefix()
    cycle.network_isolated = bool(prefix)
    cycle.before = snapshot(cycle.world)
    original = _hashes(cycle.workspace)
    loop = BackgroundLoop()
    try:
        loop.run(_first_session(cycle, env), 600)
        loop.run(_second_session(cycle, env, prefix), 600)
    finally:
        loop.close()
    cycle.after = snapshot(cycle.world)
    expected = dict(original)
    expected.pop(DELETED)
    expected[EDITED] = hashlib.sha256((cycle.workspace / EDITED).read_bytes()).hexdigest()
    expected[ADDED] = hashlib.sha256(
        f"def {ADDED_FUNCTION}():\n    return 'new'\n".encode()
    ).hexdigest()
    cycle.expected_workspace = expected
    yield cycle


# ---------------------------------------------------------------------------------------------


def test_updates_are_indexed_and_survive_a_restart(cycle: Cycle) -> None:
    assert cycle.answers["first_status"]["state"] == "ready"
    assert cycle.answers["first_search"]["results"][0]["symbol"] == "retry_request"
    assert cycle.answers["updates_seen"] == (True, True, True)
    assert cycle.answers["second_status"]["state"] == "ready"
    assert cycle.answers["second_updates"] == (True, True, True)
    assert cycle.answers["second_search"]["results"][0]["symbol"] == "retry_request"


def test_nothing_is_written_outside_the_cache_dir(cycle: Cycle) -> None:
    cache = os.path.relpath(cycle.cache, cycle.world)
    workspace = os.path.relpath(cycle.workspace, cycle.world)
    edited = {os.path.join(workspace, p) for p in (EDITED, ADDED, DELETED)}
    # Adding and deleting a file changes its directory's mtime: those two are the test's.
    touched_dirs = {os.path.join(workspace, os.path.dirname(p)) for p in (ADDED, DELETED)}
    changed = []
    for rel in sorted(set(cycle.before) | set(cycle.after)):
        if inside(rel, cache) or rel in edited or inside(rel, "tmp"):
            continue  # TMPDIR: see test_tmpdir_is_untouched
        old, new = cycle.before.get(rel), cycle.after.get(rel)
        if old == new:
            continue
        if rel in touched_dirs and old and new and old[0] == new[0] == "dir":
            continue
        changed.append(f"{rel}: {old} -> {new}")
    assert not changed, "written outside the cache dir:\n" + "\n".join(changed)
    assert cycle.cache.is_dir() and any(cycle.cache.iterdir())


def test_workspace_is_byte_identical_except_the_edits(cycle: Cycle) -> None:
    assert _hashes(cycle.workspace) == cycle.expected_workspace
    assert (cycle.workspace / "leak.py").readlink() == cycle.outside / "secret.py"


def test_home_and_xdg_dirs_are_untouched(cycle: Cycle) -> None:
    """HOME (holding every XDG_* dir but XDG_RUNTIME_DIR, none of them created beforehand),
    XDG_RUNTIME_DIR, the directory outside and the marker directory: exactly as before."""
    for top in ("home", "run", "outside", "markers"):
        assert subtree(cycle.after, top) == subtree(cycle.before, top), top
    assert not (cycle.home / ".cache").exists()


def test_tmpdir_is_untouched(cycle: Cycle) -> None:
    assert subtree(cycle.after, "tmp") == subtree(cycle.before, "tmp")


def test_cache_dir_is_owner_only(cycle: Cycle) -> None:
    assert stat.S_IMODE(cycle.cache.stat().st_mode) == 0o700


def test_every_cache_subdirectory_is_owner_only(cycle: Cycle) -> None:
    loose = {
        str(path.relative_to(cycle.cache)): oct(stat.S_IMODE(path.stat().st_mode))
        for path in [cycle.cache, *cycle.cache.rglob("*")]
        if path.is_dir() and stat.S_IMODE(path.stat().st_mode) != 0o700
    }
    assert loose == {}


def test_context_outside_the_workspace_is_refused(cycle: Cycle) -> None:
    assert set(cycle.refusals) >= {"etc_passwd", "outside_file", "symlink_to_outside_file"}
    for name, outcome in cycle.refusals.items():
        assert isinstance(outcome, tuple), f"{name}: {outcome}"
        code, message = outcome
        assert code == -32602 and message, (name, outcome)


def test_outside_content_never_reaches_the_index(cycle: Cycle) -> None:
    for answer in cycle.answers["secret_search"]:
        assert SECRET not in str(answer["results"])
        assert "outside_secret_function" not in [r["symbol"] for r in answer["results"]]
    assert "unsaved_outside" not in [
        r["symbol"] for r in cycle.answers["unsaved_secret"]["results"]
    ]
    assert UNSAVED_SECRET not in str(cycle.answers["unsaved_secret"]["results"])
    for result in cycle.answers["outside_glob_search"]["results"]:
        assert (cycle.workspace / result["path"]).resolve().is_relative_to(cycle.workspace)
    for path in cycle.cache.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data, path
            assert UNSAVED_SECRET.encode() not in data, path


def test_reads_stay_inside_the_workspace_and_the_cache(cycle: Cycle) -> None:
    """Every file the server process opened under the world: workspace or cache, nothing else
    (so nothing under HOME, the XDG dirs, TMPDIR or the directory outside)."""
    events = read_events(cycle.audit_log)
    assert any(e["e"] == "open" for e in events), "the audit hook did not run"
    world = str(cycle.world)
    workspace = str(cycle.workspace)
    stray = set()
    wrote = set()
    for event in events:
        if event["e"] not in ("open", "sqlite3.connect") or not isinstance(event["path"], str):
            continue
        path = os.path.abspath(os.path.join(workspace, event["path"]))  # cwd is the workspace
        if not inside(path, world):
            continue
        if inside(path, str(cycle.cache)) or inside(path, str(cycle.world / "tmp")):
            continue  # TMPDIR: see test_tmpdir_is_untouched
        if not inside(path, workspace) or inside(os.path.realpath(path), str(cycle.outside)):
            stray.add(path)
        flags = event.get("flags") or 0
        mode = event.get("mode") or ""
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) or set(str(mode)) & set("wax+"):
            wrote.add(path)
    assert not stray, f"opened outside the workspace and cache: {sorted(stray)}"
    assert not wrote, f"opened for writing outside the cache: {sorted(wrote)}"


def test_no_network(cycle: Cycle) -> None:
    events = read_events(cycle.audit_log)
    network = [
        e
        for e in events
        if e["e"].startswith(("socket.getaddrinfo", "socket.gethost", "http.", "urllib."))
        or (e["e"].startswith("socket.") and e.get("family") in NETWORK_FAMILIES)
    ]
    assert network == []
    if not cycle.network_isolated:
        pytest.skip(f"restart without a network namespace: {cycle.isolation_note}")
    # The restart ran in a network namespace with no interface up, and still served.
    assert cycle.answers["second_status"]["state"] == "ready"
    assert cycle.answers["second_search"]["results"]


def test_no_workspace_code_is_executed(cycle: Cycle) -> None:
    assert sorted(p.name for p in cycle.markers.iterdir()) == []
    events = read_events(cycle.audit_log)
    workspace = str(cycle.workspace)
    compiled = [e["path"] for e in events if e["e"] == "compile" and workspace in e["path"]]
    assert compiled == []
    processes = [e for e in events if e["e"] in ("subprocess.Popen", "os.system", "os.exec")]
    # The one child arama starts: the ONNX export of the bundled model, run isolated (-P: no
    # script directory on sys.path) with its working directory inside the cache directory.
    exports = [
        e
        for e in processes
        if e["e"] == "subprocess.Popen"
        and "'-P', '-m', 'arama.engine.embedding.onnx_export'" in str(e["args"][1])
        and Path(re.sub(r"^PosixPath\('(.*)'\)$", r"\1", str(e["args"][2]))).is_relative_to(
            cycle.cache
        )
    ]
    assert len(exports) <= 1, exports
    assert [e for e in processes if e not in exports] == [], processes
