"""Ranking priors, path classification, and the version-2 filters (kinds, content, expand).

The rules alone (pure functions over hand-made candidates), then through the engine in-process
with the deterministic test embedder (see conftest)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from arama.engine.config import EngineConfig, Fusion, Priors
from arama.engine.engine import Engine
from arama.engine.records import ChunkRow
from arama.engine.search import mentions, paths, priors
from arama.engine.search.request import SearchFilters, SearchRequest
from support.embedder import BagOfWordsEmbedder


def _row(
    chunk_id: int,
    path: str,
    symbol: str | None = None,
    text: str = "body",
    *,
    container: str | None = None,
    start: int = 0,
    end: int = 3,
    language: str = "python",
) -> ChunkRow:
    kind = 12 if symbol else None
    digest = hashlib.sha256(text.encode()).hexdigest()  # the mentions memo keys on it
    return ChunkRow(
        chunk_id, path, language, 10, 1, start, end, symbol, kind, container, text, digest
    )


# -- paths --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "language", "content", "trait"),
    [
        ("src/httpx/_client.py", "python", "code", None),
        ("tests/test_client.py", "python", "tests", paths.TEST),
        ("pkg/client_test.go", "go", "tests", paths.TEST),
        ("src/__tests__/parse.spec.ts", "typescript", "tests", paths.TEST),
        ("lib/conftest.py", "python", "tests", paths.TEST),
        ("testdata/sample.json", "json", "tests", paths.FIXTURE),
        ("CHANGES.rst", "restructuredtext", "docs", paths.DOC),
        ("docs/usage.md", "markdown", "docs", paths.DOC),
        ("README.md", "markdown", "docs", paths.DOC),
        ("examples/basic/main.go", "go", "code", paths.EXAMPLE),
        ("third_party/six.py", "python", "code", paths.VENDORED),
        ("api/service_pb2.py", "python", "code", paths.GENERATED),
        ("types/index.d.ts", "typescript", "code", paths.DECLARATION),
        ("src/pkg/__init__.py", "python", "code", paths.REEXPORT),
    ],
)
def test_paths_say_what_a_file_is_for(
    path: str, language: str, content: str, trait: str | None
) -> None:
    assert paths.content_of(path, language).value == content
    if trait is None:
        assert paths.traits(path, language) == frozenset()
    else:
        assert trait in paths.traits(path, language)


# -- the rules alone ----------------------------------------------------------------------------


def test_query_shape_and_written_names() -> None:
    assert priors.query_shape("parseHttpHeader") is priors.Shape.IDENTIFIER
    assert priors.query_shape("Cache.cull") is priors.Shape.IDENTIFIER
    assert priors.query_shape("retry a request with backoff") is priors.Shape.SENTENCE
    assert priors.query_shape("where does parse_header split lines") is priors.Shape.MIXED
    assert priors.written_names("how Cache.cull and retry_request work") == [
        "Cache.cull",
        "cull",
        "retry_request",
    ]
    shaped = priors.shaped_weights(Fusion(), "retry_request")
    assert shaped["symbol"] > Fusion().symbol and shaped["dense"] < Fusion().dense
    assert shaped["lexical"] > Fusion().lexical
    # Sentences, and sentences that name code, keep the fused weights (reweighting them cost
    # the natural questions).
    for sentence in ("retry a request with backoff", "where does parse_header split lines"):
        assert priors.shaped_weights(Fusion(), sentence) == Fusion().weights()


def test_the_definition_of_a_written_name_comes_first() -> None:
    use = ((0, 1), _row(1, "app.py", "main", "retry_request(url)"), 1.0)
    definition = ((0, 2), _row(2, "net.py", "retry_request"), 0.2)
    named_file = ((0, 3), _row(3, "retry_request.py", "retry_request"), 0.1)
    boosted = priors.boost_definitions([use, definition, named_file], ["retry_request"], 1.0)
    scores = {key: score for key, _row_, score in boosted}
    assert scores[(0, 3)] > scores[(0, 2)] > scores[(0, 1)]  # its own file: half again
    dotted = ((0, 4), _row(4, "cache.py", "cull", container="Cache"), 0.1)
    other = ((0, 5), _row(5, "disk.py", "cull", container="Disk"), 0.1)
    scores = dict(
        (k, s) for k, _r, s in priors.boost_definitions([dotted, other], ["Cache.cull"], 1.0)
    )
    assert scores[(0, 4)] > scores[(0, 5)]


def test_tests_and_copies_rank_below_the_implementation_unless_asked_for() -> None:
    code = _row(1, "src/client.py", "send")
    test = _row(2, "tests/test_client.py", "test_send")
    assert priors.path_factor(code) == 1.0
    assert priors.path_factor(test) < 0.5
    assert priors.path_factor(test, exempt=[paths.TEST]) == 1.0


def test_a_large_file_cannot_fill_the_page() -> None:
    crowd = [
        ((0, i), _row(i, "big.py", f"f{i}", start=10 * i, end=10 * i + 5), 1.0 - i / 100)
        for i in range(5)
    ]
    other = ((1, 9), _row(9, "small.py", "g"), 0.9)
    ranked = priors.saturate([*crowd, other], 0.5)
    order = [key for key, _row_, _score in ranked]
    assert order.index((1, 9)) == 2  # after two hits of big.py, before the third
    assert priors.saturate([*crowd, other], 1.0) == [*crowd, other]


def test_near_identical_definitions_are_one_result() -> None:
    equal = (
        (0, 1),
        _row(
            1,
            "assert.go",
            "Equal",
            'func Equal(t T, a, b any) bool {\n  return assert.Equal(t, a, b, "x")\n}',
        ),
        0.9,
    )
    forwarder = (
        (0, 2),
        _row(
            2,
            "require.go",
            "Equal",
            'func Equal(t T, a, b any) bool {\n  return assert.Equal(t, a, b, "y")\n}',
        ),
        0.8,
    )
    different = ((0, 3), _row(3, "assert.go", "NotEqual", "func NotEqual() {}"), 0.7)
    collapsed = priors.collapse_similar([equal, forwarder, different])
    assert [(c[0], n) for c, n in collapsed] == [((0, 1), 1), ((0, 3), 0)]


def test_feedback_adds_the_identifiers_of_the_best_hits() -> None:
    rows = [_row(1, "lev.py", "levenshtein", "def levenshtein(a, b):\n    return edit_cost(a, b)")]
    query = priors.feedback_query("edit distance between two strings", rows)
    assert query is not None and "levenshtein" in query and "edit_cost" in query
    assert priors.feedback_query("levenshtein", [_row(2, "x.py", "levenshtein")]) is None


def test_top_level_code_ranks_below_definitions_where_the_chunker_names_them() -> None:
    imports = ((0, 1), _row(1, "pkg/core.py", None, "import os\nLIMIT = 3"), 1.0)
    function = ((0, 2), _row(2, "pkg/core.py", "evict", "def evict(): ..."), 0.8)
    script = ((0, 3), _row(3, "build.sh", None, "make all", language="shellscript"), 0.9)
    readme = ((0, 4), _row(4, "README.md", None, "# Usage", language="markdown"), 0.7)
    damped = priors.damp_top_level([imports, function, script, readme], 0.6)
    assert [round(score, 2) for _k, _r, score in damped] == [0.6, 0.8, 0.9, 0.7]
    assert priors.damp_top_level([imports], 1.0) == [imports]
    assert Priors().top_level < 1.0 and Priors.off().top_level == 1.0


def test_tests_and_docs_vote_for_the_definitions_they_name() -> None:
    doc = _row(1, "README.md", None, "Call `zz_gate(handler)` or `run(x)`.", language="markdown")
    test = _row(2, "tests/test_gate.py", "test_it", "def test_it():\n    zz_gate(f)\n    run()")
    defined = {"zz_gate": 1, "run": 9, "handler": 2}
    votes = mentions.mention_votes([(doc, 0.5), (test, 0.25)], defined)
    # `run` is defined too often to say anything; a name defined twice shares its vote.
    assert set(votes) == {"zz_gate", "handler"}
    assert votes["zz_gate"] == pytest.approx(0.5 / 2**0.5 + 0.25)
    assert votes["handler"] == pytest.approx(0.5 / 2**0.5 / 2)
    assert mentions.is_commentary(doc) and mentions.is_commentary(test)
    assert not mentions.is_commentary(_row(3, "src/gate.py", "zz_gate"))


# -- through the engine ---------------------------------------------------------------------------


def _engine(tmp_path: Path, embedder: BagOfWordsEmbedder, root: Path, **config: object) -> Engine:
    engine = Engine(EngineConfig(cache_dir=tmp_path / "cache", **config), embedder=embedder)  # type: ignore[arg-type]
    engine.add_folder(root)
    engine.start()
    assert engine.wait_idle(60)
    return engine


def test_kinds_content_and_expand_filters(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    tests_dir = workspace / "tests"
    tests_dir.mkdir()
    (tests_dir / "test_retry.py").write_text(
        "def test_retry_request_gives_up():\n    assert retry_request('x', attempts=0) is None\n"
    )
    long_body = "\n".join(f"    step_{n} = transpose_helper({n})" for n in range(90))
    (workspace / "long.py").write_text(f"def very_long_transpose():\n{long_body}\n    return 1\n")
    engine = _engine(tmp_path, embedder, workspace)
    try:

        def paths_of(**filters: object) -> list[str]:
            request = SearchRequest("retry request", limit=50, filters=SearchFilters(**filters))  # type: ignore[arg-type]
            return [h.chunk.path for h in engine.search(request).hits]

        assert paths_of(content=("tests",)) == ["tests/test_retry.py"]
        assert "tests/test_retry.py" not in paths_of(content=("code",))
        assert set(paths_of(content=("docs",))) <= {"README.md"}
        kinds = {
            h.chunk.kind
            for h in engine.search(
                SearchRequest("matrix rows", limit=50, filters=SearchFilters(kinds=(12,)))
            ).hits
        }
        assert kinds == {12}
        plain = engine.search(SearchRequest("very_long_transpose", mode="lexical")).hits[0]
        wide = engine.search(
            SearchRequest("very_long_transpose", mode="lexical", expand=True)
        ).hits[0]
        assert plain.chunk.symbol == wide.chunk.symbol == "very_long_transpose"
        assert (wide.chunk.start_line, wide.chunk.end_line) == (0, 91)
        assert plain.chunk.end_line - plain.chunk.start_line < 40  # one piece of it
        assert wide.chunk.text.split("\n")[90] == "    step_89 = transpose_helper(89)"
    finally:
        engine.close()


def test_lexical_mode_puts_the_definition_first_with_the_prior(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    """A changelog that names a function in forty short entries and one long definition:
    bm25 likes the short entries (werkzeug's `parse_cookie` answered with CHANGES.rst); the
    definition prior puts the definition first, also in lexical mode."""
    notes = "\n\n".join(f"## 1.{n}\n\n- `parse_cookie` now handles case {n}." for n in range(40))
    (workspace / "CHANGES.md").write_text(f"# Changes\n\n{notes}\n")
    body = "\n".join(f"    value_{n} = header.split(';')[{n}]" for n in range(30))
    (workspace / "cookies.py").write_text(
        f"def parse_cookie(header):\n{body}\n    return value_0\n"
    )
    engine = _engine(tmp_path, embedder, workspace)
    try:
        request = SearchRequest("parse_cookie", mode="lexical")
        assert engine.search(request).hits[0].chunk.path == "cookies.py"  # the defaults
        on = replace(Priors.off(), definition_boost=1.0)
        assert engine.search(request, priors=on).hits[0].chunk.path == "cookies.py"
        off = Priors.off()
        assert engine.search(request, priors=off).hits[0].chunk.path == "CHANGES.md"
    finally:
        engine.close()


def test_a_doc_in_the_query_words_lifts_the_function_it_names(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    """The guide says in the query's words what `zz_gate` is for; the function's own code
    shares none of them. The two decoys repeat a query word and stay above it (one vote weighs
    less than two channels), but without the mentions channel `zz_gate` also ranks below code
    that has nothing to do with the question; with it, the guide's vote brings it up to third."""
    (workspace / "gate.py").write_text(
        "def zz_gate(fn, wait):\n    last = [0.0]\n    def inner(*a):\n"
        "        if clock() - last[0] > wait:\n            last[0] = clock()\n"
        "            return fn(*a)\n    return inner\n"
    )
    for n in range(2):
        (workspace / f"decoy_{n}.py").write_text(
            f"def decoy_{n}(often):\n    return often * {n}  # scroll\n"
        )
    (workspace / "docs").mkdir()
    (workspace / "docs" / "guide.md").write_text(
        "# Scrolling\n\nTo limit how often a scroll handler runs while the page scrolls, "
        "wrap the handler: `zz_gate(on_scroll, 100)`.\n"
    )
    engine = _engine(tmp_path, embedder, workspace)
    try:
        request = SearchRequest("limit how often a scroll handler runs", limit=50)

        def rank_of_gate(rules: Priors) -> int:
            found = [h.chunk.symbol for h in engine.search(request, priors=rules).hits]
            return found.index("zz_gate") + 1

        with_mentions = rank_of_gate(Priors())
        without = rank_of_gate(replace(Priors(), mentions=0.0))
        assert Priors().mentions > 0
        assert with_mentions == 3 < without
    finally:
        engine.close()


def test_a_scan_catalogs_code_before_tests_and_docs(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    """In the first seconds of a large folder, definitions are searchable before the changelog
    that mentions them (file ids follow the order files were cataloged)."""
    (workspace / "CHANGES.md").write_text("# Changes\n\n- fixed retry_request\n")
    (workspace / "tests").mkdir()
    (workspace / "tests" / "test_retry.py").write_text("def test_retry():\n    pass\n")
    engine = _engine(tmp_path, embedder, workspace)
    try:
        (folder,) = engine.folders()
        files = folder.catalog.live_files()
        order = sorted(files, key=lambda rel: files[rel].id)
        kinds = [paths.content_of(rel, files[rel].language).value for rel in order]
        assert kinds == sorted(kinds, key=["code", "tests", "docs"].index)
        assert {"code", "tests", "docs"} <= set(kinds)
    finally:
        engine.close()


@pytest.mark.parametrize("mode", ["semantic", "hybrid", "lexical"])
def test_every_mode_ranks_the_implementation_above_a_test_that_repeats_it(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder, mode: str
) -> None:
    """A test made of the query's words, and the implementation that also does other things
    (the bag-of-words test embedder scores the test higher): the path prior puts the code first
    in every mode, `semantic` included; without the priors the embedder's order stands."""
    words = "normalize unicode header value before comparing"
    body = "\n".join(f"    step_{n} = table_{n}.casefold(encoding_{n})" for n in range(12))
    (workspace / "headers.py").write_text(
        f'def normalize_header(value):\n    """{words}"""\n{body}\n    return value\n'
    )
    tests_dir = workspace / "tests"
    tests_dir.mkdir()
    (tests_dir / "test_headers.py").write_text(f'def test_it():\n    """{words}"""\n')
    engine = _engine(tmp_path, embedder, workspace)
    try:
        request = SearchRequest(words, mode=mode, limit=50)  # type: ignore[arg-type]

        def order(priors: Priors | None = None) -> list[str]:
            found = [h.chunk.path for h in engine.search(request, priors=priors).hits]
            return [p for p in found if p in ("headers.py", "tests/test_headers.py")]

        assert order() == ["headers.py", "tests/test_headers.py"]
        if mode == "semantic":
            assert order(Priors.off()) == ["tests/test_headers.py", "headers.py"]
    finally:
        engine.close()


def test_a_closure_answers_as_the_function_around_it(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    """A long function is cut into pieces, its closure apart under its own name: the search
    labels the closure's lines as the function one calls (diskcache's `barrier` answered as its
    inner `decorator`), unless the query writes the closure's name; `expand` gives the whole
    function with the closure in place."""
    setup = "\n".join(f"    setting_{n} = configure_option({n})" for n in range(45))
    (workspace / "turnstile.py").write_text(
        "def make_turnstile(lock_name):\n"
        '    """Let one caller at a time through."""\n'
        f"{setup}\n\n"
        "    def decorator(func):\n"
        "        with acquire_turnstile_guard(lock_name):\n"
        "            return func\n\n"
        "    return decorator\n"
    )
    engine = _engine(tmp_path, embedder, workspace)
    try:
        words = SearchRequest("acquire turnstile guard", mode="lexical")
        top = engine.search(words).hits[0].chunk
        assert (top.symbol, top.container) == ("make_turnstile", None)
        assert top.start_line == 48  # the closure's own lines, under the function's name
        off = replace(Priors(), closures_as_functions=False)
        alone = engine.search(words, priors=off).hits[0].chunk
        assert (alone.symbol, alone.container) == ("decorator", "make_turnstile")
        named = engine.search(SearchRequest("decorator", mode="lexical")).hits[0].chunk
        assert (named.symbol, named.container) == ("decorator", "make_turnstile")
        wide = engine.search(replace(words, expand=True)).hits[0].chunk
        assert (wide.start_line, wide.end_line) == (0, 52)
        assert "acquire_turnstile_guard(lock_name)" in wide.text.split("\n")[49]
    finally:
        engine.close()


def test_closures_of_a_module_sized_function_stay_themselves(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    """A factory hundreds of lines long is a module written as a function (yargs' `usage`,
    ~700 lines): its inner functions are what a question asks for, so they keep their names;
    relabelled, `windowWidth` was folded into `usage` and shown at another piece's lines."""
    setup = "\n".join(f"    setting_{n} = configure_option({n})" for n in range(350))
    (workspace / "factory.py").write_text(
        "def make_usage(parser):\n"
        f"{setup}\n\n"
        "    def window_width():\n"
        "        return min(terminal_columns_guess(parser), 80)\n\n"
        "    return window_width\n"
    )
    engine = _engine(tmp_path, embedder, workspace)
    try:
        hit = engine.search(SearchRequest("terminal columns guess", mode="lexical")).hits[0]
        assert (hit.chunk.symbol, hit.chunk.container) == ("window_width", "make_usage")
        assert hit.chunk.start_line == 352
    finally:
        engine.close()
