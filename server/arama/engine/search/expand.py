"""`expand`: a hit widened to its whole definition, every piece of a split one joined.

Long definitions are cut into pieces (at most 40 lines each, overlapping); a search lands on one
piece. Agents and "show me the function" want all of it: the pieces are put back together by
line number, within EXPAND_MAX_LINES, with the definitions nested in it (its closures, which
are chunked apart) in their place.
"""

from __future__ import annotations

from dataclasses import replace

from arama.engine.folders import FolderView
from arama.engine.records import Hit

EXPAND_MAX_LINES = 400


def expand(folder: FolderView, hit: Hit) -> Hit:
    row = hit.chunk
    if not row.is_definition or row.symbol is None or row.kind is None:
        return hit
    pieces = folder.catalog.definition_pieces(row.path, row.symbol, row.container, row.kind)
    if len(pieces) <= 1:
        return hit
    lines: dict[int, str] = {}
    for piece in pieces:
        for offset, line in enumerate(piece.text.split("\n")):
            lines.setdefault(piece.start_line + offset, line)
    start = min(lines)
    end = min(max(lines), start + EXPAND_MAX_LINES - 1)
    if len(lines) < end - start + 1:
        # Lines between pieces belong to definitions nested in this one (a closure, a local
        # class): read from the file's other chunks, not left blank.
        for other in folder.catalog.chunks_of_file(row.path):
            if other.end_line < start or other.start_line > end:
                continue
            for offset, line in enumerate(other.text.split("\n")):
                lines.setdefault(other.start_line + offset, line)
    text = "\n".join(lines.get(n, "") for n in range(start, end + 1))
    return replace(hit, chunk=replace(row, start_line=start, end_line=end, text=text))
