"""The catalog: one SQLite database (WAL) per workspace folder, the source of truth of the index.

Everything else (the faiss file, in-memory state) can be rebuilt from the catalog plus the
embedding cache, so every change to a file's chunks happens in one transaction: a crash leaves
either the old or the new chunks of a file, never a mix.

Each thread gets its own connection (WAL lets readers run beside the one writer, the indexer),
and only for as long as the thread lives: a connection holds two descriptors (the database and its
WAL) and a page cache, and the server's threads come and go (a builder thread per symbol-table
rebuild, an executor's idle workers), so a connection kept until the catalog closes grew the
server's descriptors and memory for its whole life (the soak's finding, issue 18).
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from arama.engine.lexical import fts_document, fts_query, normalized_symbol
from arama.engine.records import ChunkRow, EmbeddingRow, FileRow, NewChunk, SymbolRow

SCHEMA_VERSION = 1
# How a catalog of each older version becomes the next one, in place (one transaction with the
# schema check). A version with no step here, or a catalog written by a newer arama, cannot be
# read: the opener moves it aside and a scan rebuilds it, every vector coming back from the
# embedding cache (keyed by text, not by catalog), so an upgrade never embeds again.
# Bump SCHEMA_VERSION and add `MIGRATIONS[old] = step` together; tests/unit/test_catalog.py
# opens a catalog of every released version.
Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: dict[int, Migration] = {}
SCAN_META = "scan"  # meta key: "running" while a full scan runs, "complete" once one finished
SEARCH_HISTORY_ROWS = 10_000  # searches kept for the popular queries of `arama.stats`

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    language TEXT NOT NULL,
    indexed_at REAL NOT NULL,
    deleted_at REAL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    symbol TEXT,
    kind INTEGER,
    container TEXT,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    symbol_norm TEXT
);
CREATE INDEX IF NOT EXISTS chunks_file ON chunks(file_id);
CREATE INDEX IF NOT EXISTS chunks_symbol ON chunks(symbol);
CREATE INDEX IF NOT EXISTS chunks_symbol_norm ON chunks(symbol_norm);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    symbol, path, body, tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS searches (
    id INTEGER PRIMARY KEY,
    query TEXT NOT NULL,
    mode TEXT NOT NULL,
    at REAL NOT NULL
);
"""


_CHUNK_COLUMNS = (
    "c.id, f.path, f.language, f.size, f.mtime_ns, c.start_line, c.end_line, c.symbol, c.kind, "
    "c.container, c.text, c.text_hash"
)
# The same row without the chunk's text (read as ""): where a definition is, not what it says.
_CHUNK_PLACE_COLUMNS = _CHUNK_COLUMNS.replace("c.text,", "'',")


# One definition from its pieces (grouped by _SYMBOL_IDENTITY): first chunk, lines they span.
_SYMBOL_COLUMNS = (
    "min(c.id), f.path, c.symbol, coalesce(c.symbol_norm, ''), c.kind, c.container, "
    "min(c.start_line), max(c.end_line)"
)
_SYMBOL_IDENTITY = "f.path, c.symbol, c.kind, c.container"


def _symbol_row(r: Sequence[Any]) -> SymbolRow:
    return SymbolRow(
        int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), r[5], int(r[6]), int(r[7])
    )


class CatalogClosed(sqlite3.ProgrammingError):
    """The folder was removed (its catalog closed) while a request was reading it: the request
    asks again without it."""


class CatalogCorrupt(Exception):
    """The database file exists but cannot be used; the caller moves it aside and starts anew."""


