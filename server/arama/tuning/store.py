"""What `arama tune` writes beside the kept adapter, and how a candidate becomes the kept one
(the layout: engine/query_adapter.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from arama.engine.config import EngineConfig
from arama.engine.query_adapter import (
    ADAPTER_FILE,
    CANDIDATE_DIR,
    REPORT_FILE,
    QueryAdapter,
    tuned_dir,
)


def save_candidate(config: EngineConfig, root: Path, adapter: QueryAdapter) -> None:
    adapter.save(tuned_dir(config, root) / CANDIDATE_DIR)


def keep_candidate(config: EngineConfig, root: Path, report: dict[str, Any]) -> None:
    """The candidate becomes the kept adapter: the report first, then the adapter by one
    rename (a search sees the old adapter or the new one, never half of one)."""
    directory = tuned_dir(config, root)
    candidate = directory / CANDIDATE_DIR
    temporary = directory / f".{REPORT_FILE}.tmp"
    temporary.write_text(json.dumps(report, indent=2, sort_keys=True), "utf-8")
    temporary.replace(directory / REPORT_FILE)
    (candidate / ADAPTER_FILE).replace(directory / ADAPTER_FILE)
    shutil.rmtree(candidate, ignore_errors=True)


def drop_candidate(config: EngineConfig, root: Path) -> None:
    shutil.rmtree(tuned_dir(config, root) / CANDIDATE_DIR, ignore_errors=True)


def reset(config: EngineConfig, root: Path) -> bool:
    """Forget the workspace's tuning; True if there was any."""
    directory = tuned_dir(config, root)
    existed = (directory / ADAPTER_FILE).exists()
    shutil.rmtree(directory, ignore_errors=True)
    return existed
