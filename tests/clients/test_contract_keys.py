"""The editor clients read only what the server writes, and declare all of it.

`arama.contract.WIRE_KEYS` lists the JSON keys of every shape of the command contract
(docs/contract.md). Both clients declare the shapes as types: the VS Code extension as TypeScript
interfaces (editor-clients/vscode/src/protocol.ts), the Neovim plugin as LuaCATS classes
(editor-clients/nvim/lua/arama/protocol.lua). This test parses both, maps each type to its shape
(the tables below) and checks, for each client:

- every key a type declares is written by the server, and every key the server writes is declared;
- only the keys the server may leave out are optional;
- a field that holds another shape names that shape's type;
- the Lua plugin reads only written keys from the variables that hold answers (`status.<key>`,
  `answer.<key>`, ...). In TypeScript the compiler checks the reads against protocol.ts; here we
  check that every command answer is typed with a protocol.ts type, not an ad-hoc shape.

No server, editor or Node is needed: the sources are read as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from arama.contract import OPTIONAL_KEYS, WIRE_KEYS

ROOT = Path(__file__).resolve().parents[2]
VSCODE_SRC = ROOT / "editor-clients" / "vscode" / "src"
TS_PROTOCOL = VSCODE_SRC / "protocol.ts"
NVIM_LUA = ROOT / "editor-clients" / "nvim" / "lua" / "arama"
LUA_PROTOCOL = NVIM_LUA / "protocol.lua"

# Client type -> contract shape. Every type of the two protocol files must be listed here (a new
# type is either a contract shape or does not belong in those files).
TS_TYPES = {
    "SearchResponse": "searchAnswer",
    "SearchResult": "searchResult",
    "ContextResponse": "contextAnswer",
    "ContextFocus": "focus",
    "StatusResponse": "status",
    "StatusCache": "statusCache",
    "StatusRemoteCache": "statusRemoteCache",
    "StatusUpdates": "statusUpdates",
    "StatsResponse": "stats",
    "StatsLanguage": "statsLanguage",
    "StatsQuery": "statsQuery",
    "ReindexResponse": "reindex",
    "TuneResponse": "tuneAnswer",
    "TuneComparison": "tuneComparison",
    "TunePairs": "tunePairs",
    "TuneTraining": "tuneTraining",
    "TuneResetResponse": "tuneReset",
    "Range": "range",
    "Position": "position",
}
LUA_CLASSES = {
    "arama.SearchAnswer": "searchAnswer",
    "arama.SearchResult": "searchResult",
    "arama.ContextAnswer": "contextAnswer",
    "arama.Focus": "focus",
    "arama.Status": "status",
    "arama.StatusCache": "statusCache",
    "arama.StatusRemoteCache": "statusRemoteCache",
    "arama.StatusUpdates": "statusUpdates",
    "arama.Stats": "stats",
    "arama.StatsLanguage": "statsLanguage",
    "arama.StatsQuery": "statsQuery",
    "arama.ReindexAnswer": "reindex",
    "arama.TuneAnswer": "tuneAnswer",
    "arama.TuneComparison": "tuneComparison",
    "arama.TunePairs": "tunePairs",
    "arama.TuneTraining": "tuneTraining",
    "arama.TuneResetAnswer": "tuneReset",
    "arama.Range": "range",
    "arama.Position": "position",
}

# Fields holding another shape (alone, as a list, or nullable): (shape, key) -> the nested shape.
NESTED = {
    ("searchAnswer", "results"): "searchResult",
    ("searchResult", "range"): "range",
    ("range", "start"): "position",
    ("range", "end"): "position",
    ("contextAnswer", "focus"): "focus",
    ("contextAnswer", "related"): "searchResult",
    ("focus", "range"): "range",
    ("status", "cache"): "statusCache",
    ("status", "remoteCache"): "statusRemoteCache",
    ("status", "updates"): "statusUpdates",
    ("stats", "languages"): "statsLanguage",
    ("stats", "popularQueries"): "statsQuery",
    ("tuneAnswer", "heldOut"): "tuneComparison",
    ("tuneAnswer", "questions"): "tuneComparison",
    ("tuneAnswer", "semantic"): "tuneComparison",
    ("tuneAnswer", "pairs"): "tunePairs",
    ("tuneAnswer", "training"): "tuneTraining",
}

# Lua plugin: the variable names that hold an answer (or part of one), and which shapes. A read
# `<name>.<key>` must be a key of one of them. Names are kept to these by the plugin's own style.
LUA_RECEIVERS = {
    "answer": {"searchAnswer", "contextAnswer", "reindex", "tuneAnswer", "tuneReset"},
    "result": {"searchResult"},
    "focus": {"focus"},
    "status": {"status"},
    "cache": {"statusCache"},
    "stats": {"stats"},
}
# Reads that match a receiver name but are not on an answer: (file, name, key).
LUA_ALLOWED_READS = {
    # check_executable(): `result` is the vim.system():wait() result of `arama-ls --version`.
    ("health.lua", "result", "code"),
    ("health.lua", "result", "stdout"),
    ("health.lua", "result", "stderr"),
}

# TypeScript: wrappers allowed around protocol.ts types in a command answer's type, and `T`, the
# type parameter of AramaClient.execute<T> itself.
TS_TYPE_HELPERS = {"Pick", "Omit", "Partial", "Readonly", "T"}


@dataclass(frozen=True)
class Field:
    optional: bool
    type: str


@dataclass(frozen=True)
class Client:
    name: str
    source: Path
    types: dict[str, dict[str, Field]]  # client type -> key -> field
    mapping: dict[str, str]  # client type -> shape

    def type_for(self, shape: str) -> str | None:
        return next((name for name, s in self.mapping.items() if s == shape), None)

    def names_type(self, type_text: str, client_type: str) -> bool:
        return re.search(rf"(?<![\w.]){re.escape(client_type)}(?![\w.])", type_text) is not None


# --- TypeScript -------------------------------------------------------------------------------


def strip_ts_comments(text: str) -> str:
    """The text without `//` and `/* */` comments (strings are kept; newlines too)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in "'\"`":
            end = i + 1
            while end < len(text) and text[end] != c:
                end += 2 if text[end] == "\\" else 1
            out.append(text[i : end + 1])
            i = end + 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end == -1 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = len(text) if end == -1 else end + 2
            out.append("\n" * text.count("\n", i, end))
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _mask_strings(text: str) -> str:
    """`text` with the inside of string literals replaced by `_` (same length, same indexes)."""
    return re.sub(
        r"""(['"`])((?:\\.|(?!\1).)*)\1""",
        lambda m: m.group(1) + "_" * len(m.group(2)) + m.group(1),
        text,
        flags=re.S,
    )


