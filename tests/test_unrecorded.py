"""What a question asks that a listing does not record (assistant/query/unrecorded.py): citations, awards, reviews,
rejected papers. The answer says so, the words are no topic, and nothing else asked lists no paper."""

from __future__ import annotations

from typing import Any

import pytest

from assistant import service
from assistant.query.unrecorded import unrecorded_asked

QUALITY = "judgements of quality or interest"


@pytest.mark.parametrize(("question", "missing", "left"), [
    ("what is the most cited paper?", ("citation counts",), "what is the paper?"),
    ("most cited papers on GNNs", ("citation counts",), "papers on GNNs"),
    ("which paper won the best paper award?", ("awards",), "which paper ?"),
    ("the highest-rated papers on RL", ("reviews or scores",), "the papers on RL"),
    ("which papers were rejected?", ("rejected or withdrawn submissions",), "which papers ?"),
    ("papers on citation networks", (), "papers on citation networks"),  # citations as a topic
    ("reward shaping papers", (), "reward shaping papers"),
    ("what's the best paper on contrastive learning?", (), "what's the best paper on contrastive learning?"),
    ("papers about peer review", (), "papers about peer review"),
    ("rejection sampling papers", (), "rejection sampling papers"),
    ("which papers are interesting?", (QUALITY,), "which papers ?"),
    ("the most interesting papers on diffusion", (QUALITY,), "papers on diffusion"),
    ("show me 5 must-read papers", (QUALITY,), "show me 5 papers"),
    ("which GNN papers are worth reading?", (QUALITY,), "which GNN papers are ?"),
    ("good papers on RL", (QUALITY,), "papers on RL"),
    ("important features for interpretability", (), "important features for interpretability"),
    ("papers on importance sampling", (), "papers on importance sampling"),
    ("which papers find that pretraining is important for robustness?", (),
     "which papers find that pretraining is important for robustness?"),
])
def test_what_the_listing_does_not_record_is_read(question: str, missing: tuple[str, ...], left: str) -> None:
    assert unrecorded_asked(question) == (missing, left)


def test_nothing_else_asked_lists_no_paper_and_says_why(iclr_settings: Any) -> None:
    """Before: "what is the most cited paper?" listed one arbitrary paper as "the best-matched one"; "which papers
    were rejected?" listed 6 papers saying "rejected"."""
    for question in ("what is the most cited paper?", "which papers were rejected?", "which papers are interesting?"):
        answer = service.ask(question, [], iclr_settings)
        assert answer.text.startswith("The listing records no ") and not answer.matches
        assert "0 papers of ICLR 2022" in answer.text
        assert ("Name a topic" in answer.text) == ("interesting" in question)


def test_a_topic_beside_it_is_answered_with_the_notice(iclr_settings: Any) -> None:
    cited = service.ask("most cited papers on GNNs", [], iclr_settings)
    plain = service.ask("papers on GNNs", [], iclr_settings)
    assert cited.text.startswith("The listing records no citation counts")
    assert {m.hit.paper.id for m in cited.relevant} == {m.hit.paper.id for m in plain.relevant}
