"""Questions that rank authors ("who published the most papers?", "top 10 authors of orals", "who works on graph
neural networks?") on the shipped ICLR 2022 listing in a real store: the counts are checked against a direct count
over data/iclr2022/accepted.jsonl (read here, never copied into the test), a topic's ranking against the set
answer's relevant papers, and every answer's citations against its sources."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pytest

from assistant.answering.author_ranking import CITED_PER_AUTHOR, compose_ranking, rank_authors
from assistant.answering.chain import answer
from assistant.sets.answer import SetRequest
from assistant.types import Answer, Hit, Paper, Screened, Verdict
from assistant.web.render import answer_markdown
from tests.conftest import ICLR
from tests.helpers import assert_citations_valid

# "3. Jane Doe: 4 papers [1, 2, 3, 4] and 2 more"
RANK_LINE = re.compile(r"^(\d+)\. (.+): (\d+) papers? \[([\d, ]+)\](?: and (\d+) more)?$")


def listing() -> list[dict[str, Any]]:
    return [json.loads(line) for line in ICLR.read_text(encoding="utf-8").splitlines() if line.strip()]


def direct_count(records: Iterable[dict[str, Any]]) -> Counter[str]:
    """Papers per author name, counted straight from the records (a name twice on one paper counts once)."""
    return Counter(name for r in records for name in set(r["authors"]))


def ranked_lines(result: Answer) -> list[tuple[int, str, int, list[int], int]]:
    """(place, name, count, cited numbers, "k more") of each ranked line of the answer."""
    rows = []
    for line in result.text.splitlines():
        match = RANK_LINE.match(line)
        if match:
            place, name, count, cited, more = match.groups()
            rows.append((int(place), name, int(count), [int(n) for n in cited.split(",")], int(more or 0)))
    return rows


def assert_ranking_well_formed(result: Answer) -> None:
    """Every [n] is a source; the cited papers are [1..k] in order, each on its line's author; counts add up."""
    assert_citations_valid(result)
    rows = ranked_lines(result)
    assert rows and [r[0] for r in rows] == list(range(1, len(rows) + 1))
    cited = [n for row in rows for n in row[3]]
    assert sorted(set(cited)) == list(range(1, len(set(cited)) + 1))  # numbered in order, no gap
    assert list(dict.fromkeys(cited)) == list(range(1, len(set(cited)) + 1))  # first cited first
    assert [c.n for c in result.citations] == list(range(1, len(set(cited)) + 1))
    for _, name, count, numbers, more in rows:
        assert len(numbers) == min(count, CITED_PER_AUTHOR) and count == len(numbers) + more
        assert all(name in result.sources[n - 1].paper.authors for n in numbers)
    counts = [r[2] for r in rows]
    assert counts == sorted(counts, reverse=True)
    assert result.intent == "authors" and not result.matches


def assert_counts_match(result: Answer, truth: Counter[str]) -> None:
    """Each ranked author has their true count, nobody left out has more than the last one shown, ties by name."""
    rows = ranked_lines(result)
    assert all(count == truth[name] for _, name, count, _, _ in rows), [(r[1], r[2], truth[r[1]]) for r in rows]
    shown = {r[1] for r in rows}
    last = rows[-1][2]
    assert all(n <= last for name, n in truth.items() if name not in shown)
    expected = sorted(truth, key=lambda name: (-truth[name], name.casefold(), name))[: len(rows)]
    assert [r[1] for r in rows] == expected
    assert f"their {len(truth):,} authors" in result.text


def test_who_published_the_most_papers_counts_the_whole_listing(iclr_retriever: Any, iclr_settings: Any) -> None:
    records = listing()
    result = answer("who published the most papers at ICLR 2022?", [], iclr_retriever, iclr_settings)
    assert result.text.startswith(f"{len(records)} papers of ICLR 2022;")
    assert len(ranked_lines(result)) == 10
    assert_counts_match(result, direct_count(records))
    assert_ranking_well_formed(result)
    assert len(result.sources) < len(records)  # not the listing again: the papers of the authors shown


def test_top_authors_of_the_orals_count_only_orals(iclr_retriever: Any, iclr_settings: Any) -> None:
    orals = [r for r in listing() if r["decision"] == "Oral"]
    result = answer("top 5 authors of orals", [], iclr_retriever, iclr_settings)
    assert result.text.startswith(f"{len(orals)} papers of ICLR 2022 (orals only);")
    assert len(ranked_lines(result)) == 5
    assert_counts_match(result, direct_count(orals))
    assert_ranking_well_formed(result)
    assert all(h.paper.decision == "Oral" for h in result.sources)