def _closing(text: str, start: int) -> int:
    """Index of the bracket closing the one at `start`."""
    pairs = {"{": "}", "(": ")", "[": "]", "<": ">"}
    stack: list[str] = []
    text = _mask_strings(text)
    for i in range(start, len(text)):
        c = text[i]
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1] and not (c == ">" and text[i - 1] == "="):
            stack.pop()
            if not stack:
                return i
    raise ValueError(f"unbalanced {text[start]!r} at {start}")


def _split_members(body: str) -> list[str]:
    """Members of an object type body, split at `;`, `,` or line ends outside brackets."""
    members: list[str] = []
    depth = 0
    current: list[str] = []
    masked = _mask_strings(body)
    for i, c in enumerate(masked):
        if c in "{([<":
            depth += 1
        elif c in "})]" or (c == ">" and masked[i - 1] != "="):
            depth -= 1
        if depth == 0 and c in ";,\n":
            members.append("".join(current))
            current = []
        else:
            current.append(body[i])
    members.append("".join(current))
    return [m.strip() for m in members if m.strip()]


MEMBER = re.compile(r"^(?:readonly\s+)?(['\"]?)([A-Za-z_$][\w$]*)\1(\?)?\s*:\s*(.+)$", re.S)


def _parse_object(name: str, body: str, types: dict[str, dict[str, Field]]) -> None:
    fields: dict[str, Field] = {}
    for member in _split_members(body):
        match = MEMBER.match(member)
        if match is None:
            raise ValueError(f"{name}: cannot read member {member!r}")
        _, key, optional, type_text = match.groups()
        # An inline object type becomes a type of its own, named `Parent.key`.
        while (brace := type_text.find("{")) != -1:
            end = _closing(type_text, brace)
            inline = f"{name}.{key}"
            _parse_object(inline, type_text[brace + 1 : end], types)
            type_text = type_text[:brace] + inline + type_text[end + 1 :]
        fields[key] = Field(optional=optional is not None, type=" ".join(type_text.split()))
    types[name] = fields


