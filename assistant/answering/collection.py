"""What the answer chain knows about a collection: the part of the retriever it uses (`RetrieverLike`), and the
listing's derived data (`CollectionInfo`: idf statistics, the author index, the titles, the screening's keys),
built once per live generation of the listing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from ..query.author_index import AuthorIndex
from ..query.titles import TitleIndex
from ..retrieval.glossary import Reading
from ..retrieval.stages import Ranker
from ..sets.answer import listing_name
from ..sets.listing_keys import ListingKeys
from ..types import Hit, Paper
from ..words.terms import CORPUS_STATS, CorpusStats

T = TypeVar("T")


class RetrieverLike(Ranker, Protocol):
    """The part of assistant.retrieval.hybrid.Retriever the chain uses (the stage's Ranker: search, papers, candidates;
    and these)."""

    def get(self, ids: Sequence[str]) -> list[Paper]:
        ...

    def paper_vectors(self, ids: Sequence[str]) -> dict[str, Any]:
        ...

    def derived(self, name: str, build: Callable[[list[Paper]], T]) -> T:
        ...

    def reading(self, query: str) -> Reading | None:
        ...

    def lay_reading(self, question: str, topic: str) -> tuple[str, Reading | None]:
        ...

    def similar(self, paper_id: str, k: int = 8) -> list[Hit]:
        ...


@dataclass
class CollectionInfo:
    stats: CorpusStats
    authors: AuthorIndex
    listing: str = ""  # how a set answer names the listing: "ICLR 2022"
    keys: ListingKeys | None = None  # its acronyms and words, for the screening (None: read from the candidates)
    titles: TitleIndex = field(default_factory=TitleIndex)


def collection_info(retriever: RetrieverLike) -> CollectionInfo:
    """Idf statistics, the author index and the screening's keys (acronyms, words by prefix) of the retriever's
    collection, built once per live generation of the listing (Retriever.derived): a re-ingest that changes authors
    under the same paper ids is seen at once. The acronyms are read once, by the author index (its `definitions`)."""
    collection = str(getattr(retriever, "collection", "current"))

    stats = retriever.derived(CORPUS_STATS, CorpusStats.build)  # shared with the glossary's reading (retrieval)

    def build(papers: list[Paper]) -> CollectionInfo:
        authors, titles = AuthorIndex.build(papers), TitleIndex.build(papers)
        keys = ListingKeys.build(authors.definitions, stats)
        return CollectionInfo(stats, authors, listing_name(papers, collection), keys, titles)

    return retriever.derived("answering.collection_info", build)
