"""Engine settings, shared by the server (initializationOptions) and the CLI (flags)."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from arama.engine.embedding.remote_config import RemoteCacheConfig

DEFAULT_MAX_FILE_SIZE = 1_048_576
TOMBSTONE_RETENTION_S = 7 * 24 * 3600
# Embedding backends (see engine/embedding/backends.py): torch is the reference; onnx runs the
# same model exported to ONNX (same vectors); onnx-int8 its int8-quantized variant (own cache
# identity).
BACKENDS = ("torch", "onnx", "onnx-int8")
# onnx: torch's vectors (max difference 2e-7, identical MRR@10) at ~9x faster start-up, 1.6-1.8x
# the indexing speed, ~320 MB less memory (benchmarks/backends.py). int8: -0.011 hybrid MRR@10.
DEFAULT_BACKEND = "onnx"


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/arama`, else `~/.cache/arama`; `ARAMA_CACHE_DIR` overrides both."""
    explicit = os.environ.get("ARAMA_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "arama"


@dataclass(frozen=True)
class Fusion:
    """How `hybrid` fuses its channels: weighted reciprocal-rank fusion, share = weight / (k +
    rank). Chosen by sweeping all three query sets (`benchmarks/quality.py --sweep`,
    `benchmarks/registry_quality.py --sweep`: hand-written queries, docstring queries, natural
    questions). On a grid of lexical .5/.75/1, symbol .25/.5, names 0/.25/.5/.75 (k 10), the
    best points were within 0.002 of each other on the mean MRR@10 of the three sets; this one
    costs the hand-written set least (0.675 -> 0.660 MRR@10, Recall@10 0.883 -> 0.904) for
    docstring MRR@10 0.615 -> 0.643 and natural-question Recall@10 0.767 -> 0.860. `names` is
    the channel of definition-name vectors (embedding/text.py `name_phrase`)."""

    dense: float = 1.0
    lexical: float = 0.75
    symbol: float = 0.25
    names: float = 0.25
    k: float = 10.0

    def weights(self) -> dict[str, float]:
        return {
            "dense": self.dense,
            "lexical": self.lexical,
            "symbol": self.symbol,
            "names": self.names,
        }


@dataclass(frozen=True)
class Priors:
    """Ranking rules on top of the channels (engine/search/priors.py), in every mode (in
    `semantic` they order the model's cosines: docstring MRR@10 0.368 -> 0.468, questions 0.323
    -> 0.436). Each was tried alone, then with the others,
    on the full-source-release quality sets (benchmarks/registry_quality.py --prior-sweep,
    quality.py --priors, exact_names.py), and kept only where it helped without hurting a
    language: docs/design.md, "Ranking priors", has every number. `off()` turns them all off.

    Kept: path penalties (hybrid docstring MRR@10 0.496 -> 0.568, questions 0.405 -> 0.493,
    quality.py 0.618 -> 0.661), the definition boost for name lookups (exact names first in
    lexical mode 74% -> 97%; quality.py 0.661 -> 0.675), the collapse of near-identical
    definitions (neutral on every set, questions R@10 +0.01; one result per forwarder family).
    Query-shape weights for identifier-shaped queries only (neutral on the registry sets,
    quality.py 0.675 -> 0.677; `ensure_ascii`, `maxBytes` find the code that uses them).
    Mentions at 0.25 (docstring 0.568 -> 0.579, questions 0.493 -> 0.503, quality.py 0.677 ->
    0.685; Go -0.003, at 0.35 and above Go lost more than noise). Top-level code at 0.6 (with
    chunking revision 2: docstring 0.580 -> 0.584, questions 0.542 -> 0.545, quality.py 0.685 ->
    0.697). Closures as their functions (questions 0.545 -> 0.551, quality.py 0.697 -> 0.718,
    docstring 0.584 -> 0.583: the documented closures a docstring query asks for by name).
    Not kept: shape weights for sentences (questions -0.026), file saturation (docstring -0.005,
    questions R@10 -0.02), pseudo-relevance feedback (docstring -0.002 to -0.013)."""

    # Weight the channels by the query's shape: an identifier leans on names and words.
    query_shape: bool = True
    # The chunk that defines a name the query looks up gains this much of the best score
    # (half as much again when its file is named after it); identifier-shaped queries only.
    definition_boost: float = 1.0
    # Tests, docs, examples, fixtures, vendored copies, generated code, data files, benchmarks,
    # type declarations and re-export modules rank below the implementation (unless the
    # `content` filter asks for them).
    path_penalty: bool = True
    # The third and later hits of one file are multiplied by this, once more per extra hit.
    file_saturation: float = 1.0
    # Identifiers of the best dense hits added to a second lexical query (pseudo-relevance
    # feedback), fused as its own channel with this weight.
    feedback: float = 0.0
    # Near-identical definitions (forwarders, copies) become one result with `similar: N`.
    collapse_similar: bool = True
    # A code file's chunks outside every definition (imports, constants, glue) are multiplied
    # by this, in languages whose definitions the chunker names.
    top_level: float = 0.6
    # Tests, docs and examples among the best dense and lexical hits vote for the code
    # definitions they name, fused as a channel of its own with this weight (hybrid only).
    mentions: float = 0.25
    # A function nested in a function (a decorator's wrapper, a local helper cut out of a long
    # function) is labelled and fused as a piece of the outermost function around it.
    closures_as_functions: bool = True

    @classmethod
    def off(cls) -> Priors:
        """The channels alone: how arama ranked before the priors."""
        return cls(
            query_shape=False,
            definition_boost=0.0,
            path_penalty=False,
            collapse_similar=False,
            mentions=0.0,
            top_level=1.0,
            closures_as_functions=False,
        )


ADAPTERS = ("kept", "candidate", "none")


@dataclass(frozen=True)
class EngineConfig:
    cache_dir: Path = field(default_factory=default_cache_dir)
    model: str | None = None  # None: the bundled all-MiniLM-L6-v2
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    threads: int | None = None
    # Texts per model call. 8 rather than 16: the same chunks/s on these CPUs (19.9 vs 20.0,
    # ONNX, noisy) and about 110 MB less peak memory (422 vs 532 MB for the embedder alone),
    # since a batch's attention activations grow with its size.
    embed_batch_size: int = 8
    tombstone_retention_s: float = TOMBSTONE_RETENTION_S
    # Load the model as soon as indexing is idle, so the first query is fast (the server wants
    # it; a one-shot `arama status` does not).
    preload_model: bool = True
    backend: str = DEFAULT_BACKEND  # one of BACKENDS
    # A search that runs longer answers with what it has (`partial: true`): the editor's
    # search-as-you-type must never hang behind a model that is still loading.
    search_budget_s: float = 2.0
    # Head each chunk with its file name and enclosing names before embedding
    # (embedding/text.py): MRR@10 on benchmarks/quality.py semantic 0.558 -> 0.614, hybrid
    # 0.633 -> 0.675.
    embed_context: bool = True
    fusion: Fusion = field(default_factory=Fusion)
    priors: Priors = field(default_factory=Priors)
    # Identical searches between two index changes are answered from memory. Benchmarks turn
    # this off to measure the work itself.
    use_result_cache: bool = True
    # Query vectors remembered (the editor searches as the user types; a query comes back).
    # 0 remembers none: benchmarks measure the query's encoding in every search.
    query_vector_memo: int = 256
    # Where per-folder indexes live, under the cache directory. `arama eval` keeps its own
    # (with documentation hidden) beside the user's, sharing the embedding cache.
    indexes: str = "workspaces"
    # A cache directory this process may not write (a read-only mount, another user's cache)
    # is served as it is: searches answer from the indexes there, nothing is indexed. None:
    # decided when the engine starts.
    read_only: bool | None = None
    # A team-shared embedding cache behind the local one (engine/embedding/remote.py).
    remote_cache: RemoteCacheConfig | None = None
    # Which query adapter searches use (engine/query_adapter.py): the one `arama tune` kept for
    # the folder, the candidate it is judging, or none (the model alone).
    adapter: str = "kept"  # one of ADAPTERS

    def workspace_dir(self, root: Path) -> Path:
        """Per-folder index files, keyed by the folder's absolute path (readable prefix + hash)."""
        digest = hashlib.sha256(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        readable = re.sub(r"[^\w.-]+", "_", root.name)[:40] or "root"
        return self.cache_dir / self.indexes / f"{readable}-{digest}"

    @property
    def embeddings_dir(self) -> Path:
        return self.cache_dir / "embeddings"

    @property
    def models_dir(self) -> Path:
        """Models made locally from the installed weights (the ONNX exports)."""
        return self.cache_dir / "models"

    def __post_init__(self) -> None:
        if self.adapter not in ADAPTERS:
            raise ValueError(f"unknown adapter {self.adapter!r}: expected one of {ADAPTERS}")
        if self.backend not in BACKENDS:
            raise ValueError(
                f"unknown embedding backend {self.backend!r}: expected one of {', '.join(BACKENDS)}"
            )
