"""Ranking rules on top of the channels: cheap priors about code that the model cannot know.

Each rule is a pure function over candidates `(key, row, score)`, switched and sized by
`EngineConfig.priors` (config.py `Priors`), so the benchmarks can try each alone:

    query shape        an identifier leans on names and words, a sentence on meaning
    definitions        the chunk that defines a name the query writes out comes first
    paths              tests, examples, copies, generated code and declarations rank below
                       the implementation when both match
    top level          a code file's lines outside every definition (imports, constants,
                       glue) rank below its definitions
    file saturation    one large file cannot fill the page
    feedback           identifiers of the best dense hits join a second lexical query
    similar            near-identical definitions are one result, "+N similar"

The mentions channel (tests and docs vote for the definitions they name) is in mentions.py.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum

from arama.engine.chunker import names_definitions
from arama.engine.config import Fusion
from arama.engine.lexical import identifier_parts
from arama.engine.records import ChunkRow
from arama.engine.search import paths
from arama.engine.search.channels import looks_like_code
from arama.engine.search.view import Key

Candidate = tuple[Key, ChunkRow, float]

_TOKEN = re.compile(r"[A-Za-z_$][\w$]*(?:(?:\.|::|->|#)[A-Za-z_$][\w$]*)*")
_WORD = re.compile(r"\w+")


# -- query shape -----------------------------------------------------------------------------------


class Shape(Enum):
    IDENTIFIER = "identifier"  # `parseHttpHeader`, `Foo.bar`, `snake_case`
    SENTENCE = "sentence"  # "retry a request with backoff"
    MIXED = "mixed"  # "where does parseHttpHeader split folded lines"


def written_names(query: str) -> list[str]:
    """Identifiers the query writes as code, in order: `retry_request`, `Cache.cull` (both the
    dotted name and its last member), `HTTPServer`; plain words are not names, except a query
    that is one word and nothing else (`debounce`, `Equal`): that is a name being looked up."""
    tokens = _TOKEN.findall(query)
    if len(tokens) == 1 and tokens[0] == query.strip() and len(tokens[0]) > 1:
        token = tokens[0]
        parts = re.split(r"\.|::|->|#", token)
        return [token, parts[-1]] if len(parts) > 1 else [token]
    names: list[str] = []
    for token in tokens:
        parts = re.split(r"\.|::|->|#", token)
        if len(parts) > 1:
            names += [token, parts[-1]]
        elif looks_like_code(token) and not token.isdigit():
            names.append(token)
    return list(dict.fromkeys(n for n in names if len(n) > 1))


def query_shape(query: str) -> Shape:
    words = _WORD.findall(query)
    names = written_names(query)
    if not names:
        return Shape.SENTENCE
    return Shape.IDENTIFIER if len(words) <= len(re.split(r"[.:#>-]+", names[0])) else Shape.MIXED


# How each shape moves the channel weights (multipliers of Fusion's). Only a query that is an
# identifier leans on words and names (`ensure_ascii`, `maxBytes`: the model reads them as
# vague English and buried the files that use them). Reweighting sentences too (meaning up,
# words down) cost the natural questions 0.019 MRR@10, so sentences keep the fused weights.
SHAPE_FACTORS: Mapping[Shape, Mapping[str, float]] = {
    Shape.IDENTIFIER: {"dense": 0.5, "lexical": 1.5, "symbol": 4.0, "names": 1.0},
    Shape.MIXED: {},
    Shape.SENTENCE: {},
}


# How much of the definition boost each shape gets: a name looked up wants its definition; a
# sentence that mentions names (docstrings cite other functions: "like `_.uniq` except ...")
# rarely asks for those names' definitions.
BOOST_BY_SHAPE: Mapping[Shape, float] = {
    Shape.IDENTIFIER: 1.0,
    Shape.MIXED: 0.0,
    Shape.SENTENCE: 0.0,
}


def shaped_weights(fusion: Fusion, query: str) -> dict[str, float]:
    factors = SHAPE_FACTORS[query_shape(query)]
    return {name: weight * factors.get(name, 1.0) for name, weight in fusion.weights().items()}


# -- definitions of the names the query writes ----------------------------------------------------


def _folded(name: str) -> str:
    return "".join(identifier_parts(name))


def _stem(path: str) -> str:
    return _folded(path.rsplit("/", 1)[-1].split(".", 1)[0])


def boost_definitions(
    candidates: Sequence[Candidate], names: Sequence[str], boost: float
) -> list[Candidate]:
    """Add `boost` × the best score to each chunk that defines one of `names` (exactly, or
    `Container.member` as written); half as much again when its file is named after it."""
    if not candidates or not names or boost <= 0:
        return list(candidates)
    top = max(score for _k, _r, score in candidates)
    wanted = _Wanted(names)
    out: list[Candidate] = []
    for key, row, score in candidates:
        if wanted.defined_by(row):
            score += boost * top * (1.5 if _stem(row.path) in wanted.stems else 1.0)
        out.append((key, row, score))
    return out


class _Wanted:
    """The names a query writes: plain (`retry_request`) and qualified (`Cache.cull`)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.plain = {n for n in names if not _QUALIFIER.search(n)}
        self.qualified = {tuple(_QUALIFIER.split(n)[-2:]) for n in names if _QUALIFIER.search(n)}
        self.stems = {_folded(n) for n in self.plain | {q[-1] for q in self.qualified}}

    def defined_by(self, row: ChunkRow) -> bool:
        if not row.is_definition:
            return False
        return row.symbol in self.plain or (row.container, row.symbol) in self.qualified


