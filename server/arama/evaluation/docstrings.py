"""Documented functions in a source file, and a copy of the file with that documentation removed.

This is the CodeSearchNet recipe for turning real code into search queries without writing any:
the first sentence of a function's documentation is the query, the function is the answer, and
the documentation is cut out of the copy that gets indexed, so a search cannot simply find the
sentence it was asked for. Supported: Python docstrings, JSDoc/TSDoc `/** ... */` before
functions and methods, Go `//` comments before funcs and methods, Rust `///` comments before fns.
In JavaScript and TypeScript a function is also `const f = () => ...`, a function wrapped in a
call (lodash's `var difference = baseRest(function (array, values) {...})`) or a class field
holding an arrow; a TSDoc comment on an overload signature documents the implementation that
follows the overloads; `{@link X}` and Markdown links are reduced to their words.

Syntax comes from tree-sitter (the grammars the engine already ships), so odd formatting does
not fool a regular expression. Only whole lines are removed, and only where the comment has its
lines to itself; anything else is left in place and not used as a query.

`strip_docs` removes every documentation block by default (the registry benchmark indexes a copy
with none left); `arama eval` passes `hide` to remove only the sampled functions' blocks, so a
sample costs the embedding of those functions' chunks and nothing else.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from typing import cast

from tree_sitter import Node
from tree_sitter_language_pack import SupportedLanguage, get_parser

# LSP language id -> tree-sitter grammar name (JSX and TSX files share the JavaScript rules).
GRAMMARS: dict[str, str] = {
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "typescript": "typescript",
    "typescriptreact": "tsx",
    "go": "go",
    "rust": "rust",
}

_JS_FUNCTION_VALUES = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)
_JS_DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration"})
_JS_SIGNATURES = frozenset({"function_signature", "method_signature"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(\[*_0-9])")


@dataclass(frozen=True, slots=True)
class DocFunction:
    """A function that has documentation: where it is (0-based lines, inclusive, in the
    original file) and the documentation's text without comment markers."""

    name: str
    container: str | None
    start: int
    end: int
    doc: str
    strippable: bool

    @property
    def is_test(self) -> bool:
        """Tests describe a scenario, not what code does; CodeSearchNet left them out."""
        lowered = self.name.lower()
        return lowered.startswith(("test", "benchmark")) or self.name.startswith("Example")


@dataclass(frozen=True, slots=True)
class _Edit:
    """Replace lines [start, end] (0-based, inclusive) with `lines`."""

    start: int
    end: int
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StrippedFile:
    text: str
    functions: list[DocFunction]
    # old line number -> new line number, for lines that survived
    line_map: dict[int, int]

    def new_range(self, function: DocFunction) -> tuple[int, int]:
        """The function's line range in the stripped text."""
        start = next(
            self.line_map[i] for i in range(function.start, function.end + 1) if i in self.line_map
        )
        end = next(
            self.line_map[i]
            for i in range(function.end, function.start - 1, -1)
            if i in self.line_map
        )
        return start, end


def first_sentence(doc: str) -> str:
    """The doc's first sentence, on one line: up to the first blank line, tag line (`@param`),
    heading or code fence, then up to the first full stop followed by a new sentence."""
    kept: list[str] = []
    for line in doc.strip().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("@", "#", "```", ":param", ":return", ">>>")):
            break
        kept.append(stripped)
    paragraph = " ".join(kept)
    sentence = _SENTENCE_END.split(paragraph, maxsplit=1)[0]
    return " ".join(sentence.split())


def strip_docs(
    text: str, language: str, *, hide: Container[DocFunction] | None = None
) -> StrippedFile:
    """Every documented function of `text`, and `text` with their documentation removed (only
    the documentation of the functions in `hide`, when given: `functions` still lists all)."""
    lines = text.split("\n")
    functions: list[DocFunction] = []
    edits: list[_Edit] = []
    for function, edit in _documented(text, language, lines):
        functions.append(function)
        if edit is not None and (hide is None or function in hide):
            edits.append(edit)
    new_lines, line_map = _apply(lines, edits)
    return StrippedFile("\n".join(new_lines), functions, line_map)


