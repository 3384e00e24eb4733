"""Nested workspace folders over LSP: a monorepo root and one of its packages, both open, as a
VS Code multi-root workspace opens them. The real server, the real model.

The rule (docs/contract.md): a file belongs to the innermost open folder. Every change in the
package (a new file seen by the watcher, a client file event for an edit, an unsaved buffer, a
deletion) must reach search, and every location must be listed once, relative to the package.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

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
    base = tmp_path_factory.mktemp("nested")
    root = base / "monorepo"
    shutil.copytree(FIXTURE_WORKSPACE, root)
    package = root / "packages" / "billing"
    package.mkdir(parents=True)
    (package / "invoice.py").write_text(
        "def compute_invoice_total(lines):\n    return sum(line.amount for line in lines)\n"
    )
    seed_model(base / "cache")
    return {"root": root, "package": package, "cache": base / "cache", "home": base / "home"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(dirs: dict[str, Path]) -> AsyncIterator[LanguageClient]:
    folders = [dirs["root"], dirs["package"]]
    async with lsp_server(folders, dirs["cache"], dirs["home"]) as client:
        await wait_ready(client)
        yield client


async def locations(client: LanguageClient, name: str) -> list[tuple[str, str]]:
    """(uri, path) of every result for the definition `name` (a lexical search for the name
    also finds other code sharing its words: only the definition's locations count)."""
    answer = await command(client, "arama.search", {"query": name, "mode": "lexical"})
    return [(r["uri"], r["path"]) for r in answer["results"] if r["symbol"] == name]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not true within {timeout}s")


async def test_both_folders_are_indexed_and_each_location_is_listed_once(
    client: LanguageClient, dirs: dict[str, Path]
) -> None:
    status = await command(client, "arama.status")
    assert sorted(status["workspaceFolders"]) == sorted([str(dirs["root"]), str(dirs["package"])])
    invoice = dirs["package"] / "invoice.py"
    assert await locations(client, "compute_invoice_total") == [(invoice.as_uri(), "invoice.py")]
    answer = await command(client, "arama.search", {"query": "total of an invoice", "limit": 50})
    places = [(r["uri"], r["range"]["start"]["line"]) for r in answer["results"]]
    assert len(places) == len(set(places))  # no chunk listed twice (once per folder)
    assert [uri for uri, _line in places].count(invoice.as_uri()) == 1


async def test_a_new_file_in_the_package_is_seen_by_the_watcher(
    client: LanguageClient, dirs: dict[str, Path]
) -> None:
    refunds = dirs["package"] / "refunds.py"
    refunds.write_text("def issue_partial_refund(order):\n    return order.total / 2\n")

    async def found() -> bool:
        return await locations(client, "issue_partial_refund") == [(refunds.as_uri(), "refunds.py")]

    await eventually(found)


async def test_an_edit_reported_by_the_client_reaches_the_package_index(
    client: LanguageClient, dirs: dict[str, Path]
) -> None:
    invoice = dirs["package"] / "invoice.py"
    invoice.write_text(
        "def compute_invoice_total(lines):\n    return sum(l.amount for l in lines)\n\n\n"
        "def apply_volume_discount(total):\n    return total * 0.9\n"
    )
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=invoice.as_uri(), type=types.FileChangeType.Changed)]
        )
    )

    async def found() -> bool:
        return await locations(client, "apply_volume_discount") == [
            (invoice.as_uri(), "invoice.py")
        ]

    await eventually(found)


async def test_an_unsaved_buffer_rules_while_open_and_the_disk_after(
    client: LanguageClient, dirs: dict[str, Path]
) -> None:
    invoice = dirs["package"] / "invoice.py"
    uri = invoice.as_uri()
    text = invoice.read_text() + "\n\ndef unsaved_currency_rounding(amount):\n    return amount\n"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )

    async def buffered() -> bool:
        return await locations(client, "unsaved_currency_rounding") == [(uri, "invoice.py")]

    await eventually(buffered)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )

    async def back_to_disk() -> bool:
        return await locations(client, "unsaved_currency_rounding") == []

    await eventually(back_to_disk)
    assert await locations(client, "apply_volume_discount") == [(uri, "invoice.py")]


async def test_a_deleted_file_leaves_search(client: LanguageClient, dirs: dict[str, Path]) -> None:
    refunds = dirs["package"] / "refunds.py"
    refunds.unlink()

    async def gone() -> bool:
        return await locations(client, "issue_partial_refund") == []

    await eventually(gone)
    status = await command(client, "arama.status")
    assert status["state"] in ("indexing", "ready")
