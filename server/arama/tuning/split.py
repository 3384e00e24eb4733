"""Which documented functions train and which judge: a fixed, seedless split by name.

The split is by function, not by file: repositories that keep most of their code in one file
(lodash's `lodash.js` holds 550 of its 588 documented functions) would otherwise train on almost
nothing or judge on almost nothing. A function is judged if the hash of its path and qualified
name falls in the held-out fraction, so the same function is on the same side in every run, in
`arama tune` and in `arama eval --held-out` alike, and a re-run after an edit does not move
the rest of the repository across the line (a model must never be judged on what it trained on).
"""

from __future__ import annotations

import hashlib

HELD_OUT_FRACTION = 0.2


def is_held_out(path: str, name: str, container: str | None) -> bool:
    qualified = f"{container}.{name}" if container else name
    digest = hashlib.sha256(f"{path}\0{qualified}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < HELD_OUT_FRACTION
