"""How many authors a question wants its papers to have (assistant/query/author_counts.py): read as a filter, never as
topic words, and applied to the shipped ICLR 2022 listing's author lists."""

from __future__ import annotations

from typing import Any

import pytest

from assistant import service
from assistant.query.author_counts import authors_wanted
from assistant.query.plan import analyse
from assistant.types import Filters, Paper
from assistant.words.terms import terms
from tests.helpers import shipped_index, shipped_papers

MANY = 10**6


@pytest.mark.parametrize(("question", "bounds", "left"), [
    ("how many papers have more than 10 authors?", (11, MANY), "how many papers ?"),
    ("papers with at least 5 authors", (5, MANY), "papers"),
    ("papers with 10 or more authors", (10, MANY), "papers"),
    ("papers with 10 authors or more", (10, MANY), "papers"),
    ("papers with fewer than three authors", (1, 2), "papers"),
    ("papers with at most 3 authors", (1, 3), "papers"),
    ("papers with exactly 2 authors", (2, 2), "papers"),
    ("single-author papers on RL", (1, 1), "papers on RL"),
    ("solo-authored papers", (1, 1), "papers"),
    ("papers by Sergey Levine", None, "papers by Sergey Levine"),
    ("papers on authorship attribution", None, "papers on authorship attribution"),
])
def test_a_number_of_authors_is_read_as_bounds(question: str, bounds: tuple[int, int] | None, left: str) -> None:
    assert authors_wanted(question) == (bounds, left)


def test_the_plan_reads_it_as_a_filter_not_a_topic() -> None:
    """Before: "how many papers have more than 10 authors?" had the topic '10' and counted 58 papers saying
    "CIFAR-10"; "which papers have a single author?" had the topic 'single'."""
    plan = analyse("how many papers have more than 10 authors?", shipped_index(), terms)
    assert plan.filters.authors_between == (11, MANY) and plan.topic == "" and plan.intent == "count"
    one = Paper("x", "t", authors=("A B",))
    assert Filters(authors_between=(1, 1)).matches(one) and not Filters(authors_between=(2, MANY)).matches(one)


@pytest.mark.parametrize(("question", "low", "high"), [
    ("how many papers have more than 10 authors?", 11, MANY),
    ("which papers have a single author?", 1, 1),
])
def test_the_answer_counts_the_listings_papers_with_that_many_authors(
    iclr_settings: Any, question: str, low: int, high: int
) -> None:
    expected = {p.id for p in shipped_papers() if low <= len(p.authors) <= high}
    answer = service.ask(question, [], iclr_settings)
    assert answer.text.startswith(f"{len(expected)} papers of ICLR 2022 (with ")
    assert {m.hit.paper.id for m in answer.relevant} == expected
