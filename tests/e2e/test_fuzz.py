"""Hostile clients: random and malformed command arguments, and malformed JSON-RPC framing.

Part 1 (`test_random_arguments_never_break_the_server`): hypothesis generates more than 2,000
argument payloads across the five `arama.*` commands: wrong JSON types for every field, strings
up to 100,000 characters, nesting 200 levels deep, NaN and +-Infinity, negative and 10**100
integers, Turkish, CJK and emoji text, extra and missing arguments, and valid-looking requests
with random filters. They all go to ONE live server (the real one over stdio, the real model).
Every answer must be either a result of the contract's shape (for searches: honouring `limit`
and the filters) or a JSON-RPC error -32602 with a message; never -32603, never a crash, never
a hang (each call has a timeout). For `arama.search` and `arama.context` the verdict must also
match `arama.arguments` run locally on the same JSON: the server refuses exactly what the
contract refuses. Payloads that once broke the server are replayed first (`@example`).
Hypothesis runs derandomized (a seed derived from the test's source), so the same code sends the
same payloads on every run; the printed sha256 of all payloads shows it. (Hypothesis also mixes
in literals from the local modules loaded at the time, so running this file alone or with other
test files gives two different, each stable, payload sets.) The sync `@given` tests drive the
async pytest-lsp client on a background event loop.

Part 1b (`test_random_arguments_answer_a_turkish_client_in_turkish`): a smaller storm on a
second server whose client locale is `tr`. On both servers every refusal must be, word for word,
the sentence `arama.arguments` produces in the client's language, and must name the bad field in
quotes ('limit', 'position.line', 'arguments').

Part 2 (`test_malformed_framing_*`): a raw subprocess spoken to byte by byte, through arama's
guarded reader (`arama.lsp.transport`) and protocol (`arama.lsp.protocol`):

- garbage header lines, a non-numeric Content-Length, a body that is not JSON, a JSON body that
  is not an object (array, number, string, null), a JSON body nested 100,000 levels (the parser
  raises RecursionError), a notification without its required params: each is logged and
  dropped, the stream stays in sync, and a following `initialize` and `arama.status` on the same
  connection are answered.
- a request for an unknown method gets -32601 (MethodNotFound) with its id.
- a *request* whose params fail to decode (e.g. `arguments: 5`, no params, `command: 5`) gets
  -32602 naming the field (pygls alone sent no response at all).
- a Content-Length larger than the body cannot be recovered from on the same stream (the next
  message is swallowed as body), so it is sent last: then stdin closes, and the server must exit
  on its own, cleanly (code 0) and promptly.
- a Content-Length too big to allocate (10**20, 10**15), negative or not a number: the frame is
  skipped or its body read in pieces and dropped; at the end of input the server exits with 0
  (pygls' own reader died with OverflowError/MemoryError). tests/e2e/test_bad_messages.py shows
  the same connection going on after such frames and after a body over the 64 MiB cap.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from arama.arguments import ArgumentError, parse_context, parse_search, single_object
from arama.engine.languages import all_language_ids
from arama.engine.records import SkipReason
from arama.messages import text
from support.background_loop import BackgroundLoop
from support.custom_session import server_command, start_session, stop_session
from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import RESULT_KEYS, isolated_env, wait_ready
from support.model_cache import seed_model
from support.raw_lsp import (
    RawServer,
    fixture_dirs,
    frame,
    initialize_params,
    notification,
    request,
)

pytestmark = pytest.mark.e2e

CALL_TIMEOUT = 60.0
"""Per call; generous because CI machines are shared. A hang is any call slower than this."""
EXAMPLES = {
    "arama.search": 900,
    "arama.context": 450,
    "arama.status": 250,
    "arama.stats": 250,
    "arama.reindex": 200,
}
MIN_PAYLOADS = 2000
FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)

STATES = {"starting", "indexing", "ready"}
NAMED_FIELD = re.compile(r"'[A-Za-z][\w.\[\]]*'")
"""How every -32602 message names the bad field: 'limit', 'position.line', 'arguments'."""
STATUS_COUNTS = (
    "files",
    "chunks",
    "pendingFiles",
    "pendingChunks",
    "embeddedChunks",
    "pendingNames",
)
STATUS_KEYS = {
    "state",
    *STATUS_COUNTS,
    "model",
    "cache",
    "workspaceFolders",
    "skippedFiles",
    "recovered",
}
STATS_KEYS = {"files", "totalBytes", "avgBytes", "recentFiles7d", "languages", "popularQueries"}


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------

NO_SURROGATES = st.characters(exclude_categories=("Cs",))  # lone surrogates are not JSON text
TEXT = st.text(NO_SURROGATES, max_size=40)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\t\r\n",
        "İstanbul'da ılık şiş kebabı",
        "ĞÜŞİÖÇ ğüşıöç",
        "dosyayı oku",
        "重试请求 指数退避",
        "検索する関数",
        "🔍🚀👩‍💻🇹🇷",
        "e\u0301\u200b\u200e\u202e",
        "NaN",
        "Infinity",
        "-Infinity",
        "null",
        "true",
        "1e309",
        "../../../../etc/passwd",
        "file:///etc/passwd",
        "C:\\Windows\\system32",
        "**/*",
        "!",
        "!**",
        "[",
        "[!]",
        "\\",
        "{a,b}",
        "*" * 300,
        "'; DROP TABLE files; --",
        '"',
        "NEAR(a b)",
        "AND OR NOT",
        "a*",
        "^",
        "$(touch /tmp/arama-fuzz-pwned)",
        "%s%n%x",
        "ß ﬁ İ",
    ]
)


def _repeat(piece: str, length: int) -> str:
    return (piece * (length // len(piece) + 1))[:length]


HUGE = st.builds(
    _repeat, st.text(NO_SURROGATES, min_size=1, max_size=5), st.integers(1001, 100_000)
)
NEAR_LIMIT = st.builds(
    _repeat, st.sampled_from(["a", "ı", "检", "🔍", "x y "]), st.integers(990, 1010)
)
NUMBERS = st.one_of(
    st.integers(-(2**31), 2**31),
    st.sampled_from(
        [0, -1, 1, 199, 200, 201, 1000, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1]
    ),
    st.sampled_from([10**30, -(10**30), 10**100]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, -0.0, 1.0, 20.0, 5e-324, 1e308, math.inf, -math.inf, math.nan]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT, NASTY)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(NO_SURROGATES, max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _nest(depth: int, kind: str, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value] if kind == "list" else {"query": value}
    return value


DEEP = st.builds(_nest, st.integers(2, 200), st.sampled_from(["list", "dict"]), SCALARS)
ANY = st.one_of(JSON, JSON, JSON, DEEP, HUGE)

QUERIES = st.sampled_from(
    [
        "retry a failed request with exponential backoff",
        "transpose",
        "matrix",
        "ParseHeaderLine",
        "look up a user by e-mail",
        "dosyadaki kelimeleri sayan işlev",
        "function",
        "debounce",
    ]
)
LANGUAGE_IDS = sorted(all_language_ids())
GLOBS = st.one_of(
    st.sampled_from(
        [
            *("**/*.py", "src/**", "*.ts", "!retry.py", "[a-", "**", "/", "çalışma*", "lib/"),
            *("\\", "a/**/b", "*r*t*y*", "*a*a*a*a*a*a*a*a*a*a*a*a*a*b"),
            "**/x/**/x/**/x/**/x/**/y",
        ]
    ),
    st.text(NO_SURROGATES, min_size=1, max_size=12),
)
ZONES = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12, minutes=59))]
)
DATES = st.one_of(
    st.builds(lambda d, z: d.replace(tzinfo=z).isoformat(), st.datetimes(), ZONES),
    st.sampled_from(
        [
            "2026-01-31",
            "2026-01-31T12:00:00Z",
            "2026-13-01",
            "yesterday",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-14:00",
            "1970-01-01T00:00:00Z",
            "2026-01-31Z",
            "",
        ]
    ),
)


def _field(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly plausible values, sometimes anything at all."""
    return st.one_of(valid, valid, valid, ANY)


