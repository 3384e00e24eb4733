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
