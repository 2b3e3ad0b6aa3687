"""Author names in questions: the collection's author index (accents, case and initials folded) and the ways a
question names one or two of them ("papers by X", "X's group", "did X and Y write", a bare surname, a name the
listing does not have). The query plan (plan.py) turns a mention into the author filter."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from ..text import fold
from ..types import Paper
from ..words.acronyms import definitions, long_forms
from ..words.vocabulary import FRAME_WORDS, STOPWORDS, TOKEN
from .spelling import is_inflection, is_whole_word, likelier, listing_words, typo_kind

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
    _near_names: _NearNames | None = field(default=None, repr=False, compare=False)
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

    def near_names(self) -> _NearNames:
        """The names one typo off a written one (built on first use: most questions name no author wrongly)."""
        if self._near_names is None:
            tables = {"full": self.full, "initials": self.initials, "surnames": self.surnames}
            self._near_names = _NearNames(tables, self._name_words() | set(self.surnames))
        return self._near_names

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

    def resolve(self, phrase: str) -> tuple[str, str] | None:
        """The author a phrase starts with ("Sergey Levine", "S. Levine", "Levine"), as (name for the filter, the
        words that named it). Kept for callers that hold a phrase rather than a question."""
        found = find_author(phrase, self, cue_required=False)
        return (found.name, found.said) if found else None


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
class _Tok:
    text: str
    key: str
    start: int
    end: int


def _tokens(question: str) -> list[_Tok]:
    return [_Tok(m.group(), fold(m.group()), m.start(), m.end()) for m in TOKEN.finditer(question)]


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


def _has_cue(question: str, start: int, end: int) -> bool:
    before, after = question[:start], question[end:]
    if _CUE_BEFORE.search(before) or _CUE_AFTER.search(after):
        return True
    return bool(_AUX_BEFORE.search(before) and _VERB_AFTER.search(after))


def _is_common(toks: Sequence[_Tok]) -> bool:
    return all(t.key in STOPWORDS or t.key in FRAME_WORDS for t in toks)


def _mention(question: str, toks: Sequence[_Tok], names: set[str], surname: str) -> AuthorMention:
    """One author: their spelling; several: the surname they share (the filter matches part of a name)."""
    name = next(iter(names)) if len(names) == 1 else _collection_surname(names, surname)
    start, end = toks[0].start, toks[-1].end
    return AuthorMention(name, question[start:end], start, end, several=tuple(sorted(names)) if len(names) > 1 else ())


def _exactly(names: set[str], key: str) -> set[str]:
    """Of several names a full name reads, the one it is exactly ("Jun Zhu", not Jun-Yan Zhu); else all of them."""
    exact = {name for name in names if " ".join(fold(t) for t in TOKEN.findall(name)) == key}
    return exact if len(exact) == 1 else names


def _collection_surname(names: set[str], folded: str) -> str:
    """The surname as the collection spells it (accents kept), for a substring filter."""
    n = len(folded.split())
    for name in sorted(names):
        parts = TOKEN.findall(name)
        tail = " ".join(parts[-n:])
        if fold(tail) == folded or " ".join(_umlaut_variant(t) for t in name_tokens(tail)) == folded:
            return tail
    return sorted(names)[0]


def find_author(question: str, index: AuthorIndex, cue_required: bool = True) -> AuthorMention | None:
    """The first author of the collection the question names: a full name (or first + last) anywhere, in any case;
    an initial + surname ("S. Levine"); a surname alone only beside a cue ("by Levine", "Levine's papers",
    "Levine et al.") and, unless `cue_required` is off, never a capitalised word that merely is someone's name. In
    lower case (or ASCII-folded: "schoelkopf", "gunnemann"), a surname the papers never write as a word is a name
    beside any cue, or alone when `cue_required` is off; one they write ("long", "white") only after "by", before
    "et al." or "'s papers", or in "did X publish"."""
    toks = _tokens(question)
    for i in range(len(toks)):
        for n in range(min(4, len(toks) - i), 1, -1):
            span = toks[i : i + n]
            key = " ".join(t.key for t in span)
            names = _exactly(index.lookup(index.full, key), key)
            if names and not _is_common(span):
                return _mention(question, span, names, " ".join(key.split()[1:]))
            dotted = question[span[0].end : span[0].end + 1] == "."
            if len(span[0].text) == 1 and (span[0].text.isupper() or dotted):  # "S. Levine", "j. tenenbaum"
                names = index.lookup(index.initials, key)
                if names and (dotted or span[-1].text[:1].isupper()):
                    return _mention(question, span, names, " ".join(key.split()[1:]))
            if n == 2 and len(span[1].text) == 1 and span[1].text.isupper() and span[0].text[:1].isupper():
                names = index.lookup(index.initials, f"{span[1].key} {span[0].key}")  # "Levine S."
                if names:
                    return _mention(question, span, names, span[0].key)
    near = _near_full_name(question, toks, index) or _short_given_name(question, toks, index)
    if near is not None:
        return near
    for i in range(len(toks)):
        for n in range(min(3, len(toks) - i), 0, -1):
            span = toks[i : i + n]
            key = " ".join(t.key for t in span)
            names = index.lookup(index.surnames, key)
            if not names or _is_common(span) or len(key) < 2 or _is_acronym(span[-1].text, index):
                continue
            cued = _has_cue(question, span[0].start, span[-1].end)
            capitalised = span[-1].text[:1].isupper()
            # lowercase, a surname is a name when the papers never write it as a word ("gunnemann", not "long")
            named = capitalised or not index.writes(span[-1].text)
            if cued and (named or _strong_cue(question, span[0].start, span[-1].end)):
                return _mention(question, span, names, key)
            if not cue_required and named and i == 0:
                return _mention(question, span, names, key)
    return _near_surname(question, toks, index) or _given_name_alone(question, toks, index)


def _is_acronym(word: str, index: AuthorIndex) -> bool:
    """"GAN", "VAE", "NAS": written in capitals, a word is a term, not a surname (authors named Gan or Nas exist);
    but a long one the papers never write ("SCHOLKOPF papers") is a name typed in capitals."""
    return len(word) > 1 and word.isupper() and (len(word) < 6 or index.writes(word))


def _strong_cue(question: str, start: int, end: int) -> bool:
    """A lowercase surname still names an author after "by" or before "et al." / "'s papers"."""
    before, after = question[:start], question[end:]
    if _AUX_BEFORE.search(before) and _VERB_AFTER.search(after):
        return True
    return bool(re.search(r"\bby\s+$", before, re.IGNORECASE) or re.match(r"\s+et\s+al\b|['\u2019]s?\s+papers?\b",
                                                                             after, re.IGNORECASE))


def author_in(question: str, index: AuthorIndex) -> tuple[str, str] | None:
    """The author the question restricts to, with the words that named it."""
    found = find_author(question, index)
    return (found.name, found.said) if found else None




# --- near misses: a name one typo off the listing's ----------------------------------------------------------------
# A written name word is read as a listing's name word one typo off (spelling.typo_kind) only when it has this many
# letters: "Fin" for "Finn" (a letter dropped), four for the other kinds ("Abeel", "Sergei"). A word that is itself
# a name of the listing needs NAME_WORD_LETTERS: "Zhong" is no typo of "Zhang", nor "Jian" of "Jiang" (both names),
# unless it is the surname after a long given name written right ("Percy Lang": Percy Liang; "Chen Zhong" stays).
NAME_TYPO_LETTERS = {"drop": 3, "add": 4, "swap": 4, "change": 4}
NAME_WORD_LETTERS = 6
SURNAME_ALONE_LETTERS = 5  # a surname alone, beside a cue ("Bengo's papers", "by Abeel"): shorter ones are too close


@dataclass(frozen=True)
class _Near:
    key: str
    names: frozenset[str]
    cost: tuple[int, int]  # (words with a typo, minus how likely their kinds are): the lowest is the closest


def _deletes(word: str) -> set[str]:
    """The word and the word with one letter dropped: two words one typo apart share one (symmetric delete)."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class _NearNames:
    """The keys of the author index's tables by their words, to find the names one typo off a written one without
    comparing it to all of them."""

    def __init__(self, tables: dict[str, dict[str, set[str]]], name_words: set[str]) -> None:
        self.tables, self.name_words = tables, name_words
        self.deletes: dict[str, set[str]] = {}
        self.at: dict[tuple[str, int, int, str], set[str]] = {}  # (table, words in the key, position, word) -> keys
        for label, table in tables.items():
            for key in table:
                words = key.split()
                for position, word in enumerate(words):
                    self.at.setdefault((label, len(words), position, word), set()).add(key)
                    for deleted in _deletes(word):
                        self.deletes.setdefault(deleted, set()).add(word)

    def words_near(self, written: str) -> dict[str, str | None]:
        """The name words equal to a written word (kind None) or one typo off it (the kind)."""
        found: dict[str, str | None] = {}
        for deleted in _deletes(written):
            for word in self.deletes.get(deleted, ()):
                kind = None if word == written else typo_kind(written, word)
                if word == written or (kind is not None and self._may_read(written, word, kind)):
                    found[word] = kind
        return found

    @staticmethod
    def _may_read(written: str, word: str, kind: str) -> bool:
        """Long enough for its kind of typo, and no other form of the name ("Adams" is not "Adam" misspelt)."""
        return len(written) >= NAME_TYPO_LETTERS[kind] and not is_inflection(written, word)

    def _short_name_word(self, written: str) -> bool:
        return written in self.name_words and len(written) < NAME_WORD_LETTERS

    def near(self, label: str, written: Sequence[str]) -> list[_Near]:
        """The keys of a table as long as `written` whose words each equal or are one typo off its words: one word
        with a typo, or two in a two-word name whose words have five letters or more ("Sergei Levin")."""
        per_word = [self.words_near(w) for w in written]
        if not all(per_word):
            return []
        keys: set[str] | None = None
        for position, near in enumerate(per_word):
            here = set().union(*(self.at.get((label, len(written), position, w), set()) for w in near))
            keys = here if keys is None else keys & here
        found = []
        for key in sorted(keys or ()):
            kinds = [k for position, word in enumerate(key.split()) if (k := per_word[position][word])]
            two_long = len(kinds) == 2 and len(written) == 2 and min(map(len, written)) >= 5
            if kinds and (len(kinds) == 1 or two_long) and self._names_kept(written, key.split()):
                cost = (len(kinds), -sum(likelier(k) for k in kinds))
                found.append(_Near(key, frozenset(self.tables[label][key]), cost))
        return found


    def _names_kept(self, written: Sequence[str], words: Sequence[str]) -> bool:
        """A short real name word is read as another only as the surname, after a given name written right and
        long enough to tell ("Percy Lang"): "Jian Zhang" and "Chen Zhong" are names, no typos."""
        for position, (said, word) in enumerate(zip(written, words, strict=True)):
            if said != word and self._short_name_word(said):
                given = written[:position]
                if position != len(written) - 1 or not given or given != list(words[:position]) \
                        or min(map(len, given)) < 5:
                    return False
        return True


