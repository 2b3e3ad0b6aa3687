"""Sentences of an abstract scored against a question's terms, and how a sentence is quoted: the evidence the
offline answers, the set answers' deciding sentences and the comparison tables share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..citations import defuse_citations
from ..keyword_index import split_sentences
from ..types import Paper
from .terms import CorpusStats, paper_text, terms

MAX_QUOTE_CHARS = 400
PASSAGE_BONUS = 0.3  # share of the best possible score added when a sentence is inside the dense passage
_CONTRIBUTION = re.compile(
    r"\b(?:we|this paper|this work|our)\b.{0,60}?\b(?:propose|introduce|present|show|develop|study|design|prove)",
    re.IGNORECASE,
)



@dataclass(frozen=True)
class Scored:
    sentence: str
    score: float
    matched: frozenset[str]


def sentence_scores(paper: Paper, query: Sequence[str], stats: CorpusStats, passage: str = "") -> list[Scored]:
    """Each abstract sentence scored by the idf weight of the query terms it contains."""
    wanted = set(query)
    best_possible = sum(stats.idf(t) for t in wanted) or 1.0
    scored = []
    for position, sentence in enumerate(split_sentences(paper.abstract or "")):
        matched = wanted & set(terms(sentence))
        score = sum(stats.idf(t) for t in matched)
        if matched and passage and sentence[:60] in passage:
            score += PASSAGE_BONUS * best_possible
        score -= position * 1e-6  # ties: the earlier sentence
        scored.append(Scored(sentence, score, frozenset(matched)))
    return scored


def best_sentence(paper: Paper, query: Sequence[str], stats: CorpusStats, passage: str = "") -> Scored | None:
    """The sentence that best supports the match, else the paper's key (contribution) sentence."""
    scored = sentence_scores(paper, query, stats, passage)
    matching = [s for s in scored if s.matched]
    if matching:
        return max(matching, key=lambda s: s.score)
    return key_sentence(paper)


def key_sentence(paper: Paper, favoured: frozenset[str] = frozenset()) -> Scored | None:
    """The sentence stating the contribution ("we propose ..."), favouring given terms; None without abstract."""
    sentences = split_sentences(paper.abstract or "")
    if not sentences:
        return None
    title_terms = set(terms(paper.title)) | favoured

    def score(item: tuple[int, str]) -> float:
        position, sentence = item
        overlap = len(title_terms & set(terms(sentence)))
        return overlap + (2.0 if _CONTRIBUTION.search(sentence) else 0.0) - 0.01 * position

    position, sentence = max(enumerate(sentences), key=score)
    return Scored(sentence, score((position, sentence)), frozenset())


def coverage(paper: Paper, query: Sequence[str], stats: CorpusStats) -> float:
    """Share of the query's idf weight found in the paper's title, abstract and keywords."""
    wanted = set(query)
    total = sum(stats.idf(t) for t in wanted)
    if not total:
        return 1.0
    present = wanted & set(terms(paper_text(paper)))
    return sum(stats.idf(t) for t in present) / total


def quote(sentence: str) -> str:
    """A sentence of an abstract as quoted in an answer: its own reference markers ("[2]") made inert, so they
    never become citations of the papers numbered so in the answer."""
    text = defuse_citations(" ".join(sentence.split()))
    if len(text) > MAX_QUOTE_CHARS:
        text = text[: MAX_QUOTE_CHARS - 1].rsplit(" ", 1)[0] + " \u2026"
    return f"\u201c{text}\u201d"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
