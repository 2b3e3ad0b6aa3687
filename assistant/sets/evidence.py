"""The words of a set question's topic and their evidence in a paper, for the offline screening (screening.py).

- Keys (keys.py): the topic's stemmed terms and adjacent word pairs, so a paper using the phrase ("federated
  learning") outweighs one using its words apart.
- Facets (`resolve`): a topic that lists alternatives ("pruning and lottery tickets", "catastrophic forgetting in
  continual or class-incremental learning", "prompt tuning, adapters and other parameter-efficient fine-tuning")
  is matched by a paper about any one of them. Each alternative, with the words around the list that all
  alternatives share, is a facet ("catastrophic forgetting in continual learning", "catastrophic forgetting in
  class-incremental learning"; the text's reading is facets.py's); the word evidence is that of the best-covered
  facet.
- Coverage: the idf weight of a facet's keys that a paper holds, as a share of the weight of its `keys_needed`
  heaviest keys that the listing uses (a key no paper uses cannot be matched, and must not lower every paper).
- Head keys: each facet's rarest keys, its jargon ("over-squashing"), not the field words around it. A paper
  without any has limited word evidence (NO_HEAD_WORDS), and in a jargon question it is at most possible.
- Expansion (pseudo-relevance feedback): words the confident matches share that are rare in the listing.
- FILLER: words of results, evaluation and framing ("significantly outperform", "extensive experiments"), in one
  place: they never name a group of a set answer (grouping.py) nor expand a topic.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from ..types import Hit, Paper, Verdict
from ..words.keys import content_stems, holds, joined_key, keys_of, paper_keys, text_surfaces
from ..words.terms import CorpusStats, paper_text, phrases, restates, terms
from ..words.vocabulary import words
from .facets import PREPOSITIONS, alternative_runs, facets_of, tail_of, tokens_of

FACET_WEIGHT = 0.6  # a paper covering one alternative only has this share of full word evidence (dev set)
# ... and one using one of a concept's names ("demographic parity" for algorithmic fairness) this share: a name is
# as good as the term, but the glossary's less specific names admit some papers off the concept (dev F1 0.816 ->
# 0.815 and held-out 8 0.786 -> 0.794 at 0.8; at 1.0 0.814 and 0.795, dev lay precision 0.76 -> 0.73).
SYNONYM_WEIGHT = 0.8

# Pseudo-relevance feedback (see expansion_keys), numbers calibrated with the rule.
EXPANSION_MIN_PAPERS = 3
EXPANSION_SHARE = 0.5
EXPANSION_MAX_DF = 0.03
EXPANSION_WEIGHT = 1.0  # expansion words count this much of full word evidence
# The jargon cap (see is_jargon, head_keys): three numbers calibrated on the dev set.
HEAD_RATIO = 0.8
# A word pair written in fewer papers is no head (`head_candidates`). Dev, held-out 8 and 9 F1 at 5: 0.815, 0.794,
# 0.714; at 4: 0.816, 0.791, 0.723 (at 5, "image segmentation", in 4 abstracts, let in every vision backbone
# evaluated on semantic segmentation); at 3: 0.816, 0.784, 0.724.
HEAD_PAIR_PAPERS = 4
OVERLAP_RATIO = 10  # see `overlapping_pairs`
NO_HEAD_WORDS = 0.6  # the most word evidence of a paper holding none of a topic's head keys (dev set)
PREFIX_BREADTH = 2  # a phrase applied to alternatives is a conjunct in this many times their papers (prefix_conjuncts)
JARGON_TOP = 10
JARGON_SHARE = 0.4
JARGON_HOLDERS = 0.5  # ... or this share of the papers holding a rare head term (`is_jargon`)

# Words of results, evaluation and framing, and words that only join or qualify others ("according to", the
# "centric" of "object-centric", the "aware" of "uncertainty-aware"): a group named by them says nothing about its
# subject, and a topic expanded by them admits any paper.
_FILLER = """outperform outperforms outperforming outperformed significantly significant state art sota
benchmark benchmarks experiment experiments experimental empirical empirically extensive extensively result results
performance performances perform performs improve improves improved improvement improvements achieve achieves
achieved achieving demonstrate demonstrates demonstrated show shows shown novel new method methods methodology
approach approaches existing previous prior propose proposes proposed framework frameworks problem problems task tasks
paper work works baseline baselines superior effective effectiveness competitive strong stronger better best
wide range variety various several different code available github com https http www publicly release released
comparable compared comparison evaluate evaluated evaluation evaluations leading leads lead current recent recently
well based further first also however thus furthermore moreover specifically particular particularly key main
simple simply able ability often many much large small number numbers set sets use using used study studies
way ways end even still make makes made provide provides provided introduce introduces introduced present presents
called termed named extensive gain gains suggest suggests demonstrating showing propose art-of-the state-of-the-art
sample samples approach high higher low lower solve solves solving effect effects goal goals design designs
predict predicts predicting change changes changing three two four five global local examples example deep
theoretic theoretical queried query bound bounds decoding desiderata able apply applies applied applying
issue issues challenge challenges setting settings case cases general generally way enable enables allow allows
though although whereas while since yet thereby therefore hence aforementioned respectively namely
important importance crucial critical fundamental promising remarkable remarkably substantially substantial
consistently consistent notably typically usually commonly widely largely mainly mostly fully highly
investigate investigates investigated investigating explore explores explored exploring devise devises devised
reasonable inaccurate tightly increasing gained gaining grow grows enhance enhances enhanced
according accordingly respect regarding regard towards toward across via within without given due instead rather
despite among amongst upon whether centric aware oriented driven agnostic specific wise free"""
FILLER = frozenset(_FILLER.split())
_DIGITS = re.compile(r"^[\d.]+$")


@lru_cache(maxsize=65536)
def is_filler(surface: str) -> bool:
    """Whether a word or word pair (as written) holds a filler word, a number or a word under three letters."""
    parts = [p for p in re.split(r"[\s\-]+", surface.lower()) if p]
    return not parts or any(p in FILLER or _DIGITS.match(p) or len(p) < 3 for p in parts)


# --- the topic and its facets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """What the candidates are screened against: the topic as the user wrote it, and its stemmed terms and word
    pairs (the evidence keys). `facets` (set by `resolve`, which reads the listing) are the key sets a paper may
    cover: one per alternative when the topic lists several, else the topic's own keys."""

    text: str
    terms: tuple[str, ...]
    pairs: tuple[str, ...] = ()
    facets: tuple[tuple[str, ...], ...] = ()
    head: tuple[str, ...] = ()  # with facets: every facet's head keys (see `head_keys`), set by `resolve`
    context: tuple[str, ...] = ()  # with facets: the head of the words all alternatives share (`context_keys`)
    alone: tuple[str, ...] = ()  # with a context: the head keys of each alternative without it
    synonyms: bool = False  # the alternatives name one concept (a glossary reading's names), not kinds of it

    @classmethod
    def of(cls, text: str, given_terms: Sequence[str] = ()) -> Topic:
        own = tuple(dict.fromkeys(given_terms or terms(text)))
        return cls(text, own, tuple(dict.fromkeys(key for key, _ in phrases(text))))

    @property
    def keys(self) -> tuple[str, ...]:
        return self.terms + self.pairs

    @property
    def alternatives(self) -> tuple[tuple[str, ...], ...]:
        return self.facets or (self.keys,)


