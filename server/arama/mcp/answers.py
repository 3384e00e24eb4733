"""Answers sized for a model's context window.

An agent pays for every character it reads, so an answer is a list it can act on at a glance:
one line per hit (`path:start-end  symbol  (score)`, lines 1-based as editors and `grep -n`
show them), a short numbered snippet under each while a total character budget lasts, then
header lines only, and what did not fit summarised as "N more". The same data goes out as
`structuredContent` for clients that read JSON instead of text.

The structured shape is this module's own (snake_case, documented in docs/contract.md under "MCP
tools"); the command contract's camelCase stays in `arama/contract.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol.types import SymbolKind

from arama.engine.records import ChunkRow, Hit, IndexStatus, SearchAnswer, SymbolHit
from arama.mcp.places import Places
from arama.messages import text

JSON = dict[str, Any]
LineReader = Callable[[Path, str], list[str] | None]


@dataclass(frozen=True)
class Sizing:
    """How much of the index one answer may put into a model's context."""

    budget_chars: int = 6000  # ~1,500 tokens at ~4 characters per token
    snippet_lines: int = 8
    line_chars: int = 160


@dataclass(frozen=True)
class ToolAnswer:
    """What a tool returns: the text a model reads, and the same data as JSON."""

    text: str
    structured: JSON
    is_error: bool = False


def kind_name(kind: int | None) -> str | None:
    if kind is None:
        return None
    try:
        name = SymbolKind(kind).name
    except ValueError:
        return None
    head, *rest = name.lower().split("_")
    return head + "".join(part.title() for part in rest)


def indexing_note(status: IndexStatus, locale: str | None) -> str:
    """Said first while the index is not complete: the agent should not trust an absence."""
    return text(
        "mcp.indexing",
        locale,
        files=status.files,
        embedded=status.embedded_chunks,
        chunks=status.chunks,
    )


class _Writer:
    """Collects entries until the character budget is spent; then headers only; then none."""

    def __init__(self, sizing: Sizing, notes: Sequence[str]) -> None:
        self.sizing = sizing
        self.lines: list[str] = list(notes)
        self.used = sum(len(n) + 1 for n in notes)
        self.headers_only = False
        self.shown = 0

    def add(self, header: str, snippet: list[str]) -> bool | None:
        """True: written with its snippet; False: header only; None: no room left."""
        block = "\n".join([header, *snippet])
        if (
            not self.headers_only
            and snippet
            and self.used + len(block) + 1 <= self.sizing.budget_chars
        ):
            self.lines.append(block)
            self.used += len(block) + 1
            self.shown += 1
            return True
        if self.used + len(header) + 1 <= self.sizing.budget_chars:
            self.headers_only = self.headers_only or bool(snippet)
            self.lines.append(header)
            self.used += len(header) + 1
            self.shown += 1
            return False
        return None


def _clip(line: str, limit: int) -> str:
    line = line.rstrip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def snippet_lines(
    chunk: ChunkRow, root: Path, context: int, sizing: Sizing, read: LineReader
) -> list[str]:
    """The hit's first lines, numbered, with `context` lines of the file around it (when the
    file can be read safely); a long hit is cut with a count of what was left out."""
    body = chunk.text.split("\n")
    start = chunk.start_line
    shown = body[: sizing.snippet_lines]
    cut = len(body) - len(shown)
    before: list[str] = []
    after: list[str] = []
    if context > 0:
        file_lines = read(root, chunk.path)
        if file_lines is not None:
            before = file_lines[max(0, start - context) : start]
            if not cut:
                end = chunk.end_line + 1
                after = file_lines[end : end + context]
    width = len(str(start + len(body) + len(after) + 1))
    out: list[str] = []
    first = start - len(before)
    for offset, line in enumerate([*before, *shown]):
        out.append(f"  {first + offset + 1:>{width}}  {_clip(line, sizing.line_chars)}")
    if cut:
        out.append(f"  {'':>{width}}  … (+{cut} lines)")
    else:
        after_first = start + len(body)
        for offset, line in enumerate(after):
            out.append(f"  {after_first + offset + 1:>{width}}  {_clip(line, sizing.line_chars)}")
    return out


def hit_header(hit: Hit, places: Places) -> str:
    chunk = hit.chunk
    where = f"{places.display(hit.root, chunk.path)}:{chunk.start_line + 1}-{chunk.end_line + 1}"
    similar = f"  +{hit.similar} similar" if hit.similar else ""
    return f"{where}  {chunk.symbol or '-'}  ({hit.score:.3f}){similar}"


def hit_json(hit: Hit, places: Places, snippet: list[str] | None) -> JSON:
    chunk = hit.chunk
    return {
        "path": places.display(hit.root, chunk.path),
        "folder": str(hit.root),
        "start_line": chunk.start_line + 1,
        "end_line": chunk.end_line + 1,
        "symbol": chunk.symbol,
        "kind": kind_name(chunk.kind),
        "language": chunk.language,
        "score": round(float(hit.score), 6),
        "similar": hit.similar,
        "snippet": None if snippet is None else "\n".join(snippet),
    }


