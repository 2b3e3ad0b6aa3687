"""overview.py: the chat's overview of a whole listing from its topic map; and "summarize the papers on X"."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant import service
from assistant.analysis.topicmap import MapCluster, MapPoint, TopicMap
from assistant.answering.overview import EXAMPLES, asks_overview, overview_answer, themes
from assistant.query.plan import analyse
from assistant.types import Filters, Paper
from assistant.words.terms import terms

from .helpers import shipped_index


@pytest.mark.parametrize(("question", "overview"), [
    ("what are the main topics of ICLR 2022?", True),
    ("give me an overview of the listing", True),
    ("what is this conference about?", True),
    ("what themes do the orals cover?", True),
    ("summarize the listing", True),
    ("summarize the orals", False),  # a summary of those papers (summarize.py)
    ("summarize ICLR 2022", True),
    ("Summarize file:///tmp/x.txt for me", False),  # nothing of the listing named
    ("what are the main topics of the papers on diffusion?", False),
    ("what are the common topics in reinforcement learning papers?", False),
    ("which papers study diffusion models?", False),
    ("what did Sergey Levine publish?", False),
    ("hello", False),
    # words that only frame an overview are no topic (before: "common", "hottest", "frequent" were searched for)
    ("what is the most common topic among orals?", True),
    ("what are the hottest topics at ICLR 2022?", True),
    ("which topics are most frequent among spotlights?", True),
    ("what kinds of topics do the orals cover?", True),
    ("what are the most popular research areas this year?", True),
    ("what are the trends in ICLR 2022?", True),
    ("what do most papers study?", True),
    ("which papers study topic modeling?", False),
    ("papers on trend filtering", False),
    ("which papers study the most common failure modes of GNNs?", False),
])
def test_asks_overview(question: str, overview: bool) -> None:
    plan = analyse(question, shipped_index(), terms)  # the topic and filters the chain passes
    summarize = plan.intent == "summarize"
    assert asks_overview(question, plan.terms, not plan.filters.is_empty(), summarize) is overview


def small_map() -> tuple[TopicMap, dict[str, Paper]]:
    papers = {f"p{i}": Paper(f"p{i}", f"Paper [{i}] title", (), decision="Oral" if i % 3 == 0 else "Poster")
              for i in range(10)}
    points = tuple(MapPoint(f"p{i}", x=i / 10, y=0.0, cluster=0 if i < 7 else 1) for i in range(10))
    clusters = (MapCluster(0, "a (7)", 7, ("graphs", "nodes", "edges", "more")), MapCluster(1, "b (3)", 3, ("flows",)))
    return TopicMap("demo", "g1", points, clusters, "pca"), papers


def test_themes_are_largest_first_with_central_examples_and_count_the_filtered_papers() -> None:
    topic_map, papers = small_map()
    found = themes(topic_map, papers)
    assert [(t.name, t.size) for t in found] == [("graphs · nodes · edges", 7), ("flows", 3)]
    assert [p.id for p in found[0].examples] == ["p3", "p2", "p4"][:EXAMPLES]  # nearest the centre (x = 0.3)
    orals = themes(topic_map, papers, Filters(decision=("Oral",)))
    assert [(t.name, t.size) for t in orals] == [("graphs · nodes · edges", 3), ("flows", 1)]


def test_the_overview_cites_each_example_once_in_order_and_defuses_titles() -> None:
    topic_map, papers = small_map()
    text, hits = overview_answer(themes(topic_map, papers), "Demo 2022")
    assert "The 10 papers of Demo 2022 fall into 2 themes" in text
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    assert numbers == list(range(1, len(hits) + 1)) and len(hits) == EXAMPLES + 3
    assert "Paper (3) title [1]" in text  # a title's bracketed number is no citation


@pytest.mark.slow  # computes the listing's map (about 15 s) unless another test did
def test_the_chat_answers_an_overview_question_from_the_listing_map(iclr_settings: Any) -> None:
    answer = service.ask("what are the main topics of ICLR 2022?", [], iclr_settings)
    topic_map = service.topic_map(iclr_settings)
    assert f"The 1095 papers of ICLR 2022 fall into {len(topic_map.clusters)} themes" in answer.text
    assert {c.n for c in answer.citations} == set(range(1, len(answer.sources) + 1))
    assert len(answer.sources) == EXAMPLES * len(topic_map.clusters)
    orals = service.ask("give me an overview of the orals", [], iclr_settings)
    assert "The 55 papers of ICLR 2022 (orals only)" in orals.text
    assert {h.paper.decision for h in orals.sources} == {"Oral"}


def test_summarize_the_papers_on_a_topic_summarises_the_set_answer(iclr_settings: Any) -> None:
    """"summarize the papers on X" summarises every paper the set answer states, not the best 8 retrieved."""
    listed = service.ask("which papers study diffusion models?", [], iclr_settings)
    summary = service.ask("summarize the papers on diffusion models", [], iclr_settings)
    assert summary.intent == "summarize"
    assert {h.paper.id for h in summary.sources} == {m.hit.paper.id for m in listed.relevant}
    assert "papers of ICLR 2022 that match \u2018diffusion models\u2019" in summary.text


def test_summarize_a_filter_summarises_every_paper_it_passes(iclr_settings: Any) -> None:
    """"summarize the orals", "summarize Sergey Levine's papers": every paper the filter passes, not an explanation."""
    orals = service.ask("summarize the orals", [], iclr_settings)
    assert orals.intent == "summarize" and "papers of ICLR 2022 (orals only)" in orals.text
    assert len(orals.sources) == 55 and {h.paper.decision for h in orals.sources} == {"Oral"}
    levine = service.ask("summarize Sergey Levine's papers", [], iclr_settings)
    assert levine.sources and all("Sergey Levine" in h.paper.authors for h in levine.sources)
