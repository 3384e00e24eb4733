"""Split a source file into searchable chunks that fit the embedding model's window.

all-MiniLM-L6-v2 reads 256 tokens and silently drops the rest; code averages ~3.2 characters
per token, so every chunk is kept within `max_chars` characters and `max_lines` lines. Chunks are
also result snippets and lexical-search rows, so each one is exactly a run of source lines.

For languages with a tree-sitter grammar the cuts follow definitions: a definition that fits is
one chunk, except that a class-like definition with methods, and a large one with nested
definitions, are cut into their own "header" lines plus their nested definitions, and a large
leaf definition is cut into overlapping line windows that all keep its name. Everything else
(and any file the parser cannot handle in time) gets plain line windows; markdown windows
restart at headings. `chunk_source` never raises.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, cast

from tree_sitter import Node, Parser, Point, Query, QueryCursor, Tree
from tree_sitter_language_pack import SupportedLanguage, get_parser

from arama.engine.languages import TREE_SITTER_GRAMMAR
from arama.engine.records import Chunk, SymbolKind

__all__ = ["CHUNKING_REVISION", "chunk_source", "languages_rechunked_since", "names_definitions"]

log = logging.getLogger(__name__)

# Bump when a change cuts or names some language's files differently, and say which languages
# in _RECHUNKED: an index made by an older revision re-reads and re-chunks those files once
# (indexing/opening.py); chunks whose text did not change keep their embeddings.
CHUNKING_REVISION = 4
_RECHUNKED: dict[int, frozenset[str]] = {
    # `res.x = function x()` and `Foo.prototype.y = ...` are definitions; JSDoc one blank
    # line above a definition belongs to it.
    2: frozenset({"javascript", "javascriptreact", "typescript", "typescriptreact"}),
    # A named function passed to a call (`defineGetter(req, 'ip', function ip() {...})`) is a
    # definition.
    3: frozenset({"javascript", "javascriptreact", "typescript", "typescriptreact"}),
    # TypeScript overload signatures belong to the implementation below them; a Go package
    # variable holding a function literal (`var handler = func(...) {...}`) is a definition.
    4: frozenset({"typescript", "typescriptreact", "go"}),
}


def languages_rechunked_since(revision: int) -> frozenset[str]:
    """The languages whose chunks differ between `revision` and CHUNKING_REVISION."""
    changed: set[str] = set()
    for number in range(revision + 1, CHUNKING_REVISION + 1):
        changed |= _RECHUNKED.get(number, frozenset())
    return frozenset(changed)


# Beyond this size a file is generated or minified: definitions would all share a few huge lines,
# so syntax gives nothing over line windows and only costs time (query time grows faster than
# linearly on very wide trees; at this size parse plus query stay well under a second).
_MAX_SYNTAX_BYTES = 1_000_000
# CPU-time budget for parsing (the parsing thread's own time, `time.thread_time`); pathological
# input falls back to windows. Not wall-clock time: on a loaded machine a big file would then
# be chunked differently from the same file elsewhere, and its texts would miss every cache
# keyed by text (the team's cache prewarmed by CI above all).
_PARSE_BUDGET_S = 2.0
_READ_BLOCK = 1 << 16
# Bounds for walking declarator/type chains and wrapper parents, which a hostile file could nest.
_MAX_DIG = 32
_MAX_WRAPPERS = 4
_MAX_NAME_CHARS = 200

# Lines carrying no meaning on their own (closing braces, `end`): never worth a chunk.
_INSIGNIFICANT = re.compile(r"[\s{}()\[\];,]*|\s*end\s*|\s*[{}()\[\];,]+\s*//.*")
_MD_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*")
_MD_FENCE = re.compile(r" {0,3}(```|~~~)")


class _Limits(NamedTuple):
    max_chars: int
    max_lines: int
    overlap: int


class _Piece(NamedTuple):
    """A chunk before its text is cut: line range plus what it belongs to."""

    start: int
    end: int
    symbol: str | None
    kind: SymbolKind | None
    container: str | None


class _Naming(NamedTuple):
    """What a namer learned from a definition node; `kind`/`container` override the defaults."""

    symbol: str
    kind: SymbolKind | None = None
    container: str | None = None


_Namer = Callable[[Node, bytes], _Naming | None]


# --------------------------------------------------------------------------------------------
# Namers: how to find a definition's name (and sometimes its real kind) from its syntax node.
# --------------------------------------------------------------------------------------------


def _text(node: Node, src: bytes) -> str:
    """Node text as a short single-line string; names in hostile files can be anything.

    Sliced from the source: `Node.text` re-reads through the parse callback and is 50x slower.
    """
    raw = src[node.start_byte : min(node.end_byte, node.start_byte + _MAX_NAME_CHARS * 4)]
    return " ".join(raw.decode("utf-8", "replace").split())[:_MAX_NAME_CHARS]


def _by_name_field(node: Node, src: bytes) -> _Naming | None:
    """The common case: the grammar labels the name with a `name` field."""
    name = node.child_by_field_name("name")
    if name is None:
        return None
    symbol = _text(name, src).strip("\"'`")
    return _Naming(symbol) if symbol else None


def _with_body(namer: _Namer) -> _Namer:
    """Only count the node when it has a body: `struct point p;` and `namespace A;` are uses."""

    def named(node: Node, src: bytes) -> _Naming | None:
        return namer(node, src) if node.child_by_field_name("body") is not None else None

    return named


def _unwrap_type(node: Node | None, src: bytes) -> str | None:
    """The bare type name under pointers, generics and paths (`*Store[T]` -> `Store`)."""
    for _ in range(_MAX_DIG):
        if node is None:
            return None
        if node.type in ("type_identifier", "identifier"):
            return _text(node, src)
        node = (
            node.child_by_field_name("type")
            or node.child_by_field_name("name")
            or node.named_child(0)
        )
    return None


def _qualified(node: Node, src: bytes) -> _Naming | None:
    """`ns::Foo::bar` -> bar in Foo: an out-of-line member definition."""
    container: str | None = None
    for _ in range(_MAX_DIG):
        scope = node.child_by_field_name("scope")
        name = node.child_by_field_name("name")
        if scope is not None:
            container = _text(scope, src).split("<")[0] or container
        if name is None:
            return None
        if name.type != "qualified_identifier":
            return _Naming(_text(name, src), SymbolKind.METHOD, container)
        node = name
    return None


_DECLARATOR_LEAVES = frozenset(
    {"identifier", "field_identifier", "type_identifier", "destructor_name", "operator_name"}
)


def _declarator_name(node: Node, src: bytes) -> _Naming | None:
    """C/C++ bury the name in nested declarators: `char **(*f)(int)` -> f."""
    current = node.child_by_field_name("declarator")
    for _ in range(_MAX_DIG):
        if current is None:
            return None
        if current.type == "qualified_identifier":
            return _qualified(current, src)
        if current.type in _DECLARATOR_LEAVES:
            return _Naming(_text(current, src))
        if current.type == "template_function":
            return _by_name_field(current, src)
        current = current.child_by_field_name("declarator") or current.named_child(0)
    return None


def _c_typedef(node: Node, src: bytes) -> _Naming | None:
    """`typedef struct {...} pair_t;` defines a struct named by its declarator."""
    naming = _declarator_name(node, src)
    if naming is None:
        return None
    inner = node.child_by_field_name("type")
    kind = _TYPEDEF_KINDS.get(inner.type if inner is not None else "", SymbolKind.TYPE_PARAMETER)
    return naming._replace(kind=kind)


_TYPEDEF_KINDS = {
    "struct_specifier": SymbolKind.STRUCT,
    "union_specifier": SymbolKind.STRUCT,
    "class_specifier": SymbolKind.CLASS,
    "enum_specifier": SymbolKind.ENUM,
    "struct_type": SymbolKind.STRUCT,
    "interface_type": SymbolKind.INTERFACE,
}


def _go_method(node: Node, src: bytes) -> _Naming | None:
    """Go methods belong to their receiver's type, wherever they are written."""
    naming = _by_name_field(node, src)
    receiver = node.child_by_field_name("receiver")
    if naming is None or receiver is None:
        return naming
    parameter = receiver.named_child(0)
    owner = parameter.child_by_field_name("type") if parameter is not None else None
    return naming._replace(container=_unwrap_type(owner, src))


