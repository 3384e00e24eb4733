"""What the user reads of the team cache's state changes, decided by `RemoteNotices` from the
engine's events: the real class, with a stand-in for the server that records what it would send
(the end-to-end path over stdio with a real redis-server is tests/e2e/test_remote_notices.py)."""

from __future__ import annotations

from lsprotocol import types

from arama.engine.records import RemoteCacheEvent
from arama.lsp.remote_notices import RemoteNotices
from arama.messages import text

URL = "redis://ci:***@cache:6379/0"


class RecordingServer:
    def __init__(self, locale: str | None) -> None:
        self.locale = locale
        self.loop = None
        self.shown: list[types.ShowMessageParams] = []

    def window_show_message(self, params: types.ShowMessageParams) -> None:
        self.shown.append(params)


def _notices(locale: str | None = "en") -> tuple[RemoteNotices, RecordingServer]:
    server = RecordingServer(locale)
    return RemoteNotices(server), server  # type: ignore[arg-type]


def _event(change: str, fault: str | None = None) -> RemoteCacheEvent:
    return RemoteCacheEvent(change, fault, URL)  # type: ignore[arg-type]


def test_one_warning_per_kind_and_one_notice_per_warning() -> None:
    notices, server = _notices("tr_TR.UTF-8")
    for change, fault in [
        ("unavailable", "refused"),
        ("recovered", None),
        ("unavailable", "refused"),  # flapping: already told
        ("recovered", None),  # no warning since the last notice: nothing
        ("unavailable", "timeout"),  # another kind: told
        ("recovered", None),
    ]:
        notices.on_event(_event(change, fault))
    refused = text("remote.fault.refused", "tr")
    timeout = text("remote.fault.timeout", "tr")
    assert [(m.type, m.message) for m in server.shown] == [
        (
            types.MessageType.Warning,
            text("remote.notify.unavailable", "tr", url=URL, fault=refused),
        ),
        (types.MessageType.Info, text("remote.notify.recovered", "tr", url=URL)),
        (
            types.MessageType.Warning,
            text("remote.notify.unavailable", "tr", url=URL, fault=timeout),
        ),
        (types.MessageType.Info, text("remote.notify.recovered", "tr", url=URL)),
    ]


def test_a_recovery_without_a_warning_says_nothing() -> None:
    notices, server = _notices()
    notices.on_event(_event("recovered"))
    assert server.shown == []


def test_disabled_and_refused_writes_are_warnings_and_a_later_recovery_still_told() -> None:
    notices, server = _notices()
    notices.on_event(_event("unavailable", "timeout"))
    notices.on_event(_event("writes-refused", "denied"))  # does not cancel the owed notice
    notices.on_event(_event("writes-refused", "denied"))
    notices.on_event(_event("recovered"))
    notices.on_event(_event("disabled", "mismatch"))
    notices.on_event(_event("disabled", "mismatch"))
    denied = text("remote.fault.denied", "en")
    mismatch = text("remote.fault.mismatch", "en")
    assert [m.message for m in server.shown][1:] == [
        text("remote.notify.writes-refused", "en", url=URL, fault=denied),
        text("remote.notify.recovered", "en", url=URL),
        text("remote.notify.disabled", "en", url=URL, fault=mismatch),
    ]
    assert [m.type for m in server.shown][1:] == [
        types.MessageType.Warning,
        types.MessageType.Info,
        types.MessageType.Warning,
    ]
