"""The command contract's JSON (docs/contract.md), version 2: what clients may rely on.

This module is the one place that writes the camelCase wire format; the language server's
commands and the CLI's `--json` both go through it. `WIRE_KEYS` lists every key of every shape,
so that tests can check the clients (the VS Code extension's `protocol.ts`, the Neovim plugin)
read nothing that is never written and declare everything that is.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arama.engine.records import (
    ContextAnswer,
    Hit,
    IndexStats,
    IndexStatus,
    RemoteCacheStatus,
    SearchAnswer,
    Span,
)
from arama.messages import remote_reason, text

if TYPE_CHECKING:
    from arama.tuning.judge import Comparison
    from arama.tuning.runner import TuneReport

CONTRACT_VERSION = 2

WIRE_KEYS: dict[str, frozenset[str]] = {
    # arama.search
    "searchAnswer": frozenset({"results", "total", "tookMs", "indexing", "cached", "partial"}),
    "searchResult": frozenset(
        {
            "uri",
            "path",
            "range",
            "snippet",
            "score",
            "symbol",
            "symbolKind",
            "language",
            "lastModified",
            "size",
            "similar",  # version 2
        }
    ),
    # arama.context
    "contextAnswer": frozenset({"focus", "related", "tookMs"}),
    "focus": frozenset({"uri", "path", "range", "symbol", "snippet"}),
    # arama.status ("error" only when the cache directory is unusable)
    "status": frozenset(
        {
            "state",
            "files",
            "chunks",
            "pendingFiles",
            "pendingChunks",
            "embeddedChunks",
            "pendingNames",
            "model",
            "cache",
            "workspaceFolders",
            "skippedFiles",
            "recovered",
            "updates",
            "error",
            "remoteCache",
            "tunedFolders",
        }
    ),
    "statusCache": frozenset({"path", "entries", "hits", "misses"}),
    # the team-shared cache tier, when one is configured
    "statusRemoteCache": frozenset(
        {
            "url",
            "mode",
            "state",
            "reason",
            "cluster",
            "hits",
            "misses",
            "writes",
            "errors",
            "rejected",
            "verified",
            "latencyMs",
        }
    ),
    "statusUpdates": frozenset({"batches", "paths"}),
    # arama.stats
    "stats": frozenset(
        {"files", "totalBytes", "avgBytes", "recentFiles7d", "languages", "popularQueries"}
    ),
    "statsLanguage": frozenset({"language", "files"}),
    "statsQuery": frozenset({"query", "count"}),
    # arama.reindex
    "reindex": frozenset({"queued"}),
    # arama.tune (and `arama tune --json`)
    "tuneAnswer": frozenset(
        {
            "folder",
            "model",
            "kept",
            "reason",
            "message",
            "heldOut",
            "questions",
            "semantic",
            "pairs",
            "embeddedPairs",
            "training",
            "seconds",
            "at",
        }
    ),
    "tuneComparison": frozenset({"queries", "base", "tuned", "gain", "standardError"}),
    "tunePairs": frozenset({"doc", "name"}),
    "tuneTraining": frozenset(
        {
            "pairs",
            "trainedOn",
            "checkedOn",
            "epochs",
            "bestEpoch",
            "checkLossBase",
            "checkLossTuned",
            "seconds",
        }
    ),
    "tuneReset": frozenset({"folder", "reset"}),
    # LSP shapes inside the answers
    "range": frozenset({"start", "end"}),
    "position": frozenset({"line", "character"}),
}

OPTIONAL_KEYS: frozenset[tuple[str, str]] = frozenset(
    {("status", "error"), ("status", "remoteCache")}
)
"""(shape, key) pairs written only sometimes; every other key of WIRE_KEYS is always written."""

SNIPPET_MAX_LINES = 12

JSON = dict[str, Any]


def search_json(answer: SearchAnswer) -> JSON:
    """`arama.search`."""
    return {
        "results": [hit_json(hit) for hit in answer.hits],
        "total": answer.total,
        "tookMs": answer.took_ms,
        "indexing": answer.indexing,
        "cached": answer.cached,
        "partial": answer.partial,
    }


def hit_json(hit: Hit) -> JSON:
    """One search result (also the items of `related` in `arama.context`)."""
    chunk = hit.chunk
    return {
        "uri": (hit.root / chunk.path).as_uri(),
        "path": chunk.path,
        "range": range_json(hit.span),
        "snippet": snippet(chunk.text),
        "score": round(float(hit.score), 6),
        "symbol": chunk.symbol,
        "symbolKind": chunk.kind,
        "language": chunk.language,
        "lastModified": iso_from_ns(chunk.mtime_ns),
        "size": chunk.size,
        "similar": hit.similar,
    }


def context_json(answer: ContextAnswer) -> JSON:
    """`arama.context`."""
    focus = answer.focus
    return {
        "focus": {
            "uri": (focus.root / focus.chunk.path).as_uri(),
            "path": focus.chunk.path,
            "range": range_json(focus.span),
            "symbol": focus.chunk.symbol,
            "snippet": snippet(focus.chunk.text),
        },
        "related": [hit_json(hit) for hit in answer.related],
        "tookMs": answer.took_ms,
    }


_COUNT = {"type": "integer", "minimum": 0}
STATUS_SCHEMA: JSON = {
    "type": "object",
    "properties": {
        "state": {"type": "string"},
        "files": _COUNT,
        "chunks": _COUNT,
        "pendingFiles": _COUNT,
        "pendingChunks": _COUNT,
        "embeddedChunks": _COUNT,
        "pendingNames": _COUNT,
        "model": {"type": ["string", "null"]},
        "cache": {
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "entries": _COUNT,
                "hits": _COUNT,
                "misses": _COUNT,
            },
            "required": ["path", "entries", "hits", "misses"],
            "additionalProperties": False,
        },
        "workspaceFolders": {"type": "array", "items": {"type": "string"}},
        "skippedFiles": {"type": "object", "additionalProperties": _COUNT},
        "recovered": {"type": "array", "items": {"type": "string"}},
        "updates": {
            "type": "object",
            "properties": {"batches": _COUNT, "paths": _COUNT},
            "required": ["batches", "paths"],
            "additionalProperties": False,
        },
        "error": {"type": "string"},
        "remoteCache": {"type": "object"},
        "tunedFolders": {"type": "array", "items": {"type": "string"}},
    },
    "required": [
        "state",
        "files",
        "chunks",
        "pendingFiles",
        "pendingChunks",
        "embeddedChunks",
        "pendingNames",
        "model",
        "cache",
        "workspaceFolders",
        "skippedFiles",
        "recovered",
        "updates",
        "tunedFolders",
    ],
    "additionalProperties": False,
}
"""The JSON schema of `status_json`'s object (the MCP `status` tool's outputSchema)."""


def status_json(status: IndexStatus, locale: str | None = None) -> JSON:
    """`arama.status`; `error` only when the engine could not start; the team cache's `reason`
    in `locale`'s language."""
    out: JSON = {
        "state": status.state,
        "files": status.files,
        "chunks": status.chunks,
        "pendingFiles": status.pending_files,
        "pendingChunks": status.pending_chunks,
        "embeddedChunks": status.embedded_chunks,
        "pendingNames": status.pending_names,
        "model": status.model,
        "cache": {
            "path": status.cache.path,
            "entries": status.cache.entries,
            "hits": status.cache.hits,
            "misses": status.cache.misses,
        },
        "workspaceFolders": [str(root) for root in status.workspace_folders],
        "skippedFiles": dict(status.skipped_files),
        "recovered": list(status.recovered),
        "updates": {"batches": status.update_batches, "paths": status.updated_paths},
        "tunedFolders": [str(root) for root in status.tuned_folders],
    }
    if status.error is not None:
        out["error"] = status.error
    if status.remote_cache is not None:
        out["remoteCache"] = remote_cache_json(status.remote_cache, locale)
    return out


