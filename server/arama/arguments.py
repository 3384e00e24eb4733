"""The arguments of the `arama.*` commands (docs/contract.md), declared as typed classes.

Shared by the server and the CLI, so both refuse the same things with the same words: a failure
raises `ArgumentError` naming the field, in the caller's language (validation.py reads and
explains). Unknown keys are ignored; `null` means "not given".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

import attrs
import pathspec

from arama.engine.languages import all_language_ids
from arama.engine.scanner import glob_too_complex
from arama.engine.search.paths import CONTENTS
from arama.engine.search.request import MODES, Mode, SearchFilters, SearchRequest
from arama.messages import text
from arama.validation import (
    ArgumentError,
    Invalid,
    NameOrNumberList,
    StringList,
    at_least,
    between,
    length,
    one_of,
    optional,
    structure,
)

__all__ = ["ArgumentError", "parse_context", "parse_search", "single_object"]

MAX_QUERY_CHARS = 1000
MAX_LIMIT = 200
MAX_URI_CHARS = 8192
MAX_DATE_CHARS = 64
MAX_POSITION = 10_000_000
MAX_OFFSET = 1_000_000_000
MAX_TUNE_MINUTES = 24 * 60
"""A larger offset pages past any index, so it is clamped to this: the engine asks each channel
for a multiple of offset + limit candidates, and SQLite's LIMIT must fit in 64 bits."""


# -- validators particular to the commands -----------------------------------------------------


