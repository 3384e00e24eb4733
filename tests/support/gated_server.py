"""`arama-ls` whose query encoding is held while a gate file exists.

Everything else is the real server (real model, real index); only the moment a query vector
becomes available is put in the test's hands, the way a model that is still loading or a busy
machine would delay it. That makes a search long-running on demand, so the search budget and
`$/cancelRequest` can be tested for what they do rather than for how fast this machine is.

    python gated_server.py GATE_FILE [arama-ls arguments...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    gate = Path(sys.argv[1])
    from arama.engine.search.searcher import Searcher
    from arama.lsp import server

    encode = Searcher.query_vector

    def held(self: Searcher, query: str) -> Any:
        while gate.exists():
            time.sleep(0.02)
        return encode(self, query)

    Searcher.query_vector = held  # type: ignore[method-assign]
    server.main(sys.argv[2:])


if __name__ == "__main__":
    main()
