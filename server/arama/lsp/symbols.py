"""`workspace/symbol`: the engine's symbol table, ranked by name and by meaning."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from arama.lsp.app import AramaServer, server

MAX_SYMBOLS = 100


def _workspace_symbol(item: dict[str, Any]) -> types.WorkspaceSymbol:
    try:
        kind = types.SymbolKind(item["kind"])
    except ValueError:
        kind = types.SymbolKind.Variable
    start, end = item["range"]["start"], item["range"]["end"]
    return types.WorkspaceSymbol(
        name=item["name"],
        kind=kind,
        container_name=item["containerName"],
        location=types.Location(
            uri=item["uri"],
            range=types.Range(
                start=types.Position(start["line"], start["character"]),
                end=types.Position(end["line"], end["character"]),
            ),
        ),
    )


@server.feature(types.WORKSPACE_SYMBOL)
async def workspace_symbol(
    ls: AramaServer, params: types.WorkspaceSymbolParams
) -> list[types.WorkspaceSymbol]:
    engine = ls.engine
    if engine is None:
        return []
    found = await ls.in_thread(engine.symbols, params.query[:1000], MAX_SYMBOLS)
    return [_workspace_symbol(item) for item in found]
