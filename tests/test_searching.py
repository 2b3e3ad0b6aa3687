"""Search as asked (assistant/searching.py): a search reads the filters its words name, a set question's topic and
its typos, as the chat does; a query implying nothing is searched as typed. Over the keyword-matching test double of
~40 real ICLR 2022 papers (tests/retriever_double.py); the real store's case is in tests/test_retrieval.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.searching import search_as_asked
from assistant.spelling import retrieval_text
from assistant.types import Filters, Paper
from tests.retriever_double import KeywordRetriever, handful_of_iclr_papers


def test_a_search_naming_an_author_lists_that_authors_papers(handful_retriever) -> None:
    levine = [p.id for p in handful_retriever.papers(Filters(author="Sergey Levine"))]
    assert len(levine) >= 2
    for query in ("Sergey Levine", "papers by Sergey Levine", "what did Sergey Levine publish?"):
        assert [h.paper.id for h in search_as_asked(handful_retriever, query, k=50)] == levine, query


def test_a_search_naming_a_decision_searches_those_papers_for_its_topic(handful_retriever) -> None:
    orals = Filters(decision=("Oral",))
    asked = search_as_asked(handful_retriever, "which orals are about graph neural networks?", k=5)
    assert asked and all(h.paper.decision == "Oral" for h in asked)
    expected = handful_retriever.search("graph neural networks", k=5, filters=orals)
    assert [h.paper.id for h in asked] == [h.paper.id for h in expected]


def test_a_search_keeps_the_users_filters_and_refines_them(handful_retriever) -> None:
    given = Filters(author="Sergey Levine")
    asked = search_as_asked(handful_retriever, "posters on reinforcement learning", k=20, filters=given)
    assert asked and all(h.paper.decision == "Poster" and "Sergey Levine" in h.paper.authors for h in asked)


def test_a_search_implying_nothing_is_searched_as_typed(handful_retriever) -> None:
    for query in ("message passing on graphs", "diffusion"):
        assert search_as_asked(handful_retriever, query, k=5) == handful_retriever.search(query, k=5)


@pytest.mark.parametrize(("typo", "right"), [
    ("message pasing on grpahs", "message passing on graphs"),
    ("how do grpah networks pass mesages?", "how do graph networks pass messages?"),
])
def test_a_misspelt_search_is_searched_as_the_listing_writes_it(handful_retriever, typo: str, right: str) -> None:
    assert search_as_asked(handful_retriever, typo, k=5) == search_as_asked(handful_retriever, right, k=5)
    assert search_as_asked(handful_retriever, typo, k=5) != handful_retriever.search(typo, k=5)


def test_an_implied_filter_no_paper_passes_is_not_applied() -> None:
    """A listing without decisions (SciFact): "oral" is a word of the query, not a filter that empties it."""
    undecided = KeywordRetriever([replace(p, decision=None) for p in handful_of_iclr_papers()])
    query = "oral graph neural networks"
    assert undecided.search(query, k=5)
    assert search_as_asked(undecided, query, k=5) == undecided.search(query, k=5)


def test_retrieval_reads_a_typo_no_paper_writes_as_corrected_and_keeps_a_word_one_paper_writes() -> None:
    written = {"graph": 120, "tocopheryl": 1, "tocopherol": 30}
    corrections = (("grpah", "graph"), ("tocopheryl", "tocopherol"))
    text = retrieval_text("Grpah models of tocopheryl uptake", corrections, written)
    assert text == "graph models of tocopheryl uptake"
    assert retrieval_text("no typos here", (), written) == "no typos here"


def test_a_name_the_papers_also_write_as_a_word_lists_the_author_then_the_word() -> None:
    """"Adam" is Hartwig Adam and the optimizer: the author's papers first, then what the word finds; the full name
    means the author only."""
    papers = [*handful_of_iclr_papers(),
              Paper("author", "Mobile vision models", authors=("Hartwig Adam",), abstract="Efficient mobile vision."),
              Paper("word", "On the Adam optimizer", abstract="Adam adapts step sizes; we analyse Adam.")]
    retriever = KeywordRetriever(papers)
    assert [h.paper.id for h in search_as_asked(retriever, "Hartwig Adam", k=5)] == ["author"]
    assert [h.paper.id for h in search_as_asked(retriever, "Adam", k=5)][:2] == ["author", "word"]
