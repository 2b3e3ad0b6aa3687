"""amounts.py: "give me 5 papers on X" lists the best-matched 5 and still counts them all."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.answering.chain import answer
from assistant.query.amounts import wanted_amount


@pytest.mark.parametrize(("question", "wanted", "rest"), [
    ("give me 5 papers on meta-learning", 5, "papers on meta-learning"),
    ("recommend three papers about diffusion models", 3, "papers about diffusion models"),
    ("show me a few good papers on GANs", 3, "papers on GANs"),
    ("top 10 papers on graph neural networks", 10, "papers on graph neural networks"),
    ("list 2 recent papers about RL", 2, "papers about RL"),
    ("give me 99 papers on RL", 50, "papers on RL"),  # at most MAX_WANTED
    ("20 papers on meta-learning", 20, "papers on meta-learning"),  # a number that starts the question
    ("list 10 orals on reinforcement learning", 10, "orals on reinforcement learning"),  # the decision noun stays
    ("two spotlights about robustness", 2, "spotlights about robustness"),
    # no amount
    ("how many papers are about GANs?", 0, "how many papers are about GANs?"),
    ("which papers study diffusion models?", 0, "which papers study diffusion models?"),
    ("papers on 3 layer networks", 0, "papers on 3 layer networks"),
    ("a few papers on pruning", 0, "a few papers on pruning"),  # no asking verb: a list of them all
    ("what's the best paper on contrastive learning?", 1, "what's paper on contrastive learning?"),
    ("the most influential papers on GANs", 5, "papers on GANs"),
])
def test_wanted_amount(question: str, wanted: int, rest: str) -> None:
    assert wanted_amount(question) == (wanted, rest)


def test_an_amount_lists_the_best_matched_and_counts_them_all(iclr_retriever: Any, iclr_settings: Any) -> None:
    full = answer("which papers study diffusion models?", [], iclr_retriever, iclr_settings)
    three = answer("recommend three papers about diffusion models", [], iclr_retriever, iclr_settings)
    assert three.topic == "diffusion models" and len(three.matches) == 3 and not three.possible
    assert three.text.startswith(f"{len(full.relevant)} papers of ICLR 2022 match \u2018diffusion models\u2019; "
                                 "the 3 best-matched ones:")
    assert {m.hit.paper.id for m in three.matches} <= {m.hit.paper.id for m in full.relevant}
    assert {c.n for c in three.citations} == {1, 2, 3}
    orals = answer("which of those are orals?", [three], iclr_retriever, iclr_settings)
    assert {m.hit.paper.id for m in orals.matches} <= {m.hit.paper.id for m in three.matches}
