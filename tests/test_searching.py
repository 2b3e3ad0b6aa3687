"""Search as asked (assistant/answering/searching.py): a search reads the filters its words name, a set question's topic
and its typos, as the chat does; a query implying nothing is searched as typed. Over the keyword-matching test double of
~40 real ICLR 2022 papers (tests/retriever_double.py); the real store's case is in tests/test_retrieval.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant import service
from assistant.answering.searching import search_as_asked, search_read
from assistant.query.spelling import retrieval_text
from assistant.types import Filters, Paper
from tests.retriever_double import KeywordRetriever, all_iclr_papers, handful_of_iclr_papers


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


# --- what a search says it read (Searched.reading: the chat's notice, QueryPlan.note) ---------------------------------
def test_a_search_says_the_typos_it_corrected(handful_retriever) -> None:
    found = search_read(handful_retriever, "message pasing on grpahs", k=5)
    assert found.hits == search_as_asked(handful_retriever, "message passing on graphs", k=5)
    assert found.reading == "Searched for \u2018message passing on graphs\u2019 (\u2018pasing\u2019 read as " \
        "\u2018passing\u2019, \u2018grpahs\u2019 read as \u2018graphs\u2019)."
    assert search_read(handful_retriever, "message passing on graphs", k=5).reading == ""  # as typed: nothing said


def test_a_search_says_the_name_it_read_and_the_filter_it_applied(handful_retriever) -> None:
    levine = [p.id for p in handful_retriever.papers(Filters(author="Sergey Levine"))]
    found = search_read(handful_retriever, "papers by Sergey Levin", k=50)
    assert [h.paper.id for h in found.hits] == levine
    assert found.reading == "Reading \u2018Sergey Levin\u2019 as Sergey Levine. Filtered: by Sergey Levine."
    orals = search_read(handful_retriever, "which orals are about graph neural networks?", k=5)
    assert orals.reading == "Filtered: orals only."
    given = search_read(handful_retriever, "graph neural networks", k=5, filters=Filters(decision=("Oral",)))
    assert given.reading == ""  # the user's own filters are theirs: only what the query's words implied is said


def test_a_search_for_a_name_equally_close_to_two_authors_lists_nothing_and_names_them() -> None:
    retriever = KeywordRetriever(all_iclr_papers())
    found = search_read(retriever, "papers by Han Zhng", k=10)
    assert found.hits == []
    assert found.reading.startswith("No author of the listing is named \u2018Han Zhng\u2019, and Han Zhang and Han "
                                    "Zhong are about as close")


def test_the_service_search_says_the_glossary_reading(iclr_settings) -> None:
    """The real store and glossary: a lay query is searched with the field's term, and the search says so."""
    found = service.search_with_reading("a big network teaching a little network", iclr_settings, k=5)
    assert found.reading == ("Searched with \u2018knowledge distillation\u2019 (read from: \u2018big network "
                             "teaching a little network\u2019).")
    assert [h.paper.id for h in found.hits] == [
        h.paper.id for h in service.search("a big network teaching a little network", iclr_settings, k=5)]
    assert any("distill" in (h.paper.abstract or "").lower() for h in found.hits)


@pytest.mark.slow
def test_a_set_question_in_everyday_words_is_searched_as_its_term(iclr_settings) -> None:
    """A search by the topic alone lost the description's verbs ("systems, products or movies to people") and read
    nothing; it now reads the question's own words for its topic, as the set answer does (Retriever.lay_reading)."""
    retriever = service.services(iclr_settings).retriever("iclr2022")
    found = search_read(retriever, "papers on systems that suggest products or movies to people", 8)
    assert "recommender systems" in found.reading
    assert any("Recommendation" in h.paper.title for h in found.hits[:3])
