"""`arama eval` in-process: mining per language, hiding in memory (the workspace and the user's
own index untouched, the hidden words really gone from the evaluation index), the metrics on a
hand-made ranking, the `--queries` format and its errors; with the deterministic test embedder."""

from __future__ import annotations

import hashlib
import math
import textwrap
from pathlib import Path

import pytest

from arama import cli
from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.engine.search.request import SearchRequest
from arama.evaluation.docstrings import strip_docs
from arama.evaluation.errors import EvalError, NothingToEvaluate
from arama.evaluation.metrics import Outcome, by_mode, scores, slowest
from arama.evaluation.mining import SourceFile, allocate, mine, sample
from arama.evaluation.queries import parse_queries, read_queries
from arama.evaluation.report import render_table, report_json
from arama.evaluation.runner import EVAL_INDEXES, EvalSettings, eval_config, evaluate
from arama.evaluation.targets import Span, Target, line_span
from support.embedder import BagOfWordsEmbedder

# -- mining ----------------------------------------------------------------------------------------

SNIPPETS = {
    "python": (
        "pkg/stats.py",
        '''
        def mean_of(values):
            """Average of the values, ignoring missing ones. Returns None when empty."""
            present = [v for v in values if v is not None]
            return sum(present) / len(present) if present else None


        def tiny(x):
            """Too short a body to count."""
            return x


        def terse(values):
            """Does it."""
            total = 0
            return total


        def test_mean_of():
            """A test describes a scenario, not what code does."""
            assert mean_of([1, 3]) == 2
            assert mean_of([]) is None
        ''',
        "Average of the values, ignoring missing ones.",
        "mean_of",
    ),
    "javascript": (
        "lib/merge.js",
        """
        /**
         * Merge two sorted arrays into one sorted array.
         * @param {number[]} a
         */
        export function mergeSorted(a, b) {
          const out = [];
          return out.concat(a, b).sort();
        }
        """,
        "Merge two sorted arrays into one sorted array.",
        "mergeSorted",
    ),
    "typescript": (
        "src/cart.ts",
        """
        export class Cart {
          /** Sum the prices of every item in the cart. */
          total(): number {
            let sum = 0;
            return sum;
          }
        }
        """,
        "Sum the prices of every item in the cart.",
        "total",
    ),
    "go": (
        "text/reverse.go",
        """
        package text

        // Reverse returns the runes of s in reverse order.
        func Reverse(s string) string {
        \tr := []rune(s)
        \treturn string(r)
        }

        // TestReverse checks the reversal of a palindrome.
        func TestReverse(t *testing.T) {
        \tReverse("abba")
        \treturn
        }
        """,
        "Reverse returns the runes of s in reverse order.",
        "Reverse",
    ),
    "rust": (
        "src/stack.rs",
        """
        impl Stack {
            /// Push a value on top of the stack.
            #[inline]
            pub fn push(&mut self, v: i32) {
                self.items.push(v);
            }

            /// Checks that pushing works as intended.
            #[test]
            fn pushes() {
                assert!(true);
            }
        }
        """,
        "Push a value on top of the stack.",
        "push",
    ),
}


@pytest.mark.parametrize("language", sorted(SNIPPETS))
def test_mining_finds_the_documented_function_of_each_language(language: str) -> None:
    path, source, sentence, name = SNIPPETS[language]
    text = textwrap.dedent(source).lstrip("\n")
    found = mine([SourceFile(path, language, text)])
    assert list(found) == [language]
    (query,) = found[language]  # short docs, short bodies and tests are left out
    assert query.text == sentence
    (documented,) = query.definitions
    assert documented.path == path and documented.function.name == name
    hidden = strip_docs(text, language, hide={documented.function})
    assert sentence in text and sentence not in hidden.text
    start, end = hidden.new_range(documented.function)
    assert name in hidden.text.split("\n")[start]
    assert end - start + 1 >= 3


def test_hiding_removes_only_the_chosen_documentation() -> None:
    text = textwrap.dedent(
        '''
        def first(a):
            """Add one to the number given as input."""
            b = a + 1
            return b


        def second(a):
            """Subtract one from the number given as input."""
            b = a - 1
            return b
        '''
    ).lstrip("\n")
    functions = {f.name: f for f in strip_docs(text, "python").functions}
    hidden = strip_docs(text, "python", hide={functions["first"]})
    assert "Add one" not in hidden.text and "Subtract one" in hidden.text
    assert hidden.new_range(functions["second"]) == (5, 8)
    assert strip_docs(text, "python", hide=()).text == text


def test_sample_spreads_over_languages_and_follows_the_seed() -> None:
    assert allocate({"go": 2, "python": 100, "rust": 50}, 60) == {"go": 2, "python": 29, "rust": 29}
    assert allocate({"go": 2, "python": 3}, 60) == {"go": 2, "python": 3}
    files = [
        SourceFile(
            f"m{i}.py",
            "python",
            f'def f{i}(x):\n    """Compute the value number {i} from x."""\n    y = x\n    return y\n',
        )
        for i in range(30)
    ]
    candidates = mine(files)
    first, again = sample(candidates, 10, seed=1), sample(candidates, 10, seed=1)
    assert len(first) == 10 and first == again
    assert sample(candidates, 10, seed=2) != first
    assert len(sample(candidates, 100, seed=1)) == 30


