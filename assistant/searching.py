"""Search as asked: a search box reads a query the way the chat reads a question. The filters its words name
("orals on graph neural networks", "Chelsea Finn"), the topic of a set question and the typos the listing's words
correct all shape what is searched; a query implying nothing is searched exactly as typed. The service's search
(CLI, app, /search API) and the evaluation's retrieval figures go through `search_as_asked`."""

from __future__ import annotations

from collections.abc import Mapping

from .answering import RetrieverLike, collection_info
from .extractive import terms
from .questions import analyse
from .spelling import retrieval_text
from .types import Filters, Hit, SearchMode
from .vocabulary import FRAME_WORDS, STOPWORDS, WORD


def search_as_asked(
    retriever: RetrieverLike, query: str, k: int, mode: SearchMode | None = None, filters: Filters | None = None
) -> list[Hit]:
    """A search that honours what its words imply, as a question would: "orals on graph neural networks" searches
    the orals for graph neural networks, "Chelsea Finn" or "papers by Chelsea Finn" lists her papers (listing
    order: a name ranks nothing; a name that is also a word of the papers, "Adam", lists its author's papers and
    then the query's results). The filters the user set stay and the implied ones refine them; an implied filter
    that no paper passes (a listing without decisions, a name that is not an author's) is not applied, so a query
    implying none is searched exactly as typed."""
    given = filters or Filters()
    info = collection_info(retriever)
    plan = analyse(query, info.authors, terms, base=given)
    asked = retrieval_text(query, plan.corrections, info.authors.words)  # typos read as the listing writes them
    text = plan.topic if plan.is_set_question() and plan.terms else asked
    passing = retriever.papers(plan.filters) if plan.filters != given else []
    if not passing:
        return retriever.search(text, k=k, mode=mode, filters=filters)
    if not plan.terms:
        named = [Hit(p, 0.0) for p in passing[:k]]
        if not written_as_words(query, info.authors.words):
            return named
        # "Adam", "Long": a name the papers also write as a word; its author's papers first, then the query as typed
        seen = {h.paper.id for h in named}
        typed = retriever.search(asked, k=k, mode=mode, filters=filters)
        return (named + [h for h in typed if h.paper.id not in seen])[:k]
    return retriever.search(text, k=k, mode=mode, filters=plan.filters)


def written_as_words(query: str, written: Mapping[str, int]) -> bool:
    """Whether the papers write every word of a query (stopwords and framing words aside) as a word: "Adam" yes,
    "Hartwig Adam" no (a full name means its author)."""
    said = [w.lower() for w in WORD.findall(query) if w.lower() not in STOPWORDS and w.lower() not in FRAME_WORDS]
    return bool(said) and all(written.get(w) for w in said)
