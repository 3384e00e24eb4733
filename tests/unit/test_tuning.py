"""`arama tune`'s parts: the query adapter (its file, its slot, the search that uses it), the
training pairs, the trainer, the judge, and a whole run; with the deterministic test embedder
(tests/support/embedder.py) except where a test says otherwise."""

from __future__ import annotations

import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from arama import cli
from arama.contract import tune_json
from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.engine.query_adapter import ADAPTER_FILE, AdapterSlot, QueryAdapter, tuned_dir
from arama.engine.search.request import SearchRequest
from arama.evaluation.metrics import Outcome
from arama.evaluation.mining import SourceFile
from arama.evaluation.runner import EvalSettings, evaluate
from arama.tuning.judge import MIN_GAIN, Comparison, Verdict, compare, judge
from arama.tuning.pairs import training_pairs
from arama.tuning.runner import NothingToTune, TuneSettings, tune
from arama.tuning.split import HELD_OUT_FRACTION, is_held_out
from arama.tuning.store import reset
from arama.tuning.trainer import train_adapter
from support.embedder import BagOfWordsEmbedder

# -- the adapter and its slot ----------------------------------------------------------------------


def _adapter(dim: int = 4, model_id: str = "m") -> QueryAdapter:
    rng = np.random.default_rng(1)
    return QueryAdapter(
        rng.normal(size=(dim, dim)).astype(np.float32),
        rng.normal(size=dim).astype(np.float32),
        model_id,
    )


def test_adapter_output_is_unit_length_and_survives_a_round_trip(tmp_path: Path) -> None:
    adapter = _adapter()
    mapped = adapter.apply(np.eye(4, dtype=np.float32))
    assert np.allclose(np.linalg.norm(mapped, axis=1), 1.0)
    adapter.save(tmp_path)
    loaded = QueryAdapter.load(tmp_path)
    assert loaded is not None and loaded.model_id == "m"
    assert np.array_equal(loaded.weight, adapter.weight)


@pytest.mark.parametrize("damage", ["garbage", "nan", "shape"])
def test_a_damaged_adapter_is_not_used(tmp_path: Path, damage: str) -> None:
    if damage == "garbage":
        (tmp_path / ADAPTER_FILE).write_bytes(b"not an npz file")
    else:
        weight = np.eye(4, dtype=np.float32)
        if damage == "nan":
            weight[0, 0] = np.nan
        bias = np.zeros(3 if damage == "shape" else 4, np.float32)
        QueryAdapter(weight, bias, "m").save(tmp_path)
    assert QueryAdapter.load(tmp_path) is None


def test_slot_follows_the_file_and_the_model(tmp_path: Path) -> None:
    slot = AdapterSlot(tmp_path, "m", recheck_s=0)
    assert slot.current() is None
    _adapter().save(tmp_path)
    assert slot.current() is not None
    _adapter(model_id="another model").save(tmp_path)
    assert slot.current() is None  # made for vectors this index does not have
    _adapter().save(tmp_path)
    assert slot.current() is not None
    (tmp_path / ADAPTER_FILE).unlink()
    assert slot.current() is None


WORDS = {
    "alpha.py": "def alpha_reader(stream):\n    return stream.read_alpha_words()\n",
    "beta.py": "def beta_writer(sink):\n    return sink.write_beta_bytes()\n",
}


def _semantic_top(config: EngineConfig, root: Path, embedder: BagOfWordsEmbedder) -> str:
    engine = Engine(config, embedder=embedder)
    try:
        engine.add_folder(root)
        engine.start()
        assert engine.wait_idle(60)
        answer = engine.search(SearchRequest("read alpha words", mode="semantic"), budget_s=60)
        return answer.hits[0].chunk.path
    finally:
        engine.close()


