"""A test double of the retriever for the answering-layer unit tests: keyword matching over a handful of real
ICLR 2022 papers (read from the shipped listing). Only retrieval is doubled; chain, prompts, LLM and HTTP are real.
The end-to-end tests use the real store instead (see the `iclr_retriever` fixture)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from assistant.types import OPENREVIEW_FORUM, Filters, Hit, Paper, SearchMode
from assistant.words.terms import CorpusStats, paper_text, terms

ROOT = Path(__file__).resolve().parent.parent
LISTINGS = (
    ROOT / "data" / "iclr2022" / "accepted.jsonl",
    ROOT.parent / "shared" / "data" / "iclr2022" / "accepted.jsonl",
)
# Real papers the tests talk about, plus neighbours so retrieval has something to rank.
TITLE_WORDS = ("over-squashing", "diffusion", "score-based", "graph neural", "message passing", "transformer")
AUTHORS = ("Sergey Levine", "Michael Bronstein")
PER_WORD = 6
T = TypeVar("T")


def listing_path() -> Path:
    for path in LISTINGS:
        if path.is_file():
            return path
    raise FileNotFoundError(f"the ICLR 2022 listing is in none of {[str(p) for p in LISTINGS]}")


def paper_from_record(record: dict[str, object]) -> Paper:
    pid = str(record["id"])
    return Paper(
        id=pid,
        title=str(record["title"]),
        authors=tuple(record.get("authors") or ()),  # type: ignore[arg-type]
        abstract=record.get("abstract"),  # type: ignore[arg-type]
        venue="ICLR",
        year=2022,
        decision=record.get("decision"),  # type: ignore[arg-type]
        keywords=tuple(record.get("keywords") or ()),  # type: ignore[arg-type]
        url=OPENREVIEW_FORUM + pid,
    )


def all_iclr_papers() -> list[Paper]:
    with listing_path().open(encoding="utf-8") as f:
        return [paper_from_record(json.loads(line)) for line in f if line.strip()]


def handful_of_iclr_papers() -> list[Paper]:
    """About 40 real papers: those whose titles carry the test topics, some by known authors, the first ten."""
    papers = all_iclr_papers()
    chosen: dict[str, Paper] = {p.id: p for p in papers[:10]}
    for word in TITLE_WORDS:
        for p in [p for p in papers if word in p.title.lower()][:PER_WORD]:
            chosen.setdefault(p.id, p)
    for author in AUTHORS:
        for p in [p for p in papers if author in p.authors][:PER_WORD]:
            chosen.setdefault(p.id, p)
    return list(chosen.values())


class KeywordRetriever:
    """search/similar/papers/get like assistant.retrieval.hybrid.Retriever, by idf-weighted keyword overlap."""

    def __init__(self, papers: Iterable[Paper]) -> None:
        self._papers = {p.id: p for p in papers}
        self._terms = {pid: set(terms(paper_text(p))) for pid, p in self._papers.items()}
        self._stats = CorpusStats.build(self._papers.values())
        self._derived: dict[str, Any] = {}  # like Retriever.derived: built once per set of papers (add() resets it)
        self.searches: list[tuple[str, Filters | None]] = []

    def add(self, paper: Paper) -> None:
        self.__init__([*self._papers.values(), paper])  # type: ignore[misc]

    def search(
        self, query: str, k: int | None = None, mode: SearchMode | None = None, filters: Filters | None = None
    ) -> list[Hit]:
        self.searches.append((query, filters))
        k = k or 8
        wanted = set(terms(query))
        scored = []
        for pid, paper in self._papers.items():
            if filters is not None and not filters.matches(paper):
                continue
            score = sum(self._stats.idf(t) for t in wanted & self._terms[pid])
            if score > 0:
                scored.append(Hit(paper, score, passage=(paper.abstract or "")[:300], bm25_score=score))
        return sorted(scored, key=lambda h: (-h.score, h.paper.id))[:k]

    def candidates(
        self, query: str, filters: Filters | None = None, limit: int | None = None, floor: float | None = None
    ) -> list[Hit]:
        """Like Retriever.candidates: the keyword matches above a floor (half the best score; there is no dense side
        here), or every paper that passes the filters for a blank query."""
        if not query.strip():
            return [Hit(p, 0.0) for p in self.papers(filters)]
        found = self.search(query, k=limit or len(self._papers), filters=filters)
        return [h for h in found if h.score >= 0.5 * found[0].score] if found else []

    def reading(self, query: str) -> None:
        """No glossary here: every question is searched in its own words."""
        return None

    def lay_reading(self, question: str, topic: str) -> tuple[str, None]:
        return topic, None

    def derived(self, name: str, build: Callable[[list[Paper]], T]) -> T:
        if name not in self._derived:
            self._derived[name] = build(list(self._papers.values()))
        return self._derived[name]

    def paper_vectors(self, ids: Sequence[str]) -> dict[str, Any]:
        return {}  # no embeddings here: grouping falls back to term vectors

    def similar(self, paper_id: str, k: int = 8) -> list[Hit]:
        paper = self._papers.get(paper_id)
        if paper is None:
            return []
        return [h for h in self.search(paper.title, k + 1) if h.paper.id != paper_id][:k]

    def papers(self, filters: Filters | None = None) -> list[Paper]:
        return [p for p in self._papers.values() if filters is None or filters.matches(p)]

    def get(self, ids: Sequence[str]) -> list[Paper]:
        return [self._papers[i] for i in ids if i in self._papers]
