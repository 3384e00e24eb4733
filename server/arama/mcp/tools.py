"""The four tools an agent calls: their JSON schemas, their arguments, and what each one asks
the engine.

Arguments are read by the command contract's own classes and converter (`arama/arguments.py`,
`arama/validation.py`), so `search` refuses exactly what `arama.search` refuses, with the same
words naming the field; what only agents send (`context`, a file path and a 1-based line for
`related`) is declared here the same way. Unlike the command contract, an unknown argument is
refused: an agent that misspells `limit` should hear so rather than get 10 results silently.
Everything here runs on a worker thread; nothing here ranks or indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from arama import contract
from arama.arguments import MAX_LIMIT, MAX_QUERY_CHARS, ArgumentError, parse_search
from arama.engine.search.paths import CONTENTS
from arama.engine.search.request import MODES
from arama.mcp import outputs
from arama.mcp.answers import (
    Sizing,
    ToolAnswer,
    indexing_note,
    related_answer,
    search_answer,
    status_text,
    symbols_answer,
)
from arama.mcp.places import MAX_PATH_CHARS, OutsideFolders, Places, read_lines
from arama.messages import text
from arama.validation import Invalid, between, length, structure

if TYPE_CHECKING:
    from arama.engine.engine import Engine

MAX_CONTEXT_LINES = 20
MAX_RELATED = 50
MAX_SYMBOLS = 100
MAX_LINE = 10_000_000
SEARCH_DEFAULT_LIMIT = 10
SEARCH_BUDGET_S = 10.0
"""An agent waits for a whole answer rather than a partial one typed-ahead in an editor."""
ONE_OR_MANY = {
    "anyOf": [
        {"type": "string", "minLength": 1, "maxLength": 1000},
        {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 1000},
            "maxItems": 100,
        },
    ]
}


class ToolError(ValueError):
    """A tool call refused or impossible; the message is for the agent, in its locale."""


@dataclass(frozen=True)
class ToolSpec:
    """A tool: its arguments' schema and its answer's (`structuredContent`) schema. Its title,
    description and every argument's description are sentences for the model, in the server's
    locale (messages.py: `mcp.tool.<name>.*`, `mcp.arg.<name>.<argument>`)."""

    name: str
    schema: dict[str, Any]
    output_schema: dict[str, Any]

    @property
    def arguments(self) -> tuple[str, ...]:
        return tuple(self.schema.get("properties", {}))

    def title(self, locale: str | None) -> str:
        return text(f"mcp.tool.{self.name}.title", locale)

    def description(self, locale: str | None) -> str:
        return text(f"mcp.tool.{self.name}.description", locale)

    def input_schema(self, locale: str | None) -> dict[str, Any]:
        """The arguments' schema with each argument described in `locale`."""
        properties = {
            name: {**prop, "description": text(f"mcp.arg.{self.name}.{name}", locale)}
            for name, prop in self.schema.get("properties", {}).items()
        }
        return {**self.schema, "properties": properties}


SEARCH = ToolSpec(
    "search",
    {
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
            "limit": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_LIMIT,
                "default": SEARCH_DEFAULT_LIMIT,
            },
            "offset": {"type": "integer", "minimum": 0, "default": 0},
            "mode": {"type": "string", "enum": list(MODES), "default": "hybrid"},
            "paths": ONE_OR_MANY,
            "exclude": ONE_OR_MANY,
            "languages": ONE_OR_MANY,
            "kinds": ONE_OR_MANY,
            "content": {
                "anyOf": [
                    {"type": "string", "enum": list(CONTENTS)},
                    {"type": "array", "items": {"type": "string", "enum": list(CONTENTS)}},
                ]
            },
            "context": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_CONTEXT_LINES,
                "default": 0,
            },
        },
        "required": ["query"],
        "additionalProperties": False,
    },
    outputs.SEARCH,
)

RELATED = ToolSpec(
    "related",
    {
        "type": "object",
        "properties": {
            "file": {"type": "string", "minLength": 1, "maxLength": MAX_PATH_CHARS},
            "line": {"type": "integer", "minimum": 1, "maximum": MAX_LINE},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_RELATED, "default": 8},
        },
        "required": ["file", "line"],
        "additionalProperties": False,
    },
    outputs.RELATED,
)

SYMBOLS = ToolSpec(
    "symbols",
    {
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_SYMBOLS, "default": 20},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
    outputs.SYMBOLS,
)

STATUS = ToolSpec(
    "status",
    {"type": "object", "properties": {}, "additionalProperties": False},
    contract.STATUS_SCHEMA,
)

TOOLS: tuple[ToolSpec, ...] = (SEARCH, RELATED, SYMBOLS, STATUS)


# -- arguments only agents send -----------------------------------------------------------------


@attrs.frozen
class SearchShape:
    """How `search` shows each hit, beyond the command contract's arguments."""

    context: int = attrs.field(default=0, validator=between(0, MAX_CONTEXT_LINES))


