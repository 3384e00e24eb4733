"""The server as a bare subprocess, spoken to byte by byte: for framing that no LSP client
library would ever produce (garbage headers, lying Content-Length, bodies that are not JSON)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import isolated_env

SERVER_MODULE = [sys.executable, "-m", "arama.lsp.server", "--log-level", "INFO"]


def frame(body: bytes | dict[str, Any] | list[Any]) -> bytes:
    if not isinstance(body, bytes):
        body = json.dumps(body).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request(msg_id: Any, method: str, params: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def notification(method: str, params: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    return message


class RawServer:
    """`arama-ls` over pipes; a thread parses what it writes into `messages`."""

    def __init__(self, home: Path, stderr_path: Path, *, cwd: Path | None = None) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.stderr_path = stderr_path
        self._stderr = stderr_path.open("wb")
        self.process = subprocess.Popen(
            SERVER_MODULE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=isolated_env(home),
            cwd=cwd,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.bad_frames: list[bytes] = []
        self.seen: list[dict[str, Any]] = []
        """Messages `response` passed over: notifications, responses to other requests."""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                self.bad_frames.append(b"<no Content-Length>")
                continue
            body = stream.read(length)
            try:
                self.messages.put(json.loads(body))
            except ValueError:
                self.bad_frames.append(body)

    def send(self, data: bytes | dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data if isinstance(data, bytes) else frame(data))
        self.process.stdin.flush()

    def close_stdin(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()

    def response(self, msg_id: Any, timeout: float = 60.0) -> dict[str, Any]:
        """The response to request `msg_id`; notifications and other responses are kept."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no response to request {msg_id!r} in {timeout}s")
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if message.get("id") == msg_id and "method" not in message:
                return message
            self.seen.append(message)

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code, or None if the process was still running after `timeout` (killed)."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            return None
        finally:
            self._stderr.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if not self._stderr.closed:
            self._stderr.close()

    def stderr_text(self) -> str:
        return self.stderr_path.read_text("utf-8", "replace")


def initialize_params(workspace: Path, cache_dir: Path, locale: str = "en") -> dict[str, Any]:
    return {
        "processId": os.getpid(),
        "capabilities": {},
        "rootUri": workspace.as_uri(),
        "workspaceFolders": [{"uri": workspace.as_uri(), "name": workspace.name}],
        "initializationOptions": {"cacheDir": str(cache_dir)},
        "locale": locale,
    }


def fixture_dirs(base: Path) -> dict[str, Path]:
    """A private copy of the fixture workspace, and where a raw server keeps its cache, home and
    log, all under `base`."""
    workspace = base / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    return {
        "workspace": workspace,
        "cache": base / "cache",
        "home": base / "home",
        "log": base / "server.log",
    }