DECLARATION = re.compile(
    r"\bexport\s+(?:interface\s+(\w+)(?:\s+extends\s+[^{]+)?|type\s+(\w+)\s*=)\s*\{"
)


def parse_ts_interfaces(text: str) -> dict[str, dict[str, Field]]:
    """`export interface X { ... }` and `export type X = { ... }`, nested inline types included."""
    text = strip_ts_comments(text)
    types: dict[str, dict[str, Field]] = {}
    for match in DECLARATION.finditer(text):
        name = match.group(1) or match.group(2)
        if "extends" in match.group(0):
            raise ValueError(f"{name}: `extends` is not supported here; write the keys out")
        brace = match.end() - 1
        _parse_object(name, text[brace + 1 : _closing(text, brace)], types)
    return types


# --- Lua --------------------------------------------------------------------------------------

LUA_CLASS = re.compile(r"^---@class\s+(?:\(\w+\)\s+)?([\w.]+)")
LUA_FIELD = re.compile(
    r"^---@field\s+(?:(?:public|protected|private|package)\s+)?(\w+)(\?)?\s+(.*)$"
)


def _lua_type(text: str) -> str:
    """The type at the start of a `---@field` rest (up to white space outside brackets)."""
    depth = 0
    for i, c in enumerate(text):
        if c in "<({[":
            depth += 1
        elif c in ">)}]":
            depth -= 1
        elif c.isspace() and depth == 0:
            return text[:i]
    return text


def parse_lua_classes(text: str) -> dict[str, dict[str, Field]]:
    """`---@class` blocks: the `---@field` lines right after each."""
    classes: dict[str, dict[str, Field]] = {}
    current: dict[str, Field] | None = None
    for line in text.splitlines():
        line = line.strip()
        if match := LUA_CLASS.match(line):
            current = classes.setdefault(match.group(1), {})
        elif current is not None and (match := LUA_FIELD.match(line)):
            key, optional, rest = match.groups()
            type_text = _lua_type(rest.strip())
            if type_text.startswith("{"):
                raise ValueError(f"field {key}: name a class instead of an inline table type")
            # `T|nil` is nullable, not optional: the key is written with JSON null.
            current[key] = Field(optional=optional is not None, type=type_text)
        else:
            current = None
    return classes


def strip_lua_comments_and_strings(text: str) -> str:
    """Lua source with comments removed and string literals blanked (`''`), newlines kept."""
    out: list[str] = []
    i = 0
    long_open = re.compile(r"\[(=*)\[")
    while i < len(text):
        if text.startswith("--", i):
            opening = long_open.match(text, i + 2)
            if opening:
                close = "]" + opening.group(1) + "]"
                end = text.find(close, opening.end())
                end = len(text) if end == -1 else end + len(close)
            else:
                end = text.find("\n", i)
                end = len(text) if end == -1 else end
            out.append("\n" * text.count("\n", i, end))
            i = end
        elif text[i] in "'\"":
            quote = text[i]
            end = i + 1
            while end < len(text) and text[end] != quote and text[end] != "\n":
                end += 2 if text[end] == "\\" else 1
            out.append("''")
            i = end + 1
        elif opening := long_open.match(text, i):
            close = "]" + opening.group(1) + "]"
            end = text.find(close, opening.end())
            end = len(text) if end == -1 else end + len(close)
            out.append("''" + "\n" * text.count("\n", i, end))
            i = end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


LUA_READ = re.compile(r"(?<![\w.:])(" + "|".join(LUA_RECEIVERS) + r")\.([A-Za-z_]\w*)")


