"""Warm restart: a second server on the same cache reaches ready with zero embeddings."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import command, lsp_server, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]


async def test_restart_on_same_cache_embeds_nothing(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    cache, home = tmp_path / "cache", tmp_path / "home"
    async with lsp_server([workspace], cache, home) as client:
        first = await wait_ready(client)
        assert first["cache"]["misses"] > 0
    async with lsp_server([workspace], cache, home) as client:
        second = await wait_ready(client)
        assert second["cache"]["misses"] == 0
        assert second["chunks"] == first["chunks"]
        answer = await command(client, "arama.search", {"query": "transpose a matrix"})
        assert answer["results"][0]["path"] == "src/matrix.rs"
    # Nothing was written outside the cache dir and the workspace: the isolated home stays empty
    # of arama files.
    assert not list(home.rglob("*arama*"))


async def test_errors_speak_turkish_for_a_turkish_client(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    async with lsp_server(
        [workspace], tmp_path / "cache", tmp_path / "home", locale="tr"
    ) as client:
        with pytest.raises(JsonRpcInvalidParams) as info:
            await command(client, "arama.search", {"query": "x", "limit": 0})
        assert "'limit' 1 ile 200 arasında olmalı." in info.value.message
        progress = await wait_ready(client)
        assert progress["state"] == "ready"
        begins = [
            r for values in client.progress_reports.values() for r in values if r.kind == "begin"
        ]
        assert begins and begins[0].title == "Arama: çalışma alanı dizinleniyor"


async def test_unusable_cache_dir_is_reported_not_waited_for(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    not_a_directory = tmp_path / "cache-is-a-file"
    not_a_directory.write_text("occupied")
    async with lsp_server([workspace], not_a_directory, tmp_path / "home") as client:
        for _ in range(100):
            status = await command(client, "arama.status")
            if "error" in status:
                break
            await asyncio.sleep(0.1)
        assert str(not_a_directory) in status["error"]
        with pytest.raises(JsonRpcException) as info:
            await asyncio.wait_for(command(client, "arama.search", {"query": "x"}), 5)
        assert "cacheDir" in info.value.message


async def test_a_read_only_cache_directory_serves_what_is_there() -> None:
    """The same cache, then opened by a server that may not write it (another user: the
    server runs as `nobody` through setpriv when the tests run as root; else the directory is
    made read-only): it answers searches from the index there and says so in its status."""
    import os
    import stat
    import tempfile

    from support.lsp_session import SERVER_COMMAND, isolated_env, start_session

    base = Path(tempfile.mkdtemp(prefix="arama-ro-", dir="/tmp"))
    try:
        base.chmod(0o755)
        workspace, cache, home = base / "workspace", base / "cache", base / "home"
        shutil.copytree(FIXTURE_WORKSPACE, workspace)
        async with lsp_server([workspace], cache, home) as client:
            await wait_ready(client)
            expected = await command(client, "arama.search", {"query": "transpose a matrix"})
        for path in [base, *base.rglob("*")]:
            mode = path.stat().st_mode
            readable = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
            if path.is_dir():
                readable |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
            path.chmod((mode | readable) & ~(stat.S_IWGRP | stat.S_IWOTH))
        before = sorted((str(p), p.stat().st_mtime_ns) for p in cache.rglob("*"))
        if os.geteuid() == 0:
            server = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            server += SERVER_COMMAND
        else:
            for path in [cache, *cache.rglob("*")]:
                path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
            server = SERVER_COMMAND
        client = await start_session(server, isolated_env(home), [workspace], cache)
        try:
            status = await wait_ready(client, timeout=120)
            assert any("read-only cache directory" in note for note in status["recovered"])
            answer = await command(client, "arama.search", {"query": "transpose a matrix"})
            assert [r["path"] for r in answer["results"]] == [
                r["path"] for r in expected["results"]
            ]
            assert answer["results"][0]["path"] == "src/matrix.rs"
        finally:
            await client.shutdown_session()
            await client.stop()
        after = sorted((str(p), p.stat().st_mtime_ns) for p in cache.rglob("*"))
        assert [p for p, _ in after if not p.endswith(("-wal", "-shm"))] == [
            p for p, _ in before if not p.endswith(("-wal", "-shm"))
        ]
    finally:
        for path in [base, *base.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)
