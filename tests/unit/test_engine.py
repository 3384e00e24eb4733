"""The engine end to end in-process, with the deterministic test embedder (support/embedder.py)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import diskcache
import numpy as np
import numpy.typing as npt
import pytest

from arama.engine.config import EngineConfig, Priors
from arama.engine.embedding.cache import EmbeddingCache
from arama.engine.embedding.text import name_phrase, with_context
from arama.engine.engine import SearchCancelled
from arama.engine.hashing import text_hash
from arama.engine.search import symbols as symbols_module
from arama.engine.search.request import SearchFilters, SearchRequest
from support.embedder import BagOfWordsEmbedder
from support.json_engine import JsonEngine as Engine


def _engine(tmp_path: Path, embedder: BagOfWordsEmbedder, *roots: Path) -> Engine:
    engine = Engine(EngineConfig(cache_dir=tmp_path / "cache"), embedder=embedder)
    for root in roots:
        engine.add_folder(root)
    engine.start()
    assert engine.wait_idle(60)
    return engine


def _paths(answer: dict[str, object]) -> list[str]:
    return [r["path"] for r in answer["results"]]  # type: ignore[attr-defined, index]


def test_index_and_search_every_mode(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    engine = _engine(tmp_path, embedder, workspace)
    try:
        status = engine.status()
        assert status["state"] == "ready"
        assert status["files"] >= 8 and status["chunks"] >= status["files"]
        assert status["embeddedChunks"] == status["chunks"]
        for mode in ("hybrid", "semantic", "lexical"):
            answer = engine.search(SearchRequest("transpose matrix rows columns", mode=mode))
            assert _paths(answer)[0] == "src/matrix.rs", mode
            assert answer["indexing"] is False
        hit = engine.search(SearchRequest("retry_request"))["results"][0]
        assert hit["symbol"] == "retry_request" and hit["path"] == "retry.py"
        assert hit["uri"] == (workspace / "retry.py").as_uri()
        assert hit["range"]["start"]["line"] >= 0
    finally:
        engine.close()


def test_filters_paging_and_total(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    engine = _engine(tmp_path, embedder, workspace)
    try:
        only_ts = engine.search(
            SearchRequest("price item", filters=SearchFilters(languages=("typescript",)))
        )
        assert only_ts["results"] and {r["language"] for r in only_ts["results"]} == {"typescript"}
        in_src = engine.search(SearchRequest("matrix", filters=SearchFilters(paths=("src/**",))))
        assert all(p.startswith("src/") for p in _paths(in_src))
        no_md = engine.search(
            SearchRequest("fixture workspace", filters=SearchFilters(exclude=("*.md",)))
        )
        assert all(not p.endswith(".md") for p in _paths(no_md))
        tiny = engine.search(SearchRequest("def", filters=SearchFilters(max_size=1)))
        assert tiny["results"] == [] and tiny["total"] == 0
        full = engine.search(SearchRequest("function", limit=200))
        page = engine.search(SearchRequest("function", limit=2, offset=1))
        assert page["total"] == full["total"]
        assert _paths(page) == _paths(full)[1:3]
    finally:
        engine.close()


def test_pages_of_one_limit_neither_repeat_nor_skip_results(
    tmp_path: Path, embedder: BagOfWordsEmbedder
) -> None:
    """More candidates than one channel read holds: every page of a given size comes from the
    same ranking, however far the offset goes (an agent pages with `offset`; a deeper read for
    later pages used to reorder the list, repeating some results and skipping others)."""
    root = tmp_path / "many"
    root.mkdir()
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa"]
    for i in range(240):
        mix = " ".join(words[j] for j in range(len(words)) if (i >> j) & 1 or j == i % 7)
        body = f'def handler_{i}(value):\n    """{mix} number {i}"""\n    return "{mix}"\n'
        (root / f"h{i:03}.py").write_text(body, encoding="utf-8")
    engine = _engine(tmp_path, embedder, root)
    try:
        for mode in ("hybrid", "semantic", "lexical"):
            first = engine.search(SearchRequest("alpha gamma omega", limit=10, mode=mode))
            total = first["total"]
            assert total > 60, mode
            seen: list[tuple[str, int]] = []
            for offset in range(0, total, 10):
                request = SearchRequest("alpha gamma omega", limit=10, offset=offset, mode=mode)
                page = engine.search(request)
                assert page["total"] == total, (mode, offset)
                seen += [(r["path"], r["range"]["start"]["line"]) for r in page["results"]]
            assert len(seen) == total and len(set(seen)) == total, mode
    finally:
        engine.close()


def test_restart_embeds_nothing_and_changes_embed_only_new_text(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    engine = _engine(tmp_path, embedder, workspace)
    first_texts = list(embedder.embedded_texts)
    chunks = engine.status()["chunks"]
    expected = _texts_to_embed(engine)
    engine.close()
    # Each chunk's text and each definition's name, each distinct text once.
    assert sorted(first_texts) == sorted(expected)
    assert len(expected) > chunks

    embedder.embedded_texts.clear()
    engine = _engine(tmp_path, embedder, workspace)
    try:
        status = engine.status()
        assert status["cache"]["misses"] == 0
        assert embedder.embedded_texts == []
        assert status["chunks"] == chunks

        # One new function appended: only it is embedded.
        retry = workspace / "retry.py"
        retry.write_text(retry.read_text() + "\n\ndef brand_new_helper():\n    return 42\n")
        engine.notify_changed([retry])
        assert engine.wait_idle(30)
        assert engine.status()["cache"]["misses"] == 2
        assert embedder.embedded_texts == [
            with_context(
                "def brand_new_helper():\n    return 42", "retry.py", "brand_new_helper", None
            ),
            "retry brand new helper",
        ]

        # Delete and restore: the chunks leave results, then come back with no embedding.
        saved = retry.read_text()
        retry.unlink()
        engine.notify_changed([retry])
        assert engine.wait_idle(30)
        assert "retry.py" not in _paths(
            engine.search(SearchRequest("retry_request", mode="lexical"))
        )
        retry.write_text(saved)
        engine.notify_changed([retry])
        assert engine.wait_idle(30)
        assert _paths(engine.search(SearchRequest("retry_request")))[0] == "retry.py"
        assert engine.status()["cache"]["misses"] == 2

        # A move to another directory is a delete plus an add that costs nothing (the text
        # the model reads holds the file's name, not its directory).
        (workspace / "core").mkdir()
        shutil.move(workspace / "src" / "matrix.rs", workspace / "core" / "matrix.rs")
        engine.notify_changed([workspace / "src" / "matrix.rs", workspace / "core" / "matrix.rs"])
        assert engine.wait_idle(30)
        assert _paths(engine.search(SearchRequest("transpose")))[0] == "core/matrix.rs"
        assert engine.status()["cache"]["misses"] == 2
    finally:
        engine.close()


def test_files_of_a_new_directory_are_indexed_when_only_some_events_arrive(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    """A branch switch creates a directory and writes files into it faster than the OS watch
    on it starts; under load even the directory's own event can be lost. One event for one file
    in it must bring in all of them."""
    engine = _engine(tmp_path, embedder, workspace)
    try:
        storm = workspace / "feature" / "handlers"
        storm.mkdir(parents=True)
        for n in range(30):
            (storm / f"module_{n:02d}.py").write_text(
                f"def handler_{n:02d}(event):\n    return 1\n"
            )
        engine.notify_changed([storm / "module_07.py"])  # the only event that arrived
        assert engine.wait_idle(30)
        indexed = engine.folders()[0].catalog.live_files()
        assert {f"feature/handlers/module_{n:02d}.py" for n in range(30)} <= set(indexed)
    finally:
        engine.close()


def test_corrupt_vector_file_is_rebuilt_from_cache(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    engine = _engine(tmp_path, embedder, workspace)
    engine.close()
    embedded = len(embedder.embedded_texts)
    (faiss_file,) = (tmp_path / "cache" / "workspaces").glob("*/vectors-*.faiss")
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    engine = _engine(tmp_path, embedder, workspace)
    try:
        status = engine.status()
        assert status["state"] == "ready"
        assert any("vector index rebuilt" in note for note in status["recovered"])
        assert len(embedder.embedded_texts) == embedded  # rebuilt from the cache alone
        assert (
            _paths(engine.search(SearchRequest("transpose matrix rows", mode="semantic")))[0]
            == "src/matrix.rs"
        )
    finally:
        engine.close()


def _name_vectors_match_catalog(engine: Engine, embedder: BagOfWordsEmbedder) -> None:
    for folder in engine.folders():
        named = folder.catalog.named_chunk_ids()
        assert named and folder.name_vectors.ids() == named
        rows = folder.catalog.chunk_embedding_rows(sorted(named))
        for chunk_id, row in rows.items():
            assert row.symbol is not None
            vector = folder.name_vectors.vector(chunk_id)
            assert vector is not None
            expected = embedder.embed([name_phrase(row.path, row.symbol, row.container)])
            np.testing.assert_allclose(vector, expected[0], atol=1e-6)


def test_name_vectors_follow_the_catalog_through_edits_and_restarts(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    """Every named chunk has the vector of its definition's name, and only named chunks do:
    after indexing, an edit, a deletion, a restart, an index from before name vectors existed
    (an upgrade: filled from the cache, no note) and a damaged name file (rebuilt, noted)."""
    engine = _engine(tmp_path, embedder, workspace)
    try:
        _name_vectors_match_catalog(engine, embedder)
        retry = workspace / "retry.py"
        retry.write_text(retry.read_text() + "\n\ndef brand_new_helper():\n    return 42\n")
        (workspace / "src" / "matrix.rs").unlink()
        engine.notify_changed([retry, workspace / "src" / "matrix.rs"])
        assert engine.wait_idle(30)
        _name_vectors_match_catalog(engine, embedder)
        assert engine.status()["pendingNames"] == 0
    finally:
        engine.close()

    (names_file,) = (tmp_path / "cache" / "workspaces").glob("*/names-*.faiss")
    names_file.unlink()
    embedder.embedded_texts.clear()
    engine = _engine(tmp_path, embedder, workspace)
    try:
        assert embedder.embedded_texts == []  # the cache had every name
        assert engine.status()["recovered"] == []
        _name_vectors_match_catalog(engine, embedder)
    finally:
        engine.close()

    names_file.write_bytes(names_file.read_bytes()[:64])
    embedder.embedded_texts.clear()  # the check above asked the embedder itself
    engine = _engine(tmp_path, embedder, workspace)
    try:
        assert embedder.embedded_texts == []
        assert any("name index rebuilt" in note for note in engine.status()["recovered"])
        _name_vectors_match_catalog(engine, embedder)
    finally:
        engine.close()


def test_corrupt_catalog_is_moved_aside_and_rebuilt(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    engine = _engine(tmp_path, embedder, workspace)
    engine.close()
    embedded = len(embedder.embedded_texts)
    (catalog,) = (tmp_path / "cache" / "workspaces").glob("*/catalog.sqlite")
    for extra in catalog.parent.glob("catalog.sqlite-*"):
        extra.unlink()
    catalog.write_bytes(b"SQLite format 3\x00" + b"\xee" * 8192)
    # The new catalog numbers its chunks afresh, and in another order when files changed
    # meanwhile: old vectors must not be served under new chunk ids.
    first = min(p for p in workspace.rglob("*.py") if p.is_file())
    first.unlink()
    engine = _engine(tmp_path, embedder, workspace)
    try:
        status = engine.status()
        assert status["state"] == "ready" and status["files"] >= 8
        assert any("catalog rebuilt" in note for note in status["recovered"])
        assert len(embedder.embedded_texts) == embedded  # every vector came from the cache
        served = _vectors_served(engine)
        for text, vector in served.items():
            np.testing.assert_allclose(vector, embedder.embed([text])[0], atol=1e-6)
        _name_vectors_match_catalog(engine, embedder)
    finally:
        engine.close()


def test_multi_root_results_are_relative_to_their_own_folder(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "billing.py").write_text("def compute_invoice_total(lines):\n    return sum(lines)\n")
    engine = _engine(tmp_path, embedder, workspace, other)
    try:
        assert set(engine.status()["workspaceFolders"]) == {str(workspace), str(other)}
        hit = engine.search(SearchRequest("compute_invoice_total"))["results"][0]
        assert hit["path"] == "billing.py"
        assert hit["uri"] == (other / "billing.py").as_uri()
    finally:
        engine.close()


def test_gitignored_files_are_not_indexed(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    (workspace / "ignored_output").mkdir()
    (workspace / "ignored_output" / "generated.py").write_text(
        "def should_never_be_indexed(): pass\n"
    )
    engine = _engine(tmp_path, embedder, workspace)
    try:
        answer = engine.search(SearchRequest("should_never_be_indexed", mode="lexical"))
        assert all(not p.startswith("ignored_output") for p in _paths(answer))
    finally:
        engine.close()


def test_identical_text_is_embedded_once(tmp_path: Path, embedder: BagOfWordsEmbedder) -> None:
    root = tmp_path / "copies"
    for n in range(5):
        (root / f"vendor{n}").mkdir(parents=True)
        (root / f"vendor{n}" / "util.py").write_text(
            "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n"
        )
    engine = _engine(tmp_path, embedder, root)
    try:
        status = engine.status()
        assert status["chunks"] == 5 and status["embeddedChunks"] == 5
        assert embedder.embedded_texts == [
            "util.py: clamp\ndef clamp(x, lo, hi):\n    return max(lo, min(x, hi))",
            "util clamp",
        ]
        # The copies are one result that counts the others, or five with the priors off.
        hits = engine.search(SearchRequest("clamp", mode="semantic", limit=10))["results"]
        assert [h["similar"] for h in hits] == [4]
        request = SearchRequest("clamp", mode="semantic", limit=10)
        assert len(engine.search(request, priors=Priors.off())["results"]) == 5
    finally:
        engine.close()


class SlowQueryEmbedder(BagOfWordsEmbedder):
    """The test embedder, with query encoding held until the test releases it (a model that is
    still loading, or a machine under load)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.queries = 0

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        self.queries += 1
        self.release.wait(30)
        return super().embed_query(text)