def lua_reads() -> list[tuple[str, int, str, str]]:
    """(file, line, receiver, key) of every `receiver.key` in the plugin's Lua code."""
    reads = []
    for path in sorted(NVIM_LUA.glob("*.lua")):
        if path == LUA_PROTOCOL:
            continue
        code = strip_lua_comments_and_strings(path.read_text(encoding="utf-8"))
        for match in LUA_READ.finditer(code):
            line = code.count("\n", 0, match.start()) + 1
            reads.append((path.name, line, match.group(1), match.group(2)))
    return reads


# --- Fixtures ---------------------------------------------------------------------------------


def vscode_client() -> Client:
    types = parse_ts_interfaces(TS_PROTOCOL.read_text(encoding="utf-8"))
    return Client("vscode", TS_PROTOCOL, types, TS_TYPES)


def nvim_client() -> Client:
    classes = parse_lua_classes(LUA_PROTOCOL.read_text(encoding="utf-8"))
    return Client("nvim", LUA_PROTOCOL, classes, LUA_CLASSES)


@pytest.fixture(params=["vscode", "nvim"])
def client(request: pytest.FixtureRequest) -> Client:
    return vscode_client() if request.param == "vscode" else nvim_client()


# --- Parsers ----------------------------------------------------------------------------------


def test_ts_parser_reads_nested_inline_types_and_comments() -> None:
    types = parse_ts_interfaces(
        """
        /** doc { not a type } */
        export interface A {
          // note: x
          a: number;
          b?: { c: string; d: { e: boolean }[] } | null;
          'f': Record<string, number>, g: Array<{ h: string }>;
        }
        export type B = { i: 'x;y' };
        export type C = 'a' | 'b';
        """
    )
    assert set(types) == {"A", "A.b", "A.b.d", "A.g", "B"}
    assert types["A"]["b"] == Field(optional=True, type="A.b | null")
    assert set(types["A"]) == {"a", "b", "f", "g"}
    assert types["A.b"]["d"].type == "A.b.d[]"
    assert set(types["A.g"]) == {"h"}
    assert types["B"]["i"].type == "'x;y'"


def test_lua_parser_reads_classes_and_fields() -> None:
    classes = parse_lua_classes(
        """
        --- doc
        ---@class arama.X
        ---@field a integer the a
        ---@field b? table<string, integer> optional
        ---@field c string|nil nullable

        ---@class (exact) arama.Y
        ---@field end arama.X
        local x = {} ---@field ignored integer
        """
    )
    assert classes == {
        "arama.X": {
            "a": Field(False, "integer"),
            "b": Field(True, "table<string, integer>"),
            "c": Field(False, "string|nil"),
        },
        "arama.Y": {"end": Field(False, "arama.X")},
    }


def test_lua_stripper_drops_comments_and_strings() -> None:
    code = strip_lua_comments_and_strings(
        "local a = t('status.model') -- status.fake\n--[[ status.x\n]] b = status.files .. [[status.y]]"
    )
    assert "status.model" not in code and "fake" not in code and "status.x" not in code
    assert "status.files" in code and "status.y" not in code
    assert code.count("\n") == 2


# --- Declarations -----------------------------------------------------------------------------


def test_every_client_type_is_mapped_to_a_shape(client: Client) -> None:
    declared = set(client.types)
    assert declared, f"no types found in {client.source}"
    unmapped = declared - set(client.mapping)
    assert not unmapped, f"{client.source}: map these types to a WIRE_KEYS shape: {unmapped}"
    missing = set(client.mapping) - declared
    assert not missing, f"{client.source} no longer declares {missing}"
    unknown = {t: s for t, s in client.mapping.items() if s not in WIRE_KEYS}
    assert not unknown, f"mapped to shapes that WIRE_KEYS does not have: {unknown}"


def test_clients_declare_only_keys_the_server_writes(client: Client) -> None:
    extra = {
        name: sorted(set(fields) - WIRE_KEYS[client.mapping[name]])
        for name, fields in client.types.items()
        if name in client.mapping
    }
    extra = {name: keys for name, keys in extra.items() if keys}
    assert not extra, f"{client.source} declares keys the server never writes: {extra}"


