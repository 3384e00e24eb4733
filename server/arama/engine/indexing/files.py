"""Files and buffers into the catalog: full syncs, path events, new directories, storms, buffers.

A sync scans and catalogs every file first (stat comparison, then content hash, then chunking),
so lexical and symbol search work within seconds; vectors come after (embedding.py). A file's
chunks are replaced in one catalog transaction and the chunks that need vectors are marked
pending in the folder's vector spaces.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from arama.engine.catalog import SCAN_META
from arama.engine.chunker import chunk_source
from arama.engine.config import EngineConfig
from arama.engine.folders import FolderIndex
from arama.engine.hashing import text_hash
from arama.engine.indexing.jobs import ChangedPaths, JobQueue, SyncFolder
from arama.engine.languages import PLAINTEXT, language_for_path
from arama.engine.records import Chunk, FileRow, NewChunk, Progress, ScannedFile, SkipFile
from arama.engine.scanner import read_source
from arama.engine.search.paths import Content, content_of
from arama.engine.watcher import is_directory

log = logging.getLogger(__name__)

_SCAN_ORDER = {Content.CODE: 0, Content.TESTS: 1, Content.DOCS: 2}

REWALK_AFTER_S = (1.0, 5.0)
STORM_PATHS = 200  # a batch this large is a storm: rescan once it is over
STORM_QUIET_S = 2.0
RACY_WINDOW_NS = 2_000_000_000  # the coarsest common timestamp (FAT: 2 s)
SCAN_REPORT_EVERY = 50


class FileSync:
    """Makes a folder's catalog match its files (or its open buffers). Indexing thread only."""

    def __init__(
        self, config: EngineConfig, queue: JobQueue, report: Callable[[Progress], None]
    ) -> None:
        self._config = config
        self._queue = queue
        self._report = report
        self._walked: dict[Path, float] = {}  # new directories walked lately, and when
        self.stopping = False
        # How file events were coalesced: batches processed, and paths they held.
        self.update_batches = 0
        self.updated_paths = 0

    # -- whole folders -----------------------------------------------------------------------

    def sync(self, folder: FolderIndex) -> None:
        """Compare the whole folder with its catalog. The catalog remembers whether the last
        such scan finished (`SCAN_META`), so a read-only look (engine/look.py) can tell an
        interrupted index from a complete one."""
        folder.catalog.set_meta(SCAN_META, "running")
        result = folder.scanner.scan()
        folder.skipped = Counter(result.skipped)
        folder.skipped_reads.clear()
        known = folder.catalog.live_files()
        seen: set[str] = set()
        total = len(result.files)
        # Code first, then tests, then docs: in the first seconds of a large folder, a search
        # for a definition finds it before the changelog that mentions it forty times.
        ordered = sorted(
            result.files, key=lambda f: (_SCAN_ORDER[content_of(f.rel, f.language)], f.rel)
        )
        for done, scanned in enumerate(ordered, 1):
            seen.add(scanned.rel)
            self._index_file(folder, scanned, known.get(scanned.rel))
            if done % SCAN_REPORT_EVERY == 0 or done == total:
                self._report(Progress("scanning", done, total))
            if self.stopping:
                return
        vanished = [path for path in known if path not in seen]
        if vanished:
            self._forget(folder, vanished)
        folder.catalog.purge_tombstones(time.time() - self._config.tombstone_retention_s)
        folder.catalog.set_meta(SCAN_META, "complete")

    # -- path events -------------------------------------------------------------------------

    def update_paths(self, folder: FolderIndex, paths: Iterable[Path]) -> None:
        paths = sorted(paths)
        self.update_batches += 1
        self.updated_paths += len(paths)
        if len(paths) >= STORM_PATHS:
            # A burst of events (branch switch, `npm install`, a generator) can outrun the OS
            # watcher, which then drops events. Once the burst has been quiet for a moment, a
            # sync (stat-only for unchanged files) makes the index match whatever was dropped.
            self._queue.put_later(
                STORM_QUIET_S, SyncFolder(folder.root), key=("storm", folder.root)
            )
        known = folder.catalog.live_files()
        for directory in _new_directories(folder.root, paths, known):
            # An event for a file in a directory the index has never seen: the directory is new
            # (a branch switch, an unpacked archive), and the OS watch on it started only after
            # it existed. Files written in between send no events of their own, and the event of
            # the directory itself can be lost under load: walk it.
            self._index_directory(folder, directory, known)
        gone: list[str] = []
        for path in paths:
            try:
                rel = folder.scanner.rel(path)
            except SkipFile:
                continue
            try:
                scanned = folder.scanner.check(path)
            except SkipFile:
                if is_directory(path):
                    self._index_directory(folder, path, known)
                    continue
                # Stat-level refusals (FIFO, link outside, too large) were counted by the last
                # full scan; counting each event again would grow without bound.
                folder.skipped_reads.pop(rel, None)
                # A vanished path may have been a file or a whole directory.
                gone.extend(p for p in known if p == rel or p.startswith(rel + "/"))
                continue
            self._index_file(folder, scanned, known.get(rel))
        if gone:
            self._forget(folder, gone)

    def _index_directory(
        self, folder: FolderIndex, directory: Path, known: Mapping[str, FileRow]
    ) -> None:
        scanner = folder.scanner
        if scanner.is_ignored(directory):
            return
        # The OS watch on a new directory starts only after it exists: files written in between
        # send no events. Walk it now, and again a little later for the ones still being written.
        now = time.monotonic()
        forget_before = now - REWALK_AFTER_S[-1] - 1
        self._walked = {d: t for d, t in self._walked.items() if t > forget_before}
        if directory not in self._walked:
            self._walked[directory] = now
            for delay in REWALK_AFTER_S:
                self._queue.put_later(delay, ChangedPaths(folder.root, {directory}))
        for current, dirnames, filenames in os.walk(directory):
            base = Path(current)
            dirnames[:] = [d for d in dirnames if not scanner.is_ignored(base / d)]
            for name in filenames:
                try:
                    scanned = scanner.check(base / name)
                except SkipFile:
                    continue
                self._index_file(folder, scanned, known.get(scanned.rel))

    # -- one file ----------------------------------------------------------------------------

    def _index_file(
        self,
        folder: FolderIndex,
        scanned: ScannedFile,
        known: FileRow | None,
        *,
        force: bool = False,
    ) -> None:
        if scanned.rel in folder.overlays:
            return  # an open editor buffer rules over the disk until it closes
        if not force and known is not None and _unchanged(known, scanned):
            return
        try:
            text = read_source(scanned, max_file_size=self._config.max_file_size)
        except SkipFile as skip:
            folder.skipped_reads[scanned.rel] = skip.reason
            if known is not None:
                self._forget(folder, [scanned.rel])
            return
        folder.skipped_reads.pop(scanned.rel, None)
        digest = text_hash(text)
        if known is not None and known.sha256 == digest:
            folder.catalog.touch_file(known.id, scanned.size, scanned.mtime_ns)
            return
        _store_chunks(folder, digest, scanned, chunk_source(text, scanned.language))

    def _forget(self, folder: FolderIndex, rels: Sequence[str]) -> None:
        removed = folder.catalog.mark_deleted(rels)
        for space in (folder.chunks, folder.names):
            space.drop(removed)

    # -- buffers -----------------------------------------------------------------------------

    def apply_buffers(self, folder: FolderIndex, buffers: Mapping[Path, str | None]) -> None:
        for path, text in buffers.items():
            try:
                rel = folder.scanner.rel(path)
            except SkipFile:
                continue
            if folder.scanner.is_ignored(path):
                continue
            if text is None:
                if folder.overlays.pop(rel, None) is not None:
                    self._reload_from_disk(folder, path, rel)
                continue
            if len(text.encode("utf-8", "surrogatepass")) > self._config.max_file_size:
                continue
            folder.overlays[rel] = text
            digest = text_hash(text)
            known = folder.catalog.file(rel)
            if known is not None and known.deleted_at is None and known.sha256 == digest:
                continue
            try:
                on_disk = folder.scanner.check(path)
                language, mtime_ns = on_disk.language, on_disk.mtime_ns + 1
            except SkipFile:  # a new file not saved yet
                language, mtime_ns = language_for_path(path) or PLAINTEXT, 0
            # mtime differs from the disk's by design: after a crash, the next scan re-reads
            # the file instead of trusting buffer text that was never saved.
            scanned = ScannedFile(path, rel, len(text.encode("utf-8")), mtime_ns, language)
            _store_chunks(folder, digest, scanned, chunk_source(text, language))

    def _reload_from_disk(self, folder: FolderIndex, path: Path, rel: str) -> None:
        try:
            scanned = folder.scanner.check(path)
        except SkipFile:
            self._forget(folder, [rel])
            return
        self._index_file(folder, scanned, folder.catalog.file(rel), force=True)