def _closest(found: Sequence[_Near]) -> list[_Near]:
    """The nearest keys: one is the reading; several (about as close: as many typos of as likely kinds) are none."""
    best = min((f.cost for f in found), default=None)
    return [f for f in found if f.cost == best]


def _near_mention(question: str, toks: Sequence[_Tok], nearest: Sequence[_Near], surname: str) -> AuthorMention:
    start, end = toks[0].start, toks[-1].end
    said = question[start:end]
    if len(nearest) == 1 or len({n for f in nearest for n in f.names}) == 1:
        names = set(nearest[0].names)
        return replace(_mention(question, toks, names, surname or nearest[0].key), respelt=True)
    close = sorted({next(iter(f.names)) if len(f.names) == 1 else _collection_surname(set(f.names), f.key)
                    for f in nearest})
    return AuthorMention(said, said, start, end, close=tuple(close))


def _name_like(question: str, span: Sequence[_Tok], index: AuthorIndex) -> bool:
    """Words that may be a misspelt name: letters only, no stopword or framing word, no acronym; each capitalised,
    or the span beside a cue ("papers by sergey levin")."""
    if any(not t.text.isalpha() or t.key in STOPWORDS or t.key in FRAME_WORDS or _is_acronym(t.text, index)
           for t in span):
        return False
    return all(t.text[:1].isupper() for t in span) or _has_cue(question, span[0].start, span[-1].end)


