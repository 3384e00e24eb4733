"""Training pairs from a workspace's own code: what a developer here would type, and the code
it should find.

Two kinds, both from the code files only (tests, docs, examples, generated and vendored code are
left out by the same path rules as search's content filter):
- documentation -> definition: the first sentence of a function's documentation, and the
  function with that documentation removed (otherwise the pair teaches the model to find a
  sentence it was shown, not the code that does what the sentence says);
- name in words -> definition: `parse_http_header` -> "parse http header" (the words a
  question shares with a name are the ones the model must learn to connect to the body).
The answer side is the text the index embeds for a chunk (file name and enclosing names on its
first line, `embedding.text.with_context`). Functions in the held-out split (tuning/split.py)
are never used: they judge the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from arama.engine.embedding.text import name_phrase, with_context
from arama.evaluation.docstrings import first_sentence, strip_docs
from arama.evaluation.mining import MIN_FUNCTION_LINES, MIN_QUERY_WORDS, SourceFile
from arama.tuning.split import is_held_out

# A name of one word says too little to train on ("run", "get").
MIN_NAME_WORDS = 2


@dataclass(frozen=True, slots=True)
class Pair:
    query: str
    answer: str
    kind: str  # "doc" | "name"


def training_pairs(files: Iterable[SourceFile]) -> list[Pair]:
    """Every pair of `files` outside the held-out split, without duplicates, in file order."""
    seen: set[tuple[str, str]] = set()
    out: list[Pair] = []
    for source in files:
        for pair in _file_pairs(source):
            key = (pair.query.casefold(), pair.answer)
            if key not in seen:
                seen.add(key)
                out.append(pair)
    return out


def _file_pairs(source: SourceFile) -> Iterable[Pair]:
    stripped = strip_docs(source.text, source.language)
    lines = stripped.text.split("\n")
    for function in stripped.functions:
        if function.is_test or is_held_out(source.path, function.name, function.container):
            continue
        if not function.strippable:
            continue
        start, end = stripped.new_range(function)
        if end - start + 1 < MIN_FUNCTION_LINES:
            continue
        body = "\n".join(lines[start : end + 1])
        answer = with_context(body, source.path, function.name, function.container)
        sentence = first_sentence(function.doc)
        if len(sentence.split()) >= MIN_QUERY_WORDS:
            yield Pair(sentence, answer, "doc")
        words = name_phrase(source.path, function.name, function.container)
        if len(words.split()) >= MIN_NAME_WORDS:
            yield Pair(words, answer, "name")
