"""Screening the candidates of a set question ("which papers...?", "how many...?"): every candidate is judged
relevant, possibly relevant or not relevant to the question's topic, with the sentence of its title or abstract
that decides it, copied verbatim.

Offline (`screen_offline`): a calibrated decision from two kinds of evidence, with few parameters (`Rule`, tuned on
the dev set in data/devset/, see docs/benchmarks.md):
- the words: the idf-weighted share of the topic's terms the title, abstract and keywords contain (hyphenated and
  joined forms count alike), with the topic's adjacent word pairs ("federated learning") counted as terms too, so
  a paper using the phrase outweighs one using its words apart;
- the meaning: the dense similarity of the paper's best chunk to the topic, relative to the best candidate's.
A paper strong on both is relevant; one strong on either is "possible" (shown apart, never dropped in silence);
the rest are not relevant. A question in the papers' own jargon (`is_jargon`: at least JARGON_SHARE of the
JARGON_TOP best candidates hold one of its head terms, the rarest terms of the topic that the listing uses, plus the
words learnt from the confident matches) is decided by a fitted model instead (screening_model, refit by
benchmarks/fit_screening.py; dev F1 cross-validated 0.703 -> 0.714): the same two kinds of evidence, how often the
topic's words occur (a paper about it vs one mentioning it in passing), and a penalty for a paper holding none of
the head terms: closeness in meaning alone ("over-squashing" near every graph network paper, "multi-agent RL" near
all of RL) does not make it about the topic (the rule's cap, `capped`, before the model). A question in lay words,
whose terms the best candidates do not use, is left to the rule, with the words the LAY_SEEDS candidates closest
in meaning share counted as evidence (the listing's own words for it: "federated", "clients" for "data that stays
on users' phones"). The topic's words, its alternatives and head terms are evidence.py's.

With an LLM: screening_llm.py (its verdicts are checked against the paper with `quote_in_paper`, below).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from ..keyword_index import split_sentences
from ..types import Hit, Paper, Screened, Verdict
from ..words.acronyms import definitions
from ..words.keys import paper_keys, surfaces_of, text_keys, text_surfaces
from ..words.sentences import key_sentence
from ..words.terms import CorpusStats, paper_text
from .evidence import (
    EXPANSION_WEIGHT,
    JARGON_TOP,
    Topic,
    capped,
    expansion_keys,
    head_keys,
    holds_any,
    is_jargon,
    names_nothing,
    resolve,
    word_evidence,
)
from .listing_keys import ListingKeys, with_acronyms, with_variants
from .screening_model import MODEL, Candidate, Model, features

__all__ = [  # the topic and its word evidence live in evidence.py; these names are imported from here too
    "Topic", "capped", "expansion_keys", "head_keys", "holds_any", "is_jargon", "paper_keys", "surfaces_of",
    "text_keys", "text_surfaces", "word_evidence",
]

_QUOTE_CHARS = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'", "\u2032": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u00a0": " ",
})


# --- the offline rule ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """The offline decision: a weighted sum of the word evidence and the meaning evidence, cut at two thresholds.
    Five numbers, calibrated on the dev set (data/devset/iclr2022, list and author+topic questions; see
    docs/benchmarks.md):
    - `words_weight`: the weight of the words (the meaning gets the rest);
    - `relevant` / `possible`: the score from which a paper is relevant / possibly relevant;
    - `keys_needed`: how many of the topic's heaviest terms a paper must hold for full word evidence;
    - `meaning_reference`: the dense similarity counted as full meaning evidence is the best candidate's, but never
      below this (so that when no paper is close to the topic, the closest one is not taken for a match)."""

    words_weight: float = 0.4
    relevant: float = 0.58
    possible: float = 0.5
    keys_needed: int = 2
    meaning_reference: float = 0.45

    def score(self, words: float, meaning: float) -> float:
        return self.words_weight * words + (1 - self.words_weight) * meaning

    def verdict(self, words: float, meaning: float) -> Verdict:
        score = self.score(words, meaning)
        if score >= self.relevant:
            return "relevant"
        return "possible" if score >= self.possible else "not_relevant"


DEFAULT_RULE = Rule()
# A question in lay words (not `is_jargon`): pseudo-relevance feedback from the LAY_SEEDS candidates closest in
# meaning, words at least LAY_SHARE of them use, counted at LAY_WEIGHT (dev set; held-out lay F1 0.25 -> 0.31).
LAY_SEEDS = 10
LAY_SHARE = 0.4
LAY_WEIGHT = 0.8
KEYWORD_ONLY = 0.8  # see `evidence` (dev: topic P 0.65 -> 0.66, F1 0.677 -> 0.683)


@dataclass(frozen=True)
class Evidence:
    words: float
    meaning: float


def evidence(hits: Sequence[Hit], topic: Topic, stats: CorpusStats, rule: Rule = DEFAULT_RULE) -> list[Evidence]:
    """Words and relative meaning of each candidate. A candidate the dense side did not return (a keyword-only
    match: further in meaning than every dense candidate) counts KEYWORD_ONLY x as close as the weakest of them."""
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    reference = max([*dense, rule.meaning_reference])
    weakest = min(dense) if dense else 0.0
    out = []
    for hit in hits:
        words = word_evidence(hit.paper, topic, stats, rule.keys_needed)
        if not dense:  # keyword-only retrieval (search_mode bm25): the words are all the evidence there is
            out.append(Evidence(words, words))
            continue
        similarity = hit.dense_score if hit.dense_score is not None else KEYWORD_ONLY * weakest
        out.append(Evidence(words, max(0.0, similarity) / reference))
    return out


def screen_offline(
    hits: Sequence[Hit], topic: Topic, stats: CorpusStats, rule: Rule = DEFAULT_RULE, model: Model = MODEL, *,
    listing_keys: ListingKeys | None = None,
) -> list[Screened]:
    """Every candidate with its verdict and deciding sentence, in the given order. A topic with no terms (a
    filter-only question: "what did X publish?") makes every candidate relevant, quoted by its key sentence.
    `listing_keys`: the listing's acronyms and words (collection.CollectionInfo); None reads them now (the
    acronyms from the candidates)."""
    if not topic.keys:
        return [Screened(hit, "relevant", contribution_quote(hit.paper)) for hit in hits]
    if names_nothing(topic, stats, [h.paper for h in hits]):  # "zorblax learning": the closest papers, none about it
        return [Screened(hit, "not_relevant", deciding_sentence(hit.paper, topic, stats)) for hit in hits]
    topic = resolve(topic, stats)
    if sides_apart(hits, topic, stats, listing_keys):  # "reinforcement learning for chip design": none on both
        return [Screened(hit, "not_relevant", deciding_sentence(hit.paper, topic, stats)) for hit in hits]
    learnt = feedback(hits, topic, stats, rule, listing_keys=listing_keys)
    return [Screened(hit, verdict, deciding_sentence(hit.paper, topic, stats))
            for hit, verdict in zip(hits, verdicts(hits, learnt, rule, model), strict=True)]


def verdicts(hits: Sequence[Hit], learnt: Feedback, rule: Rule = DEFAULT_RULE, model: Model = MODEL) -> list[Verdict]:
    """The candidates' verdicts: a question in the papers' own words (`Feedback.jargon`) by the fitted model
    (screening_model), a question in lay words by the rule (how often its words occur says nothing there)."""
    if not learnt.jargon:
        return [rule.verdict(ev.words, ev.meaning) for ev in learnt.found]
    # A paper missing a side of a conjunctive topic is at most possible, whatever the model says: a time-series
    # paper with no transformer is not about "transformers for time series" however well it matches the rest.
    return [capped(model.verdict(row), misses_a_side(hit.paper, learnt))
            for hit, row in zip(hits, feature_rows(hits, learnt), strict=True)]


def feature_rows(hits: Sequence[Hit], learnt: Feedback) -> list[tuple[float, ...]]:
    """The screening model's features of each candidate (screening_model.FEATURES)."""
    return features([Candidate(hit, ev.words, ev.meaning, lacks_head(hit.paper, learnt))
                     for hit, ev in zip(hits, learnt.found, strict=True)])


