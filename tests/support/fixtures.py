"""Where the fixture workspace (tests/fixtures/workspace) lives; tests copy it to change it."""

from __future__ import annotations

from pathlib import Path

FIXTURE_WORKSPACE = Path(__file__).parents[1] / "fixtures" / "workspace"
