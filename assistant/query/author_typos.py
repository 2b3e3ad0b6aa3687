"""Names one typo off the listing's: a full name, a short given name, a given name alone or a surname that the
question misspells ("Sergey Levin", "Bengo's papers"), read as the listing's closest name when it is the only one
that close."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..words.vocabulary import FRAME_WORDS, STOPWORDS
from .author_index import AuthorIndex, AuthorMention, Tok, collection_surname, has_cue, is_acronym, mention, name_tokens
from .spelling import is_inflection, is_whole_word, likelier, typo_kind

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


def near_names(index: AuthorIndex) -> NearNames:
    """The names one typo off a written one, kept on the index (built on first use: most questions name no author
    wrongly)."""
    if index.near is None:
        tables = {"full": index.full, "initials": index.initials, "surnames": index.surnames}
        index.near = NearNames(tables, index.name_words() | set(index.surnames))
    return index.near


def _deletes(word: str) -> set[str]:
    """The word and the word with one letter dropped: two words one typo apart share one (symmetric delete)."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class NearNames:
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


def _near_mention(question: str, toks: Sequence[Tok], nearest: Sequence[_Near], surname: str) -> AuthorMention:
    start, end = toks[0].start, toks[-1].end
    said = question[start:end]
    if len(nearest) == 1 or len({n for f in nearest for n in f.names}) == 1:
        names = set(nearest[0].names)
        return replace(mention(question, toks, names, surname or nearest[0].key), respelt=True)
    close = sorted({next(iter(f.names)) if len(f.names) == 1 else collection_surname(set(f.names), f.key)
                    for f in nearest})
    return AuthorMention(said, said, start, end, close=tuple(close))


def _name_like(question: str, span: Sequence[Tok], index: AuthorIndex) -> bool:
    """Words that may be a misspelt name: letters only, no stopword or framing word, no acronym; each capitalised,
    or the span beside a cue ("papers by sergey levin")."""
    if any(not t.text.isalpha() or t.key in STOPWORDS or t.key in FRAME_WORDS or is_acronym(t.text, index)
           for t in span):
        return False
    return all(t.text[:1].isupper() for t in span) or has_cue(question, span[0].start, span[-1].end)


def near_full_name(question: str, toks: Sequence[Tok], index: AuthorIndex) -> AuthorMention | None:
    """The first span of two or three words one typo off a full name ("Sergey Levin", "Yoshua Bengo", "Sergei
    Levine") or an initial and surname ("S. Levin"); None when no span is."""
    near = near_names(index)
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


def short_given_name(question: str, toks: Sequence[Tok], index: AuthorIndex) -> AuthorMention | None:
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
            return replace(mention(question, [first, last], fits, last.key), respelt=True)
    return None


def given_name_alone(question: str, toks: Sequence[Tok], index: AuthorIndex) -> AuthorMention | None:
    """A capitalised given name alone right after "by" ("papers by Chelsea"): read as the one author who carries it
    (with a notice); when several do ("by Sergey"), the papers of each, and the notice names them."""
    for i, tok in enumerate(toks):
        if not tok.text[:1].isupper() or not re.search(r"\bby\s+$", question[: tok.start], re.IGNORECASE):
            continue
        if i + 1 < len(toks) and toks[i + 1].text[:1].isupper():
            continue  # "by Jian Zhang": a full name (perhaps one the listing does not hold), not "Jian" alone
        carriers = index.given_names().get(tok.key, set())
        if len(carriers) == 1:
            return replace(mention(question, [tok], carriers, tok.key), respelt=True)
        if carriers:  # the papers of each, and the notice that names them (as for a surname several share)
            return AuthorMention(tok.text, tok.text, tok.start, tok.end, several=tuple(sorted(carriers)))
    return None


def _plausible(written: Sequence[str], near: _Near, capitalised: bool) -> bool:
    """A written word the tokenizer holds whole ("fine", "poster") is an ordinary word, no typo of a name word
    (spelling.is_whole_word), unless it is the one typo of a capitalised full name ("Chelsea Fine"; an initial
    tells too little: "Non-I.I.D. Data" is no "D. Datta")."""
    typos = [w for w, k in zip(written, near.key.split(), strict=True) if w != k]
    return (capitalised and len(typos) == 1) or not any(is_whole_word(w) for w in typos)


def near_surname(question: str, toks: Sequence[Tok], index: AuthorIndex) -> AuthorMention | None:
    """A surname one typo off the listing's, beside a cue ("Bengo's papers", "papers by Abeel"): long enough, no
    word the papers write, no ordinary word ("poster papers") and no other form of a name ("by Adams": not Adam)."""
    near = near_names(index)
    for tok in toks:
        if (len(tok.key) < SURNAME_ALONE_LETTERS or index.writes(tok.text) or is_whole_word(tok.key)
                or index.is_name_word(tok.key) or not _name_like(question, [tok], index)):
            continue  # "poster papers" is no "Koster", "by Chuang" (a given name) no "Chang": never respelt
        if not has_cue(question, tok.start, tok.end):
            continue
        found = near.near("surnames", [tok.key])
        if found:
            return _near_mention(question, [tok], _closest(found), "")
    return None
