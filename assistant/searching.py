"""Search as asked: a search box reads a query the way the chat reads a question. The filters its words name
("orals on graph neural networks", "Chelsea Finn"), the topic of a set question and the typos the listing's words
correct all shape what is searched; a query implying nothing is searched exactly as typed. The service's search
(CLI, app, /search API) and the evaluation's retrieval figures go through `search_as_asked`."""

from __future__ import annotations

from .answering import RetrieverLike, collection_info
from .extractive import terms
from .questions import analyse
from .spelling import retrieval_text
from .types import Filters, Hit, SearchMode


def search_as_asked(
    retriever: RetrieverLike, query: str, k: int, mode: SearchMode | None = None, filters: Filters | None = None
) -> list[Hit]:
    """A search that honours what its words imply, as a question would: "orals on graph neural networks" searches
    the orals for graph neural networks, "Chelsea Finn" or "papers by Chelsea Finn" lists her papers (listing
    order: a name ranks nothing). The filters the user set stay and the implied ones refine them; an implied filter
    that no paper passes (a listing without decisions, a name that is not an author's) is not applied, so a query
    implying none is searched exactly as typed."""
    given = filters or Filters()
    info = collection_info(retriever)
    plan = analyse(query, info.authors, terms, base=given)
    asked = retrieval_text(query, plan.corrections, info.authors.words)  # typos read as the listing writes them
    text = plan.topic if plan.is_set_question() and plan.terms else asked
    if plan.filters == given or not retriever.papers(plan.filters):
        return retriever.search(text, k=k, mode=mode, filters=filters)
    if not plan.terms:
        return [Hit(p, 0.0) for p in retriever.papers(plan.filters)[:k]]
    return retriever.search(text, k=k, mode=mode, filters=plan.filters)