def _go_function_variable(node: Node, src: bytes) -> _Naming | None:
    """`var handler = func(w http.ResponseWriter, r *http.Request) {...}`: one name, one
    function literal; a variable holding anything else is not a definition."""
    names = node.children_by_field_name("name")
    value = node.child_by_field_name("value")
    if len(names) != 1 or value is None or value.named_child_count != 1:
        return None
    literal = value.named_children[0]
    return _Naming(_text(names[0], src)) if literal.type == "func_literal" else None


def _go_type_spec(node: Node, src: bytes) -> _Naming | None:
    """`type X struct{...}` is a struct, `type X interface{...}` an interface."""
    naming = _by_name_field(node, src)
    inner = node.child_by_field_name("type")
    if naming is None or inner is None:
        return naming
    return naming._replace(kind=_TYPEDEF_KINDS.get(inner.type, SymbolKind.TYPE_PARAMETER))


def _rust_impl(node: Node, src: bytes) -> _Naming | None:
    """`impl Display for Point` is about Point: name the block after the type."""
    name = _unwrap_type(node.child_by_field_name("type"), src)
    return _Naming(name) if name else None


_JS_FUNCTION_VALUES = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)
_JS_CLASS_VALUES = frozenset({"class", "class_expression"})


def _js_variable(node: Node, src: bytes) -> _Naming | None:
    """`const foo = () => ...` is how much JS/TS code spells a function declaration."""
    name = node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    if name is None or value is None or name.type != "identifier":
        return None
    if value.type in _JS_FUNCTION_VALUES:
        return _Naming(_text(name, src), SymbolKind.FUNCTION)
    if value.type in _JS_CLASS_VALUES:
        return _Naming(_text(name, src), SymbolKind.CLASS)
    return None


_JS_MODULE_OBJECTS = frozenset({"module", "exports", "module.exports"})