def test_search_past_its_budget_answers_with_what_it_has(tmp_path: Path, workspace: Path) -> None:
    slow = SlowQueryEmbedder()
    engine = _engine(tmp_path, slow, workspace)
    try:
        started = time.perf_counter()
        hybrid = engine.search(SearchRequest("retry_request backoff"), budget_s=0.3)
        took = time.perf_counter() - started
        assert 0.3 <= took < 2.0, took
        assert hybrid["partial"] is True
        assert _paths(hybrid)[0] == "retry.py"  # the lexical and symbol channels answered
        semantic = engine.search(SearchRequest("retry backoff", mode="semantic"), budget_s=0.2)
        assert semantic["partial"] is True and semantic["results"] == []
        slow.release.set()
        full = engine.search(SearchRequest("retry_request backoff"), budget_s=30)
        assert full["partial"] is False and full["cached"] is False  # cut answers not cached
        again = engine.search(SearchRequest("retry_request backoff"), budget_s=30)
        assert again["cached"] is True and again["partial"] is False
    finally:
        slow.release.set()
        engine.close()


def test_cancelled_search_stops_and_computes_nothing_more(tmp_path: Path, workspace: Path) -> None:
    slow = SlowQueryEmbedder()
    engine = _engine(tmp_path, slow, workspace)
    withdrawn = threading.Event()
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(
                engine.search(
                    SearchRequest("matrix rows", mode="semantic"), cancelled=withdrawn.is_set
                )
            )
        except SearchCancelled as exc:
            outcome.append(exc)

    try:
        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.2)
        assert worker.is_alive()  # waiting for the query vector
        withdrawn.set()
        worker.join(1.0)
        assert not worker.is_alive(), "the search did not notice the cancellation"
        assert len(outcome) == 1 and isinstance(outcome[0], SearchCancelled)
        assert engine.search(SearchRequest("matrix rows"), budget_s=0.2)["partial"] is True
    finally:
        slow.release.set()
        engine.close()