@dataclass(frozen=True)
class Feedback:
    """What the candidates teach about the topic: each one's evidence (expansions counted), the head terms (the
    topic's and those learnt from its confident matches), whether the question is in the papers' jargon, and, for a
    question in lay words, the listing's own words for it (empty for a jargon question)."""

    found: list[Evidence]
    head: tuple[str, ...]
    jargon: bool
    lay: Topic
    conjuncts: tuple[tuple[str, ...], ...] = ()  # key sets a paper must each touch (see `conjuncts_of`)
    common_head: bool = False  # every head term is in GENERIC_SHARE of the listing's abstracts or more


def feedback(
    hits: Sequence[Hit], topic: Topic, stats: CorpusStats, rule: Rule = DEFAULT_RULE, *,
    listing_keys: ListingKeys | None = None,
) -> Feedback:
    """The pseudo-relevance feedback of a resolved topic's candidates (see `Feedback`), the one rule for both the
    screening and the widening of a lay question's candidates (`lay_words`)."""
    found = evidence(hits, topic, stats, rule)
    expansion = expansion_keys([h.paper for h, ev in zip(hits, found, strict=True) if ev.words >= 1.0
                                and rule.verdict(ev.words, ev.meaning) == "relevant"], topic, stats)
    found = expanded(hits, found, expansion, EXPANSION_WEIGHT, stats, rule)
    own_head = head_keys(topic, stats)  # the topic's own, before the terms its confident matches taught
    head = own_head + expansion.keys
    conjuncts = conjuncts_of(hits, topic, stats, listing_keys)
    # sides each in the papers' words ("graph neural networks for recommendation"), whichever leads the ranking
    if conjuncts or is_jargon(hits, head, together=len(topic.alternatives) > 1, stats=stats):
        common = bool(own_head) and all(stats.is_common(k) for k in own_head)
        return Feedback(found, head, True, Topic(topic.text, ()), conjuncts, common)
    # lay words: learn the listing's own words for the topic from the papers closest in meaning
    closest = sorted(hits, key=lambda h: -(h.dense_score or 0.0))[:LAY_SEEDS]
    lay = expansion_keys([h.paper for h in closest], topic, stats, LAY_SHARE)
    return Feedback(expanded(hits, found, lay, LAY_WEIGHT, stats, rule), head, False, lay)


