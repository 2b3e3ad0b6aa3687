"""titles.py: the papers a question names by full title or coined name."""

from __future__ import annotations

import pytest

from assistant.query.titles import TitleIndex, coined_name
from assistant.types import Paper
from tests.helpers import shipped_papers


@pytest.mark.parametrize(("title", "name"), [
    ("FedChain: Chained Algorithms for Near-optimal Communication Cost in Federated Learning", "FedChain"),
    ("Analytic-DPM: an Analytic Estimate of the Optimal Reverse Variance", "Analytic-DPM"),
    ("DR3: Value-Based Deep Reinforcement Learning Requires Explicit Regularization", "DR3"),
    ("VICReg: Variance-Invariance-Covariance Regularization for Self-Supervised Learning", "VICReg"),
    ("Perceiver IO: A General Architecture for Structured Inputs & Outputs", "Perceiver IO"),
    ("Understanding: why networks generalize", None),  # an ordinary word
    ("Transformers: a survey", None),
    ("Graph Neural Networks Are More Powerful Than We Think: A Study", None),  # too long to be a name
    ("No colon in this title", None),
])
def test_coined_name(title: str, name: str | None) -> None:
    assert coined_name(title) == name


def test_a_question_names_papers_by_title_or_coined_name() -> None:
    papers = [Paper("a", "GeoDiff: A Geometric Diffusion Model for Molecular Conformation Generation", ()),
              Paper("b", "Progressive Distillation for Fast Sampling of Diffusion Models", ()),
              Paper("c", "Short Title", ()),
              *(Paper(f"d{i}", f"DupName: variant {i} of a method", ()) for i in range(3))]
    index = TitleIndex.build(papers)
    assert index.named("who wrote GeoDiff?") == ("a",)
    assert index.named("is 'progressive distillation for fast sampling of diffusion models' an oral?") == ("b",)
    both = "compare geodiff and Progressive Distillation for Fast Sampling of Diffusion Models"
    assert index.named(both) == ("a", "b")
    assert index.named("papers with a short title") == ()  # under MIN_TITLE_WORDS: an ordinary phrase
    assert index.named("who wrote DupName?") == ()  # names three papers: not a name of one
    assert index.named("geodiffusion models") == ()  # whole words only


def test_on_the_shipped_listing_every_coined_name_finds_its_paper() -> None:
    papers = shipped_papers()
    index = TitleIndex.build(papers)
    named = [p for p in papers if coined_name(p.title)]
    assert len(named) > 100
    for paper in named:
        name = coined_name(paper.title)
        found = index.named(f"who wrote {name}?")
        assert paper.id in found or sum(coined_name(p.title) == name for p in papers) > 2, paper.title
