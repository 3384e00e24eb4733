"""From what the channels found to the ranked list a page is cut from.

closures   a function nested in a function answers as (and fuses into) the outermost one
scores     one channel's own scores in `semantic` and `lexical` mode, weighted RRF in
           `hybrid` (weights shaped by the query when that prior is on)
filters    the request's filters and `minScore`
priors     definitions of written names up, tests/examples/copies and top-level code down
regions    one result per region (overlapping windows, pieces of one definition)
files      the third and later hits of one file damped
similar    near-identical definitions folded into one result, counted
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arama.engine.config import Fusion, Priors
from arama.engine.folders import FolderView
from arama.engine.records import ChunkRow
from arama.engine.search import closures, paths, priors
from arama.engine.search.fusion import Ranked, fold_overlaps, merge_ranked
from arama.engine.search.fusion import reciprocal_rank_fusion as fuse
from arama.engine.search.request import FilterMatcher, SearchRequest
from arama.engine.search.view import Key, rows_of

Candidate = priors.Candidate


@dataclass(frozen=True)
class Ranking:
    """How one search ranks: the fusion and the priors in force."""

    fusion: Fusion
    priors: Priors

    def weights(self, query: str) -> dict[str, float]:
        weights = (
            priors.shaped_weights(self.fusion, query)
            if self.priors.query_shape
            else self.fusion.weights()
        )
        weights["feedback"] = self.priors.feedback
        weights["mentions"] = self.priors.mentions
        return weights


def rank(
    request: SearchRequest,
    lists: dict[str, list[Ranked]],
    folders: Sequence[FolderView],
    ranking: Ranking,
    matcher: FilterMatcher | None,
    known: dict[Key, ChunkRow] | None = None,
) -> list[tuple[Candidate, int]]:
    """Every candidate in final order, each with its count of folded-in similar results
    (`known`: rows already read by this search)."""
    candidates = _scores(request, lists, folders, ranking, known)
    if matcher is not None:
        candidates = [c for c in candidates if matcher.accepts_row(c[1])]
    # Every mode: `semantic` is the model's ranking of the code, not of the tests and docs that
    # repeat its words (docstring MRR@10 0.368 -> 0.468, questions 0.323 -> 0.436 on the full
    # releases); `--no-priors` shows the model alone.
    candidates = _apply_priors(request, candidates, ranking.priors)
    if request.min_score is not None:
        candidates = [c for c in candidates if c[2] >= request.min_score]
    candidates = fold_overlaps(candidates)
    candidates = priors.saturate(candidates, ranking.priors.file_saturation)
    if ranking.priors.collapse_similar:
        return priors.collapse_similar(candidates)
    return [(c, 0) for c in candidates]


def _scores(
    request: SearchRequest,
    lists: dict[str, list[Ranked]],
    folders: Sequence[FolderView],
    ranking: Ranking,
    known: dict[Key, ChunkRow] | None,
) -> list[Candidate]:
    ranked = {name: merge_ranked(found) for name, found in lists.items() if found}
    rows = rows_of(folders, list({k for keys in ranked.values() for k in keys}), known)
    if ranking.priors.closures_as_functions and (
        priors.query_shape(request.query) is not priors.Shape.IDENTIFIER
    ):  # a name looked up gets the definitions as they are named
        named = set(priors.written_names(request.query))
        rows = closures.as_enclosing_functions(folders, rows, keep=named)
    scores: dict[Key, float]
    if request.mode == "hybrid":
        scores = fuse(ranked, ranking.fusion, rows=rows, weights=ranking.weights(request.query))
    else:
        channel = "dense" if request.mode == "semantic" else "lexical"
        scores = {}
        for name in (channel, "definitions"):
            for key, score in (item for found in lists.get(name, []) for item in found):
                scores.setdefault(key, score)
    order = sorted(scores, key=lambda k: scores[k], reverse=True)
    return [(k, rows[k], scores[k]) for k in order if k in rows]


def _apply_priors(
    request: SearchRequest, candidates: list[Candidate], rules: Priors
) -> list[Candidate]:
    strength = rules.definition_boost * priors.BOOST_BY_SHAPE[priors.query_shape(request.query)]
    if strength > 0:
        names = priors.written_names(request.query)
        candidates = priors.boost_definitions(candidates, names, strength)
    if rules.path_penalty:
        candidates = priors.penalize_paths(candidates, exempt_traits(request))
    candidates = priors.damp_top_level(candidates, rules.top_level)
    candidates.sort(key=lambda c: c[2], reverse=True)
    return candidates


def exempt_traits(request: SearchRequest) -> tuple[str, ...]:
    """Traits the `content` filter asked for: a search for tests does not rank tests down."""
    asked = set(request.filters.content)
    exempt: list[str] = []
    if paths.Content.TESTS.value in asked:
        exempt += [paths.TEST, paths.FIXTURE]
    if paths.Content.DOCS.value in asked:
        exempt += [paths.DOC]
    return tuple(exempt)
