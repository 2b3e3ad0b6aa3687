"""Questions for the papers like a named one (assistant/answering/similar_papers.py), on the shipped ICLR 2022 listing:
the nearest papers in the store's vectors, as a set answer a follow-up can filter, never a search for the words of
"similar to <name>"."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.answering.chain import answer
from assistant.answering.similar_papers import asks_similar

DIFFUSION = ("diffusion", "score-based", "score matching", "denois")


@pytest.mark.parametrize(("question", "asks"), [
    ("papers similar to Analytic-DPM", True),
    ("what else is like FedChain?", True),
    ("find work related to 'Graph Condensation for Graph Neural Networks'", True),
    ("show me more like the third one", True),
    ("anything resembling GeoDiff?", True),
    ("which papers are closest to BEiT?", True),
    ("which papers study diffusion models?", False),
    ("I would like papers on federated learning", False),
    ("related work on contrastive learning", False),
])
def test_a_question_for_papers_like_another_is_recognised(question: str, asks: bool) -> None:
    assert asks_similar(question) is asks


def test_papers_like_a_named_one_are_its_nearest_papers(iclr_retriever: Any, iclr_settings: Any) -> None:
    """Before: "papers similar to Analytic-DPM" searched 'similar to Analytic-DPM' as a topic and listed 13 papers
    on numerical solvers and differential equations, a word of the title away."""
    result = answer("papers similar to Analytic-DPM", [], iclr_retriever, iclr_settings)
    heading = result.text.splitlines()[0]
    assert heading.startswith("10 papers of ICLR 2022 (closest in content to \u2018Analytic-DPM: an Analytic")
    assert "match" not in heading and result.topic == ""
    titles = [m.hit.paper.title for m in result.relevant]
    assert len(titles) == 10 and not any(t.startswith("Analytic-DPM") for t in titles)
    about = [m for m in result.relevant
             if any(w in f"{m.hit.paper.title} {m.hit.paper.abstract}".lower() for w in DIFFUSION)]
    assert len(about) >= 8, titles
    orals = answer("which of those are orals?", [result], iclr_retriever, iclr_settings)
    assert orals.text.startswith(f"{len(orals.relevant)} paper")
    assert "(orals only)" in orals.text.splitlines()[0] and "match" not in orals.text.splitlines()[0]
    assert {m.hit.paper.id for m in orals.matches} <= {m.hit.paper.id for m in result.matches}
    assert all(m.hit.paper.decision == "Oral" for m in orals.matches)


def test_filters_apply_to_the_nearest_papers(iclr_retriever: Any, iclr_settings: Any) -> None:
    result = answer("orals similar to FedChain", [], iclr_retriever, iclr_settings)
    assert result.relevant and "orals only, closest in content to \u2018FedChain" in result.text.splitlines()[0]
    assert all(m.hit.paper.decision == "Oral" for m in result.matches)
    assert not any(m.hit.paper.title.startswith("FedChain") for m in result.matches)


def test_papers_like_one_the_previous_answer_listed(iclr_retriever: Any, iclr_settings: Any) -> None:
    """"more like [3]", "papers similar to the first one": the papers nearest to that paper of the previous list
    (before: the paper's own abstract was quoted, or 'similar' was searched as a topic)."""
    listed = answer("papers on federated learning", [], iclr_retriever, iclr_settings)
    third = listed.matches[2].hit.paper
    for question in ("more like [3]", "papers similar to the third one"):
        like = answer(question, [listed], iclr_retriever, iclr_settings)
        heading = like.text.splitlines()[0]
        assert heading.startswith("10 papers of ICLR 2022 (closest in content to") and third.title[:30] in heading
        assert third.id not in {m.hit.paper.id for m in like.matches} and len(like.relevant) == 10