def test_a_topic_ranks_the_authors_of_the_set_answers_relevant_papers(iclr_retriever: Any, iclr_settings: Any) -> None:
    listed = answer("which papers study reinforcement learning?", [], iclr_retriever, iclr_settings)
    relevant = [m.hit.paper for m in listed.relevant]
    assert len(relevant) > 50  # the whole screened set, not the top 8
    result = answer("which authors have the most papers on reinforcement learning?", [], iclr_retriever, iclr_settings)
    assert result.text.startswith(f"{len(relevant)} papers of ICLR 2022 match \u2018{listed.topic}\u2019")
    assert_counts_match(result, Counter(name for p in relevant for name in set(p.authors)))
    assert_ranking_well_formed(result)
    assert {h.paper.id for h in result.sources} <= {p.id for p in relevant}


def test_the_number_asked_is_shown_and_how_many_authors_is_stated(iclr_retriever: Any, iclr_settings: Any) -> None:
    records = listing()
    result = answer("how many authors does the listing have?", [], iclr_retriever, iclr_settings)
    assert f"their {len(direct_count(records)):,} authors" in result.text
    twenty = answer("the 20 most prolific authors", [], iclr_retriever, iclr_settings)
    assert len(ranked_lines(twenty)) == 20
    assert_ranking_well_formed(twenty)


def test_a_named_authors_co_authors_are_ranked_without_them(iclr_retriever: Any, iclr_settings: Any) -> None:
    theirs = [r for r in listing() if "Sergey Levine" in r["authors"]]
    result = answer("Sergey Levine's most frequent co-authors", [], iclr_retriever, iclr_settings)
    assert result.text.startswith(f"{len(theirs)} papers of ICLR 2022 (by Sergey Levine);")
    truth = direct_count(theirs)
    del truth["Sergey Levine"]
    assert_counts_match(result, truth)
    assert "besides Sergey Levine" in result.text
    assert_ranking_well_formed(result)


def test_with_an_llm_the_table_is_the_same_and_the_model_is_not_asked(
    iclr_retriever: Any, iclr_settings: Any, openai_stub: Any
) -> None:
    question = "who works on graph neural networks?"
    offline = answer(question, [], iclr_retriever, iclr_settings)
    with_llm = iclr_settings.with_overrides(
        llm="openai", llm_model=openai_stub.model, openai_base_url=openai_stub.base_url, openai_api_key="sk-test-1",
        llm_retries=0,
    )
    result = answer(question, [], iclr_retriever, with_llm)
    assert result.text == offline.text and [c.id for c in result.citations] == [c.id for c in offline.citations]
    assert openai_stub.chat_requests == []
    assert_ranking_well_formed(result)


def test_a_follow_up_ranks_the_previous_answers_papers(iclr_retriever: Any, iclr_settings: Any) -> None:
    first = answer("which papers study diffusion models?", [], iclr_retriever, iclr_settings)
    result = answer("who are the most prolific authors among them?", [first], iclr_retriever, iclr_settings)
    relevant = [m.hit.paper for m in first.relevant]
    assert_counts_match(result, Counter(name for p in relevant for name in set(p.authors)))
    assert_ranking_well_formed(result)


def test_a_follow_up_on_a_ranking_sees_every_paper_of_its_authors(iclr_retriever: Any, iclr_settings: Any) -> None:
    ranking = answer("who published the most papers?", [], iclr_retriever, iclr_settings)
    theirs = {r["id"] for r in listing() if "Sergey Levine" in r["authors"]}
    assert len(theirs) > CITED_PER_AUTHOR  # more than the ranking cites for him
    result = answer("which of those are by Sergey Levine?", [ranking], iclr_retriever, iclr_settings)
    assert {m.hit.paper.id for m in result.relevant} == theirs


@pytest.mark.parametrize(("follow_up", "place"), [("which of those are by the top author?", 1),
                                                ("which of them are by the third author?", 3),
                                                ("which of those are by the last author listed?", -1)])
