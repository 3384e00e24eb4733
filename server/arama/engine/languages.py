"""Language identification by file name, in LSP language ids, and the tree-sitter grammar for each.

Detection is by name only (never by executing or importing anything): an extension table, a few
well-known file names, and a shebang check done by the scanner for extension-less scripts.
"""

from __future__ import annotations

from pathlib import PurePath

# extension (lower case, with dot) -> LSP language id
_BY_EXTENSION: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascriptreact",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescriptreact",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".c++": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
    ".ipp": "cpp",
    ".rb": "ruby",
    ".rake": "ruby",
    ".gemspec": "ruby",
    ".php": "php",
    ".cs": "csharp",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".swift": "swift",
    ".scala": "scala",
    ".lua": "lua",
    ".sh": "shellscript",
    ".bash": "shellscript",
    ".zsh": "shellscript",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",
    ".rst": "restructuredtext",
    ".txt": "plaintext",
    ".json": "json",
    ".jsonc": "jsonc",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".xml": "xml",
    ".html": "html",
    ".htm": "html",
    ".css": "css",
    ".scss": "scss",
    ".less": "less",
    ".sql": "sql",
    ".vue": "vue",
    ".svelte": "svelte",
    ".dart": "dart",
    ".ex": "elixir",
    ".exs": "elixir",
    ".erl": "erlang",
    ".hs": "haskell",
    ".ml": "ocaml",
    ".mli": "ocaml",
    ".r": "r",
    ".jl": "julia",
    ".pl": "perl",
    ".pm": "perl",
    ".vim": "vim",
    ".tex": "latex",
    ".proto": "proto",
    ".tf": "terraform",
    ".zig": "zig",
}

_BY_NAME: dict[str, str] = {
    "makefile": "makefile",
    "gnumakefile": "makefile",
    "dockerfile": "dockerfile",
    "cmakelists.txt": "cmake",
    "rakefile": "ruby",
    "gemfile": "ruby",
    "readme": "plaintext",
    "license": "plaintext",
}

_SHEBANG: dict[str, str] = {
    "python": "python",
    "node": "javascript",
    "bash": "shellscript",
    "sh": "shellscript",
    "ruby": "ruby",
    "php": "php",
}

# LSP language id -> tree-sitter-language-pack grammar name, for languages chunked by syntax.
TREE_SITTER_GRAMMAR: dict[str, str] = {
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "typescript": "typescript",
    "typescriptreact": "tsx",
    "go": "go",
    "rust": "rust",
    "java": "java",
    "c": "c",
    "cpp": "cpp",
    "ruby": "ruby",
    "php": "php",
    "csharp": "csharp",
    "kotlin": "kotlin",
}

PLAINTEXT = "plaintext"


def language_for_path(path: str | PurePath) -> str | None:
    """The LSP language id for a file name, or None when the name says nothing."""
    name = PurePath(path).name
    lower = name.lower()
    if lower in _BY_NAME:
        return _BY_NAME[lower]
    if lower.startswith("dockerfile"):
        return "dockerfile"
    suffix = PurePath(lower).suffix
    return _BY_EXTENSION.get(suffix)


def language_from_shebang(first_line: str) -> str | None:
    """The language named by a `#!` line (`#!/usr/bin/env python3` -> python), if any."""
    if not first_line.startswith("#!"):
        return None
    words = first_line[2:].strip().split()
    if not words:
        return None
    program = words[0].rsplit("/", 1)[-1]
    if program == "env" and len(words) > 1:
        program = words[1]
    program = program.rstrip("0123456789.")
    return _SHEBANG.get(program)


def all_language_ids() -> frozenset[str]:
    """Every language id this module can produce, for validating `languages` filters."""
    return frozenset(_BY_EXTENSION.values()) | frozenset(_BY_NAME.values()) | {PLAINTEXT}