def conjuncts_of(
    hits: Sequence[Hit], topic: Topic, stats: CorpusStats, listing_keys: ListingKeys | None = None
) -> tuple[tuple[str, ...], ...]:
    """The two sides of a topic listing alternatives around shared words ("transformers or self-attention to
    graphs": one alternative's head, and the shared head "graph"), when the best candidates use the shared words
    (is_jargon); or of two phrases joined by a preposition ("diffusion models for molecules"), each side with the
    acronyms the listing defines for it ("GNN" for "graph neural networks"; without `listing_keys`, those the
    candidates define); else the head words of a topic of one alternative (`head_sides`)."""
    if not topic.context or not topic.alone:
        return head_sides(hits, topic, stats, listing_keys)
    sides = phrase_sides(hits, topic, stats, listing_keys)
    if len(topic.alternatives) > 1 and not is_jargon(hits, sides[1]):  # listed ones: the shared words, the papers'
        return ()
    return sides if sides_used(hits, sides) else ()


def head_sides(
    hits: Sequence[Hit], topic: Topic, stats: CorpusStats, listing_keys: ListingKeys | None = None
) -> tuple[tuple[str, ...], ...]:
    """The sides of a topic naming one thing by two words of like rarity ("robust reinforcement learning",
    "identifiable representation learning"): its head keys, grouped where one's words hold the other's
    ("reinforc" and "reinforc learn"), each group a side, with the acronyms the listing defines for it ("RL").
    A paper must hold both: either alone is a broader subject (as a head of either, "robust reinforcement
    learning" listed every RL paper: 150 for 7). Only for a topic of one alternative."""
    if len(topic.alternatives) > 1:
        return ()
    groups: list[set[str]] = []
    for key in topic.head or head_keys(topic, stats):  # resolve sets it
        joined = [g for g in groups if any(one_name(key, k) for k in g)]
        groups = [g for g in groups if g not in joined] + [set().union({key}, *joined)]
    if len(groups) < 2:
        return ()
    sides = in_listing_words(hits, [sorted(g) for g in groups], stats, listing_keys)
    return sides if sides_used(hits, sides) else ()


