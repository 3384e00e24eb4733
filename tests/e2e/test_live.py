"""Freshness: unsaved buffers (didOpen/didChange/didClose) and disk changes seen by the watcher."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import LanguageClient

from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import command, lsp_server, wait_ready
from support.model_cache import seed_model

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("live")
    workspace = base / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    second = base / "second"
    second.mkdir()
    (second / "billing.py").write_text(
        "def compute_invoice_total(lines):\n    return sum(line.amount for line in lines)\n"
    )
    seed_model(base / "cache")
    return {
        "workspace": workspace,
        "second": second,
        "cache": base / "cache",
        "home": base / "home",
    }


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(dirs: dict[str, Path]) -> AsyncIterator[LanguageClient]:
    async with lsp_server([dirs["workspace"]], dirs["cache"], dirs["home"]) as client:
        await wait_ready(client)
        yield client


async def lexical_paths(client: LanguageClient, query: str) -> list[str]:
    answer = await command(client, "arama.search", {"query": query, "mode": "lexical"})
    return [r["path"] for r in answer["results"]]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float) -> float:
    """Seconds until `check` holds; fails after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    raise AssertionError(f"not true within {timeout}s")


async def test_unsaved_buffer_is_searchable_within_a_second(
    client: LanguageClient, dirs: dict[str, Path]
) -> None:
    path = dirs["workspace"] / "utils" / "debounce.js"
    uri = path.as_uri()
    disk_text = path.read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="javascript", version=1, text=disk_text)
        )
    )
    addition = "\nexport function throttleScrollEvents(fn) {\n  return fn;\n}\n"
    end_line = len(disk_text.splitlines())
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(end_line, 0), types.Position(end_line, 0)),
                    text=addition,
                )
            ],
        )
    )

    async def buffer_found() -> bool:
        return "utils/debounce.js" in await lexical_paths(client, "throttleScrollEvents")

    took = await eventually(buffer_found, timeout=5.0)
    assert took < 1.0, f"buffer edit took {took:.2f}s to reach search"
    assert path.read_text() == disk_text  # nothing written to the user's file

    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri))
    )

    async def buffer_gone() -> bool:
        return "utils/debounce.js" not in await lexical_paths(client, "throttleScrollEvents")

    await eventually(buffer_gone, timeout=5.0)


async def test_disk_changes_are_seen_by_the_watcher(
    client: LanguageClient, dirs: dict[str, Path]
) -> None:
    new_file = dirs["workspace"] / "src" / "geometry.py"
    new_file.write_text("def polygon_area_shoelace(points):\n    return 0.0\n")

    async def created() -> bool:
        return "src/geometry.py" in await lexical_paths(client, "polygon_area_shoelace")

    await eventually(created, timeout=10.0)
    new_file.unlink()

    async def deleted() -> bool:
        return "src/geometry.py" not in await lexical_paths(client, "polygon_area_shoelace")

    await eventually(deleted, timeout=10.0)
    status: dict[str, Any] = await command(client, "arama.status")
    assert status["files"] == 9


async def test_workspace_folders_can_be_added_and_removed(
    client: LanguageClient, dirs: dict[str, Path]
) -> None:
    second = dirs["second"]
    folder = types.WorkspaceFolder(second.as_uri(), "second")
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            types.WorkspaceFoldersChangeEvent(added=[folder], removed=[])
        )
    )

    async def added() -> bool:
        status = await command(client, "arama.status")
        return str(second) in status["workspaceFolders"] and status["state"] == "ready"

    await eventually(added, timeout=30.0)
    answer = await command(client, "arama.search", {"query": "compute the total of an invoice"})
    top = answer["results"][0]
    assert (top["path"], top["uri"]) == ("billing.py", (second / "billing.py").as_uri())

    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            types.WorkspaceFoldersChangeEvent(added=[], removed=[folder])
        )
    )

    async def removed() -> bool:
        status = await command(client, "arama.status")
        return str(second) not in status["workspaceFolders"]

    await eventually(removed, timeout=10.0)


async def test_a_storm_of_file_events_is_coalesced_into_few_batches(
    client: LanguageClient, dirs: dict[str, Path]
) -> None:
    """A branch switch writes a thousand files at once: a handful of batches, not 1,000 jobs."""
    before = (await command(client, "arama.status"))["updates"]
    storm = dirs["workspace"] / "storm"
    storm.mkdir()
    for n in range(1000):
        (storm / f"module_{n:04d}.py").write_text(
            f"def handler_{n:04d}(event):\n    return event\n"
        )

    last: dict[str, Any] = {}

    async def all_indexed() -> bool:  # cataloged; their embedding goes on in the background
        last.update(await command(client, "arama.status"))
        return last["files"] == 9 + 1000 and last["pendingFiles"] == 0

    try:
        await eventually(all_indexed, timeout=120.0)
    except AssertionError:
        raise AssertionError(f"storm not indexed: {last}") from None
    after = (await command(client, "arama.status"))["updates"]
    batches = after["batches"] - before["batches"]
    assert after["paths"] > before["paths"]  # the watcher saw the storm (it may drop some
    # events under load; the rescan after a storm makes up for them)
    assert batches <= 20, f"{batches} batches for 1,000 files"
    answer = await command(client, "arama.search", {"query": "handler_0777", "mode": "lexical"})
    assert answer["results"][0]["path"] == "storm/module_0777.py"
    shutil.rmtree(storm)

    async def all_gone() -> bool:
        return (await command(client, "arama.status"))["files"] == 9

    await eventually(all_gone, timeout=60.0)
