"""Search hits in the shape of the command contract (DESIGN.md), shared by the server and CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from arama.engine.catalog import ChunkRow

SNIPPET_MAX_LINES = 12


def iso_from_ns(mtime_ns: int) -> str:
    return datetime.fromtimestamp(mtime_ns / 1e9, tz=UTC).isoformat().replace("+00:00", "Z")


def chunk_range(row: ChunkRow) -> dict[str, Any]:
    """LSP Range, 0-based; the end is the end of the chunk's last line."""
    last_line = row.text.split("\n")[-1] if row.text else ""
    return {
        "start": {"line": row.start_line, "character": 0},
        "end": {"line": row.end_line, "character": len(last_line.encode("utf-16-le")) // 2},
    }


def snippet(text: str) -> str:
    lines = text.split("\n")
    if len(lines) > SNIPPET_MAX_LINES:
        lines = [*lines[:SNIPPET_MAX_LINES], "…"]
    return "\n".join(lines)


def result_dict(root: Path, row: ChunkRow, score: float) -> dict[str, Any]:
    return {
        "uri": (root / row.path).as_uri(),
        "path": row.path,
        "range": chunk_range(row),
        "snippet": snippet(row.text),
        "score": round(float(score), 6),
        "symbol": row.symbol,
        "symbolKind": row.kind,
        "language": row.language,
        "lastModified": iso_from_ns(row.mtime_ns),
        "size": row.size,
    }
