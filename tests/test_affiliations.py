"""affiliations.py: a question about an institution says that the listing records no affiliations."""

from __future__ import annotations

from typing import Any

import pytest

from assistant import service
from assistant.query.affiliations import affiliation_note, institution_in
from assistant.query.plan import analyse
from assistant.words.terms import terms
from tests.helpers import shipped_index


@pytest.mark.parametrize(("topic", "institution"), [
    ("DeepMind", "DeepMind"),
    ("Google Research", "Google Research"),
    ("reinforcement learning from Berkeley", "Berkeley"),
    ("MIT or map induction task", "MIT"),
    ("Meta AI", "Meta AI"),
    ("FAIR on self-supervised learning", "FAIR"),
    ("Tsinghua University", "Tsinghua University"),
    ("University of Toronto", "University of Toronto"),
    ("Seoul National University", "Seoul National University"),
    ("Allen Institute", "Allen Institute"),
])
def test_an_institution_is_found_as_written(topic: str, institution: str) -> None:
    assert institution_in(topic) == institution
    assert f"\u2018{institution}\u2019" in affiliation_note(topic)


@pytest.mark.parametrize("topic", [
    "meta learning", "Meta learning", "meta-learning", "Meta-learning",  # not the company
    "fairness", "fair representations", "graph neural networks", "", "Transformers", "Bayesian optimization",
    "cambridge-style proofs",
])
def test_a_topic_naming_no_institution_gets_no_note(topic: str) -> None:
    assert institution_in(topic) is None and affiliation_note(topic) == ""


def test_a_question_about_an_institution_says_the_listing_has_no_affiliations(iclr_settings: Any) -> None:
    """Before: "3 papers of ICLR 2022 match 'DeepMind'", read as DeepMind's papers."""
    answer = service.ask("papers from DeepMind", [], iclr_settings)
    assert "not their affiliations" in answer.text and "\u2018DeepMind\u2019" in answer.text
    naming = [m for m in answer.relevant if "deepmind" in f"{m.hit.paper.title} {m.hit.paper.abstract}".lower()]
    assert len(naming) >= 2  # the DeepMind Control Suite, a deepmind/ code link
    plain = service.ask("which papers study meta-learning?", [], iclr_settings)
    assert "affiliations" not in plain.text


@pytest.mark.parametrize(("question", "topic", "institution"), [
    ("RL papers from Berkeley", "RL", "Berkeley"),
    ("which papers from Stanford are about robustness?", "robustness", "Stanford"),
    ("what did Google Brain publish on transformers?", "transformers", "Google Brain"),
    ("diffusion models by Meta AI researchers", "diffusion models", "Meta AI"),
    ("graph neural networks at Carnegie Mellon University", "graph neural networks", "Carnegie Mellon University"),
])
def test_a_topic_beside_an_institution_is_the_topic(question: str, topic: str, institution: str) -> None:
    """The institution is no topic word (papers do not name where their authors work) and no author ("by Google
    Brain" matched nobody): before, "RL papers from Berkeley" listed 0 papers on 'RL from Berkeley'."""
    plan = analyse(question, shipped_index(), terms)
    assert plan.topic.lower().startswith(topic.lower()) and institution.lower() not in plan.topic.lower(), plan
    assert plan.institution == institution and plan.filters.author is None
    note = plan.note()
    assert "not their affiliations" in note and f"not only \u2018{institution}\u2019" in note


def test_an_institution_question_with_a_topic_lists_the_topic_from_anywhere(iclr_settings: Any) -> None:
    answer = service.ask("RL papers from Berkeley", [], iclr_settings)
    assert "from any institution, not only \u2018Berkeley\u2019" in answer.text
    assert len(answer.relevant) >= 50 and "Berkeley" not in answer.text.split("\n\n", 1)[1].splitlines()[0]
