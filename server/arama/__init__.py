"""arama: local semantic code search that lives in the editor."""

from __future__ import annotations

__version__ = "0.1.0"
