"""Tests for the workspace scanner: rules, symlinks, special files, and reading sources."""

from __future__ import annotations

import errno
import inspect
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from arama.engine import scanner as scanner_module
from arama.engine.config import DEFAULT_MAX_FILE_SIZE
from arama.engine.records import ScannedFile, SkipFile, SkipReason
from arama.engine.scanner import (
    IGNORED,
    MINIFIED_MAX_LINE,
    MINIFIED_MIN_CHARS,
    Scanner,
    ScanResult,
    read_source,
)

needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file system features")


def write(root: Path, rel: str, content: str | bytes = "x = 1\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def rels(result: ScanResult) -> list[str]:
    return [f.rel for f in result.files]


def scan(root: Path, **kwargs: object) -> ScanResult:
    return Scanner(root, **kwargs).scan()  # type: ignore[arg-type]


def scanned(path: Path, language: str = "python") -> ScannedFile:
    """A ScannedFile for an arbitrary path, as the engine would hold after a scan."""
    size = path.stat().st_size if path.exists() else 0
    return ScannedFile(path=path, rel=path.name, size=size, mtime_ns=0, language=language)


def skip_reason(call: object) -> str:
    assert callable(call)
    with pytest.raises(SkipFile) as info:
        call()
    return info.value.reason


# -- rule files ---------------------------------------------------------------------------


def test_nested_gitignore_negation_anchored_dir_only_and_globstar(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.log\n/anchored.txt\ntmpdir/\ndocs/**/draft.md\n")
    write(tmp_path, "a/.gitignore", "!keep.log\nsecret.py\n")
    write(tmp_path, "a/b/.gitignore", "/local.py\n!secret.py\n")
    for rel in [
        "x.log", "a/keep.log", "a/other.log", "a/b/keep.log",
        "anchored.txt", "a/anchored.txt",
        "tmpdir/inside.py", "a/tmpdir/inside.py", "a/tmpdir_file/ok.py",
        "secret.py", "a/secret.py", "a/b/secret.py",
        "a/b/local.py", "a/b/c/local.py",
        "docs/x/y/draft.md", "docs/draft.md", "draft.md",
    ]:  # fmt: skip
        write(tmp_path, rel)
    write(tmp_path, "a/tmpdir_as_file/tmpdir")  # a *file* named tmpdir: dir-only rule misses

    result = scan(tmp_path)

    assert rels(result) == [
        ".gitignore",
        "a/.gitignore",
        "a/anchored.txt",
        "a/b/.gitignore",
        "a/b/c/local.py",
        "a/b/keep.log",
        "a/b/secret.py",
        "a/keep.log",
        "a/tmpdir_as_file/tmpdir",
        "a/tmpdir_file/ok.py",
        "draft.md",
        "secret.py",
    ]
    assert sum(result.skipped.values()) == 0  # rule-ignored files are not counted


def test_aramaignore_applies_per_directory_and_overrides_gitignore(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "generated.py\n")
    write(tmp_path, ".aramaignore", "notes/\n!generated.py\n")
    write(tmp_path, "sub/.aramaignore", "*.txt\n")
    for rel in ["generated.py", "notes/n.md", "top.txt", "sub/a.txt", "sub/a.py", "sub/deep/b.txt"]:
        write(tmp_path, rel)

    assert rels(scan(tmp_path)) == [
        ".aramaignore",
        ".gitignore",
        "generated.py",
        "sub/.aramaignore",
        "sub/a.py",
        "top.txt",
    ]


def test_git_info_exclude_is_honoured(tmp_path: Path) -> None:
    write(tmp_path, ".git/info/exclude", "private/\n")
    write(tmp_path, "private/p.py")
    write(tmp_path, "public.py")
    assert rels(scan(tmp_path)) == ["public.py"]


def test_user_exclude_globs_are_gitignore_patterns_relative_to_root(tmp_path: Path) -> None:
    for rel in [
        "README.md",
        "docs/guide.md",
        "src/generated/g.py",
        "src/main.py",
        "gen/generated/x.py",
    ]:
        write(tmp_path, rel)
    result = scan(tmp_path, exclude=["*.md", "/src/generated/"])
    assert rels(result) == ["gen/generated/x.py", "src/main.py"]


def test_user_exclude_globs_win_over_rule_files(tmp_path: Path) -> None:
    write(tmp_path, ".aramaignore", "!keep.py\n")
    write(tmp_path, "keep.py")
    assert rels(scan(tmp_path, exclude=["keep.py", ".aramaignore"])) == []


def test_invalid_patterns_are_dropped_not_fatal(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "[z-a]\nfoo\\\n*.tmp\n")
    write(tmp_path, "a.tmp")
    write(tmp_path, "a.py")
    assert rels(scan(tmp_path, exclude=["!"])) == [".gitignore", "a.py"]


def test_changed_rule_file_takes_effect_on_next_scan(tmp_path: Path) -> None:
    write(tmp_path, "a.py")
    scanner = Scanner(tmp_path)
    assert rels(scanner.scan()) == ["a.py"]
    write(tmp_path, ".aramaignore", "a.py\n.aramaignore\n")
    assert rels(scanner.scan()) == []
    assert scanner.is_ignored(tmp_path / "a.py")


# -- defaults -----------------------------------------------------------------------------


def test_default_excludes(tmp_path: Path) -> None:
    excluded = [
        "node_modules/lib/index.js",
        "web/node_modules/x.js",
        "bower_components/b.js",
        ".venv/lib/site.py",
        "venv/lib/site.py",
        "env/lib/site.py",  # env/ holds pyvenv.cfg, below
        "env/pyvenv.cfg",
        "__pycache__/m.cpython-311.pyc",
        ".mypy_cache/x.json",
        ".pytest_cache/v",
        ".tox/t.py",
        ".idea/workspace.xml",
        ".hg/store",
        "dist/app.js",
        "build/lib/m.py",
        "target/debug/main.rs",
        "out/o.js",
        "coverage/lcov.info",
        ".cache/c",
        "pkg.egg-info/PKG-INFO",
        "package-lock.json",
        "yarn.lock",
        "Cargo.lock",
        "poetry.lock",
        "uv.lock",
        "pnpm-lock.yaml",
        "go.sum",
        "static/app.min.js",
        "static/app.min.css",
        "static/app.js.map",
        "static/app.bundle.js",
        "mod.pyc",
        "lib.so",
        "logo.png",
        "LOGO.PNG",
        "font.woff2",
        "clip.mp4",
        "archive.tar.gz",
        "paper.pdf",
        "data.sqlite",
        "index.faiss",
        "weights.safetensors",
        "model.onnx",
        "blob.bin",
        ".DS_Store",
        ".git/config",
        ".git/objects/ab/cdef",
    ]
    included = [
        "src/app.js",
        "vendor/github.com/x/y.go",  # Go vendoring is source
        "other_env/settings.py",  # no pyvenv.cfg: an ordinary package
        "env_tools/run.py",
        "builder.py",
        "docs/lock.md",
    ]
    for rel in excluded + included:
        write(tmp_path, rel)

    assert rels(scan(tmp_path)) == sorted(included)


def test_plain_env_dir_without_pyvenv_cfg_is_source(tmp_path: Path) -> None:
    write(tmp_path, "env/config.py")
    write(tmp_path, "tools/myenv/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, "tools/myenv/lib/x.py")
    assert rels(scan(tmp_path)) == ["env/config.py"]


def test_bang_in_aramaignore_reincludes_defaults_but_never_git(tmp_path: Path) -> None:
    write(tmp_path, ".aramaignore", "!package-lock.json\n!dist/\n!.git/\n!config\n.aramaignore\n")
    write(tmp_path, "package-lock.json", "{}\n")
    write(tmp_path, "dist/app.js")
    write(tmp_path, ".git/config")
    write(tmp_path, "sub/.git", "gitdir: ../.git/worktrees/sub\n")  # a worktree's .git file
    assert rels(scan(tmp_path)) == ["dist/app.js", "package-lock.json"]


def test_ignored_directories_are_never_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(200):
        write(tmp_path, f"node_modules/pkg{i}/index.js")
    write(tmp_path, "main.py")
    listed: list[str] = []
    real_scandir = os.scandir

    def recording_scandir(path: str) -> object:
        listed.append(os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", recording_scandir)
    assert rels(scan(tmp_path)) == ["main.py"]
    assert listed == [str(tmp_path.resolve())]


def test_deep_tree_does_not_overflow_the_stack(tmp_path: Path) -> None:
    # A tree deeper than the recursion limit, built under a lowered limit: deeper real
    # trees would break pytest's own (recursive) cleanup of tmp_path.
    depth = 300
    tmp_path.joinpath(*["d"] * depth).mkdir(parents=True)
    tmp_path.joinpath(*["d"] * depth, "leaf.py").write_text("x = 1\n")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 100)
    try:
        result = scan(tmp_path)
    finally:
        sys.setrecursionlimit(limit)
    assert rels(result) == ["/".join(["d"] * depth + ["leaf.py"])]


def test_output_is_sorted_and_deterministic(tmp_path: Path) -> None:
    for rel in ["b.py", "a/z.py", "a/b/c.py", "c/a.py", "A.py", "a.py"]:
        write(tmp_path, rel)
    first = rels(scan(tmp_path))
    assert first == sorted(first)
    assert first == rels(scan(tmp_path))


# -- symlinks -----------------------------------------------------------------------------


@needs_posix
def test_symlinks_outside_root_are_refused_and_counted(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    write(outside, "secret.py", "password = 1\n")
    write(root, "main.py")
    (root / "leak.py").symlink_to(outside / "secret.py")
    (root / "leakdir").symlink_to(outside)

    result = scan(root)

    assert rels(result) == ["main.py"]
    assert result.skipped == {SkipReason.OUTSIDE_ROOT: 2}
    scanner = Scanner(root)
    assert skip_reason(lambda: scanner.check(root / "leak.py")) == SkipReason.OUTSIDE_ROOT
    assert skip_reason(lambda: scanner.check(root / "leakdir/secret.py")) == SkipReason.OUTSIDE_ROOT


@needs_posix
def test_symlinked_directory_inside_root_is_followed(tmp_path: Path) -> None:
    write(tmp_path, "build/gen/api.py")  # build/ is excluded by default...
    (tmp_path / "gen").symlink_to("build/gen")  # ...but the link's own path is not

    result = scan(tmp_path)

    assert rels(result) == ["gen/api.py"]
    (file,) = result.files
    assert file.path == (tmp_path / "build/gen/api.py").resolve()
    assert result.skipped == {}


@needs_posix
def test_links_to_walked_files_and_dirs_are_not_indexed_twice(tmp_path: Path) -> None:
    write(tmp_path, "src/pkg/m.py")
    write(tmp_path, "src/tool.py")
    (tmp_path / "aaa_alias").symlink_to("src")  # sorts before src: still indexed as src/
    (tmp_path / "tool").symlink_to("src/tool.py")

    result = scan(tmp_path)

    assert rels(result) == ["src/pkg/m.py", "src/tool.py"]
    assert result.skipped == {}
    scanner = Scanner(tmp_path)
    assert skip_reason(lambda: scanner.check(tmp_path / "aaa_alias/pkg/m.py")) == IGNORED
    assert scanner.check(tmp_path / "src/pkg/m.py").rel == "src/pkg/m.py"


@needs_posix
def test_symlinked_file_to_an_ignored_file_takes_the_links_name(tmp_path: Path) -> None:
    write(tmp_path, "dist/cli.py", "#!/usr/bin/env python3\n")
    (tmp_path / "cli").symlink_to("dist/cli.py")
    (file,) = scan(tmp_path).files
    assert (file.rel, file.language) == ("cli", "python")
    assert file.path == (tmp_path / "dist/cli.py").resolve()


@needs_posix
@pytest.mark.timeout(30)
def test_symlink_loops_terminate_and_are_counted(tmp_path: Path) -> None:
    write(tmp_path, "a/m.py")
    (tmp_path / "a/up").symlink_to("..")  # directory cycle
    (tmp_path / "self").symlink_to("self")  # ELOOP on stat
    (tmp_path / "ping").symlink_to("pong")
    (tmp_path / "pong").symlink_to("ping")

    result = scan(tmp_path)

    assert rels(result) == ["a/m.py"]
    assert result.skipped == {SkipReason.SYMLINK_LOOP: 4}
    scanner = Scanner(tmp_path)
    assert skip_reason(lambda: scanner.check(tmp_path / "self")) == SkipReason.SYMLINK_LOOP


@needs_posix
def test_broken_symlink_counts_as_vanished(tmp_path: Path) -> None:
    (tmp_path / "dangling.py").symlink_to("nowhere.py")
    assert scan(tmp_path).skipped == {SkipReason.VANISHED: 1}


@needs_posix
def test_ignored_symlinks_are_not_counted(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "x.py")
    root = tmp_path / "root"
    root.mkdir()
    (root / "node_modules").symlink_to(outside)
    (root / "broken.log").symlink_to("nowhere")
    write(root, ".gitignore", "*.log\n")
    result = scan(root)
    assert rels(result) == [".gitignore"]
    assert result.skipped == {}


# -- special and oversized files ----------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.timeout(30)
def test_fifo_is_skipped_without_blocking(tmp_path: Path) -> None:
    write(tmp_path, "a.py")
    os.mkfifo(tmp_path / "pipe.py")
    os.mkfifo(tmp_path / "script")  # extension-less: must not be peeked for a shebang
    os.mkfifo(tmp_path / ".gitignore")  # rule files are not opened either

    result = scan(tmp_path)

    assert rels(result) == ["a.py"]
    assert result.skipped == {SkipReason.NOT_REGULAR: 3}
    scanner = Scanner(tmp_path)
    assert skip_reason(lambda: scanner.check(tmp_path / "pipe.py")) == SkipReason.NOT_REGULAR
    fake = scanned(tmp_path / "pipe.py")
    assert skip_reason(lambda: read_source(fake)) == SkipReason.NOT_REGULAR


def test_too_large_file_is_counted_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "small.py", "x" * 100)
    write(tmp_path, "big.py", "x" * 101)
    write(tmp_path, "bigscript", "#!/usr/bin/env python\n" + "x" * 100)
    opened: list[str] = []
    real_open = os.open

    def recording_open(path: str, flags: int, *args: int) -> int:
        opened.append(os.fspath(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", recording_open)
    result = scan(tmp_path, max_file_size=100)
    assert rels(result) == ["small.py"]
    assert result.skipped == {SkipReason.TOO_LARGE: 2}
    assert opened == []  # .py needs no peek; the big files were judged by stat alone


def test_read_source_rechecks_size_on_what_it_reads(tmp_path: Path) -> None:
    path = write(tmp_path, "grew.py", "x = 1\n")
    file = Scanner(tmp_path, max_file_size=100).check(path)
    path.write_text("x" * 500)
    assert skip_reason(lambda: read_source(file, max_file_size=100)) == SkipReason.TOO_LARGE
    assert read_source(file, max_file_size=500) == "x" * 500


# -- read_source --------------------------------------------------------------------------


def test_binary_content_with_py_name_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "fake.py", b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)))
    (file,) = scan(tmp_path).files  # the name says python: the scan keeps it
    assert skip_reason(lambda: read_source(file)) == SkipReason.BINARY
    assert file.path == path.resolve()


def test_mostly_undecodable_bytes_are_binary(tmp_path: Path) -> None:
    path = write(tmp_path, "noise.txt", bytes(range(0x80, 0x100)) * 10)
    assert skip_reason(lambda: read_source(scanned(path, "plaintext"))) == SkipReason.BINARY


def test_invalid_utf8_is_decoded_with_replacement(tmp_path: Path) -> None:
    raw = b"name = 'caf\xe9'\n# \xef\xbf\xbd already here\n" + b"ok = 1\n" * 20
    path = write(tmp_path, "latin.py", raw)
    text = read_source(scanned(path))
    assert text.startswith("name = 'caf\ufffd'\n# \ufffd already here\n")


def test_line_breaks_are_normalized_and_bom_stripped(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbfa = 1\r\nb = 2\rc = 3\n"
    path = write(tmp_path, "crlf.py", raw)
    assert read_source(scanned(path)) == "a = 1\nb = 2\nc = 3\n"


def test_unicode_content_round_trips(tmp_path: Path) -> None:
    source = "şehir = 'İstanbul'  # 東京 🚀\n"
    path = write(tmp_path, "u.py", source)
    assert read_source(scanned(path)) == source


def test_minified_files_are_rejected(tmp_path: Path) -> None:
    one_line = "var a=1;" * (MINIFIED_MIN_CHARS // 8 + 10)
    dense = ("x" * 400 + "\n") * 60  # every line 400 chars: average > 300
    long_line = "y = 1\n" * 5000 + "z = '" + "q" * (MINIFIED_MAX_LINE + 1) + "'\n"
    small = "var a=1;" * 1000  # one 8000-char line, but under the size gate
    prose = ("word " * 120 + "\n\n") * 60  # soft-wrapped paragraphs of 600 chars
    cases = {
        "app.js": (one_line, "javascript", SkipReason.MINIFIED),
        "dense.py": (dense, "python", SkipReason.MINIFIED),
        "long.py": (long_line, "python", SkipReason.MINIFIED),
        "small.js": (small, "javascript", None),
        "notes.md": (prose, "markdown", None),
    }
    for name, (content, language, expected) in cases.items():
        file = scanned(write(tmp_path, name, content), language)
        if expected is None:
            assert read_source(file) == content
        else:
            assert skip_reason(lambda file=file: read_source(file)) == expected, name


def test_vanished_file_raises_vanished(tmp_path: Path) -> None:
    path = write(tmp_path, "gone.py")
    file = Scanner(tmp_path).check(path)
    path.unlink()
    assert skip_reason(lambda: read_source(file)) == SkipReason.VANISHED


@needs_posix
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_by_permissions(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.py")
    path.chmod(0)
    try:
        assert skip_reason(lambda: read_source(scanned(path))) == SkipReason.UNREADABLE
    finally:
        path.chmod(0o644)


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "locked.py")

    def denied(path: str, flags: int, *args: int) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(os, "open", denied)
    assert skip_reason(lambda: read_source(scanned(path))) == SkipReason.UNREADABLE


def test_unreadable_directory_is_counted_and_the_walk_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "locked/a.py")
    write(tmp_path, "open/b.py")
    real_scandir = os.scandir
    locked = str((tmp_path / "locked").resolve())

    def scandir(path: str) -> Iterator[os.DirEntry[str]]:
        if os.fspath(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = scan(tmp_path)
    assert rels(result) == ["open/b.py"]
    assert result.skipped == {SkipReason.UNREADABLE: 1}


def test_missing_root_is_counted_not_raised(tmp_path: Path) -> None:
    result = scan(tmp_path / "nope")
    assert result.files == []
    assert result.skipped == {SkipReason.VANISHED: 1}


def test_path_too_long(tmp_path: Path) -> None:
    long_name = "n" * 300 + ".py"
    scanner = Scanner(tmp_path)
    assert skip_reason(lambda: scanner.check(tmp_path / long_name)) == SkipReason.PATH_TOO_LONG
    fake = ScannedFile(tmp_path / long_name, long_name, 1, 0, "python")
    assert skip_reason(lambda: read_source(fake)) == SkipReason.PATH_TOO_LONG


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that stores raw bytes")
def test_undecodable_file_name_is_counted(tmp_path: Path) -> None:
    os.close(os.open(os.fsencode(tmp_path) + b"/bad\xff.py", os.O_CREAT | os.O_WRONLY))
    write(tmp_path, "good.py")
    result = scan(tmp_path)
    assert rels(result) == ["good.py"]
    assert result.skipped == {SkipReason.UNREADABLE: 1}


# -- watcher events -----------------------------------------------------------------------


def test_is_ignored_for_watcher_events(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.log\nbuild-*/\n")
    write(tmp_path, "src/.aramaignore", "fixtures/\n")
    write(tmp_path, "src/main.py")
    (tmp_path / "build-x").mkdir()
    scanner = Scanner(tmp_path)

    assert not scanner.is_ignored(tmp_path / "src/main.py")
    assert not scanner.is_ignored(tmp_path / "src/deleted.py")  # gone: judged as a file
    assert not scanner.is_ignored(tmp_path / "vendor/mod.go")
    assert scanner.is_ignored(tmp_path / "app.log")
    assert scanner.is_ignored(tmp_path / "build-x")  # exists: judged as a directory
    assert scanner.is_ignored(tmp_path / "build-x/new.py")
    assert scanner.is_ignored(tmp_path / "node_modules/pkg/index.js")
    assert scanner.is_ignored(tmp_path / "src/fixtures/data.py")
    assert scanner.is_ignored(tmp_path / ".git/index.lock")
    assert scanner.is_ignored(tmp_path / ".git")
    assert scanner.is_ignored(tmp_path / "a/__pycache__/m.pyc")
    assert scanner.is_ignored(tmp_path.parent / "elsewhere.py")
    assert scanner.is_ignored(tmp_path / "src/../../escape.py")
    assert scanner.is_ignored(tmp_path)


def test_check_for_watcher_events(tmp_path: Path) -> None:
    scanner = Scanner(tmp_path, max_file_size=1000)
    new = write(tmp_path, "pkg/new.ts", "export const a = 1;\n")

    file = scanner.check(new)

    assert (file.rel, file.language, file.size) == ("pkg/new.ts", "typescript", 20)
    assert file.path == new.resolve()
    assert file.mtime_ns == new.stat().st_mtime_ns
    write(tmp_path, "node_modules/x.js")
    write(tmp_path, "huge.py", "x" * 1001)
    assert skip_reason(lambda: scanner.check(tmp_path / "node_modules/x.js")) == IGNORED
    assert skip_reason(lambda: scanner.check(tmp_path / "gone.py")) == SkipReason.VANISHED
    assert skip_reason(lambda: scanner.check(tmp_path / "huge.py")) == SkipReason.TOO_LARGE
    assert skip_reason(lambda: scanner.check(tmp_path / "pkg")) == SkipReason.NOT_REGULAR
    outside = tmp_path.parent / "x.py"
    assert skip_reason(lambda: scanner.check(outside)) == SkipReason.OUTSIDE_ROOT


def test_rel(tmp_path: Path) -> None:
    scanner = Scanner(tmp_path)
    assert scanner.root == tmp_path.resolve()
    assert scanner.rel(tmp_path / "a" / "b.py") == "a/b.py"
    assert scanner.rel(tmp_path / "a" / "." / "c" / ".." / "b.py") == "a/b.py"
    for outside in [tmp_path, tmp_path.parent, tmp_path / ".." / "x.py", Path("/")]:
        assert skip_reason(lambda outside=outside: scanner.rel(outside)) == SkipReason.OUTSIDE_ROOT


@needs_posix
def test_rel_accepts_a_symlinked_spelling_of_the_root(tmp_path: Path) -> None:
    real = tmp_path / "real"
    write(real, "a/b.py")
    (tmp_path / "link").symlink_to(real)
    scanner = Scanner(tmp_path / "link")
    assert scanner.root == real.resolve()
    assert scanner.rel(tmp_path / "link" / "a" / "b.py") == "a/b.py"
    assert scanner.check(tmp_path / "link" / "a" / "b.py").rel == "a/b.py"


# -- names and languages ------------------------------------------------------------------


def test_unicode_file_names(tmp_path: Path) -> None:
    names = ["çalışma/öğrenci_ığüşö.py", "日本語/ファイル.ts", "한국어.go", "🚀/launch 🚀.md"]
    for rel in names:
        write(tmp_path, rel, "x\n")
    scanner = Scanner(tmp_path)

    result = scanner.scan()

    assert rels(result) == sorted(names)
    for file in result.files:
        assert scanner.rel(file.path) == file.rel
        assert scanner.check(tmp_path / file.rel).rel == file.rel
        assert read_source(file) == "x\n"


def test_language_ids(tmp_path: Path) -> None:
    expected = {
        "a.py": "python",
        "b.ts": "typescript",
        "c.tsx": "typescriptreact",
        "d.go": "go",
        "e.rs": "rust",
        "f.md": "markdown",
        "Makefile": "makefile",
        "data.xyz": "plaintext",  # unknown extension: still indexed, as plain text
        "script": "python",
        "run": "shellscript",
        "bare": "plaintext",
        ".envrc": "plaintext",
        "bom_script": "python",
    }
    write(tmp_path, "script", "#!/usr/bin/env python3\nprint('hi')\n")
    write(tmp_path, "run", "#!/bin/sh\necho hi\n")
    write(tmp_path, "bare", "just words\n")
    write(tmp_path, "bom_script", b"\xef\xbb\xbf#!/usr/bin/python3.11\r\npass\r\n")
    for name in expected:
        if not (tmp_path / name).exists():
            write(tmp_path, name)

    languages = {f.rel: f.language for f in scan(tmp_path).files}

    assert languages == expected


def test_defaults_are_sane() -> None:
    assert DEFAULT_MAX_FILE_SIZE == 1_048_576
    rules = scanner_module.DEFAULT_EXCLUDES
    assert "vendor" not in rules.dir_names
    assert all(s == s.lower() for s in rules.file_suffixes)
    assert ".git" in scanner_module.ALWAYS_EXCLUDED