def migrate(db: sqlite3.Connection) -> None:
    """Bring the catalog's schema to SCHEMA_VERSION with MIGRATIONS; CatalogCorrupt when it
    cannot be (too old with no step, or newer than this code)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    try:
        version = int(row[0]) if row is not None else SCHEMA_VERSION
    except ValueError:
        raise CatalogCorrupt(f"unreadable schema version {row[0]!r}") from None
    if version > SCHEMA_VERSION:
        raise CatalogCorrupt(f"written by a newer arama (schema {version} > {SCHEMA_VERSION})")
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise CatalogCorrupt(f"schema {version} has no migration to {SCHEMA_VERSION}")
        step(db)
        version += 1
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(version),))


class CatalogQueries:
    """The read side of the catalog: what searches, the embedder and the statistics ask.
    `Catalog` adds the connections, the schema and every write; reads run on any thread."""

    def _db(self) -> sqlite3.Connection:
        raise NotImplementedError  # the connection of the calling thread (Catalog)

    # -- chunks -------------------------------------------------------------------------------

    def chunk_hashes(self) -> dict[int, str]:
        """Every live chunk id with its text hash: what the vector index must hold."""
        return {
            int(r[0]): str(r[1]) for r in self._db().execute("SELECT id, text_hash FROM chunks")
        }

    def chunk_embedding_rows(self, ids: Sequence[int]) -> dict[int, EmbeddingRow]:
        """What the embedder needs of each id that still exists."""
        out: dict[int, EmbeddingRow] = {}
        db = self._db()
        for part in _batches(ids, 500):
            marks = ",".join("?" * len(part))
            for r in db.execute(
                "SELECT c.id, c.text, c.text_hash, f.path, c.symbol, c.container, c.kind "
                f"FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id IN ({marks})",
                part,
            ):
                out[int(r[0])] = EmbeddingRow(str(r[1]), str(r[2]), str(r[3]), r[4], r[5], r[6])
        return out

    def named_chunk_ids(self) -> set[int]:
        """Chunks that belong to a definition: what the name vectors must cover."""
        rows = self._db().execute(
            "SELECT id FROM chunks WHERE symbol IS NOT NULL AND kind IS NOT NULL"
        )
        return {int(r[0]) for r in rows}

    def chunks_by_id(self, ids: Sequence[int]) -> dict[int, ChunkRow]:
        out: dict[int, ChunkRow] = {}
        db = self._db()
        for part in _batches(ids, 500):
            marks = ",".join("?" * len(part))
            for r in db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id "
                f"WHERE c.id IN ({marks})",
                part,
            ):
                out[int(r[0])] = ChunkRow(*r)
        return out

    def chunks_of_file(self, path: str) -> list[ChunkRow]:
        return [
            ChunkRow(*r)
            for r in self._db().execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id "
                "WHERE f.path = ? ORDER BY c.start_line",
                (path,),
            )
        ]

    def chunk_order_for_embedding(self, ids: Iterable[int]) -> list[int]:
        """Pending ids, most recently modified files first: what the user touches gets embedded
        first."""
        wanted = set(ids)
        rows = self._db().execute(
            "SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id "
            "ORDER BY f.mtime_ns DESC, c.id"
        )
        return [int(r[0]) for r in rows if int(r[0]) in wanted]

    def lexical(self, query: str, limit: int) -> list[tuple[int, float]]:
        """FTS5 bm25 over symbol, path and body; (chunk id, score) best first (higher better)."""
        match = fts_query(query)
        if not match:
            return []
        rows = self._db().execute(
            "SELECT rowid, bm25(chunks_fts, 4.0, 2.0, 1.0) AS rank FROM chunks_fts "
            "WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?",
            (match, limit),
        )
        return [(int(r[0]), -float(r[1])) for r in rows]

    def symbols_named(self, names: Iterable[str], *, with_text: bool = True) -> list[ChunkRow]:
        """The definitions carrying any of `names`; without their text (`""`) when the caller
        only needs where they are: a body is the largest column, and reading it costs."""
        names = list(names)
        if not names:
            return []
        marks = ",".join("?" * len(names))
        columns = _CHUNK_COLUMNS if with_text else _CHUNK_PLACE_COLUMNS
        return [
            ChunkRow(*r)
            for r in self._db().execute(
                f"SELECT {columns} FROM chunks c JOIN files f ON f.id = c.file_id "
                f"WHERE c.symbol IN ({marks}) AND c.kind IS NOT NULL",
                names,
            )
        ]

    def definition_counts(self, names: Iterable[str]) -> dict[str, int]:
        """How many definitions carry each of `names` (the ones that none carries are left
        out), without reading any chunk: a name defined everywhere is not worth its rows."""
        counts: dict[str, int] = {}
        db = self._db()
        for part in _batches(list(names), 500):
            marks = ",".join("?" * len(part))
            for symbol, count in db.execute(
                f"SELECT symbol, COUNT(*) FROM chunks WHERE symbol IN ({marks}) "
                "AND kind IS NOT NULL GROUP BY symbol",
                part,
            ):
                counts[str(symbol)] = int(count)
        return counts

    def symbols_matching_terms(self, terms: Sequence[str], max_words: int = 4) -> list[ChunkRow]:
        """Definitions whose name, lower-cased without separators, equals a run of consecutive
        query terms: "parse http header" finds `parseHttpHeader` and `parse_http_header`."""
        grams = {
            "".join(terms[i : i + n])
            for n in range(1, max_words + 1)
            for i in range(len(terms) - n + 1)
        }
        grams = {g for g in grams if len(g) >= 3}
        if not grams:
            return []
        marks = ",".join("?" * len(grams))
        return [
            ChunkRow(*r)
            for r in self._db().execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id "
                f"WHERE c.symbol_norm IN ({marks}) AND c.kind IS NOT NULL LIMIT 500",
                sorted(grams),
            )
        ]

    def filtered_chunk_ids(
        self,
        accepts: Callable[[str, str, int, int], bool],
        kinds: Collection[int] | None = None,
    ) -> list[int]:
        """Chunk ids of the files a filter accepts (decided once per file, not per chunk),
        of definitions of these `kinds` only when given."""
        db = self._db()
        file_ids = [
            int(r[0])
            for r in db.execute(
                "SELECT id, path, language, size, mtime_ns FROM files WHERE deleted_at IS NULL"
            )
            if accepts(str(r[1]), str(r[2]), int(r[3]), int(r[4]))
        ]
        ids: list[int] = []
        kind_clause = ""
        kind_values: list[int] = []
        if kinds is not None:
            kind_values = sorted(kinds)
            kind_clause = f" AND kind IN ({','.join('?' * len(kind_values))})"
        for part in _batches(file_ids, 500):
            marks = ",".join("?" * len(part))
            ids.extend(
                int(r[0])
                for r in db.execute(
                    f"SELECT id FROM chunks WHERE file_id IN ({marks}){kind_clause}",
                    [*part, *kind_values],
                )
            )
        return ids

    def definition_pieces(
        self, path: str, symbol: str, container: str | None, kind: int
    ) -> list[ChunkRow]:
        """Every piece of one definition, in line order."""
        return [
            ChunkRow(*r)
            for r in self._db().execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id "
                "WHERE f.path = ? AND c.symbol = ? AND c.kind = ? AND c.container IS ? "
                "ORDER BY c.start_line",
                (path, symbol, kind, container),
            )
        ]

    def definition_spans(
        self, path_symbols: Collection[tuple[str, str]], kinds: Collection[int]
    ) -> list[SymbolRow]:
        """The definitions of `kinds` named by (path, symbol) pairs, each once with the lines
        all its pieces span (`chunk_id` is its first piece)."""
        pairs = set(path_symbols)
        if not pairs or not kinds:
            return []
        paths = sorted({p for p, _ in pairs})
        symbols = sorted({s for _, s in pairs})
        kind_values = sorted(kinds)
        rows = self._db().execute(
            f"SELECT {_SYMBOL_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id "
            f"WHERE f.path IN ({','.join('?' * len(paths))}) "
            f"AND c.symbol IN ({','.join('?' * len(symbols))}) "
            f"AND c.kind IN ({','.join('?' * len(kind_values))}) "
            f"GROUP BY {_SYMBOL_IDENTITY}",
            [*paths, *symbols, *kind_values],
        )
        found = [_symbol_row(r) for r in rows]
        return [row for row in found if (row.path, row.symbol) in pairs]

    def symbol_rows(self) -> list[SymbolRow]:
        """Every definition once: the pieces of a split function fold into one row."""
        rows = self._db().execute(
            f"SELECT {_SYMBOL_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id "
            "WHERE c.symbol IS NOT NULL AND c.kind IS NOT NULL "
            f"GROUP BY {_SYMBOL_IDENTITY} ORDER BY f.path, min(c.start_line)"
        )
        return [_symbol_row(r) for r in rows]

    def text_ending_at(self, path: str, line: int) -> str | None:
        """The text of a chunk of `path` whose last line is `line`."""
        row = (
            self._db()
            .execute(
                "SELECT text FROM chunks WHERE file_id = (SELECT id FROM files WHERE path = ?) "
                "AND end_line = ? LIMIT 1",
                (path, line),
            )
            .fetchone()
        )
        return None if row is None else str(row[0])

    def chunk_at(self, path: str, line: int) -> ChunkRow | None:
        """The narrowest chunk of `path` covering `line` (a method rather than its class)."""
        row = (
            self._db()
            .execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id "
                "WHERE f.path = ? AND f.deleted_at IS NULL "
                "AND c.start_line <= ? AND c.end_line >= ? "
                "ORDER BY (c.end_line - c.start_line), c.start_line LIMIT 1",
                (path, line, line),
            )
            .fetchone()
        )
        return None if row is None else ChunkRow(*row)

    def counts(self) -> tuple[int, int]:
        db = self._db()
        files = db.execute("SELECT count(*) FROM files WHERE deleted_at IS NULL").fetchone()[0]
        chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return int(files), int(chunks)

    # -- statistics --------------------------------------------------------------------------

    def popular_queries(self, limit: int) -> list[tuple[str, int]]:
        rows = self._db().execute(
            "SELECT query, count(*) AS n FROM searches GROUP BY query ORDER BY n DESC, "
            "max(at) DESC LIMIT ?",
            (limit,),
        )
        return [(str(r[0]), int(r[1])) for r in rows]

    def file_stats(self, since_mtime_ns: int) -> tuple[int, int, int, list[tuple[str, int]]]:
        """(files, total bytes, files modified since, [(language, files)] by count)."""
        db = self._db()
        files, total = db.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM files WHERE deleted_at IS NULL"
        ).fetchone()
        recent = db.execute(
            "SELECT count(*) FROM files WHERE deleted_at IS NULL AND mtime_ns >= ?",
            (since_mtime_ns,),
        ).fetchone()[0]
        languages = [
            (str(r[0]), int(r[1]))
            for r in db.execute(
                "SELECT language, count(*) AS n FROM files WHERE deleted_at IS NULL "
                "GROUP BY language ORDER BY n DESC, language"
            )
        ]
        return int(files), int(total), int(recent), languages


class _ThreadConnection:
    """A thread's connection, held only by that thread's `threading.local` slot: when the thread
    ends, the slot lets go of this holder and its finalizer closes the connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db


