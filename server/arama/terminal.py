"""Where the command line meets the terminal: signals, closed pipes, undecodable bytes, usage
errors and exit statuses.

`run` wraps a command so that whatever happens, the user reads one line on stderr in their
language (the locale of the environment), never a traceback, and the shell gets a documented
exit status (README, "Exit statuses"):

    0    done                       2    bad usage: a flag, a value, a folder, undecodable text
    1    nothing found / to do      3    the cache directory cannot be used
    70   a bug (ARAMA_DEBUG=1 shows the traceback)
    130  interrupted (SIGINT)       141  the reader of the output went away (a closed pipe)
    143  terminated (SIGTERM)

The first SIGINT or SIGTERM raises `Interrupted` in the main thread, so the command's `finally`
clauses close the engine (the index keeps what was done, temporary files go); signals that
arrive while it cleans up are noted, not raised, and a third one ends the process at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import Any, NoReturn

from arama.messages import text

EXIT_OK = 0
EXIT_NOTHING = 1
EXIT_USAGE = 2
EXIT_CACHE = 3
EXIT_BUG = 70
EXIT_PIPE = 141
EXIT_FOR_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}


def locale_from_env() -> str | None:
    """The user's language as POSIX chooses it: LC_ALL, then LC_MESSAGES, then LANG."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return value
    return None


class Interrupted(BaseException):
    """SIGINT or SIGTERM, raised once in the main thread (not an Exception: no `except
    Exception` on the way may swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return EXIT_FOR_SIGNAL.get(signal.Signals(self.signum), 128 + self.signum)


class UsageError(Exception):
    """A bad flag, value or argument; `message` is ready for the user (localized)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CacheUnusable(Exception):
    """The cache directory cannot be created, written or read; `message` is localized."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Signals:
    """SIGINT/SIGTERM handling for one command run."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.raised = False
        self.later = 0
        self.deferring = 0
        self.early = False  # caught before the command's imports (`catch_signals_early`)

    def install(self) -> None:
        for signum in EXIT_FOR_SIGNAL:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
            self.raise_pending()
            return
        self.later += 1
        if self.later >= 2:  # the user insists: give up cleaning up
            _say(text("cli.abandoned", locale_from_env()))
            os._exit(EXIT_FOR_SIGNAL.get(signal.Signals(signum), 128 + signum))

    def raise_pending(self) -> None:
        if self.received is not None and not self.raised and not self.deferring:
            self.raised = True
            raise Interrupted(self.received)


_signals = _Signals()


def catch_signals_early(held: Sequence[int] = ()) -> None:
    """Hold SIGINT/SIGTERM from now on until `run` starts the command, which then stops as
    if the signal had come at that moment (arama/entry.py). `held`: signals the entry point
    caught before this module was imported, in order."""
    if held:
        _signals.received = held[0]
        _signals.later = len(held) - 1
    _signals.deferring += 1
    _signals.early = True
    _signals.install()


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Run a cleanup that must finish (closing the engine saves the vectors): a first signal
    that arrives meanwhile is raised when it is done."""
    _signals.deferring += 1
    try:
        yield
    finally:
        _signals.deferring -= 1
    _signals.raise_pending()


class Parser(argparse.ArgumentParser):
    """argparse, whose usage errors become one translated line (`UsageError`) instead of a
    usage block and exit 2 on the spot."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(translate_usage(message, locale_from_env()))


# argparse's own sentences (Python 3.11-3.13), in the order they must be tried.
_USAGE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), key)
    for pattern, key in (
        (r"the following arguments are required: (?P<names>.+)", "cli.required"),
        (r"unrecognized arguments: (?P<args>.+)", "cli.unrecognized"),
        (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", "cli.ambiguous"),
        (
            r"argument (?P<option>[^:]+): invalid choice: (?P<value>.+?) "
            r"\(choose from (?P<choices>.+)\)",
            "cli.choice",
        ),
        (r"argument (?P<option>[^:]+): invalid (?P<kind>\S+) value: (?P<value>.+)", "cli.value"),
        (r"argument (?P<option>[^:]+): expected one argument", "cli.expects_value"),
        (r"argument (?P<option>[^:]+): (?P<detail>.+)", "cli.argument"),
    )
)
_KINDS = {"int": "type.int", "float": "type.number"}


