"""Plain records passed between the engine's rooms (scanner, chunker, catalog, engine).

They live in one small module so that no room has to import another just for a type.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class SymbolKind(IntEnum):
    """The subset of LSP SymbolKind values the chunker emits (numbers match the LSP spec)."""

    FILE = 1
    MODULE = 2
    NAMESPACE = 3
    PACKAGE = 4
    CLASS = 5
    METHOD = 6
    PROPERTY = 7
    FIELD = 8
    CONSTRUCTOR = 9
    ENUM = 10
    INTERFACE = 11
    FUNCTION = 12
    VARIABLE = 13
    CONSTANT = 14
    STRUCT = 23
    TYPE_PARAMETER = 26


@dataclass(frozen=True, slots=True)
class Chunk:
    """One searchable piece of a file.

    Lines are 0-based and inclusive at both ends, matching LSP ranges (end character is the
    end of `end_line`). `symbol` is the name of the definition the chunk belongs to (a method
    split into several pieces keeps its name on every piece); `container` is the enclosing
    class/module/impl name, if any.
    """

    start_line: int
    end_line: int
    text: str
    symbol: str | None = None
    kind: SymbolKind | None = None
    container: str | None = None


@dataclass(frozen=True, slots=True)
class ScannedFile:
    """A file the scanner decided belongs to the workspace index."""

    path: Path  # absolute, resolved
    rel: str  # workspace-relative, '/'-separated
    size: int
    mtime_ns: int
    language: str  # LSP language id ("plaintext" when unknown)


class SkipReason:
    """Why a file was left out; the values are the keys of `skippedFiles` in status."""

    TOO_LARGE = "tooLarge"
    BINARY = "binary"
    MINIFIED = "minified"
    UNREADABLE = "unreadable"
    VANISHED = "vanished"
    NOT_REGULAR = "notRegular"
    OUTSIDE_ROOT = "outsideRoot"
    SYMLINK_LOOP = "symlinkLoop"
    PATH_TOO_LONG = "pathTooLong"


class SkipFile(Exception):
    """Raised while reading a file that must be skipped; `reason` is a `SkipReason` value."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class SearchCancelled(Exception):
    """The client withdrew the request; nothing more was computed for it."""