def hits_answer(
    hits: Sequence[Hit],
    total: int,
    *,
    places: Places,
    sizing: Sizing,
    context: int,
    notes: Sequence[str],
    read: LineReader,
    locale: str | None,
    offset: int | None = None,
) -> tuple[list[str], list[JSON], int]:
    """The text lines and JSON of `hits` within the budget; the third value is how many of
    `total` (counted from `offset`, for a search's page) were not shown. A search's "N more"
    names the offset of the next page."""
    writer = _Writer(sizing, notes)
    results: list[JSON] = []
    for hit in hits:
        snippet = snippet_lines(hit.chunk, hit.root, context, sizing, read)
        written = writer.add(hit_header(hit, places), snippet)
        if written is None:
            break
        results.append(hit_json(hit, places, snippet if written else None))
    more = max(0, total - (offset or 0) - writer.shown)
    if more and offset is not None:
        following = offset + writer.shown
        writer.lines.append(text("mcp.more_page", locale, count=more, offset=following))
    elif more:
        writer.lines.append(text("mcp.more", locale, count=more))
    if not hits:
        writer.lines.append(text("mcp.no_results", locale))
    return writer.lines, results, more


def search_answer(
    answer: SearchAnswer,
    *,
    offset: int = 0,
    places: Places,
    sizing: Sizing,
    context: int,
    status: IndexStatus | None,
    read: LineReader,
    locale: str | None,
) -> ToolAnswer:
    notes = [indexing_note(status, locale)] if answer.indexing and status is not None else []
    if answer.partial:
        notes.append(text("mcp.partial", locale))
    lines, results, more = hits_answer(
        answer.hits,
        answer.total,
        places=places,
        sizing=sizing,
        context=context,
        notes=notes,
        read=read,
        locale=locale,
        offset=offset,
    )
    return ToolAnswer(
        "\n".join(lines),
        {
            "results": results,
            "total": answer.total,
            "offset": offset,
            "more": more,
            "indexing": answer.indexing,
            "partial": answer.partial,
            "took_ms": round(answer.took_ms, 1),
        },
    )


def related_answer(
    focus: Hit,
    related: Sequence[Hit],
    *,
    places: Places,
    sizing: Sizing,
    notes: Sequence[str],
    read: LineReader,
    locale: str | None,
) -> ToolAnswer:
    focus_line = text("mcp.focus", locale, where=hit_header(focus, places).rsplit("  (", 1)[0])
    lines, results, more = hits_answer(
        related,
        len(related),
        places=places,
        sizing=sizing,
        context=0,
        notes=[*notes, focus_line],
        read=read,
        locale=locale,
    )
    focus_json = hit_json(focus, places, None)
    del focus_json["score"], focus_json["similar"]
    return ToolAnswer(
        "\n".join(lines),
        {"focus": focus_json, "results": results, "more": more},
    )


def symbol_line(hit: SymbolHit, places: Places, signature: str | None) -> str:
    row = hit.symbol
    where = (
        f"{places.display(hit.root, row.path)}:{hit.span.start_line + 1}-{hit.span.end_line + 1}"
    )
    container = f"{row.container}." if row.container else ""
    kind = kind_name(row.kind) or "symbol"
    tail = f"  {signature}" if signature else ""
    return f"{where}  {kind} {container}{row.symbol}{tail}"


def symbols_answer(
    hits: Sequence[SymbolHit],
    signatures: Sequence[str | None],
    *,
    places: Places,
    sizing: Sizing,
    notes: Sequence[str],
    locale: str | None,
) -> ToolAnswer:
    writer = _Writer(sizing, notes)
    results: list[JSON] = []
    for hit, signature in zip(hits, signatures, strict=True):
        if writer.add(symbol_line(hit, places, signature), []) is None:
            break
        row = hit.symbol
        results.append(
            {
                "path": places.display(hit.root, row.path),
                "folder": str(hit.root),
                "start_line": hit.span.start_line + 1,
                "end_line": hit.span.end_line + 1,
                "symbol": row.symbol,
                "container": row.container,
                "kind": kind_name(row.kind),
                "signature": signature,
            }
        )
    more = len(hits) - len(results)
    if more:
        writer.lines.append(text("mcp.more", locale, count=more))
    if not hits:
        writer.lines.append(text("mcp.no_symbols", locale))
    return ToolAnswer("\n".join(writer.lines), {"results": results, "more": more})


def status_text(status: IndexStatus, locale: str | None) -> str:
    folders = ", ".join(str(r) for r in status.workspace_folders) or "-"
    return text(
        "mcp.status",
        locale,
        state=text(f"state.{status.state}", locale),
        files=status.files,
        chunks=status.chunks,
        embedded=status.embedded_chunks,
        pending=status.pending_files,
        folders=folders,
        model=status.model,
    )


def error_answer(message: str) -> ToolAnswer:
    return ToolAnswer(message, {"error": message}, is_error=True)
