"""The stdio transport: LSP base-protocol framing that no client input can kill.

pygls 2.1's stdio loop trusts the `Content-Length` header: it hands the number straight to
`stdin.read()`, outside its error handling, so a length that cannot be allocated (10**15) ends
the process. A language server runs all day in every editor window; one broken or hostile frame
must cost that frame, never the server. `FrameReader` reads frames with every size bounded
(header lines, header blocks, bodies), skips what it cannot frame and logs why; `serve_stdio`
replaces pygls' `start_io` loop and hands each body to the protocol, parsing only the top-level
object (pygls' object hook also decodes nested objects that happen to carry a "jsonrpc" key).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from pygls.io_ import StdoutWriter

from arama.lsp.protocol import AramaProtocol

if TYPE_CHECKING:
    from pygls.protocol import JsonRPCProtocol
    from pygls.server import JsonRPCServer

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024 * 1024
"""The largest message body the server reads; a larger one is read in pieces and dropped. 64 MiB
holds a `didOpen` of any file the indexer would take (see the scanner's size limit) many times."""
MAX_HEADER_LINE_BYTES = 8 * 1024
"""A longer header line is garbage; it is skipped without ever being held in memory whole."""
MAX_HEADER_LINES = 32
"""More header lines than this in one block: not a client speaking LSP; the block is dropped."""
DISCARD_PIECE_BYTES = 1024 * 1024

_CONTENT_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?\n?$", re.I)
_DIGITS = re.compile(rb"[0-9]{1,20}")
SNIFF_BYTES = 4096
"""How much of a dropped body is looked at for the id of the request it carried."""
_ID = re.compile(rb'"id"\s*:\s*(-?[0-9]{1,18}|"[^"\\]{0,200}")\s*[,}]')


@dataclass(frozen=True)
class Oversized:
    """A frame whose body was over the cap and dropped; `msg_id` is the id of the request it
    carried when the start of the body shows one, so that the client is answered, not left
    waiting."""

    length: int
    msg_id: int | str | None


def _request_id(head: bytes) -> int | str | None:
    """The id of a request from the start of its JSON, if it stands before the params.

    A heuristic for a body that is never parsed: clients write `jsonrpc`, `id` and `method`
    before the (large) `params`. Responses (`result`, `error`) and notifications (no id) give
    None; so does an `"id"` that is only found inside the params.
    """
    before = head.split(b'"params"', 1)[0]
    if b'"result"' in before or b'"error"' in before:
        return None
    found = _ID.search(before)
    if found is None:
        return None
    value = found.group(1)
    return json.loads(value) if value.startswith(b'"') else int(value)


class FrameReader:
    """Yields message bodies from a binary stream, one `Content-Length` frame at a time.

    Recovery rules, so that one bad frame costs only itself:
    - header lines without a usable `Content-Length` (garbage, non-numeric or negative lengths,
      too many lines) make the block invalid: it is skipped up to its blank line;
    - a line longer than any header is dropped in pieces;
    - a `Content-Length:` that appears after garbage on the same line (the body of a frame whose
      length was unreadable, followed by the next frame) starts a new header block there;
    - a body longer than `max_body` is read in bounded pieces and dropped, keeping the stream in
      step with the next frame;
    - end of input, also in the middle of a frame, ends the stream (`None`).
    """

    def __init__(self, stream: BinaryIO, *, max_body: int = MAX_BODY_BYTES) -> None:
        self._stream = stream
        self.max_body = max_body
        self.skipped = 0
        """Frames dropped so far (for tests and logs)."""

    def next_body(self) -> bytes | Oversized | None:
        """The next well-framed body, an `Oversized` for a body that was dropped, or None at end
        of input. Blocks; run it off the loop."""
        while True:
            length = self._read_header_block()
            if length is None:
                return None
            if length < 0:
                continue  # an invalid block, already logged
            if length > self.max_body:
                self.skipped += 1
                log.error(
                    "dropped a message of %d bytes (the limit is %d bytes)", length, self.max_body
                )
                head = self._stream.read(min(length, SNIFF_BYTES))
                if len(head) < min(length, SNIFF_BYTES) or not self._discard(length - len(head)):
                    return None
                return Oversized(length, _request_id(head))
            body = self._stream.read(length)
            if len(body) < length:
                log.warning("input ended inside a message body (%d of %d bytes)", len(body), length)
                return None
            return body

    # complexity: one pass over a header block, every recovery rule of the class docstring a
    # branch of it; split into pieces, the rules would lose the one place that orders them.
    def _read_header_block(self) -> int | None:
        """The Content-Length of the next header block; -1 if the block is invalid; None at end
        of input."""
        length: int | None = None
        problem: str | None = None
        lines = 0
        while True:
            line = self._stream.readline(MAX_HEADER_LINE_BYTES + 1)
            if not line:
                return None
            if len(line) > MAX_HEADER_LINE_BYTES and not line.endswith(b"\n"):
                # Not a header (a stray body, noise): dropped, without holding it whole.
                if not self._skip_rest_of_line():
                    return None
                self.skipped += 1
                log.warning("skipped a line longer than %d bytes", MAX_HEADER_LINE_BYTES)
                continue
            if not line.strip():
                if lines == 0:
                    continue  # blank lines between frames carry nothing
                if problem is None and length is not None:
                    return length
                self.skipped += 1
                log.warning("skipped a message header: %s", problem or "no Content-Length")
                return -1
            lines += 1
            if lines > MAX_HEADER_LINES:
                problem = problem or f"more than {MAX_HEADER_LINES} header lines"
                continue
            found = _CONTENT_LENGTH.search(line)
            if found is None:
                continue  # Content-Type and unknown headers are allowed and ignored
            if found.start() > 0:
                # Garbage, then the next frame's header: resynchronise on that header.
                log.warning("skipped %d bytes that were not a message", found.start())
                self.skipped += 1
                length, problem, lines = None, None, 1
            value = found.group(1)
            if _DIGITS.fullmatch(value) is None:
                problem = f"unusable Content-Length {value[:40]!r}"
            elif length is not None and int(value) != length:
                problem = "two different Content-Length headers"
            else:
                length = int(value)

    def _skip_rest_of_line(self) -> bool:
        """Read up to the end of an overlong line without holding it; False at end of input."""
        while True:
            piece = self._stream.readline(MAX_HEADER_LINE_BYTES)
            if not piece:
                return False
            if piece.endswith(b"\n"):
                return True

    def _discard(self, length: int) -> bool:
        """Read `length` bytes and drop them; False if the input ended first."""
        remaining = length
        while remaining > 0:
            piece = self._stream.read(min(remaining, DISCARD_PIECE_BYTES))
            if not piece:
                log.warning("input ended inside a dropped message")
                return False
            remaining -= len(piece)
        return True


def dispatch(protocol: JsonRPCProtocol, body: bytes) -> None:
    """Decode one body and hand it to the protocol; a message that cannot be handled is logged
    and dropped here, so that it never reaches the loop (nor, through pygls' error handler, the
    user as an error pop-up)."""
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, nested too deep
        log.warning("dropped a message that is not JSON (%d bytes): %s", len(body), exc)
        return
    if not isinstance(data, dict) or "jsonrpc" not in data:
        log.warning("dropped a message that is not a JSON-RPC object: %.200r", data)
        return
    try:
        message = protocol.structure_message(data)
        protocol.handle_message(message)
    except BrokenPipeError:
        raise
    except Exception:
        log.exception("dropped a message that could not be handled: %.200r", data)


async def _serve(
    stop: threading.Event, frames: FrameReader, protocol: JsonRPCProtocol, pool: ThreadPoolExecutor
) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        body = await loop.run_in_executor(pool, frames.next_body)
        if body is None:
            log.info("the client closed the connection")
            return
        if isinstance(body, Oversized):
            if body.msg_id is not None and isinstance(protocol, AramaProtocol):
                protocol.reject_oversized(body.msg_id, body.length, frames.max_body)
            continue
        dispatch(protocol, body)


def serve_stdio(
    server: JsonRPCServer,
    stdin: BinaryIO,
    stdout: BinaryIO,
    stop: threading.Event,
    *,
    max_body: int = MAX_BODY_BYTES,
) -> None:
    """Run `server` over stdio until the input ends, `stop` is set or the client sends `exit`
    (pygls' `exit` handler raises SystemExit: 0 after `shutdown`, else 1, which is raised
    again here once the server is shut down)."""
    server.protocol.set_writer(StdoutWriter(stdout))
    frames = FrameReader(stdin, max_body=max_body)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arama-stdin")
    exit_code: int | str | None = None
    try:
        asyncio.run(_serve(stop, frames, server.protocol, pool))
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:  # `exit`: 0 after `shutdown`, 1 without (the specification)
        exit_code = exc.code
    finally:
        pool.shutdown(wait=False)
        server.shutdown()  # type: ignore[no-untyped-call]
    if exit_code:
        raise SystemExit(exit_code)