SEARCH_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "limit": _field(st.one_of(st.integers(-3, 205), NUMBERS)),
    "offset": _field(st.one_of(st.integers(-3, 40), NUMBERS)),
    "mode": _field(st.one_of(st.sampled_from(["hybrid", "semantic", "lexical"]), TEXT)),
    "paths": _field(
        st.one_of(st.lists(GLOBS, max_size=3), GLOBS, st.lists(GLOBS, min_size=99, max_size=102))
    ),
    "exclude": _field(st.one_of(st.lists(GLOBS, max_size=3), GLOBS)),
    "languages": _field(
        st.lists(
            st.one_of(st.sampled_from(LANGUAGE_IDS), st.sampled_from(["Python", "py", ""])),
            max_size=3,
        )
    ),
    "modifiedAfter": _field(DATES),
    "modifiedBefore": _field(DATES),
    "minSize": _field(st.one_of(st.integers(-3, 5000), NUMBERS)),
    "maxSize": _field(st.one_of(st.integers(-3, 5000), NUMBERS)),
    "minScore": _field(st.one_of(st.floats(-2, 2), NUMBERS)),
}
QUERY = st.one_of(QUERIES, QUERIES, QUERIES, QUERIES, TEXT, NASTY, NEAR_LIMIT, HUGE, ANY)


