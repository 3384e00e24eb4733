"""The command line under hostile use: random arguments, bytes, flags, and signals at random moments.

`arama` runs as a user runs it (the installed script, a subprocess, the real bundled model, a
private home and cache over a copy of the fixture workspace). Hypothesis builds argument lists
from the real commands and flags, random text (Turkish, CJK, emoji, control characters), raw
bytes that are not UTF-8, huge and negative numbers and unknown flags, with a random locale
(English, Turkish, none). Whatever it sends:

- the exit status is one of the documented ones (README, "Exit statuses"), never 70 (a bug);
- no traceback and no C++ abort message ever reaches stderr; every stderr line is either
  `arama: ...` or a one-line log record;
- a usage error (exit 2) is exactly one line.

The second part interrupts `arama index`, `search`, `status` and `eval` with SIGINT or SIGTERM
at a random moment (after the interpreter itself started: its first fraction of a second is
Python's, not arama's): exit 130 or 143 with one line, no `models/.tmp-*` scratch left, and
the index still opens (`arama status` answers).

Examples are few by default (this runs in CI); `ARAMA_CLI_FUZZ_EXAMPLES` and
`ARAMA_CLI_FUZZ_INTERRUPTIONS` ask for more. Hypothesis runs derandomized: the same code sends
the same arguments on every run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from support.fixtures import FIXTURE_WORKSPACE
from support.lsp_session import isolated_env

pytestmark = pytest.mark.e2e

ARAMA = Path(sys.executable).parent / "arama"
DOCUMENTED_EXITS = {0, 1, 2, 3, 130, 141, 143}
EXAMPLES = int(os.environ.get("ARAMA_CLI_FUZZ_EXAMPLES", "30"))
INTERRUPTIONS = int(os.environ.get("ARAMA_CLI_FUZZ_INTERRUPTIONS", "5"))
RUN_TIMEOUT_S = 240.0
# `arama: ...`, a one-line log record, or (`arama serve`) the language server's log line.
LOG_LINE = re.compile(
    rb"^(?:arama: |(?:[\d-]+ [\d:,]+ )?(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: )"
)
SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)

COMMANDS = ("index", "search", "status", "eval", "serve")
FLAGS = (
    "--path",
    "-C",
    "--cache-dir",
    "--exclude",
    "--max-file-size",
    "--threads",
    "--backend",
    "--no-priors",
    "--json",
    "--quiet",
    "-q",
    "--limit",
    "-n",
    "--mode",
    "--lang",
    "--glob",
    "--kind",
    "--content",
    "--expand",
    "--no-update",
    "--snippet-lines",
    "--modes",
    "--sample",
    "--seed",
    "--queries",
    "--hide-docs",
    "--log-level",
    "--version",
    "--help",
    "--bogus",
    "-x",
    "--",
    "--lim",  # an abbreviation argparse accepts; "--no" is ambiguous
    "--no",
)


@dataclass(frozen=True)
class Dirs:
    base: Path
    workspace: Path
    cache: Path
    home: Path
    not_a_dir: Path


def _env(dirs: Dirs, locale: str | None) -> dict[str, str]:
    env = isolated_env(dirs.home) | {"ARAMA_CACHE_DIR": str(dirs.cache)}
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        env.pop(name, None)
    if locale is not None:
        env["LANG"] = locale
    return env


def _arama(
    dirs: Dirs,
    argv: list[bytes],
    locale: str | None = "C.UTF-8",
    cwd: Path | None = None,
    timeout: float = RUN_TIMEOUT_S,
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [bytes(ARAMA), *argv],
        cwd=cwd or dirs.workspace,
        env=_env(dirs, locale),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> Dirs:
    base = tmp_path_factory.mktemp("cli-fuzz")
    shutil.copytree(FIXTURE_WORKSPACE, base / "workspace")
    (base / "home").mkdir()
    (base / "not-a-dir").write_text("a file\n")
    found = Dirs(base, base / "workspace", base / "cache", base / "home", base / "not-a-dir")
    # The first index prepares the model (an ONNX export, ~20 s alone, minutes on a loaded
    # machine): the set-up gets time; the fuzzed calls keep RUN_TIMEOUT_S.
    done = _arama(found, [b"index", b"--quiet"], timeout=900)
    assert done.returncode == 0, done.stderr
    return found


def _assert_clean(done: subprocess.CompletedProcess[bytes], argv: list[bytes]) -> None:
    where = f"argv={argv!r}\nexit={done.returncode}\nstderr={done.stderr[-3000:]!r}"
    assert done.returncode in DOCUMENTED_EXITS, where
    assert b"Traceback" not in done.stderr, where
    assert b"terminate called" not in done.stderr, where
    lines = done.stderr.splitlines()
    assert all(LOG_LINE.match(line) for line in lines), where
    if done.returncode == 2:
        assert len(lines) == 1 and lines[0].startswith(b"arama: "), where


# -- random arguments ---------------------------------------------------------------------------

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=24
).map(lambda s: s.encode("utf-8"))
_bytes = st.binary(max_size=12).map(lambda b: b.replace(b"\0", b""))
_numbers = st.integers(-(10**20), 10**20).map(lambda n: str(n).encode())
_words = st.sampled_from(
    [b"retry", b"matrix rows", b"hybrid", b"lexical,semantic", b"function", b"tests", b"*.py"]
)
_token = st.one_of(st.sampled_from([f.encode() for f in FLAGS]), _text, _bytes, _numbers, _words)


@st.composite
def _argv(draw: st.DrawFn) -> list[bytes]:
    first = draw(st.one_of(st.sampled_from([c.encode() for c in COMMANDS]), _token))
    return [first, *draw(st.lists(_token, max_size=6))]


def _confined(dirs: Dirs, argv: list[bytes]) -> list[bytes]:
    """Keep the run inside the test's directories: an argument naming an existing directory
    elsewhere (`/`, `..`) becomes the workspace, and the cache stays the test's cache (a new
    one would prepare the model again: minutes, not a test of the command line)."""
    out: list[bytes] = []
    for position, arg in enumerate(argv):
        after_cache_flag = position > 0 and argv[position - 1] == b"--cache-dir"
        if after_cache_flag and arg not in (bytes(dirs.cache), bytes(dirs.not_a_dir)):
            arg = bytes(dirs.cache)
        try:
            candidate = (dirs.workspace / os.fsdecode(arg)).expanduser().resolve()
            escapes = candidate.is_dir() and not candidate.is_relative_to(dirs.base)
        except (OSError, ValueError, RuntimeError):
            escapes = False
        out.append(b"." if escapes or arg.startswith(b"~") else arg)
    return out


@settings(SETTINGS, max_examples=EXAMPLES)
@given(argv=_argv(), locale=st.sampled_from(["C.UTF-8", "tr_TR.UTF-8", None, "\udcff"]))
@example(argv=[b"search", b"\xff\xfe"], locale="C.UTF-8")
@example(argv=[b"search", b"retry", b"--limit", b"0"], locale="tr_TR.UTF-8")
@example(argv=[b"index", b"--threads", b"99999999999999999999"], locale=None)
@example(argv=[b"status", b"--cache-dir", b"NOT-A-DIR"], locale="C.UTF-8")
@example(argv=[b"frob"], locale="tr_TR.UTF-8")
@example(argv=[b"search", b"retry", b"--glob", b"[", b"--kind", b"nope"], locale="C.UTF-8")
def test_random_arguments_never_show_a_traceback(
    dirs: Dirs, argv: list[bytes], locale: str | None
) -> None:
    argv = [bytes(dirs.not_a_dir) if a == b"NOT-A-DIR" else a for a in argv]
    argv = _confined(dirs, argv)
    done = _arama(dirs, argv, locale=locale)
    _assert_clean(done, argv)


def test_usage_errors_are_one_line_in_the_users_language(dirs: Dirs) -> None:
    cases = [
        ([b"search", b"retry", b"--limit", b"0"], "--limit", "en az 1"),
        ([b"frob"], "frob", "şunlardan biri değil"),
        ([b"search", b"\xff\xfe"], "\\xff\\xfe", "UTF-8"),
        ([b"status", b"--bogus"], "--bogus", "bilinmeyen"),
        ([b"search"], "query", "eksik"),
    ]
    for argv, named, turkish in cases:
        english = _arama(dirs, argv, locale="en_US.UTF-8")
        tr = _arama(dirs, argv, locale="tr_TR.UTF-8")
        for done in (english, tr):
            assert done.returncode == 2, done.stderr
            assert len(done.stderr.splitlines()) == 1
            assert named in done.stderr.decode(), done.stderr
        assert "arama --help" in english.stderr.decode()
        assert turkish in tr.stderr.decode(), tr.stderr
        assert "kullanım için: arama --help" in tr.stderr.decode()
    lc_all = subprocess.run(
        [str(ARAMA), "frob"],
        env=_env(dirs, "en_US.UTF-8") | {"LC_ALL": "tr_TR.UTF-8"},
        capture_output=True,
        check=False,
    )
    assert "şunlardan biri değil" in lc_all.stderr.decode()  # LC_ALL wins over LANG


def test_a_closed_pipe_ends_quietly(dirs: Dirs) -> None:
    """`arama status | head -c 1`: the reader leaves after one byte; arama ends without a
    word, with 0 (all written before the reader left) or 141."""
    for command in ("status", "search retry --json", "--help"):
        done = subprocess.run(
            ["/bin/bash", "-c", f'{ARAMA} {command} | head -c 1; echo " ${{PIPESTATUS[0]}}"'],
            cwd=dirs.workspace,
            env=_env(dirs, "C.UTF-8"),
            capture_output=True,
            check=False,
        )
        first, _, status = done.stdout.rpartition(b" ")
        assert first in (b"{", b"u"), done
        assert status.strip() in (b"0", b"141"), done
        assert done.stderr == b"", done.stderr


def test_an_unusable_cache_or_environment_is_one_line(dirs: Dirs, tmp_path: Path) -> None:
    env = _env(dirs, "C.UTF-8")
    bad_env = {**env, "ARAMA_CACHE_DIR": "/dev/null/arama"}
    done = subprocess.run(
        [str(ARAMA), "index"], cwd=dirs.workspace, env=bad_env, capture_output=True, check=False
    )
    assert done.returncode == 3 and len(done.stderr.splitlines()) == 1, done.stderr
    assert b"/dev/null/arama" in done.stderr and b"--cache-dir" in done.stderr
    env_bytes = {k.encode(): v.encode() for k, v in env.items()}
    env_bytes[b"ARAMA_CACHE_DIR"] = bytes(tmp_path) + b"/\xff\xfe"
    done = subprocess.run(
        [bytes(ARAMA), b"status"],
        cwd=dirs.workspace,
        env=env_bytes,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 3 and len(done.stderr.splitlines()) == 1, done.stderr
    assert b"ARAMA_CACHE_DIR" in done.stderr and b"\\xff\\xfe" in done.stderr


# -- signals at random moments ------------------------------------------------------------------


def _catches(pid: int, signum: int) -> bool:
    """Whether the process has a handler for `signum` now (the kernel's SigCgt mask)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # it has ended
        return True
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signum - 1) & 1)


