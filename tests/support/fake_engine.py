"""A stand-in for `arama.engine.engine.Engine` with canned answers, recording every call, for
in-process tests of the LSP layer (tests/lsp): no model, no index, milliseconds per test.

It answers with the engine's own typed records, so the LSP layer's translation (arama.contract,
lsprotocol types) is exercised exactly as with the real engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arama.engine.records import (
    CacheStatus,
    ChunkRow,
    ContextAnswer,
    Hit,
    IndexStats,
    IndexStatus,
    SearchAnswer,
    Span,
    SymbolHit,
    SymbolRow,
)
from arama.engine.search.request import SearchRequest

ROOT = Path("/workspace/project")


def chunk(path: str = "retry.py", symbol: str | None = "retry_request", **kw: Any) -> ChunkRow:
    values: dict[str, Any] = {
        "id": 1,
        "path": path,
        "language": "python",
        "size": 120,
        "mtime_ns": 1_767_225_600_000_000_000,  # 2026-01-01T00:00:00Z
        "start_line": 3,
        "end_line": 5,
        "symbol": symbol,
        "kind": 12 if symbol else None,
        "container": None,
        "text": "def retry_request():\n    pass\n    return 'ğüşıöç'",
        "text_hash": "h",
    }
    values.update(kw)
    return ChunkRow(**values)


@dataclass
class FakeEngine:
    root: Path = ROOT
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    hits: tuple[Hit, ...] = ()
    fail_context: bool = False

    def __post_init__(self) -> None:
        if not self.hits:
            self.hits = (Hit(self.root, chunk(), 0.5),)

    def _call(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))

    def called(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in self.calls if n == name]

    def search(self, request: SearchRequest, **options: Any) -> SearchAnswer:
        self._call("search", request, options)
        return SearchAnswer(self.hits[: request.limit], len(self.hits), 1.5, indexing=False)

    def context(self, path: Path, line: int, limit: int = 10) -> ContextAnswer:
        self._call("context", path, line, limit)
        if self.fail_context:
            raise LookupError("not indexed")
        return ContextAnswer(self.hits[0], self.hits[1:], 2.0)

    def symbols(self, query: str, limit: int = 100) -> list[SymbolHit]:
        self._call("symbols", query, limit)
        row = SymbolRow(1, "retry.py", "retry_request", "retryrequest", 12, "Client", 3, 5)
        odd = SymbolRow(2, "x.py", "odd", "odd", 999, None, 0, 0)  # no such LSP kind
        return [SymbolHit(self.root, row, Span(3, 5, 17)), SymbolHit(self.root, odd, Span(0, 0, 3))]

    def status(self) -> IndexStatus:
        self._call("status")
        return IndexStatus(
            state="ready",
            files=2,
            chunks=5,
            pending_files=0,
            pending_chunks=1,
            pending_names=0,
            model="test/model",
            cache=CacheStatus("/cache/embeddings", 9, 4, 5),
            workspace_folders=(self.root,),
            skipped_files={"binary": 1},
            recovered=("vector index rebuilt: missing",),
            update_batches=3,
            updated_paths=7,
        )

    def stats(self) -> IndexStats:
        self._call("stats")
        return IndexStats(2, 300, 1, (("python", 2),), (("retry", 3),))

    def reindex(self) -> int:
        self._call("reindex")
        return 2

    def contains(self, path: Path) -> bool:
        return path == self.root or self.root in path.parents

    def set_buffer(self, path: Path, text: str | None) -> None:
        self._call("set_buffer", path, text)

    def notify_changed(self, paths: list[Path]) -> None:
        self._call("notify_changed", sorted(paths))

    def add_folder(self, root: Path, *, sync: bool = True) -> None:
        self._call("add_folder", root)

    def remove_folder(self, root: Path) -> None:
        self._call("remove_folder", root)

    def close(self) -> None:
        self._call("close")
