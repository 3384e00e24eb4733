"""Hostile files: each one skipped (and counted by reason) or handled, never a crash or a stall.

Two levels:

- The real server over stdio (real model) on a workspace holding every hostile case built by
  `support.hostile_workspace`: a 50 MiB file, a binary named `.py`, invalid UTF-8, a 5 MiB one-line
  bundle `app.js` and a smaller one, code nested 10,000 levels deep (`.py` and `.js`), a FIFO and
  a unix socket, symlink loops, links to a file and a directory outside the workspace, a dangling
  link, a file name that is not UTF-8, rule files whose patterns would backtrack for hours, long
  names in Turkish, CJK and emoji, a chain of CJK directories past PATH_MAX, and a normal file.
  It must reach `ready`, find every function it should, and report `skippedFiles` exactly.
- The engine in-process with the deterministic `BagOfWordsEmbedder` for what depends on timing:
  a file deleted, made unreadable, swapped for a FIFO or for a symlink pointing outside, between
  the scan and the read, and a file that changes while it is being read. These wrap
  `arama.engine.scanner._read_regular` (what `read_source` opens and reads through) to act at
  exactly that moment, which a real race could only hit by luck. The same level also runs the
  whole hostile tree plus a file of functions nested 10,000 deep (10,000 chunks: too slow to
  embed with the real model in CI).
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import LanguageClient

from arama.engine import scanner
from arama.engine.config import EngineConfig
from arama.engine.hashing import text_hash
from arama.engine.records import SkipReason
from arama.engine.search.request import SearchRequest
from support.embedder import BagOfWordsEmbedder
from support.hostile_workspace import (
    MAX_FILE_SIZE,
    NORMAL_FUNCTION,
    HostileWorkspace,
    build_hostile_workspace,
)
from support.json_engine import JsonEngine as Engine
from support.lsp_session import command, lsp_server, wait_ready
from support.model_cache import seed_model

pytestmark = pytest.mark.e2e
server_test = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileWorkspace]:
    workspace, sockets = build_hostile_workspace(tmp_path_factory.mktemp("hostile"))
    yield workspace
    for sock in sockets:
        sock.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(hostile: HostileWorkspace) -> AsyncIterator[LanguageClient]:
    base = hostile.root.parent
    seed_model(base / "cache")
    async with lsp_server(
        [hostile.root], base / "cache", base / "home", options={"maxFileSize": MAX_FILE_SIZE}
    ) as client:
        await wait_ready(client, timeout=300)
        yield client


# ---------------------------------------------------------------------------------------------
# The real server
# ---------------------------------------------------------------------------------------------


@server_test
async def test_server_is_ready_and_counts_every_skip(
    client: LanguageClient, hostile: HostileWorkspace
) -> None:
    status = await command(client, "arama.status")
    assert status["state"] == "ready"
    assert status["skippedFiles"] == hostile.skipped
    assert status["files"] == len(hostile.indexed)
    assert status["embeddedChunks"] == status["chunks"] > len(hostile.indexed)
    assert status["recovered"] == []


@server_test
@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
async def test_every_function_is_found_under_its_own_path(
    client: LanguageClient, hostile: HostileWorkspace, mode: str
) -> None:
    for function, rel in hostile.functions.items():
        answer = await command(client, "arama.search", {"query": function, "mode": mode})
        top = [(r["path"], r["symbol"], r["uri"]) for r in answer["results"][:3]]
        assert (rel, function, (hostile.root / rel).as_uri()) in top, (function, top)


@server_test
async def test_normal_file_by_meaning(client: LanguageClient) -> None:
    answer = await command(
        client, "arama.search", {"query": "match ledger entries against a bank statement"}
    )
    assert answer["results"][0]["symbol"] == NORMAL_FUNCTION


@server_test
async def test_deep_files_and_deep_directories_are_indexed(
    client: LanguageClient, hostile: HostileWorkspace
) -> None:
    for query, rel in (
        ("deep_nesting_python", "deep/nested.py"),
        ("deep_nesting_javascript", "deep/nested.js"),
    ):
        answer = await command(client, "arama.search", {"query": query, "mode": "lexical"})
        assert rel in [r["path"] for r in answer["results"]], query
    # Every level of the CJK chain holds the same `f.py`: a search lists one copy (+N similar);
    # workspace/symbol lists every definition, the deepest indexable one included.
    answer = await command(client, "arama.search", {"query": "deep_directory_leaf"})
    leaves = [r for r in answer["results"] if r["symbol"] == "deep_directory_leaf"]
    assert len(leaves) == 1 and leaves[0]["similar"] == len(hostile.deep_chain) - 1, leaves
    symbols = await client.workspace_symbol_async(
        types.WorkspaceSymbolParams(query="deep_directory_leaf")
    )
    uris = {s.location.uri for s in symbols or [] if isinstance(s.location, types.Location)}
    assert (hostile.root / hostile.deep_indexed_rel).as_uri() in uris


@server_test
async def test_nothing_from_outside_or_from_skipped_files(client: LanguageClient) -> None:
    for query in ("outside_secret_function", "unreachable", "filler line for a fifty"):
        answer = await command(client, "arama.search", {"query": query, "mode": "lexical"})
        assert query not in " ".join(r["snippet"] for r in answer["results"]), query
        assert not [r for r in answer["results"] if r["symbol"] == query]


@server_test
async def test_rescan_gives_the_same_counts(
    client: LanguageClient, hostile: HostileWorkspace
) -> None:
    before = await command(client, "arama.status")
    queued = await command(client, "arama.reindex")
    assert queued["queued"] == len(hostile.indexed)
    after = await wait_ready(client, timeout=120)
    assert after["skippedFiles"] == hostile.skipped
    assert (after["files"], after["chunks"]) == (before["files"], before["chunks"])
    assert after["cache"]["misses"] == before["cache"]["misses"]


# ---------------------------------------------------------------------------------------------
# The engine, with the test embedder
# ---------------------------------------------------------------------------------------------


def _engine(cache: Path, root: Path, **config: Any) -> Engine:
    engine = Engine(EngineConfig(cache_dir=cache, **config), embedder=BagOfWordsEmbedder())
    engine.add_folder(root)
    engine.start()
    assert engine.wait_idle(120), "indexer still busy after 120s"
    return engine


def _symbols(engine: Engine, query: str) -> list[str | None]:
    answer = engine.search(SearchRequest(query, mode="lexical", limit=5))
    return [r["symbol"] for r in answer["results"]]


def _indexed(engine: Engine) -> set[str]:
    (folder,) = engine.folders()
    return set(folder.catalog.live_files())


def test_engine_whole_tree_with_definitions_nested_10000_deep(tmp_path: Path) -> None:
    hostile, sockets = build_hostile_workspace(tmp_path, deep_definitions=True)
    try:
        engine = _engine(tmp_path / "cache", hostile.root, max_file_size=MAX_FILE_SIZE)
        try:
            status = engine.status()
            assert status["skippedFiles"] == hostile.skipped
            assert status["files"] == len(hostile.indexed)
            assert status["chunks"] > 10_000  # one per nested definition
            for function, rel in hostile.functions.items():
                hits = engine.search(SearchRequest(function, mode="lexical", limit=3))
                assert (rel, function) in [(r["path"], r["symbol"]) for r in hits["results"]]
            assert "level5000" in _symbols(engine, "level5000")
        finally:
            engine.close()
    finally:
        for sock in sockets:
            sock.close()


Hook = Callable[[bytes], bytes | None]


def _on_read(
    monkeypatch: pytest.MonkeyPatch,
    target: Path,
    before: Callable[[], None] | None = None,
    after: Hook | None = None,
) -> list[int]:
    """Act on `target` right before `read_source` opens it (`before`) or right after it read
    its bytes (`after`, which may replace what the reader gets). Returns a list that counts the
    reads of `target`; hooks act on the first read only."""
    real = scanner._read_regular
    wanted = os.fspath(target.resolve())
    reads: list[int] = []

    def patched(path: str, limit: int, *, max_size: int | None = None) -> bytes:
        first = path == wanted and not reads
        if path == wanted:
            reads.append(1)
        if first and before is not None:
            before()
        data = real(path, limit, max_size=max_size)
        if first and after is not None:
            data = after(data) or data
        return data

    monkeypatch.setattr(scanner, "_read_regular", patched)
    return reads


def _workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "keep.py").write_text("def kept_function():\n    return 'still here'\n")
    (root / "victim.py").write_text("def victim_function():\n    return 'first version'\n")
    return root


def test_engine_file_deleted_between_scan_and_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _workspace(tmp_path)
    victim = root / "victim.py"
    reads = _on_read(monkeypatch, victim, before=victim.unlink)
    engine = _engine(tmp_path / "cache", root)
    try:
        assert reads, "the hook never ran"
        assert engine.status()["skippedFiles"] == {SkipReason.VANISHED: 1}
        assert _indexed(engine) == {"keep.py"}
        assert engine.status()["state"] == "ready"
    finally:
        engine.close()


def test_engine_indexed_file_deleted_between_rescan_and_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file already in the index, changed, then gone when the rescan reads it: forgotten."""
    root = _workspace(tmp_path)
    victim = root / "victim.py"
    engine = _engine(tmp_path / "cache", root)
    try:
        assert "victim_function" in _symbols(engine, "victim_function")
        victim.write_text("def victim_function():\n    return 'second, longer version'\n")
        _on_read(monkeypatch, victim, before=victim.unlink)
        engine.reindex()
        assert engine.wait_idle(60)
        assert _indexed(engine) == {"keep.py"}
        assert "victim_function" not in _symbols(engine, "victim_function")
    finally:
        engine.close()