def one_name(first: str, second: str) -> bool:
    """Whether two keys name one thing: one's words hold the other's ("reinforc learn", "reinforc"), or one word
    begins the other (a hyphenated word's part and its joined form: "meta", "metalearn")."""
    a, b = first.split(), second.split()
    return set(a) <= set(b) or set(b) <= set(a) or any(x.startswith(y) or y.startswith(x) for x in a for y in b)


def sides_used(hits: Sequence[Hit], sides: Sequence[Sequence[str]]) -> bool:
    """Each side used by some of the best candidates (two of the best 2 x JARGON_TOP): else the phrase is the
    user's, not the papers' ("loss functions for training classifiers or regressors": "training classifiers" is in
    3 abstracts, and as a side it had left no paper on loss functions relevant)."""
    return all(sum(holds_any(h.paper, keys) for h in hits[: 2 * JARGON_TOP]) >= 2 for keys in sides)


SIDES_CANDIDATES = 2 * JARGON_TOP  # the fewest candidates `sides_apart` reads
SIDES_RARE = 3  # ... and the most papers of the listing its rarer side may be written in


def sides_apart(
    hits: Sequence[Hit], topic: Topic, stats: CorpusStats, listing_keys: ListingKeys | None = None
) -> bool:
    """A topic of two phrases joined by a preposition (evidence.phrase_conjuncts) whose sides, with the acronyms the
    listing defines for them, no candidate holds together: no paper is about it, however close in meaning ("papers
    that use reinforcement learning for chip design" listed 94 papers on reinforcement learning; the one paper
    writing "chip" is on low-precision training). Only over many candidates (SIDES_CANDIDATES): a filter's few
    papers ("which of Wen Sun's papers are reinforcement learning theory with provable guarantees?") may each write
    a side in other words; and only when one side is nearly absent from the listing (SIDES_RARE papers): "NLP" is
    in 28 abstracts, and a paper on adversarial training of language models may never write it."""
    if len(hits) < SIDES_CANDIDATES or len(topic.alternatives) > 1 or not topic.context or not topic.alone:
        return False
    sides = phrase_sides(hits, topic, stats, listing_keys)
    if min(max((stats.df.get(k, 0) for k in side), default=0) for side in sides) > SIDES_RARE:
        return False  # both sides are the listing's words: "adversarial training for NLP" may say "language models"
    return not any(all(holds_any(h.paper, keys) for keys in sides) for h in hits)


def phrase_sides(
    hits: Sequence[Hit], topic: Topic, stats: CorpusStats, listing_keys: ListingKeys | None = None
) -> tuple[tuple[str, ...], ...]:
    """The head keys of each phrase of a two-phrase topic, with the acronyms the listing defines for them ("GNN"
    for "graph neural networks"; without `listing_keys`, those the candidates define) and their word variants."""
    return in_listing_words(hits, (topic.alone, topic.context), stats, listing_keys)


def in_listing_words(
    hits: Sequence[Hit], sides: Sequence[Sequence[str]], stats: CorpusStats, listing_keys: ListingKeys | None
) -> tuple[tuple[str, ...], ...]:
    """Each side's keys with the acronyms the listing defines for them (without `listing_keys`, those the
    candidates define) and their word variants: what a paper may write a side in."""
    listing = listing_keys or ListingKeys.build(definitions([h.paper for h in hits]), stats)
    return tuple(with_variants(with_acronyms(keys, listing.acronyms), stats, listing.by_prefix) for keys in sides)


def misses_a_side(paper: Paper, learnt: Feedback) -> bool:
    """A jargon question whose topic has conjuncts (`conjuncts_of`), and the paper holds none of one side's keys."""
    return learnt.jargon and any(not holds_any(paper, keys) for keys in learnt.conjuncts)


def lacks_head(paper: Paper, learnt: Feedback) -> bool:
    """Whether the jargon cap applies to a paper: a jargon question, and the paper holds none of its head terms,
    or none of one of its conjuncts' (a vision transformer paper for "transformers applied to graphs"). A head of
    words most abstracts use (`Feedback.common_head`: "optimization", in 30% of them) is held only in the title
    or the keywords: "we optimize" in an abstract does not make a paper one on optimization."""
    if not learnt.jargon:
        return False
    holder = title_paper(paper) if learnt.common_head else paper
    return not holds_any(holder, learnt.head) or misses_a_side(paper, learnt)


