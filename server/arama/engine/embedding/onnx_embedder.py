"""The embedding model on ONNX Runtime: torch's vectors at a fraction of the memory and start-up.

The server process never imports torch on this path. The ONNX file is made once, from the model's
own weights, by a child process (`arama.engine.embedding.onnx_export`, which does import torch)
and kept in the cache directory; every later start only opens it (a fraction of a second).
Tokenization uses the `tokenizers` library with the truncation and padding sentence-transformers
would apply, saved beside the model by the exporter, so the two backends see the same tokens.

Queries and indexing batches each get their own session, tokenizer and lock: a query never waits
behind a batch, and a fast tokenizer is never used from two threads at once. The query session
runs on one thread (a short query takes milliseconds; it should not compete with the batch's
threads for the cores).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from arama.engine.embedding.protocol import (
    EmbedderStopped,
    Vectors,
    default_model_path,
    model_identity,
)

log = logging.getLogger(__name__)

# Bump when the exported graph, the files beside it or their meaning change: a new number is a new
# directory, so old exports are never read by new code.
EXPORT_FORMAT = 2
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
INFO_FILE = "export.json"
INT8_SUFFIX = "#onnx-int8"
EXPORT_TIMEOUT_S = 900.0
EXPORT_STOP_S = 10.0  # how long a terminated exporter may take to remove its files
BATCH_SIZE = 32  # per session run; longer lists are cut (after sorting by length: less padding)


class OnnxUnavailable(RuntimeError):
    """The ONNX model cannot be made or opened here; the caller may fall back to torch."""


@dataclass(frozen=True, slots=True)
class ExportInfo:
    """What the exporter wrote beside the model (`export.json`)."""

    format: int
    model_id: str
    quantized: bool
    dimension: int
    max_length: int
    do_lower_case: bool
    inputs: tuple[str, ...]
    max_abs_diff: float  # largest |onnx - torch| over the exporter's check texts
    seconds: float

    @classmethod
    def read(cls, directory: Path) -> ExportInfo:
        raw = json.loads((directory / INFO_FILE).read_text(encoding="utf-8"))
        return cls(
            format=int(raw["format"]),
            model_id=str(raw["model_id"]),
            quantized=bool(raw["quantized"]),
            dimension=int(raw["dimension"]),
            max_length=int(raw["max_length"]),
            do_lower_case=bool(raw["do_lower_case"]),
            inputs=tuple(str(name) for name in raw["inputs"]),
            max_abs_diff=float(raw["max_abs_diff"]),
            seconds=float(raw["seconds"]),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "model_id": self.model_id,
            "quantized": self.quantized,
            "dimension": self.dimension,
            "max_length": self.max_length,
            "do_lower_case": self.do_lower_case,
            "inputs": list(self.inputs),
            "max_abs_diff": self.max_abs_diff,
            "seconds": self.seconds,
        }


def onnx_model_id(base_model_id: str, *, quantized: bool) -> str:
    """fp32 ONNX keeps the torch id: its vectors match torch's to ~1e-6 (the exporter checks
    1e-4), so caches and indexes built by either serve both. int8 vectors differ by ~1e-2: they
    get their own id, hence their own cache entries and vector files."""
    return base_model_id + INT8_SUFFIX if quantized else base_model_id


def _fingerprint(source: str) -> str:
    """Identity of the weights an export was made from: a changed local model (new files, new
    sizes or times) is exported again, never served from a stale ONNX file."""
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass"))
    path = Path(source)
    if path.is_dir():
        for item in sorted(path.rglob("*")):
            if item.is_file():
                stat = item.stat()
                digest.update(
                    f"\0{item.relative_to(path)}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()
                )
    return digest.hexdigest()


def export_directory(models_dir: Path, model_id: str, source: str, *, quantized: bool) -> Path:
    """`<cache>/models/<readable id>-<backend>-v<format>-<hash of the source>`."""
    backend = "onnx-int8" if quantized else "onnx"
    base = model_id.removesuffix(INT8_SUFFIX)
    readable = re.sub(r"[^\w.-]+", "_", base).strip("_")[-60:] or "model"
    digest = _fingerprint(source)[:12]
    return models_dir / f"{readable}-{backend}-v{EXPORT_FORMAT}-{digest}"


ORT_HOME = "onnxruntime-home"
# Where onnxruntime's telemetry puts its files: XDG_CACHE_HOME (device id, event store) and
# TMPDIR (a `.ses` session file).
_ORT_PATH_VARIABLES = ("XDG_CACHE_HOME", "TMPDIR")
_IMPORT_LOCK = threading.Lock()


def import_onnxruntime(models_dir: Path) -> Any:
    """`import onnxruntime`, confined to the cache directory.

    On import, onnxruntime (1.2x+) creates a device id and a telemetry store under
    `$XDG_CACHE_HOME` (else `~/.cache`)`/Microsoft/DeveloperTools/.onnxruntime/`, and keeps
    writing there, plus `$TMPDIR/.ses`. The server writes only inside its cache directory, so
    the import runs with both variables pointing into it (the paths are taken once, at import),
    and telemetry events are switched off.
    """
    with _IMPORT_LOCK:
        loaded: Any = sys.modules.get("onnxruntime")
        if loaded is not None:
            return loaded
        home = models_dir / ORT_HOME
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        saved = {name: os.environ.get(name) for name in _ORT_PATH_VARIABLES}
        os.environ.update(dict.fromkeys(_ORT_PATH_VARIABLES, str(home)))
        try:
            import onnxruntime
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        onnxruntime.disable_telemetry_events()
        return onnxruntime


class _Runner:
    """One ONNX Runtime session with its own tokenizer, used by one thread at a time."""

    def __init__(
        self,
        directory: Path,
        info: ExportInfo,
        threads: int | None,
        *,
        model_file: Path | None = None,
    ) -> None:
        import tokenizers

        ort = import_onnxruntime(directory.parent)

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Idle worker threads would spin on the cores that the editor and the search also need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model_file or directory / MODEL_FILE),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
        names = tuple(i.name for i in self._session.get_inputs())
        if set(names) - set(info.inputs) - {"token_type_ids"}:
            raise OnnxUnavailable(f"unexpected model inputs {names}")
        self._inputs = names
        self._tokenizer = tokenizers.Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        self._lower = info.do_lower_case
        self._dim = info.dimension
        self._lock = threading.Lock()

    def run(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        prepared = [t.lower() for t in texts] if self._lower else list(texts)
        # Sorting by length keeps padding (wasted work) small inside each session run.
        order = sorted(range(len(prepared)), key=lambda i: len(prepared[i]))
        out = np.empty((len(prepared), self._dim), dtype=np.float32)
        with self._lock:
            for start in range(0, len(order), BATCH_SIZE):
                rows = order[start : start + BATCH_SIZE]
                out[rows] = self._run_batch([prepared[i] for i in rows])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, np.maximum(norms, 1e-12), out=out)
        return out

    def _run_batch(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        feeds = {name: np.asarray(columns[name], dtype=np.int64) for name in self._inputs}
        (vectors,) = self._session.run(["sentence_embedding"], feeds)
        return np.asarray(vectors, dtype=np.float32)


class OnnxEmbedder:
    """The `Embedder` protocol on ONNX Runtime; exports the model on first use if needed.

    `model` is None for the bundled default, else a sentence-transformers name or a local path
    (the exporter loads it with sentence-transformers, offline). `quantized` selects the int8
    variant (`onnxruntime.quantization.quantize_dynamic`): faster, slightly different vectors.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        models_dir: Path,
        quantized: bool = False,
        threads: int | None = None,
        scratch_dir: Path | None = None,
        export_timeout: float = EXPORT_TIMEOUT_S,
    ) -> None:
        self._source = str(default_model_path()) if model is None else model
        self._model_id = onnx_model_id(model_identity(model), quantized=quantized)
        self._quantized = quantized
        self._threads = threads
        self._scratch_dir = scratch_dir
        self._timeout = export_timeout
        self.directory = export_directory(
            models_dir, self._model_id, self._source, quantized=quantized
        )
        self._info: ExportInfo | None = None
        self._load_lock = threading.Lock()
        self._failure: OnnxUnavailable | None = None
        self._batch: _Runner | None = None
        self._query: _Runner | None = None
        self._query_lock = threading.Lock()
        self.exports = 0  # child-process exports this object ran (tests and benchmarks read it)
        self._stopping = False
        self._exporter: subprocess.Popen[str] | None = None
        self._exporter_lock = threading.Lock()
        self.export_seconds: float | None = None

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def info(self) -> ExportInfo:
        return self._ready()

    # -- loading -------------------------------------------------------------------------------

    def _ready(self) -> ExportInfo:
        """The export's description; exports first when it is missing or unusable."""
        with self._load_lock:
            if self._info is not None:
                return self._info
            if self._failure is not None:
                raise self._failure
            try:
                self._info = self._open_or_export()
            except OnnxUnavailable as exc:
                self._failure = exc
                raise
            sweep_old_exports(self.directory)
            return self._info

    def _open_or_export(self) -> ExportInfo:
        try:
            info, runner = self._open()
        except Exception as exc:
            if self.directory.exists():
                log.warning(
                    "ONNX model in %s is unusable (%s); exporting again", self.directory, exc
                )
                shutil.rmtree(self.directory, ignore_errors=True)
            self._export()
            try:
                info, runner = self._open()
            except Exception as again:
                raise OnnxUnavailable(f"exported ONNX model does not load: {again}") from again
        self._batch = runner
        return info

    def _open(self) -> tuple[ExportInfo, _Runner]:
        """Read the export and open the batch session; raises on anything missing or corrupt
        (onnxruntime rejects a truncated or damaged file when the session is created)."""
        info = ExportInfo.read(self.directory)
        if info.format != EXPORT_FORMAT or info.quantized != self._quantized:
            raise ValueError(f"export format {info.format}, quantized={info.quantized}")
        return info, _Runner(self.directory, info, self._threads)

    def _export(self) -> None:
        """Run the exporter in a child process: torch and its memory leave with it."""
        self.directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        command = [
            sys.executable,
            "-P",  # with -m, Python would put the working directory (a workspace) on sys.path
            "-m",
            "arama.engine.embedding.onnx_export",
            "--source",
            self._source,
            "--model-id",
            self._model_id,
            "--out",
            str(self.directory),
        ]
        if self._quantized:
            command.append("--int8")
        if self._threads:
            command += ["--threads", str(self._threads)]
        env = dict(os.environ)
        env.setdefault("HF_HUB_OFFLINE", "1")
        env.setdefault("TRANSFORMERS_OFFLINE", "1")
        env.setdefault("TOKENIZERS_PARALLELISM", "false")
        if self._scratch_dir is not None:
            self._scratch_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            env.setdefault("TORCHINDUCTOR_CACHE_DIR", str(self._scratch_dir))
        # torch and the graph optimizer write temporary files: inside the cache, and only for
        # the child's lifetime.
        _remove_stale_scratch(self.directory.parent)
        scratch = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.directory.parent))
        env["TMPDIR"] = str(scratch)
        env["XDG_CACHE_HOME"] = str(scratch / "xdg-cache")  # Hugging Face, torch hub
        env.setdefault("TORCHINDUCTOR_CACHE_DIR", str(scratch / "torchinductor"))
        log.info("exporting %s to ONNX in %s", self._source, self.directory)
        started = time.perf_counter()
        try:
            returncode, stderr = self._run_exporter(command, env)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        self.exports += 1
        self.export_seconds = time.perf_counter() - started
        if returncode != 0:
            tail = (stderr or "").strip().splitlines()[-5:]
            raise OnnxUnavailable(f"ONNX export failed (exit {returncode}): " + " | ".join(tail))
        log.info("ONNX export took %.1f s", self.export_seconds)

    def _run_exporter(self, command: list[str], env: dict[str, str]) -> tuple[int, str]:
        """The exporter's exit status and stderr; EmbedderStopped when `stop` ended it."""
        with self._exporter_lock:
            if self._stopping:
                raise EmbedderStopped("the engine is closing")
            try:
                process = subprocess.Popen(
                    command,
                    env=env,
                    cwd=self.directory.parent,  # never the workspace the server may run in
                    stdin=subprocess.DEVNULL,  # the server's stdin/stdout are the LSP channel
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            except OSError as exc:
                raise OnnxUnavailable(f"ONNX export did not run: {exc}") from exc
            self._exporter = process
        try:
            _out, stderr = process.communicate(timeout=self._timeout)
        except subprocess.TimeoutExpired as exc:
            process.kill()
            process.communicate()
            raise OnnxUnavailable(f"ONNX export did not run: {exc}") from exc
        finally:
            with self._exporter_lock:
                self._exporter = None
        if self._stopping:
            raise EmbedderStopped("the engine closed during the model's preparation")
        return process.returncode, stderr

    def stop(self) -> None:
        """The engine is closing: end a running export (its scratch files go with it) and
        start no other."""
        with self._exporter_lock:
            self._stopping = True
            process = self._exporter
        if process is not None and process.poll() is None:
            process.terminate()  # the exporter removes its work directory and exits
            try:
                process.wait(timeout=EXPORT_STOP_S)
            except subprocess.TimeoutExpired:
                process.kill()

    # -- the Embedder protocol -----------------------------------------------------------------

    def warm_up(self) -> None:
        info = self._ready()
        with self._query_lock:
            if self._query is None:
                self._query = _Runner(self.directory, info, 1)

    def query_ready(self) -> bool:
        return self._query is not None

    def needs_preparation(self) -> bool:
        """Whether loading must first make the model (the export: ~20 s, once per machine)."""
        return self._info is None and not (self.directory / INFO_FILE).is_file()

    def embed_query(self, text: str) -> Vectors:
        info = self._ready()
        with self._query_lock:
            if self._query is None:
                self._query = _Runner(self.directory, info, 1)
            runner = self._query
        vectors: Vectors = runner.run([text])[0]
        return vectors

    def embed(self, texts: Sequence[str]) -> Vectors:
        self._ready()
        assert self._batch is not None
        return self._batch.run(texts)

    def dimension(self) -> int:
        return self._ready().dimension


STALE_SCRATCH_S = 3600.0
_EXPORT_NAME = re.compile(
    r"^(?P<model>.+)-(?P<backend>onnx|onnx-int8)-v(?P<format>\d+)-(?P<digest>[0-9a-f]{12})$"
)


def sweep_old_exports(current: Path) -> list[Path]:
    """Remove the exports an upgrade left behind, beside the one in use (`current`): every
    export of another format (`EXPORT_FORMAT` was bumped: new code never reads it), and exports
    of the same model and backend made from other weights (the model package was upgraded).
    Exports of other models or backends stay: another workspace may use them. Returns what went."""
    mine = _EXPORT_NAME.match(current.name)
    removed: list[Path] = []
    try:
        siblings = list(current.parent.iterdir())
    except OSError:
        return removed
    for candidate in siblings:
        found = _EXPORT_NAME.match(candidate.name)
        if found is None or candidate == current or not candidate.is_dir():
            continue
        other_format = int(found["format"]) != EXPORT_FORMAT
        older_weights = mine is not None and (
            (found["model"], found["backend"], found["format"])
            == (mine["model"], mine["backend"], mine["format"])
        )
        if other_format or older_weights:
            shutil.rmtree(candidate, ignore_errors=True)
            if not candidate.exists():
                log.info("removed an old ONNX export: %s", candidate.name)
                removed.append(candidate)
    return removed


def _remove_stale_scratch(models_dir: Path) -> None:
    """Scratch directories of exports whose server was killed (older than any export runs)."""
    now = time.time()
    for scratch in models_dir.glob(".tmp-*"):
        try:
            if now - scratch.stat().st_mtime > STALE_SCRATCH_S:
                shutil.rmtree(scratch, ignore_errors=True)
        except OSError:
            continue
