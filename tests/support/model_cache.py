"""One ONNX export of the bundled model per test run, copied into the caches of the tests that
are not about preparing it.

A server on a fresh cache directory first exports the model (torch in a child process, ~15 s on
two cores): what the tests of that step are about (progress, interruption, confinement of the
child, a fresh user's first minute), and for every other end-to-end module the same 15 s again,
a dozen times a run. `seed_model(cache)` puts a copy of one export, made once per run the way
the server makes it, into `cache/models/`, so the server opens it as on a user's second day.
The tests that are about the preparation, or about a cache as a first session leaves it, do not
call it.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from support.lsp_session import isolated_env

_EXPORT_SCRIPT = """
import sys
from pathlib import Path
from arama.engine.embedding.onnx_embedder import OnnxEmbedder
embedder = OnnxEmbedder(models_dir=Path(sys.argv[1]))
embedder.info  # exports the model, then opens the export as a server would
print(embedder.directory)
"""

_lock = threading.Lock()
_export: Path | None = None


def _session_export() -> Path:
    """The run's export directory, made on first use (a child process, isolated home)."""
    global _export
    with _lock:
        if _export is None:
            base = Path(tempfile.mkdtemp(prefix="arama-test-model-"))
            atexit.register(shutil.rmtree, base, True)
            home = base / "home"
            home.mkdir()
            done = subprocess.run(
                [sys.executable, "-c", _EXPORT_SCRIPT, str(base / "models")],
                env=isolated_env(home),
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(
                    f"could not export the model for the tests: {done.stderr[-2000:]}"
                )
            _export = Path(done.stdout.strip().splitlines()[-1])
        return _export


def seed_model(cache_dir: Path) -> None:
    """Give `cache_dir` the model export a previous session would have left there."""
    export = _session_export()
    target = cache_dir / "models" / export.name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copytree(export, target)