def title_paper(paper: Paper) -> Paper:
    """The paper with its title and keywords only (what it says it is about)."""
    return replace(paper, abstract="")


def lay_words(
    hits: Sequence[Hit], topic: Topic, stats: CorpusStats, rule: Rule = DEFAULT_RULE, *,
    listing_keys: ListingKeys | None = None,
) -> list[str]:
    """The listing's own words for a question in lay words, as its closest candidates write them ("federated",
    "clients" for "data that stays on users' phones"), for a second retrieval pass; [] for a jargon question or a
    topic without terms (its own words already find its papers)."""
    if not topic.keys or not hits:
        return []
    lay = feedback(hits, resolve(topic, stats), stats, rule, listing_keys=listing_keys).lay
    if not lay.keys:
        return []
    written: dict[str, str] = {}
    for hit in sorted(hits, key=lambda h: -(h.dense_score or 0.0))[:LAY_SEEDS]:
        surfaces = text_surfaces(paper_text(hit.paper))
        for key in lay.keys:
            if key in surfaces:
                written.setdefault(key, surfaces[key])
    return [written[key] for key in lay.keys if key in written]


def expanded(
    hits: Sequence[Hit], found: list[Evidence], expansion: Topic, weight: float, stats: CorpusStats, rule: Rule
) -> list[Evidence]:
    """The evidence with the expansion words counted, at `weight` of full word evidence."""
    if not expansion.keys:
        return found
    return [Evidence(max(ev.words, weight * word_evidence(h.paper, expansion, stats, rule.keys_needed)), ev.meaning)
            for h, ev in zip(hits, found, strict=True)]


# --- the deciding sentence ----------------------------------------------------------------------------------------


@lru_cache(maxsize=32768)
def candidate_sentences(paper: Paper) -> tuple[str, ...]:
    """The sentences a quote may come from: the abstract's, then the title."""
    return (*split_sentences(paper.abstract or ""), paper.title)


def deciding_sentence(paper: Paper, topic: Topic, stats: CorpusStats) -> str:
    """The abstract sentence (else the title) holding the most idf weight of the topic's terms and word pairs;
    the contribution sentence when none holds any. Always verbatim from the paper."""
    best, best_score = "", 0.0
    for position, sentence in enumerate(candidate_sentences(paper)):
        present = text_keys(sentence)
        score = sum(stats.idf(k) for k in topic.keys if k in present) - position * 1e-6
        if score > best_score:
            best, best_score = sentence, score
    return verbatim(paper, best) if best else contribution_quote(paper)


def contribution_quote(paper: Paper) -> str:
    found = key_sentence(paper)
    return verbatim(paper, found.sentence) if found else paper.title


# --- verbatim checks ---------------------------------------------------------------------------------------------


def normalise(text: str) -> tuple[str, list[int]]:
    """Text compared loosely (quotes and dashes unified, case folded, whitespace dropped), with the index in the
    original text of each kept character."""
    kept: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text.translate(_QUOTE_CHARS)):
        if not char.isspace():
            kept.append(char.lower())
            where.append(i)
    return "".join(kept), where


def find_verbatim(source: str, quote: str) -> str | None:
    """The span of `source` that `quote` copies (after normalisation), as it is written in `source`; None when the
    quote is not in it."""
    wanted, _ = normalise(quote.strip().strip("\"'\u201c\u201d\u2018\u2019"))
    if len(wanted) < 12:  # too short to show that the paper says it
        return None
    haystack, where = normalise(source)
    start = haystack.find(wanted)
    if start < 0:
        return None
    return source[where[start] : where[start + len(wanted) - 1] + 1]


def verbatim(paper: Paper, quote: str) -> str:
    """`quote` as written in the paper (title or abstract); `quote` itself if it cannot be located (our own
    sentences always can: they are split from the abstract)."""
    if quote in (paper.abstract or "") or quote == paper.title:
        return quote
    for source in (paper.abstract or "", paper.title):
        found = find_verbatim(source, quote)
        if found:
            return found
    return quote


def quote_in_paper(paper: Paper, quote: str) -> str | None:
    for source in (paper.abstract or "", paper.title):
        found = find_verbatim(source, quote)
        if found:
            return found
    return None
