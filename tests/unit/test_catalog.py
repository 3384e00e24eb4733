from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from arama.engine import catalog as catalog_module
from arama.engine.catalog import Catalog, CatalogCorrupt
from arama.engine.hashing import text_hash
from arama.engine.records import Chunk, NewChunk, SymbolKind


def _chunks(*texts: str) -> list[NewChunk]:
    return [
        NewChunk(Chunk(i * 5, i * 5 + 3, t, f"sym{i}", SymbolKind.FUNCTION), text_hash(t))
        for i, t in enumerate(texts)
    ]


def test_replace_file_is_atomic_and_returns_id_changes(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    removed, added = catalog.replace_file(
        "a.py", sha256="h1", size=10, mtime_ns=1, language="python", chunks=_chunks("x", "y")
    )
    assert removed == [] and len(added) == 2
    removed2, added2 = catalog.replace_file(
        "a.py", sha256="h2", size=11, mtime_ns=2, language="python", chunks=_chunks("z")
    )
    assert sorted(removed2) == sorted(added) and len(added2) == 1
    assert catalog.counts() == (1, 1)
    assert set(catalog.chunk_hashes()) == set(added2)


def test_soft_delete_keeps_tombstone_and_purge_removes_it(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    _, added = catalog.replace_file(
        "a.py", sha256="h", size=1, mtime_ns=1, language="python", chunks=_chunks("x")
    )
    assert catalog.mark_deleted(["a.py"]) == added
    row = catalog.file("a.py")
    assert row is not None and row.deleted_at is not None
    assert catalog.counts() == (0, 0)
    assert catalog.live_files() == {}
    assert catalog.purge_tombstones(older_than=row.deleted_at + 1) == 1
    assert catalog.file("a.py") is None


def test_lexical_search_matches_split_identifiers(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    catalog.replace_file(
        "net/http.go",
        sha256="h",
        size=1,
        mtime_ns=1,
        language="go",
        chunks=[
            NewChunk(
                Chunk(
                    0,
                    2,
                    "func parseHttpHeader(line string) {}",
                    "parseHttpHeader",
                    SymbolKind.FUNCTION,
                ),
                "a",
            ),
            NewChunk(Chunk(3, 5, "func unrelated() {}", "unrelated", SymbolKind.FUNCTION), "b"),
        ],
    )
    hits = catalog.lexical("parse http header", 10)
    assert len(hits) == 2  # the path "net/http.go" matches "http" for both chunks
    assert hits[0][1] > hits[1][1]
    rows = catalog.chunks_by_id([hits[0][0]])
    assert rows[hits[0][0]].symbol == "parseHttpHeader"
    assert catalog.symbols_matching_terms(["parse", "http", "header"])[0].symbol == (
        "parseHttpHeader"
    )


def test_turkish_text_is_searchable(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    catalog.replace_file(
        "çalışma.py",
        sha256="h",
        size=1,
        mtime_ns=1,
        language="python",
        chunks=_chunks("def dosyayı_oku(yol):\n    # kelimeleri sayar"),
    )
    assert len(catalog.lexical("kelimeleri sayar", 10)) == 1
    assert len(catalog.lexical("dosyayı", 10)) == 1


def test_search_history_and_stats(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    catalog.replace_file("a.py", sha256="h", size=100, mtime_ns=5, language="python", chunks=[])
    catalog.replace_file("b.ts", sha256="h", size=50, mtime_ns=1, language="typescript", chunks=[])
    for q in ("retry", "retry", "cart"):
        catalog.record_search(q, "hybrid")
    assert catalog.popular_queries(10) == [("retry", 2), ("cart", 1)]
    files, total, recent, languages = catalog.file_stats(since_mtime_ns=3)
    assert (files, total, recent) == (2, 150, 1)
    assert languages == [("python", 1), ("typescript", 1)]


def test_search_history_keeps_the_latest_searches_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_module, "SEARCH_HISTORY_ROWS", 5)
    catalog = Catalog(tmp_path / "c.sqlite")
    for q in ("old", "old", "old", "new", "new", "cart", "cart", "cart"):
        catalog.record_search(q, "hybrid")
    # The three oldest rows ("old" x3) are gone: the popular queries are the recent ones.
    assert catalog.popular_queries(10) == [("cart", 3), ("new", 2)]
    rows = catalog._db().execute("SELECT count(*) FROM searches").fetchone()[0]
    assert rows == 5


def test_corrupt_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    try:
        Catalog(path)
    except CatalogCorrupt:
        pass
    else:
        raise AssertionError("a corrupt catalog must raise CatalogCorrupt")


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_connections_of_ended_threads_are_closed(tmp_path: Path) -> None:
    """Threads that come and go (an executor's, a symbol-table builder per rebuild) each read the
    catalog on their own connection; an ended thread's connection must not stay open until the
    catalog closes: it held two descriptors and a page cache, and the soak saw the server's
    descriptors and memory grow with every such thread (issue 18)."""
    catalog = Catalog(tmp_path / "c.sqlite")
    catalog.replace_file(
        "a.py", sha256="h", size=1, mtime_ns=1, language="python", chunks=_chunks("x", "y")
    )

    def round_of_readers() -> None:
        threads = [threading.Thread(target=lambda: catalog.lexical("sym0", 10)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        gc.collect()

    # SQLite keeps a closed connection's descriptors for its next open while this process holds
    # locks on the file: at most those of one round's 8 threads (16) stay, however many rounds.
    round_of_readers()
    before = _open_descriptors()
    for _round in range(10):
        round_of_readers()
    assert _open_descriptors() - before <= 16  # 80 more threads read: not 160 left open
    assert catalog.open_connections() == 1  # this thread's, still in use
    # A living thread keeps its connection (no reopening per query). The catalog's close leaves
    # it to that thread (closing it under a running query crashed the process, see below); the
    # thread's end closes it.
    ready, done = threading.Event(), threading.Event()

    def reader() -> None:
        catalog.counts()
        ready.set()
        done.wait(10)

    living = threading.Thread(target=reader)
    living.start()
    ready.wait(10)
    assert catalog.open_connections() == 2
    catalog.close()
    assert catalog.open_connections() == 1  # the living reader's, left to it
    done.set()
    living.join()
    gc.collect()
    assert catalog.open_connections() == 0
    assert _open_descriptors() < before


CLOSE_UNDER_READERS = """
import faulthandler, sqlite3, sys, threading
from pathlib import Path
faulthandler.enable()
sys.path.insert(0, {server!r})
from arama.engine.catalog import Catalog
for round_number in range(60):
    catalog = Catalog(Path({directory!r}) / f"c{{round_number}}.sqlite")
    stop = threading.Event()
    def read():
        while not stop.is_set():
            try:
                catalog.counts()
                catalog.lexical("sym0", 10)
            except sqlite3.ProgrammingError:  # closed: what a reader of a removed folder gets
                return
    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    catalog.close()
    stop.set()
    for reader in readers:
        reader.join()
print("ok")
"""


def test_closing_while_other_threads_read_does_not_crash(tmp_path: Path) -> None:
    """A folder removed while a search or a status reads its catalog: closing the readers'
    connections under their queries killed the server with SIGSEGV (tests/e2e/test_live.py saw
    it on a loaded machine). In a child process, since a crash would take pytest with it."""
    server = str(Path(__file__).resolve().parents[2] / "server")
    probe = CLOSE_UNDER_READERS.format(server=server, directory=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
