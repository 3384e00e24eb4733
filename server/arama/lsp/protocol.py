"""The JSON-RPC/LSP protocol as arama speaks it: pygls' protocol, strict where pygls is silent.

pygls 2.1 turns a request whose params do not fit the lsprotocol type into an exception raised
while the message is still being decoded, before anyone knows its id: no response is ever sent
and the client waits forever. Here such a message becomes an `Undecodable` value; a request gets
-32602 naming the bad field in the client's language, a notification is logged and dropped.

Document notifications for documents that are not open (a `didChange` after the client lost
track, a `didClose` sent twice) are ignored with a log line instead of raising KeyError inside
pygls, which would pop an error up in the editor.

The converter is strict about JSON primitive types, and the bad field is found, the way
`arama.validation` does it for command arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from cattrs import Converter
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol, default_converter, lsp_method

from arama.messages import text
from arama.validation import make_strict, problems

log = logging.getLogger(__name__)

MsgId = int | str | None


@dataclass(frozen=True)
class Undecodable:
    """A request or notification whose params do not decode; `field` is the JSON path of the
    first bad value ("params" when the params themselves are missing or of the wrong kind)."""

    jsonrpc: str
    method: str
    msg_id: MsgId
    is_request: bool
    field: str
    missing: bool


class AramaProtocol(LanguageServerProtocol):
    def _locale(self) -> str | None:
        locale = getattr(self._server, "locale", None)
        return locale if isinstance(locale, str) else None

    def structure_message(self, data: dict[str, Any]) -> Any:
        """Requests and notifications of LSP methods are decoded here, where a failure becomes
        an `Undecodable`; everything else (responses, unknown methods) as pygls does it."""
        method = data.get("method")
        message_type = self.get_message_type(method) if isinstance(method, str) else None
        if message_type is None or "result" in data or "error" in data:
            return super().structure_message(data)
        try:
            return self._converter.structure(data, message_type)
        except Exception as exc:
            problem = problems(exc)[0]
            field = problem.field.removeprefix("params.") if problem.field != "params" else "params"
            msg_id = data.get("id")
            return Undecodable(
                jsonrpc=str(data.get("jsonrpc")),
                method=str(method),
                msg_id=msg_id if _valid_id(msg_id) else None,
                is_request="id" in data,
                field=field,
                missing=problem.missing,
            )

    def handle_message(self, message: Any) -> None:
        if isinstance(message, Undecodable):
            self._reject(message)
        else:
            super().handle_message(message)

    def _reject(self, message: Undecodable) -> None:
        if message.jsonrpc != self.VERSION:
            log.warning("dropped a message of JSON-RPC version %r", message.jsonrpc[:20])
            return
        locale = self._locale()
        key = "error.required" if message.missing else "error.value"
        detail = text(key, locale, field=message.field)
        if not message.is_request:
            log.warning("dropped %s notification: %s", message.method, detail)
            return
        log.info("invalid params for %s: %s", message.method, detail)
        error = JsonRpcInvalidParams(
            text("error.params", locale, method=message.method, detail=detail)
        )
        self._send_response(message.msg_id, error=error.to_response_error())  # type: ignore[arg-type]

    def reject_oversized(self, msg_id: int | str, length: int, limit: int) -> None:
        """Answer a request whose body was too large to read (see `transport.Oversized`)."""
        message = text("error.too_large", self._locale(), size=length, limit=limit)
        error = JsonRpcInvalidRequest(message)
        self._send_response(msg_id, error=error.to_response_error())

    # -- the steps of generator handlers ------------------------------------------------------

    def _execute_handler(
        self,
        msg_id: MsgId,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """pygls 2.1 runs each step of a generator handler (`workspace/executeCommand`, the
        document notifications) as a call of its own, filed in `_request_futures` under a fresh
        uuid, and only answering a real request ever takes a future out of that table. So every
        `arama.search` left its future there, holding its answer: the server grew by the size
        of each answer (~27 KB a search in the soak) for as long as it lived. A call's future
        leaves the table when it is done, before its callback runs (which, for a request, only
        answers it: pygls' own removal then finds nothing to do)."""

        futures: dict[Any, Any] = self._request_futures

        def done(future: Any) -> None:
            # A thread handler's callbacks run on its thread: pop, in case the loop took the
            # entry meanwhile (a cancellation).
            if futures.get(msg_id) is future:
                futures.pop(msg_id, None)
            callback(future)

        super()._execute_handler(msg_id, handler, done, args, kwargs)  # type: ignore[arg-type]

    # -- document notifications for documents that are not open ----------------------------

    def _is_open(self, uri: str) -> bool:
        return self._workspace is not None and unquote(uri) in self._workspace.text_documents

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        uri = params.text_document.uri
        if self._workspace is None:
            log.info("ignored didOpen before initialize: %.200r", uri)
            return
        try:
            urlsplit(uri)  # pygls' document would raise on it (e.g. "file://[")
        except ValueError:
            log.info("ignored didOpen for an unparsable URI: %.200r", uri)
            return
        yield from super().lsp_text_document__did_open(params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if not self._is_open(params.text_document.uri):
            log.info(
                "ignored didChange for a document that is not open: %s", params.text_document.uri
            )
            return
        yield from super().lsp_text_document__did_change(params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if not self._is_open(params.text_document.uri):
            log.info(
                "ignored didClose for a document that is not open: %s", params.text_document.uri
            )
            return
        yield from super().lsp_text_document__did_close(params)

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(
        self, params: types.ExecuteCommandParams
    ) -> Generator[Any, Any, Any]:
        """pygls answers an unknown command in English; the client's language is used here."""
        if params.command not in self.fm.commands:
            command = params.command if len(params.command) <= 200 else params.command[:200] + "…"
            raise JsonRpcInvalidParams(text("error.command", self._locale(), command=command))
        return (yield from super().lsp_workspace__execute_command(params))


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def strict_converter() -> Converter:
    """pygls' converter, except that JSON primitives must have the type the LSP schema says."""
    return make_strict(default_converter())  # type: ignore[no-untyped-call]