# -- targets and metrics ---------------------------------------------------------------------------


def test_metrics_on_a_hand_made_ranking() -> None:
    s = scores([1, 2, None, 5, 11])
    assert s.n == 5
    assert math.isclose(s.mrr, (1 + 1 / 2 + 1 / 5) / 5)
    assert s.recall == {1: 0.2, 5: 0.6, 10: 0.6}
    outcomes = [
        Outcome("q1", "python", "a.py", "hybrid", 1, 10.0),
        Outcome("q2", "go", "b.go", "hybrid", None, 30.0),
        Outcome("q1", "python", "a.py", "lexical", 2, 5.0),
        Outcome("q2", "go", "b.go", "lexical", 1, 1.0),
    ]
    table = by_mode(outcomes)
    assert list(table) == ["hybrid", "lexical"]
    assert table["hybrid"].overall.mrr == 0.5 and table["lexical"].overall.mrr == 0.75
    assert table["lexical"].languages["python"].mrr == 0.5
    assert table["hybrid"].languages["go"].recall[10] == 0.0
    assert [o.ms for o in slowest(outcomes, 2)] == [30.0, 10.0]


def test_any_piece_of_the_definition_counts() -> None:
    target = Target("a.py:3 f", (Span("a.py", 2, 30), Span("a.py", 31, 50)))
    assert target.rank_in([("b.py", 2, 9), ("a.py", 40, 45)]) == 2
    assert target.rank_in([("a.py", 51, 60), ("b.py", 2, 9)]) is None
    assert line_span("a.py", 4).meets("a.py", 0, 4) and not line_span("a.py", 4).meets("a.py", 5, 9)
    assert line_span("a.py", None).meets("a.py", 900, 990)


# -- the user's queries ----------------------------------------------------------------------------


def test_queries_file_in_json_lines_and_tsv(tmp_path: Path) -> None:
    content = "\n".join(
        [
            "# my questions",
            '{"query": "retry with backoff", "target": "retry.py:11"}',
            "",
            "read a settings file\tretry.py\tsrc/../lib/settings.py:3",
            f'{{"query": "transpose", "target": ["src/matrix.rs", "{tmp_path}/x.go:2"]}}',
        ]
    )
    queries = parse_queries(content, tmp_path, "q.txt")
    assert [q.text for q in queries] == ["retry with backoff", "read a settings file", "transpose"]
    assert [(t.path, t.line) for t in queries[0].targets] == [("retry.py", 10)]
    assert [(t.path, t.line) for t in queries[1].targets] == [
        ("retry.py", None),
        ("lib/settings.py", 2),
    ]
    assert [(t.path, t.line) for t in queries[2].targets] == [("src/matrix.rs", None), ("x.go", 1)]
    assert queries[1].line == 4


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('{"query": "x"', "eval.queries.json"),
        ('["retry", "retry.py"]', "eval.queries.json"),
        ('{"query": "retry", "target": 3}', "eval.queries.fields"),
        ('{"query": " ", "target": "retry.py"}', "eval.queries.fields"),
        ("just a question", "eval.queries.tsv"),
        ("a question\t", "eval.queries.fields"),
        ("a question\tretry.py:0", "eval.queries.line"),
        ("a question\t../elsewhere.py", "eval.queries.outside"),
        ("a question\t/etc/passwd", "eval.queries.outside"),
    ],
)
def test_queries_file_errors_name_the_line(tmp_path: Path, line: str, key: str) -> None:
    with pytest.raises(EvalError) as raised:
        parse_queries(f"ok question\tretry.py\n{line}\n", tmp_path, "q.tsv")
    assert raised.value.key == key
    assert raised.value.exit_status == 2
    assert raised.value.message("en").startswith("q.tsv:2: ")
    assert raised.value.message("tr").startswith("q.tsv:2: ")


def test_empty_or_unreadable_queries_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.tsv"
    empty.write_text("# nothing yet\n\n")
    with pytest.raises(NothingToEvaluate) as nothing:
        read_queries(empty, tmp_path)
    assert nothing.value.exit_status == 1
    with pytest.raises(EvalError) as missing:
        read_queries(tmp_path / "absent.tsv", tmp_path)
    assert missing.value.key == "eval.queries.unreadable"


# -- the run ---------------------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under `root`: content digest and modification time."""
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _user_index(cache: Path, workspace: Path, embedder: BagOfWordsEmbedder) -> None:
    engine = Engine(EngineConfig(cache_dir=cache), embedder=embedder)
    engine.add_folder(workspace)
    engine.start()
    assert engine.wait_idle(60)
    engine.close()


