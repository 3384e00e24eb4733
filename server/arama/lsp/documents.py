"""Freshness from the editor: unsaved buffers, client file events, workspace folder changes.

While a document is open its buffer text is what gets indexed ("overlay"); on close the disk
content rules again. File events from the client and from our own watcher may report the same
change twice: the engine compares size, mtime and content hash, so the second costs a stat.
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import unquote

from lsprotocol import types

from arama.lsp.app import AramaServer, server
from arama.lsp.uris import local_path

log = logging.getLogger(__name__)


def _push_buffer(ls: AramaServer, uri: str, closed: bool = False) -> None:
    engine = ls.engine
    path = local_path(uri)
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
    paths = [p for change in params.changes if (p := local_path(change.uri)) is not None]
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
        if (path := local_path(folder.uri)) is not None:
            engine.remove_folder(path)
    for folder in params.event.added:
        if (path := local_path(folder.uri)) is not None:
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
