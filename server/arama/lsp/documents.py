"""Freshness from the editor: unsaved buffers, client file events, workspace folder changes.

While a document is open its buffer text is what gets indexed ("overlay"); on close the disk
content rules again. File events from the client and from our own watcher may report the same
change twice: the engine compares size, mtime and content hash, so the second costs a stat.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path

from arama.lsp.app import AramaServer, server

log = logging.getLogger(__name__)


def _path(uri: str) -> Path | None:
    """The local path a URI names, or None for anything that is not one (other schemes, an
    unparsable URI such as `file://[`, a NUL byte, a relative path): events about those are
    ignored."""
    if not uri.startswith("file:"):
        return None
    try:
        path = to_fs_path(uri)
    except ValueError:
        log.info("ignored an event for an unparsable URI: %.200r", uri)
        return None
    if not path or "\x00" in path or not Path(path).is_absolute():
        return None  # `file:%` is "%", which would be taken relative to the server's cwd
    return Path(path)


def _push_buffer(ls: AramaServer, uri: str, closed: bool = False) -> None:
    engine = ls.engine
    path = _path(uri)
    if engine is None or path is None:
        return
    if closed:
        engine.set_buffer(path, None)
        return
    # Only open documents have a buffer; pygls' `get_text_document` would read any other URI
    # from disk (a `didSave` for a file the client never opened, even outside the workspace).
    document = ls.workspace.text_documents.get(unquote(uri))
    if document is None:
        log.info("ignored a buffer event for a document that is not open: %s", uri)
        return
    engine.set_buffer(path, document.source)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: AramaServer, params: types.DidOpenTextDocumentParams) -> None:
    _push_buffer(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: AramaServer, params: types.DidChangeTextDocumentParams) -> None:
    _push_buffer(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: AramaServer, params: types.DidSaveTextDocumentParams) -> None:
    _push_buffer(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: AramaServer, params: types.DidCloseTextDocumentParams) -> None:
    _push_buffer(ls, params.text_document.uri, closed=True)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: AramaServer, params: types.DidChangeWatchedFilesParams) -> None:
    if ls.engine is None:
        return
    paths = [p for change in params.changes if (p := _path(change.uri)) is not None]
    if paths:
        ls.engine.notify_changed(paths)


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
def did_change_workspace_folders(
    ls: AramaServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    engine = ls.engine
    if engine is None:
        return
    for folder in params.event.removed:
        if (path := _path(folder.uri)) is not None:
            engine.remove_folder(path)
    for folder in params.event.added:
        if (path := _path(folder.uri)) is not None:
            engine.add_folder(path)


async def register_file_watcher(ls: AramaServer) -> None:
    """Ask the client to send file events for every file, where it can watch dynamically."""
    caps = ls.client_capabilities.workspace
    watched = caps.did_change_watched_files if caps is not None else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern="**/*")]
    )
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id=f"arama-watch-{uuid.uuid4().hex[:8]}",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=options,
                    )
                ]
            )
        )
    except Exception:
        log.warning("client refused the file watcher registration", exc_info=True)