def test_eval_leaves_the_workspace_and_the_users_index_alone(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    cache = tmp_path / "cache"
    _user_index(cache, workspace, embedder)
    files_before, index_before = _snapshot(workspace), _snapshot(cache / "workspaces")
    notes: list[str] = []
    report = evaluate(
        EngineConfig(cache_dir=cache),
        workspace,
        EvalSettings(),
        embedder=embedder,
        notify=lambda key, values: notes.append(key),
    )
    assert _snapshot(workspace) == files_before
    assert _snapshot(cache / "workspaces") == index_before
    assert (cache / EVAL_INDEXES).is_dir()
    assert notes == ["eval.note.indexing", "eval.note.hiding", "eval.note.searching"]
    # retry_request, load_settings, dosyayı_oku, ParseHeaderLine, HealthCheck, transpose,
    # totalPrice, debounce; sıcaklığı_dönüştür is two lines without its docstring.
    assert report.queries == 8 and report.hidden_functions == 8 and report.hidden_files == 6
    assert report.eligible == {"go": 2, "javascript": 1, "python": 3, "rust": 1, "typescript": 1}
    assert report.embedded_index == 0  # the user's index filled the shared cache
    assert 0 < report.embedded_hidden <= 2 * report.hidden_functions  # only changed chunks
    assert set(report.scores) == {"hybrid", "semantic", "lexical"}
    assert set(report.scores["hybrid"].languages) == set(report.eligible)
    assert report.scores["hybrid"].overall.recall[10] >= 0.75
    data = report_json(report)
    assert data["results"]["lexical"]["overall"]["n"] == 8 and len(data["slowest"]) == 5
    assert len(data["perQuery"]) == 8 and data["docsHidden"] is True
    assert "MRR@10" in render_table(report) and "tümü" in render_table(report, "tr")


def test_hidden_documentation_is_absent_from_the_eval_index(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    config = EngineConfig(cache_dir=tmp_path / "cache")
    evaluate(config, workspace, EvalSettings(modes=("lexical",)), embedder=embedder)
    # The evaluation index as the run left it (no rescan): what its searches saw.
    engine = Engine(eval_config(config), embedder=embedder)
    engine.add_folder(workspace, sync=False)
    engine.start()
    assert engine.wait_idle(60)
    try:
        for word, path in (("exponentially", "retry.py"), ("postpone", "utils/debounce.js")):
            answer = engine.search(SearchRequest(word, mode="lexical"), budget_s=math.inf)
            assert not [h for h in answer.hits if h.chunk.path == path], word
        kept = engine.search(SearchRequest("retry_request", mode="lexical"), budget_s=math.inf)
        assert kept.hits and kept.hits[0].chunk.path == "retry.py"  # the code itself is there
    finally:
        engine.close()
    assert "exponentially" in (workspace / "retry.py").read_text()


def test_eval_with_the_users_queries(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    queries = tmp_path / "queries.tsv"
    queries.write_text(
        "retry a request with exponential backoff\tretry.py:14\n"
        "swap rows and columns of a matrix\tsrc/matrix.rs\n"
    )
    config = EngineConfig(cache_dir=tmp_path / "cache")
    settings = EvalSettings(queries_file=queries, modes=("hybrid", "lexical"))
    report = evaluate(config, workspace, settings, embedder=embedder)
    assert report.source == "queries" and not report.docs_hidden and report.queries == 2
    assert report.scores["hybrid"].overall.recall[10] == 1.0
    assert set(report.scores["hybrid"].languages) == {"python", "rust"}
    # Hidden on request: line 14 (inside retry_request) moves up with its docstring gone.
    hidden = evaluate(
        config, workspace, EvalSettings(queries_file=queries, hide_docs=True), embedder=embedder
    )
    assert hidden.docs_hidden and hidden.hidden_files == 2
    assert hidden.scores["hybrid"].overall.recall[10] == 1.0
    queries.write_text("where is it\tnowhere.py\n")
    with pytest.raises(EvalError) as raised:
        evaluate(config, workspace, settings, embedder=embedder)
    assert raised.value.key == "eval.queries.missing"


def test_nothing_to_evaluate(tmp_path: Path, embedder: BagOfWordsEmbedder) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "main.py").write_text("def main():\n    x = 1\n    return x\n")
    (folder / "test_main.py").write_text(
        'def helper():\n    """Only tests are documented here."""\n    return 1\n    pass\n'
    )
    with pytest.raises(NothingToEvaluate):
        evaluate(
            EngineConfig(cache_dir=tmp_path / "cache"), folder, EvalSettings(), embedder=embedder
        )


# -- the command line, up to the engine ------------------------------------------------------------


def test_cli_refuses_bad_arguments_before_indexing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["eval", str(tmp_path / "missing"), *cache])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a directory" in err
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["eval", str(tmp_path), "--modes", "hybrid,fuzzy", *cache])
    assert exit_info.value.code == 2
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"query": "x", "target": "a.py:-"}\n{"oops"\n')
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["eval", str(tmp_path), "--queries", str(bad), *cache])
    assert exit_info.value.code == 2
    assert f"{bad}:2: not a JSON object" in capsys.readouterr().err
    assert not (tmp_path / "cache" / EVAL_INDEXES).exists()
