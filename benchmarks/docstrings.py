"""Documented functions in a source file, and a copy of the file with that documentation removed.

The recipe moved into the server as `arama.evaluation.docstrings`, where `arama eval` uses it on a
user's own repository; this module re-exports it so the benchmarks (registry_quality.py) keep
their import and measure with the very code the command runs.
"""

from __future__ import annotations

from arama.evaluation.docstrings import (
    GRAMMARS,
    DocFunction,
    StrippedFile,
    first_sentence,
    strip_docs,
)

__all__ = ["GRAMMARS", "DocFunction", "StrippedFile", "first_sentence", "strip_docs"]
