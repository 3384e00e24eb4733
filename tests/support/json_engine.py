"""The engine answering `search` and `status` in the command contract's JSON (`arama.contract`),
as clients see them. In-process tests written against that shape use it, so they check the
shape as well as the engine."""

from __future__ import annotations

from typing import Any

from arama import contract
from arama.engine.engine import Engine


class JsonEngine(Engine):
    def search(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return contract.search_json(super().search(*args, **kwargs))

    def status(self) -> Any:  # type: ignore[override]
        return contract.status_json(super().status())
