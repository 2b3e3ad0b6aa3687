"""The previous turn a follow-up works on: its papers ("those"), the ones it points at ("the third one"), the papers
it keeps, and the conversation as the language model's condensing prompt reads it."""

from __future__ import annotations

from collections.abc import Sequence

from ..prompts import fence
from ..query.plan import QuestionInfo, is_small_talk
from ..query.turns import referenced, standalone_of, without_pointers
from ..retrieval.stages import Ranker
from ..types import Answer, Filters, Hit
from ..words.sentences import coverage
from ..words.terms import CorpusStats
from ..words.vocabulary import words
from .details import Detail, asked_details

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


def listed_answer(history: Sequence[Answer]) -> Answer | None:
    """The answer whose papers "the second one" counts in: the latest that did not itself point at papers ("who
    wrote the first one?" then "and the second?": the second of the list before)."""
    return next((a for a in reversed(history) if not referenced(a.question) and not is_small_talk(a.question)), None)


def record_details(question: str, history: Sequence[Answer]) -> tuple[Detail, ...]:
    """The record fields a question pointing at papers asks for; one that asks nothing of its own ("and the
    second?", "and the last?") asks what the last question that did ask asked ("who wrote the first one?")."""
    for asked_now in (question, *(a.question for a in reversed(history))):
        asked = asked_details(asked_now)
        if asked or not _asks_nothing(asked_now):
            return asked
    return ()


_ELLIPSIS = frozenset({"and", "also", "then", "now", "so", "ok", "okay", "what", "how", "about", "the", "same", "for",
                       "of", "one", "ones", "paper", "please"})


def _asks_nothing(question: str) -> bool:
    """"and the second?", "what about the last one?": nothing but the pointer and the words that lead to it."""
    return all(w.lower() in _ELLIPSIS for w in words(without_pointers(question)))


def follow_up_hits(previous: Answer, info: QuestionInfo, stats: CorpusStats) -> list[Hit]:
    """The previous answer's papers that pass the follow-up's filters, best covered first (stable)."""
    kept = [h for h in previous_papers(previous) if info.filters.matches(h.paper)]
    return sorted(kept, key=lambda h: -coverage(h.paper, info.terms, stats))


def rescored(ranker: Ranker, topic: str, pool: Sequence[Hit]) -> list[Hit]:
    """The previous set's papers scored for a narrowing follow-up's own topic ("which of those are about
    molecules?" after GNNs), best first: each paper's dense and keyword scores for the new topic, computed over these
    papers only. The scores they carry are the previous question's (every GNN paper is close to "graph neural
    networks"): screened by those, the whole set would seem to be about molecules. A paper the search leaves out
    (no score for the new topic) comes last, with none."""
    if not pool or not topic.strip():
        return list(pool)
    ids = tuple(dict.fromkeys(h.paper.id for h in pool))
    fresh = ranker.candidates(topic, Filters(ids=ids), limit=len(ids), floor=0.0)
    found = {h.paper.id for h in fresh}
    return fresh + [Hit(h.paper, 0.0) for h in pool if h.paper.id not in found]
