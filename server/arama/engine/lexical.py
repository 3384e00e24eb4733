"""Code-aware tokens for the SQLite FTS5 lexical channel.

FTS5's unicode61 tokenizer folds case and splits on punctuation (so `parse_http_header` already
becomes three words) but keeps `parseHttpHeader` as one word. We add the parts of every compound
identifier to the indexed text, and the whole identifier in joined form, so "parse http header",
`parseHttpHeader` and `parse_http_header` all meet. Queries get the same treatment.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)

# Words that carry no meaning in a search box, in English and Turkish.
STOPWORDS = frozenset(
    {
        # English
        *("a", "an", "and", "are", "as", "at", "be", "by", "code", "does", "do", "for", "from"),
        *("how", "i", "in", "is", "it", "its", "of", "on", "or", "that", "the", "this", "to"),
        *("what", "when", "where", "which", "who", "why", "with", "find", "show", "me", "my"),
        *("get", "we", "you", "your"),
        # Turkish
        *("bir", "bu", "şu", "ve", "ile", "için", "ne", "nasıl", "nerede", "hangi", "da", "de"),
        *("mi", "mı", "mu", "mü", "olan", "gibi", "kod"),
    }
)


def fold(word: str) -> str:
    """Lower case that keeps Turkish dotted capital I as one letter (`İ` -> `i`, not `i̇`)."""
    return word.replace("İ", "i").lower()


def _camel_pieces(piece: str) -> list[str]:
    """Split at lower->Upper, letter<->digit, and before the last capital of a run followed by
    a lower-case letter (`HTTPServer` -> HTTP, Server). Unicode-aware: `dosyaOku` works too."""
    pieces: list[str] = []
    start = 0
    for i in range(1, len(piece)):
        prev, cur = piece[i - 1], piece[i]
        nxt = piece[i + 1] if i + 1 < len(piece) else ""
        if (
            (cur.isupper() and not prev.isupper() and not prev.isdigit())
            or (cur.isdigit() != prev.isdigit())
            or (cur.isupper() and prev.isupper() and nxt.islower())
        ):
            pieces.append(piece[start:i])
            start = i
    pieces.append(piece[start:])
    return pieces


_ASCII_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


@lru_cache(maxsize=1 << 16)
def _parts(word: str) -> tuple[str, ...]:
    parts: list[str] = []
    for piece in re.split(r"[_\-]+", word):
        if piece.isascii():
            parts.extend(p.lower() for p in _ASCII_CAMEL.findall(piece))
        else:
            parts.extend(fold(p) for p in _camel_pieces(piece) if p)
    return tuple(parts)


def identifier_parts(word: str) -> list[str]:
    """`parseHttpHeader` -> [parse, http, header]; `HTTPServer2` -> [http, server, 2].

    Identifiers repeat endlessly in code, so the split is cached."""
    if word.islower() and word.isalpha():  # the common case: one plain word
        return [fold(word)]
    return list(_parts(word))


def normalized_symbol(symbol: str | None) -> str | None:
    """`parseHttpHeader`, `parse_http_header` -> `parsehttpheader`: one spelling for names."""
    if not symbol:
        return None
    return "".join(identifier_parts(symbol)) or fold(symbol)


def expand_terms(text: str) -> list[str]:
    """Extra terms to index beside the text: parts of compound identifiers and their joined form."""
    extra: list[str] = []
    seen: set[str] = set()
    for match in _WORD.finditer(text):
        word = match.group(0)
        parts = identifier_parts(word)
        if len(parts) < 2:
            continue
        for term in (*parts, "".join(parts)):
            if term not in seen:
                seen.add(term)
                extra.append(term)
    return extra


def fts_document(
    symbol: str | None, container: str | None, path: str, text: str
) -> tuple[str, str, str]:
    """The (symbol, path, body) columns stored in FTS5 for one chunk."""
    symbol_text = " ".join(x for x in (container, symbol) if x)
    symbol_doc = " ".join([symbol_text, *expand_terms(symbol_text)])
    path_doc = " ".join([path.replace("/", " "), *expand_terms(path)])
    body_doc = text + "\n" + " ".join(expand_terms(text))
    return symbol_doc, path_doc, body_doc


def query_terms(query: str) -> list[str]:
    """Meaningful lower-case terms of a query, identifiers split, stopwords dropped, in order."""
    terms: list[str] = []
    for match in _WORD.finditer(query):
        word = match.group(0)
        parts = identifier_parts(word)
        candidates = [fold(word), *parts] if len(parts) > 1 else [fold(word)]
        if len(parts) > 1:
            candidates.append("".join(parts))
        for term in candidates:
            if term and term not in STOPWORDS and term not in terms:
                terms.append(term)
    if not terms:  # a query made only of stopwords still means something
        terms = [fold(m.group(0)) for m in _WORD.finditer(query)]
    return terms


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression: any term may match; bm25 rewards chunks matching more of them.

    Every term is quoted, so no user input is ever parsed as FTS5 syntax.
    """
    terms = query_terms(query)
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms[:32])
