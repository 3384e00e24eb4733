"""The remote tier in the embedding loop: local misses asked of the team's cache, a share of its
answers checked against the local model, and new vectors pushed in `read-write` mode.

The order is ccache's: the local cache first (free), then the team's (one round trip per ~400
texts), then the model (seconds per batch). Remote hits are stored locally, so they cost the
network once. Counting: the local cache's `hits` are texts it had, its `misses` are texts that no
tier had (what the model embedded); the remote's own counters say what it served.

Trust: remote values pass the local checks (`usable_vector`) in `RemoteCache`; here
`verify_fraction` of the hits are re-embedded and compared. One mismatch and the whole batch is
embedded locally and the remote is not used again this session (a poisoned or buggy shared cache
must not silently bend results). What the remote served before the mismatch was only sampled, so
it is not trusted either: `take_distrusted` removes those vectors from the local cache (they
would otherwise be served as local hits, unverified, in every later session) and the caller
re-embeds the chunks that got them.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Sequence
from typing import NamedTuple

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


class Filled(NamedTuple):
    """`vectors` in the order asked (None: no tier had it); `from_remote` the positions the
    team's cache served (the caller remembers them in case the remote is distrusted later)."""

    vectors: list[Vectors | None]
    from_remote: list[int]


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
        # Remote vectors stored in the local cache this session, by model identity: purged
        # from it if the remote turns out to serve wrong vectors.
        self._served: dict[str, set[str]] = {}
        self._distrusted = False  # a mismatch the caller has not yet been told of

    def fill(
        self,
        model_id: str,
        digests: Sequence[str],
        texts: Sequence[str],
        found: list[Vectors | None],
        dim: int | None,
    ) -> Filled:
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
        from_remote = [i for i, v in enumerate(found) if v is None and filled[i] is not None]
        return Filled(filled, from_remote)

    def take_distrusted(self) -> bool:
        """True once after a verification mismatch, when the remote's earlier vectors have just
        been removed from the local cache: the caller must re-embed what got them."""
        if not self._distrusted:
            return False
        self._distrusted = False
        purged = 0
        for model_id, digests in self._served.items():
            purged += self._local.delete_many(model_id, sorted(digests))
        self._served.clear()
        log.warning("removed %d vectors of the distrusted team cache from the local cache", purged)
        return True

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
            self._served.setdefault(model_id, set()).update(got)
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
                self._distrusted = True
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