def _js_assignment(node: Node, src: bytes) -> _Naming | None:
    """`res.send = function send(...)`, `Foo.prototype.bar = ...`, `exports.parse = () => ...`:
    how much JavaScript written before classes (Express, yargs' factories) defines methods and
    module functions. The object names the container (`Foo` for `Foo.prototype`); module
    exports and `this`/`self` leave it to the enclosing definition."""
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    if left is None or right is None or right.type not in _JS_FUNCTION_VALUES:
        return None
    if left.type != "member_expression":
        return None
    name = left.child_by_field_name("property")
    owner = left.child_by_field_name("object")
    if name is None or owner is None or name.type != "property_identifier":
        return None
    symbol = _text(name, src)
    where = _text(owner, src).removesuffix(".prototype")
    if where in _JS_MODULE_OBJECTS:
        if symbol != "exports":
            return _Naming(symbol, SymbolKind.FUNCTION)
        own = right.child_by_field_name("name")  # `module.exports = function name() {...}`
        return _Naming(_text(own, src), SymbolKind.FUNCTION) if own is not None else None
    if where in ("this", "self") or not where:
        return _Naming(symbol, SymbolKind.METHOD)
    return _Naming(symbol, SymbolKind.METHOD, where.rsplit(".", 1)[-1])


def _js_argument_function(node: Node, src: bytes) -> _Naming | None:
    """A named function passed to a call: `defineGetter(req, 'ip', function ip() {...})` is
    how Express defines `req.ip`, `app.use(function logger(...) {...})` a middleware. Its name
    was given to be read. When the call also names it as a property of an object (the object,
    then the name as a string), that object holds it as a method, named by that string if the
    function has no name of its own. Other unnamed callbacks stay part of the code around
    them."""
    parent = node.parent
    if parent is None or parent.type != "arguments":
        return None
    own = node.child_by_field_name("name")
    symbol = _text(own, src) if own is not None else None
    args = parent.named_children
    place = next((i for i, a in enumerate(args) if a.id == node.id), -1)
    if place >= 2 and args[place - 2].type == "identifier" and args[place - 1].type == "string":
        key = _text(args[place - 1], src).strip("'\"`")
        owner = _text(args[place - 2], src)
        if key.isidentifier() and key == (symbol or key) and owner not in _JS_MODULE_OBJECTS:
            return _Naming(key, SymbolKind.METHOD, owner)  # `defineGetter(req, 'fresh', ...)`
    return _Naming(symbol, SymbolKind.FUNCTION) if symbol else None


def _js_field(node: Node, src: bytes) -> _Naming | None:
    """Class fields holding arrow functions (`onClick = () => ...`) are methods in practice."""
    name = node.child_by_field_name("property") or node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    if name is None or value is None or value.type not in _JS_FUNCTION_VALUES:
        return None
    return _Naming(_text(name, src), SymbolKind.METHOD)


def _kotlin_name(node: Node, src: bytes) -> _Naming | None:
    """Kotlin's grammar has no name fields: the name is the first identifier child."""
    for child in node.named_children:
        if child.type in ("type_identifier", "simple_identifier"):
            return _Naming(_text(child, src))
    return None


def _kotlin_class(node: Node, src: bytes) -> _Naming | None:
    """`interface` and `enum class` share one node type with `class` in Kotlin's grammar."""
    naming = _kotlin_name(node, src)
    if naming is None:
        return None
    kinds = {child.type for child in node.children}
    if "interface" in kinds:
        return naming._replace(kind=SymbolKind.INTERFACE)
    if "enum_class_body" in kinds:
        return naming._replace(kind=SymbolKind.ENUM)
    return naming


def _constant(symbol: str) -> _Namer:
    """For definitions without a name of their own (Kotlin secondary constructors)."""

    def named(node: Node, src: bytes) -> _Naming | None:
        return _Naming(symbol)

    return named


