"""Where an agent's paths point, and the one way this server reads a file: inside the folders.

An agent names files as it sees them in answers: relative to the folder (`src/cart.ts`), with
the folder's name first when several are open (`api/src/cart.ts`), or absolute. Whatever it
sends, a path is refused unless it names a file of the index inside one of the given folders:
no `..`, no absolute path elsewhere, no symlink whose target lies outside (the scanner never
indexes one, and the check here does not trust that alone). The language server keeps the same
rule for URIs (`lsp/commands.py`, `Engine.contains`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_PATH_CHARS = 4096
READ_LIMIT = 4 * 1024 * 1024
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class OutsideFolders(ValueError):
    """A path that does not stay inside the folders (the message says which rule)."""


@dataclass(frozen=True)
class Places:
    """The folders this server answers for, and how their files are named to an agent."""

    roots: tuple[Path, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "roots", tuple(Path(os.path.abspath(r)) for r in self.roots))

    @property
    def prefixed(self) -> bool:
        """With several folders, a path starts with its folder's name (when names differ)."""
        names = [r.name for r in self.roots]
        return len(names) > 1 and len(set(names)) == len(names)

    def display(self, root: Path, rel: str) -> str:
        """The name an agent sees (and may send back) for `rel` in folder `root`."""
        if len(self.roots) == 1:
            return rel
        if self.prefixed:
            return f"{root.name}/{rel}"
        return str(root / rel)

    def resolve(self, raw: str) -> Path:
        """The absolute path an agent's `raw` names inside a folder; OutsideFolders otherwise.
        Lexical and symlink checks only: whether the file is indexed is the engine's to say."""
        if not raw or "\x00" in raw or len(raw) > MAX_PATH_CHARS:
            raise OutsideFolders("empty or invalid path")
        if raw.startswith("file:"):
            raise OutsideFolders("a path, not a URI")
        parts = PurePosixPath(raw.replace("\\", "/")).parts
        if ".." in parts:
            raise OutsideFolders("'..' is not allowed")
        for candidate in self._candidates(raw):
            root = _owner(self.roots, candidate)
            if root is None:
                continue
            if not _really_inside(root, candidate):
                raise OutsideFolders("a link to outside the folders")
            return candidate
        raise OutsideFolders("not inside the workspace folders")

    def _candidates(self, raw: str) -> list[Path]:
        if os.path.isabs(raw):
            return [Path(os.path.normpath(raw))]
        found: list[Path] = []
        if self.prefixed:
            head, _, rest = raw.replace("\\", "/").partition("/")
            found += [root / rest for root in self.roots if root.name == head and rest]
        found += [root / raw for root in self.roots]
        exists = [p for p in found if os.path.lexists(p)]
        return [Path(os.path.normpath(p)) for p in (exists or found)]


def _owner(roots: Sequence[Path], path: Path) -> Path | None:
    inside = [r for r in roots if path == r or r in path.parents]
    return max(inside, key=lambda r: len(r.parts), default=None)


def _really_inside(root: Path, path: Path) -> bool:
    """The path with every link followed still lies inside the folder (a missing file is
    judged by its directory)."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def read_lines(root: Path, rel: str) -> list[str] | None:
    """The lines of an indexed file, for context around a hit; None when it cannot be read
    safely (vanished, not regular, a link, outside the folder, too large). Never follows a
    final symlink and never blocks on a FIFO, like the scanner's own read."""
    path = root / rel
    if ".." in PurePosixPath(rel).parts or not _really_inside(root, path):
        return None
    try:
        fd = os.open(path, _READ_FLAGS)
    except (OSError, ValueError):
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > READ_LIMIT:
            return None
        with open(fd, "rb", closefd=False) as handle:
            raw = handle.read(READ_LIMIT)
    except OSError:
        return None
    finally:
        os.close(fd)
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
