"""The `arama.*` workspace commands of the command contract (DESIGN.md)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from arama.arguments import ArgumentError, parse_context, parse_search, single_object
from arama.engine.records import SearchCancelled
from arama.lsp.app import AramaServer, server
from arama.lsp.cancellation import cancellation_flag
from arama.lsp.uris import local_path
from arama.messages import text

log = logging.getLogger(__name__)


def _invalid(exc: ArgumentError) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(str(exc))


def _no_arguments(ls: AramaServer, args: tuple[Any, ...]) -> None:
    """Commands without arguments accept `[]` or `[{}]` (unknown keys are ignored)."""
    try:
        single_object(args, ls.locale, allow_empty=True)
    except ArgumentError as exc:
        raise _invalid(exc) from None


@server.command("arama.search")
async def search(ls: AramaServer, *args: Any) -> dict[str, Any]:
    try:
        request = parse_search(single_object(args, ls.locale), ls.locale)
    except ArgumentError as exc:
        raise _invalid(exc) from None
    engine = await ls.get_engine()
    # On `$/cancelRequest` pygls answers RequestCancelled; the flag tells the search thread to
    # stop too, so a withdrawn search costs nothing more.
    withdrawn = cancellation_flag(ls.protocol)
    started = time.perf_counter()

    def run() -> dict[str, Any] | None:
        try:
            return engine.search(request, cancelled=withdrawn.is_set)
        except SearchCancelled:
            took = (time.perf_counter() - started) * 1000
            log.info("search cancelled after %.0f ms: %r", took, request.query[:80])
            return None

    try:
        answer = await ls.in_thread(run)
    except asyncio.CancelledError:
        withdrawn.set()
        raise
    if answer is None:  # withdrawn as it finished: pygls has answered the client already
        raise asyncio.CancelledError
    return answer


@server.command("arama.status")
async def status(ls: AramaServer, *args: Any) -> dict[str, Any]:
    _no_arguments(ls, args)
    engine = ls.engine
    if engine is None:
        return {  # the engine is being created: the same shape, all empty
            "state": "starting",
            "files": 0,
            "chunks": 0,
            "pendingFiles": 0,
            "pendingChunks": 0,
            "embeddedChunks": 0,
            "pendingNames": 0,
            "model": ls.options.model or "",
            "cache": {"path": "", "entries": 0, "hits": 0, "misses": 0},
            "workspaceFolders": [str(root) for root in ls.initial_roots],
            "skippedFiles": {},
            "recovered": [],
            "updates": {"batches": 0, "paths": 0},
            **({"error": ls.engine_error} if ls.engine_error else {}),
        }
    return await ls.in_thread(engine.status)


@server.command("arama.context")
async def context(ls: AramaServer, *args: Any) -> dict[str, Any]:
    try:
        uri, line, _character, limit = parse_context(single_object(args, ls.locale), ls.locale)
    except ArgumentError as exc:
        raise _invalid(exc) from None
    engine = await ls.get_engine()
    path = local_path(uri)
    if path is None or not engine.contains(path):
        raise JsonRpcInvalidParams(text("error.uri", ls.locale, field="uri"))
    try:
        return await ls.in_thread(engine.context, path, line, limit)
    except LookupError:
        raise JsonRpcInvalidParams(text("error.not_indexed", ls.locale)) from None


@server.command("arama.stats")
async def stats(ls: AramaServer, *args: Any) -> dict[str, Any]:
    _no_arguments(ls, args)
    engine = await ls.get_engine()
    return await ls.in_thread(engine.stats)


@server.command("arama.reindex")
async def reindex(ls: AramaServer, *args: Any) -> dict[str, Any]:
    _no_arguments(ls, args)
    engine = await ls.get_engine()
    return {"queued": await ls.in_thread(engine.reindex)}
