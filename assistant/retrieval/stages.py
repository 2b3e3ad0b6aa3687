"""The post-retrieval stage: how much of a fused ranking goes on to each use, decided in one place.

Every path that reads a ranking goes through it, inside the retriever (`Retriever.search` and
`Retriever.candidates` hand their fused ranking to `PostRetrieval.pass_on`): a search and the papers a summary of a
query covers (the k asked for), an explain answer (the best `top_n`), a list or count question (every candidate
above `set_floor`, up to `candidates`, for screening) and the evaluation, which searches through the service like
the faces. The depth of each kind of question is chosen here (`explain_hits`, `set_candidates`), not in the answer
chain. A reranker would go in `pass_on`: it sees the query and the ranking before the cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..settings import Settings
from ..types import Filters, Hit, Paper, SearchMode

FILTER_ONLY_LIMIT = 3  # a question that only filters ("what did X publish") lists up to this many times top_n
WIDEN_SHARE = 0.5  # a widened lay question keeps at most this share of `candidates` from its first pass
Ranking = list[tuple[str, float]]  # (paper id, fused score), best first
Widen = Callable[[Sequence[Hit]], Sequence[str]]  # first-pass candidates -> words for a second pass ([]: none)


class Ranker(Protocol):
    """The part of a retriever the stage chooses from (assistant.retrieval.hybrid.Retriever; a test double)."""

    def search(
        self, query: str, k: int | None = None, mode: SearchMode | None = None, filters: Filters | None = None
    ) -> list[Hit]:
        ...

    def papers(self, filters: Filters | None = None) -> list[Paper]:
        ...

    def candidates(
        self, query: str, filters: Filters | None = None, limit: int | None = None, floor: float | None = None
    ) -> list[Hit]:
        ...


@dataclass(frozen=True)
class PostRetrieval:
    """What a ranking passes on, by the settings `top_n`, `candidates` and `set_floor`."""

    settings: Settings

    @property
    def top_n(self) -> int:
        return self.settings.top_n

    def set_depth(self, limit: int | None = None) -> int:
        return limit or self.settings.candidates

    def set_floor(self, floor: float | None = None) -> float:
        return self.settings.set_floor if floor is None else floor

    def pass_on(self, query: str, ranking: Ranking, n: int, floor: float | None = None) -> Ranking:
        """The best n of a fused ranking (those scoring at least `floor` when one is given). `query` is for a
        reranker; without one the fused order stands."""
        kept = ranking if floor is None else [(pid, score) for pid, score in ranking if score >= floor]
        return kept[:n]

    def explain_hits(self, ranker: Ranker, query: str, filters: Filters | None, topical: bool) -> list[Hit]:
        """The papers an explain answer is given: the best top_n for the query; a question that names an author
        and no topic ("what did X publish?") has no ranking, so its first top_n x FILTER_ONLY_LIMIT papers."""
        filters = None if filters is None or filters.is_empty() else filters
        if filters is not None and filters.author and not topical:
            return [Hit(p, 0.0) for p in ranker.papers(filters)[: self.top_n * FILTER_ONLY_LIMIT]]
        return ranker.search(query, k=self.top_n, filters=filters)

    def set_candidates(
        self, ranker: Ranker, topic: str, filters: Filters | None, topical: bool, widen: Widen | None = None
    ) -> list[Hit]:
        """Every candidate of a set question ("which papers...?", "how many...?"): all papers that pass the filters
        when the question only filters, else every paper above the set floor, up to `candidates`. `widen` (the
        screening's feedback, `screening.lay_words`) gives the listing's own words for a question in lay words
        ("federated", "clients" for "training models on data that stays on users' devices"): then the question
        with them is searched again, and its candidates come first (their similarity is to the question in the
        listing's words, which the screening's meaning then reads), followed by up to WIDEN_SHARE x `candidates`
        of the first pass's that it missed. Dev set: lay candidate recall 0.73 -> 0.79, precision 0.33 -> 0.39."""
        filters = None if filters is None or filters.is_empty() else filters
        first = ranker.candidates(topic if topical else "", filters, self.set_depth(), self.set_floor())
        learnt = widen(first) if widen is not None and topical and first else []
        if not learnt:
            return first
        again = ranker.candidates(" ".join([topic, *learnt]), filters, self.set_depth(), self.set_floor())
        seen = {h.paper.id for h in again}
        return again + [h for h in first if h.paper.id not in seen][: int(WIDEN_SHARE * self.set_depth())]