def _merge(extra: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {**extra, **fields}


EXTRA_KEYS = st.dictionaries(st.text(NO_SURROGATES, max_size=10), JSON, max_size=3)
VALID_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "limit": st.integers(1, 200),
    "offset": st.one_of(st.integers(0, 30), st.sampled_from([10**6, 2**63, 10**100])),
    "mode": st.sampled_from(["hybrid", "semantic", "lexical"]),
    "paths": st.lists(GLOBS, max_size=3),
    "exclude": st.lists(GLOBS, max_size=3),
    "languages": st.lists(st.sampled_from(LANGUAGE_IDS), max_size=3),
    "modifiedAfter": DATES,
    "minSize": st.integers(0, 3000),
    "maxSize": st.integers(0, 10**12),
    "minScore": st.floats(-1, 1),
}
SEARCH_OBJECT = st.builds(
    _merge,
    EXTRA_KEYS,
    st.one_of(
        # valid-looking requests with random filters
        st.fixed_dictionaries({"query": QUERIES}, optional=VALID_FIELDS),
        st.fixed_dictionaries({"query": st.one_of(QUERIES, TEXT, NASTY)}, optional=VALID_FIELDS),
        # anything goes
        st.fixed_dictionaries({"query": QUERY}, optional=SEARCH_FIELDS),
        st.fixed_dictionaries({}, optional={"query": QUERY, **SEARCH_FIELDS}),
    ),
)


def _uris(workspace: Path) -> st.SearchStrategy[Any]:
    files = sorted(p for p in workspace.rglob("*") if p.is_file())
    valid = [p.as_uri() for p in files]
    return st.one_of(
        st.sampled_from(valid),
        st.sampled_from(valid),
        st.sampled_from(
            [
                "file:///etc/passwd",
                "file://[",
                "file://[::1/x.py",
                "file://[::1]/x.py",
                "file:",
                "file:///",
                "file:///%00",
                "file:%",
                "FILE:///etc/passwd",
                "http://example.com/x.py",
                "",
                workspace.as_uri(),
                workspace.as_uri() + "/../outside.py",
                workspace.as_uri() + "/retry.py?query=1#fragment",
                workspace.as_uri() + "/no_such_file.py",
                workspace.as_uri().replace("file://", "file://remote-host"),
            ]
        ),
        st.builds(lambda s: "file://" + s, TEXT),
        st.builds(lambda s: "file:///" + s, HUGE),
        ANY,
    )


def _context_object(workspace: Path) -> st.SearchStrategy[dict[str, Any]]:
    line = _field(st.one_of(st.integers(-2, 120), NUMBERS))
    position = _field(
        st.fixed_dictionaries({"line": line}, optional={"character": line, "extra": JSON})
    )
    plausible = st.fixed_dictionaries(
        {
            "uri": _uris(workspace),
            "position": st.fixed_dictionaries(
                {"line": st.integers(0, 60)}, optional={"character": st.integers(0, 80)}
            ),
        },
        optional={"limit": st.integers(1, 200)},
    )
    return st.builds(
        _merge,
        EXTRA_KEYS,
        st.one_of(
            plausible,
            plausible,
            st.fixed_dictionaries(
                {"uri": _uris(workspace), "position": position},
                optional={"limit": _field(st.one_of(st.integers(-2, 205), NUMBERS))},
            ),
            st.fixed_dictionaries(
                {}, optional={"uri": _uris(workspace), "position": position, "limit": ANY}
            ),
        ),
    )