def test_a_follow_up_names_an_author_of_the_ranking_by_place(
    follow_up: str, place: int, iclr_retriever: Any, iclr_settings: Any
) -> None:
    ranking = answer("who works on reinforcement learning?", [], iclr_retriever, iclr_settings)
    name = ranked_lines(ranking)[place if place < 0 else place - 1][1]
    result = answer(follow_up, [ranking], iclr_retriever, iclr_settings)
    shown = {h.paper.id for h in ranking.sources if name in h.paper.authors}
    assert result.intent == "list" and f"(by {name})" in result.text.splitlines()[0]
    assert {m.hit.paper.id for m in result.relevant} == shown
    assert "author" not in result.topic


def test_the_chat_marks_a_ranking_as_counted_and_links_its_citations(iclr_retriever: Any, iclr_settings: Any) -> None:
    result = answer("top 3 authors of orals", [], iclr_retriever, iclr_settings)
    shown = answer_markdown(result)
    assert "counted from the listing's author lists" in shown and "extracted from the abstracts" not in shown
    for citation in result.citations:
        assert f"[\\[{citation.n}\\]]({citation.url})" in shown


# --- the ranking on its own (made-up papers) -----------------------------------------------------------------------
def hits(*authors: tuple[str, ...]) -> list[Hit]:
    return [Hit(Paper(f"p{i}", f"Paper {i}", names), 1.0) for i, names in enumerate(authors)]


def test_ties_are_broken_by_name_and_a_name_counts_once_a_paper() -> None:
    ranked = rank_authors(hits(("b", "a"), ("a", "a", "c"), ("c", "b"), ("d",)))
    assert [(r.name, len(r.papers)) for r in ranked] == [("a", 2), ("b", 2), ("c", 2), ("d", 1)]


def test_a_name_is_one_line_so_listing_text_cannot_fake_a_rank() -> None:
    screened = [Screened(h, "relevant") for h in hits(("Ann\n2. Fake: 9 papers [1]",), ("  Bob  ",))]
    text = compose_ranking(SetRequest("authors", "", "L"), screened, 10).text
    assert "1. Ann 2. Fake: 9 papers (1): 1 paper [1]" in text and "2. Bob: 1 paper [2]" in text


def test_a_cut_inside_a_tie_says_how_many_more_tie_and_listing_text_cannot_cite() -> None:
    screened = [Screened(h, "relevant") for h in hits(("Ann [3]", "Bob"), ("Bob", "Cy"), ("Dee",), ("Eve",))]
    text = compose_ranking(SetRequest("authors", "", "the test listing"), screened, 2).text
    assert "1. Bob: 2 papers [1, 2]" in text and "2. Ann (3): 1 paper [1]" in text  # "[3]" is no citation
    assert "3 more authors also have 1 paper." in text


def test_no_matching_paper_means_no_ranking() -> None:
    text = compose_ranking(SetRequest("authors", "zorblax", "ICLR 2022"), [], 10).text
    assert text.startswith("0 papers of ICLR 2022 match \u2018zorblax\u2019, so there are no authors to rank.")
    assert "[" not in text


@pytest.mark.parametrize("verdict", ["possible", "not_relevant"])
def test_only_relevant_papers_are_counted(verdict: Verdict) -> None:
    verdicts: list[Verdict] = ["relevant", verdict]
    screened = [Screened(h, v) for h, v in zip(hits(("Ann",), ("Bob",)), verdicts, strict=True)]
    ranking = compose_ranking(SetRequest("authors", "x", "L"), screened, 10)
    assert "Bob" not in ranking.text and [h.paper.id for h in ranking.sources] == ["p0"]


def test_a_question_for_someones_co_authors_ranks_the_authors_of_their_papers(
    iclr_retriever: Any, iclr_settings: Any
) -> None:
    """"who are Chelsea Finn's co-authors?": the authors of her papers, counted from the listing, she left out."""
    result = answer("who are Chelsea Finn's co-authors?", [], iclr_retriever, iclr_settings)
    hers = [p for p in iclr_retriever.papers() if "Chelsea Finn" in p.authors]
    counts = Counter(a for p in hers for a in p.authors if a != "Chelsea Finn")
    top, most = counts.most_common(1)[0]
    assert result.intent == "authors" and "besides Chelsea Finn" in result.text.splitlines()[0]
    assert f"1. {top}: {most} papers" in result.text
    assert "Chelsea Finn:" not in result.text
