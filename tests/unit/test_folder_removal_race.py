"""A workspace folder removed while a request reads it: the request answers from the others.

The indexing worker closes a removed folder's catalog; a status or search that took the folder
list just before read a closed database and failed with an internal error (seen in CI:
`arama.status` during `test_workspace_folders_can_be_added_and_removed`). Here the race is
made deterministic by closing the catalog by hand. In-process, with the deterministic test
embedder (see conftest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arama.engine.catalog import CatalogClosed
from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.engine.search.request import SearchRequest


@pytest.fixture
def engine(tmp_path: Path, workspace: Path, embedder: Any) -> Any:
    second = tmp_path / "second"
    second.mkdir()
    (second / "billing.py").write_text("def invoice_total(lines):\n    return sum(lines)\n")
    built = Engine(EngineConfig(cache_dir=tmp_path / "cache"), embedder=embedder)
    built.add_folder(workspace)
    built.add_folder(second)
    built.start()
    assert built.wait_idle(60)
    yield built, second.resolve()
    built.close()


def _folder(engine: Engine, root: Path) -> Any:
    (folder,) = [f for f in engine._registry.all() if f.root == root]
    return folder


def test_status_leaves_out_a_folder_closed_while_it_is_read(engine: Any) -> None:
    built, second = engine
    _folder(built, second).catalog.close()  # the worker's close, before the registry lets go
    status = built.status()
    assert second not in status.workspace_folders
    assert len(status.workspace_folders) == 1 and status.files > 0


def test_a_search_that_read_a_removed_folder_is_answered_from_the_others(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, second = engine
    assert built.search(SearchRequest("invoice_total", mode="lexical")).hits
    searcher = built._searcher
    original = searcher.search
    failures: list[BaseException] = []

    def racing(*args: Any, **kwargs: Any) -> Any:
        if not failures:  # the folder is removed while this search reads it
            _folder(built, second).catalog.close()
            try:
                return original(*args, **kwargs)
            except CatalogClosed as failure:  # what the client saw as an internal error
                failures.append(failure)
                raise
            finally:
                built._registry.remove(second)
        return original(*args, **kwargs)

    monkeypatch.setattr(searcher, "search", racing)
    answer = built.search(SearchRequest("invoice total", mode="lexical"))
    assert len(failures) == 1
    assert all(hit.root != second for hit in answer.hits)
