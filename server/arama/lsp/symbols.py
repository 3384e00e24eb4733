"""`workspace/symbol`: the engine's symbol table, ranked by name and by meaning."""

from __future__ import annotations

from lsprotocol import types

from arama.engine.records import SymbolHit
from arama.lsp.app import AramaServer, server

MAX_SYMBOLS = 100


def workspace_symbol(hit: SymbolHit) -> types.WorkspaceSymbol:
    try:
        kind = types.SymbolKind(hit.symbol.kind)
    except ValueError:
        kind = types.SymbolKind.Variable
    span = hit.span
    return types.WorkspaceSymbol(
        name=hit.symbol.symbol,
        kind=kind,
        container_name=hit.symbol.container,
        location=types.Location(
            uri=(hit.root / hit.symbol.path).as_uri(),
            range=types.Range(
                start=types.Position(span.start_line, 0),
                end=types.Position(span.end_line, span.end_character),
            ),
        ),
    )


@server.feature(types.WORKSPACE_SYMBOL)
async def on_workspace_symbol(
    ls: AramaServer, params: types.WorkspaceSymbolParams
) -> list[types.WorkspaceSymbol]:
    engine = ls.engine
    if engine is None:
        return []
    found = await ls.in_thread(engine.symbols, params.query[:1000], MAX_SYMBOLS)
    return [workspace_symbol(hit) for hit in found]