_QUALIFIER = re.compile(r"\.|::|->|#")


# -- paths ----------------------------------------------------------------------------------------

PATH_FACTORS: Mapping[str, float] = {
    paths.TEST: 0.3,
    paths.FIXTURE: 0.3,
    paths.EXAMPLE: 0.4,
    paths.VENDORED: 0.3,
    paths.GENERATED: 0.5,
    paths.DOC: 0.3,
    paths.DECLARATION: 0.7,
    paths.REEXPORT: 0.7,
    paths.DATA: 0.5,
    paths.BENCHMARK: 0.4,
}


def path_factor(row: ChunkRow, exempt: Iterable[str] = ()) -> float:
    """The product of the penalties of the file's traits (1.0 for implementation code);
    `exempt` traits (what a `content` filter asked for) cost nothing."""
    factor = 1.0
    skip = set(exempt)
    for trait in paths.traits(row.path, row.language):
        if trait not in skip:
            factor *= PATH_FACTORS.get(trait, 1.0)
    return factor


def penalize_paths(candidates: Sequence[Candidate], exempt: Iterable[str] = ()) -> list[Candidate]:
    exempt = tuple(exempt)
    return [(k, row, score * path_factor(row, exempt)) for k, row, score in candidates]


# -- top-level code --------------------------------------------------------------------------------


def is_top_level_code(row: ChunkRow) -> bool:
    """A chunk of an implementation file that no definition holds, in a language whose
    definitions the chunker names (elsewhere every chunk is one of those)."""
    return (
        not row.is_definition
        and names_definitions(row.language)
        and not paths.traits(row.path, row.language)
    )


def damp_top_level(candidates: Sequence[Candidate], factor: float) -> list[Candidate]:
    """Multiply the top-level chunks of code files by `factor`: a question about what code
    does is answered by a definition; a module's imports and constants that share its words
    came first too often (`diskcache/core.py`'s constants for "evict the least recently
    stored", a module's first lines for a question about its one function)."""
    if factor >= 1.0:
        return list(candidates)
    return [
        (key, row, score * factor if is_top_level_code(row) else score)
        for key, row, score in candidates
    ]


# -- per-file saturation ---------------------------------------------------------------------------

SATURATION_FREE_HITS = 2