def _arguments(obj: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any] | None]:
    """The `arguments` array of executeCommand; None leaves the field out."""
    return st.one_of(
        st.tuples(obj).map(list),
        st.tuples(obj).map(list),
        st.tuples(obj).map(list),
        st.tuples(obj).map(list),
        st.just([]),
        st.none(),
        st.lists(ANY, min_size=1, max_size=3),
        st.tuples(obj, ANY).map(list),
        st.tuples(DEEP).map(list),
    )


NO_ARGUMENT_OBJECT = st.one_of(st.just({}), EXTRA_KEYS, SEARCH_OBJECT)


# ---------------------------------------------------------------------------------------------
# The live server and the contract
# ---------------------------------------------------------------------------------------------


@dataclass
class Session:
    loop: BackgroundLoop
    client: LanguageClient
    workspace: Path
    log_file: Path
    baseline: dict[str, Any]
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    broken: str | None = None
    seconds: float = 0.0
    digest: Any = field(default_factory=hashlib.sha256)
    """Of every payload sent, in order: equal on every run (hypothesis is derandomized)."""
    locale: str = "en"
    """The client's locale: every -32602 message must be in this language."""


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    yield from _live_session(tmp_path_factory, "en")


@pytest.fixture(scope="module")
def turkish_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    yield from _live_session(tmp_path_factory, "tr")


def _live_session(tmp_path_factory: pytest.TempPathFactory, locale: str) -> Iterator[Session]:
    base = tmp_path_factory.mktemp(f"fuzz-{locale}")
    workspace = base / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    # A name that makes a glob like `*a*a*a*a*a*a*b` backtrack for hours unless refused.
    (workspace / ("a" * 60 + ".py")).write_text(f"def {'a' * 40}():\n    return 'aaaa'\n")
    home = base / "home"
    home.mkdir()
    log_file = base / "server.log"
    seed_model(base / "cache")
    loop = BackgroundLoop()
    command = server_command(log_file=log_file)
    client = loop.run(
        start_session(command, isolated_env(home), [workspace], base / "cache", locale=locale),
        CALL_TIMEOUT,
    )
    try:
        baseline = loop.run(wait_ready(client), 300)
        yield Session(loop, client, workspace, log_file, baseline, locale=locale)
    finally:
        try:
            loop.run(stop_session(client), CALL_TIMEOUT)
        except Exception:
            server = getattr(client, "_server", None)  # a wedged server must not outlive us
            if server is not None and server.returncode is None:
                server.kill()
            raise
        finally:
            loop.close()


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def _roundtrip(arguments: list[Any] | None) -> list[Any]:
    """What the server sees: the arguments after JSON encoding (NaN and Infinity included)."""
    return json.loads(json.dumps(arguments if arguments is not None else []))


def _execute(s: Session, command: str, arguments: list[Any] | None) -> tuple[str, Any]:
    """("ok", result) or (str(error code), message); a hang or a dead server fails the test."""
    if s.broken is not None:
        raise AssertionError(f"server unusable since: {s.broken}")
    params = types.ExecuteCommandParams(command=command, arguments=arguments)
    started = time.perf_counter()
    try:
        result = s.loop.run(s.client.workspace_execute_command_async(params), CALL_TIMEOUT)
    except JsonRpcException as exc:
        return str(exc.code), exc.message
    except TimeoutError:
        s.broken = f"{command} {_short(arguments)} got no answer in {CALL_TIMEOUT}s"
        raise AssertionError(s.broken) from None
    except Exception as exc:
        s.broken = f"{command} {_short(arguments)} -> {type(exc).__name__}: {exc}"
        raise AssertionError(f"{s.broken}\nserver log: {s.log_file}") from exc
    finally:
        s.seconds += time.perf_counter() - started
    return "ok", result


