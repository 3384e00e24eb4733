"""The LSP layer: protocol translation only, no search logic."""

from __future__ import annotations
