"""Why an evaluation cannot run, as a message key and its values (arama/messages.py), so the
CLI says it in the user's language; the exit status tells a script which kind it was."""

from __future__ import annotations

from typing import Any

from arama.messages import text


class EvalError(Exception):
    """Bad input (a queries file, a target): the command's arguments were wrong. Exit 2."""

    exit_status = 2

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(text(key, None, **values))
        self.key = key
        self.values = values

    def message(self, locale: str | None) -> str:
        return text(self.key, locale, **self.values)


class NothingToEvaluate(EvalError):
    """No query to ask: no documented function in the code, or an empty queries file. Exit 1."""

    exit_status = 1
