"""The previous turn a follow-up works on: its papers ("those"), the ones it points at ("the third one"), the papers
it keeps, and the conversation as the language model's condensing prompt reads it."""

from __future__ import annotations

from collections.abc import Sequence

from .extractive import CorpusStats, coverage
from .prompts import fence
from .questions import QuestionInfo
from .turns import standalone_of
from .types import Answer, Hit

HISTORY_TURNS_FOR_CONDENSE = 3
HISTORY_ANSWER_CHARS = 600


def rule_standalone(question: str, previous: Answer | None) -> str:
    """Offline condensing: a follow-up carries the previous question along, so its topic is not lost."""
    if previous is None:
        return question
    return standalone_of(question, previous.standalone_question or previous.question)


def format_history(history: Sequence[Answer]) -> str:
    turns = []
    for turn in history[-HISTORY_TURNS_FOR_CONDENSE:]:
        reply = turn.text if len(turn.text) <= HISTORY_ANSWER_CHARS else turn.text[:HISTORY_ANSWER_CHARS] + " \u2026"
        turns.append(f"User: {fence(turn.question)}\nAssistant: {fence(reply)}")
    return "\n\n".join(turns)


def previous_papers(previous: Answer) -> list[Hit]:
    """The papers a follow-up's "them" refers to: the whole set of a set answer (every relevant and possible
    paper, not only those shown), else those the previous answer cited, else all it retrieved."""
    if previous.matches:
        return [m.hit for m in previous.matches]
    if previous.intent == "authors":  # a ranking of authors: every paper of the authors shown, cited or "k more"
        return list(previous.sources)
    cited = set(previous.cited_ids)
    named = [h for h in previous.sources if h.paper.id in cited]
    return named or list(previous.sources)


def pointed_papers(previous: Answer, numbers: Sequence[int]) -> list[Hit]:
    """The previous answer's papers by their numbers [n] (-1: the last one); numbers it has not are ignored."""
    papers = previous_papers(previous)
    picked = [papers[n - 1 if n > 0 else n] for n in numbers if -len(papers) <= (n - 1 if n > 0 else n) < len(papers)]
    return list({h.paper.id: h for h in picked}.values())


def follow_up_hits(previous: Answer, info: QuestionInfo, stats: CorpusStats) -> list[Hit]:
    """The previous answer's papers that pass the follow-up's filters, best covered first (stable)."""
    kept = [h for h in previous_papers(previous) if info.filters.matches(h.paper)]
    return sorted(kept, key=lambda h: -coverage(h.paper, info.terms, stats))
