"""The collection's author index (accents, case and initials folded) and what a question's words are read as: its
tokens, the cues around a name ("by X", "X's group", "did X write"), and the mention a span of them makes. The
readers of names (authors.py, author_typos.py) share these."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..text import fold
from ..types import Paper
from ..words.acronyms import definitions, long_forms
from ..words.vocabulary import FRAME_WORDS, STOPWORDS, TOKEN
from .spelling import listing_words

if TYPE_CHECKING:  # the typo reader's table, kept on the index
    from .author_typos import NearNames

# --- author names ---------------------------------------------------------------------------------------------------
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "le", "la", "dos", "das",
                        "ter", "ten"})


def _umlaut_variant(token: str) -> str:
    """German transliteration folded too: "guennemann" (for "Günnemann") -> "gunnemann"."""
    return token.replace("ue", "u").replace("oe", "o").replace("ae", "a")


def name_tokens(name: str) -> list[str]:
    return [fold(t) for t in TOKEN.findall(name)]


@dataclass
class AuthorIndex:
    """Author names of a collection under folded keys, for finding them anywhere in a question.

    `full` holds every spelling that names one author with certainty (full name, first + last, initial + last);
    `surnames` the last names (particles kept: "van der schaar"), which name an author only with a cue ("by X",
    "X's papers", "X et al."). Values are the collection's own spellings. `years` are the listing's years. `words` are