def test_engine_file_unreadable_between_scan_and_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _workspace(tmp_path)
    victim = root / "victim.py"
    wanted = os.fspath(victim.resolve())
    real_open = os.open

    def refusing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        # Root ignores permission bits: give the EACCES a normal user would get.
        if os.fspath(path) == wanted and not os.stat(wanted).st_mode & 0o444:
            raise PermissionError(errno.EACCES, "Permission denied", wanted)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    _on_read(monkeypatch, victim, before=lambda: victim.chmod(0))
    engine = _engine(tmp_path / "cache", root)
    try:
        assert engine.status()["skippedFiles"] == {SkipReason.UNREADABLE: 1}
        assert _indexed(engine) == {"keep.py"}
    finally:
        engine.close()
        victim.chmod(0o644)


def test_engine_file_swapped_for_a_fifo_between_scan_and_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No writer will ever open this FIFO: a blocking open would hang the indexer forever."""
    root = _workspace(tmp_path)
    victim = root / "victim.py"

    def swap() -> None:
        victim.unlink()
        os.mkfifo(victim)

    _on_read(monkeypatch, victim, before=swap)
    engine = _engine(tmp_path / "cache", root)
    try:
        assert engine.status()["skippedFiles"] == {SkipReason.NOT_REGULAR: 1}
        assert _indexed(engine) == {"keep.py"}
    finally:
        engine.close()


def test_engine_file_swapped_for_a_socket_between_scan_and_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _workspace(tmp_path)
    victim = root / "victim.py"
    sockets: list[socket.socket] = []

    def swap() -> None:
        victim.unlink()
        sock = socket.socket(socket.AF_UNIX)
        short = Path("/tmp") / f"arama-test-{os.getpid()}.sock"
        short.unlink(missing_ok=True)
        sock.bind(str(short))
        short.rename(victim)
        sockets.append(sock)

    _on_read(monkeypatch, victim, before=swap)
    engine = _engine(tmp_path / "cache", root)
    try:
        assert sockets, "the hook never ran"
        # open(2) on a socket fails with ENXIO: refused before its type can even be checked.
        assert engine.status()["skippedFiles"] == {SkipReason.UNREADABLE: 1}
        assert _indexed(engine) == {"keep.py"}
    finally:
        engine.close()
        for sock in sockets:
            sock.close()


def test_engine_file_swapped_for_a_link_outside_between_scan_and_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan saw a regular file; the read finds a symlink to a secret outside the workspace.
    The read must not follow it (O_NOFOLLOW), and the secret must never reach the index."""
    root = _workspace(tmp_path)
    secret = tmp_path / "outside" / "secret.py"
    secret.parent.mkdir()
    secret.write_text("def outside_secret_function():\n    return 'top secret'\n")
    victim = root / "victim.py"

    def swap() -> None:
        victim.unlink()
        victim.symlink_to(secret)

    _on_read(monkeypatch, victim, before=swap)
    engine = _engine(tmp_path / "cache", root)
    try:
        assert engine.status()["skippedFiles"] == {SkipReason.UNREADABLE: 1}
        assert _indexed(engine) == {"keep.py"}
        assert "outside_secret_function" not in _symbols(engine, "outside_secret_function")
    finally:
        engine.close()
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert b"top secret" not in path.read_bytes(), path