def _fresh_workspace(dirs: Dirs) -> Path:
    """Files no cache has seen (a salt in every function): indexing them takes the model a
    while, so that a signal finds work under way."""
    salt = uuid.uuid4().hex[:8]
    root = dirs.base / f"fresh-{salt}"
    for n in range(120):
        (root / f"pkg{n % 6}").mkdir(parents=True, exist_ok=True)
        (root / f"pkg{n % 6}" / f"mod_{n}.py").write_text(
            f"def handle_{salt}_{n}(event, retries={n}):\n"
            f"    '''Handle event {n} of batch {salt}, retrying on failure.'''\n"
            f"    for attempt in range(retries):\n"
            f"        if event.ok(attempt, '{salt}'):\n"
            f"            return attempt * {n}\n"
            f"    return None\n"
        )
    return root


@settings(SETTINGS, max_examples=INTERRUPTIONS)
@given(
    command=st.sampled_from(["index", "search", "status", "eval"]),
    signum=st.sampled_from([signal.SIGINT, signal.SIGTERM]),
    delay=st.floats(0.6, 5.0),
)
@example(command="index", signum=signal.SIGINT, delay=2.0)
def test_a_signal_at_any_moment_ends_with_one_line(
    dirs: Dirs, command: str, signum: signal.Signals, delay: float
) -> None:
    folder = _fresh_workspace(dirs) if command in ("index", "eval") else dirs.workspace
    argv = {
        "index": ["index", str(folder)],
        "search": ["search", "retry with backoff", "--path", str(folder)],
        "status": ["status", str(folder)],
        "eval": ["eval", str(folder), "--sample", "20"],
    }[command]
    process = subprocess.Popen(
        [str(ARAMA), *argv],
        cwd=dirs.base,
        env=_env(dirs, "C.UTF-8"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(delay)
    signalled = process.poll() is None
    before_first_line = signalled and not _catches(process.pid, signum)
    if signalled:
        process.send_signal(signum)
    try:
        _out, err = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
    where = f"{argv} {signum!r} after {delay:.2f} s: exit {process.returncode}, stderr {err!r}"
    assert b"Traceback" not in err and b"terminate called" not in err, where
    if before_first_line and process.returncode == -signum:
        # Sent while Python itself was still starting (on a loaded machine that can take over
        # a second), before arama's first line could catch it: the default action, as for any
        # program, and nothing was written. Only SIGTERM can be told apart this way (Python
        # catches SIGINT from its own start), and only a signal not yet caught is excused.
        assert err == b"", where
    elif signalled and process.returncode in (130, 143):
        assert process.returncode == (130 if signum == signal.SIGINT else 143), where
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith(b"arama: "), where
    else:
        assert process.returncode in (0, 1), where  # it had finished before the signal
    assert not list((dirs.cache / "models").glob(".tmp-*")), where
    assert not list((dirs.cache / "models").glob(".*-onnx-*")), where
    look = _arama(dirs, [b"status", os.fsencode(folder)])
    assert look.returncode in (0, 1), look.stderr  # 1: stopped before the index existed
    assert json.loads(look.stdout)["state"] in ("ready", "incomplete", "notIndexed")
    if folder != dirs.workspace:
        shutil.rmtree(folder)
