"""The (documentation -> definition) pairs of a folder, CodeSearchNet's way, and a seeded sample.

The first sentence of a function's documentation is the query and the function its answer.
CodeSearchNet's filters apply: at least MIN_QUERY_WORDS words (shorter docs say too little),
functions of at least MIN_FUNCTION_LINES lines without their documentation (shorter ones are
mostly accessors), no test functions; code files only is the caller's choice (it knows the
paths). One sentence that documents several functions (forwarders, wrappers) is one query with
several acceptable answers, so a copy is never counted as a miss.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from arama.evaluation.docstrings import GRAMMARS, DocFunction, first_sentence, strip_docs

# About a minute after the index is ready on 2 cores (docs/design.md, "arama eval"): each query
# hides one documentation block, whose chunk the model embeds again (~0.05 s), and is asked in
# three modes (~0.1 s together on a 1,000-file repository).
DEFAULT_SAMPLE = 200
MIN_QUERY_WORDS = 3
MIN_FUNCTION_LINES = 3
MAX_QUERY_CHARS = 1000  # the search contract's limit


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file as the index read it: workspace-relative path, LSP language id, text."""

    path: str
    language: str
    text: str


@dataclass(frozen=True, slots=True)
class Documented:
    """One documented function of one file (lines as in the original file)."""

    path: str
    function: DocFunction

    @property
    def label(self) -> str:
        f = self.function
        name = f"{f.container}.{f.name}" if f.container else f.name
        return f"{self.path}:{f.start + 1} {name}"


@dataclass(frozen=True, slots=True)
class DocQuery:
    """A documentation sentence and the functions it documents (any one is an answer)."""

    text: str
    language: str
    definitions: tuple[Documented, ...]


def minable(language: str) -> bool:
    return language in GRAMMARS


def mine(files: Iterable[SourceFile]) -> dict[str, list[DocQuery]]:
    """Every eligible query of `files`, by language, in a stable order (path, then line)."""
    by_text: dict[tuple[str, str], tuple[str, list[Documented]]] = {}
    for source in files:
        if not minable(source.language):
            continue
        for sentence, function in _eligible(source):
            key = (source.language, sentence.casefold())
            by_text.setdefault(key, (sentence, []))[1].append(Documented(source.path, function))
    out: dict[str, list[DocQuery]] = {}
    for (language, _), (sentence, found) in by_text.items():
        out.setdefault(language, []).append(DocQuery(sentence, language, tuple(found)))
    for queries in out.values():
        queries.sort(key=lambda q: (q.definitions[0].path, q.definitions[0].function.start))
    return out


def _eligible(source: SourceFile) -> Iterable[tuple[str, DocFunction]]:
    # Lengths are judged with every documentation block removed, as the registry benchmark does.
    stripped = strip_docs(source.text, source.language)
    for function in stripped.functions:
        if not function.strippable or function.is_test:
            continue
        sentence = first_sentence(function.doc)[:MAX_QUERY_CHARS]
        if len(sentence.split()) < MIN_QUERY_WORDS:
            continue
        start, end = stripped.new_range(function)
        if end - start + 1 < MIN_FUNCTION_LINES:
            continue
        yield sentence, function


def allocate(available: Mapping[str, int], total: int) -> dict[str, int]:
    """How many queries each language gets out of `total`: equal shares, and what a language
    cannot use goes to the others (so a small language is measured on all it has, not on a
    handful proportional to its size)."""
    quota = dict.fromkeys(available, 0)
    remaining = total
    while remaining > 0:
        open_languages = sorted(lang for lang in available if quota[lang] < available[lang])
        if not open_languages:
            break
        share = max(1, remaining // len(open_languages))
        for language in open_languages:
            take = min(share, available[language] - quota[language], remaining)
            quota[language] += take
            remaining -= take
            if not remaining:
                break
    return quota


def sample(candidates: Mapping[str, list[DocQuery]], total: int, seed: int) -> list[DocQuery]:
    """At most `total` queries spread over the languages (`allocate`), the same ones for the
    same seed and the same code; ordered by language, then path and line."""
    quota = allocate({lang: len(queries) for lang, queries in candidates.items()}, total)
    chosen: list[DocQuery] = []
    for language in sorted(candidates):
        pool = candidates[language]
        wanted = quota[language]
        rng = random.Random(f"{seed}:{language}")
        picked = range(len(pool)) if wanted >= len(pool) else rng.sample(range(len(pool)), wanted)
        chosen += [pool[i] for i in sorted(picked)]
    return chosen


def hidden_by_file(queries: Iterable[DocQuery]) -> dict[str, set[DocFunction]]:
    """Path -> the functions whose documentation the sample hides there."""
    out: dict[str, set[DocFunction]] = {}
    for query in queries:
        for documented in query.definitions:
            out.setdefault(documented.path, set()).add(documented.function)
    return out