def _near_full_name(question: str, toks: Sequence[_Tok], index: AuthorIndex) -> AuthorMention | None:
    """The first span of two or three words one typo off a full name ("Sergey Levin", "Yoshua Bengo", "Sergei
    Levine") or an initial and surname ("S. Levin"); None when no span is."""
    near = index.near_names()
    for i in range(len(toks)):
        for n in range(min(3, len(toks) - i), 1, -1):
            span = toks[i : i + n]
            if not _name_like(question, span, index):
                continue
            written = [t.key for t in span]
            initial = len(span[0].text) == 1
            found = near.near("initials" if initial else "full", written)
            if initial and not (question[span[0].end : span[0].end + 1] == "." or span[-1].text[:1].isupper()):
                found = []
            capitalised = all(t.text[:1].isupper() for t in span) and not initial  # "D. Data" is no "D. Datta"
            found = [f for f in found if _plausible(written, f, capitalised)]
            if found:
                return _near_mention(question, span, _closest(found), " ".join(written[1:]))
    return None


# The short forms of given names that share no three first letters with the full one ("Bill" for William).
NICKNAMES = {"bill": "william", "will": "william", "bob": "robert", "rob": "robert", "bobby": "robert",
             "dick": "richard", "rick": "richard", "jim": "james", "jimmy": "james", "mike": "michael",
             "mick": "michael", "ted": "edward", "ned": "edward", "peggy": "margaret", "maggie": "margaret",
             "kate": "katherine", "liz": "elizabeth", "beth": "elizabeth", "jack": "john", "chuck": "charles",
             "hank": "henry", "harry": "henry", "tony": "anthony", "sasha": "alexander", "misha": "mikhail",
             "kostya": "konstantin", "dima": "dmitry", "vova": "vladimir", "sergei": "sergey"}


