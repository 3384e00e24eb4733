"""A workspace's query adapter: a linear map the query vector passes through before it meets
that workspace's chunk vectors, and where it lives.

Why an adapter and not a fine-tuned model (docs/design.md, "arama tune"): fine-tuning all of
MiniLM on these 2 CPUs took ~80 s per batch of 32 pairs at 5 GB of memory, so a few minutes'
budget trains a few batches, and a kept model would re-embed the whole workspace. A map on the
query side learns what the workspace's pairs teach (which code its own words point to) from
vectors the index already has: it trains in seconds, touches no chunk vector (nothing is
re-embedded; switching back is dropping a file), and is by construction used only for its own
workspace's chunks. `arama tune` (arama/tuning) makes it; the engine only reads it.

`<cacheDir>/tuned/<folder>-<hash>/` (named like the per-folder indexes) holds `adapter.npz`
(the kept adapter), `tuned.json` (what `arama tune` measured when it kept it: the record a user can
read) and,
while a run judges one, `candidate/`. Nothing of it is inside the workspace.

Searches read the adapter through `AdapterSlot`, which looks at the file's stat at most once a
second: an `arama tune` in a terminal, or `arama tune --reset`, reaches a running language
server at its next search, with no restart and no message between the processes.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from arama.engine.config import EngineConfig

Vectors = npt.NDArray[np.float32]

ADAPTER_FILE = "adapter.npz"
TUNED_DIR = "tuned"
REPORT_FILE = "tuned.json"
CANDIDATE_DIR = "candidate"
RECHECK_S = 1.0


def tuned_dir(config: EngineConfig, root: Path) -> Path:
    return replace(config, indexes=TUNED_DIR).workspace_dir(root)


def adapter_dir(config: EngineConfig, root: Path) -> Path | None:
    """The directory whose adapter searches of `root` use under `config.adapter`."""
    if config.adapter == "none":
        return None
    base = tuned_dir(config, root)
    return base / CANDIDATE_DIR if config.adapter == "candidate" else base


@dataclass(frozen=True)
class QueryAdapter:
    """y = normalize(W x + b), for the chunk vectors of the model named `model_id`."""

    weight: Vectors
    bias: Vectors
    model_id: str

    def apply(self, vectors: Vectors) -> Vectors:
        mapped = vectors @ self.weight.T + self.bias
        norms = np.linalg.norm(mapped, axis=-1, keepdims=True)
        out: Vectors = (mapped / np.maximum(norms, 1e-12)).astype(np.float32)
        return out

    def save(self, directory: Path) -> None:
        """Written whole or not at all (a temporary file renamed into place)."""
        directory.mkdir(parents=True, exist_ok=True)
        temporary = directory / f".{ADAPTER_FILE}.tmp"
        with temporary.open("wb") as out:
            np.savez(out, weight=self.weight, bias=self.bias, model_id=np.array(self.model_id))
        temporary.replace(directory / ADAPTER_FILE)

    @classmethod
    def load(cls, directory: Path) -> QueryAdapter | None:
        """None when there is none or it cannot be read (then search runs on the model alone)."""
        try:
            with np.load(directory / ADAPTER_FILE, allow_pickle=False) as data:
                weight = data["weight"].astype(np.float32)
                bias = data["bias"].astype(np.float32)
                model_id = str(data["model_id"])
        except (OSError, KeyError, ValueError):
            return None
        if weight.ndim != 2 or weight.shape[0] != weight.shape[1] or bias.shape != weight[0].shape:
            return None
        if not (np.isfinite(weight).all() and np.isfinite(bias).all()):
            return None
        return cls(weight, bias, model_id)


class AdapterSlot:
    """The adapter a folder's searches use now: reloaded when its file changes, None when there
    is none, it is unreadable, or it was made for another model than the one in use."""

    def __init__(
        self, directory: Path | None, model_id: str, *, recheck_s: float = RECHECK_S
    ) -> None:
        self._directory = directory
        self._model_id = model_id
        self._recheck_s = recheck_s
        self._lock = threading.Lock()
        self._checked = -math.inf
        self._stamp: tuple[int, int] | None = None
        self._adapter: QueryAdapter | None = None

    def current(self) -> QueryAdapter | None:
        if self._directory is None:
            return None
        now = time.monotonic()
        with self._lock:
            if now - self._checked >= self._recheck_s:
                self._checked = now
                self._refresh()
            return self._adapter

    def identity(self) -> tuple[int, int] | None:
        """Which adapter `current` gives (its file's stamp), None for none: part of the keys
        of remembered answers, so keeping or resetting a tuning is seen at the next search."""
        return self._stamp if self.current() is not None else None

    def _refresh(self) -> None:
        assert self._directory is not None
        try:
            st = os.stat(self._directory / ADAPTER_FILE)
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        self._stamp = stamp
        loaded = QueryAdapter.load(self._directory) if stamp is not None else None
        self._adapter = loaded if loaded is not None and loaded.model_id == self._model_id else None
