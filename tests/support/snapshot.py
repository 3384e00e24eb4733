"""What a directory tree looks like (type, size, mtime, mode of every path, links not followed),
to show that a server process changed nothing outside the places it may write. Shared by the
confinement tests of the language server and of `arama mcp`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

Snapshot = dict[str, tuple[str, int, int, int]]


def snapshot(root: Path) -> Snapshot:
    """rel path -> (kind, size, mtime_ns, mode) for everything under root, links not followed."""
    result: Snapshot = {}
    pending = [root]
    while pending:
        directory = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                st = entry.stat(follow_symlinks=False)
                rel = os.path.relpath(entry.path, root)
                kind = (
                    "link"
                    if stat.S_ISLNK(st.st_mode)
                    else "dir"
                    if stat.S_ISDIR(st.st_mode)
                    else "file"
                    if stat.S_ISREG(st.st_mode)
                    else "other"
                )
                result[rel] = (kind, st.st_size if kind != "dir" else 0, st.st_mtime_ns, st.st_mode)
                if kind == "dir":
                    pending.append(Path(entry.path))
    return result


def inside(rel: str, prefix: str) -> bool:
    """`rel` is `prefix` or lies under it (plain path strings, nothing resolved)."""
    return rel == prefix or rel.startswith(prefix.rstrip(os.sep) + os.sep)


def subtree(shot: Snapshot, top: str) -> Snapshot:
    return {rel: value for rel, value in shot.items() if inside(rel, top)}