class _Connections:
    """The open connections of one catalog: one per living thread that used it. A connection is
    closed only by its own thread (its end, or its next use after `close()`) or once its thread
    is gone: closing one while its thread runs a query crashed the process (a folder removed
    while a search or a status read it: SIGSEGV inside SQLite). No lock: the table is changed
    only by single dict operations (atomic), so a finalizer that runs inside another call of
    this thread (the garbage collector runs anywhere) cannot wait on it."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._local = threading.local()
        # by a number never reused: the connection and the thread that owns it
        self._all: dict[int, tuple[sqlite3.Connection, threading.Thread]] = {}
        self._numbers = itertools.count()
        self._closed = False

    def mine(self) -> sqlite3.Connection:
        held: _ThreadConnection | None = getattr(self._local, "held", None)
        if self._closed:
            if held is not None:  # this thread's own: safe to close here
                self._local.held = None
            raise CatalogClosed("Cannot operate on a closed database.")
        if held is None:
            db = self._connect()
            held = _ThreadConnection(db)
            number = next(self._numbers)
            self._all[number] = (db, threading.current_thread())
            # The finalizer refers to the table, not to the catalog: nothing keeps it alive.
            weakref.finalize(held, _close_one, self._all, number)
            self._local.held = held
        return held.db

    def count(self) -> int:
        """Connections open now (tests: bounded by the threads alive, not by those that were)."""
        return len(self._all)

    def close(self) -> None:
        """The catalog's end: this thread's connection and those of ended threads close now;
        a living thread's closes at its next use or its end (or when the catalog is freed)."""
        self._closed = True
        if getattr(self._local, "held", None) is not None:
            self._local.held = None  # its finalizer closes it, here
        me = threading.current_thread()
        for number, (_db, thread) in list(self._all.items()):
            if thread is me or not thread.is_alive():
                _close_one(self._all, number)


