"""Search as asked: a search box reads a query the way the chat reads a question. The filters its words name
("orals on graph neural networks", "Chelsea Finn"), the topic of a set question and the typos the listing's words
correct all shape what is searched; a query implying nothing is searched exactly as typed. The service's search
(CLI, app, /search API) and the evaluation's retrieval figures go through `search_read` (`search_as_asked`), which
also says what the query was read as, in the words the chat uses (`QueryPlan.note`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..query.plan import QueryPlan, analyse
from ..query.spelling import retrieval_text
from ..sets.answer import describe_filters
from ..types import Filters, Hit, SearchMode
from ..words.terms import terms
from ..words.vocabulary import FRAME_WORDS, STOPWORDS, WORD
from .collection import RetrieverLike, collection_info


@dataclass(frozen=True)
class Searched:
    """A search's papers, best first, and what it read the query as (`QueryPlan.note`: an author's name read from
    a near miss, typos corrected, the glossary's term, the filters its words named), "" when searched as typed."""

    hits: list[Hit]
    reading: str = ""


def search_as_asked(
    retriever: RetrieverLike, query: str, k: int, mode: SearchMode | None = None, filters: Filters | None = None
) -> list[Hit]:
    """The papers of `search_read`, for callers that show no reading (the evaluation, LangChain's retriever)."""
    return search_read(retriever, query, k, mode, filters).hits


def search_read(
    retriever: RetrieverLike, query: str, k: int, mode: SearchMode | None = None, filters: Filters | None = None
) -> Searched:
    """A search that honours what its words imply, as a question would: "orals on graph neural networks" searches
    the orals for graph neural networks, "Chelsea Finn" or "papers by Chelsea Finn" lists her papers (listing
    order: a name ranks nothing; a name that is also a word of the papers, "Adam", lists its author's papers and
    then the query's results). The filters the user set stay and the implied ones refine them; an implied filter
    that no paper passes (a listing without decisions, a name that is not an author's) is not applied, so a query
    implying none is searched exactly as typed. A near-miss name about as close to several authors lists nothing
    (the reading names them), as the chat does."""
    given = filters or Filters()
    info = collection_info(retriever)
    plan = analyse(query, info.authors, terms, base=given)
    if any(len(names) > 1 for _, names in plan.names_read):
        return Searched([], plan.note())  # "Han Zhng": Han Zhang or Han Zhong; no guess
    asked = retrieval_text(query, plan.corrections, info.authors.words)  # typos read as the listing writes them
    # a set question searches by its topic, as the set answer does: in its own words where those read as a term
    text = retriever.lay_reading(asked, plan.topic)[0] if plan.is_set_question() and plan.terms else asked
    passing = retriever.papers(plan.filters) if plan.filters != given else []
    if not passing:
        return _searched(retriever, plan, retriever.search(text, k=k, mode=mode, filters=filters), text)
    scope = describe_filters(plan.filters, plan.coauthor)
    if not plan.terms:
        named = [Hit(p, 0.0) for p in passing[:k]]
        if not written_as_words(query, info.authors.words):
            return _searched(retriever, plan, named, "", scope)
        # "Adam", "Long": a name the papers also write as a word; its author's papers first, then the query as typed
        seen = {h.paper.id for h in named}
        typed = retriever.search(asked, k=k, mode=mode, filters=filters)
        return _searched(retriever, plan, (named + [h for h in typed if h.paper.id not in seen])[:k], asked, scope)
    return _searched(retriever, plan, retriever.search(text, k=k, mode=mode, filters=plan.filters), text, scope)


def _searched(retriever: RetrieverLike, plan: QueryPlan, hits: list[Hit], searched: str, scope: str = "") -> Searched:
    """The hits with the plan's reading, and the glossary's term when the search ran with it (`searched`: the text
    retrieval was given; its reading is the one the retriever used, remembered)."""
    found = retriever.reading(searched) if searched else None
    return Searched(hits, plan.note((found.said, found.term) if found is not None else None, scope))


def written_as_words(query: str, written: Mapping[str, int]) -> bool:
    """Whether the papers write every word of a query (stopwords and framing words aside) as a word: "Adam" yes,
    "Hartwig Adam" no (a full name means its author)."""
    said = [w.lower() for w in WORD.findall(query) if w.lower() not in STOPWORDS and w.lower() not in FRAME_WORDS]
    return bool(said) and all(written.get(w) for w in said)
