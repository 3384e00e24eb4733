"""The JSON schemas of the tools' `structuredContent` (MCP `outputSchema`), written beside the
shapes answers.py builds: a client (the SDK's own validates every successful call) can rely on
them, and tests/unit/test_mcp_outputs.py checks every answer against them. Closed objects
(`additionalProperties: false`), so a field added to an answer without its schema fails there.
`status` answers with the command contract's `arama.status` object (contract.STATUS_SCHEMA).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def _closed(properties: Schema) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_LINE = {"type": "integer", "minimum": 1}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_COUNT = {"type": "integer", "minimum": 0}

_PLACE: Schema = {
    "path": {"type": "string", "description": "as the agent sends it back"},
    "folder": {"type": "string", "description": "the workspace folder holding it"},
    "start_line": _LINE,
    "end_line": _LINE,
    "symbol": _TEXT_OR_NULL,
    "kind": _TEXT_OR_NULL,
    "language": {"type": "string"},
}

HIT: Schema = _closed(
    {
        **_PLACE,
        "score": {"type": "number"},
        "similar": _COUNT,
        "snippet": {
            "type": ["string", "null"],
            "description": "numbered lines; null when the budget left room for the header only",
        },
    }
)
FOCUS: Schema = _closed({**_PLACE, "snippet": {"type": "null"}})

SEARCH: Schema = _closed(
    {
        "results": {"type": "array", "items": HIT},
        "total": _COUNT,
        "offset": _COUNT,
        "more": _COUNT,
        "indexing": {"type": "boolean"},
        "partial": {"type": "boolean"},
        "took_ms": {"type": "number", "minimum": 0},
    }
)

RELATED: Schema = _closed(
    {"focus": FOCUS, "results": {"type": "array", "items": HIT}, "more": _COUNT}
)

DEFINITION: Schema = _closed(
    {
        "path": {"type": "string"},
        "folder": {"type": "string"},
        "start_line": _LINE,
        "end_line": _LINE,
        "symbol": {"type": "string"},
        "container": _TEXT_OR_NULL,
        "kind": _TEXT_OR_NULL,
        "signature": _TEXT_OR_NULL,
    }
)
SYMBOLS: Schema = _closed({"results": {"type": "array", "items": DEFINITION}, "more": _COUNT})