def _store_chunks(
    folder: FolderIndex, digest: str, scanned: ScannedFile, chunks: list[Chunk]
) -> None:
    new = [NewChunk(c, text_hash(c.text)) for c in chunks]
    removed, added = folder.catalog.replace_file(
        scanned.rel,
        sha256=digest,
        size=scanned.size,
        mtime_ns=scanned.mtime_ns,
        language=scanned.language,
        chunks=new,
    )
    for space in (folder.chunks, folder.names):
        space.drop(removed)
    folder.chunks.want(added)
    folder.names.want(i for i, c in zip(added, chunks, strict=True) if c.is_definition)


def _unchanged(known: FileRow, scanned: ScannedFile) -> bool:
    """Whether the stat proves the text is the one indexed. Not when the file's timestamp is
    within RACY_WINDOW_NS of the moment it was read: a rewrite in the same timestamp tick
    (coarse or slow clocks, FAT, network file systems) keeps size and mtime, so such a file is
    read and hashed again (git's "racy clean" rule); an equal hash costs no embedding and
    stamps the file as checked, which ends the doubt."""
    if known.size != scanned.size or known.mtime_ns != scanned.mtime_ns:
        return False
    return int(known.indexed_at * 1e9) - scanned.mtime_ns > RACY_WINDOW_NS


def _new_directories(root: Path, paths: Iterable[Path], known: Mapping[str, FileRow]) -> list[Path]:
    """The outermost directories under `root` holding a changed path and no indexed file. A
    save of an indexed file (the common event) costs a lookup, not a pass over the index."""
    unknown: list[tuple[str, ...]] = []
    for path in paths:
        try:
            parts = path.relative_to(root).parts
        except ValueError:
            continue
        if "/".join(parts) not in known and len(parts) > 1:
            unknown.append(parts[:-1])
    if not unknown:
        return []
    seen: set[str] = set()
    for rel in known:
        parents = rel.split("/")[:-1]
        for depth in range(1, len(parents) + 1):
            seen.add("/".join(parents[:depth]))
    found: set[Path] = set()
    for folders in unknown:
        for depth in range(1, len(folders) + 1):
            if "/".join(folders[:depth]) not in seen:
                found.add(root.joinpath(*folders[:depth]))
                break
    return sorted(d for d in found if is_directory(d))
