"""A `sitecustomize` for the server process under test: logs what it opens, connects to, runs
and compiles, through Python's audit hooks (PEP 578), one JSON object a line.

`install(directory, log_file)` writes the module into `directory`; put that directory on the
server's PYTHONPATH and set `AUDIT_LOG_ENV` to `log_file`. C code that bypasses Python (SQLite's
own file handling, faiss's writer) is not seen here; the file-system snapshot covers those.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

AUDIT_LOG_ENV = "CONFINEMENT_AUDIT_LOG"

_SITECUSTOMIZE = """
import json, os, socket, sys

_fd = os.open(os.environ["%(env)s"], os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
_NETWORK = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind",
            "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
            "http.client.connect", "urllib.Request", "ftplib.connect", "smtplib.connect"}
_PROCESS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
            "os.fork", "os.forkpty", "pty.spawn", "ctypes.dlopen"}


def _text(value):
    if isinstance(value, bytes):
        return os.fsdecode(value)
    return value if isinstance(value, (str, int, float, type(None))) else repr(value)


def _hook(event, args):
    try:
        if event == "open":
            record = {"e": event, "path": _text(args[0]), "mode": args[1], "flags": args[2]}
        elif event == "sqlite3.connect":
            record = {"e": event, "path": _text(args[0])}
        elif event in _NETWORK:
            record = {"e": event, "args": [_text(a) for a in args[1:]]}
            sock = args[0] if args and isinstance(args[0], socket.socket) else None
            if sock is not None:
                record["family"] = int(sock.family)
        elif event in _PROCESS:
            record = {"e": event, "args": [_text(a) for a in args]}
        elif event == "compile":
            if not isinstance(args[1], str) or args[1].startswith("<"):
                return
            record = {"e": event, "path": args[1]}
        else:
            return
        os.write(_fd, (json.dumps(record) + "\\n").encode())
    except Exception:
        pass


sys.addaudithook(_hook)
"""


def install(directory: Path, log_file: Path) -> dict[str, str]:
    """Write the hook; returns the environment variables that activate it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(_SITECUSTOMIZE % {"env": AUDIT_LOG_ENV})
    return {"PYTHONPATH": str(directory), AUDIT_LOG_ENV: str(log_file)}


def read_events(log_file: Path) -> list[dict[str, Any]]:
    if not log_file.exists():
        return []
    return [json.loads(line) for line in log_file.read_text().splitlines() if line.strip()]