def _documented(
    text: str, language: str, lines: list[str]
) -> Iterator[tuple[DocFunction, _Edit | None]]:
    """Each documented function, marked strippable when its documentation block can go (it has
    its lines to itself, and no earlier function's block overlaps it)."""
    source = text.encode("utf-8", "replace")
    tree = get_parser(cast(SupportedLanguage, GRAMMARS[language])).parse(source)
    edits: list[_Edit] = []
    for function, edit in _FINDERS[language](tree.root_node, source, lines):
        if edit is not None and any(e.start <= edit.end and edit.start <= e.end for e in edits):
            edit = None  # already covered by another function's edit
        if edit is not None:
            edits.append(edit)
        yield _with_strippable(function, edit is not None), edit


def _apply(lines: list[str], edits: list[_Edit]) -> tuple[list[str], dict[int, int]]:
    """The lines with `edits` applied, and old line number -> new line number for the lines
    that survived."""
    new_lines: list[str] = []
    line_map: dict[int, int] = {}
    by_start = {e.start: e for e in edits}
    row = 0
    while row < len(lines):
        edit = by_start.get(row)
        if edit is not None:
            new_lines.extend(edit.lines)
            row = edit.end + 1
            continue
        line_map[row] = len(new_lines)
        new_lines.append(lines[row])
        row += 1
    return new_lines, line_map


def _with_strippable(function: DocFunction, strippable: bool) -> DocFunction:
    return DocFunction(
        function.name, function.container, function.start, function.end, function.doc, strippable
    )