def saturate(candidates: Sequence[Candidate], decay: float) -> list[Candidate]:
    """Multiply the third and later hits of one file by `decay` (once more per extra hit), in
    the order of their scores, and re-rank: one large file cannot fill the page."""
    if decay >= 1.0:
        return list(candidates)
    seen: dict[tuple[int, str], int] = {}
    out: list[Candidate] = []
    for key, row, score in sorted(candidates, key=lambda c: c[2], reverse=True):
        file_key = (key[0], row.path)
        count = seen.get(file_key, 0)
        seen[file_key] = count + 1
        excess = count + 1 - SATURATION_FREE_HITS
        out.append((key, row, score * decay**excess if excess > 0 else score))
    out.sort(key=lambda c: c[2], reverse=True)
    return out


# -- pseudo-relevance feedback ---------------------------------------------------------------------

FEEDBACK_FROM = 3  # top dense hits read
FEEDBACK_TERMS = 6  # identifiers added at most
_CODE_IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{3,}\b")
_COMMON = frozenset(
    {
        "self",
        "this",
        "return",
        "def",
        "function",
        "class",
        "const",
        "async",
        "await",
        "import",
        "from",
        "none",
        "null",
        "true",
        "false",
        "string",
        "number",
        "boolean",
        "value",
        "values",
        "result",
        "results",
        "error",
        "errors",
        "args",
        "kwargs",
        "data",
        "item",
        "items",
        "list",
        "dict",
        "type",
        "types",
        "object",
        "name",
        "names",
        "index",
        "options",
        "option",
        "config",
        "params",
    }
)


def feedback_query(query: str, rows: Sequence[ChunkRow]) -> str | None:
    """The query plus identifiers of the best dense hits (their definition names first, then
    the identifiers they use most), or None when there is nothing to add. Bridges the
    vocabulary gap between a question ("edit distance") and the code (`levenshtein`)."""
    seen = {w.casefold() for w in _WORD.findall(query)}
    counts: dict[str, int] = {}
    for rank, row in enumerate(rows[:FEEDBACK_FROM]):
        if row.symbol:
            counts[row.symbol] = counts.get(row.symbol, 0) + 100 - rank
        for word in _CODE_IDENTIFIER.findall(row.text):
            if word.casefold() not in _COMMON and looks_like_code(word):
                counts[word] = counts.get(word, 0) + 1
    extra = [
        w for w, _n in sorted(counts.items(), key=lambda item: -item[1]) if w.casefold() not in seen
    ][:FEEDBACK_TERMS]
    return f"{query} {' '.join(extra)}" if extra else None


# -- near-identical definitions ------------------------------------------------------------------


@functools.lru_cache(maxsize=2048)
def _shape_of(symbol: str | None, text: str) -> str:
    """A chunk's text with its own name and every string and number blanked: forwarders such
    as testify's `assert.Equal` / `require.Equal`, or the same helper copied, look alike.
    Cached: the same chunks come back search after search, and blanking a long body costs more
    than the rest of the ranking."""
    if symbol:
        text = re.sub(rf"\b{re.escape(symbol)}\b", "_", text)
    text = re.sub(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|`[^`]*`", "S", text)
    text = re.sub(r"\b\d+\b", "0", text)
    return " ".join(text.split())


def collapse_similar(candidates: Sequence[Candidate]) -> list[tuple[Candidate, int]]:
    """Keep the best of each group of definitions with the same name, kind and shape (the
    `assert.Equal` / `require.Equal` forwarders, a helper copied into several packages),
    counting the others: they are listed nowhere else, the count says they exist. The name
    must match: two unrelated one-liners that return a string have the same shape, and only
    a name that comes back more than once is worth reading the bodies for."""
    name_counts = Counter((c[1].symbol, c[1].kind) for c in candidates if c[1].is_definition)
    kept: list[Candidate] = []
    similar: list[int] = []
    where: dict[tuple[str | None, int | None, str], int] = {}
    for candidate in candidates:
        row = candidate[1]
        if not row.is_definition or name_counts[(row.symbol, row.kind)] < 2:
            kept.append(candidate)
            similar.append(0)
            continue
        signature = (row.symbol, row.kind, _shape_of(row.symbol, row.text))
        if signature in where:
            similar[where[signature]] += 1
            continue
        where[signature] = len(kept)
        kept.append(candidate)
        similar.append(0)
    return list(zip(kept, similar, strict=True))
