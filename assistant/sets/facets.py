"""The alternatives a topic lists ("pruning and lottery tickets", "catastrophic forgetting in continual or
class-incremental learning"): its runs of content words joined by "or", "and" or commas, each alternative with the
words around its list (a facet), and the phrase after the list that applies to all of them (its tail). Text only:
what the listing says of the keys is evidence.py's."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from ..words.keys import content_stem
from ..words.terms import CorpusStats
from ..words.vocabulary import is_content_word

_TOKENS = re.compile(r",|[^\W_]+(?:['\u2019][a-z]+)?(?:-[^\W_]+)*", re.UNICODE)  # plan.words, and commas
_JOINS = frozenset({"or", "and", ",", "nor"})  # what lists alternatives
_JOIN_FILLERS = frozenset({"other", "others", "either", "also", "as", "well", "the", "a", "an", "any", "related"})
PREPOSITIONS = frozenset({"to", "in", "for", "on", "of", "over", "with", "within", "across", "under", "via", "from"})
MAX_FACETS = 12
DISTRIBUTED = 3  # the most alternatives a phrase after the list applies to each of (`distributes`)


def tokens_of(text: str) -> list[str]:
    """The words of a text (hyphenated ones whole) and its commas."""
    return _TOKENS.findall(text)


def tail_of(text: str) -> str:
    """The phrase after a topic's last list of alternatives ("to graphs" of "transformers or self-attention to
    graphs"): a preposition and one run of content words, the list's complement; "" when it lists none, ends with
    the list, goes on with more than one phrase (a clause: "pictures or sounds by starting from random noise and
    cleaning it") or with no preposition (the object of the last alternative only: "simulate physics or solve the
    equations")."""
    tokens = tokens_of(text)
    lists = [alts for alts in alternative_runs(tokens) if len(alts) > 1]
    tail = tokens[lists[-1][-1][1]:] if lists and distributes(lists[-1]) else []
    complement = bool(tail) and tail[0].lower() in PREPOSITIONS and len(alternative_runs(tail)) == 1
    return " ".join(tail) if complement else ""


def distributes(alternatives: Sequence[tuple[int, int]]) -> bool:
    """Whether what follows a list applies to each of its alternatives: to a short list ("pruning, quantization or
    distillation for language models"), not to a long list of examples, whose last one it completes ("low-rank
    structure, e.g. matrix or tensor factorization, SVD, PCA or low-rank approximations of weights")."""
    return len(alternatives) <= DISTRIBUTED


def facets_of(text: str, stats: CorpusStats | None = None) -> list[str]:
    """The alternatives of a topic, each with the words around its list ("transformers or self-attention to
    graphs" -> "transformers to graphs", "self-attention to graphs"); [] when it lists none. Alternatives are
    runs of content words joined by "or", "and" or commas (with "other", "either" ... beside them). A one-word
    alternative before a longer last one shares its last word when the listing uses that pair ("noisy or ambiguous
    labels" -> "noisy labels", "ambiguous labels"; but "pruning and lottery tickets" -> "pruning")."""
    tokens = tokens_of(text)
    lists = [alts for alts in alternative_runs(tokens) if len(alts) > 1]
    if not lists:
        return []
    choices = []
    for alts in lists:
        last = tokens[alts[-1][0] : alts[-1][1]]
        options = []
        for start, end in alts:
            own = tokens[start:end]
            if stats is not None and len(own) == 1 < len(last) and shares_head(own[0], last[-1], stats):
                own = [*own, last[-1]]
            options.append(own)
        if stats is not None and len(last) > 1 and distributes(alts):
            options = [own for own in options[:-1] if not names_nothing_alone(own, stats)] + options[-1:]
        choices.append(options)
    facets = []
    tail = tokens[lists[-1][-1][1] :]
    for chosen in itertools.islice(itertools.product(*choices), MAX_FACETS):
        kept: list[str] = []
        at = 0
        for alts, alternative in zip(lists, chosen, strict=True):
            kept += [*tokens[at : alts[0][0]], *alternative]
            at = alts[-1][1]
        completes = distributes(lists[-1]) or chosen[-1] is choices[-1][-1]  # a long list's tail: its last one's
        facets.append(" ".join([*kept, *(tail if completes else ())]).replace(" ,", ","))
    return facets


def names_nothing_alone(alternative: Sequence[str], stats: CorpusStats) -> bool:
    """A one-word alternative the listing's papers mostly use, before a longer last one ("learning" of "learning or
    solving PDEs with neural networks"): the verb of the next one, whose object it shares; as an alternative of its
    own it made every paper "learning with neural networks" match (8 listed for 7, 140 more possibly relevant). Only
    in a short list (`distributes`), and never the last alternative, an object of its own ("benchmark or dataset")."""
    stems = [stem for word in alternative for stem in [content_stem(word)] if stem]
    return len(alternative) == 1 and bool(stems) and all(stats.is_common(stem) for stem in stems)


def alternative_runs(tokens: Sequence[str]) -> list[list[tuple[int, int]]]:
    """The runs of content words ([start, end) token indexes), grouped into lists joined by "or", "and", commas."""
    runs: list[list[int]] = []
    for i, token in enumerate(tokens):
        if token != "," and any(is_content_word(part) for part in token.split("-")):
            if runs and runs[-1][1] == i:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1])
    lists: list[list[tuple[int, int]]] = []
    for r, (start, end) in enumerate(runs):
        between = {t.lower() for t in tokens[runs[r - 1][1] : start]} if r else set()
        if between and between <= _JOINS | _JOIN_FILLERS and between & _JOINS:
            lists[-1].append((start, end))
        else:
            lists.append([(start, end)])
    return lists


def shares_head(modifier: str, head: str, stats: CorpusStats) -> bool:
    """Whether the listing uses `modifier head` ("noisy labels"): then "noisy or ambiguous labels" means it."""
    first, second = content_stem(modifier), content_stem(head)
    return first is not None and second is not None and stats.df.get(f"{first} {second}", 0) > 0


