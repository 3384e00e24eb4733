"""The stdio framing reader on byte strings: every recovery rule, without a server.

The end-to-end proof (a live server that goes on after such frames) is
tests/e2e/test_bad_messages.py; these pin the rules one by one, fast.
"""

from __future__ import annotations

import io
import json

import pytest

from arama.lsp.transport import (
    MAX_HEADER_LINE_BYTES,
    MAX_HEADER_LINES,
    FrameReader,
    Oversized,
    _request_id,
)


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def bodies(data: bytes, max_body: int = 1000) -> list[bytes | Oversized]:
    reader = FrameReader(io.BufferedReader(io.BytesIO(data)), max_body=max_body)
    found: list[bytes | Oversized] = []
    while (body := reader.next_body()) is not None:
        found.append(body)
    return found


def test_well_formed_frames_with_other_headers_and_bare_newlines() -> None:
    data = (
        frame(b"{}")
        + b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 2\r\n\r\n[]"
        + b"content-length:3\n\n123"
    )
    assert bodies(data) == [b"{}", b"[]", b"123"]


@pytest.mark.parametrize(
    "length", [b"-5", b"12abc", b"1e3", b"", b"0x10", b"1" * 21, b"\xff\xfe", b"3 4"]
)
def test_an_unusable_length_skips_its_block_and_the_next_frame_is_found(length: bytes) -> None:
    data = b"Content-Length: " + length + b"\r\n\r\n" + b'{"lost": 1}' + frame(b"{}")
    assert bodies(data) == [b"{}"]


def test_garbage_lines_and_blank_lines_between_frames() -> None:
    data = b"\r\n\r\nGarbage: yes\r\n\r\n" + b"no colon at all\r\n\r\n" + frame(b"{}")
    assert bodies(data) == [b"{}"]


def test_conflicting_lengths_make_the_block_invalid() -> None:
    data = b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n" + frame(b"{}")
    assert bodies(data) == [b"{}"]


def test_an_overlong_line_is_dropped_without_losing_the_next_frame() -> None:
    data = b"X" * (MAX_HEADER_LINE_BYTES * 3) + b"\r\n" + frame(b"{}")
    assert bodies(data) == [b"{}"]


def test_too_many_header_lines_make_the_block_invalid() -> None:
    noise = b"X-Noise: 1\r\n" * (MAX_HEADER_LINES + 1)
    data = b"Content-Length: 2\r\n" + noise + b"\r\n{}" + frame(b"[]")
    assert bodies(data) == [b"[]"]


def test_an_oversized_body_is_dropped_and_reported_with_its_request_id() -> None:
    big = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "x", "params": "a" * 2000}).encode()
    assert bodies(frame(big) + frame(b"{}"), max_body=1000) == [Oversized(len(big), 7), b"{}"]


def test_a_length_that_cannot_be_allocated_reads_to_the_end_and_stops() -> None:
    assert bodies(b"Content-Length: 99999999999999999999\r\n\r\n{}") == []
    assert bodies(b"Content-Length: 1000000000000000\r\n\r\n{}") == []


def test_input_ending_inside_a_body_ends_the_stream() -> None:
    assert bodies(frame(b"{}") + b"Content-Length: 50\r\n\r\n{") == [b"{}"]


@pytest.mark.parametrize(
    ("head", "msg_id"),
    [
        (b'{"jsonrpc":"2.0","id":12,"method":"x","params":{"id":3}}', 12),
        (b'{"id": "abc", "params": {}', "abc"),
        (b'{"jsonrpc":"2.0","method":"x","params":{"id":3,', None),  # a notification
        (b'{"jsonrpc":"2.0","id":4,"result":{"id":3}', None),  # a response
        (b'{"method":"x","params":' + b"a" * 100, None),
    ],
)
def test_the_request_id_of_a_dropped_body(head: bytes, msg_id: int | str | None) -> None:
    assert _request_id(head) == msg_id
