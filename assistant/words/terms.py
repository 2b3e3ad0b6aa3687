"""The terms of a text, the one rule every reader of questions and abstracts shares: stemmed content words
(hyphenated words also joined: "over-squashing" matches "oversquashing"), adjacent word pairs, and their document
frequencies over a collection (`CorpusStats`) for idf weights."""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..types import Paper
from .vocabulary import is_content_word, words

_local = threading.local()
GENERIC_SHARE = 0.2  # a term used by this share of the listing's papers names no topic by itself ('learning')



def _stem_word(word: str) -> str:
    """PyStemmer objects are not thread-safe: one per thread."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return str(stemmer.stemWord(word))


# Words the stemmer would merge with another concept: the architecture is not a "transformation" (measured: papers
# on a learnable affine transformation and on wavelet transforms were listed for "transformers for time series").
# Nor is the REINFORCE estimator reinforcement learning ("gradient estimation through discrete random variables
# (Gumbel-softmax, REINFORCE)" listed offline RL papers).
_OWN_STEMS = {"transformer": "transformer", "transformers": "transformer", "reinforce": "reinforce"}
# Plurals the stemmer does not know, stemmed as their singular: "Nash equilibria" is about a Nash equilibrium.
_LATIN_PLURALS = {
    "equilibria": "equilibrium", "criteria": "criterion", "phenomena": "phenomenon", "matrices": "matrix",
    "vertices": "vertex", "indices": "index", "hypotheses": "hypothesis", "analyses": "analysis",
    "spectra": "spectrum", "optima": "optimum", "minima": "minimum", "maxima": "maximum", "curricula": "curriculum",
    "simplices": "simplex", "automata": "automaton", "radii": "radius", "nuclei": "nucleus", "stimuli": "stimulus",
    "corpora": "corpus", "formulae": "formula", "apices": "apex",
}


# An acronym's plural ("GNNs", "LLMs", "MDPs"): a word with no vowel before its final "s", which the stemmer keeps
# (it only drops an "s" after a vowel), so "GNN papers" would not meet the abstracts' "GNNs".
_VOWELLESS_PLURAL = re.compile(r"[^aeiouy\W\d_]{2,}s")
# A participle of a noun in -ance/-ence ("imbalanced", "referenced", "experienced"), which the stemmer cuts short
# of the noun's stem ("imbalanc" vs "imbal"): stemmed as the noun.
_ENCE_PARTICIPLE = re.compile(r"\w{3,}[ae]nced")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    lower = word.lower()
    # "GNNs" as "GNN"; "imbalanced" as "imbalance" (the stemmer gives "imbalanc" and "imbal")
    if _VOWELLESS_PLURAL.fullmatch(lower) or _ENCE_PARTICIPLE.fullmatch(lower):
        lower = lower[:-1]
    return _OWN_STEMS.get(lower) or _stem_word(_LATIN_PLURALS.get(lower, lower))


def surface_terms(text: str) -> list[tuple[str, str]]:
    """(stem, surface word) for each content word; a hyphenated word gives its parts and the joined form."""
    out: list[tuple[str, str]] = []
    for word in words(text):
        out += word_terms(word)
    return out


@lru_cache(maxsize=262144)
def word_terms(word: str) -> tuple[tuple[str, str], ...]:
    """The terms of one word (cached: a collection repeats its words, and this is the hot loop of the idf table)."""
    word = re.sub(r"['\u2019]s$", "", word)
    parts = word.split("-")
    out = [(stem("".join(parts)), word.lower())] if len(parts) > 1 else []
    out += [(stem(p), p.lower()) for p in parts if is_content_word(p)]
    return tuple(out)


def restates(first: Sequence[str], second: Sequence[str]) -> bool:
    """Whether two phrases' keys share a term (a single word's stem): the second then elaborates the first ("domain
    adaptation to a new target domain"; "compositional generalization: models that generalize to novel
    combinations"). The one rule for the query plan's explanations and the screening's conjuncts."""
    return any(" " not in k and k in first for k in second)


def terms(text: str) -> list[str]:
    """Stemmed content terms of a text, in order (with repeats)."""
    return [t for t, _ in surface_terms(text)]


_PHRASE_BREAK = re.compile(r"[.,;:!?()\[\]{}\"\u201c\u201d]")


def phrases(text: str) -> list[tuple[str, str]]:
    """(stem key, surface) for each pair of adjacent content words ("sample quality", "score-based models")."""
    out: list[tuple[str, str]] = []
    for piece in _PHRASE_BREAK.split(text):
        previous: tuple[str, str] | None = None
        for word in words(piece):
            if not all(is_content_word(p) for p in word.split("-")):
                previous = None
                continue
            current = (stem(word.replace("-", "")), word.lower())
            if previous is not None:
                out.append((f"{previous[0]} {current[0]}", f"{previous[1]} {current[1]}"))
            previous = current
    return out


CORPUS_STATS = "extractive.corpus_stats"  # the name a retriever derives its listing's CorpusStats under


@dataclass
class CorpusStats:
    """Document frequencies over a collection (of stemmed terms and of adjacent word pairs), for idf weights and
    for spotting the themes of a group."""

    n_docs: int
    df: Counter[str]

    @classmethod
    def build(cls, papers: Iterable[Paper]) -> CorpusStats:
        df: Counter[str] = Counter()
        n = 0
        for paper in papers:
            n += 1
            text = paper_text(paper)
            df.update(set(terms(text)) | {key for key, _ in phrases(text)})
        return cls(n, df)

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def is_common(self, key: str) -> bool:
        """Whether at least GENERIC_SHARE of the papers use the key: it names no topic by itself ("learning")."""
        return self.df.get(key, 0) >= GENERIC_SHARE * self.n_docs


def paper_text(paper: Paper) -> str:
    """The title, abstract and keywords as one text, without TeX commands ("\\mathcal", "\\widetilde"): an
    abstract's mathematics is no evidence of its topic (they were learnt as words of "game theory")."""
    return _TEX_COMMAND.sub(" ", " ".join([paper.title, paper.abstract or "", " ".join(paper.keywords)]))


_TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