def _is_int(value: Any, low: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _check_range(rng: Any) -> None:
    assert isinstance(rng, dict) and set(rng) == {"start", "end"}
    for end in (rng["start"], rng["end"]):
        assert set(end) == {"line", "character"}
        assert _is_int(end["line"]) and _is_int(end["character"])
    assert rng["start"]["line"] <= rng["end"]["line"]


def _check_result(item: Any, workspace: Path) -> None:
    assert isinstance(item, dict) and set(item) == RESULT_KEYS, item
    assert isinstance(item["path"], str) and not item["path"].startswith("/")
    assert item["uri"] == (workspace / item["path"]).as_uri()
    _check_range(item["range"])
    assert isinstance(item["snippet"], str)
    assert isinstance(item["score"], float) and math.isfinite(item["score"])
    assert item["symbol"] is None or isinstance(item["symbol"], str)
    assert item["symbolKind"] is None or 1 <= item["symbolKind"] <= 26
    assert isinstance(item["language"], str) and item["language"]
    datetime.fromisoformat(item["lastModified"].replace("Z", "+00:00"))
    assert _is_int(item["size"])


def _check_search(answer: Any, arguments: list[Any], workspace: Path) -> None:
    assert isinstance(answer, dict)
    assert {"results", "total", "tookMs", "indexing", "cached"} <= set(answer), answer.keys()
    assert isinstance(answer["indexing"], bool) and isinstance(answer["cached"], bool)
    assert isinstance(answer["tookMs"], int | float) and answer["tookMs"] >= 0
    request = parse_search(arguments[0])  # the server accepted it, so must the contract
    results = answer["results"]
    assert isinstance(results, list) and _is_int(answer["total"])
    assert len(results) <= request.limit
    assert answer["total"] >= min(answer["total"], request.offset) + len(results)
    f = request.filters
    for item in results:
        _check_result(item, workspace)
        if f.languages:
            assert item["language"] in f.languages
        if f.min_size is not None:
            assert item["size"] >= f.min_size
        if f.max_size is not None:
            assert item["size"] <= f.max_size
        if request.min_score is not None:
            assert item["score"] >= request.min_score


def _check_context(answer: Any, workspace: Path) -> None:
    assert isinstance(answer, dict) and set(answer) == {"focus", "related", "tookMs"}
    focus = answer["focus"]
    assert set(focus) == {"uri", "path", "range", "symbol", "snippet"}
    _check_range(focus["range"])
    assert focus["uri"] == (workspace / focus["path"]).as_uri()
    for item in answer["related"]:
        _check_result(item, workspace)


def _check_status(answer: Any) -> None:
    assert isinstance(answer, dict) and set(answer) >= STATUS_KEYS, answer
    assert answer["state"] in STATES
    for key in STATUS_COUNTS:
        assert _is_int(answer[key]), (key, answer[key])
    assert set(answer["skippedFiles"]) <= set(vars(SkipReason).values())
    assert set(answer["cache"]) == {"path", "entries", "hits", "misses"}


def _check_stats(answer: Any) -> None:
    assert isinstance(answer, dict) and set(answer) >= STATS_KEYS, answer
    assert _is_int(answer["files"]) and _is_int(answer["totalBytes"])
    assert len(answer["languages"]) <= 10 and len(answer["popularQueries"]) <= 10


def _check_reindex(answer: Any) -> None:
    assert isinstance(answer, dict) and _is_int(answer.get("queued")), answer


def _local_verdict(
    parse: Callable[[list[Any]], Any], arguments: list[Any]
) -> tuple[bool, str | None]:
    """Whether `arama.arguments` accepts these (JSON round-tripped) arguments; any exception
    other than ArgumentError is a bug in the validation itself and fails the test."""
    try:
        parse(arguments)
    except ArgumentError as exc:
        return False, str(exc)
    return True, None


def _judge(s: Session, command: str, arguments: list[Any] | None) -> None:
    """Send one payload and check the answer against the contract."""
    seen = _roundtrip(arguments)
    s.digest.update(repr((command, arguments)).replace(str(s.workspace), "WS").encode())
    outcome, answer = _execute(s, command, arguments)
    s.outcomes[(command, outcome)] += 1
    where = f"{command} {_short(arguments)}"
    if outcome != "ok":
        assert outcome == "-32602", f"{where} -> error {outcome}: {_short(answer, 2000)}"
        assert isinstance(answer, str) and answer.strip(), f"{where}: empty error message"
        assert NAMED_FIELD.search(answer), f"{where}: {answer!r} names no field"
    loc = s.locale
    if command == "arama.search":
        accepted, why = _local_verdict(lambda a: parse_search(single_object(a, loc), loc), seen)
        assert accepted == (outcome == "ok"), f"{where}: contract says {why}, server {answer!r}"
        if outcome == "ok":
            _check_search(answer, seen, s.workspace)
        else:  # the same words as the contract, in the client's language
            assert answer == why, f"{where}: server says {answer!r}, contract says {why!r}"
    elif command == "arama.context":
        accepted, why = _local_verdict(lambda a: parse_context(single_object(a, loc), loc), seen)
        if not accepted:
            assert outcome != "ok", f"{where}: contract refuses ({why}), the server answered"
            assert answer == why, f"{where}: server says {answer!r}, contract says {why!r}"
        elif outcome != "ok":  # valid arguments, but not a file of this workspace's index
            refusals = {text("error.uri", loc, field="uri"), text("error.not_indexed", loc)}
            assert answer in refusals, f"{where}: {answer!r}"
        if outcome == "ok":
            _check_context(answer, s.workspace)
    elif outcome == "ok":
        {"arama.status": _check_status, "arama.stats": _check_stats}.get(command, _check_reindex)(
            answer
        )
    else:
        assert answer == text("error.arguments", loc), f"{where}: {answer!r}"


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------


PATHOLOGICAL_GLOBS = ["*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "**/x/**/x/**/x/**/x/**/y"]


def _explicit(workspace: Path) -> dict[str, list[list[Any]]]:
    """Payloads that broke the server once, sent first on every run (hypothesis `@example`)."""
    retry = (workspace / "retry.py").as_uri()
    return {
        "arama.search": [
            [{"query": "retry", "offset": 2**63}],
            [{"query": "retry", "offset": 10**100, "limit": 200}],
            [{"query": "retry", "offset": 1e300}],
            [{"query": "retry", "paths": [PATHOLOGICAL_GLOBS[0]]}],
            [{"query": "retry", "exclude": PATHOLOGICAL_GLOBS}],
            [{"query": "retry", "minSize": 10**30, "maxSize": 10**31, "minScore": -math.inf}],
            [{"query": "retry", "modifiedAfter": "0001-01-01T00:00:00+01:00"}],
            [{"query": "retry", "modifiedBefore": "9999-12-31T23:59:59-14:00"}],
        ],
        "arama.context": [
            [{"uri": "file://[", "position": {"line": 0}}],
            [{"uri": "file://[::1/x.py", "position": {"line": 0, "character": 0}}],
            [{"uri": retry, "position": {"line": 10**30, "character": 2**63}}],
            [{"uri": retry, "position": {"line": 3, "character": 0}, "limit": 200}],
            [{"uri": retry + "%00", "position": {"line": 0}}],
        ],
    }


def _fuzz(
    session: Session,
    command: str,
    strategy: st.SearchStrategy[list[Any] | None],
    explicit: list[list[Any]],
    examples: int,
) -> Callable[[], None]:
    def fuzz(arguments: list[Any] | None) -> None:
        _judge(session, command, arguments)

    test = given(arguments=strategy)(fuzz)
    for arguments in explicit:
        test = example(arguments=arguments)(test)
    return settings(FUZZ_SETTINGS, max_examples=examples)(test)  # type: ignore[no-any-return]


def _storm(session: Session, examples: dict[str, int]) -> None:
    """Send every command its share of fuzzed payloads; each answer is judged by `_judge`."""
    strategies: dict[str, st.SearchStrategy[list[Any] | None]] = {
        "arama.search": _arguments(SEARCH_OBJECT),
        "arama.context": _arguments(_context_object(session.workspace)),
        "arama.status": _arguments(NO_ARGUMENT_OBJECT),
        "arama.stats": _arguments(NO_ARGUMENT_OBJECT),
        "arama.reindex": _arguments(NO_ARGUMENT_OBJECT),
    }
    explicit = _explicit(session.workspace)
    started = time.perf_counter()
    for command, strategy in strategies.items():
        _fuzz(session, command, strategy, explicit.get(command, []), examples[command])()
    elapsed = time.perf_counter() - started

    sent = sum(session.outcomes.values())
    summary = ", ".join(f"{c} {o}: {n}" for (c, o), n in sorted(session.outcomes.items()))
    print(
        f"\nfuzz ({session.locale}): {sent} payloads (sha256 {session.digest.hexdigest()[:16]})"
        f" in {elapsed:.1f}s ({session.seconds:.1f}s waiting): {summary}"
    )
    assert sent >= sum(examples.values())
    for command in examples:
        codes = {o for c, o in session.outcomes if c == command}
        assert codes <= {"ok", "-32602"}
        assert "-32602" in codes, f"{command}: no payload was refused?"
    for command in ("arama.search", "arama.context", "arama.status"):
        assert session.outcomes[(command, "ok")] > 0, f"{command}: nothing was accepted"


def test_random_arguments_never_break_the_server(session: Session) -> None:
    _storm(session, EXAMPLES)
    assert sum(session.outcomes.values()) >= MIN_PAYLOADS

    # Still healthy afterwards: ready, and the same index as before the storm.
    status = session.loop.run(wait_ready(session.client), 300)
    before = session.baseline
    assert before["files"] == 10  # the fixture's 9 files and the long name of `a`s
    assert status["state"] == "ready"
    assert (status["files"], status["chunks"]) == (before["files"], before["chunks"])
    assert status["embeddedChunks"] == status["chunks"]
    assert status["workspaceFolders"] == [str(session.workspace)]
    _, answer = _execute(
        session, "arama.search", [{"query": "retry a failed request with exponential backoff"}]
    )
    assert answer["results"][0]["symbol"] == "retry_request"


TURKISH_EXAMPLES = {
    "arama.search": 200,
    "arama.context": 120,
    "arama.status": 40,
    "arama.stats": 40,
    "arama.reindex": 30,
}


def test_random_arguments_answer_a_turkish_client_in_turkish(turkish_session: Session) -> None:
    """The same storm, smaller, for a client whose locale is `tr`: every refusal is the
    contract's Turkish sentence, word for word (`_judge`), never an English one."""
    _storm(turkish_session, TURKISH_EXAMPLES)
    refusals = sum(n for (_, o), n in turkish_session.outcomes.items() if o == "-32602")
    assert refusals >= 100, turkish_session.outcomes
    status = turkish_session.loop.run(wait_ready(turkish_session.client), 300)
    assert (status["files"], status["chunks"]) == (
        turkish_session.baseline["files"],
        turkish_session.baseline["chunks"],
    )


# ---------------------------------------------------------------------------------------------
# Malformed framing on a raw connection
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def raw_dirs(tmp_path: Path) -> dict[str, Path]:
    return fixture_dirs(tmp_path)


def _status_when_ready(server: RawServer, first_id: int, timeout: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    msg_id = first_id
    while True:
        server.send(request(msg_id, "workspace/executeCommand", {"command": "arama.status"}))
        answer = server.response(msg_id)
        assert "result" in answer, answer
        status: dict[str, Any] = answer["result"]
        if status["state"] == "ready" and status["files"] > 0:
            return status
        assert time.monotonic() < deadline, f"not ready: {status}"
        msg_id += 1
        time.sleep(0.2)


def test_malformed_framing_then_a_normal_session(raw_dirs: dict[str, Path]) -> None:
    server = RawServer(raw_dirs["home"], raw_dirs["log"])
    try:
        # Garbage before any message: header lines without Content-Length, a bad length.
        server.send(b"Garbage: yes\r\nX-Whatever: 1\r\n\r\n")
        server.send(b"Content-Length: twelve\r\n\r\n")
        server.send(b"\r\n\r\n")
        # Bodies that are not JSON-RPC messages.
        server.send(frame(b"{this is not json"))
        server.send(frame(b"\xff\xfe\x00garbage"))
        for body in (b"[1, 2, 3]", b"42", b'"a string"', b"null", b"[]", b"{}"):
            server.send(frame(body))
        server.send(frame(b"[" * 100_000 + b"]" * 100_000))
        server.send(frame({"jsonrpc": "1.0", "id": 1, "method": "initialize", "params": {}}))
        # A notification whose required params are missing, and one for an unknown method.
        server.send(notification("textDocument/didOpen"))
        server.send(notification("workspace/didChangeWatchedFiles", {"changes": "nope"}))
        server.send(notification("no/such/notification", {}))
        # An unknown method gets MethodNotFound, with its id.
        server.send(request(2, "no/such/method", {}))
        answer = server.response(2)
        assert answer["error"]["code"] == -32601, answer

        # The same connection still works: a normal session.
        server.send(
            request(3, "initialize", initialize_params(raw_dirs["workspace"], raw_dirs["cache"]))
        )
        assert server.response(3)["result"]["serverInfo"]["name"] == "arama"
        server.send(notification("initialized", {}))
        status = _status_when_ready(server, 100)
        assert status["files"] == 9

        # Malformed requests after initialization: each answered with -32602, the server lives on.
        bad = [
            request(10, "workspace/executeCommand", {"command": "arama.status", "arguments": 5}),
            request(11, "workspace/executeCommand"),
            request(12, "workspace/executeCommand", {"command": 5}),
            request(13, "workspace/executeCommand", {"command": "arama.nope"}),
            request(14, "workspace/symbol"),
        ]
        for message in bad:
            server.send(message)
        server.send(request(15, "workspace/executeCommand", {"command": "arama.status"}))
        assert server.response(15)["result"]["state"] == "ready"
        answered = {m.get("id"): m for m in server.seen if "id" in m and "method" not in m}
        for msg_id in range(10, 15):
            assert answered[msg_id]["error"]["code"] == -32602, answered.get(msg_id)

        # A Content-Length larger than the body, then EOF: a clean, prompt exit.
        server.send(b"Content-Length: 5000\r\n\r\n" + json.dumps(request(16, "shutdown")).encode())
        server.close_stdin()
        code = server.wait_exit(30)
        assert code == 0, (
            f"exit code {code} (None: still running after 30s)\n{server.stderr_text()[-3000:]}"
        )
        assert not server.bad_frames
    finally:
        server.kill()


def test_shutdown_and_exit_after_garbage(raw_dirs: dict[str, Path]) -> None:
    """The orderly way out still works after a burst of garbage: shutdown, exit, code 0."""
    server = RawServer(raw_dirs["home"], raw_dirs["log"])
    try:
        server.send(
            request(1, "initialize", initialize_params(raw_dirs["workspace"], raw_dirs["cache"]))
        )
        server.response(1)
        server.send(notification("initialized", {}))
        for body in (b"{", b"[]", b"\x00" * 64, b"Content-Length: 3\r\n\r\n"):
            server.send(frame(body))
        _status_when_ready(server, 10)
        server.send(request(2, "shutdown"))
        assert server.response(2).get("result", "missing") is None
        server.send(notification("exit"))
        assert server.wait_exit(30) == 0, server.stderr_text()[-3000:]
    finally:
        server.kill()


def test_exit_without_shutdown_exits_1(raw_dirs: dict[str, Path]) -> None:
    """The specification: `exit` before `shutdown` ends the server with code 1."""
    server = RawServer(raw_dirs["home"], raw_dirs["log"])
    try:
        server.send(
            request(1, "initialize", initialize_params(raw_dirs["workspace"], raw_dirs["cache"]))
        )
        server.response(1)
        server.send(notification("initialized", {}))
        server.send(notification("exit"))
        assert server.wait_exit(30) == 1, server.stderr_text()[-3000:]
    finally:
        server.kill()


@pytest.mark.parametrize(
    "length", [b"99999999999999999999", b"1000000000000000", b"1000000000000", b"-1", b"12abc"]
)
def test_malformed_framing_huge_length(raw_dirs: dict[str, Path], length: bytes) -> None:
    server = RawServer(raw_dirs["home"], raw_dirs["log"])
    try:
        server.send(b"Content-Length: " + length + b"\r\n\r\n{}")
        server.close_stdin()
        code = server.wait_exit(30)
        log = server.stderr_text()
        assert code == 0, f"exit code {code}\n{log[-2000:]}"
        assert "dropped a message of" in log or "unusable Content-Length" in log, log[-2000:]
    finally:
        server.kill()
