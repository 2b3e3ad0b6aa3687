"""The terms of a text (assistant/words/terms.py): the stems every reader of questions and abstracts shares."""

from __future__ import annotations

import pytest

from assistant.words.terms import stem, terms


@pytest.mark.parametrize(("word", "other", "same"), [
    ("transformers", "transformer", True),
    ("transformers", "transformation", False),  # the architecture is not a transformation
    ("REINFORCE", "reinforcement", False),  # the gradient estimator is not reinforcement learning
    ("reinforcement", "reinforcements", True),
    ("GNNs", "GNN", True),  # an acronym's plural
    ("equilibria", "equilibrium", True),  # a Latin plural
    ("imbalanced", "imbalance", True),  # a participle of a noun in -ance
])
def test_words_that_name_one_thing_share_a_stem(word: str, other: str, same: bool) -> None:
    assert (stem(word) == stem(other)) is same


def test_a_hyphenated_word_gives_its_parts_and_its_joined_form() -> None:
    assert terms("over-squashing in GNNs") == ["oversquash", "squash", "gnn"]  # "over" is a stopword
