"""Cheap understanding of a question: is it a follow-up, is it a "which papers" question, which filters it
implies ("orals", "by <author>"), and which content terms it asks about. Deterministic; no model involved."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .types import Filters, Paper

Intent = Literal["list", "explain"]

_STOPWORDS = """a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each either else ever few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
not now of off on once only or other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up upon us very via was we were
what when where which while who whom why will with within without would you your yours yourself yourselves one ones
whose i'm isn't aren't don't doesn't"""
# Words that frame a question about papers rather than name its topic.
_FRAME_WORDS = """paper papers work works study studies studied studying research article articles publication
publications publish published find show list tell give name know any anything something many much number propose
proposes proposed present presents presented presentation presentations introduce introduces address addresses
addressed discuss discusses investigate investigates explore explores use uses using used consider considers focus
focuses deal deals look looking mention mentions mentioned iclr accepted approach approaches author authors wrote
written write group lab team please summarize summarise overview explain describe"""
STOPWORDS = frozenset(_STOPWORDS.split())
FRAME_WORDS = frozenset(_FRAME_WORDS.split())
DECISION_WORDS = {"oral": "Oral", "orals": "Oral", "spotlight": "Spotlight", "spotlights": "Spotlight",
                  "poster": "Poster", "posters": "Poster"}
_DECISION = re.compile(r"\b(orals?|spotlights?|posters?)\b", re.IGNORECASE)
_LIST_QUESTION = re.compile(
    r"^\s*(?:and\s+)?(?:which|what)\s+(?:\w+\s+){0,2}(?:papers?|works?|articles?|ones?|publications?|of\s+(?:them|"
    r"those|these))\b|^\s*(?:list|find|show|name|give|are there|any)\b|\bpapers?\s+(?:on|about|that|which|with|by)\b"
    r"|^\s*what\s+did\s+.+\s+publish",
    re.IGNORECASE,
)
_FOLLOW_UP = re.compile(
    r"\b(?:those|them|these|they|their|theirs|this one|that one|the (?:first|second|third|last|above) (?:one|paper)"
    r"|the above|of the above|previous(?:ly)?|same ones?|it|its)\b|^\s*(?:and|also|what about|how about)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:['\u2019][a-z]+)?(?:-[^\W_]+)*", re.UNICODE)
_NAME_CUES = (
    re.compile(r"\b(?:by|from|authored by|written by)\s+(?P<name>[^?,.;:!()]+)", re.IGNORECASE),
    re.compile(r"(?P<name>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*){0,3})['\u2019]s?\s+(?:group|lab|team|papers?|work)"),
    re.compile(r"\b(?:did|does|has)\s+(?P<name>[^?,.;:!()]+?)\s+(?:publish|write|author)", re.IGNORECASE),
)


def words(text: str) -> list[str]:
    """Words of a text in their original case (hyphenated words kept whole)."""
    return _WORD.findall(text)


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the previous turn ("which of those are orals?")."""
    return bool(_FOLLOW_UP.search(question))


def intent_of(question: str) -> Intent:
    return "list" if _LIST_QUESTION.search(question) else "explain"


def decisions_in(question: str) -> tuple[str, ...]:
    found = [DECISION_WORDS[m.group(1).lower()] for m in _DECISION.finditer(question)]
    return tuple(dict.fromkeys(found))


@dataclass
class AuthorIndex:
    """Author names of a collection: full names (lowercased) and surnames, for recognising "by <Name>"."""

    full: dict[str, str] = field(default_factory=dict)
    first_last: dict[str, set[str]] = field(default_factory=dict)  # "michael bronstein" -> {"Michael M. Bronstein"}
    surnames: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, papers: Iterable[Paper]) -> AuthorIndex:
        index = cls()
        for paper in papers:
            for author in paper.authors:
                index.full.setdefault(author.lower(), author)
                parts = author.lower().split()
                if len(parts) > 1:
                    index.first_last.setdefault(f"{parts[0]} {parts[-1]}", set()).add(author)
                    index.surnames.setdefault(parts[-1], set()).add(author)
        return index

    def resolve(self, phrase: str) -> tuple[str, str] | None:
        """The author a phrase names: a full name (any case), else a capitalised surname the collection knows.
        A surname shared by several authors resolves to the surname itself (the filter matches parts of names).
        Returns (name for the filter, the words of the phrase that named it)."""
        tokens = [t.removesuffix("'s").removesuffix("\u2019s") for t in phrase.split()]
        for n in range(min(4, len(tokens)), 1, -1):
            said = " ".join(tokens[:n])
            if said.lower() in self.full:
                return self.full[said.lower()], said
            names = self.first_last.get(f"{tokens[0]} {tokens[n - 1]}".lower())
            if names:
                return (next(iter(names)) if len(names) == 1 else tokens[n - 1]), said
        if tokens and tokens[0][:1].isupper():
            surname = tokens[0].strip(".'\u2019")
            names = self.surnames.get(surname.lower())
            if names:
                return (next(iter(names)) if len(names) == 1 else surname), surname
        return None


def author_in(question: str, index: AuthorIndex) -> tuple[str, str] | None:
    """The author the question restricts to ("papers by Sergey Levine", "Bronstein's group"), if any, with the
    words that named it."""
    for cue in _NAME_CUES:
        for match in cue.finditer(question):
            found = index.resolve(match.group("name").strip())
            if found:
                return found
    return None


@dataclass(frozen=True)
class QuestionInfo:
    """What the chain needs to know about a (standalone) question."""

    text: str
    intent: Intent
    filters: Filters
    terms: tuple[str, ...]  # stemmed content terms, frame words, filter words and the author name left out
    topic: str = ""  # the content words as the user wrote them ("over-squashing")


def analyse(
    question: str, index: AuthorIndex, terms_of: Callable[[str], list[str]], base: Filters | None = None
) -> QuestionInfo:
    """Intent, implied filters and content terms of a question. `terms_of` stems (see extractive.terms)."""
    found = author_in(question, index)
    author, said = found if found else (None, "")
    decision = decisions_in(question)
    base = base or Filters()
    filters = Filters(
        decision=decision or base.decision, author=author or base.author, keyword=base.keyword, year=base.year,
        ids=base.ids,
    )
    content = remove_phrases(question, [said] if said else [])
    topic = " ".join(w for w in words(content) if any(is_content_word(p) for p in w.split("-")))
    return QuestionInfo(question, intent_of(question), filters, tuple(dict.fromkeys(terms_of(content))), topic)


def merge_follow_up(follow_up: QuestionInfo, previous: QuestionInfo) -> QuestionInfo:
    """A follow-up keeps its own intent and filters and adds the previous question's topic."""
    topic = " ".join(t for t in (previous.topic, follow_up.topic) if t)
    merged_terms = tuple(dict.fromkeys(previous.terms + follow_up.terms))
    return QuestionInfo(follow_up.text, follow_up.intent, follow_up.filters, merged_terms, topic)


def remove_phrases(text: str, phrases: Sequence[str]) -> str:
    for phrase in phrases:
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    return _DECISION.sub(" ", text)


def is_content_word(word: str) -> bool:
    lower = word.lower()
    return len(lower) > 1 and lower not in STOPWORDS and lower not in FRAME_WORDS and lower not in DECISION_WORDS
