"""Upgrades: an index written by an earlier arama opens with this one, migrated or rebuilt,
with no text embedded again (the deterministic test embedder, support/embedder.py, in both the
old and the new code).

- The index of the last commit of the previous format (`OLD_FORMAT_COMMIT`, taken from git:
  the test is skipped where the history is not there, e.g. a shallow clone) is built by that
  commit's own code in a child process, then opened here: same answers, nothing embedded.
- A catalog one schema version behind is migrated in place by MIGRATIONS.
- A catalog this code cannot read (newer, or too old with no migration) is set aside and rebuilt
  by a scan; every vector comes back from the embedding cache.
- An index cut by an older chunker re-chunks the languages the chunker now cuts differently.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from arama.engine import catalog as catalog_module
from arama.engine.catalog import Catalog
from arama.engine.chunker import CHUNKING_REVISION
from arama.engine.config import EngineConfig
from arama.engine.search.request import SearchRequest
from support.embedder import BagOfWordsEmbedder
from support.json_engine import JsonEngine as Engine

REPO = Path(__file__).resolve().parents[2]
# The last commit before this change of the index format (catalog schema 1, vector files named
# by model and recipe, embedding cache keyed by model and text digest).
OLD_FORMAT_COMMIT = "a71486e9d32e87e09a0a4f5865e4315b2c7b6867"
QUERIES = ("transpose matrix rows columns", "retry_request", "debounce user input")

OLD_CODE_INDEXES = """
import json, sys
from pathlib import Path
from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.engine.search.request import SearchRequest
from arama import contract
from support.embedder import BagOfWordsEmbedder
cache, workspace = Path(sys.argv[1]), Path(sys.argv[2])
engine = Engine(EngineConfig(cache_dir=cache), embedder=BagOfWordsEmbedder())
engine.add_folder(workspace)
engine.start()
assert engine.wait_idle(120)
answers = {}
for query in sys.argv[3:]:
    answer = contract.search_json(engine.search(SearchRequest(query)))
    answers[query] = [[r["path"], r["range"]["start"]["line"]] for r in answer["results"]]