def test_engine_file_changing_while_read_converges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write lands while the file is read: the index holds what was read (recorded with the
    scan's stat, so it is known to be older than the disk), and the change event that follows
    brings the new text in, the old text out."""
    root = _workspace(tmp_path)
    victim = root / "victim.py"
    new_text = "def rewritten_function():\n    return 'a new, much longer body than before'\n"

    def write_during_read(data: bytes) -> None:
        victim.write_text(new_text)

    _on_read(monkeypatch, victim, after=write_during_read)
    engine = _engine(tmp_path / "cache", root)
    try:
        assert "victim_function" in _symbols(engine, "victim_function")
        engine.notify_changed([victim])  # what the watcher reports for that write
        assert engine.wait_idle(60)
        assert "rewritten_function" in _symbols(engine, "rewritten_function")
        assert "victim_function" not in _symbols(engine, "victim_function")
        assert engine.status()["skippedFiles"] == {}
    finally:
        engine.close()


def test_engine_torn_read_is_repaired_by_a_rescan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader gets half old, half new bytes (a writer overtook it mid-file). No event is
    delivered; a plain rescan must still notice the file changed and converge to the disk."""
    root = _workspace(tmp_path)
    victim = root / "victim.py"
    new_text = "def replacement_function(x):\n    return x * 2  # completely different text\n"

    def tear(data: bytes) -> bytes:
        victim.write_text(new_text)
        half = len(data) // 2
        return data[:half] + new_text.encode()[half:]

    _on_read(monkeypatch, victim, after=tear)
    engine = _engine(tmp_path / "cache", root)
    try:
        engine.reindex()
        assert engine.wait_idle(60)
        assert "replacement_function" in _symbols(engine, "replacement_function")
        (folder,) = engine.folders()
        stored = folder.catalog.file("victim.py")
        assert stored is not None and stored.sha256 == text_hash(new_text)
    finally:
        engine.close()


def test_engine_same_tick_rewrite_during_read_is_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _workspace(tmp_path)
    victim = root / "victim.py"
    old = victim.read_text()
    new_text = old.replace("victim_function", "omega__function").replace("first", "final")
    assert len(new_text) == len(old)
    stat = victim.stat()

    def same_tick_write(data: bytes) -> None:
        victim.write_text(new_text)
        os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same timestamp tick

    _on_read(monkeypatch, victim, after=same_tick_write)
    engine = _engine(tmp_path / "cache", root)
    try:
        engine.notify_changed([victim])
        engine.reindex()
        assert engine.wait_idle(60)
        assert "omega__function" in _symbols(engine, "omega__function")
    finally:
        engine.close()


def test_engine_skip_counts_are_per_file_not_per_event(tmp_path: Path) -> None:
    hostile, sockets = build_hostile_workspace(tmp_path)
    try:
        engine = _engine(tmp_path / "cache", hostile.root, max_file_size=MAX_FILE_SIZE)
        try:
            touched = [hostile.root / n for n in ("app.js", "payload.py", "pipe.py", "escape.py")]
            for _ in range(3):
                for path in touched[:2]:
                    os.utime(path)
                engine.notify_changed(touched)
                assert engine.wait_idle(60)
            assert engine.status()["skippedFiles"] == hostile.skipped
        finally:
            engine.close()
    finally:
        for sock in sockets:
            sock.close()


def test_hostile_tree_can_be_removed(tmp_path: Path) -> None:
    """The tree (PATH_MAX-deep chain, FIFO, socket, loops) is cleaned up by ordinary tools."""
    hostile, sockets = build_hostile_workspace(tmp_path)
    for sock in sockets:
        sock.close()
    shutil.rmtree(hostile.root)
    assert not hostile.root.exists()