def _short_given_name(question: str, toks: Sequence[_Tok], index: AuthorIndex) -> AuthorMention | None:
    """A capitalised given name + surname where the listing writes the given name in full ("Russ Salakhutdinov":
    Ruslan; "Bill Freeman": William; "Alex Smola": Alexander): the one author with that surname whose given name
    begins with the written one's first three letters, or is its usual long form (NICKNAMES). Read as a near miss
    (the answer says "Reading ..."), never when two authors would do, nor from a given name the listing holds
    itself ("Jian Zhang" is not Jiahui Zhang)."""
    for first, last in zip(toks, toks[1:], strict=False):
        if not (first.text[:1].isupper() and last.text[:1].isupper()) or len(first.key) < 3:
            continue
        if first.key not in NICKNAMES and index.is_name_word(first.key):
            continue  # "Jian Zhang": a name of its own in the listing, not a short "Jiahui"
        authors = index.lookup(index.surnames, last.key)
        full = NICKNAMES.get(first.key, first.key)
        fits = {a for a in authors if name_tokens(a) and (name_tokens(a)[0].startswith(first.key[:3])
                                                           or name_tokens(a)[0] == full)}
        if len(fits) == 1:
            return replace(_mention(question, [first, last], fits, last.key), respelt=True)
    return None


def _given_name_alone(question: str, toks: Sequence[_Tok], index: AuthorIndex) -> AuthorMention | None:
    """A capitalised given name alone right after "by" ("papers by Chelsea"): read as the one author who carries it
    (with a notice); when several do ("by Sergey"), the papers of each, and the notice names them."""
    for i, tok in enumerate(toks):
        if not tok.text[:1].isupper() or not re.search(r"\bby\s+$", question[: tok.start], re.IGNORECASE):
            continue
        if i + 1 < len(toks) and toks[i + 1].text[:1].isupper():
            continue  # "by Jian Zhang": a full name (perhaps one the listing does not hold), not "Jian" alone
        carriers = index.given_names().get(tok.key, set())
        if len(carriers) == 1:
            return replace(_mention(question, [tok], carriers, tok.key), respelt=True)
        if carriers:  # the papers of each, and the notice that names them (as for a surname several share)
            return AuthorMention(tok.text, tok.text, tok.start, tok.end, several=tuple(sorted(carriers)))
    return None


def _plausible(written: Sequence[str], near: _Near, capitalised: bool) -> bool:
    """A written word the tokenizer holds whole ("fine", "poster") is an ordinary word, no typo of a name word
    (spelling.is_whole_word), unless it is the one typo of a capitalised full name ("Chelsea Fine"; an initial
    tells too little: "Non-I.I.D. Data" is no "D. Datta")."""
    typos = [w for w, k in zip(written, near.key.split(), strict=True) if w != k]
    return (capitalised and len(typos) == 1) or not any(is_whole_word(w) for w in typos)


def _near_surname(question: str, toks: Sequence[_Tok], index: AuthorIndex) -> AuthorMention | None:
    """A surname one typo off the listing's, beside a cue ("Bengo's papers", "papers by Abeel"): long enough, no
    word the papers write, no ordinary word ("poster papers") and no other form of a name ("by Adams": not Adam)."""
    near = index.near_names()
    for tok in toks:
        if (len(tok.key) < SURNAME_ALONE_LETTERS or index.writes(tok.text) or is_whole_word(tok.key)
                or index.is_name_word(tok.key) or not _name_like(question, [tok], index)):
            continue  # "poster papers" is no "Koster", "by Chuang" (a given name) no "Chang": never respelt
        if not _has_cue(question, tok.start, tok.end):
            continue
        found = near.near("surnames", [tok.key])
        if found:
            return _near_mention(question, [tok], _closest(found), "")
    return None