engine.close()
print(json.dumps(answers))
"""


def _top(answer: dict[str, Any]) -> list[list[Any]]:
    return [[r["path"], r["range"]["start"]["line"]] for r in answer["results"]]


def _open(cache: Path, workspace: Path) -> tuple[Engine, BagOfWordsEmbedder]:
    embedder = BagOfWordsEmbedder()
    engine = Engine(EngineConfig(cache_dir=cache), embedder=embedder)
    engine.add_folder(workspace)
    engine.start()
    assert engine.wait_idle(60)
    return engine, embedder


def _old_source(target: Path) -> Path:
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", OLD_FORMAT_COMMIT, "server", "tests/support"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"the old commit is not in this clone: {exc}")
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def test_an_index_of_the_previous_format_opens_without_embedding_again(
    tmp_path: Path, workspace: Path
) -> None:
    old = _old_source(tmp_path / "old")
    cache = tmp_path / "cache"
    built = subprocess.run(
        [sys.executable, "-c", OLD_CODE_INDEXES, str(cache), str(workspace), *QUERIES],
        env={"PYTHONPATH": f"{old / 'server'}:{old / 'tests'}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    old_answers = json.loads(built.stdout)
    assert all(old_answers[query] for query in QUERIES)
    # The ranking may change between versions: the upgraded index must answer exactly as an
    # index built from nothing by this code does.
    fresh, _ = _open(tmp_path / "fresh-cache", workspace)
    try:
        expected = {query: _top(fresh.search(SearchRequest(query))) for query in QUERIES}
    finally:
        fresh.close()
    engine, embedder = _open(cache, workspace)
    try:
        assert embedder.embedded_texts == []  # every vector read from the old index
        status = engine.status()
        assert status["state"] == "ready" and status["recovered"] == []
        for query in QUERIES:
            # Its JavaScript and TypeScript were re-chunked (the chunker changed since): new
            # chunk ids may order ties differently further down, and which of the tied last
            # results make the page.
            assert _top(engine.search(SearchRequest(query)))[:5] == expected[query][:5], query
    finally:
        engine.close()


def test_a_catalog_one_version_behind_is_migrated_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "catalog.sqlite"
    old = Catalog(path)
    old.replace_file("a.py", sha256="h", size=1, mtime_ns=1, language="python", chunks=[])
    old.close()

    def add_column(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE files ADD COLUMN owner TEXT")

    version = catalog_module.SCHEMA_VERSION
    monkeypatch.setattr(catalog_module, "SCHEMA_VERSION", version + 1)
    monkeypatch.setattr(catalog_module, "MIGRATIONS", {version: add_column})
    new = Catalog(path)
    try:
        assert new.meta("schema") == str(version + 1)
        columns = {r[1] for r in new._db().execute("PRAGMA table_info(files)")}
        assert "owner" in columns
        assert set(new.live_files()) == {"a.py"}  # the data stayed
    finally:
        new.close()


@pytest.mark.parametrize("schema", ["999", "0", "not a number"])
def test_a_catalog_this_code_cannot_read_is_rebuilt_from_the_cache(
    tmp_path: Path, workspace: Path, schema: str
) -> None:
    cache = tmp_path / "cache"
    first, _ = _open(cache, workspace)
    expected = {q: _top(first.search(SearchRequest(q))) for q in QUERIES}
    [catalog_file] = list(cache.rglob("catalog.sqlite"))
    first.close()
    with sqlite3.connect(catalog_file) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (schema,))
    db.close()
    engine, embedder = _open(cache, workspace)
    try:
        assert embedder.embedded_texts == []  # rebuilt, every vector from the embedding cache
        status = engine.status()
        assert any("catalog rebuilt" in note for note in status["recovered"]), status
        for query in QUERIES:  # new chunk ids may order ties differently further down
            assert _top(engine.search(SearchRequest(query)))[:3] == expected[query][:3], query
    finally:
        engine.close()
    assert list(catalog_file.parent.glob("catalog.sqlite.corrupt-*"))


def test_an_index_cut_by_an_older_chunker_rechunks_only_the_languages_that_changed(
    tmp_path: Path, workspace: Path
) -> None:
    """Chunking revision 2 names `res.x = function x()`: an index of revision 1 (simulated:
    those chunks unnamed, the revision mark old) re-chunks its JavaScript files at the next
    start, the Python files are not even read again, and no text is embedded again (the
    chunks' texts are the ones already embedded)."""
    (workspace / "response.js").write_text(
        "res.attachment = function attachment(filename) {\n  return this.set(filename);\n};\n"
    )
    cache = tmp_path / "cache"
    first, _ = _open(cache, workspace)
    first.close()
    [catalog_file] = list(cache.rglob("catalog.sqlite"))
    with sqlite3.connect(catalog_file) as db:
        db.execute(
            "UPDATE chunks SET symbol = NULL, kind = NULL, container = NULL WHERE file_id = "
            "(SELECT id FROM files WHERE path = 'response.js')"
        )
        db.execute("UPDATE meta SET value = '1' WHERE key = 'chunking'")
        checked = dict(db.execute("SELECT path, indexed_at FROM files WHERE language = 'python'"))
    db.close()
    assert checked
    engine, embedder = _open(cache, workspace)
    try:
        assert embedder.embedded_texts == []
        (folder,) = engine.folders()
        assert [c.symbol for c in folder.catalog.chunks_of_file("response.js")] == ["attachment"]
        assert folder.catalog.meta("chunking") == str(CHUNKING_REVISION)
        after = {rel: row.indexed_at for rel, row in folder.catalog.live_files().items()}
        assert {rel: after[rel] for rel in checked} == checked  # Python: not read again
    finally:
        engine.close()
