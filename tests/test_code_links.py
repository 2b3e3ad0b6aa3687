"""Code availability (assistant/code_links.py): which abstracts point to their code, which questions ask for it, and
the filter it becomes in the plan and the answers, on the shipped ICLR 2022 listing."""

from __future__ import annotations

from typing import Any

import pytest

from assistant import service
from assistant.code_links import asks_for_code, has_code_link
from assistant.query.plan import analyse
from assistant.types import Filters, Paper
from assistant.words.terms import terms
from tests.helpers import shipped_index, shipped_papers


@pytest.mark.parametrize(("abstract", "links"), [
    ("We propose X. Code is available at https://github.com/a/b.", True),
    ("Our implementation is publicly available.", True),
    ("We release our code and models to the community.", True),
    ("Project page and code: https://nv-tlabs.github.io/CLD-SGM.", True),
    ("The source code is open-sourced.", True),
    ("The dataset will be released upon acceptance.", False),  # data, not code
    ("We study source code summarization with transformers.", False),  # a paper about code
    ("Only the source domain is available at training time.", False),
    ("", False),
])
def test_an_abstract_points_to_its_code(abstract: str, links: bool) -> None:
    assert has_code_link(abstract) is links


@pytest.mark.parametrize(("question", "asks", "left"), [
    ("diffusion papers with code", True, "diffusion papers"),
    ("which of those release their code?", True, "which of those ?"),
    ("which GNN papers have code available?", True, "which GNN papers ?"),
    ("papers on offline RL whose code is on github", True, "papers on offline RL whose"),
    ("which orals open-sourced their implementation?", True, "which orals ?"),
    ("papers on code generation", False, "papers on code generation"),
    ("source code summarization papers", False, "source code summarization papers"),
    ("code completion with language models", False, "code completion with language models"),
])
def test_a_question_asks_for_papers_with_code(question: str, asks: bool, left: str) -> None:
    assert asks_for_code(question) == (asks, left)


def test_the_plan_reads_code_as_a_filter_not_a_topic() -> None:
    """Before: "papers with code on GitHub about diffusion" had the topic 'code on GitHub about diffusion' and
    listed 17 diffusion papers, most of them with no code link."""
    plan = analyse("papers with code on GitHub about diffusion", shipped_index(), terms)
    assert plan.filters.code and plan.topic == "diffusion"
    assert not analyse("papers on code generation", shipped_index(), terms).filters.code


def test_the_code_filter_keeps_only_papers_pointing_to_their_code() -> None:
    papers = shipped_papers()
    with_code = [p for p in papers if Filters(code=True).matches(p)]
    assert 100 <= len(with_code) <= 250  # about one abstract in seven gives its code (163 of 1,095)
    assert Filters(code=True).matches(Paper("x", "t", abstract="Code: https://github.com/x/y"))
    assert not Filters(code=True).matches(Paper("x", "t", abstract=None))


def test_a_set_question_and_a_follow_up_filter_by_code(iclr_settings: Any) -> None:
    orals = service.ask("which orals released their code?", [], iclr_settings)
    expected = [p for p in shipped_papers() if p.decision == "Oral" and has_code_link(p.abstract)]
    assert orals.text.startswith(f"{len(expected)} papers of ICLR 2022 (orals only, with a code link in the abstract)")
    assert {m.hit.paper.id for m in orals.relevant} == {p.id for p in expected}
    diffusion = service.ask("which papers study diffusion models?", [], iclr_settings)
    coded = service.ask("which of those have code?", [diffusion], iclr_settings)
    assert coded.matches and all(has_code_link(m.hit.paper.abstract) for m in coded.matches)
    assert {m.hit.paper.id for m in coded.matches} <= {m.hit.paper.id for m in diffusion.matches}