the lowercase words of the papers' titles, abstracts and keywords, each with the number of papers writing it: a
lowercase surname that is one of them is an ordinary word ("long", "white") unless a cue makes it a name, and a
question word none writes may be a typo (spelling.py). `definitions` are the abstracts' acronym definitions, read
once here (the screening's acronym keys come from them too: collection.CollectionInfo); `acronyms` those spelled out
("rl": "reinforcement learning"): a set question whose topic is one of them is asked as both (plan.py)."""

    full: dict[str, set[str]] = field(default_factory=dict)
    initials: dict[str, set[str]] = field(default_factory=dict)  # "s levine" -> {"Sergey Levine"}
    surnames: dict[str, set[str]] = field(default_factory=dict)
    years: frozenset[int] = frozenset()
    venues: frozenset[str] = frozenset()  # the listing's venues, folded to lower case ("iclr")
    papers: dict[str, set[str]] = field(default_factory=dict)  # an author's spelling -> ids of their papers
    words: Counter[str] = field(default_factory=Counter)
    definitions: tuple[tuple[str, str], ...] = ()  # (acronym, its long form) as written (acronyms.definitions)
    acronyms: dict[str, str] = field(default_factory=dict)  # the listing's acronyms spelled out (acronyms.long_forms)
    _words_of_names: set[str] | None = field(default=None, repr=False, compare=False)
    near: NearNames | None = field(default=None, repr=False, compare=False)  # author_typos.near_names, built once
    _given: dict[str, set[str]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, papers: Iterable[Paper]) -> AuthorIndex:
        index = cls()
        years: set[int] = set()
        papers = list(papers)
        index.venues = frozenset(p.venue.lower() for p in papers if p.venue)
        index.words = listing_words(" ".join([p.title, p.abstract or "", " ".join(p.keywords)]) for p in papers)
        index.definitions = tuple(definitions(papers))
        index.acronyms = long_forms(index.definitions)
        for paper in papers:
            if paper.year:
                years.add(paper.year)
            for author in paper.authors:
                index.add(author)
                index.papers.setdefault(author, set()).add(paper.id)
        for author in index.papers:  # "Fei-Fei Li" for "Li Fei-Fei", unless it is someone else's name
            tokens = name_tokens(author)
            reversed_key = " ".join([*tokens[1:], tokens[0]])
            if len(tokens) > 1 and not index.lookup(index.full, reversed_key):
                index._put(index.full, reversed_key, author)
        index.years = frozenset(years)
        return index

    def add(self, author: str) -> None:
        tokens = name_tokens(author)
        if len(tokens) < 2:
            return
        first = next((i for i, t in enumerate(tokens[1:], 1) if t in _PARTICLES), len(tokens) - 1)
        surname = tokens[first:]
        called = {" ".join([t, *surname]) for t in tokens[1:first] if len(t) > 1}  # "Zico Kolter" of "J. Zico Kolter"
        for key in {" ".join(tokens), " ".join([tokens[0], *surname]), f"{tokens[0]} {tokens[-1]}", *called}:
            self._put(self.full, key, author)
        self._put(self.initials, " ".join([tokens[0][0], *surname]), author)
        if first > 1:  # "J. B. Tenenbaum" for "Joshua B. Tenenbaum"
            self._put(self.initials, " ".join([*(t[0] for t in tokens[:first]), *surname]), author)
        self._put(self.surnames, " ".join(surname), author)
        if len(surname) > 1:
            self._put(self.surnames, surname[-1], author)
        last_word = name_tokens(author.split()[-1])
        if len(last_word) > 1:  # a hyphenated surname ("Hernández-Lobato") is said whole
            self._put(self.surnames, " ".join(last_word), author)
            self._put(self.initials, " ".join([tokens[0][0], *last_word]), author)

    @staticmethod
    def _put(table: dict[str, set[str]], key: str, author: str) -> None:
        table.setdefault(key, set()).add(author)
        variant = " ".join(_umlaut_variant(t) for t in key.split())
        if variant != key:
            table.setdefault(variant, set()).add(author)

    def lookup(self, table: dict[str, set[str]], key: str) -> set[str]:
        return table.get(key) or table.get(" ".join(_umlaut_variant(t) for t in key.split())) or set()

    def is_name_word(self, word: str) -> bool:
        """Whether a lowercase word is part of an author's name ("finn", "schoelkopf"): never respelt."""
        key = _umlaut_variant(fold(word))
        return any(key in table or fold(word) in table for table in (self.surnames, self._name_words()))

    def _name_words(self) -> set[str]:
        if self._words_of_names is None:
            self._words_of_names = {w for key in self.full for w in key.split()}
        return self._words_of_names

    def name_words(self) -> set[str]:
        """Every word of the listing's full names (built on first use)."""
        return self._name_words()

    def given_names(self) -> dict[str, set[str]]:
        """Each given name (folded) -> the authors who carry it (built on first use)."""
        if self._given is None:
            self._given = {}
            for author in self.papers:
                tokens = name_tokens(author)
                if len(tokens) > 1:
                    self._given.setdefault(tokens[0], set()).add(author)
        return self._given

    def writes(self, word: str) -> bool:
        """Whether the listing's papers write a word as an ordinary word (folded: "long", "white")."""
        return bool(self.words.get(fold(word)))

    def ids_of(self, name: str) -> set[str]:
        """The papers of every author whose name contains `name` (the author filter's rule, see Filters.matches)."""
        wanted = name.lower()
        return {i for author, ids in self.papers.items() if wanted in author.lower() for i in ids}


@dataclass(frozen=True)
class AuthorMention:
    name: str  # the collection's spelling when one author is meant, else the surname as written in the collection
    said: str  # the words of the question that named the author
    start: int
    end: int
    respelt: bool = False  # `said` is no name of the listing: it was read as the one name closest to it
    close: tuple[str, ...] = ()  # no name was read: these are about as close to `said` (the filter matches none)
    several: tuple[str, ...] = ()  # `said` is the surname of these authors: the filter matches all their papers


@dataclass(frozen=True)
class Tok:
    text: str
    key: str
    start: int
    end: int


def tokens_of(question: str) -> list[Tok]:
    return [Tok(m.group(), fold(m.group()), m.start(), m.end()) for m in TOKEN.finditer(question)]


# A surname alone names an author only beside one of these (case folded): before it, or after it.
_CUE_BEFORE = re.compile(
    r"(?:\bby|\bfrom|\bfeaturing|\bincluding|\binvolving|\b(?:co-?)?authored\s+by|\bwritten\s+by|\bwith)\s+$",
    re.IGNORECASE,
)
_CUE_AFTER = re.compile(
    r"^(?:['\u2019]s?\s+(?:[\w-]+\s+){0,3}?(?:papers?|works?|group|lab|team|research|publications?|articles?"
    r"|submissions?|contributions?|co-?authored|orals?|spotlights?|posters?)\b|['\u2019]s?\s*[?.!]?\s*$"
    r"|\s+et\s+al\b|\s+(?:lab|group|team)\b|\s+(?:co-?authored|co-?wrote|wrote|authored|published|papers?)\b"
    r"|\s+(?:as|is)\s+(?:an?\s+|the\s+)?(?:co-?)?authors?\b|\s+(?:co-?)?authors?\b)",
    re.IGNORECASE,
)
_VERB_AFTER = re.compile(  # "did X publish", "did X and Y write"
    r"^(?:\s+(?:and|&)\s+[^\W\d_][\w'-]*){0,2}\s+(?:co-?author|author|publish|write|submit|present)",
    re.IGNORECASE,
)
_AUX_BEFORE = re.compile(r"\b(?:did|does|has|have)\s+$", re.IGNORECASE)


def has_cue(question: str, start: int, end: int) -> bool:
    before, after = question[:start], question[end:]
    if _CUE_BEFORE.search(before) or _CUE_AFTER.search(after):
        return True
    return bool(_AUX_BEFORE.search(before) and _VERB_AFTER.search(after))


def is_common_span(toks: Sequence[Tok]) -> bool:
    return all(t.key in STOPWORDS or t.key in FRAME_WORDS for t in toks)


def mention(question: str, toks: Sequence[Tok], names: set[str], surname: str) -> AuthorMention:
    """One author: their spelling; several: the surname they share (the filter matches part of a name)."""
    name = next(iter(names)) if len(names) == 1 else collection_surname(names, surname)
    start, end = toks[0].start, toks[-1].end
    return AuthorMention(name, question[start:end], start, end, several=tuple(sorted(names)) if len(names) > 1 else ())


def exactly(names: set[str], key: str) -> set[str]:
    """Of several names a full name reads, the one it is exactly ("Jun Zhu", not Jun-Yan Zhu); else all of them."""
    exact = {name for name in names if " ".join(fold(t) for t in TOKEN.findall(name)) == key}
    return exact if len(exact) == 1 else names


def collection_surname(names: set[str], folded: str) -> str:
    """The surname as the collection spells it (accents kept), for a substring filter."""
    n = len(folded.split())
    for name in sorted(names):
        parts = TOKEN.findall(name)
        tail = " ".join(parts[-n:])
        if fold(tail) == folded or " ".join(_umlaut_variant(t) for t in name_tokens(tail)) == folded:
            return tail
    return sorted(names)[0]


def is_acronym(word: str, index: AuthorIndex) -> bool:
    """"GAN", "VAE", "NAS": written in capitals, a word is a term, not a surname (authors named Gan or Nas exist);
    but a long one the papers never write ("SCHOLKOPF papers") is a name typed in capitals."""
    return len(word) > 1 and word.isupper() and (len(word) < 6 or index.writes(word))


def strong_cue(question: str, start: int, end: int) -> bool:
    """A lowercase surname still names an author after "by" or before "et al." / "'s papers"."""
    before, after = question[:start], question[end:]
    if _AUX_BEFORE.search(before) and _VERB_AFTER.search(after):
        return True
    return bool(re.search(r"\bby\s+$", before, re.IGNORECASE) or re.match(r"\s+et\s+al\b|['\u2019]s?\s+papers?\b",
                                                                             after, re.IGNORECASE))


