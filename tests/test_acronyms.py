"""Acronyms as a listing defines them (assistant/words/acronyms.py): the one reader of "long form (ACRONYM)", the long
forms of the shipped listing, and a set question whose topic is an acronym asked as both."""

from __future__ import annotations

import pytest

from assistant.types import Paper
from assistant.words.acronyms import _DEFINED, _defined_in, base_form, definitions, long_forms, spelled_out
from tests.helpers import shipped_index, shipped_papers


@pytest.fixture(scope="module")
def forms() -> dict[str, str]:
    return shipped_index().acronyms


def paper(abstract: str) -> Paper:
    return Paper(id=f"t-{abs(hash(abstract))}", title="T", abstract=abstract)


def test_definitions_are_read_where_the_initials_spell_the_acronym() -> None:
    found = list(definitions([paper(
        "We study Graph Neural Networks (GNNs) under Out-of-Distribution (OOD) shifts with a new loss (NEW) and "
        "a mismatched one (XYZ); see Table (A)."
    )]))
    assert found == [("GNNs", "Graph Neural Networks"), ("OOD", "Out-of-Distribution")]


EDGES = [
    "", "(GNN)", "Graph Neural Networks(GNNs)", "a b c d e f g Graph Neural Networks (GNNs)", "((GNN))",
    "3D-aware Graph Networks (GN), then Reinforcement Learning ( RL ) and (RL).", "x_y Graph Net (GN) (GNN) ( OOD )",
    "Out-of-Distribution (OOD)\nDetection (OD)", "\u00e9t\u00e9 Long Short Term Memory (LSTM)",
]


def test_the_reader_finds_what_the_pattern_finds_over_the_whole_text() -> None:
    """Definitions are looked for only before each "(ACRONYM)" (a scan of the whole abstract is seconds a listing):
    the same matches as the pattern run over the whole text, on the shipped abstracts and on edge cases."""
    texts = [p.abstract or "" for p in shipped_papers()[::11]] + EDGES
    for text in texts:
        assert [m.span() + m.groups() for m in _defined_in(text)] == \
               [m.span() + m.groups() for m in _DEFINED.finditer(text)], text


def test_the_most_frequent_long_form_wins() -> None:
    papers = [paper("reinforcement learning (RL) agents"), paper("Reinforcement Learning (RL)"),
              paper("a robust loss (RL) here")]
    assert long_forms(definitions(papers)) == {"rl": "reinforcement learning"}


@pytest.mark.parametrize(("acronym", "base"), [("GNNs", "gnn"), ("RL", "rl"), ("ViTs", "vit"), ("NeRF", "nerf"),
                                                ("LLMs", "llm"), ("GANs", "gan")])
def test_base_forms(acronym: str, base: str) -> None:
    assert base_form(acronym) == base


@pytest.mark.parametrize(("topic", "spelled"), [
    ("RL", "RL or reinforcement learning"),
    ("GANs", "GANs or generative adversarial networks"),
    ("GNN", "GNN or graph neural networks"),
    ("ViTs", "ViTs or vision transformers"),
    ("NeRF", "NeRF or neural radiance field"),
    ("MARL", "MARL or multi-agent reinforcement learning"),
    # an acronym among alternatives: before, "NTK or infinite width theory" found 2 of the 17 NTK papers
    ("NTK or infinite width theory", "NTK or neural tangent kernel or infinite width theory"),
    ("GANs, diffusion", "GANs or generative adversarial networks, diffusion"),
])
def test_an_acronym_of_the_listing_is_spelled_out(forms: dict[str, str], topic: str, spelled: str) -> None:
    assert spelled_out(topic, forms) == spelled


@pytest.mark.parametrize("topic", [
    "GNN expressivity",  # a longer topic keeps its words (its candidates' definitions count in the screening)
    "GNN expressivity or oversmoothing",
    "rl",  # lower case: an ordinary word as often as an acronym
    "Adam", "Transformers",  # one capital: a name or a word
    "ZQX",  # not defined by any abstract
    "",
])
def test_other_topics_are_left_as_they_are(forms: dict[str, str], topic: str) -> None:
    assert spelled_out(topic, forms) is None
