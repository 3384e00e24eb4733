"""What the model reads for a chunk: its text, headed by its file's name and enclosing names.

A function body alone often lacks the words a developer searches with: the module's name
(`recipes.py`), the class it belongs to (`Cache.get`). A one-line header puts them in the
model's window. The header holds the file *name*, not its directory: moving a file, switching to
a branch that moved it, or vendoring the same file in several places still costs no embedding.
(benchmarks/quality.py, MRR@10: no header — semantic 0.558 / hybrid 0.633; names only —
0.599 / 0.645; full path — 0.601 / 0.685; file name — 0.614 / 0.675.)

The header changes every vector, so it is part of the embedding identity (cache keys through
the embedded text's digest, and the vector file's name).
"""

from __future__ import annotations

from arama.engine.hashing import text_hash
from arama.engine.lexical import identifier_parts


def with_context(text: str, path: str, symbol: str | None, container: str | None) -> str:
    """`file.py: Container.symbol` on the first line, then the chunk's own text."""
    file_name = path.rsplit("/", 1)[-1]
    name = ".".join(part for part in (container, symbol) if part)
    header = f"{file_name}: {name}" if name else file_name
    return f"{header}\n{text}"


def embedding_input(
    text: str,
    text_digest: str,
    path: str,
    symbol: str | None,
    container: str | None,
    *,
    context: bool,
) -> tuple[str, str]:
    """(text to embed, its digest for the cache)."""
    if not context:
        return text, text_digest
    enriched = with_context(text, path, symbol, container)
    return enriched, text_hash(enriched)


def name_phrase(path: str, symbol: str, container: str | None) -> str:
    """A definition's names in plain words, for the name vectors: `levenshtein.js` /
    `Itertools.group_by` -> "itertools group by". The model matches a question against these
    few words more sharply than against a whole body, where the name is one line among many
    (benchmarks/registry_quality.py: alone, this ranks docstring targets about as well as the
    chunk vectors do). The file's stem is left out when it only repeats a name."""
    stem = path.rsplit("/", 1)[-1].split(".", 1)[0]
    parts: list[str] = []
    for name in (stem, container, symbol):
        words = " ".join(identifier_parts(name)) if name else ""
        if words and words not in parts:
            parts.append(words)
    return " ".join(parts)
