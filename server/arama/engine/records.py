"""Plain records passed between the engine's rooms, and the typed answers the engine gives.

They live in one small module so that no room has to import another just for a type: ranking
does not import storage to name a row, the LSP layer does not import the searcher to name an
answer. Nothing here knows the wire format; `arama.contract` turns the answers into JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Literal

# The server says starting, indexing or ready; a read-only look (look.py, `arama status`) says
# ready, incomplete (an interrupted index) or notIndexed.
State = Literal["starting", "indexing", "ready", "incomplete", "notIndexed"]


class SymbolKind(IntEnum):
    """The subset of LSP SymbolKind values the chunker emits (numbers match the LSP spec)."""

    FILE = 1
    MODULE = 2
    NAMESPACE = 3
    PACKAGE = 4
    CLASS = 5
    METHOD = 6
    PROPERTY = 7
    FIELD = 8
    CONSTRUCTOR = 9
    ENUM = 10
    INTERFACE = 11
    FUNCTION = 12
    VARIABLE = 13
    CONSTANT = 14
    STRUCT = 23
    TYPE_PARAMETER = 26


@dataclass(frozen=True, slots=True)
class Chunk:
    """One searchable piece of a file.

    Lines are 0-based and inclusive at both ends, matching LSP ranges (end character is the
    end of `end_line`). `symbol` is the name of the definition the chunk belongs to (a method
    split into several pieces keeps its name on every piece); `container` is the enclosing
    class/module/impl name, if any.
    """

    start_line: int
    end_line: int
    text: str
    symbol: str | None = None
    kind: SymbolKind | None = None
    container: str | None = None

    @property
    def is_definition(self) -> bool:
        """Part of a named definition (and so also given a name vector)."""
        return self.symbol is not None and self.kind is not None


@dataclass(frozen=True, slots=True)
class ScannedFile:
    """A file the scanner decided belongs to the workspace index."""

    path: Path  # absolute, resolved
    rel: str  # workspace-relative, '/'-separated
    size: int
    mtime_ns: int
    language: str  # LSP language id ("plaintext" when unknown)


class SkipReason:
    """Why a file was left out; the values are the keys of `skippedFiles` in status."""

    TOO_LARGE = "tooLarge"
    BINARY = "binary"
    MINIFIED = "minified"
    UNREADABLE = "unreadable"
    VANISHED = "vanished"
    NOT_REGULAR = "notRegular"
    OUTSIDE_ROOT = "outsideRoot"
    SYMLINK_LOOP = "symlinkLoop"
    PATH_TOO_LONG = "pathTooLong"


class SkipFile(Exception):
    """Raised while reading a file that must be skipped; `reason` is a `SkipReason` value."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class SearchCancelled(Exception):
    """The client withdrew the request; nothing more was computed for it."""


# -- catalog rows -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewChunk:
    """A chunk about to be written, with the hash of the text that gets embedded."""

    chunk: Chunk
    text_hash: str


@dataclass(frozen=True, slots=True)
class FileRow:
    id: int
    path: str
    sha256: str
    size: int
    mtime_ns: int
    language: str
    deleted_at: float | None
    indexed_at: float = 0.0  # when the text was last read and checked against `sha256`


@dataclass(frozen=True, slots=True)
class ChunkRow:
    """A chunk joined with its file, as search results need it."""

    id: int
    path: str
    language: str
    size: int
    mtime_ns: int
    start_line: int
    end_line: int
    symbol: str | None
    kind: int | None
    container: str | None
    text: str
    text_hash: str

    @property
    def is_definition(self) -> bool:
        return self.symbol is not None and self.kind is not None


@dataclass(frozen=True, slots=True)
class EmbeddingRow:
    """A chunk as the embedder reads it: its text, and the names that head it."""

    text: str
    text_hash: str
    path: str
    symbol: str | None
    container: str | None
    kind: int | None


@dataclass(frozen=True, slots=True)
class SymbolRow:
    """One definition: the first chunk of a (possibly split) symbol, spanning all its pieces."""

    chunk_id: int
    path: str
    symbol: str
    symbol_norm: str
    kind: int
    container: str | None
    start_line: int
    end_line: int


