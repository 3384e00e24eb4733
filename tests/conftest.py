"""Shared test fixtures, built on the helpers in tests/support.

Unit tests use `BagOfWordsEmbedder` (support/embedder.py), a small deterministic stand-in for the
real model. End-to-end tests (tests/e2e) use the real bundled model.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support.embedder import BagOfWordsEmbedder
from support.fixtures import FIXTURE_WORKSPACE


@pytest.fixture
def embedder() -> BagOfWordsEmbedder:
    return BagOfWordsEmbedder()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A private copy of the fixture workspace, free to modify."""
    target = tmp_path / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, target)
    return target