# --------------------------------------------------------------------------------------------
# Per-language knowledge.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    """How one node type becomes a definition: default kind and how to find its name.

    A FUNCTION becomes a METHOD when its parent definition's kind is in `methods_in`.
    """

    kind: SymbolKind
    namer: _Namer = _by_name_field


@dataclass(frozen=True, slots=True)
class _LanguageSpec:
    rules: dict[str, _Rule]
    # Nodes that wrap a definition and belong to its range (decorators, `export`, `template<>`).
    wrappers: frozenset[str] = frozenset()
    # Comment-like nodes that describe the definition right below them (incl. Rust attributes).
    comments: frozenset[str] = frozenset({"comment"})
    constructors: frozenset[str] = frozenset()
    # Signatures that declare overloads of the definition below them with the same name
    # (TypeScript; blank lines between them allowed): its typed forms, so they belong to it.
    overloads: frozenset[str] = frozenset()
    constructor_is_class_name: bool = False
    methods_in: frozenset[SymbolKind] = frozenset(
        {SymbolKind.CLASS, SymbolKind.STRUCT, SymbolKind.INTERFACE, SymbolKind.ENUM}
    )


# Type aliases are reported as TYPE_PARAMETER (LSP has no alias kind; it is the nearest one), and
# Rust `impl` blocks as CLASS so that the functions inside them read as methods.
_K = SymbolKind

_JS_RULES: dict[str, _Rule] = {
    "function_declaration": _Rule(_K.FUNCTION),
    "generator_function_declaration": _Rule(_K.FUNCTION),
    "class_declaration": _Rule(_K.CLASS),
    "method_definition": _Rule(_K.METHOD),
    "variable_declarator": _Rule(_K.FUNCTION, _js_variable),
    "field_definition": _Rule(_K.METHOD, _js_field),
    "assignment_expression": _Rule(_K.FUNCTION, _js_assignment),
    "function_expression": _Rule(_K.FUNCTION, _js_argument_function),
    "arrow_function": _Rule(_K.FUNCTION, _js_argument_function),
}
_TS_RULES: dict[str, _Rule] = {
    **_JS_RULES,
    "abstract_class_declaration": _Rule(_K.CLASS),
    "interface_declaration": _Rule(_K.INTERFACE),
    "enum_declaration": _Rule(_K.ENUM),
    "type_alias_declaration": _Rule(_K.TYPE_PARAMETER),
    "internal_module": _Rule(_K.NAMESPACE),
    "module": _Rule(_K.MODULE),
    "public_field_definition": _Rule(_K.METHOD, _js_field),
}
_TS_OVERLOADS = frozenset({"function_signature", "method_signature"})
_JS_WRAPPERS = frozenset(
    {
        "export_statement",
        "lexical_declaration",
        "variable_declaration",
        "expression_statement",
        "ambient_declaration",
    }
)
_C_RULES: dict[str, _Rule] = {
    "function_definition": _Rule(_K.FUNCTION, _declarator_name),
    "struct_specifier": _Rule(_K.STRUCT, _with_body(_by_name_field)),
    "union_specifier": _Rule(_K.STRUCT, _with_body(_by_name_field)),
    "enum_specifier": _Rule(_K.ENUM, _with_body(_by_name_field)),
    "type_definition": _Rule(_K.TYPE_PARAMETER, _c_typedef),
}
_CPP_RULES: dict[str, _Rule] = {
    **_C_RULES,
    "class_specifier": _Rule(_K.CLASS, _with_body(_by_name_field)),
    "namespace_definition": _Rule(_K.NAMESPACE),
    "alias_declaration": _Rule(_K.TYPE_PARAMETER),
}

_SPECS: dict[str, _LanguageSpec] = {
    "python": _LanguageSpec(
        rules={
            "function_definition": _Rule(_K.FUNCTION),
            "class_definition": _Rule(_K.CLASS),
        },
        wrappers=frozenset({"decorated_definition"}),
        constructors=frozenset({"__init__"}),
    ),
    "javascript": _LanguageSpec(
        rules=_JS_RULES, wrappers=_JS_WRAPPERS, constructors=frozenset({"constructor"})
    ),
    "typescript": _LanguageSpec(
        rules=_TS_RULES,
        wrappers=_JS_WRAPPERS,
        constructors=frozenset({"constructor"}),
        overloads=_TS_OVERLOADS,
    ),
    "tsx": _LanguageSpec(
        rules=_TS_RULES,
        wrappers=_JS_WRAPPERS,
        constructors=frozenset({"constructor"}),
        overloads=_TS_OVERLOADS,
    ),
    "go": _LanguageSpec(
        rules={
            "function_declaration": _Rule(_K.FUNCTION),
            "method_declaration": _Rule(_K.METHOD, _go_method),
            "type_spec": _Rule(_K.TYPE_PARAMETER, _go_type_spec),
            "type_alias": _Rule(_K.TYPE_PARAMETER),
            "var_spec": _Rule(_K.FUNCTION, _go_function_variable),
        },
        wrappers=frozenset({"type_declaration", "var_declaration", "var_spec_list"}),
    ),
    "rust": _LanguageSpec(
        rules={
            "function_item": _Rule(_K.FUNCTION),
            "struct_item": _Rule(_K.STRUCT),
            "union_item": _Rule(_K.STRUCT),
            "enum_item": _Rule(_K.ENUM),
            "trait_item": _Rule(_K.INTERFACE),
            "impl_item": _Rule(_K.CLASS, _rust_impl),
            "mod_item": _Rule(_K.MODULE, _with_body(_by_name_field)),
            "type_item": _Rule(_K.TYPE_PARAMETER),
            "macro_definition": _Rule(_K.FUNCTION),
        },
        comments=frozenset({"line_comment", "block_comment", "attribute_item"}),
    ),
    "java": _LanguageSpec(
        rules={
            "class_declaration": _Rule(_K.CLASS),
            "interface_declaration": _Rule(_K.INTERFACE),
            "enum_declaration": _Rule(_K.ENUM),
            "record_declaration": _Rule(_K.CLASS),
            "annotation_type_declaration": _Rule(_K.INTERFACE),
            "method_declaration": _Rule(_K.METHOD),
            "constructor_declaration": _Rule(_K.CONSTRUCTOR),
            "compact_constructor_declaration": _Rule(_K.CONSTRUCTOR),
        },
        comments=frozenset({"line_comment", "block_comment"}),
    ),
    "c": _LanguageSpec(rules=_C_RULES),
    "cpp": _LanguageSpec(
        rules=_CPP_RULES,
        wrappers=frozenset({"template_declaration"}),
        constructor_is_class_name=True,
    ),
    "ruby": _LanguageSpec(
        rules={
            "method": _Rule(_K.FUNCTION),
            "singleton_method": _Rule(_K.METHOD),
            "class": _Rule(_K.CLASS),
            "module": _Rule(_K.MODULE),
        },
        constructors=frozenset({"initialize"}),
        methods_in=frozenset({_K.CLASS, _K.MODULE}),
    ),
    "php": _LanguageSpec(
        rules={
            "function_definition": _Rule(_K.FUNCTION),
            "method_declaration": _Rule(_K.METHOD),
            "class_declaration": _Rule(_K.CLASS),
            "interface_declaration": _Rule(_K.INTERFACE),
            "trait_declaration": _Rule(_K.CLASS),
            "enum_declaration": _Rule(_K.ENUM),
            "namespace_definition": _Rule(_K.NAMESPACE, _with_body(_by_name_field)),
        },
        constructors=frozenset({"__construct"}),
    ),
    "csharp": _LanguageSpec(
        rules={
            "class_declaration": _Rule(_K.CLASS),
            "struct_declaration": _Rule(_K.STRUCT),
            "record_declaration": _Rule(_K.CLASS),
            "record_struct_declaration": _Rule(_K.STRUCT),
            "interface_declaration": _Rule(_K.INTERFACE),
            "enum_declaration": _Rule(_K.ENUM),
            "namespace_declaration": _Rule(_K.NAMESPACE),
            "method_declaration": _Rule(_K.METHOD),
            "constructor_declaration": _Rule(_K.CONSTRUCTOR),
            "destructor_declaration": _Rule(_K.METHOD),
            "local_function_statement": _Rule(_K.FUNCTION),
        },
    ),
    "kotlin": _LanguageSpec(
        rules={
            "class_declaration": _Rule(_K.CLASS, _kotlin_class),
            "object_declaration": _Rule(_K.CLASS, _kotlin_name),
            "function_declaration": _Rule(_K.FUNCTION, _kotlin_name),
            "secondary_constructor": _Rule(_K.CONSTRUCTOR, _constant("constructor")),
            "type_alias": _Rule(_K.TYPE_PARAMETER, _kotlin_name),
        },
        comments=frozenset({"line_comment", "multiline_comment", "comment"}),
    ),
}


# --------------------------------------------------------------------------------------------
# Public entry point.
# --------------------------------------------------------------------------------------------


def names_definitions(language: str) -> bool:
    """Whether the chunker finds definitions in files of `language` (a tree-sitter grammar and
    rules for it): there, a chunk outside every definition is top-level glue."""
    grammar = TREE_SITTER_GRAMMAR.get(language)
    return grammar is not None and grammar in _SPECS


def chunk_source(
    text: str, language: str, *, max_chars: int = 800, max_lines: int = 40, overlap_lines: int = 2
) -> list[Chunk]:
    """Chunks of `text` (an LSP `language` id), sorted by start line; never raises."""
    if not text:
        return []
    limits = _Limits(
        max(1, max_chars), max(1, max_lines), max(0, min(overlap_lines, max_lines - 1))
    )
    page = _Page(text, limits)
    try:
        pieces = _pieces(text, language, page)
    except Exception:  # a chunker bug must cost one file its structure, never the whole index
        log.warning("syntax chunking failed (%s); using line windows", language, exc_info=True)
        pieces = list(page.windows(0, page.last, None, None, None))
    return page.chunks(pieces)


def _pieces(text: str, language: str, page: _Page) -> list[_Piece]:
    grammar = TREE_SITTER_GRAMMAR.get(language)
    spec = _SPECS.get(grammar) if grammar is not None else None
    if grammar is not None and spec is not None and len(text) <= _MAX_SYNTAX_BYTES:
        source = text.encode("utf-8", "replace")  # lone surrogates must not abort the parse
        if len(source) <= _MAX_SYNTAX_BYTES:
            pieces = _syntax_pieces(source, grammar, spec, page)
            if pieces is not None:
                return pieces
    if language == "markdown":
        return _markdown_pieces(page)
    return list(page.windows(0, page.last, None, None, None))


# --------------------------------------------------------------------------------------------
# Lines and windows.
# --------------------------------------------------------------------------------------------


class _Page:
    """The file as lines, and the arithmetic of cutting line ranges within the limits."""

    def __init__(self, text: str, limits: _Limits) -> None:
        # Split on "\n" only: tree-sitter rows and the editor's lines count the same breaks.
        self.lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
        self.lens = [len(line) for line in self.lines]
        self.last = len(self.lines) - 1
        self.limits = limits
        self._prefix = [0]
        for length in self.lens:
            self._prefix.append(self._prefix[-1] + length + 1)

    def size(self, start: int, end: int) -> int:
        """Characters of lines start..end joined with newlines."""
        return self._prefix[end + 1] - self._prefix[start] - 1

    def fits(self, start: int, end: int) -> bool:
        return (
            end - start < self.limits.max_lines and self.size(start, end) <= self.limits.max_chars
        )

    def blank(self, row: int) -> bool:
        return not self.lines[row].strip()

    def nonblank_above(self, row: int, floor: int) -> int:
        """The first row above `row` that is not blank, or `floor`."""
        row -= 1
        while row > floor and self.blank(row):
            row -= 1
        return max(row, floor)

    def insignificant(self, start: int, end: int) -> bool:
        return all(_INSIGNIFICANT.fullmatch(self.lines[row]) for row in range(start, end + 1))

    def windows(
        self,
        start: int,
        end: int,
        symbol: str | None,
        kind: SymbolKind | None,
        container: str | None,
    ) -> Iterator[_Piece]:
        """Overlapping windows over start..end, blank edges trimmed, empty windows skipped."""
        while start <= end and self.blank(start):
            start += 1
        while end >= start and self.blank(end):
            end -= 1
        row = start
        while row <= end:
            while self.blank(row):  # a window never starts on a blank line; `end` is not blank
                row += 1
            stop = self._extend(row, end)
            last = stop
            while self.blank(last):
                last -= 1
            if not self.insignificant(row, last):
                yield _Piece(row, last, symbol, kind, container)
            if stop >= end:
                return
            row = self._next_start(row, stop, end)

    def _extend(self, row: int, end: int) -> int:
        """Last row of the largest window starting at `row` (a lone overlong line stands alone)."""
        max_chars, max_lines, _ = self.limits
        stop = row
        size = self.lens[row]
        while (
            stop < end
            and stop - row + 1 < max_lines
            and size + 1 + self.lens[stop + 1] <= max_chars
        ):
            stop += 1
            size += 1 + self.lens[stop]
        return stop

    def _next_start(self, row: int, stop: int, end: int) -> int:
        """Back up `overlap` lines, but never so far that the next window adds nothing new."""
        overlap = self.limits.overlap
        if overlap == 0 or self.lens[stop + 1] > self.limits.max_chars:
            return stop + 1
        candidate = max(stop + 1 - overlap, row + 1)
        while candidate <= stop and self._extend(candidate, end) <= stop:
            candidate += 1
        return candidate

    def text(self, piece: _Piece) -> str:
        """The lines themselves; an overlong line is cut after its indentation, which could
        otherwise fill the whole chunk with spaces."""
        if piece.start == piece.end and self.lens[piece.start] > self.limits.max_chars:
            return self.lines[piece.start].lstrip()[: self.limits.max_chars]
        return "\n".join(self.lines[piece.start : piece.end + 1])

    def chunks(self, pieces: list[_Piece]) -> list[Chunk]:
        """Final chunks: one per line range (same lines, same text, same vector), sorted."""
        seen: set[tuple[int, int]] = set()
        unique: list[_Piece] = []
        for piece in pieces:
            if (piece.start, piece.end) not in seen:
                seen.add((piece.start, piece.end))
                unique.append(piece)
        unique.sort(key=lambda p: (p.start, p.end))
        return [Chunk(p.start, p.end, self.text(p), p.symbol, p.kind, p.container) for p in unique]


def _markdown_pieces(page: _Page) -> list[_Piece]:
    """Windows that restart at each heading and carry the heading text as their symbol."""
    sections: list[tuple[int, str | None]] = [(0, None)]
    fenced = False
    for row, line in enumerate(page.lines):
        if _MD_FENCE.match(line):
            fenced = not fenced
            continue
        heading = None if fenced else _MD_HEADING.fullmatch(line)
        if heading is not None:
            title = (heading.group(2) or "").rstrip("#").strip()[:_MAX_NAME_CHARS]
            sections.append((row, title or None))
    pieces: list[_Piece] = []
    for index, (start, title) in enumerate(sections):
        end = sections[index + 1][0] - 1 if index + 1 < len(sections) else page.last
        pieces.extend(page.windows(start, end, title, None, None))
    return pieces


# --------------------------------------------------------------------------------------------
# Syntax-directed chunking.
# --------------------------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _Def:
    """A definition found in the tree; `start`/`end` are rows, comments and wrappers included."""

    start: int
    end: int
    head: int  # first row of the definition itself, before preceding comments were attached
    symbol: str | None
    kind: SymbolKind | None
    container: str | None
    start_byte: int
    end_byte: int
    children: list[_Def] = field(default_factory=list)


class _Tools(NamedTuple):
    parser: Parser
    query: Query


# tree-sitter parsers keep per-parse state and are not thread-safe: one set per thread.
_LOCAL = threading.local()


def _tools(grammar: str, spec: _LanguageSpec) -> _Tools:
    cache: dict[str, _Tools] | None = getattr(_LOCAL, "tools", None)
    if cache is None:
        cache = {}
        _LOCAL.tools = cache
    tools = cache.get(grammar)
    if tools is None:
        parser = get_parser(cast(SupportedLanguage, grammar))
        tools = _Tools(parser, _build_query(parser, spec))
        cache[grammar] = tools
    return tools


def _build_query(parser: Parser, spec: _LanguageSpec) -> Query:
    """One query capturing every definition and comment node this grammar actually has."""
    language = parser.language
    if language is None:
        raise ValueError("parser without a language")
    patterns = [
        f"({node_type}) @{capture}"
        for capture, node_types in (
            ("def", spec.rules.keys()),
            ("comment", spec.comments),
            ("overload", spec.overloads),
        )
        for node_type in sorted(node_types)
        if language.id_for_node_kind(node_type, True)
    ]
    return Query(language, "\n".join(patterns))


def _last_row(node: Node) -> int:
    """A node ending at column 0 (one that swallowed its newline) ends on the row before."""
    end: Point = node.end_point
    start: Point = node.start_point
    return end.row - 1 if end.column == 0 and end.row > start.row else end.row


def _parse(source: bytes, tools: _Tools) -> Tree | None:
    """The syntax tree, or None when parsing failed, ran out of time or found mostly errors."""
    deadline = time.thread_time() + _PARSE_BUDGET_S

    def read(offset: int, _point: Point) -> bytes:
        return source[offset : offset + _READ_BLOCK]

    def too_slow(_offset: int, _has_error: bool) -> bool:
        return time.thread_time() > deadline

    try:
        tree = tools.parser.parse(read, progress_callback=too_slow)
    except ValueError:
        tools.parser.reset()  # a cancelled parse would otherwise be resumed by the next file
        return None
    return None if _mostly_errors(tree.root_node) else tree


def _mostly_errors(root: Node) -> bool:
    """When most of the file is ERROR nodes the definitions found are guesses: use windows."""
    if root.type == "ERROR":
        return True
    if not root.has_error:
        return False
    broken = sum(c.end_byte - c.start_byte for c in root.children if c.type == "ERROR")
    return broken * 2 > max(1, root.end_byte - root.start_byte)


def _syntax_pieces(
    source: bytes, grammar: str, spec: _LanguageSpec, page: _Page
) -> list[_Piece] | None:
    tools = _tools(grammar, spec)
    tree = _parse(source, tools)
    if tree is None:
        return None
    root = tree.root_node
    # No progress callback here: the 0.26 binding crashes with one; the size cap bounds the time.
    captures = QueryCursor(tools.query).captures(root)
    top = _Def(0, page.last, -1, None, None, None, root.start_byte, root.end_byte)
    _build_tree(top, captures.get("def", []), spec, source)
    comments = captures.get("comment", [])
    spans = _Attachable(
        _comment_spans(comments),
        _doc_blocks(comments, source),
        _overload_spans(captures.get("overload", []), spec, source),
    )
    _attach_comments(top, spans, page)
    return _emit(top, page)


def _build_tree(top: _Def, nodes: list[Node], spec: _LanguageSpec, src: bytes) -> None:
    """Nest definitions by byte containment (a stack, not recursion: nesting can be deep)."""
    nodes = sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))
    stack = [top]
    for node in nodes:
        while len(stack) > 1 and not (
            stack[-1].start_byte <= node.start_byte and node.end_byte <= stack[-1].end_byte
        ):
            stack.pop()
        parent = stack[-1]
        found = _definition(node, parent, spec, src)
        if found is not None:
            parent.children.append(found)
            stack.append(found)


def _definition(node: Node, parent: _Def, spec: _LanguageSpec, src: bytes) -> _Def | None:
    rule = spec.rules[node.type]
    naming = rule.namer(node, src)
    if naming is None or not naming.symbol:
        return None
    kind = naming.kind or rule.kind
    container = naming.container or parent.symbol
    if kind is SymbolKind.FUNCTION and parent.kind in spec.methods_in:
        kind = SymbolKind.METHOD
    if kind is SymbolKind.METHOD and (
        naming.symbol in spec.constructors
        or (spec.constructor_is_class_name and naming.symbol == container)
    ):
        kind = SymbolKind.CONSTRUCTOR
    outer = _outermost_wrapper(node, spec)
    start = outer.start_point.row
    end = max(_last_row(node), _last_row(outer))
    return _Def(start, end, start, naming.symbol, kind, container, node.start_byte, node.end_byte)


def _outermost_wrapper(node: Node, spec: _LanguageSpec) -> Node:
    """Climb through decorators/`export`/`template<>` that wrap only this definition."""
    outer = node
    for _ in range(_MAX_WRAPPERS):
        parent = outer.parent
        if parent is None or parent.type not in spec.wrappers or _has_twin(outer):
            break
        outer = parent
    return outer


def _has_twin(node: Node) -> bool:
    """`const a = ..., b = ...`: a wrapper shared by several declarators belongs to none."""
    before = node.prev_named_sibling
    after = node.next_named_sibling
    return (before is not None and before.type == node.type) or (
        after is not None and after.type == node.type
    )


def _comment_spans(comments: list[Node]) -> dict[int, int]:
    """Last row -> first row of every comment that has its lines to itself."""
    spans: dict[int, int] = {}
    for comment in comments:
        first, last = comment.start_point.row, _last_row(comment)
        if _has_own_lines(comment):
            spans[last] = min(first, spans.get(last, first))
    return spans


def _has_own_lines(node: Node, *, semicolon_ends_it: bool = False) -> bool:
    """No code before it on its first line, none after it on its last (but the `;` that ends
    a signature)."""
    first, last = node.start_point.row, _last_row(node)
    before, after = node.prev_sibling, node.next_sibling
    while (
        semicolon_ends_it
        and after is not None
        and after.type == ";"
        and after.start_point.row == last
    ):
        after = after.next_sibling
    if before is not None and _last_row(before) >= first:
        return False  # trails code on its first line
    return after is None or after.start_point.row > last  # else code follows on its last line


def _overload_spans(
    signatures: list[Node], spec: _LanguageSpec, src: bytes
) -> dict[int, tuple[int, str]]:
    """Last row -> (first row, name) of every overload signature that has its lines to itself
    (its `export` and trailing `;` included)."""
    spans: dict[int, tuple[int, str]] = {}
    for signature in signatures:
        name = signature.child_by_field_name("name")
        if name is None:
            continue
        outer = _outermost_wrapper(signature, spec)
        if _has_own_lines(outer, semicolon_ends_it=True):
            spans[_last_row(outer)] = (outer.start_point.row, _text(name, src))
    return spans


def _doc_blocks(comments: list[Node], src: bytes) -> dict[int, int]:
    """Last row -> first row of every `/** ... */` block: JSDoc describes the definition below
    it even across one blank line, as Express and much JavaScript of its age write it."""
    return {
        _last_row(c): c.start_point.row
        for c in comments
        if src[c.start_byte : c.start_byte + 3] == b"/**"
    }


class _Attachable(NamedTuple):
    """What may sit right above a definition and belongs to it, each by its last row."""

    comments: dict[int, int]  # -> first row
    doc_blocks: dict[int, int]  # `/** ... */` -> first row
    overloads: dict[int, tuple[int, str]]  # -> first row, the name it declares

    def overload_above(self, row: int, symbol: str | None) -> int | None:
        """First row of the overload of `symbol` ending on `row`, if any."""
        overload = self.overloads.get(row)
        return overload[0] if overload is not None and overload[1] == symbol else None


def _attach_comments(top: _Def, spans: _Attachable, page: _Page) -> None:
    """Pull the comment block right above each definition into it; it describes it. A doc
    block one blank line above counts too, and so do the definition's overload signatures
    (with their own comments)."""
    doc_blocks = spans.doc_blocks
    pending = [top]
    while pending:
        parent = pending.pop()
        floor = parent.head  # never climb onto the parent's own first line or a sibling
        for child in parent.children:
            start = child.start
            commented = False  # a comment is attached (not only overloads)
            while True:
                if (first := spans.comments.get(start - 1)) is not None and first > floor:
                    commented = True
                elif (
                    first := spans.overload_above(page.nonblank_above(start, floor), child.symbol)
                ) is None or first <= floor:
                    break
                start = first
            gap = start - 1
            if (
                not commented
                and gap > floor
                and page.blank(gap)
                and (first := doc_blocks.get(gap - 1)) is not None
                and first > floor
            ):
                start = first
            child.start = start
            floor = max(floor, child.end)
            pending.append(child)


def _emit(top: _Def, page: _Page) -> list[_Piece]:
    """Definitions that fit are one chunk; others give their header lines, then their parts."""
    pieces: list[_Piece] = []
    pending = [top]
    while pending:
        item = pending.pop()
        info = (item.symbol, item.kind, item.container)
        if item is not top and page.fits(item.start, item.end) and not _has_members(item):
            pieces.append(_Piece(item.start, item.end, *info))
        elif item.children:
            pieces.extend(_gaps(item, page))
            pending.extend(reversed(item.children))  # first sibling wins a shared line range
        else:
            pieces.extend(page.windows(item.start, item.end, *info))
    return pieces


_CONTAINER_KINDS = frozenset(
    {
        SymbolKind.CLASS,
        SymbolKind.INTERFACE,
        SymbolKind.STRUCT,
        SymbolKind.ENUM,
        SymbolKind.MODULE,
        SymbolKind.NAMESPACE,
    }
)
_MEMBER_KINDS = frozenset({SymbolKind.METHOD, SymbolKind.CONSTRUCTOR, SymbolKind.FUNCTION})


def _has_members(item: _Def) -> bool:
    """A class with methods is always cut into header plus methods, however small: a search
    for what a method does should land on that method, not on the whole class."""
    return item.kind in _CONTAINER_KINDS and any(
        c.kind in _MEMBER_KINDS and c.end > c.head
        for c in item.children  # bodies, not signatures
    )


def _gaps(item: _Def, page: _Page) -> Iterator[_Piece]:
    """Windows over the lines of `item` that none of its nested definitions cover."""
    row = item.start
    for child in sorted(item.children, key=lambda c: c.start):
        if child.start > row:
            yield from page.windows(row, child.start - 1, item.symbol, item.kind, item.container)
        row = max(row, child.end + 1)
    if row <= item.end:
        yield from page.windows(row, item.end, item.symbol, item.kind, item.container)