# -- what the engine reports and answers --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    """What the indexer is doing, for progress bars: `phase` is "scanning", "model" (the
    one-time preparation of the model: done 0 of 1, then 1 of 1), "embedding" (vectors given,
    from the cache or the model, of the texts this round needs), or "idle" when the work is
    done (then `files` and `chunks` say what the index holds)."""

    phase: str
    done: int
    total: int
    files: int = 0
    chunks: int = 0


@dataclass(frozen=True, slots=True)
class Span:
    """Whole lines of a file: 0-based, both ends inclusive; `end_character` is the length of
    the last line in UTF-16 code units (LSP's default position encoding)."""

    start_line: int
    end_line: int
    end_character: int

    @classmethod
    def of_text(cls, start_line: int, end_line: int, text: str) -> Span:
        """The span of `text` placed at `start_line`..`end_line` (its last line ends it)."""
        last_line = text.rsplit("\n", 1)[-1] if text else ""
        return cls(start_line, end_line, len(last_line.encode("utf-16-le")) // 2)


@dataclass(frozen=True, slots=True)
class Hit:
    """One chunk of one workspace folder, with its score (higher is better)."""

    root: Path
    chunk: ChunkRow
    score: float
    similar: int = 0  # near-identical definitions folded into this one (not listed)

    @property
    def span(self) -> Span:
        return Span.of_text(self.chunk.start_line, self.chunk.end_line, self.chunk.text)


@dataclass(frozen=True, slots=True)
class SearchAnswer:
    """One page of a search. `indexing`: results may be incomplete; `cached`: served from
    memory; `partial`: the time budget ended the search before every channel answered."""

    hits: tuple[Hit, ...]
    total: int
    took_ms: float
    indexing: bool
    cached: bool = False
    partial: bool = False


@dataclass(frozen=True, slots=True)
class ContextAnswer:
    """The chunk at a position and the code related to it (never the focus itself)."""

    focus: Hit
    related: tuple[Hit, ...]
    took_ms: float


@dataclass(frozen=True, slots=True)
class SymbolHit:
    """A definition for `workspace/symbol`, spanning every piece of a split one."""

    root: Path
    symbol: SymbolRow
    span: Span


@dataclass(frozen=True, slots=True)
class CacheStatus:
    path: str
    entries: int
    hits: int
    misses: int


@dataclass(frozen=True, slots=True)
class RemoteCacheStatus:
    """The team-shared cache tier: `url` without its password; `state` ok / backing-off /
    disabled, `fault` the kind of failure why not ok (None when ok; remote_faults.FaultKind),
    `writes_fault` why writes are refused in read-write mode (a read-only ACL user); counters
    of this session; `latency_ms` the mean round trip. The client's own words for the fault
    are only logged: people read `fault` translated."""

    url: str
    mode: str
    state: str
    fault: str | None
    cluster: bool | None
    hits: int
    misses: int
    writes: int
    errors: int
    rejected: int
    verified: int
    latency_ms: float
    writes_fault: str | None = None


RemoteChange = Literal["unavailable", "disabled", "writes-refused", "recovered"]


@dataclass(frozen=True, slots=True)
class RemoteCacheEvent:
    """The team cache changed state (reported by the engine from the indexing thread, so a
    client can tell its user once): it became unavailable (backing off), was disabled for the
    session (a refused password, a verification mismatch), refused writes, or answers again.
    `fault` is the kind of failure (remote_faults.FaultKind), None for "recovered"."""

    change: RemoteChange
    fault: str | None
    url: str  # without its password


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """The state of the index. `pending_files`: paths waiting in queued jobs; `recovered`:
    repairs made (a rebuilt catalog, a vector file rebuilt from the cache, ...); `error`: why
    the engine could not start at all."""

    state: State
    files: int
    chunks: int
    pending_files: int
    pending_chunks: int
    pending_names: int
    model: str
    cache: CacheStatus
    workspace_folders: tuple[Path, ...]
    skipped_files: Mapping[str, int] = field(default_factory=dict)
    recovered: tuple[str, ...] = ()
    update_batches: int = 0
    updated_paths: int = 0
    error: str | None = None
    # Vectors given since the engine started: found in the embedding cache, made by the model
    # (the CLI's summary; they add up to the embedding bar's totals).
    vectors_from_cache: int = 0
    vectors_embedded: int = 0
    remote_cache: RemoteCacheStatus | None = None  # only when one is configured
    # Folders whose searches go through the query adapter `arama tune` kept for them.
    tuned_folders: tuple[Path, ...] = ()

    @property
    def embedded_chunks(self) -> int:
        return self.chunks - self.pending_chunks

    @classmethod
    def starting(
        cls, model: str, folders: tuple[Path, ...], error: str | None = None
    ) -> IndexStatus:
        """Before the engine exists (the server is creating it, or could not)."""
        return cls(
            state="starting",
            files=0,
            chunks=0,
            pending_files=0,
            pending_chunks=0,
            pending_names=0,
            model=model,
            cache=CacheStatus("", 0, 0, 0),
            workspace_folders=folders,
            error=error,
        )


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Statistics for `arama.stats`: counts over live files, the top languages and queries."""

    files: int
    total_bytes: int
    recent_files_7d: int
    languages: tuple[tuple[str, int], ...]
    popular_queries: tuple[tuple[str, int], ...]

    @property
    def avg_bytes(self) -> float:
        return round(self.total_bytes / self.files, 1) if self.files else 0
