"""Symbols, buffers, file events, workspace folders, progress and options, in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types

from arama.engine.config import DEFAULT_MAX_FILE_SIZE
from arama.engine.records import Progress
from arama.lsp import documents, lifecycle, symbols
from arama.lsp.app import AramaServer
from arama.lsp.options import InitializationOptions
from arama.lsp.progress import IndexingProgress
from support.fake_engine import ROOT, FakeEngine


async def test_workspace_symbols_carry_ranges_and_fall_back_on_unknown_kinds(
    ls: AramaServer, engine: FakeEngine
) -> None:
    found = await symbols.on_workspace_symbol(ls, types.WorkspaceSymbolParams(query="x" * 5000))
    assert engine.called("symbols") == [("x" * 1000, symbols.MAX_SYMBOLS)]  # bounded query
    first, odd = found
    assert (first.name, first.kind, first.container_name) == (
        "retry_request",
        types.SymbolKind.Function,
        "Client",
    )
    assert isinstance(first.location, types.Location)
    assert first.location.uri == (ROOT / "retry.py").as_uri()
    assert first.location.range == types.Range(types.Position(3, 0), types.Position(5, 17))
    assert odd.kind == types.SymbolKind.Variable


def _open(ls: AramaServer, path: Path, text: str) -> None:
    ls.workspace.put_text_document(
        types.TextDocumentItem(uri=path.as_uri(), language_id="python", version=1, text=text)
    )


def test_buffers_reach_the_engine_only_for_open_documents(
    ls: AramaServer, engine: FakeEngine
) -> None:
    path = ROOT / "retry.py"
    identifier = types.TextDocumentIdentifier(uri=path.as_uri())
    documents.did_save(ls, types.DidSaveTextDocumentParams(text_document=identifier))
    assert engine.called("set_buffer") == []  # not open: pygls would read it from disk
    _open(ls, path, "def unsaved(): pass\n")
    documents.did_open(
        ls,
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(path.as_uri(), "python", 1, "ignored")
        ),
    )
    documents.did_close(ls, types.DidCloseTextDocumentParams(text_document=identifier))
    assert engine.called("set_buffer") == [(path, "def unsaved(): pass\n"), (path, None)]


def test_file_events_and_folder_changes_reach_the_engine(
    ls: AramaServer, engine: FakeEngine
) -> None:
    changes = [
        types.FileEvent(uri=(ROOT / "a.py").as_uri(), type=types.FileChangeType.Changed),
        types.FileEvent(uri="untitled:Untitled-1", type=types.FileChangeType.Created),
        types.FileEvent(uri=(ROOT / "b.py").as_uri(), type=types.FileChangeType.Deleted),
    ]
    documents.did_change_watched_files(ls, types.DidChangeWatchedFilesParams(changes=changes))
    assert engine.called("notify_changed") == [([ROOT / "a.py", ROOT / "b.py"],)]
    other = Path("/workspace/other")
    event = types.WorkspaceFoldersChangeEvent(
        added=[types.WorkspaceFolder(other.as_uri(), "other")],
        removed=[types.WorkspaceFolder(ROOT.as_uri(), "project")],
    )
    documents.did_change_workspace_folders(ls, types.DidChangeWorkspaceFoldersParams(event=event))
    assert engine.called("remove_folder") == [(ROOT,)]
    assert engine.called("add_folder") == [(other,)]


def test_workspace_roots_prefer_folders_then_root_uri_then_root_path() -> None:
    def roots(**params: Any) -> list[Path]:
        capabilities = types.ClientCapabilities()
        return lifecycle._workspace_roots(
            types.InitializeParams(capabilities=capabilities, **params)
        )

    folder = types.WorkspaceFolder("file:///a", "a")
    assert roots(workspace_folders=[folder], root_uri="file:///b") == [Path("/a")]
    assert roots(workspace_folders=[], root_uri="file:///b", root_path="/c") == [Path("/b")]
    assert roots(root_uri="untitled:x", root_path="/c") == [Path("/c")]
    assert roots(root_path="relative/path") == []


class _Progress:
    """Records what would go to the client as `$/progress`."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []
        self.tokens: dict[str, Any] = {}  # pygls' table of live tokens (an ended one leaves)

    async def create_async(self, token: str) -> None:
        self.sent.append(("create", token))

    def begin(self, token: str, value: Any) -> None:
        self.sent.append(("begin", value))

    def report(self, token: str, value: Any) -> None:
        self.sent.append(("report", value))

    def end(self, token: str, value: Any) -> None:
        self.sent.append(("end", value))