def test_semantic_search_of_a_folder_goes_through_its_adapter(
    tmp_path: Path, embedder: BagOfWordsEmbedder
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    for name, body in WORDS.items():
        (root / name).write_text(body)
    config = EngineConfig(cache_dir=tmp_path / "cache")
    assert _semantic_top(config, root, embedder) == "alpha.py"
    # An adapter that sends every query to beta.py's chunk vector.
    beta = embedder.embed(["beta.py: beta_writer\n" + WORDS["beta.py"].rstrip("\n")])[0]
    dim = embedder.dimension()
    QueryAdapter(np.zeros((dim, dim), np.float32), beta, embedder.model_id).save(
        tuned_dir(config, root.resolve())
    )
    assert _semantic_top(config, root, embedder) == "beta.py"
    assert _semantic_top(replace(config, adapter="none"), root, embedder) == "alpha.py"
    other = tmp_path / "other"
    other.mkdir()
    for name, body in WORDS.items():
        (other / name).write_text(body)
    assert _semantic_top(config, other, embedder) == "alpha.py"  # another folder: untouched


# -- pairs and split -------------------------------------------------------------------------------


def _documented(count: int) -> str:
    functions = [
        f'''
        def compute_value_{i}(data):
            """Compute the weighted value number {i} of the data."""
            total = sum(data)
            return total * {i}
        '''
        for i in range(count)
    ]
    return textwrap.dedent("\n".join(textwrap.dedent(f) for f in functions))


def test_pairs_leave_out_the_held_out_functions_and_the_documentation() -> None:
    source = SourceFile("pkg/values.py", "python", _documented(60))
    pairs = training_pairs([source])
    held = [i for i in range(60) if is_held_out("pkg/values.py", f"compute_value_{i}", None)]
    assert 0 < len(held) < 60 * HELD_OUT_FRACTION * 2
    trained = {p.answer.split("def compute_value_")[1].split("(")[0] for p in pairs}
    assert trained.isdisjoint(str(i) for i in held)
    assert {p.kind for p in pairs} == {"doc", "name"}
    assert all('"""' not in p.answer for p in pairs)
    assert all(p.answer.startswith("values.py: compute_value_") for p in pairs)


# -- trainer and judge -----------------------------------------------------------------------------


def test_trainer_learns_a_map_the_pairs_follow() -> None:
    rng = np.random.default_rng(0)
    dim, n = 16, 400
    queries = rng.normal(size=(n, dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    answers = (queries @ rotation.T).astype(np.float32)
    adapter, report = train_adapter(queries, answers, "m", seconds=60)
    assert report.check_loss_tuned < report.check_loss_base * 0.8
    hits = (adapter.apply(queries) @ answers.T).argmax(axis=1) == np.arange(n)
    assert hits.mean() > ((queries @ answers.T).argmax(axis=1) == np.arange(n)).mean()


def _outcomes(ranks: list[int | None], mode: str = "hybrid") -> list[Outcome]:
    return [Outcome(f"q{i}", "python", "t", mode, r, 1.0) for i, r in enumerate(ranks)]


def test_judge_keeps_only_a_gain_on_the_users_questions_above_the_noise() -> None:
    base = _outcomes([2] * 50)
    better = compare(base, _outcomes([1] * 50), "hybrid")
    assert better.gain == 0.5 and better.standard_error == 0.0
    flat = compare(base, base, "hybrid")
    assert judge(flat, better).keep
    # Documentation alone, however much better, keeps nothing (docs/design.md, "arama tune").
    assert judge(better, None).reason == "tune.verdict.needQuestions"
    noisy = compare(base, _outcomes([1, None] * 25), "hybrid")  # +0.5 and -0.5 in turn
    assert noisy.gain == 0 and judge(flat, noisy).reason == "tune.verdict.noGain"
    lucky = compare(_outcomes([None] * 49 + [2]), _outcomes([None] * 49 + [1]), "hybrid")
    assert lucky.gain >= MIN_GAIN and judge(flat, lucky).reason == "tune.verdict.noise"
    worse_docs = Comparison(10, 0.5, 0.4, -0.1, 0.05)
    assert judge(worse_docs, better).reason == "tune.verdict.docsWorse"


# -- a whole run -----------------------------------------------------------------------------------


def test_tune_run_keeps_or_drops_and_reset_forgets(
    tmp_path: Path, embedder: BagOfWordsEmbedder
) -> None:
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "values.py").write_text(_documented(150))
    before = (root / "pkg" / "values.py").read_bytes()
    config = EngineConfig(cache_dir=tmp_path / "cache")
    questions = tmp_path / "questions.tsv"
    questions.write_text("weighted value of the data\tpkg/values.py:2\n")
    settings = TuneSettings(minutes=0.02, queries_file=questions)
    report = tune(config, root, settings, embedder=embedder)
    assert report.pairs["doc"] > 100 and report.verdict.held_out.queries > 0
    assert report.verdict.questions is not None and report.verdict.questions.queries == 1
    directory = tuned_dir(config, root.resolve())
    assert not (directory / "candidate").exists()
    assert (directory / ADAPTER_FILE).exists() == report.verdict.keep
    without = tune(config, root, TuneSettings(minutes=0.02), embedder=embedder)
    assert without.verdict.reason == "tune.verdict.needQuestions"
    assert (root / "pkg" / "values.py").read_bytes() == before
    assert sorted(p.name for p in root.rglob("*")) == ["pkg", "values.py"]
    data = tune_json(report)
    assert data["kept"] == report.verdict.keep and data["heldOut"]["queries"] > 0
    with pytest.raises(SystemExit) as exited:
        cli.main(["tune", str(root), "--cache-dir", str(config.cache_dir), "--reset"])
    assert exited.value.code == 0 and not directory.exists()


def test_tune_refuses_a_folder_with_too_little_to_learn(
    tmp_path: Path, embedder: BagOfWordsEmbedder
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "values.py").write_text(_documented(20))
    config = EngineConfig(cache_dir=tmp_path / "cache")
    with pytest.raises(NothingToTune) as refused:
        tune(config, root, TuneSettings(minutes=0.02), embedder=embedder)
    assert refused.value.exit_status == 1 and "at least 100" in refused.value.message(None)
    assert not tuned_dir(config, root.resolve()).joinpath(ADAPTER_FILE).exists()


@pytest.mark.parametrize("minutes", ["0", "-1", "abc", "1e9"])
def test_cli_refuses_a_bad_time_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], minutes: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["tune", str(tmp_path), "--cache-dir", str(tmp_path / "c"), "--minutes", minutes])
    assert exited.value.code == 2
    assert "--minutes" in capsys.readouterr().err


