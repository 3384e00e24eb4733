"""Training a workspace's query adapter (engine/query_adapter.py says why an adapter).

The loss is sentence-transformers' MultipleNegativesRankingLoss written out for a map that sits
in front of fixed answer vectors (each query should land nearest its own answer among the
batch's answers): ten lines of torch rather than the library's trainer, which would add
`datasets` and `accelerate` (and pyarrow) to every install for one matrix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from arama.engine.query_adapter import QueryAdapter, Vectors


@dataclass(frozen=True)
class TrainingReport:
    pairs: int
    trained_on: int
    checked_on: int
    epochs: int
    best_epoch: int
    check_loss_base: float
    check_loss_tuned: float
    seconds: float


# Training settings, chosen on attrs and httpx (never on the corpora the results are reported
# for; benchmarks/README.md "arama tune"). The pull towards the identity is what keeps the map
# from forgetting the model on a few hundred pairs.
SCALE = 20.0  # cosine -> logit, as sentence-transformers' MultipleNegativesRankingLoss
LEARNING_RATE = 1e-3
IDENTITY_PULL = 1.0
BATCH = 128
MAX_EPOCHS = 200
CHECK_FRACTION = 0.1  # of the training pairs, to stop before the map learns them by heart


def train_adapter(
    queries: Vectors,
    answers: Vectors,
    model_id: str,
    *,
    seconds: float,
    seed: int = 0,
    should_stop: Callable[[], bool] = lambda: False,
    on_epoch: Callable[[int, int], None] = lambda epoch, total: None,
) -> tuple[QueryAdapter, TrainingReport]:
    """Learn W, b so that each query lands nearest its own answer among the batch's answers
    (in-batch negatives), stopping at the epoch whose held-back check pairs rank best."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 384 x 384 map: more threads only wait for each other
    try:
        return _train(torch, queries, answers, model_id, seconds, seed, should_stop, on_epoch)
    finally:
        torch.set_num_threads(threads)


def _train(
    torch: Any,
    queries: Vectors,
    answers: Vectors,
    model_id: str,
    seconds: float,
    seed: int,
    should_stop: Callable[[], bool],
    on_epoch: Callable[[int, int], None],
) -> tuple[QueryAdapter, TrainingReport]:
    import torch.nn.functional as functional

    started = time.monotonic()
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    order = rng.permutation(len(queries))
    checked = max(1, int(len(order) * CHECK_FRACTION))
    check, train = order[:checked], order[checked:]
    q = torch.from_numpy(np.ascontiguousarray(queries, dtype=np.float32))
    a = torch.from_numpy(np.ascontiguousarray(answers, dtype=np.float32))
    dim = q.shape[1]
    identity = torch.eye(dim)
    weight = torch.nn.Parameter(identity.clone())
    bias = torch.nn.Parameter(torch.zeros(dim))
    optimizer = torch.optim.Adam([weight, bias], lr=LEARNING_RATE)

    def loss(rows: npt.NDArray[np.int64]) -> torch.Tensor:
        index = torch.from_numpy(rows)
        mapped = functional.normalize(q[index] @ weight.T + bias, dim=-1)
        logits = mapped @ a[index].T * SCALE
        return functional.cross_entropy(logits, torch.arange(len(rows)))

    with torch.no_grad():
        base = loss(check).item()
    best = (base, identity.clone(), torch.zeros(dim), -1)
    epoch = 0
    deadline = started + seconds
    while epoch < MAX_EPOCHS and time.monotonic() < deadline and not should_stop():
        shuffled = train[rng.permutation(len(train))]
        for start in range(0, len(shuffled), BATCH):
            rows = shuffled[start : start + BATCH]
            if len(rows) < 2:
                continue
            pull = ((weight - identity) ** 2).sum() / dim
            total = loss(rows) + IDENTITY_PULL * pull
            optimizer.zero_grad()
            total.backward()
            optimizer.step()
        with torch.no_grad():
            checked_loss = loss(check).item()
        if checked_loss < best[0]:
            best = (checked_loss, weight.detach().clone(), bias.detach().clone(), epoch)
        epoch += 1
        on_epoch(epoch, MAX_EPOCHS)
    adapter = QueryAdapter(best[1].numpy(), best[2].numpy(), model_id)
    report = TrainingReport(
        pairs=len(queries),
        trained_on=len(train),
        checked_on=checked,
        epochs=epoch,
        best_epoch=best[3],
        check_loss_base=round(base, 4),
        check_loss_tuned=round(best[0], 4),
        seconds=round(time.monotonic() - started, 2),
    )
    return adapter, report
