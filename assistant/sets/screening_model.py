"""The offline screening decision of a question in the papers' own words, as a small fitted model: a logistic
regression over four per-candidate features, cut at two probability thresholds (relevant, possible).

The features (FEATURES) are the hand-tuned rule's evidence (screening.Rule: the word evidence and the meaning
relative to the best candidate; the jargon cap, here a penalty rather than a ceiling) plus how OFTEN the topic's
words occur: the candidate's keyword (BM25) score relative to the best candidate's. BM25 saturates term frequency
and discounts long texts, so a paper about "adversarial robustness", saying it in sentence after sentence, scores
above one that mentions it once in passing, which the word evidence (presence only) cannot tell apart.

A question in lay words (not evidence.is_jargon: its words are not the papers') keeps the rule: its words' frequency
in an abstract says nothing about the topic (measured: a model fitted on every question lowered the dev lay F1
0.45 -> 0.39 in cross-validation).

Fitted on the dev set's candidates (data/devset/iclr2022: every screened candidate of a jargon question of the
types topic, lay, count, decision_topic, author_topic; relevant iff judged > 0) by benchmarks/fit_screening.py,
which prints these constants, with the leave-one-question-out figures (thresholds chosen inside the folds) that
docs/benchmarks.md records. Few features and an L2 penalty: it is judged on question sets it has not seen.
Measured and left out (no cross-validated gain): a head term in the title, the title's word evidence, the share of
abstract sentences holding a head term, the mean word evidence of the sentences, the fused rank, the raw dense
similarity, the similarity above the 20th candidate's, question-level shifts; and the cosine of the paper's vector to
the centroid of the question's confident matches (pseudo-relevance feedback in vector space): it ranks better (dev
AUC 0.949 -> 0.958) but a cut common to all questions does not carry it (CV F1 +0.000, s.e. 0.003): how MANY papers
a question has, not their order, is the limit now.

Pure Python at run time: a dot product per candidate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..types import Hit, Verdict

FEATURES = (
    "words",  # word evidence (evidence.word_evidence, expansions counted): idf-weighted coverage of the topic's keys
    "meaning",  # dense similarity relative to the best candidate's (screening.evidence)
    "no_head",  # the paper holds none of the question's head terms (screening.lacks_head) (1/0)
    "bm25",  # keyword score relative to the best candidate's: how often the topic's words occur (0: none)
)


@dataclass(frozen=True)
class Model:
    """Logistic regression: P(relevant) = sigmoid(intercept + sum(coefficient x feature)); a paper is relevant
    from probability `relevant`, possibly relevant from `possible`."""

    intercept: float
    coefficients: tuple[float, ...]
    relevant: float
    possible: float

    def probability(self, row: Sequence[float]) -> float:
        z = self.intercept + sum(c * x for c, x in zip(self.coefficients, row, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def verdict(self, row: Sequence[float]) -> Verdict:
        p = self.probability(row)
        if p >= self.relevant:
            return "relevant"
        return "possible" if p >= self.possible else "not_relevant"


# Pasted from benchmarks/fit_screening.py's printout (see the module docstring).
MODEL = Model(
    intercept=-4.494,
    coefficients=(2.290, 2.601, -2.350, 3.318),  # words, meaning, no_head, bm25
    relevant=0.55,
    possible=0.05,  # a net as wide as the rule's (fit_screening.POSSIBLE_BETA)
)


@dataclass(frozen=True)
class Candidate:
    """What one candidate's features are computed from (screening hands these over)."""

    hit: Hit
    words: float
    meaning: float
    lacks_head: bool


def features(candidates: Sequence[Candidate]) -> list[tuple[float, ...]]:
    """The FEATURES row of each candidate. The keyword score is relative to the best of these candidates (a
    question's BM25 scores have no common scale: they grow with its terms' rarity and number)."""
    best = max((c.hit.bm25_score or 0.0 for c in candidates), default=0.0)
    return [(c.words, c.meaning, float(c.lacks_head), max(0.0, c.hit.bm25_score or 0.0) / best if best > 0 else 0.0)
            for c in candidates]