def resolve(topic: Topic, stats: CorpusStats) -> Topic:
    """The topic with its facets (see `facets_of`). A word pair a facet borrows from another alternative
    ("quantization networks" of "quantization or low-precision neural networks") is left out of its keys: the
    borrowed word is context, and a paper on "network quantization" must not need the pair (nor have it as head)."""
    if topic.facets or not topic.keys:
        return topic
    found = facets_of(topic.text, stats) or [topic.text]
    own = set(topic.pairs)  # a pair a facet borrows from another alternative ("quantization networks") is context
    facets = tuple(tuple(k for k in keys_of(facet) if " " not in k or k in own) or topic.keys for facet in found)
    resolved = replace(topic, facets=facets)
    context, alone = context_keys(topic.text, facets, stats)
    return replace(resolved, head=head_keys(resolved, stats), context=context, alone=alone)


def context_keys(
    text: str, facets: Sequence[Sequence[str]], stats: CorpusStats
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The conjuncts of a topic whose alternatives are applied to what follows them ("transformers or
    self-attention to graphs", "over-squashing or oversmoothing in graph neural networks"): `context`, the head of
    the keys after the list ("graph"), and `alone`, the head keys of each alternative without them ("transform",
    "self-attent"). A paper on graphs alone, or on transformers alone, is not about transformers on graphs (see
    screening's conjunct cap). Words before the list are a conjunct only where broader than every alternative
    (`prefix_conjuncts`: "catastrophic forgetting in continual or class-incremental learning" is not one), and a
    word the list distributes after such a phrase ("learning with noisy or ambiguous labels") is part of each
    alternative, no conjunct; a list that is the whole topic has it as one (`distributed_conjuncts`). Nor is a tail
    that restates a word of the list ("domain adaptation and test-time adaptation to a new target domain"): it
    elaborates the alternatives, it does not apply them to something else."""
    if len(facets) < 2:
        return phrase_conjuncts(text, stats)
    tail = tail_of(text)
    if not tail:
        tokens = tokens_of(text)
        lists = alternative_runs(tokens)
        if len(lists) == 1:  # the list is the whole topic, no phrase before it (prefix_conjuncts)
            return distributed_conjuncts([keys_of(" ".join(tokens[a:b])) for a, b in lists[0]], facets, stats)
        return prefix_conjuncts(text, stats)
    after = keys_of(tail)
    shared = [k for k in after if all(k in f for f in facets) and stats.df.get(k, 0) > 0]
    own = tokens_of(text)[: -len(tokens_of(tail)) or None]  # the text before the tail
    if not shared or restates(keys_of(" ".join(own)), after):
        return (), ()
    alone = [k for f in facets for k in head_of([k for k in f if k not in shared and stats.df.get(k, 0) > 0], stats)]
    return tuple(head_of(shared, stats)), tuple(dict.fromkeys(alone))


def prefix_conjuncts(text: str, stats: CorpusStats) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The conjuncts of a phrase applied by a preposition to a list of alternatives ("graph neural networks for
    spatio-temporal data or dynamic graphs"), as `context_keys` gives them: the head of the phrase, and the heads of
    the alternatives. A graph network paper on neither is not about it (measured: the question listed every graph
    network paper). Not when every alternative restates a word of the phrase ("forgetting in continual learning or
    forgetting in RL"), and only when the phrase's head is specific (`specific_head`) and broader than every
    alternative: each alternative's side is its keys in under 1 / PREFIX_BREADTH of the phrase's papers. Where an
    alternative has none, the phrase is the subject and the alternatives its setting: "catastrophic forgetting in
    continual or class-incremental learning" (forgetting in 25 abstracts, continual in many more), and a
    continual-learning paper that words it otherwise is about it (measured: as conjuncts, dev recall 26 -> 18 of 26)."""
    tokens = tokens_of(text)
    groups = alternative_runs(tokens)
    if len(groups) < 2 or len(groups[0]) != 1 or len(groups[1]) < 2:
        return (), ()
    (start, end), alternatives = groups[0][0], groups[1]
    if not {t.lower() for t in tokens[end : alternatives[0][0]]} & PREPOSITIONS:
        return (), ()
    phrase = keys_of(" ".join(tokens[start:end]))
    options = [keys_of(" ".join(tokens[a:b])) for a, b in alternatives]
    if all(restates(phrase, keys) for keys in options):
        return (), ()
    context = specific_head(phrase, stats)
    if not context:
        return (), ()
    narrow = max(stats.df[k] for k in context) / PREFIX_BREADTH
    sides = [[k for k in keys if 0 < stats.df.get(k, 0) < narrow and k not in _FIELD_KEYS] for keys in options]
    if not all(sides):  # an alternative as broad as the phrase: it is the setting, the phrase the subject
        return (), ()
    return context, tuple(dict.fromkeys(k for side in sides for k in side))


def distributed_conjuncts(
    written: Sequence[Sequence[str]], facets: Sequence[Sequence[str]], stats: CorpusStats
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The conjuncts of a list of modifiers of one noun ("black-box or transfer-based adversarial attacks"), as
    `context_keys` gives them: the head of the words every alternative shares (the noun the list distributes,
    "attack"), and the heads of each alternative without it. A black-box optimization paper is about neither
    (measured: 33 listed for 8). Only for a topic that is the list alone (`prefix_conjuncts` reads a list after a
    phrase), and where the shared words are specific (`specific_head`): "federated or distributed learning" share
    only "learning". Nor where every alternative writes the shared words itself ("principal component analysis or
    canonical correlation analysis", "weight initialization or randomly initialized networks"): each is then a name
    of its own, which its papers may abbreviate ("PCA"). `written`: each alternative's keys as written, `facets`
    with the distributed words."""
    shared = [k for k in facets[0] if " " not in k and all(k in f for f in facets[1:])
              and any(k not in keys for keys in written)]
    context = specific_head(shared, stats)
    if not context:
        return (), ()
    alone = [head_of([k for k in f if k not in shared and stats.df.get(k, 0) > 0], stats) for f in facets]
    if not all(alone):
        return (), ()
    return context, tuple(dict.fromkeys(k for side in alone for k in side))


def phrase_conjuncts(text: str, stats: CorpusStats) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The conjuncts of a topic of two phrases joined by a preposition ("diffusion models for molecules",
    "transformers for time series", "contrastive learning on graphs"), as `context_keys` gives them: the head
    keys of the second phrase and of the first. A diffusion paper that never touches molecules is not about
    diffusion models for molecules (measured: such questions listed every paper of either side). Only when both
    heads are specific (each used by under GENERIC_SHARE of the listing's papers): "learning from human
    preferences", "robustness in deep learning" name one subject, which the general side only frames."""
    tokens = tokens_of(text)
    runs = [run for alts in alternative_runs(tokens) for run in alts]
    if len(runs) != 2 or not {t.lower() for t in tokens[runs[0][1] : runs[1][0]]} & PREPOSITIONS:
        return (), ()
    first_keys, second_keys = (keys_of(" ".join(tokens[start:end])) for start, end in runs)
    if restates(first_keys, second_keys):  # "domain adaptation to a new target domain": one subject
        return (), ()
    first, second = specific_head(first_keys, stats), specific_head(second_keys, stats)
    return (second, first) if first and second else ((), ())


# The field's name for itself: "robustness in deep learning" is about robustness (stems, as keys are).
_FIELD_KEYS = frozenset({"deep learn", "machin learn", "neural network", "deep neural", "deep network", "neural net",
                         "artifici intellig", "ai", "ml", "deep", "neural", "network", "learn", "model", "deep model"})


def specific_head(keys: Sequence[str], stats: CorpusStats) -> tuple[str, ...]:
    """The head keys (`head_of`) of a phrase, if the listing uses them in under GENERIC_SHARE of its papers and
    they are not the field's name for itself (_FIELD_KEYS)."""
    head = head_of([k for k in keys if stats.df.get(k, 0) > 0 and k not in _FIELD_KEYS], stats)
    return tuple(k for k in head if not stats.is_common(k))


# --- word evidence -----------------------------------------------------------------------------------------------


def word_evidence(paper: Paper, topic: Topic, stats: CorpusStats, keys_needed: int = 2) -> float:
    """The coverage of the topic by the paper (see `coverage`), or FACET_WEIGHT of its best coverage of one
    alternative when the topic lists several: a paper on "adapters" alone is evidence for "prompt tuning, adapters
    and other parameter-efficient fine-tuning", but a weaker one than a paper on the list's subject (measured: full
    weight for one alternative admits every paper using a common one, "adapt...")."""
    present = paper_keys(paper)
    if len(topic.facets) < 2:
        return coverage(topic.keys, present, stats, keys_needed)
    whole = coverage(topic.keys, present, stats, keys_needed, topic.head or head_keys(topic, stats))  # any facet's
    weight = SYNONYM_WEIGHT if topic.synonyms else FACET_WEIGHT
    return max(whole, weight * max(coverage(keys, present, stats, keys_needed) for keys in topic.facets))


def coverage(
    keys: Sequence[str], present: frozenset[str], stats: CorpusStats, keys_needed: int,
    head: Sequence[str] | None = None,
) -> float:
    """The idf weight of the keys present, as a share of the weight of the `keys_needed` heaviest keys the listing
    uses (capped at 1): a short topic must be covered whole, a long one is matched by a paper holding its strongest
    part. A key no paper uses (a word pair of the question the listing never writes) cannot be matched and would
    lower every paper alike; nor is a pair few papers write needed (`head_candidates`: "contrastive representation",
    in 2 abstracts, held a paper on contrastive learning at a third of the evidence; dev F1 0.813 -> 0.816,
    held-out 8 0.765 -> 0.775), though it counts where present. A paper holding none of the head keys (the
    rarest, most specific: "object-centric" of "object-centric representation learning"; `head`, if given, else
    the keys' own) has at most NO_HEAD_WORDS: the field words alone are not the topic."""
    known = used(keys, stats)
    named = head_candidates(known, stats)  # a pair few papers write is the user's phrase: a bonus, never needed
    weights = sorted((stats.idf(k) for k in named), reverse=True)
    needed = sum(weights[:keys_needed])
    if not needed:
        return 0.0
    share = min(1.0, sum(stats.idf(k) for k in known if k in present) / needed)
    head = head_of(named, stats) if head is None else head
    return share if any(k in present for k in head) else min(share, NO_HEAD_WORDS)


def head_of(known: Sequence[str], stats: CorpusStats) -> list[str]:
    """The keys (all used by the listing) whose idf is at least HEAD_RATIO of the rarest one's."""
    if not known:
        return []
    rarest = max(stats.idf(k) for k in known)
    return [k for k in known if stats.idf(k) >= HEAD_RATIO * rarest]


def holds_any(paper: Paper, keys: Sequence[str]) -> bool:
    present = paper_keys(paper)
    return any(k in present for k in keys)


# --- head terms and expansion ------------------------------------------------------------------------------------


def head_keys(topic: Topic, stats: CorpusStats, named: bool = True) -> tuple[str, ...]:
    """Each facet's rarest terms and word pairs that the listing uses (idf at least HEAD_RATIO of the facet's
    rarest): its jargon ("over-squashing", "multi-agent reinforcement"), not the field words around it ("graph
    neural network"). A paper on any one alternative holds some. `named`: chosen from `head_candidates` (a pair
    few papers write is no head), else from every key the listing uses (the rarest words of the user's phrase, by
    which glossary.in_own_words tells a description from the papers' jargon)."""
    heads = [head_of(head_candidates(keys, stats) if named else used(keys, stats), stats)
             for keys in own_keys(topic.alternatives, stats)]
    # an alternative left with only words most papers use, or the field's name for itself, names nothing the
    # listing has ("Hopfield networks", whose "Hopfield" no paper writes: "network" as its head admitted 121 papers
    # off the topic; "ML for geoscience": "ML")
    specific = [head for head in heads if any(not stats.is_common(k) and k not in _FIELD_KEYS for k in head)]
    return tuple(dict.fromkeys(k for head in specific or heads for k in head))


def own_keys(alternatives: Sequence[Sequence[str]], stats: CorpusStats) -> list[Sequence[str]]:
    """Each alternative's keys without those every alternative shares (the words around the list: "as policies in
    reinforcement learning" of "transformers or sequence models as policies in reinforcement learning") where its
    own are the rarer: the head then names the alternative, not its setting (a shared "reinforcement learning" as
    head had admitted every RL paper: 130 listed for 7). Where the shared words are the rarer ("protein
    understanding or protein design"), they are the subject, and the alternatives keep them."""
    if len(alternatives) < 2:
        return list(alternatives)
    shared = set.intersection(*(set(keys) for keys in alternatives))
    rarest_shared = rarest(head_candidates([k for k in alternatives[0] if k in shared], stats), stats)
    out: list[Sequence[str]] = []
    for keys in alternatives:
        own = [k for k in keys if k not in shared]
        out.append(own if rarest(head_candidates(own, stats), stats) < rarest_shared else keys)
    return out


def rarest(keys: Sequence[str], stats: CorpusStats) -> int:
    """The fewest papers of the listing any of the keys is in (all the papers when there is none)."""
    return min((stats.df[k] for k in keys if stats.df.get(k, 0) > 0), default=stats.n_docs)


def head_candidates(keys: Sequence[str], stats: CorpusStats) -> list[str]:
    """The keys a head is chosen from: those the listing uses, but not a word pair fewer than HEAD_PAIR_PAPERS of
    its papers write (unless nothing else is left). Such a pair is the user's phrase, not the listing's name for the
    topic: as head it would leave out every paper on the topic that words it otherwise ("video understanding or
    video generation": "video understanding" is in 3 abstracts, "video" in 28; held-out 8 F1 0.745 -> 0.765)."""
    known = [k for k in used(keys, stats) if k not in overlapping_pairs(keys, stats)]
    named = [k for k in known if " " not in k or stats.df[k] >= HEAD_PAIR_PAPERS]
    # ... unless what is left is generic: "learned optimizers" without "learned optimizer" is "optimizer", in 30%
    return named if any(not stats.is_common(k) for k in named) else known


def overlapping_pairs(keys: Sequence[str], stats: CorpusStats) -> set[str]:
    """The word pairs that only continue a far more common pair before them in the topic ("learning agents" of
    "reinforcement learning agents", in 7 abstracts against 350): the pair spans the end of one name and the next
    word, and names nothing of its own (as the rarest key, it had been the head of "generalization of reinforcement
    learning agents to unseen environments", whose papers say "unseen")."""
    pairs = [k for k in keys if k.count(" ") == 1]
    return {second for first, second in itertools.pairwise(pairs)
            if first.split()[1] == second.split()[0]
            and stats.df.get(first, 0) >= OVERLAP_RATIO * max(1, stats.df.get(second, 0))}


def used(keys: Sequence[str], stats: CorpusStats) -> list[str]:
    """The keys some paper of the listing holds."""
    return [k for k in keys if stats.df.get(k, 0) > 0]


def is_jargon(
    hits: Sequence[Hit], head: Sequence[str], together: bool = False, stats: CorpusStats | None = None
) -> bool:
    """A question in the papers' own words: at least JARGON_SHARE of the JARGON_TOP best candidates use one of its
    head terms ("over-squashing"), or, `together` (a topic listing alternatives: "over-squashing or oversmoothing"),
    any of them. A question in lay words (whose terms the matching papers do not use) is not, and is left to
    meaning: its head holds everyday words ("pictures", "clean", "sound") that the listing rarely uses, so that
    together they are found in many a paper by chance, while none of them marks the papers on its topic.
    With `stats`, a head term few papers use is jargon too where the best candidates hold at least JARGON_HOLDERS
    of its papers (two or more): "goal-conditioned" is in 4 abstracts, so 4 of the best 10 could never hold it
    (before, "goal-conditioned RL" was decided by meaning: 26 posters listed for 15, 7 of them on it)."""
    top = hits[:JARGON_TOP]
    if not head or not top:
        return False
    groups = [head] if together else [[key] for key in head]
    if max(sum(holds_any(h.paper, keys) for h in top) for keys in groups) >= JARGON_SHARE * len(top):
        return True
    if stats is None:
        return False
    held = {key: sum(holds_any(h.paper, [key]) for h in top) for key in head}
    return any(n >= 2 and n >= JARGON_HOLDERS * stats.df.get(key, 0) for key, n in held.items())


def capped(verdict: Verdict, lacks_head: bool) -> Verdict:
    """In a jargon question, a paper without any head term is at most possibly relevant: close in meaning (an
    ordinary graph network paper for "over-squashing") is not being about it."""
    return "possible" if lacks_head and verdict == "relevant" else verdict


def expansion_keys(
    confident: Sequence[Paper], topic: Topic, stats: CorpusStats, share: float = EXPANSION_SHARE
) -> Topic:
    """The topic's own vocabulary, learnt from the papers that match it beyond doubt (pseudo-relevance feedback):
    words and word pairs that at least `share` of them use (half by default), that are rare in the listing (at most
    EXPANSION_MAX_DF of its papers) and that are no filler ("though", "achieve better"). "Diffusion models" brings
    "score-based" and "denoising", so a paper on score-based generative models is found although it never says
    "diffusion model". Empty below EXPANSION_MIN_PAPERS papers. (The screening also feeds it the papers closest in
    meaning to a question in lay words, whose own words the abstracts do not use.)"""
    if len(confident) < EXPANSION_MIN_PAPERS:
        return Topic(topic.text, ())
    counts: dict[str, int] = {}
    surfaces: dict[str, str] = {}
    for paper in confident:
        for key, surface in text_surfaces(paper_text(paper)).items():
            counts[key] = counts.get(key, 0) + 1
            surfaces.setdefault(key, surface)
    said = words(topic.text)
    own = {*topic.keys, *(joined_key(a, b) for a, b in zip(said, said[1:], strict=False))}  # "time series" too
    own |= {key for keys in topic.alternatives for key in keys}
    limit = EXPANSION_MAX_DF * stats.n_docs
    keys = tuple(sorted(
        key for key, n in counts.items()
        if n >= share * len(confident) and key not in own and stats.df.get(key, 0) <= limit
        and not is_filler(surfaces[key])
    ))
    return Topic(topic.text, keys)




def names_nothing(topic: Topic, stats: CorpusStats, candidates: Sequence[Paper] = ()) -> bool:
    """A topic no paper is about, so closeness in meaning must not make papers match (they are shown as the closest,
    none judged about it): its specific word the listing never uses, beside only words most papers use ("zorblax
    learning", "quantum-gravity networks"); or, given the candidates, a short topic whose specific words none of them
    holds together (`never_together`). (A misspelt word is read as meant before: spelling.py.)"""
    alternatives = resolve(topic, stats).alternatives
    if len(alternatives) > 1:  # "blockchains or cryptocurrency trading": every alternative has a word no paper
        # uses (each would else be matched by its field words, "machine learning to ...")
        return all(any(" " not in k and not stats.df.get(k) for k in keys) for keys in alternatives)
    unknown = [t for t in topic.terms if not stats.df.get(t)]
    known = [t for t in topic.terms if stats.df.get(t)]
    if unknown and known and all(stats.is_common(t) for t in known):
        return True
    return bool(candidates) and not facets_of(topic.text) and never_together(topic.text, stats, candidates)


TOGETHER_WORDS = 3  # the longest topic the rule reads: longer ones describe (lay words), rarely all in one abstract


def never_together(text: str, stats: CorpusStats, candidates: Sequence[Paper]) -> bool:
    """A short topic (at most TOGETHER_WORDS content words), two or more of them specific (used by fewer than
    GENERIC_SHARE of the papers), whose two rarest words no candidate holds together: "quantum gravity" (papers on
    quantum chemistry, papers on gravity in simulated physics, none on both), "protein folding in bananas", "stock
    market crash". Each of its words found in some abstracts is no paper about it. A real topic ("quantum
    computing", "graph rewiring", "theoretical guarantees for GNNs") has papers holding its rarest words; a topic
    listing alternatives is not read so (each alternative alone is a match)."""
    stems = content_stems(text)
    specific = [s for s in stems if not stats.is_common(s)]
    if len(stems) > TOGETHER_WORDS or len(specific) < 2:
        return False
    rarest = sorted(specific, key=lambda s: stats.df.get(s, 0))[:2]  # "guarantees" and "GNNs" of "theoretical ..."
    return not any(all(holds(paper_keys(paper), key) for key in rarest) for paper in candidates)