def test_a_kept_candidate_serves_the_next_search_and_status(
    tmp_path: Path, embedder: BagOfWordsEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keep path itself (whether to keep is test_judge's): the candidate becomes the
    folder's adapter, a running engine's status names the folder, a reset forgets it."""
    import arama.tuning.runner as runner

    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "values.py").write_text(_documented(150))
    config = EngineConfig(cache_dir=tmp_path / "cache")
    engine = Engine(config, embedder=embedder)
    engine.add_folder(root)
    engine.start()
    assert engine.wait_idle(60)
    assert engine.status().tuned_folders == ()
    monkeypatch.setattr(
        runner, "judge", lambda held, questions: Verdict(True, held, questions, "tune.verdict.kept")
    )
    report = tune(config, root, TuneSettings(minutes=0.02), embedder=embedder)
    assert report.verdict.keep and tuned_dir(config, root.resolve()).joinpath(ADAPTER_FILE).exists()
    time.sleep(1.1)  # the engine looks at the adapter file at most once a second
    assert engine.status().tuned_folders == (root.resolve(),)
    reset(config, root.resolve())
    time.sleep(1.1)
    assert engine.status().tuned_folders == ()
    engine.close()


def test_eval_held_out_asks_only_what_tune_never_trains_on(
    tmp_path: Path, embedder: BagOfWordsEmbedder
) -> None:
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "values.py").write_text(_documented(60))
    config = EngineConfig(cache_dir=tmp_path / "cache")
    everything = evaluate(config, root, EvalSettings(modes=("lexical",)), embedder=embedder)
    held = evaluate(
        config, root, EvalSettings(modes=("lexical",), held_out=True), embedder=embedder
    )
    wanted = {
        f"compute_value_{i}"
        for i in range(60)
        if is_held_out("pkg/values.py", f"compute_value_{i}", None)
    }
    asked = {o.target.split()[1] for o in held.outcomes}
    assert asked == wanted and len(everything.outcomes) == 60 > len(held.outcomes)
