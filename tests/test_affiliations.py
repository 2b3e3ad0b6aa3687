"""affiliations.py: a question about an institution says that the listing records no affiliations."""

from __future__ import annotations

from typing import Any

import pytest

from assistant import service
from assistant.affiliations import affiliation_note, institution_in


@pytest.mark.parametrize(("topic", "institution"), [
    ("DeepMind", "DeepMind"),
    ("Google Research", "Google Research"),
    ("reinforcement learning from Berkeley", "Berkeley"),
    ("MIT or map induction task", "MIT"),
    ("Meta AI", "Meta AI"),
    ("FAIR on self-supervised learning", "FAIR"),
    ("Tsinghua University", "Tsinghua"),
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
