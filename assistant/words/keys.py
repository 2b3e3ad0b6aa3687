"""The evidence keys of a text: its stemmed terms and adjacent word pairs, hyphenated and joined forms alike ("time
series", "time-series"), the same keys as extractive.terms and extractive.phrases give. What the offline screening
(evidence.py, screening.py), the grouping and the listing's keys read of a paper or a topic. Cached: this is the
inner loop of screening a listing."""

from __future__ import annotations

import re
from functools import lru_cache

from ..types import Paper
from .terms import paper_text, phrases, stem, terms, word_terms
from .vocabulary import is_content_word, words

_PHRASE_BREAK = re.compile(r"[.,;:!?()\[\]{}\"\u201c\u201d]")  # as extractive.phrases: no pair across these


@lru_cache(maxsize=262144)
def content_stem(word: str) -> str | None:
    """The stem of a word whose every hyphen part is a content word (the joined form: "over-squashing" ->
    "oversquash"), else None. Cached: this is the inner loop of screening."""
    if not all(is_content_word(part) for part in word.split("-")):
        return None
    return stem(word.replace("-", ""))


@lru_cache(maxsize=262144)
def joined_key(first: str, second: str) -> str:
    """The key of two words written as one ("time series" -> the key of "time-series")."""
    return stem((first + second).replace("-", "").lower())


@lru_cache(maxsize=8192)
def text_surfaces(text: str) -> dict[str, str]:
    """`surfaces_of`, cached (the grouping reads each paper's text again and again). Do not modify the dict."""
    return surfaces_of(text)


def surfaces_of(text: str) -> dict[str, str]:
    """Each stemmed term and adjacent word pair of a text -> its first surface form: the same keys as
    extractive.terms and extractive.phrases give."""
    keys: dict[str, str] = {}
    for piece in _PHRASE_BREAK.split(text):
        previous: tuple[str, str] | None = None
        for word in words(piece):
            for key, surface in word_terms(word):
                keys.setdefault(key, surface)
            current = content_stem(word)
            if current is not None and previous is not None:
                keys.setdefault(f"{previous[0]} {current}", f"{previous[1]} {word.lower()}")
            previous = (current, word.lower()) if current is not None else None
    return keys


@lru_cache(maxsize=65536)
def text_keys(text: str) -> frozenset[str]:
    """The keys of `surfaces_of`, as a set, computed once per text (a listing is screened again and again; about
    1 KiB a sentence, bounded by the cache size)."""
    return frozenset(surfaces_of(text))


def paper_keys(paper: Paper) -> frozenset[str]:
    """The keys of a paper's title, abstract and keywords."""
    return text_keys(paper_text(paper))


def keys_of(text: str) -> tuple[str, ...]:
    """The terms and word pairs of a text, in order."""
    return tuple(dict.fromkeys([*terms(text), *(key for key, _ in phrases(text))]))


def holds(present: frozenset[str], key: str) -> bool:
    """The key, or the singular of a plural the stemmer keeps ("gnns": a paper writing "GNN" holds it)."""
    return key in present or (key.endswith("s") and key[:-1] in present)


def content_stems(text: str) -> tuple[str, ...]:
    """The stems of a text's content words, each part of a hyphenated one apart."""
    stems = (content_stem(part) for word in words(text) for part in word.split("-"))
    return tuple(dict.fromkeys(s for s in stems if s))
