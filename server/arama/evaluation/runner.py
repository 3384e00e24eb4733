"""The evaluation run: a second Engine over the user's folder, with documentation hidden in
memory, asked every query in every mode.

Why a second engine: the user's own index must not change (nor even be opened: the editor's
server may be using it). `EngineConfig.indexes` puts this engine's per-folder index under
`<cacheDir>/eval/`, beside the user's, while the embedding cache is the shared one: a chunk
embedded for the user's index, or by an earlier evaluation, costs a lookup.

Why editor buffers: `Engine.set_buffer` is the overlay an editor's unsaved text gets. The file on
disk is never written, the overlay lives in this process only, and the catalog records the
overlaid file with a timestamp that differs from the disk's, so the next run (of any sample)
reads the real file again. Only the chunks whose text the hiding changed need the model.

The run: bring the evaluation index up to date with the folder (unchanged files cost a stat);
mine the code files' documented functions and draw a seeded sample (or read the user's pairs);
hand the sampled files, their documentation removed, to the engine as buffers and wait for the
changed chunks' vectors; then search, one query at a time, each mode in turn, timing each.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from arama.engine.config import EngineConfig
from arama.engine.embedding.protocol import Embedder
from arama.engine.engine import Engine
from arama.engine.folders import FolderView
from arama.engine.hashing import text_hash
from arama.engine.records import FileRow, Progress, ScannedFile, SkipFile
from arama.engine.scanner import read_source
from arama.engine.search.paths import Content, content_of
from arama.engine.search.request import MODES, Mode, SearchRequest
from arama.evaluation.docstrings import DocFunction, strip_docs
from arama.evaluation.errors import EvalError, NothingToEvaluate
from arama.evaluation.metrics import TOP_K, Outcome
from arama.evaluation.mining import (
    DEFAULT_SAMPLE,
    DocQuery,
    SourceFile,
    hidden_by_file,
    minable,
    mine,
    sample,
)
from arama.evaluation.queries import UserQuery, read_queries
from arama.evaluation.report import EvalReport, Source, Timing
from arama.evaluation.targets import Span, Target, definition_spans, line_span
from arama.tuning.split import is_held_out

EVAL_INDEXES = "eval"

Notify = Callable[[str, Mapping[str, Any]], None]


@dataclass(frozen=True)
class EvalSettings:
    modes: tuple[Mode, ...] = MODES
    sample: int = DEFAULT_SAMPLE
    seed: int = 0
    queries_file: Path | None = None  # the user's pairs instead of mined documentation
    hide_docs: bool | None = None  # None: hide for mined queries, keep for the user's
    # Only the held-out functions of `arama tune`'s split (tuning/split.py): a tuned model is
    # judged on documentation it never trained on.
    held_out: bool = False


@dataclass(frozen=True, slots=True)
class _Query:
    text: str
    language: str
    target: Target


def eval_config(config: EngineConfig) -> EngineConfig:
    """The user's settings, with the evaluation's own per-folder index and every search
    computed and timed in full (no answers or query vectors remembered between searches)."""
    return replace(
        config,
        indexes=EVAL_INDEXES,
        use_result_cache=False,
        query_vector_memo=0,
        preload_model=True,
    )


def evaluate(
    config: EngineConfig,
    root: Path,
    settings: EvalSettings,
    *,
    embedder: Embedder | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    notify: Notify | None = None,
) -> EvalReport:
    """Measure search quality on `root`. Raises NothingToEvaluate (no query to ask) or EvalError
    (a bad queries file or target); the queries file is read before any indexing."""
    root = root.resolve()
    user = read_queries(settings.queries_file, root) if settings.queries_file else None
    engine = Engine(eval_config(config), embedder=embedder, on_progress=on_progress)
    try:
        return _Run(engine, root, settings, notify or (lambda key, values: None)).run(user)
    finally:
        engine.close()


class _Run:
    def __init__(self, engine: Engine, root: Path, settings: EvalSettings, notify: Notify):
        self.engine = engine
        self.root = root
        self.settings = settings
        self.notify = notify
        self.eligible: dict[str, int] = {}
        self.hidden_functions = 0
        self.hidden_files = 0

    def run(self, user: list[UserQuery] | None) -> EvalReport:
        started = time.perf_counter()
        self.notify("eval.note.indexing", {"folder": self.root})
        self.engine.add_folder(self.root)
        self.engine.start()
        self.engine.wait_idle()
        indexed = time.perf_counter()
        misses = self.engine.status().cache.misses
        folder = self._folder()
        files = folder.catalog.live_files()
        queries = self._mined(folder, files) if user is None else self._user(folder, files, user)
        hidden = time.perf_counter()
        embedded = self.engine.status().cache.misses - misses
        self.engine.load_model()
        modes = self.settings.modes
        self.notify("eval.note.searching", {"queries": len(queries), "modes": len(modes)})
        outcomes = tuple(self._ask(q, mode) for mode in modes for q in queries)
        done = time.perf_counter()
        source: Source = "docs" if user is None else "queries"
        return EvalReport(
            folder=self.root,
            model=self.engine.model_id,
            source=source,
            modes=tuple(modes),
            sample=self.settings.sample if user is None else None,
            seed=self.settings.seed,
            docs_hidden=self._hide(user is None),
            eligible=self.eligible,
            indexed_files=len(files),
            hidden_functions=self.hidden_functions,
            hidden_files=self.hidden_files,
            embedded_index=misses,
            embedded_hidden=embedded,
            timing=Timing(indexed - started, hidden - indexed, done - hidden, done - started),
            outcomes=outcomes,
        )

    def _folder(self) -> FolderView:
        for folder in self.engine.folders():
            if folder.root == self.root:
                return folder
        raise NothingToEvaluate("eval.nothing", folder=self.root)  # it could not be opened

    def _hide(self, mined: bool) -> bool:
        return mined if self.settings.hide_docs is None else self.settings.hide_docs

    # -- mined documentation -----------------------------------------------------------------

    def _mined(self, folder: FolderView, files: Mapping[str, FileRow]) -> list[_Query]:
        code = self._read(files, lambda rel, row: content_of(rel, row.language) is Content.CODE)
        sources = {source.path: source for source in code}
        candidates = mine(sources.values())
        if self.settings.held_out:
            candidates = held_out_only(candidates)
        self.eligible = {language: len(found) for language, found in candidates.items()}
        if not candidates:
            raise NothingToEvaluate("eval.nothing", folder=self.root)
        chosen = sample(candidates, self.settings.sample, self.settings.seed)
        hide = self._hide(True)
        ranges: dict[tuple[str, DocFunction], tuple[int, int]] = {}
        buffers: dict[str, str] = {}
        for path, functions in hidden_by_file(chosen).items():
            source = sources[path]
            stripped = strip_docs(source.text, source.language, hide=functions if hide else ())
            buffers[path] = stripped.text
            ranges |= {(path, f): stripped.new_range(f) for f in functions}
        if hide:
            self.hidden_functions = sum(len(q.definitions) for q in chosen)
            self._overlay(buffers)
        return [self._doc_query(folder, q, ranges) for q in chosen]

    def _doc_query(
        self,
        folder: FolderView,
        query: DocQuery,
        ranges: Mapping[tuple[str, DocFunction], tuple[int, int]],
    ) -> _Query:
        spans: list[Span] = []
        for documented in query.definitions:
            path, function = documented.path, documented.function
            start, end = ranges[(path, function)]
            chunks = folder.catalog.chunks_of_file(path)
            spans += definition_spans(chunks, path, function.name, start, end)
        label = query.definitions[0].label
        if len(query.definitions) > 1:
            label += f" (+{len(query.definitions) - 1})"
        return _Query(query.text, query.language, Target(label, tuple(spans)))

    # -- the user's pairs --------------------------------------------------------------------

    def _user(
        self, folder: FolderView, files: Mapping[str, FileRow], user: list[UserQuery]
    ) -> list[_Query]:
        for query in user:
            for target in query.targets:
                if target.path not in files:
                    raise EvalError(
                        "eval.queries.missing",
                        file=self.settings.queries_file,
                        line=query.line,
                        target=target.raw,
                    )
        wanted = {t.path for q in user for t in q.targets}
        moved: dict[str, dict[int, int]] = {}
        if self._hide(False):
            buffers: dict[str, str] = {}
            for source in self._read(files, lambda rel, row: rel in wanted):
                stripped = strip_docs(source.text, source.language)
                if stripped.text != source.text:
                    buffers[source.path] = stripped.text
                    moved[source.path] = stripped.line_map
                    self.hidden_functions += sum(f.strippable for f in stripped.functions)
            self._overlay(buffers)
        out: list[_Query] = []
        for query in user:
            spans = tuple(
                line_span(t.path, _moved(moved.get(t.path), t.line)) for t in query.targets
            )
            label = " | ".join(t.raw for t in query.targets)
            language = files[query.targets[0].path].language
            out.append(_Query(query.text, language, Target(label, spans)))
        return out

    # -- shared steps ------------------------------------------------------------------------

    def _read(
        self, files: Mapping[str, FileRow], wanted: Callable[[str, FileRow], bool]
    ) -> Iterable[SourceFile]:
        """The texts the index holds of the minable files `wanted` accepts (a file that changed
        since it was indexed is left out: its lines might not be the catalog's)."""
        for rel, row in sorted(files.items()):
            if not minable(row.language) or not wanted(rel, row):
                continue
            scanned = ScannedFile(self.root / rel, rel, row.size, row.mtime_ns, row.language)
            try:
                text = read_source(scanned, max_file_size=self.engine.config.max_file_size)
            except SkipFile:
                continue
            if text_hash(text) == row.sha256:
                yield SourceFile(rel, row.language, text)

    def _overlay(self, buffers: Mapping[str, str]) -> None:
        """Give the engine the hidden texts as editor buffers and wait for their vectors."""
        self.hidden_files = len(buffers)
        self.notify("eval.note.hiding", {"functions": self.hidden_functions, "files": len(buffers)})
        for path, text in buffers.items():
            self.engine.set_buffer(self.root / path, text)
        self.engine.wait_idle()

    def _ask(self, query: _Query, mode: Mode) -> Outcome:
        request = SearchRequest(query.text, limit=TOP_K, mode=mode)
        started = time.perf_counter()
        answer = self.engine.search(request, budget_s=math.inf)  # scored in full, never partial
        ms = (time.perf_counter() - started) * 1000
        rank = query.target.rank_in(
            (hit.chunk.path, hit.chunk.start_line, hit.chunk.end_line) for hit in answer.hits
        )
        return Outcome(query.text, query.language, query.target.label, mode, rank, ms)


def held_out_only(candidates: Mapping[str, list[DocQuery]]) -> dict[str, list[DocQuery]]:
    """The queries whose every answer is a held-out function (none the tuner saw)."""
    out: dict[str, list[DocQuery]] = {}
    for language, queries in candidates.items():
        kept = [
            q
            for q in queries
            if all(
                is_held_out(d.path, d.function.name, d.function.container) for d in q.definitions
            )
        ]
        if kept:
            out[language] = kept
    return out


def _moved(line_map: Mapping[int, int] | None, line: int | None) -> int | None:
    """A line of the original file in the text with documentation removed (a removed line moves
    to the next line that stayed)."""
    if line_map is None or line is None:
        return line
    if line in line_map:
        return line_map[line]
    after = [new for old, new in line_map.items() if old > line]
    return min(after) if after else max(line_map.values(), default=0)
