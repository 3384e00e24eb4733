"""Messages no ordinary client sends, on a raw connection to the real server over stdio.

- Frames that cannot be read (a Content-Length too big to allocate, negative or not a number, a
  header line of 100 kB, a body over the 64 MiB cap) are dropped; the stream resynchronises and
  the same connection goes on with a normal session.
- A request whose params do not decode into the LSP type gets -32602 naming the bad field, in
  the client's language; a notification with bad params is dropped without an error pop-up.
- Document notifications for documents that were never opened are ignored quietly.
- A hypothesis fuzz of `workspace/symbol` params and of the `executeCommand` envelope on a Turkish
  connection: every request is answered, by a result or by a Turkish -32602.

Most of these never send `initialized`: the engine (and the model) is not needed to decode
messages, which keeps them fast.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arama.lsp.transport import MAX_BODY_BYTES
from arama.messages import CATALOG, text
from support.fixtures import FIXTURE_WORKSPACE
from support.raw_lsp import (
    RawServer,
    fixture_dirs,
    frame,
    initialize_params,
    notification,
    request,
)

pytestmark = pytest.mark.e2e

STATES = {"starting", "indexing", "ready"}


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    return fixture_dirs(tmp_path)


def _initialized(dirs: dict[str, Path], locale: str = "en", msg_id: int = 1) -> RawServer:
    server = RawServer(dirs["home"], dirs["log"])
    server.send(
        request(msg_id, "initialize", initialize_params(dirs["workspace"], dirs["cache"], locale))
    )
    assert server.response(msg_id)["result"]["serverInfo"]["name"] == "arama"
    return server


def _popups(server: RawServer) -> list[dict[str, Any]]:
    """Error and warning messages the server pushed at the user (pygls reports failures of
    notification handlers and of decoding this way)."""
    return [
        m
        for m in server.seen
        if m.get("method") in ("window/showMessage", "window/logMessage")
        and m.get("params", {}).get("type") in (1, 2)
    ]


def _status(server: RawServer, msg_id: int) -> dict[str, Any]:
    server.send(request(msg_id, "workspace/executeCommand", {"command": "arama.status"}))
    answer = server.response(msg_id, timeout=30)
    assert answer["result"]["state"] in STATES, answer
    return answer["result"]  # type: ignore[no-any-return]


def _oversized(message: dict[str, Any]) -> bytes:
    """A well-formed message padded with JSON whitespace to one byte over the cap."""
    body = json.dumps(message).encode()
    return body[:-1] + b" " * (MAX_BODY_BYTES + 1 - len(body)) + b"}"


def test_unframable_and_oversized_messages_are_dropped(dirs: dict[str, Path]) -> None:
    server = RawServer(dirs["home"], dirs["log"])
    try:
        params = initialize_params(dirs["workspace"], dirs["cache"])
        shutdown = json.dumps(request(1, "shutdown")).encode()
        # Lengths that cannot be allocated or are not lengths. Each body that follows a skipped
        # header runs into the next header on the same line: the reader finds it there.
        server.send(b"Content-Length: 1000000000000000000000\r\n\r\n{}")
        server.send(b"Content-Length: -5\r\n\r\n" + shutdown)
        server.send(b"Content-Length: 12abc\r\n\r\n" + shutdown)
        server.send(b"Content-Length: 99999999999999999999999999999999\r\n\r\n")
        server.send(b"X-Noise: " + b"n" * 100_000 + b"\r\n\r\n")
        oversized = _oversized(request(2, "initialize", params))
        assert len(oversized) == MAX_BODY_BYTES + 1
        server.send(frame(oversized))
        # A notification over the cap, with an "id" inside its params: dropped, not answered.
        opened = {"textDocument": {"id": 7, "uri": dirs["workspace"].as_uri() + "/x.py"}}
        server.send(frame(_oversized(notification("textDocument/didOpen", opened))))
        # The same connection, a normal session.
        server.send(request(3, "initialize", params))
        assert server.response(3, timeout=120)["result"]["serverInfo"]["name"] == "arama"
        _status(server, 4)
        # The request over the cap was not handled, but answered: its id is read from its start.
        too_large = text("error.too_large", "en", size=MAX_BODY_BYTES + 1, limit=MAX_BODY_BYTES)
        answered = {m["id"]: m for m in server.seen if "id" in m and "method" not in m}
        assert answered[2]["error"] == {"code": -32600, "message": too_large}
        assert not answered.keys() & {1, 7}, "a dropped frame was handled"
        log = server.stderr_text()
        assert f"dropped a message of {MAX_BODY_BYTES + 1} bytes" in log
        assert "unusable Content-Length b'-5'" in log
        assert server.process.poll() is None
        assert not _popups(server), _popups(server)
    finally:
        server.kill()


def _decode_error(locale: str, method: str, field: str, *, missing: bool = False) -> str:
    detail = text("error.required" if missing else "error.value", locale, field=field)
    return text("error.params", locale, method=method, detail=detail)


UNDECODABLE: list[tuple[str, Any, str, bool]] = [
    # method, params (None: left out), the field the error must name, whether it is missing
    ("workspace/symbol", {"query": 5}, "query", False),
    ("workspace/symbol", {"query": ["a"]}, "query", False),
    ("workspace/symbol", {}, "query", True),
    ("workspace/symbol", 5, "params", False),
    ("workspace/symbol", None, "params", True),
    ("workspace/symbol", {"query": {"text": "x"}}, "query", False),
    ("workspace/executeCommand", {"command": "arama.status", "arguments": 5}, "arguments", False),
    ("workspace/executeCommand", {"command": 5}, "command", False),
    ("workspace/executeCommand", {"arguments": []}, "command", True),
    ("workspace/executeCommand", None, "params", True),
    ("shutdown", None, "", False),  # no params needed: answered normally, last
]


@pytest.mark.parametrize("locale", ["en", "tr"])
def test_undecodable_params_get_invalid_params(dirs: dict[str, Path], locale: str) -> None:
    server = _initialized(dirs, locale)
    try:
        for number, (method, params, _, _) in enumerate(UNDECODABLE[:-1]):
            server.send(request(f"bad-{number}", method, params))
        server.send(request(50, "workspace/executeCommand", {"command": "arama.nope"}))
        for number, (method, _, field, missing) in enumerate(UNDECODABLE[:-1]):
            answer = server.response(f"bad-{number}", timeout=30)
            assert answer["error"]["code"] == -32602, answer
            assert answer["error"]["message"] == _decode_error(
                locale, method, field, missing=missing
            )
        unknown = server.response(50, timeout=30)["error"]
        assert unknown == {
            "code": -32602,
            "message": text("error.command", locale, command="arama.nope"),
        }

        # Notifications with bad params: logged and dropped, no pop-up, the server goes on.
        uri = (dirs["workspace"] / "retry.py").as_uri()
        server.send(notification("textDocument/didOpen", {"textDocument": 5}))
        server.send(notification("textDocument/didChange", {"textDocument": {"uri": uri}}))
        server.send(
            notification(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": "two"}, "contentChanges": [{"text": 5}]},
            )
        )
        server.send(notification("workspace/didChangeWatchedFiles", {"changes": "nope"}))
        server.send(notification("workspace/didChangeWorkspaceFolders", {"event": [1]}))
        _status(server, 51)
        assert not _popups(server), _popups(server)
        assert "dropped textDocument/didChange notification" in server.stderr_text()
    finally:
        server.kill()


def test_document_events_for_unopened_documents_are_ignored_quietly(
    dirs: dict[str, Path],
) -> None:
    server = _initialized(dirs)
    try:
        never_opened = (dirs["workspace"] / "retry.py").as_uri()
        opened = (dirs["workspace"] / "utils" / "debounce.js").as_uri()
        change = {
            "textDocument": {"uri": never_opened, "version": 2},
            "contentChanges": [
                {
                    "range": {
                        "start": {"line": 0, "character": 0},
                        "end": {"line": 0, "character": 0},
                    },
                    "text": "# edited\n",
                }
            ],
        }
        server.send(notification("textDocument/didChange", change))
        server.send(
            notification("textDocument/didChange", {**change, "contentChanges": [{"text": "x"}]})
        )
        server.send(notification("textDocument/didSave", {"textDocument": {"uri": never_opened}}))
        server.send(
            notification("textDocument/didSave", {"textDocument": {"uri": "file:///etc/passwd"}})
        )
        server.send(notification("textDocument/didClose", {"textDocument": {"uri": never_opened}}))
        # An open document works as before, and after its close it is unknown again.
        item = {"uri": opened, "languageId": "javascript", "version": 1, "text": "let a = 1;\n"}
        server.send(notification("textDocument/didOpen", {"textDocument": item}))
        server.send(
            notification(
                "textDocument/didChange", {**change, "textDocument": {"uri": opened, "version": 2}}
            )
        )
        server.send(notification("textDocument/didClose", {"textDocument": {"uri": opened}}))
        server.send(notification("textDocument/didClose", {"textDocument": {"uri": opened}}))
        server.send(
            notification(
                "textDocument/didChange", {**change, "textDocument": {"uri": opened, "version": 3}}
            )
        )
        _status(server, 2)
        assert not _popups(server), _popups(server)
        log = server.stderr_text()
        assert "KeyError" not in log and "Traceback" not in log, log[-3000:]
        assert log.count("ignored didChange for a document that is not open") == 3
        assert log.count("ignored didClose for a document that is not open") == 2
    finally:
        server.kill()


# ---------------------------------------------------------------------------------------------
# A Turkish fuzz of workspace/symbol and of the executeCommand envelope
# ---------------------------------------------------------------------------------------------

SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.sampled_from(["", "retry", "ıİğşçöü", "重试", "🔍", "\x00", "a" * 2000]),
)
ANY_JSON = st.recursive(
    SCALAR,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["query", "command", "arguments", "x"]), inner, max_size=3
        )
    ),
    max_leaves=8,
)
SYMBOL_PARAMS = st.one_of(
    st.fixed_dictionaries({"query": st.one_of(st.sampled_from(["retry", "matrix", ""]), SCALAR)}),
    st.fixed_dictionaries(
        {"query": st.text(max_size=20)},
        optional={"workDoneToken": ANY_JSON, "partialResultToken": ANY_JSON, "x": ANY_JSON},
    ),
    ANY_JSON,
)
ENVELOPES = st.one_of(
    st.fixed_dictionaries(
        {"command": st.one_of(st.sampled_from(["arama.status", "arama.stats"]), SCALAR)},
        optional={"arguments": ANY_JSON},
    ),
    ANY_JSON,
)
NAMED_FIELD = re.compile(r"'[A-Za-z][\w.\[\]]*'")


def _english_fragments() -> set[str]:
    """The longest literal piece of every English message, and pygls' own English errors: a
    message for a Turkish client that contains one of these leaked English."""
    fragments = {"is not defined", "Invalid Params", "Internal Error", "Traceback"}
    for template in CATALOG["en"].values():
        pieces = [p for part in template.split("{") for p in part.split("}")[-1:]]
        longest = max(pieces, key=len)
        if len(longest.strip()) > 8:
            fragments.add(longest)
    return fragments


ENGLISH = _english_fragments()


@pytest.fixture(scope="module")
def turkish(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawServer]:
    base = tmp_path_factory.mktemp("bad-messages")
    workspace = base / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    dirs = {
        "workspace": workspace,
        "cache": base / "cache",
        "home": base / "home",
        "log": base / "log",
    }
    server = _initialized(dirs, "tr")
    server.send(notification("initialized", {}))
    deadline = time.monotonic() + 300
    msg_id = 1000
    while _status(server, msg_id)["state"] != "ready":
        assert time.monotonic() < deadline, "not ready"
        msg_id += 1
        time.sleep(0.2)
    try:
        yield server
    finally:
        server.kill()


class _Ids:
    next = 10_000


def _call(server: RawServer, method: str, params: Any) -> dict[str, Any]:
    _Ids.next += 1
    server.send(request(_Ids.next, method, params))
    return server.response(_Ids.next, timeout=60)


def _check_turkish_refusal(method: str, params: Any, answer: dict[str, Any]) -> None:
    assert answer["error"]["code"] == -32602, (params, answer)
    message = answer["error"]["message"]
    assert isinstance(message, str) and message
    assert not [english for english in ENGLISH if english in message], (params, message)
    assert NAMED_FIELD.search(message), message


@settings(
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=250,
    suppress_health_check=list(HealthCheck),
)
@given(params=SYMBOL_PARAMS)
def test_fuzzed_workspace_symbol_params_in_turkish(turkish: RawServer, params: Any) -> None:
    answer = _call(turkish, "workspace/symbol", params)
    valid = (
        isinstance(params, dict)
        and isinstance(params.get("query"), str)
        and not ({"workDoneToken", "partialResultToken"} & params.keys())
    )
    if valid:
        assert isinstance(answer.get("result"), list), (params, answer)
        for symbol in answer["result"]:
            assert {"name", "kind", "location"} <= symbol.keys()
    elif "error" in answer:
        _check_turkish_refusal("workspace/symbol", params, answer)
    assert not _popups(turkish), _popups(turkish)


@settings(
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=250,
    suppress_health_check=list(HealthCheck),
)
@given(params=ENVELOPES)
def test_fuzzed_execute_command_envelopes_in_turkish(turkish: RawServer, params: Any) -> None:
    answer = _call(turkish, "workspace/executeCommand", params)
    if "error" in answer:
        _check_turkish_refusal("workspace/executeCommand", params, answer)
    else:
        assert isinstance(params, dict) and params.get("command") in ("arama.status", "arama.stats")
        assert isinstance(answer["result"], dict)
    assert not _popups(turkish), _popups(turkish)


HOSTILE_URIS = [
    "file://[",
    "file://[::1/x.py",
    "file:///%00",
    "file:///a\x00b.py",
    "file:",
    "file:%",
    "file:///etc/passwd",
    "http://example.com/x.py",
    "",
    "file:///" + "ş" * 5000 + ".py",
]


def test_hostile_uris_in_notifications_are_ignored_quietly(turkish: RawServer) -> None:
    """Document, file and folder events naming URIs that are not files of the workspace (or
    not URIs at all) change nothing and pop nothing up; the index is the one it was."""
    before = _status(turkish, 90_000)
    for number, uri in enumerate(HOSTILE_URIS):
        item = {"uri": uri, "languageId": "python", "version": 1, "text": "def hostile(): pass\n"}
        turkish.send(notification("textDocument/didOpen", {"textDocument": item}))
        turkish.send(
            notification(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "x"}]},
            )
        )
        turkish.send(notification("textDocument/didSave", {"textDocument": {"uri": uri}}))
        turkish.send(notification("textDocument/didClose", {"textDocument": {"uri": uri}}))
        turkish.send(
            notification("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri, "type": 2}]})
        )
        folder = {"uri": uri, "name": f"hostile-{number}"}
        for change in ({"added": [folder], "removed": []}, {"added": [], "removed": [folder]}):
            turkish.send(notification("workspace/didChangeWorkspaceFolders", {"event": change}))
    time.sleep(1.0)
    after = _status(turkish, 90_001)
    assert after["workspaceFolders"] == before["workspaceFolders"]
    assert (after["files"], after["chunks"]) == (before["files"], before["chunks"])
    assert not _popups(turkish), _popups(turkish)
    # `file:%` is the relative path "%": never taken relative to the server's working directory.
    assert str(Path.cwd() / "%") not in turkish.stderr_text()
    answer = _call(turkish, "workspace/symbol", {"query": "hostile"})
    assert not [s for s in answer["result"] if s["name"] == "hostile"], answer