def _close_one(table: dict[int, tuple[sqlite3.Connection, threading.Thread]], number: int) -> None:
    """Close one connection, unless it was closed already (by its thread's end, or by close())."""
    entry = table.pop(number, None)
    if entry is not None:
        _close_quietly(entry[0])


def _close_quietly(db: sqlite3.Connection) -> None:
    try:
        db.close()
    except sqlite3.Error:
        pass


class Catalog(CatalogQueries):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._connections = _Connections(self._connect)
        self._write_lock = threading.Lock()
        try:
            db = self._db()
            with db:
                db.executescript(_SCHEMA)
                db.execute(
                    "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)",
                    (str(SCHEMA_VERSION),),
                )
                migrate(db)
            row = db.execute("PRAGMA quick_check").fetchone()
            if row is None or row[0] != "ok":
                raise CatalogCorrupt(f"quick_check: {row[0] if row else 'no answer'}")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise CatalogCorrupt(str(exc)) from exc

    # -- connections -------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        """The calling thread's connection, opened on its first use, closed at its end."""
        return self._connections.mine()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=30000")
        return db

    def open_connections(self) -> int:
        return self._connections.count()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; writers are serialized so WAL never reports 'busy'."""
        db = self._db()
        with self._write_lock, db:
            yield db

    def close(self) -> None:
        self._connections.close()

    # -- meta ---------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- files --------------------------------------------------------------------------------

    def expire_languages(self, languages: Collection[str], key: str, value: str) -> int:
        """Make the next scan re-read and re-chunk every file in `languages` (its hash and its
        check time are forgotten; what search and filters read stays), and set meta `key` in
        the same transaction: a crash leaves either both or neither. Returns the files."""
        with self._write() as db:
            marks = ",".join("?" * len(languages))
            expired = (
                db.execute(
                    f"UPDATE files SET sha256 = '', indexed_at = 0 WHERE language IN ({marks})",
                    list(languages),
                ).rowcount
                if languages
                else 0
            )
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))
        return int(expired)

    def file(self, path: str) -> FileRow | None:
        row = (
            self._db()
            .execute(
                "SELECT id, path, sha256, size, mtime_ns, language, deleted_at, indexed_at "
                "FROM files "
                "WHERE path = ?",
                (path,),
            )
            .fetchone()
        )
        return None if row is None else FileRow(*row)

    def live_files(self) -> dict[str, FileRow]:
        rows = self._db().execute(
            "SELECT id, path, sha256, size, mtime_ns, language, deleted_at, indexed_at "
            "FROM files "
            "WHERE deleted_at IS NULL"
        )
        return {r[1]: FileRow(*r) for r in rows}

    def touch_file(self, file_id: int, size: int, mtime_ns: int) -> None:
        """Same content, new stat (a `touch`, a checkout that rewrote identical bytes): the text
        was read and checked just now."""
        with self._write() as db:
            db.execute(
                "UPDATE files SET size = ?, mtime_ns = ?, indexed_at = ? WHERE id = ?",
                (size, mtime_ns, time.time(), file_id),
            )

    def replace_file(
        self,
        path: str,
        *,
        sha256: str,
        size: int,
        mtime_ns: int,
        language: str,
        chunks: Sequence[NewChunk],
    ) -> tuple[list[int], list[int]]:
        """Write a file's new chunks in place of its old ones, atomically.

        Returns (removed chunk ids, added chunk ids) so the caller can update the vectors.
        """
        now = time.time()
        with self._write() as db:
            row = db.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()
            removed: list[int] = []
            if row is None:
                cur = db.execute(
                    "INSERT INTO files(path, sha256, size, mtime_ns, language, indexed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (path, sha256, size, mtime_ns, language, now),
                )
                file_id = int(cur.lastrowid or 0)
            else:
                file_id = int(row[0])
                removed = _delete_chunks(db, file_id)
                db.execute(
                    "UPDATE files SET sha256 = ?, size = ?, mtime_ns = ?, language = ?, "
                    "indexed_at = ?, deleted_at = NULL WHERE id = ?",
                    (sha256, size, mtime_ns, language, now, file_id),
                )
            added: list[int] = []
            for new in chunks:
                c = new.chunk
                cur = db.execute(
                    "INSERT INTO chunks(file_id, start_line, end_line, symbol, kind, container, "
                    "text, text_hash, symbol_norm) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        file_id,
                        c.start_line,
                        c.end_line,
                        c.symbol,
                        None if c.kind is None else int(c.kind),
                        c.container,
                        c.text,
                        new.text_hash,
                        normalized_symbol(c.symbol),
                    ),
                )
                chunk_id = int(cur.lastrowid or 0)
                symbol_doc, path_doc, body_doc = fts_document(c.symbol, c.container, path, c.text)
                db.execute(
                    "INSERT INTO chunks_fts(rowid, symbol, path, body) VALUES (?, ?, ?, ?)",
                    (chunk_id, symbol_doc, path_doc, body_doc),
                )
                added.append(chunk_id)
        return removed, added

    def mark_deleted(self, paths: Iterable[str]) -> list[int]:
        """Tombstone files: their chunks leave the index, the file row stays for stats/restore.

        The vectors stay in the embedding cache, so a restored file costs no embedding.
        """
        now = time.time()
        removed: list[int] = []
        with self._write() as db:
            for path in paths:
                row = db.execute(
                    "SELECT id FROM files WHERE path = ? AND deleted_at IS NULL", (path,)
                ).fetchone()
                if row is None:
                    continue
                removed.extend(_delete_chunks(db, int(row[0])))
                db.execute("UPDATE files SET deleted_at = ? WHERE id = ?", (now, int(row[0])))
        return removed

    def purge_tombstones(self, older_than: float) -> int:
        with self._write() as db:
            cur = db.execute(
                "DELETE FROM files WHERE deleted_at IS NOT NULL AND deleted_at < ?", (older_than,)
            )
            return cur.rowcount

    # -- history ---------------------------------------------------------------------------

    def record_search(self, query: str, mode: str) -> None:
        """One row per search, of the latest `SEARCH_HISTORY_ROWS` only: popular queries are
        the recent ones, and a server that answers all day neither fills the disk nor makes
        `arama.stats` count an ever longer table."""
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO searches(query, mode, at) VALUES (?, ?, ?)",
                (query, mode, time.time()),
            )
            oldest_kept = int(cur.lastrowid or 0) - SEARCH_HISTORY_ROWS + 1
            db.execute("DELETE FROM searches WHERE id < ?", (oldest_kept,))


class ReadOnlyCatalog(Catalog):
    """A catalog in a cache directory this process may not write: every read works, nothing
    is written (search history is not kept). Only the read side is ever called on it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connections = _Connections(self._connect)
        self._write_lock = threading.Lock()
        try:
            self._db().execute("SELECT count(*) FROM files").fetchone()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise CatalogCorrupt(str(exc)) from exc

    def _connect(self) -> sqlite3.Connection:
        return read_only_connection(self.path)

    def set_meta(self, key: str, value: str) -> None:
        pass

    def record_search(self, query: str, mode: str) -> None:
        pass


def read_only_connection(path: Path) -> sqlite3.Connection:
    """SQLite opened read-only. A WAL database needs its -shm file: where that cannot be
    created (a read-only directory after a clean close), the file is opened as immutable."""
    base = f"file:{quote(str(path))}?mode=ro"
    try:
        db = sqlite3.connect(base, uri=True, timeout=30.0, check_same_thread=False)
        db.execute("PRAGMA busy_timeout=30000")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        return sqlite3.connect(base + "&immutable=1", uri=True, check_same_thread=False)


def _delete_chunks(db: sqlite3.Connection, file_id: int) -> list[int]:
    ids = [int(r[0]) for r in db.execute("SELECT id FROM chunks WHERE file_id = ?", (file_id,))]
    for part in _batches(ids, 500):
        marks = ",".join("?" * len(part))
        db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({marks})", part)
    db.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))
    return ids


_T = TypeVar("_T")


def _batches(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
