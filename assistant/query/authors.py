"""Author names in questions: the ways a question names one of the collection's authors ("papers by X", "X's group",
"did X write", "S. Levine", a bare surname beside a cue, a name one typo off). The index they are looked up in and
the cues are author_index.py's, the near misses author_typos.py's; the query plan (plan.py) turns a mention into
the author filter."""

from __future__ import annotations

from .author_index import (
    AuthorIndex,
    AuthorMention,
    exactly,
    has_cue,
    is_acronym,
    is_common_span,
    mention,
    strong_cue,
    tokens_of,
)
from .author_typos import given_name_alone, near_full_name, near_surname, short_given_name


def find_author(question: str, index: AuthorIndex, cue_required: bool = True) -> AuthorMention | None:
    """The first author of the collection the question names: a full name (or first + last) anywhere, in any case;
    an initial + surname ("S. Levine"); a surname alone only beside a cue ("by Levine", "Levine's papers",
    "Levine et al.") and, unless `cue_required` is off, never a capitalised word that merely is someone's name. In
    lower case (or ASCII-folded: "schoelkopf", "gunnemann"), a surname the papers never write as a word is a name
    beside any cue, or alone when `cue_required` is off; one they write ("long", "white") only after "by", before
    "et al." or "'s papers", or in "did X publish"."""
    toks = tokens_of(question)
    for i in range(len(toks)):
        for n in range(min(4, len(toks) - i), 1, -1):
            span = toks[i : i + n]
            key = " ".join(t.key for t in span)
            names = exactly(index.lookup(index.full, key), key)
            if names and not is_common_span(span):
                return mention(question, span, names, " ".join(key.split()[1:]))
            dotted = question[span[0].end : span[0].end + 1] == "."
            if len(span[0].text) == 1 and (span[0].text.isupper() or dotted):  # "S. Levine", "j. tenenbaum"
                names = index.lookup(index.initials, key)
                if names and (dotted or span[-1].text[:1].isupper()):
                    return mention(question, span, names, " ".join(key.split()[1:]))
            if n == 2 and len(span[1].text) == 1 and span[1].text.isupper() and span[0].text[:1].isupper():
                names = index.lookup(index.initials, f"{span[1].key} {span[0].key}")  # "Levine S."
                if names:
                    return mention(question, span, names, span[0].key)
    near = near_full_name(question, toks, index) or short_given_name(question, toks, index)
    if near is not None:
        return near
    for i in range(len(toks)):
        for n in range(min(3, len(toks) - i), 0, -1):
            span = toks[i : i + n]
            key = " ".join(t.key for t in span)
            names = index.lookup(index.surnames, key)
            if not names or is_common_span(span) or len(key) < 2 or is_acronym(span[-1].text, index):
                continue
            cued = has_cue(question, span[0].start, span[-1].end)
            capitalised = span[-1].text[:1].isupper()
            # lowercase, a surname is a name when the papers never write it as a word ("gunnemann", not "long")
            named = capitalised or not index.writes(span[-1].text)
            if cued and (named or strong_cue(question, span[0].start, span[-1].end)):
                return mention(question, span, names, key)
            if not cue_required and named and i == 0:
                return mention(question, span, names, key)
    return near_surname(question, toks, index) or given_name_alone(question, toks, index)


def resolve_phrase(phrase: str, index: AuthorIndex) -> tuple[str, str] | None:
    """The author a phrase starts with ("Sergey Levine", "S. Levine", "Levine"), as (name for the filter, the words
    that named it), for callers that hold a phrase rather than a question."""
    found = find_author(phrase, index, cue_required=False)
    return (found.name, found.said) if found else None


def author_in(question: str, index: AuthorIndex) -> tuple[str, str] | None:
    """The author the question restricts to, with the words that named it."""
    found = find_author(question, index)
    return (found.name, found.said) if found else None




