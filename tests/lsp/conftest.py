"""In-process tests of the LSP layer: the real handlers, on a real `AramaServer`, with a
`FakeEngine` (tests/support/fake_engine.py) behind them. No model, no subprocess."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.workspace import Workspace

from arama.lsp.app import AramaServer
from support.fake_engine import FakeEngine


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


def make_server(engine: FakeEngine | None, locale: str | None = "en") -> AramaServer:
    ls = AramaServer()
    ls.locale = locale
    ls.engine = engine  # type: ignore[assignment]
    ls.engine_ready.set()
    ls.protocol._workspace = Workspace(  # what pygls' own initialize handler sets up
        None, types.TextDocumentSyncKind.Incremental, []
    )
    return ls


@pytest.fixture
def ls(engine: FakeEngine) -> AramaServer:
    return make_server(engine)