def translate_usage(message: str, locale: str | None) -> str:
    """argparse's English error -> one line in the user's language, ending with where to look."""
    for pattern, key in _USAGE_PATTERNS:
        found = pattern.fullmatch(message)
        if found is not None:
            values = found.groupdict()
            if "kind" in values:
                values["kind"] = text(_KINDS.get(values["kind"], "type.value"), locale)
            detail = text(key, locale, **values)
            break
    else:
        detail = text("cli.other", locale, detail=message)
    return text("cli.usage", locale, detail=" ".join(detail.split()))


def positive_int(value: str) -> int:
    """argparse type: an integer of at least 1 (the error in the user's language)."""
    return _bounded_int(value, 1)


def count(value: str) -> int:
    """argparse type: an integer of at least 0."""
    return _bounded_int(value, 0)


MAX_MINUTES = 24 * 60


def minutes(value: str) -> float:
    """argparse type: a time budget in minutes, more than 0 and at most a day."""
    try:
        number: float | None = float(value)
    except ValueError:
        number = None
    if number is None or not 0 < number <= MAX_MINUTES:
        raise argparse.ArgumentTypeError(
            text("cli.minutes", locale_from_env(), high=MAX_MINUTES, value=shown(value))
        )
    return number


MAX_THREADS = 1024


def thread_count(value: str) -> int:
    """argparse type: threads for the model, 1 to MAX_THREADS."""
    return _bounded_int(value, 1, MAX_THREADS)


def _bounded_int(value: str, low: int, high: int | None = None) -> int:
    try:
        number: int | None = int(value)
    except ValueError:
        number = None
    if number is None or number < low or (high is not None and number > high):
        locale = locale_from_env()
        raise argparse.ArgumentTypeError(
            text("cli.at_least", locale, low=low, value=shown(value))
            if high is None
            else text("cli.between", locale, low=low, high=high, value=shown(value))
        )
    return number


def shown(value: str) -> str:
    """A value as the user typed it, undecodable bytes written as \\xNN, quoted."""
    escaped = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return f"'{escaped}'"


def undecodable(value: str) -> bool:
    """Whether a command-line or environment string held bytes that are not UTF-8 (Python
    keeps them as lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_decodable(values: dict[str, Any]) -> None:
    """Refuse, naming the option, any argument that is not UTF-8 text: the index, the JSON
    output and SQLite all need text."""
    for option, value in values.items():
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, str) and undecodable(item):
                raise UsageError(
                    text(
                        "cli.usage",
                        locale_from_env(),
                        detail=text(
                            "cli.undecodable", locale_from_env(), option=option, value=shown(item)
                        ),
                    )
                )


def run(command: Callable[[], int]) -> NoReturn:
    """Run `command` and exit with its status, or with the status of what stopped it."""
    _tolerant_streams()
    _signals.install()
    try:
        status = _run(command)
    except SystemExit as exc:  # --help, --version; `serve` after the client's `exit`
        status = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        _silence_stdout()
        status = status or EXIT_PIPE
    sys.exit(status)


def _run(command: Callable[[], int]) -> int:
    try:
        if _signals.early:
            _signals.early = False
            _signals.deferring -= 1
            _signals.raise_pending()
        return command()
    except Interrupted as exc:
        key = "cli.interrupted" if exc.signum == signal.SIGINT else "cli.terminated"
        _say(text(key, locale_from_env()))
        return exc.exit_status
    except KeyboardInterrupt:  # before the handlers were installed
        _say(text("cli.interrupted", locale_from_env()))
        return EXIT_FOR_SIGNAL[signal.SIGINT]
    except UsageError as exc:
        _say(exc.message)
        return EXIT_USAGE
    except CacheUnusable as exc:
        _say(exc.message)
        return EXIT_CACHE
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE
    except Exception as exc:
        _say(text("cli.bug", locale_from_env(), error=describe(exc)))
        if os.environ.get("ARAMA_DEBUG"):
            traceback.print_exc()
        return EXIT_BUG


def describe(exc: BaseException) -> str:
    """`OSError: [Errno 28] No space left on device`, on one line."""
    detail = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _say(line: str) -> None:
    try:
        print(f"arama: {line}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr closed too: nobody to tell
        pass


def _tolerant_streams() -> None:
    """Text that the terminal's encoding cannot show is escaped, not fatal."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """The reader went away: point stdout at /dev/null so the interpreter's last flush does
    not fail again (Python's documented way out of a broken pipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
