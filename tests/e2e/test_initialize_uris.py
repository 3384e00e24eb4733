"""`initialize` naming workspace folders that are no usable local directory: the server answers,
indexes the folders that are usable, and tells no one a traceback."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from support.fixtures import FIXTURE_WORKSPACE
from support.raw_lsp import RawServer, initialize_params, notification, request

HOSTILE_FOLDER_URIS = [
    "file://[",  # an unclosed IPv6 host: the URI parser raises
    "file:%",  # "%": a relative path, which would be taken against the server's cwd
    "file:///tmp/nul%00byte",
    "untitled:Untitled-1",
    "file:///" + "ğ" * 3000,  # a name far longer than NAME_MAX
]


def test_unusable_workspace_folders_are_left_out(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, workspace)
    server = RawServer(tmp_path / "home", tmp_path / "server.log", cwd=tmp_path)
    try:
        params = initialize_params(workspace, tmp_path / "cache")
        params["workspaceFolders"] = [
            {"uri": uri, "name": f"hostile{n}"} for n, uri in enumerate(HOSTILE_FOLDER_URIS)
        ] + params["workspaceFolders"]
        server.send(request(1, "initialize", params))
        answer = server.response(1)
        assert "error" not in answer, answer
        server.send(notification("initialized", {}))
        deadline = time.monotonic() + 240
        msg_id = 100
        while True:
            msg_id += 1
            server.send(request(msg_id, "workspace/executeCommand", {"command": "arama.status"}))
            status = server.response(msg_id)["result"]
            if status["state"] == "ready" and status["files"]:
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert status["workspaceFolders"] == [str(workspace)]
        assert not (tmp_path / "%").exists()
        popups = [
            m
            for m in server.seen
            if m.get("method") in ("window/showMessage", "window/logMessage")
            and m.get("params", {}).get("type") in (1, 2)
        ]
        assert popups == []
        server.send(request(2, "shutdown"))
        server.response(2)
        server.send(notification("exit"))
        assert server.wait_exit(30) == 0
        log = server.stderr_text()
        assert "Traceback" not in log and "indexer job failed" not in log, log[-3000:]
    finally:
        server.kill()
