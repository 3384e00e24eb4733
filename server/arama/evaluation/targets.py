"""What counts as finding the answer: a result whose lines meet one of the target's spans.

A mined query's target is its definition (path + symbol, within the function's lines): every
chunk the index cut from it carries its name, so any piece of a split definition counts, and a
same-named method of another class does not (its lines are elsewhere). When the chunker names no
chunk there (a function nested in another), the function's own lines are the span, and the chunk
that holds them counts. A user's `path:line` target is that one line (a result covering it
counts); a bare path is the whole file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from arama.engine.records import ChunkRow

WHOLE_FILE = 2**31 - 1  # the last line of a span that stands for a whole file


@dataclass(frozen=True, slots=True)
class Span:
    """Lines `start`..`end` of `path` (0-based, inclusive)."""

    path: str
    start: int
    end: int

    def meets(self, path: str, start: int, end: int) -> bool:
        return path == self.path and start <= self.end and self.start <= end


@dataclass(frozen=True, slots=True)
class Target:
    """The answers of one query: any span counts. `label` is how a person reads it."""

    label: str
    spans: tuple[Span, ...]

    def rank_in(self, results: Iterable[tuple[str, int, int]]) -> int | None:
        """1-based rank of the first result that meets a span, None when none does."""
        for rank, (path, start, end) in enumerate(results, 1):
            if any(span.meets(path, start, end) for span in self.spans):
                return rank
        return None


def definition_spans(
    chunks: Sequence[ChunkRow], path: str, name: str, start: int, end: int
) -> list[Span]:
    """The spans of the chunks of definition `name` within lines `start`..`end` of `path` (the
    catalog's chunks of that file), or those lines themselves when no chunk is named so."""
    named = [
        Span(path, c.start_line, c.end_line)
        for c in chunks
        if c.symbol == name and c.start_line <= end and start <= c.end_line
    ]
    return named or [Span(path, start, end)]


def line_span(path: str, line: int | None) -> Span:
    """A user's target: one line (0-based), or the whole file."""
    return Span(path, 0, WHOLE_FILE) if line is None else Span(path, line, line)
