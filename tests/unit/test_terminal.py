"""The command line's edges in-process (arama/terminal.py, arama/cli.py): usage errors as one
translated line with exit 2, undecodable arguments named, signals turned into exit 130/143 after
the clean-up ran. No model: every case ends before an engine is needed, or uses none."""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from arama import cli, terminal


@pytest.mark.parametrize(
    ("argv", "english", "turkish"),
    [
        ([], "missing: command.", "eksik: command."),
        (["frob"], "command: 'frob' is not one of", "command: 'frob' şunlardan biri değil"),
        (
            ["search", "x", "--limit", "0"],
            "--limit/-n: must be an integer of at least 1",
            "en az 1",
        ),
        (["search", "x", "--mode", "fuzzy"], "--mode: 'fuzzy' is not one of", "şunlardan biri"),
        (["status", "--bogus"], "unknown arguments: --bogus.", "bilinmeyen argümanlar: --bogus."),
        (["index", "--threads"], "--threads needs a value.", "--threads bir değer bekliyor."),
        (["index", "--threads", "5000"], "from 1 to 1024", "1 ile 1024 arasında"),
        (["eval", "--modes", "x"], "comma-separated list of hybrid", "virgülle ayrılmış"),
        (["search", "\udcff\udcfe"], "query: '\\xff\\xfe' is not valid UTF-8", "geçerli bir UTF-8"),
    ],
)
def test_usage_errors_are_one_translated_line(
    argv: list[str],
    english: str,
    turkish: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for locale, expected, hint in (
        ("en_US.UTF-8", english, "(arama --help shows the usage)"),
        ("tr_TR.UTF-8", turkish, "(kullanım için: arama --help)"),
    ):
        monkeypatch.setenv("LANG", locale)
        monkeypatch.delenv("LC_ALL", raising=False)
        monkeypatch.delenv("LC_MESSAGES", raising=False)
        with pytest.raises(SystemExit) as exited:
            cli.main(argv)
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("arama: "), err
        assert expected in err and hint in err, err


def test_an_unknown_argparse_sentence_is_kept_whole() -> None:
    assert terminal.translate_usage("something new", "en") == (
        "something new (arama --help shows the usage)"
    )
    assert terminal.translate_usage("something new", "tr").startswith("geçersiz kullanım: ")


def test_a_signal_waits_for_the_clean_up_then_exits_130_or_143(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for signum, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        monkeypatch.setattr(terminal, "_signals", terminal._Signals())  # a fresh run
        cleaned: list[str] = []

        def command(signum: int = signum, cleaned: list[str] = cleaned) -> int:
            try:
                threading.Timer(0.05, os.kill, (os.getpid(), signum)).start()
                threading.Event().wait(5)
                return 0
            finally:
                with terminal.uninterrupted():
                    os.kill(os.getpid(), signum)  # a second signal during the clean-up waits
                    cleaned.append("closed")

        with pytest.raises(SystemExit) as exited:
            terminal.run(command)
        assert exited.value.code == status
        assert cleaned == ["closed"]
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and err[0].startswith("arama: ")
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def test_a_signal_during_the_imports_is_held_until_the_command_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """arama/entry.py catches signals before the commands' imports: one that comes then stops
    the command as it starts, with the one line and 130/143, not a death by signal. It comes
    either after `terminal` is imported, or before, to the entry point's first handler (only
    `signal` imported), which hands it over."""
    for signum, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        for before_terminal in (False, True):
            monkeypatch.setattr(terminal, "_signals", terminal._Signals())
            if before_terminal:
                terminal.catch_signals_early([signum])
            else:
                terminal.catch_signals_early()
                os.kill(os.getpid(), signum)  # "during the imports": nothing is raised yet
            ran: list[str] = []
            with pytest.raises(SystemExit) as exited:
                terminal.run(lambda ran=ran: ran.append("command") or 0)
            assert exited.value.code == status and ran == []
            err = capsys.readouterr().err.splitlines()
            assert len(err) == 1 and err[0].startswith("arama: ")
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def test_the_arama_script_catches_signals_before_it_imports_the_commands() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert 'arama = "arama.entry:main"' in pyproject
    probe = (
        "import sys, signal, arama.entry, arama.terminal as t\n"
        "assert 'arama.cli' not in sys.modules and 'numpy' not in sys.modules\n"
        "t.catch_signals_early()\n"
        "assert signal.getsignal(signal.SIGINT) == t._signals._handle\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_bug_is_one_line_and_exit_70(capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> int:
        raise ZeroDivisionError("division by zero")

    with pytest.raises(SystemExit) as exited:
        terminal.run(broken)
    assert exited.value.code == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ZeroDivisionError: division by zero" in err
    assert "Traceback" not in err
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def test_a_relative_cache_directory_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-time model export runs in another working directory: a relative `--cache-dir c1`
    (or ARAMA_CACHE_DIR=c1) put the exported model in `c1/models/c1/models/`."""
    monkeypatch.chdir(tmp_path)
    assert cli._cache_dir(argparse.Namespace(cache_dir="c1")) == tmp_path / "c1"
    monkeypatch.setenv("ARAMA_CACHE_DIR", "c2")
    assert cli._cache_dir(argparse.Namespace(cache_dir=None)) == tmp_path / "c2"


def test_search_no_update_embeds_the_query_with_torch_until_the_model_is_exported(
    tmp_path: Path,
) -> None:
    """`search --no-update` writes nothing, a model neither: beside a server still making the
    one-time ONNX export, the soak saw the CLI start a second export of its own (minutes)."""
    from arama.engine.config import EngineConfig
    from arama.engine.embedding.onnx_embedder import INFO_FILE, OnnxEmbedder

    config = EngineConfig(cache_dir=tmp_path)
    chosen = cli._as_it_is(config)
    assert chosen.read_only and chosen.backend == "torch"
    export = OnnxEmbedder(None, models_dir=config.models_dir).directory
    export.mkdir(parents=True)
    (export / INFO_FILE).write_text("{}")
    assert cli._as_it_is(config).backend == "onnx"  # once exported: ONNX, as everywhere
    int8 = dataclasses.replace(config, backend="onnx-int8")  # its own vectors: never torch's
    assert cli._as_it_is(int8).backend == "onnx-int8"
