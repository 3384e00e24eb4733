"""The remote tier in the embedding loop: local misses asked of the team's cache, a share of its
answers checked against the local model, and new vectors pushed in `read-write` mode.

The order is ccache's: the local cache first (free), then the team's (one round trip per ~400
texts), then the model (seconds per batch). Remote hits are stored locally, so they cost the
network once. Counting: the local cache's `hits` are texts it had, its `misses` are texts that no
tier had (what the model embedded); the remote's own counters say what it served.

Trust: remote values pass the local checks (`usable_vector`) in `RemoteCache`; here
`verify_fraction` of the hits are re-embedded and compared. One mismatch and the whole batch is
embedded locally and the remote is not used again this session (a poisoned or buggy shared cache
must not silently bend results).
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Sequence

import numpy as np

from arama.engine.embedding.cache import EmbeddingCache
from arama.engine.embedding.protocol import Vectors
from arama.engine.embedding.remote import RemoteCache, RemoteUnavailable

log = logging.getLogger(__name__)

# Largest difference allowed between a remote vector and the local model's for the same text.
# The same model on another CPU or backend (ONNX vs torch) differs by ~1e-6; another text's
# vector, or a tampered one, differs by far more than this.
VERIFY_TOLERANCE = 1e-3

Embed = Callable[[Sequence[str]], Vectors]


class TeamCache:
    """Fills local misses from the remote and pushes new vectors there (read-write mode)."""

    def __init__(
        self, local: EmbeddingCache, remote: RemoteCache, embed: Embed, *, seed: int = 0
    ) -> None:
        self._local = local
        self.remote = remote
        self._embed = embed
        self._random = random.Random(seed)
        self._verify_owed = 0.0  # fractional verifications carried to the next batch
        self.verified = 0

    def fill(
        self,
        model_id: str,
        digests: Sequence[str],
        texts: Sequence[str],
        found: list[Vectors | None],
        dim: int | None,
    ) -> list[Vectors | None]:
        """`found` (the local answers, in `digests` order) with its gaps filled from the remote
        where it can; counts the local cache's hits and misses."""
        local_hits = [i for i, v in enumerate(found) if v is not None]
        if local_hits and self.remote.config.writes:
            self.push(model_id, [digests[i] for i in local_hits], _stack(found, local_hits))
        filled = list(found)
        wanted: dict[str, list[int]] = {}  # digest -> positions needing it
        for i, vector in enumerate(found):
            if vector is None:
                wanted.setdefault(digests[i], []).append(i)
        if wanted:
            self._fill_from_remote(model_id, wanted, texts, filled, dim)
        self._local.count(len(local_hits), sum(v is None for v in filled))
        return filled

    def _fill_from_remote(
        self,
        model_id: str,
        wanted: dict[str, list[int]],
        texts: Sequence[str],
        filled: list[Vectors | None],
        dim: int | None,
    ) -> None:
        """Ask the remote for each wanted digest once; store its hits locally and in `filled`."""
        firsts = [positions[0] for positions in wanted.values()]
        remote = self._lookup(model_id, list(wanted), [texts[i] for i in firsts], dim)
        got = [digest for digest, v in zip(wanted, remote, strict=True) if v is not None]
        if got:
            self._local.put_many(model_id, got, np.vstack([v for v in remote if v is not None]))
        for positions, vector in zip(wanted.values(), remote, strict=True):
            for i in positions:
                filled[i] = vector

    def _lookup(
        self, model_id: str, digests: list[str], texts: list[str], dim: int | None
    ) -> list[Vectors | None]:
        try:
            remote = self.remote.get_many(model_id, digests, dim)
        except RemoteUnavailable:
            return [None] * len(digests)
        if not self._trusted(remote, texts):
            return [None] * len(digests)
        return remote

    def _trusted(self, remote: list[Vectors | None], texts: list[str]) -> bool:
        """Re-embed `verify_fraction` of the hits (at least the owed whole number) and compare."""
        hits = [i for i, v in enumerate(remote) if v is not None]
        fraction = self.remote.config.verify_fraction
        if not hits or fraction <= 0:
            return True
        self._verify_owed += len(hits) * fraction
        count = min(len(hits), math.floor(self._verify_owed + 1e-9))
        if count == 0:
            return True
        self._verify_owed -= count
        chosen = sorted(self._random.sample(hits, count))
        local = self._embed([texts[i] for i in chosen])
        self.verified += count
        self.remote.count_verified(count)
        for row, i in enumerate(chosen):
            served = remote[i]
            assert served is not None
            difference = float(np.max(np.abs(local[row] - served)))
            if not difference <= VERIFY_TOLERANCE:
                self.remote.count_rejected(1)
                self.remote.distrust(
                    f"a remote vector differs from the local model's by {difference:.3g} "
                    f"(tolerance {VERIFY_TOLERANCE}): the shared cache is not trusted"
                )
                return False
        return True

    def push(self, model_id: str, digests: Sequence[str], vectors: Vectors) -> None:
        """New vectors to the team (read-write mode); a failure only costs the push."""
        if not self.remote.config.writes or not digests:
            return
        try:
            self.remote.put_many(model_id, digests, vectors)
        except RemoteUnavailable as exc:
            log.debug("remote push skipped: %s", exc)


def _stack(found: list[Vectors | None], positions: list[int]) -> Vectors:
    return np.vstack([v for i in positions if (v := found[i]) is not None])