def _not_blank(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        raise Invalid("error.length", attribute.alias, low=1, high=MAX_QUERY_CHARS)


def _globs(_: Any, attribute: attrs.Attribute[Any], patterns: tuple[str, ...]) -> None:
    for pattern in patterns:
        if glob_too_complex(pattern):  # would take minutes to match (ReDoS)
            raise Invalid("error.glob", attribute.alias, pattern=pattern)
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except Exception:
            raise Invalid("error.glob", attribute.alias, pattern=pattern) from None


def _languages(_: Any, attribute: attrs.Attribute[Any], languages: tuple[str, ...]) -> None:
    known = all_language_ids()
    for language in languages:
        if language not in known:
            raise Invalid("error.language", attribute.alias, value=language)


def _iso_time(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if len(value) > MAX_DATE_CHARS:
        raise Invalid("error.length", attribute.alias, low=0, high=MAX_DATE_CHARS)
    try:
        _parse_time(value)
    except ValueError:
        raise Invalid("error.date", attribute.alias) from None


def _file_uri(_: Any, attribute: attrs.Attribute[Any], uri: str) -> None:
    if not uri.startswith("file:"):
        raise Invalid("error.uri", attribute.alias)
    try:
        urlsplit(uri)  # what the server's URI -> path conversion does first
    except ValueError:  # e.g. "file://[" (an unclosed IPv6 host)
        raise Invalid("error.uri", attribute.alias) from None


# The LSP specification's SymbolKind names, numbered from 1 in this order. Spelled out rather
# than read from lsprotocol, whose import costs the CLI seconds (tests/unit/test_arguments.py
# checks them against lsprotocol's).
LSP_SYMBOL_KIND_NAMES = (
    "File", "Module", "Namespace", "Package", "Class", "Method", "Property", "Field",
    "Constructor", "Enum", "Interface", "Function", "Variable", "Constant", "String", "Number",
    "Boolean", "Array", "Object", "Key", "Null", "EnumMember", "Struct", "Event", "Operator",
    "TypeParameter",
)  # fmt: skip
SYMBOL_KINDS: dict[str, int] = {
    name.casefold(): number for number, name in enumerate(LSP_SYMBOL_KIND_NAMES, start=1)
}
"""LSP symbol kinds by lower-case name ("function", "method", "class", "enummember", ...)."""


def kind_number(kind: str | int) -> int:
    """A kind given by LSP name (any case, "enum_member" or "enumMember") or by number."""
    if isinstance(kind, int):
        return kind
    return SYMBOL_KINDS[kind.replace("_", "").replace("-", "").casefold()]


def _kinds(_: Any, attribute: attrs.Attribute[Any], kinds: tuple[str | int, ...]) -> None:
    for kind in kinds:
        try:
            number = kind_number(kind)
        except KeyError:
            raise Invalid("error.kind", attribute.alias, value=kind) from None
        if number not in SYMBOL_KINDS.values():
            raise Invalid("error.kind", attribute.alias, value=kind)


def _contents(_: Any, attribute: attrs.Attribute[Any], contents: tuple[str, ...]) -> None:
    for content in contents:
        if content not in CONTENTS:
            raise Invalid("error.choice", attribute.alias, choices=", ".join(CONTENTS))


def _parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _ns(value: str | None) -> int | None:
    return None if value is None else int(_parse_time(value).timestamp() * 1e9)


# -- arama.search ------------------------------------------------------------------------------


@attrs.frozen
class SearchArguments:
    """`arama.search`. Declared in the order the checks run."""

    query: str = attrs.field(validator=[length(1, MAX_QUERY_CHARS), _not_blank])
    mode: str = attrs.field(default="hybrid", validator=one_of(MODES))
    languages: StringList = attrs.field(default=StringList(()), validator=_languages)
    paths: StringList = attrs.field(default=StringList(()), validator=_globs)
    exclude: StringList = attrs.field(default=StringList(()), validator=_globs)
    modified_after: str | None = attrs.field(
        default=None, alias="modifiedAfter", validator=optional(_iso_time)
    )
    modified_before: str | None = attrs.field(
        default=None, alias="modifiedBefore", validator=optional(_iso_time)
    )
    min_size: int | None = attrs.field(
        default=None, alias="minSize", validator=optional(at_least(0))
    )
    max_size: int | None = attrs.field(
        default=None, alias="maxSize", validator=optional(at_least(0))
    )
    limit: int = attrs.field(default=20, validator=between(1, MAX_LIMIT))
    offset: int = attrs.field(default=0, validator=at_least(0))
    min_score: float | None = attrs.field(default=None, alias="minScore")
    # Contract version 2.
    kinds: NameOrNumberList = attrs.field(default=NameOrNumberList(()), validator=_kinds)
    content: StringList = attrs.field(default=StringList(()), validator=_contents)
    expand: bool = False

    def request(self, locale: str | None = None) -> SearchRequest:
        filters = SearchFilters(
            paths=self.paths,
            exclude=self.exclude,
            languages=self.languages,
            modified_after_ns=_ns(self.modified_after),
            modified_before_ns=_ns(self.modified_before),
            min_size=self.min_size,
            max_size=self.max_size,
            kinds=tuple(sorted({kind_number(k) for k in self.kinds})),
            content=tuple(dict.fromkeys(self.content)),
        )
        _window(filters.modified_after_ns, filters.modified_before_ns, "modifiedAfter", locale)
        _window(filters.min_size, filters.max_size, "minSize", locale)
        return SearchRequest(
            query=self.query,
            limit=self.limit,
            offset=min(self.offset, MAX_OFFSET),
            mode=cast(Mode, self.mode),
            filters=filters,
            min_score=self.min_score,
            expand=self.expand,
        )


_WINDOW_ENDS = {"modifiedAfter": "modifiedBefore", "minSize": "maxSize"}


def _window(low: float | None, high: float | None, low_name: str, locale: str | None) -> None:
    if low is not None and high is not None and low > high:
        message = text("error.window", locale, low=low_name, high=_WINDOW_ENDS[low_name])
        raise ArgumentError(message, low_name)


# -- arama.context -----------------------------------------------------------------------------


@attrs.frozen
class Position:
    line: int = attrs.field(validator=between(0, MAX_POSITION))
    character: int = attrs.field(default=0, validator=between(0, MAX_POSITION))


@attrs.frozen
class ContextArguments:
    """`arama.context`: a file URI, a 0-based position in it, how many related results."""

    uri: str = attrs.field(validator=[length(1, MAX_URI_CHARS), _file_uri])
    position: Position
    limit: int = attrs.field(default=10, validator=between(1, MAX_LIMIT))


def _minutes(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 < value <= MAX_TUNE_MINUTES:
        raise Invalid("error.range", attribute.alias, low=0, high=MAX_TUNE_MINUTES)


@attrs.frozen
class TuneArguments:
    """`arama.tune`: which folder (default: the first workspace folder), the training time
    budget in minutes, or `reset` to forget the folder's tuning."""

    folder: str | None = attrs.field(
        default=None, validator=optional(attrs.validators.and_(length(1, MAX_URI_CHARS), _file_uri))
    )
    minutes: float = attrs.field(default=3.0, validator=_minutes)
    reset: bool = False
    # The user's questions file (as for `arama eval --queries`), inside a workspace folder.
    queries: str | None = attrs.field(
        default=None, validator=optional(attrs.validators.and_(length(1, MAX_URI_CHARS), _file_uri))
    )


# -- entry points ------------------------------------------------------------------------------


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
    return structure(obj, SearchArguments, locale).request(locale)


def parse_context(obj: Mapping[str, Any], locale: str | None = None) -> tuple[str, int, int, int]:
    """`arama.context` arguments: (uri, line, character, limit)."""
    args = structure(obj, ContextArguments, locale)
    return args.uri, args.position.line, args.position.character, args.limit


def parse_tune(obj: Mapping[str, Any], locale: str | None = None) -> TuneArguments:
    return structure(obj, TuneArguments, locale)
