"""Questions for the papers closest to a paper the question names: "papers similar to Analytic-DPM", "what else is
like FedChain?", "find work related to 'Graph Condensation for Graph Neural Networks'".

Such a question names a paper, not a topic: searching its words ("similar to Analytic-DPM") finds papers that share
a word with the title. Its answer is a set answer of the papers nearest to the named one in the store's vectors
(Retriever.similar: the mean of each paper's chunk embeddings), filtered as the question says ("orals similar to
X"), best first, so that a follow-up ("which of those are orals?") works on them as on any set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..types import Filters, Hit, Paper

SIMILAR_PAPERS = 10  # papers an answer lists unless the question asks for a number ("5 papers like X")
_SIMILAR = re.compile(
    r"\b(?:similar|related|closest|close|comparable|akin)\s+to\b"
    r"|\b(?:papers?|works?|ones|else|anything)\s+(?:is\s+)?like\b|\bmore\s+like\b|\bresembl\w*",
    re.IGNORECASE,
)


class Nearest(Protocol):
    """The retriever's part this module uses."""

    def similar(self, paper_id: str, k: int = 8) -> list[Hit]: ...

    def papers(self, filters: Filters | None = None) -> list[Paper]: ...

    def paper_vectors(self, ids: Sequence[str]) -> dict[str, Any]: ...


def asks_similar(question: str) -> bool:
    """Whether the question asks for papers like another one ("similar to", "related to", "papers like")."""
    return bool(_SIMILAR.search(question))


def similar_hits(retriever: Nearest, named: Sequence[str], filters: Filters, wanted: int = 0) -> list[Hit]:
    """The papers closest to any of the named ones (each at its best similarity), the named ones left out, those
    passing the filters, best first: `wanted` of them (SIMILAR_PAPERS when 0). With filters ("orals like X"), every
    paper that passes them is compared (the store's nearest papers hold few orals)."""
    n = wanted or SIMILAR_PAPERS
    if not filters.is_empty():
        return _closest_among(retriever, named, [p for p in retriever.papers(filters) if p.id not in named], n)
    best: dict[str, Hit] = {}
    for paper_id in named:
        for hit in retriever.similar(paper_id, k=n + len(named)):
            kept = best.get(hit.paper.id)
            if hit.paper.id not in named and (kept is None or hit.score > kept.score):
                best[hit.paper.id] = hit
    return sorted(best.values(), key=lambda h: -h.score)[:n]


def _closest_among(retriever: Nearest, named: Sequence[str], pool: Sequence[Paper], n: int) -> list[Hit]:
    """The n papers of `pool` closest (cosine of the papers' vectors) to any of the named ones."""
    vectors = retriever.paper_vectors([*named, *(p.id for p in pool)])
    anchors = [_unit(vectors[i]) for i in named if i in vectors]
    if not anchors:
        return []
    scored = []
    for paper in pool:
        if paper.id in vectors:
            score = max(float(anchor @ _unit(vectors[paper.id])) for anchor in anchors)
            scored.append(Hit(paper, score, dense_score=score))
    return sorted(scored, key=lambda h: -h.score)[:n]


def _unit(vector: Any) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else array


def similar_scope(papers: Sequence[Paper]) -> str:
    """What a set answer of similar papers says they are: "closest in content to ‘Analytic-DPM: ...’"."""
    titles = " and ".join(f"\u2018{p.title}\u2019" for p in papers[:3])
    more = f" and {len(papers) - 3} more" if len(papers) > 3 else ""
    return f"closest in content to {titles}{more}"