def remote_cache_json(remote: RemoteCacheStatus, locale: str | None = None) -> JSON:
    """`remoteCache` in `arama.status`: the url never holds a password; `reason` is one
    translated sentence per kind of fault (the client library's own message is only logged)."""
    return {
        "url": remote.url,
        "mode": remote.mode,
        "state": remote.state,
        "reason": remote_reason(remote.fault, remote.writes_fault, locale),
        "cluster": remote.cluster,
        "hits": remote.hits,
        "misses": remote.misses,
        "writes": remote.writes,
        "errors": remote.errors,
        "rejected": remote.rejected,
        "verified": remote.verified,
        "latencyMs": remote.latency_ms,
    }


def stats_json(stats: IndexStats) -> JSON:
    """`arama.stats`."""
    return {
        "files": stats.files,
        "totalBytes": stats.total_bytes,
        "avgBytes": stats.avg_bytes,
        "recentFiles7d": stats.recent_files_7d,
        "languages": [{"language": k, "files": v} for k, v in stats.languages],
        "popularQueries": [{"query": k, "count": v} for k, v in stats.popular_queries],
    }


def reindex_json(queued: int) -> JSON:
    """`arama.reindex`."""
    return {"queued": queued}


def range_json(span: Span) -> JSON:
    """An LSP Range (0-based) over whole lines: the end is the end of the last line."""
    return {
        "start": {"line": span.start_line, "character": 0},
        "end": {"line": span.end_line, "character": span.end_character},
    }


def snippet(text: str) -> str:
    lines = text.split("\n")
    if len(lines) > SNIPPET_MAX_LINES:
        lines = [*lines[:SNIPPET_MAX_LINES], "…"]
    return "\n".join(lines)


def iso_from_ns(mtime_ns: int) -> str:
    return datetime.fromtimestamp(mtime_ns / 1e9, tz=UTC).isoformat().replace("+00:00", "Z")


def tune_comparison_json(c: Comparison | None) -> JSON | None:
    if c is None:
        return None
    return {
        "queries": c.queries,
        "base": c.base,
        "tuned": c.tuned,
        "gain": c.gain,
        "standardError": c.standard_error,
    }


def tune_json(report: TuneReport, locale: str | None = None) -> JSON:
    """`arama.tune` and `arama tune --json`: the run's numbers, and its verdict in `locale`."""
    t = report.training
    return {
        "folder": str(report.folder),
        "model": report.model,
        "kept": report.verdict.keep,
        "reason": report.verdict.reason,
        "message": text(report.verdict.reason, locale),
        "heldOut": tune_comparison_json(report.verdict.held_out),
        "questions": tune_comparison_json(report.verdict.questions),
        "semantic": tune_comparison_json(report.semantic),
        "pairs": {"doc": report.pairs.get("doc", 0), "name": report.pairs.get("name", 0)},
        "embeddedPairs": report.embedded_pairs,
        "training": {
            "pairs": t.pairs,
            "trainedOn": t.trained_on,
            "checkedOn": t.checked_on,
            "epochs": t.epochs,
            "bestEpoch": t.best_epoch,
            "checkLossBase": t.check_loss_base,
            "checkLossTuned": t.check_loss_tuned,
            "seconds": t.seconds,
        },
        "seconds": report.seconds,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def tune_reset_json(folder: Path, reset: bool) -> JSON:
    return {"folder": str(folder), "reset": reset}
