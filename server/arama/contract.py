"""The command contract's JSON (docs/contract.md), version 1: what clients may rely on.

This module is the one place that writes the camelCase wire format; the language server's
commands and the CLI's `--json` both go through it. `WIRE_KEYS` lists every key of every shape,
so that tests can check the clients (the VS Code extension's `protocol.ts`, the Neovim plugin)
read nothing that is never written and declare everything that is.
"""

from __future__ import annotations

CONTRACT_VERSION = 1

WIRE_KEYS: dict[str, frozenset[str]] = {
    # arama.search
    "searchAnswer": frozenset({"results", "total", "tookMs", "indexing", "cached", "partial"}),
    "searchResult": frozenset(
        {
            "uri",
            "path",
            "range",
            "snippet",
            "score",
            "symbol",
            "symbolKind",
            "language",
            "lastModified",
            "size",
        }
    ),
    # arama.context
    "contextAnswer": frozenset({"focus", "related", "tookMs"}),
    "focus": frozenset({"uri", "path", "range", "symbol", "snippet"}),
    # arama.status ("error" only when the cache directory is unusable)
    "status": frozenset(
        {
            "state",
            "files",
            "chunks",
            "pendingFiles",
            "pendingChunks",
            "embeddedChunks",
            "pendingNames",
            "model",
            "cache",
            "workspaceFolders",
            "skippedFiles",
            "recovered",
            "updates",
            "error",
        }
    ),
    "statusCache": frozenset({"path", "entries", "hits", "misses"}),
    "statusUpdates": frozenset({"batches", "paths"}),
    # arama.stats
    "stats": frozenset(
        {"files", "totalBytes", "avgBytes", "recentFiles7d", "languages", "popularQueries"}
    ),
    "statsLanguage": frozenset({"language", "files"}),
    "statsQuery": frozenset({"query", "count"}),
    # arama.reindex
    "reindex": frozenset({"queued"}),
    # LSP shapes inside the answers
    "range": frozenset({"start", "end"}),
    "position": frozenset({"line", "character"}),
}
