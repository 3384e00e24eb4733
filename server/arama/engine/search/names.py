"""Fuzzy matching of symbol names, for `workspace/symbol`.

Editors send what the user typed so far (`retReq`, `retry_req`, `RetryRequest`); we compare it
with the name folded the same way (lower case, no separators) and prefer exact, then prefix, then
word-start, then substring, then subsequence matches. Meaning comes from the dense channel and is
fused by the engine; this module knows only names.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from arama.engine.lexical import identifier_parts


def fold_query(query: str) -> str:
    return "".join(identifier_parts(query.strip()))


def name_score(query_norm: str, symbol: str, symbol_norm: str) -> float:
    """0 when the name does not match at all; up to 1 for an exact match."""
    if not query_norm:
        return 0.0
    if symbol_norm == query_norm:
        return 1.0
    if symbol_norm.startswith(query_norm):
        return 0.9 - 0.1 * (1 - len(query_norm) / len(symbol_norm))
    parts = identifier_parts(symbol)
    initials = "".join(p[0] for p in parts if p)
    if len(query_norm) > 1 and initials.startswith(query_norm):
        return 0.75
    if query_norm in symbol_norm:
        return 0.7 - 0.1 * (1 - len(query_norm) / len(symbol_norm))
    if _is_subsequence(query_norm, symbol_norm):
        return 0.4 * len(query_norm) / len(symbol_norm)
    return 0.0


def _is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


class NameIndex:
    """Distinct folded names, searchable for a fuzzy query without a Python loop over them all.

    Every kind of match `name_score` accepts (exact, prefix, initials, substring) is also a
    subsequence match, so one regular expression run over all names joined by newlines finds
    the candidates at C speed; only those are scored. At 100,000 distinct names this is a few
    milliseconds instead of a few hundred.
    """

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        self.names = sorted(set(names), key=lambda pair: pair[1])
        self._joined = "\n".join(norm for _, norm in self.names)
        self._starts: list[int] = []
        offset = 0
        for _, norm in self.names:
            self._starts.append(offset)
            offset += len(norm) + 1

    def __len__(self) -> int:
        return len(self.names)

    def scored(self, query_norm: str) -> list[tuple[float, str]]:
        """(score, name) for every name the query matches, best first."""
        if not query_norm or not self.names:
            return []
        # Folded names hold no newline; the query may hold anything, so escape each character.
        gaps = "[^\n]*?".join(re.escape(ch) for ch in query_norm)
        pattern = re.compile(f"^[^\n]*?{gaps}", re.MULTILINE)
        found: list[tuple[float, str]] = []
        for match in pattern.finditer(self._joined):
            symbol, norm = self.names[bisect.bisect_right(self._starts, match.start()) - 1]
            score = name_score(query_norm, symbol, norm)
            if score > 0:
                found.append((score, symbol))
        found.sort(key=lambda item: item[0], reverse=True)
        return found
