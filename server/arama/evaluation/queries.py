"""The user's own (question, answer) pairs for `arama eval --queries FILE`.

One pair per line; blank lines and lines starting with `#` are skipped. A line starting with `{`
is a JSON object (`[` too, to be told it is not one), any other is tab-separated:

    {"query": "where are retries delayed", "target": "src/retry.py:12"}
    where are retries delayed<TAB>src/retry.py:12

A target is a path relative to the folder (or an absolute path inside it), with an optional
1-based line: `path:line` is found when a result's lines cover that line, a bare `path` when any
result is in that file. Several targets (a JSON list, or more tab-separated fields) are
alternatives: any one found counts. Every problem names the file and line, so a long file is
fixed in one pass.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arama.evaluation.errors import EvalError, NothingToEvaluate
from arama.evaluation.mining import MAX_QUERY_CHARS

_LINE_SUFFIX = re.compile(r"(.+):(\d+)")


@dataclass(frozen=True, slots=True)
class UserTarget:
    path: str  # relative to the folder, '/'-separated
    line: int | None  # 0-based; None: anywhere in the file
    raw: str  # as written, for messages


@dataclass(frozen=True, slots=True)
class UserQuery:
    text: str
    targets: tuple[UserTarget, ...]
    line: int  # 1-based line of the queries file


def read_queries(file: Path, root: Path) -> list[UserQuery]:
    """The pairs of `file`, targets relative to `root`; EvalError at the first bad line,
    NothingToEvaluate when it holds none."""
    try:
        content = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError("eval.queries.unreadable", file=file, error=exc) from None
    queries = parse_queries(content, root, str(file))
    if not queries:
        raise NothingToEvaluate("eval.queries.empty", file=file)
    return queries


def parse_queries(content: str, root: Path, name: str) -> list[UserQuery]:
    queries: list[UserQuery] = []
    for number, raw in enumerate(content.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = {"file": name, "line": number}
        query, targets = (
            _json_pair(line, where) if line.startswith(("{", "[")) else _tsv_pair(raw, where)
        )
        if not query.strip() or len(query) > MAX_QUERY_CHARS or not targets:
            raise EvalError("eval.queries.fields", **where)
        parsed = tuple(_target(t, root, where) for t in targets)
        queries.append(UserQuery(query.strip(), parsed, number))
    return queries


def _json_pair(line: str, where: dict[str, Any]) -> tuple[str, list[str]]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalError("eval.queries.json", error=exc.msg, **where) from None
    if not isinstance(data, dict):
        raise EvalError("eval.queries.json", error=type(data).__name__, **where)
    query, target = data.get("query"), data.get("target")
    targets = [target] if isinstance(target, str) else target
    if (
        not isinstance(query, str)
        or not isinstance(targets, list)
        or not all(isinstance(t, str) for t in targets)
    ):
        raise EvalError("eval.queries.fields", **where)
    return query, targets


def _tsv_pair(line: str, where: dict[str, Any]) -> tuple[str, list[str]]:
    fields = line.rstrip("\r\n").split("\t")
    if len(fields) < 2:
        raise EvalError("eval.queries.tsv", **where)
    return fields[0], [f for f in (f.strip() for f in fields[1:]) if f]


def _target(raw: str, root: Path, where: dict[str, Any]) -> UserTarget:
    text = raw.strip()
    line: int | None = None
    match = _LINE_SUFFIX.fullmatch(text)
    if match:
        text, number = match.group(1), int(match.group(2))
        if number < 1:
            raise EvalError("eval.queries.line", target=raw, **where)
        line = number - 1
    if os.path.isabs(text):
        text = os.path.relpath(os.path.normpath(text), root)
    rel = posixpath.normpath(text.replace(os.sep, "/"))
    if rel in (".", "..") or rel.startswith("../"):
        raise EvalError("eval.queries.outside", target=raw, **where)
    return UserTarget(rel, line, raw)