def _text(node: Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _last_row(node: Node) -> int:
    """The node's last line (a node ending at column 0 ends on the previous line)."""
    end = node.end_point
    return end.row - 1 if end.column == 0 and end.row > node.start_point.row else end.row


def _alone_on_lines(node: Node, lines: list[str]) -> bool:
    """Only whitespace before the node on its first line and after it on its last."""
    first, last = node.start_point.row, _last_row(node)
    before = lines[first][: node.start_point.column] if first < len(lines) else ""
    after = ""
    if node.end_point.row == last and last < len(lines):
        after = lines[last].encode("utf-8")[node.end_point.column :].decode("utf-8", "replace")
    return not before.strip() and not after.strip()


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _name(node: Node, source: bytes) -> str | None:
    name = node.child_by_field_name("name")
    return _text(name, source) if name is not None else None


def _enclosing(node: Node, types: frozenset[str], source: bytes) -> str | None:
    parent = node.parent
    while parent is not None:
        if parent.type in types:
            name = parent.child_by_field_name("name") or parent.child_by_field_name("type")
            if name is not None:
                return _text(name, source).split("<")[0].strip()
        parent = parent.parent
    return None


# -- Python ------------------------------------------------------------------------------------

_STRING_PREFIX = re.compile(r"^[rRuUbBfF]*")


def _python(
    root: Node, source: bytes, lines: list[str]
) -> Iterator[tuple[DocFunction, _Edit | None]]:
    for node in _walk(root):
        if node.type != "function_definition":
            continue
        body = node.child_by_field_name("body")
        name = _name(node, source)
        if body is None or name is None or not body.named_children:
            continue
        first = body.named_children[0]
        string = first
        if first.type == "expression_statement" and first.named_children:
            string = first.named_children[0]  # older grammars wrap the docstring
        if string.type != "string":
            continue
        raw = _STRING_PREFIX.sub("", _text(string, source))
        quote = raw[:3] if raw[:3] in ('"""', "'''") else raw[:1]
        doc = inspect.cleandoc(raw[len(quote) : len(raw) - len(quote)])
        outer = (
            node.parent
            if node.parent is not None and node.parent.type == "decorated_definition"
            else node
        )
        function = DocFunction(
            name,
            _enclosing(node, frozenset({"class_definition"}), source),
            outer.start_point.row,
            _last_row(node),
            doc,
            False,
        )
        edit: _Edit | None = None
        if first.start_point.row > node.start_point.row and _alone_on_lines(first, lines):
            replacement: tuple[str, ...] = ()
            if len(body.named_children) == 1:
                # A body of only a docstring must still be a body.
                indent = lines[first.start_point.row][: first.start_point.column]
                replacement = (f"{indent}pass",)
            edit = _Edit(first.start_point.row, _last_row(first), replacement)
        yield function, edit


# -- JavaScript / TypeScript -------------------------------------------------------------------


def _js_outer(node: Node) -> Node:
    """The statement a doc comment precedes: `export function f` puts it before the export."""
    parent = node.parent
    return parent if parent is not None and parent.type == "export_statement" else node


def _js_function_value(value: Node | None) -> bool:
    """A function, or a call that wraps one (`baseRest(function (array, values) {...})`,
    `createErrorClass((_super) => ...)`): either way the initializer is the implementation."""
    if value is None:
        return False
    if value.type in _JS_FUNCTION_VALUES:
        return True
    if value.type != "call_expression":
        return False
    arguments = value.child_by_field_name("arguments")
    return arguments is not None and any(
        argument.type in _JS_FUNCTION_VALUES for argument in arguments.named_children
    )


def _js_implementation(signature: Node, name: str, source: bytes) -> Node | None:
    """The implementation after an overload signature (TypeScript `function f(a: string): string;`
    or a class's `m(a: string): void;`): the next definition of the same name with a body, with
    only more signatures of that name and comments in between."""
    sibling = _js_outer(signature).next_named_sibling
    while sibling is not None:
        definition = sibling
        if definition.type == "export_statement" and definition.named_children:
            definition = definition.named_children[0]
        if definition.type == "comment":
            pass
        elif _name(definition, source) != name:
            return None
        elif definition.type in _JS_DECLARATIONS or (
            definition.type == "method_definition"
            and definition.child_by_field_name("body") is not None
        ):
            return definition
        elif definition.type not in _JS_SIGNATURES:
            return None
        sibling = sibling.next_named_sibling
    return None


def _js_declaration(node: Node, source: bytes) -> tuple[str, Node, Node] | None:
    name = _name(node, source)
    return (name, _js_outer(node), _js_outer(node)) if name else None


def _js_method(node: Node, source: bytes) -> tuple[str, Node, Node] | None:
    name = _name(node, source)
    if not name or node.child_by_field_name("body") is None:
        return None
    return name, node, node


def _js_signature(node: Node, source: bytes) -> tuple[str, Node, Node] | None:
    name = _name(node, source)
    if node.type == "method_signature" and (
        node.parent is None or node.parent.type != "class_body"
    ):
        return None  # an interface's member: there is no implementation to find
    implementation = _js_implementation(node, name, source) if name else None
    if name is None or implementation is None:
        return None
    return name, _js_outer(node), _js_outer(implementation)


def _js_field(node: Node, source: bytes) -> tuple[str, Node, Node] | None:
    """`static create = <T>(...) => ...`: a method in all but syntax."""
    name = _name(node, source)
    value = node.child_by_field_name("value")
    if not name or value is None or value.type not in _JS_FUNCTION_VALUES:
        return None
    return name, node, node


def _js_variable(node: Node, source: bytes) -> tuple[str, Node, Node] | None:
    name = _name(node, source)
    if not name or not _js_function_value(node.child_by_field_name("value")):
        return None
    declaration = node.parent
    if declaration is None or declaration.named_child_count != 1:
        return None
    outer = _js_outer(declaration)
    return name, outer, outer


_JS_TARGETS: dict[str, Callable[[Node, bytes], tuple[str, Node, Node] | None]] = {
    **dict.fromkeys(_JS_DECLARATIONS, _js_declaration),
    "method_definition": _js_method,
    **dict.fromkeys(_JS_SIGNATURES, _js_signature),
    "public_field_definition": _js_field,
    "variable_declarator": _js_variable,
}


def _js_target(node: Node, source: bytes) -> tuple[str, Node, Node] | None:
    """(name, the statement a doc comment would precede, the implementation's outermost node)
    for function-like definitions; for an overload signature the implementation is the
    definition that follows it, and the target spans both."""
    target = _JS_TARGETS.get(node.type)
    return target(node, source) if target is not None else None


# `{@link Observer}`, `{@link #add}`, `{@link connect|the connect operator}`
_JSDOC_INLINE_TAG = re.compile(r"\{@link(?:code|plain)?\s+([^}|\s]+)(?:[|\s]\s*([^}]*))?\}")
# `[SameValueZero](http://...#sec-samevaluezero)`, one level of parentheses inside the address
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|#)[^()\s]*(?:\([^()\s]*\)[^()\s]*)*\)")


def _clean_jsdoc(text: str) -> str:
    """The comment's text without `/** */` and leading `*`, inline links reduced to their words
    (`{@link Observer}` -> `Observer`, `[SameValueZero](http://...)` -> `SameValueZero`): a
    developer typing a query would not type the markup or the address."""
    body = text[3:-2] if text.startswith("/**") and text.endswith("*/") else text
    cleaned = "\n".join(re.sub(r"^\s*\*? ?", "", line) for line in body.split("\n")).strip()
    cleaned = _JSDOC_INLINE_TAG.sub(
        lambda m: (m.group(2) or "").strip() or m.group(1).lstrip("#"), cleaned
    )
    return _MARKDOWN_LINK.sub(lambda m: m.group(1), cleaned)


def _javascript(
    root: Node, source: bytes, lines: list[str]
) -> Iterator[tuple[DocFunction, _Edit | None]]:
    for node in _walk(root):
        target = _js_target(node, source)
        if target is None:
            continue
        name, anchor, implementation = target
        comment = anchor.prev_sibling
        if comment is None or comment.type != "comment":
            continue
        text = _text(comment, source)
        if not text.startswith("/**") or _last_row(comment) < anchor.start_point.row - 1:
            continue
        container = _enclosing(
            node, frozenset({"class_declaration", "class", "abstract_class_declaration"}), source
        )
        function = DocFunction(
            name,
            container,
            anchor.start_point.row,  # an overload's target runs from its signature
            _last_row(implementation),
            _clean_jsdoc(text),
            False,
        )
        edit = None
        if _alone_on_lines(comment, lines) and _last_row(comment) < anchor.start_point.row:
            edit = _Edit(comment.start_point.row, _last_row(comment))
        yield function, edit


# -- Go and Rust: runs of line comments ----------------------------------------------------------


def _comment_run(
    outer: Node, source: bytes, lines: list[str], marker: str, skip: frozenset[str]
) -> tuple[list[Node], str] | None:
    """The contiguous line comments starting with `marker` right above `outer` (skipping node
    types in `skip`, e.g. Rust attributes), and their text without markers."""
    run: list[Node] = []
    expected = outer.start_point.row - 1
    sibling = outer.prev_sibling
    while sibling is not None:
        if sibling.type in skip:
            expected = sibling.start_point.row - 1
            sibling = sibling.prev_sibling
            continue
        if sibling.type not in ("comment", "line_comment") or _last_row(sibling) != expected:
            break
        text = _text(sibling, source).rstrip("\n")
        if not text.startswith(marker) or (marker == "///" and text.startswith("////")):
            break
        if not _alone_on_lines(sibling, lines):
            break
        run.append(sibling)
        expected = sibling.start_point.row - 1
        sibling = sibling.prev_sibling
    if not run:
        return None
    run.reverse()
    texts = [_text(n, source).rstrip("\n")[len(marker) :] for n in run]
    return run, "\n".join(t[1:] if t.startswith(" ") else t for t in texts)


def _go(root: Node, source: bytes, lines: list[str]) -> Iterator[tuple[DocFunction, _Edit | None]]:
    for node in _walk(root):
        if node.type not in ("function_declaration", "method_declaration"):
            continue
        name = _name(node, source)
        found = _comment_run(node, source, lines, "//", frozenset())
        if name is None or found is None:
            continue
        run, doc = found
        container = None
        receiver = node.child_by_field_name("receiver")
        if receiver is not None:
            container = re.sub(r"[^\w]", "", _text(receiver, source).split()[-1].split("[")[0])
        function = DocFunction(name, container, node.start_point.row, _last_row(node), doc, False)
        yield function, _Edit(run[0].start_point.row, _last_row(run[-1]))


def _rust(
    root: Node, source: bytes, lines: list[str]
) -> Iterator[tuple[DocFunction, _Edit | None]]:
    for node in _walk(root):
        if node.type != "function_item":
            continue
        name = _name(node, source)
        found = _comment_run(node, source, lines, "///", frozenset({"attribute_item"}))
        if name is None or found is None:
            continue
        run, doc = found
        attributes = []
        sibling = node.prev_sibling
        while sibling is not None and sibling.type == "attribute_item":
            attributes.append(_text(sibling, source))
            sibling = sibling.prev_sibling
        if any(a.startswith("#[test") or "bench" in a for a in attributes):
            continue
        container = _enclosing(node, frozenset({"impl_item", "trait_item"}), source)
        function = DocFunction(name, container, node.start_point.row, _last_row(node), doc, False)
        # Only the doc lines go; attributes between them and the fn stay.
        start, end = run[0].start_point.row, _last_row(run[-1])
        yield function, _Edit(start, end)


_Finder = Callable[[Node, bytes, list[str]], Iterator[tuple[DocFunction, _Edit | None]]]
_FINDERS: dict[str, _Finder] = {
    "python": _python,
    "javascript": _javascript,
    "javascriptreact": _javascript,
    "typescript": _javascript,
    "typescriptreact": _javascript,
    "go": _go,
    "rust": _rust,
}