def test_clients_declare_every_key_the_server_writes(client: Client) -> None:
    missing: dict[str, list[str]] = {}
    for shape, keys in WIRE_KEYS.items():
        name = client.type_for(shape)
        if name is None:
            missing[shape] = ["(no type for this shape)"]
        elif absent := sorted(keys - set(client.types.get(name, {}))):
            missing[f"{shape} ({name})"] = absent
    assert not missing, f"{client.source} lacks keys the server writes: {missing}"


def test_only_keys_the_server_may_omit_are_optional(client: Client) -> None:
    optional = {
        (client.mapping[name], key)
        for name, fields in client.types.items()
        for key, field in fields.items()
        if field.optional and name in client.mapping
    }
    assert optional == OPTIONAL_KEYS, (
        f"{client.source}: optional keys {sorted(optional)}, but the server leaves out only "
        f"{sorted(OPTIONAL_KEYS)} (every other key is always written)"
    )


def test_nested_fields_name_the_nested_shape_type(client: Client) -> None:
    problems = []
    for (shape, key), nested in NESTED.items():
        assert key in WIRE_KEYS[shape] and nested in WIRE_KEYS, (shape, key, nested)
        name, nested_name = client.type_for(shape), client.type_for(nested)
        assert name is not None and nested_name is not None
        field = client.types[name].get(key)
        if field is not None and not client.names_type(field.type, nested_name):
            problems.append(f"{name}.{key}: {field.type} (expected {nested_name})")
    assert not problems, f"{client.source}: {problems}"


# --- Reads ------------------------------------------------------------------------------------


def test_lua_plugin_reads_only_written_keys() -> None:
    reads = lua_reads()
    found = {(file, receiver, key) for file, _, receiver, key in reads}
    # The scan sees the plugin's reads (else this test would pass on nothing).
    for expected in [
        ("commands.lua", "answer", "partial"),
        ("commands.lua", "result", "snippet"),
        ("commands.lua", "status", "recovered"),
        ("commands.lua", "cache", "hits"),
        ("commands.lua", "stats", "totalBytes"),
        ("commands.lua", "focus", "symbol"),
        ("health.lua", "status", "error"),
        ("init.lua", "status", "state"),
    ]:
        assert expected in found, f"the scan missed {expected}: {sorted(found)}"
    wrong = []
    for file, line, receiver, key in reads:
        if (file, receiver, key) in LUA_ALLOWED_READS:
            continue
        shapes = LUA_RECEIVERS[receiver]
        if not any(key in WIRE_KEYS[shape] for shape in shapes):
            wrong.append(f"{file}:{line}: {receiver}.{key} (not a key of {sorted(shapes)})")
    assert not wrong, "the Neovim plugin reads keys the server never writes:\n" + "\n".join(wrong)
    stale = LUA_ALLOWED_READS - found
    assert not stale, f"LUA_ALLOWED_READS entries no longer in the code: {stale}"


EXECUTE_CALL = re.compile(r"\.execute<([^(]+?)>\(")
SEND_CAST = re.compile(r"sendRequest\(\s*ExecuteCommandRequest\.type[^;]*?\)\)\s+as\s+([^;]+);")


def test_ts_command_answers_use_protocol_types() -> None:
    protocol = set(parse_ts_interfaces(TS_PROTOCOL.read_text(encoding="utf-8")))
    answers = []
    for path in sorted(VSCODE_SRC.glob("*.ts")):
        if path == TS_PROTOCOL:
            continue
        code = strip_ts_comments(path.read_text(encoding="utf-8"))
        for regex in (EXECUTE_CALL, SEND_CAST):
            answers += [(path.name, match.group(1).strip()) for match in regex.finditer(code)]
    assert len(answers) >= 6, f"too few command calls found: {answers}"
    wrong = []
    for file, type_text in answers:
        names = set(re.findall(r"\b[A-Z]\w*", type_text))
        known = bool(names) and names <= protocol | TS_TYPE_HELPERS
        # A protocol.ts type in it, or `T` alone (execute<T> itself); never an inline `{...}`.
        typed = bool(names & protocol) or type_text == "T"
        if "{" in type_text or not known or not typed:
            wrong.append(f"{file}: {type_text}")
    assert not wrong, "command answers typed without protocol.ts:\n" + "\n".join(wrong)
