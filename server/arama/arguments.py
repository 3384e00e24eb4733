"""Validation of command arguments per the command contract (docs/contract.md).

Shared by the server and the CLI's `--json` input so both reject the same things with the same
words. A failure raises `ArgumentError` naming the field, with a message in the caller's locale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

import pathspec

from arama.engine.languages import all_language_ids
from arama.engine.scanner import glob_too_complex
from arama.engine.search.request import MODES, Mode, SearchFilters, SearchRequest
from arama.messages import text

MAX_QUERY_CHARS = 1000
MAX_LIMIT = 200
MAX_GLOBS = 100
MAX_OFFSET = 1_000_000_000
"""A larger offset pages past any index, so it is clamped to this: the engine asks each channel
for a multiple of offset + limit candidates, and SQLite's LIMIT must fit in 64 bits."""


class ArgumentError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class _Reader:
    """Reads typed fields out of one argument object, failing with a localized message."""

    def __init__(self, obj: Mapping[str, Any], locale: str | None) -> None:
        self.obj = obj
        self.locale = locale

    def fail(self, key: str, field: str, **values: Any) -> ArgumentError:
        return ArgumentError(text(key, self.locale, field=field, **values), field)

    def _type_name(self, key: str) -> str:
        return text(key, self.locale)

    def string(
        self, field: str, *, required: bool = False, low: int = 0, high: int = 10_000
    ) -> str | None:
        value = self.obj.get(field)
        if value is None:
            if required:
                raise self.fail("error.required", field)
            return None
        if not isinstance(value, str):
            raise self.fail("error.type", field, expected=self._type_name("type.string"))
        if not low <= len(value) <= high:
            raise self.fail("error.length", field, low=low, high=high)
        return value

    def integer(
        self, field: str, default: int | None, low: int, high: int | None = None
    ) -> int | None:
        value = self.obj.get(field)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise self.fail("error.type", field, expected=self._type_name("type.int"))
        if high is None:
            if value < low:
                raise self.fail("error.min", field, low=low)
        elif not low <= value <= high:
            raise self.fail("error.range", field, low=low, high=high)
        return int(value)

    def number(self, field: str) -> float | None:
        value = self.obj.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise self.fail("error.type", field, expected=self._type_name("type.number"))
        return float(value)

    def strings(self, field: str) -> tuple[str, ...]:
        value = self.obj.get(field)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if (
            not isinstance(value, list)
            or len(value) > MAX_GLOBS
            or not all(isinstance(v, str) and 0 < len(v) <= 1000 for v in value)
        ):
            raise self.fail("error.type", field, expected=self._type_name("type.list"))
        return tuple(value)

    def globs(self, field: str) -> tuple[str, ...]:
        patterns = self.strings(field)
        for pattern in patterns:
            if glob_too_complex(pattern):  # would take minutes to match (ReDoS)
                raise self.fail("error.glob", field, pattern=pattern)
            try:
                pathspec.GitIgnoreSpec.from_lines([pattern])
            except Exception as exc:
                raise self.fail("error.glob", field, pattern=pattern) from exc
        return patterns

    def time_ns(self, field: str) -> int | None:
        value = self.string(field, high=64)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise self.fail("error.date", field) from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1e9)


def single_object(
    args: Sequence[Any], locale: str | None, *, allow_empty: bool = False
) -> Mapping[str, Any]:
    """Commands take `[{...}]`; status-like commands also accept `[]`."""
    if not args and allow_empty:
        return {}
    if len(args) != 1 or not isinstance(args[0], Mapping):
        raise ArgumentError(text("error.arguments", locale))
    return cast(Mapping[str, Any], args[0])


def parse_search(obj: Mapping[str, Any], locale: str | None = None) -> SearchRequest:
    r = _Reader(obj, locale)
    query = r.string("query", required=True, low=1, high=MAX_QUERY_CHARS)
    assert query is not None
    if not query.strip():
        raise r.fail("error.length", "query", low=1, high=MAX_QUERY_CHARS)
    mode = obj.get("mode", "hybrid")
    if mode not in MODES:
        raise r.fail("error.choice", "mode", choices=", ".join(MODES))
    languages = r.strings("languages")
    known = all_language_ids()
    for language in languages:
        if language not in known:
            raise r.fail("error.language", "languages", value=language)
    filters = SearchFilters(
        paths=r.globs("paths"),
        exclude=r.globs("exclude"),
        languages=languages,
        modified_after_ns=r.time_ns("modifiedAfter"),
        modified_before_ns=r.time_ns("modifiedBefore"),
        min_size=r.integer("minSize", None, 0),
        max_size=r.integer("maxSize", None, 0),
    )
    _check_window(
        filters.modified_after_ns,
        filters.modified_before_ns,
        "modifiedAfter",
        "modifiedBefore",
        locale,
    )
    _check_window(filters.min_size, filters.max_size, "minSize", "maxSize", locale)
    limit = r.integer("limit", 20, 1, MAX_LIMIT)
    offset = r.integer("offset", 0, 0)
    assert limit is not None and offset is not None
    return SearchRequest(
        query=query,
        limit=limit,
        offset=min(offset, MAX_OFFSET),
        mode=cast(Mode, mode),
        filters=filters,
        min_score=r.number("minScore"),
    )


def _check_window(
    low: float | None, high: float | None, low_name: str, high_name: str, locale: str | None
) -> None:
    if low is not None and high is not None and low > high:
        raise ArgumentError(text("error.window", locale, low=low_name, high=high_name), low_name)


def parse_context(obj: Mapping[str, Any], locale: str | None = None) -> tuple[str, int, int, int]:
    """`arama.context` arguments: (uri, line, character, limit)."""
    r = _Reader(obj, locale)
    uri = r.string("uri", required=True, low=1, high=8192)
    assert uri is not None
    if not uri.startswith("file:"):
        raise r.fail("error.uri", "uri")
    try:
        urlsplit(uri)  # what the server's URI -> path conversion does first
    except ValueError as exc:  # e.g. "file://[" (an unclosed IPv6 host)
        raise r.fail("error.uri", "uri") from exc
    position = obj.get("position")
    if not isinstance(position, Mapping):
        if position is None:
            raise r.fail("error.required", "position")
        raise r.fail("error.type", "position", expected=r._type_name("type.object"))
    p = _Reader(position, locale)
    line = p.integer("line", None, 0, 10_000_000)
    character = p.integer("character", 0, 0, 10_000_000)
    if line is None:
        raise r.fail("error.required", "position.line")
    limit = r.integer("limit", 10, 1, MAX_LIMIT)
    assert character is not None and limit is not None
    return uri, line, character, limit