@attrs.frozen
class RelatedArguments:
    file: str = attrs.field(validator=length(1, MAX_PATH_CHARS))
    line: int = attrs.field(validator=between(1, MAX_LINE))
    limit: int = attrs.field(default=8, validator=between(1, MAX_RELATED))


def _not_blank(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        raise Invalid(
            "error.length", attribute.alias or attribute.name, low=1, high=MAX_QUERY_CHARS
        )


@attrs.frozen
class SymbolsArguments:
    query: str = attrs.field(validator=[length(1, MAX_QUERY_CHARS), _not_blank])
    limit: int = attrs.field(default=20, validator=between(1, MAX_SYMBOLS))


# -- running a tool -----------------------------------------------------------------------------


@dataclass
class Toolbox:
    """What the tools need: the engine, the folders, the answer size, the agent's language."""

    engine: Engine
    places: Places
    sizing: Sizing
    locale: str | None
    read: Callable[[Path, str], list[str] | None] = read_lines

    def call(self, name: str, arguments: Mapping[str, Any] | None) -> ToolAnswer:
        """The answer to one call; ToolError for anything the agent should fix."""
        spec = next((t for t in TOOLS if t.name == name), None)
        if spec is None:
            tools = ", ".join(t.name for t in TOOLS)
            raise ToolError(text("mcp.unknown_tool", self.locale, name=name[:100], tools=tools))
        args = dict(arguments or {})
        for key in args:
            if key not in spec.arguments:
                allowed = ", ".join(spec.arguments) or "-"
                raise ToolError(
                    text("mcp.unknown_argument", self.locale, field=key[:100], allowed=allowed)
                )
        try:
            handler: Callable[[dict[str, Any]], ToolAnswer] = getattr(self, f"_{name}")
            return handler(args)
        except ArgumentError as exc:
            raise ToolError(str(exc)) from None

    def _notes(self) -> list[str]:
        status = self.engine.status()
        return [indexing_note(status, self.locale)] if status.state != "ready" else []

    def _search(self, args: dict[str, Any]) -> ToolAnswer:
        shape = structure({"context": args.pop("context", None)}, SearchShape, self.locale)
        if args.get("limit") is None:
            args["limit"] = SEARCH_DEFAULT_LIMIT
        request = parse_search(args, self.locale)
        answer = self.engine.search(request, budget_s=SEARCH_BUDGET_S)
        return search_answer(
            answer,
            offset=request.offset,
            places=self.places,
            sizing=self.sizing,
            context=shape.context,
            status=self.engine.status() if answer.indexing else None,
            read=self.read,
            locale=self.locale,
        )

    def _related(self, args: dict[str, Any]) -> ToolAnswer:
        parsed = structure(args, RelatedArguments, self.locale)
        try:
            path = self.places.resolve(parsed.file)
        except OutsideFolders as exc:
            raise ToolError(
                text(
                    "mcp.outside",
                    self.locale,
                    field="file",
                    reason=str(exc),
                    value=parsed.file[:300],
                )
            ) from None
        if not self.engine.contains(path) or not self._indexed(path):
            raise ToolError(
                text("mcp.not_indexed", self.locale, field="file", value=parsed.file[:300])
            )
        try:
            answer = self.engine.context(path, parsed.line - 1, parsed.limit)
        except LookupError:
            raise ToolError(
                text("mcp.line_past_end", self.locale, value=parsed.file[:300])
            ) from None
        return related_answer(
            answer.focus,
            answer.related,
            places=self.places,
            sizing=self.sizing,
            notes=self._notes(),
            read=self.read,
            locale=self.locale,
        )

    def _indexed(self, path: Path) -> bool:
        view, rel = self.engine.locate(path)
        row = view.catalog.file(rel)
        return row is not None and row.deleted_at is None

    def _symbols(self, args: dict[str, Any]) -> ToolAnswer:
        parsed = structure(args, SymbolsArguments, self.locale)
        hits = self.engine.symbols(parsed.query, parsed.limit)
        signatures = [self._signature(h.root, h.symbol.chunk_id, h.symbol.symbol) for h in hits]
        return symbols_answer(
            hits,
            signatures,
            places=self.places,
            sizing=self.sizing,
            notes=self._notes(),
            locale=self.locale,
        )

    def _signature(self, root: Path, chunk_id: int, name: str) -> str | None:
        """The definition's first line that names it (past comments and decorators)."""
        view = next((f for f in self.engine.folders() if f.root == root), None)
        if view is None:
            return None
        row = view.catalog.chunks_by_id([chunk_id]).get(chunk_id)
        if row is None:
            return None
        for line in row.text.split("\n"):
            if name in line:
                stripped = line.strip()
                limit = self.sizing.line_chars
                return stripped if len(stripped) <= limit else stripped[: limit - 1] + "…"
        return None

    def _status(self, args: dict[str, Any]) -> ToolAnswer:
        status = self.engine.status()
        return ToolAnswer(
            status_text(status, self.locale), contract.status_json(status, self.locale)
        )