async def test_progress_ends_with_the_counts_it_was_given_without_asking_the_engine(
    ls: AramaServer, engine: FakeEngine
) -> None:
    recorder = _Progress()
    ls.protocol.progress = recorder  # type: ignore[assignment]
    ls.protocol.client_capabilities = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True)
    )
    progress = IndexingProgress(ls)
    progress._on_progress(Progress("scanning", 10, 100))
    assert progress._starting is not None
    await progress._starting
    progress._on_progress(Progress("embedding", 50, 100))
    progress._on_progress(Progress("idle", 0, 0, files=7, chunks=42))
    kinds = [kind for kind, _ in recorder.sent]
    assert kinds[:2] == ["create", "begin"] and kinds[-1] == "end"
    assert recorder.sent[-1][1].message == "Index ready: 7 files, 42 chunks"
    assert engine.called("status") == []  # nothing touched SQLite on the event loop
    percentages = [v.percentage for k, v in recorder.sent if k == "report"]
    assert percentages == sorted(percentages)


async def test_the_models_preparation_is_a_step_of_its_own(
    ls: AramaServer, engine: FakeEngine
) -> None:
    """Right after the last file is read, the model's one-time preparation is reported (not
    dropped by the throttle), holds the bar where it is, and says what takes the time."""
    for locale, expected in (("en", "Preparing the model"), ("tr", "Model hazırlanıyor")):
        ls.locale = locale
        recorder = _Progress()
        ls.protocol.progress = recorder  # type: ignore[assignment]
        ls.protocol.client_capabilities = types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True)
        )
        progress = IndexingProgress(ls)
        progress._on_progress(Progress("scanning", 1, 100))
        assert progress._starting is not None
        await progress._starting
        progress._on_progress(Progress("scanning", 100, 100))
        progress._on_progress(Progress("model", 0, 1))
        progress._on_progress(Progress("model", 1, 1))
        progress._on_progress(Progress("embedding", 10, 10))
        reports = [v for k, v in recorder.sent if k == "report"]
        messages = [r.message for r in reports]
        assert any(expected in m for m in messages), messages
        model = next(r for r in reports if expected in r.message)
        assert model.percentage == 20  # where reading the files left it
        assert reports[-1].percentage == 100


def test_a_failing_notification_handler_is_told_once_in_the_users_language(
    engine: FakeEngine,
) -> None:
    from pygls.exceptions import FeatureNotificationError, FeatureRequestError

    from lsp.conftest import make_server

    for locale, expected in (("en", "Arama hit an internal error"), ("tr", "iç hatayla")):
        ls = make_server(engine, locale)
        shown: list[types.ShowMessageParams] = []
        ls.window_show_message = shown.append  # type: ignore[method-assign]
        ls.report_server_error(ValueError("boom"), FeatureNotificationError)
        ls.report_server_error(ValueError("boom again"), FeatureNotificationError)
        ls.report_server_error(KeyError("x"), FeatureRequestError)  # answered as an error
        assert len(shown) == 1, shown
        assert expected in shown[0].message and "ValueError: boom" in shown[0].message
        assert "Error in server" not in shown[0].message


def test_options_fall_back_one_by_one() -> None:
    options, problems = InitializationOptions.parse(
        {
            "cacheDir": "~/arama-cache",
            "maxFileSize": -5,
            "threads": "two",
            "embeddingBackend": "cuda",
            "searchBudgetMs": 500,
            "exclude": "build/**",
            "model": None,
            "unknown": {"nested": True},
        }
    )
    assert options.cache_dir == "~/arama-cache" and options.search_budget_ms == 500
    assert options.exclude == ("build/**",)
    assert options.max_file_size == DEFAULT_MAX_FILE_SIZE and options.threads is None
    assert options.backend == "onnx"
    assert sorted(problems) == sorted(
        [
            "'maxFileSize' must be at least 1.",
            "'threads' must be an integer.",
            "'embeddingBackend' must be one of: torch, onnx, onnx-int8.",
        ]
    )
    config = options.engine_config()
    assert config.cache_dir == Path("~/arama-cache").expanduser()
    assert config.search_budget_s == 0.5 and config.threads and config.threads >= 1
    assert InitializationOptions.parse([1, 2]) == (
        InitializationOptions(),
        ["initializationOptions must be an object"],
    )
