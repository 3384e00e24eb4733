"""A function defined inside another function answers as that function.

A decorator's `wrapper`, a factory's `inner`, a long function's local helper: when the function
around them is too long for one chunk, the chunker cuts them out under their own name. A question
describes what one calls ("a decorator that lets one caller at a time into a function" is
diskcache's `barrier`, not the `decorator` closure it returns), and the closure's lines are that
function's lines. So in a search a closure's chunk is labelled as a piece of the outermost
function around it: fusion counts it as more evidence for that function, a page shows the
function once, and the label names what to call (`expand` widens it to the whole function).

Only plain functions nested in a function or method shorter than `MAX_ENCLOSING_LINES` are
closures here: a method assigned inside a factory (`self.check = function check()`, kind METHOD)
is an API of its own and stays itself, and so are the inner functions of a module-sized one;
a query that is a name (`deprecatedExtra`) or writes a closure's name gets the definitions as
they are named, and `workspace/symbol` and the symbol channel know every closure by its own
name (yargs' `help` is 300 lines with arrow functions inside: a search for `help` relabelling
them put a closure first, where the definition boost wants the function's own lines).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from arama.engine.folders import FolderView
from arama.engine.records import ChunkRow, SymbolKind, SymbolRow
from arama.engine.search.view import Key

ENCLOSING_KINDS = frozenset({SymbolKind.FUNCTION, SymbolKind.METHOD, SymbolKind.CONSTRUCTOR})
MAX_NESTING = 4  # closures of closures of ...: one catalog query per level
# A function this long is a module written as a function (yargs' `usage` factory, ~700 lines,
# with `windowWidth` and `defaultString` inside): its closures are what a question asks for,
# and stay themselves. A decorator's or a debounce's inner functions are its mechanics.
MAX_ENCLOSING_LINES = 300

_Spans = dict[tuple[str, str], list[SymbolRow]]


def as_enclosing_functions(
    folders: Sequence[FolderView], rows: Mapping[Key, ChunkRow], keep: Collection[str] = ()
) -> dict[Key, ChunkRow]:
    """`rows` with every closure relabelled as its outermost enclosing function, except the
    closures named in `keep` (a query that writes a closure's name is looking for it)."""
    closures: dict[int, list[Key]] = {}
    for key, row in rows.items():
        if _is_nested_function(row) and row.symbol not in keep:
            closures.setdefault(key[0], []).append(key)
    if not closures:
        return dict(rows)
    relabelled = dict(rows)
    for folder in folders:
        keys = closures.get(folder.number)
        if not keys:
            continue
        spans = _enclosing_spans(folder, [rows[k] for k in keys])
        for key in keys:
            outer = _outermost(rows[key], spans)
            if outer is not None:
                relabelled[key] = replace(
                    rows[key], symbol=outer.symbol, container=outer.container, kind=outer.kind
                )
    return relabelled


def _is_nested_function(row: ChunkRow | SymbolRow) -> bool:
    return row.kind == SymbolKind.FUNCTION and bool(row.container)


def _enclosing_spans(folder: FolderView, closures: list[ChunkRow]) -> _Spans:
    """The functions and methods named as containers, and theirs in turn (a closure's own
    container may be a closure), by (path, name)."""
    spans: _Spans = {}
    wanted = {(r.path, str(r.container)) for r in closures}
    for _ in range(MAX_NESTING):
        wanted -= spans.keys()
        if not wanted:
            break
        found = folder.catalog.definition_spans(wanted, ENCLOSING_KINDS)
        for pair in wanted:
            spans.setdefault(pair, [])
        for row in found:
            spans[(row.path, row.symbol)].append(row)
        wanted = {(r.path, str(r.container)) for r in found if _is_nested_function(r)}
    return spans


def _outermost(row: ChunkRow, spans: _Spans) -> SymbolRow | None:
    """The outermost function whose lines hold `row`'s, following containers outwards."""
    outer: SymbolRow | None = None
    current: ChunkRow | SymbolRow = row
    for _ in range(MAX_NESTING):
        if not _is_nested_function(current):
            break
        parent = next(
            (
                s
                for s in spans.get((current.path, str(current.container)), [])
                if s.start_line <= current.start_line and current.end_line <= s.end_line
            ),
            None,
        )
        if parent is None or parent.end_line - parent.start_line >= MAX_ENCLOSING_LINES:
            break
        outer = current = parent
    return outer