def _texts_to_embed(engine: Engine) -> set[str]:
    """What the model must read for the index: every chunk under its names, and every
    definition's name in words."""
    (folder,) = engine.folders()
    rows = folder.catalog.chunk_embedding_rows(sorted(folder.catalog.chunk_hashes()))
    texts = {with_context(r.text, r.path, r.symbol, r.container) for r in rows.values()}
    names = {
        name_phrase(r.path, r.symbol, r.container)
        for r in rows.values()
        if r.symbol is not None and r.kind is not None
    }
    return texts | names


def _vectors_served(engine: Engine) -> dict[str, npt.NDArray[np.float32]]:
    """The vector the index holds for each text the model was given (a chunk under its path
    and names)."""
    (folder,) = engine.folders()
    rows = folder.catalog.chunk_embedding_rows(sorted(folder.catalog.chunk_hashes()))
    served = {}
    for chunk_id, row in rows.items():
        vector = folder.chunk_vectors.vector(chunk_id)
        assert vector is not None, row.text
        served[with_context(row.text, row.path, row.symbol, row.container)] = vector
    return served


def test_changing_the_model_never_mixes_vectors_and_switching_back_is_free(
    tmp_path: Path, workspace: Path
) -> None:
    """Two deterministic test embedders standing for two models of different dimensions."""
    first = BagOfWordsEmbedder(dim=256, model_id="test/model-a")
    engine = _engine(tmp_path, first, workspace)
    chunks = engine.status()["chunks"]
    engine.close()

    second = BagOfWordsEmbedder(dim=96, model_id="test/model-b")
    engine = _engine(tmp_path, second, workspace)
    try:
        status = engine.status()
        assert status["model"] == "test/model-b" and status["embeddedChunks"] == chunks
        # Nothing of model A was reused.
        assert sorted(second.embedded_texts) == sorted(_texts_to_embed(engine))
        for text, vector in _vectors_served(engine).items():
            assert vector.shape == (96,)
            np.testing.assert_allclose(vector, second.embed([text])[0], atol=1e-6)
        assert _paths(engine.search(SearchRequest("transpose matrix", mode="semantic")))[0] == (
            "src/matrix.rs"
        )
    finally:
        engine.close()

    first.embedded_texts.clear()
    engine = _engine(tmp_path, first, workspace)
    try:
        assert first.embedded_texts == []  # model A's own cache and index are still whole
        assert engine.status()["cache"]["misses"] == 0
        for text, vector in _vectors_served(engine).items():
            np.testing.assert_allclose(vector, first.embed([text])[0], atol=1e-6)
    finally:
        engine.close()


