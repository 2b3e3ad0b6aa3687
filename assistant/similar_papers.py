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
from typing import Protocol

from .types import Filters, Hit, Paper

SIMILAR_PAPERS = 10  # papers an answer lists unless the question asks for a number ("5 papers like X")
FILTERED_DEPTH = 8  # with filters, this many times as many nearest papers are read before filtering
_SIMILAR = re.compile(
    r"\b(?:similar|related|closest|close|comparable|akin)\s+to\b"
    r"|\b(?:papers?|works?|ones|else|anything)\s+(?:is\s+)?like\b|\bmore\s+like\b|\bresembl\w*",
    re.IGNORECASE,
)


class Nearest(Protocol):
    def similar(self, paper_id: str, k: int = 8) -> list[Hit]: ...


def asks_similar(question: str) -> bool:
    """Whether the question asks for papers like another one ("similar to", "related to", "papers like")."""
    return bool(_SIMILAR.search(question))


def similar_hits(retriever: Nearest, named: Sequence[str], filters: Filters, wanted: int = 0) -> list[Hit]:
    """The papers closest to any of the named ones (each at its best similarity), the named ones left out, those
    passing the filters, best first: `wanted` of them (SIMILAR_PAPERS when 0)."""
    n = wanted or SIMILAR_PAPERS
    depth = n if filters.is_empty() else n * FILTERED_DEPTH
    best: dict[str, Hit] = {}
    for paper_id in named:
        for hit in retriever.similar(paper_id, k=depth + len(named)):
            kept = best.get(hit.paper.id)
            if hit.paper.id not in named and filters.matches(hit.paper) and (kept is None or hit.score > kept.score):
                best[hit.paper.id] = hit
    return sorted(best.values(), key=lambda h: -h.score)[:n]


def similar_scope(papers: Sequence[Paper]) -> str:
    """What a set answer of similar papers says they are: "closest in content to ‘Analytic-DPM: ...’"."""
    titles = " and ".join(f"\u2018{p.title}\u2019" for p in papers[:3])
    more = f" and {len(papers) - 3} more" if len(papers) > 3 else ""
    return f"closest in content to {titles}{more}"
