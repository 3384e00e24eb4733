"""The `arama.*` workspace commands of the command contract (docs/contract.md).

Handlers validate, hand the work to the engine on a worker thread, and write the answer with
`arama.contract`; nothing here ranks or indexes."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from arama import contract
from arama.arguments import ArgumentError, parse_context, parse_search, single_object
from arama.engine.records import IndexStatus, SearchCancelled
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
            return contract.search_json(engine.search(request, cancelled=withdrawn.is_set))
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
    if engine is None:  # the engine is being created (or could not be): the same shape, empty
        starting = IndexStatus.starting(
            ls.options.model or "", tuple(ls.initial_roots), ls.engine_error
        )
        return contract.status_json(starting, ls.locale)
    return contract.status_json(await ls.in_thread(engine.status), ls.locale)


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
        return contract.context_json(await ls.in_thread(engine.context, path, line, limit))
    except LookupError:
        raise JsonRpcInvalidParams(text("error.not_indexed", ls.locale)) from None


@server.command("arama.stats")
async def stats(ls: AramaServer, *args: Any) -> dict[str, Any]:
    _no_arguments(ls, args)
    engine = await ls.get_engine()
    return contract.stats_json(await ls.in_thread(engine.stats))


@server.command("arama.reindex")
async def reindex(ls: AramaServer, *args: Any) -> dict[str, Any]:
    _no_arguments(ls, args)
    engine = await ls.get_engine()
    return contract.reindex_json(await ls.in_thread(engine.reindex))