def test_damaged_cache_entries_are_embedded_again_never_served(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    engine = _engine(tmp_path, embedder, workspace)
    texts = [(text, text_hash(text)) for text in _vectors_served(engine)]
    engine.close()
    # Damage every entry: a vector of the wrong dimension, a truncated one, one with NaNs.
    store = diskcache.Cache(str(tmp_path / "cache" / "embeddings"))
    damage = [
        np.ones(64, np.float32).tobytes(),
        np.ones(256, np.float32).tobytes()[:-3],
        np.full(256, np.nan, np.float32).tobytes(),
    ]
    for n, (_text, digest) in enumerate(texts):
        store.set(EmbeddingCache.key(embedder.model_id, digest), damage[n % len(damage)])
    store.close()
    for faiss_file in (tmp_path / "cache" / "workspaces").glob("*/vectors-*.faiss"):
        faiss_file.unlink()  # the index must be rebuilt from the (damaged) cache

    embedder.embedded_texts.clear()
    engine = _engine(tmp_path, embedder, workspace)
    try:
        status = engine.status()
        unique = {digest for _text, digest in texts}
        assert status["cache"]["misses"] == len(unique)
        assert sorted(embedder.embedded_texts) == sorted({text for text, _ in texts})
        for text, vector in _vectors_served(engine).items():
            assert np.all(np.isfinite(vector))
            np.testing.assert_allclose(vector, embedder.embed([text])[0], atol=1e-6)
    finally:
        engine.close()


def test_slow_symbol_table_is_rebuilt_in_the_background(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(tmp_path, embedder, workspace)
    try:
        assert engine.symbols("retry_request")[0].symbol.symbol == "retry_request"
        monkeypatch.setattr(symbols_module, "REBUILD_SYMBOLS_AFTER_S", -1.0)  # every table is slow
        (workspace / "fresh.py").write_text("def freshly_written_helper():\n    return 1\n")
        engine.notify_changed([workspace / "fresh.py"])
        assert engine.wait_idle(30)
        names: list[str] = []
        deadline = time.monotonic() + 10
        while "freshly_written_helper" not in names and time.monotonic() < deadline:
            names = [s.symbol.symbol for s in engine.symbols("freshly_written_helper")]
            time.sleep(0.02)
        assert names[0] == "freshly_written_helper"
    finally:
        engine.close()


def test_symbol_spans_end_at_the_end_of_the_definitions_last_line(
    tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder
) -> None:
    """One range rule for results and symbols: whole lines, ending at the end of the last one."""
    engine = _engine(tmp_path, embedder, workspace)
    try:
        hits = [h for h in engine.symbols("retry_request") if h.symbol.symbol == "retry_request"]
        assert hits
        span = hits[0].span
        lines = (workspace / hits[0].symbol.path).read_text().split("\n")
        assert span.end_character == len(lines[span.end_line]) > 0
        assert span.start_line == hits[0].symbol.start_line
    finally:
        engine.close()
