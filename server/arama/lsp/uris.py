"""Client URIs to local paths, refusing what is not an absolute local path."""

from __future__ import annotations

import logging
from pathlib import Path

from pygls.uris import to_fs_path

log = logging.getLogger(__name__)


def local_path(uri: str) -> Path | None:
    """The local path a URI names, or None for anything that is not one (other schemes, an
    unparsable URI such as `file://[`, a NUL byte, a relative path)."""
    if not uri.startswith("file:"):
        return None
    try:
        path = to_fs_path(uri)
    except ValueError:
        log.info("ignored an unparsable URI: %.200r", uri)
        return None
    return checked_path(path)


def checked_path(path: str | None) -> Path | None:
    """`path` if it is absolute and NUL-free: `file:%` means "%", which would otherwise be taken
    relative to the server's working directory."""
    if not path or "\x00" in path or not Path(path).is_absolute():
        return None
    return Path(path)
