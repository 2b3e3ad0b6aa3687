"""The listing's own words for a topic's keys, for the two sides of a conjunctive topic (screening.conjuncts_of):
- acronyms (`defined_acronyms`): the keys the abstracts define as the same thing, both ways ("gnn" and
  "graph neural"), from acronyms.definitions;
- variants (`with_variants`): the listing's longer words a stem of VARIANT_PREFIX letters begins ("molecul":
  "molecular"), looked up in a prefix table (`prefixes`).
Both are read from the whole listing once (`ListingKeys`, kept with the listing's other derived data in
collection.CollectionInfo), so a question costs a lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..words.keys import keys_of
from ..words.terms import CorpusStats, word_terms
from .evidence import head_of, used

Acronyms = dict[str, frozenset[str]]  # a key -> the keys defined as the same thing (`defined_acronyms`)


def defined_acronyms(found: Iterable[tuple[str, str]], stats: CorpusStats) -> Acronyms:
    """What the abstracts define their acronyms as (acronyms.definitions: (acronym, long form) pairs), both ways:
    "graph neural networks (GNNs)" makes the key "gnn" and the phrase's head keys ("graph neural") stand for each
    other. Built once per listing from all its papers' definitions (collection.CollectionInfo)."""
    same: dict[str, set[str]] = {}
    for acronym, said in found:
        short = {key for form in (acronym, acronym.rstrip("s")) for key, _ in word_terms(form)}  # GNNs, GNN
        phrase = used(keys_of(said), stats)
        long = {k for k in head_of([k for k in phrase if " " in k] or phrase, stats)  # its rarest pair
                if not stats.is_common(k)}  # not "distribution" for "OOD"
        for key in short:
            same.setdefault(key, set()).update(long)
        for key in long:
            same.setdefault(key, set()).update(short)
    return {key: frozenset(keys) for key, keys in same.items()}


VARIANT_PREFIX = 6  # a stem this long also stands for the listing's words that extend it ("molecul": "molecular")


Prefixes = dict[str, tuple[str, ...]]  # the first VARIANT_PREFIX letters -> the listing's single-word keys (`prefixes`)


def prefixes(stats: CorpusStats) -> Prefixes:
    """The listing's single-word keys of VARIANT_PREFIX letters or more, by their first VARIANT_PREFIX letters."""
    found: dict[str, list[str]] = {}
    for word in stats.df:
        if " " not in word and len(word) >= VARIANT_PREFIX:
            found.setdefault(word[:VARIANT_PREFIX], []).append(word)
    return {prefix: tuple(words) for prefix, words in found.items()}


def with_variants(keys: Sequence[str], stats: CorpusStats, by_prefix: Prefixes | None = None) -> tuple[str, ...]:
    """The keys and the listing's single-word keys they are a prefix of, for stems of VARIANT_PREFIX letters or
    more: the stemmer leaves "molecular" apart from "molecules" ("molecul"), and a paper on molecular graphs is
    about molecules. `by_prefix`: the listing's `prefixes`, built once (ListingKeys); None builds them now."""
    long = [k for k in keys if " " not in k and len(k) >= VARIANT_PREFIX]
    if not long:
        return tuple(dict.fromkeys(keys))
    table = prefixes(stats) if by_prefix is None else by_prefix
    found = {w for k in long for w in table.get(k[:VARIANT_PREFIX], ()) if w.startswith(k)}
    return tuple(dict.fromkeys([*keys, *sorted(found)]))


@dataclass(frozen=True)
class ListingKeys:
    """What the screening reads from the whole listing, built once per listing with its other derived data
    (collection.CollectionInfo): the keys its abstracts define as the same (`defined_acronyms`, from the author
    index's `definitions`) and its single-word keys by their first letters (`prefixes`, for `with_variants`)."""

    acronyms: Acronyms
    by_prefix: Prefixes

    @classmethod
    def build(cls, found: Iterable[tuple[str, str]], stats: CorpusStats) -> ListingKeys:
        return cls(defined_acronyms(found, stats), prefixes(stats))


def with_acronyms(keys: Sequence[str], acronyms: Acronyms) -> tuple[str, ...]:
    """The keys and what the papers define as the same ("gnn" and "graph neural")."""
    return tuple(dict.fromkeys([*keys, *(k for key in keys for k in sorted(acronyms.get(key, ())))]))
