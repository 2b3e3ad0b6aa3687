"""The offline answerer: deterministic and extractive. It quotes abstract sentences and cites them; it never
writes a claim of its own about a paper, so it cannot say what the abstracts do not say.

Sentences are scored against the question's content terms (stemmed, hyphenated words also joined: "over-squashing"
matches "oversquashing"), each term weighted by its BM25 idf over the whole collection, with a bonus for a sentence
inside the retrieved dense passage.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .citations import defuse_citations
from .details import DETAILS_LABEL, Detail, details_answer
from .keyword_index import split_sentences
from .questions import QuestionInfo, is_content_word, words
from .types import Hit, Paper

OFFLINE_LABEL = "Offline answer (extractive: sentences quoted from the retrieved abstracts; no language model)."
MATCH_COVERAGE = 0.5  # share of the question's term weight a paper must contain to be listed as a match
MAX_QUOTE_CHARS = 400
PASSAGE_BONUS = 0.3  # share of the best possible score added when a sentence is inside the dense passage
_CONTRIBUTION = re.compile(
    r"\b(?:we|this paper|this work|our)\b.{0,60}?\b(?:propose|introduce|present|show|develop|study|design|prove)",
    re.IGNORECASE,
)
_local = threading.local()


# --- terms ----------------------------------------------------------------------------------------------------


def _stem_word(word: str) -> str:
    """PyStemmer objects are not thread-safe: one per thread."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return str(stemmer.stemWord(word))


# Words the stemmer would merge with another concept: the architecture is not a "transformation" (measured: papers
# on a learnable affine transformation and on wavelet transforms were listed for "transformers for time series").
_OWN_STEMS = {"transformer": "transformer", "transformers": "transformer"}
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


def paper_text(paper: Paper) -> str:
    """The title, abstract and keywords as one text, without TeX commands ("\\mathcal", "\\widetilde"): an
    abstract's mathematics is no evidence of its topic (they were learnt as words of "game theory")."""
    return _TEX_COMMAND.sub(" ", " ".join([paper.title, paper.abstract or "", " ".join(paper.keywords)]))


_TEX_COMMAND = re.compile(r"\\[A-Za-z]+")


# --- sentences --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    sentence: str
    score: float
    matched: frozenset[str]


def sentence_scores(paper: Paper, query: Sequence[str], stats: CorpusStats, passage: str = "") -> list[Scored]:
    """Each abstract sentence scored by the idf weight of the query terms it contains."""
    wanted = set(query)
    best_possible = sum(stats.idf(t) for t in wanted) or 1.0
    scored = []
    for position, sentence in enumerate(split_sentences(paper.abstract or "")):
        matched = wanted & set(terms(sentence))
        score = sum(stats.idf(t) for t in matched)
        if matched and passage and sentence[:60] in passage:
            score += PASSAGE_BONUS * best_possible
        score -= position * 1e-6  # ties: the earlier sentence
        scored.append(Scored(sentence, score, frozenset(matched)))
    return scored


def best_sentence(paper: Paper, query: Sequence[str], stats: CorpusStats, passage: str = "") -> Scored | None:
    """The sentence that best supports the match, else the paper's key (contribution) sentence."""
    scored = sentence_scores(paper, query, stats, passage)
    matching = [s for s in scored if s.matched]
    if matching:
        return max(matching, key=lambda s: s.score)
    return key_sentence(paper)


def key_sentence(paper: Paper, favoured: frozenset[str] = frozenset()) -> Scored | None:
    """The sentence stating the contribution ("we propose ..."), favouring given terms; None without abstract."""
    sentences = split_sentences(paper.abstract or "")
    if not sentences:
        return None
    title_terms = set(terms(paper.title)) | favoured

    def score(item: tuple[int, str]) -> float:
        position, sentence = item
        overlap = len(title_terms & set(terms(sentence)))
        return overlap + (2.0 if _CONTRIBUTION.search(sentence) else 0.0) - 0.01 * position

    position, sentence = max(enumerate(sentences), key=score)
    return Scored(sentence, score((position, sentence)), frozenset())


def coverage(paper: Paper, query: Sequence[str], stats: CorpusStats) -> float:
    """Share of the query's idf weight found in the paper's title, abstract and keywords."""
    wanted = set(query)
    total = sum(stats.idf(t) for t in wanted)
    if not total:
        return 1.0
    present = wanted & set(terms(paper_text(paper)))
    return sum(stats.idf(t) for t in present) / total


def quote(sentence: str) -> str:
    """A sentence of an abstract as quoted in an answer: its own reference markers ("[2]") made inert, so they
    never become citations of the papers numbered so in the answer."""
    text = defuse_citations(" ".join(sentence.split()))
    if len(text) > MAX_QUOTE_CHARS:
        text = text[: MAX_QUOTE_CHARS - 1].rsplit(" ", 1)[0] + " \u2026"
    return f"\u201c{text}\u201d"


# --- the offline answer ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfflineContext:
    """What the offline answerer says about where its papers came from."""

    scope: str = ""  # e.g. "orals only", "by Sergey Levine"
    follow_up_of: str | None = None  # the previous question, when the candidates are its papers
    candidates: int = 0  # how many papers the previous answer had
    details: tuple[Detail, ...] = ()  # the record fields asked of the papers pointed at or named ("who wrote [3]?")
    small_talk: bool = False  # "thanks!", "\U0001f44d": nothing was asked of the papers


def offline_answer(info: QuestionInfo, hits: Sequence[Hit], stats: CorpusStats, ctx: OfflineContext) -> str:
    """The extractive answer for hits numbered 1..n in order."""
    if not hits:
        return f"{OFFLINE_LABEL}\n\n{no_papers_text(ctx)}"
    if ctx.details:  # "who wrote the third one?": the listing's record answers, not the abstract
        return f"{DETAILS_LABEL}\n\n{details_answer(ctx.details, hits)}"
    body = list_answer(info, hits, stats, ctx) if info.intent == "list" else explain_answer(info, hits, stats)
    return f"{OFFLINE_LABEL}\n\n{body}"


SMALL_TALK_REPLY = ("Ask me about the papers of the listing: which papers study a topic, what an author published, "
                    "how many papers are on a subject, or a summary of them.")


def no_papers_text(ctx: OfflineContext) -> str:
    if ctx.small_talk:
        return SMALL_TALK_REPLY
    scope = f" ({ctx.scope})" if ctx.scope else ""
    if ctx.follow_up_of is not None:
        previous = f"the previous answer (to \u2018{ctx.follow_up_of}\u2019)"
        return f"None of the {plural(ctx.candidates, 'paper')} of {previous} match{scope}."
    return f"No papers in the collection match this question{scope}."


def list_answer(info: QuestionInfo, hits: Sequence[Hit], stats: CorpusStats, ctx: OfflineContext) -> str:
    numbered = list(enumerate(hits, start=1))
    matches = [(n, h) for n, h in numbered if coverage(h.paper, info.terms, stats) >= MATCH_COVERAGE]
    lines = [list_heading(info, ctx, len(matches))]
    for n, hit in sorted(matches, key=lambda nh: -coverage(nh[1].paper, info.terms, stats)):
        line = paper_line(n, hit, info.terms, stats)
        missing = missing_words(hit.paper, info.topic)
        # A partial match says what it lacks, so the list never claims more than the abstract says.
        lines.append(line + (f" (no mention of {', '.join(missing)})" if missing else ""))
    if not matches:
        # Nothing clearly matches: the closest papers are the answer. Otherwise the weaker ones stay uncited and
        # the faces list them as "also retrieved".
        closest = "; ".join(f"{defuse_citations(h.paper.title)} [{n}]" for n, h in numbered)
        lines.append(f"The closest retrieved papers: {closest}.")
    return "\n".join(lines)


def list_heading(info: QuestionInfo, ctx: OfflineContext, n_matches: int) -> str:
    topic = info.topic if info.terms else ""
    scope = f" ({ctx.scope})" if ctx.scope else ""
    if not topic and ctx.follow_up_of is None:
        return f"Papers in the collection{scope}:"
    where = (
        f"Of the {plural(ctx.candidates, 'paper')} of the previous answer (to \u2018{ctx.follow_up_of}\u2019)"
        if ctx.follow_up_of is not None else "Among the retrieved papers"
    )
    if not n_matches:
        return f"{where}, none clearly mentions \u2018{topic}\u2019{scope}."
    if topic:
        return f"{where}, these match \u2018{topic}\u2019{scope}:"
    return f"{where}, these match{scope}:"


def missing_words(paper: Paper, topic: str) -> list[str]:
    """The topic's words that the paper's title, abstract and keywords never mention (in any inflection)."""
    present = set(terms(paper_text(paper)))
    missing = []
    for word in words(topic):
        stems = {t for t, _ in word_terms(word)}
        if stems and not stems & present:
            missing.append(f"\u2018{word}\u2019")
    return missing


def paper_line(n: int, hit: Hit, query: Sequence[str], stats: CorpusStats) -> str:
    paper = hit.paper
    decision = f" ({paper.decision})" if paper.decision else ""
    best = best_sentence(paper, query, stats, hit.passage)
    support = f": {quote(best.sentence)}" if best else " (no abstract in the listing)"
    return f"- {defuse_citations(paper.title)} [{n}]{defuse_citations(decision)}{support}"


EXPLAIN_PAPERS = 8  # papers an offline explanation quotes (dev explain questions: cited recall 0.45 at 5 sentences)
EXPLAIN_SENTENCES = 10
CONTRIBUTION_SHARE = 0.5  # a paper's contribution sentence weighs this share of its best sentence for the question
ANSWERS_COVERAGE = 0.5  # share of the question's term weight one sentence must hold to count as answering it
WEAKEST_SHARE = 0.45  # a sentence weighing less than this share of the strongest one is left out
RANK_DECAY = 0.15  # a sentence of the paper ranked r weighs 1 / (1 + RANK_DECAY x (r - 1)): retrieval's order counts


def explain_answer(
    info: QuestionInfo, hits: Sequence[Hit], stats: CorpusStats, papers: int = EXPLAIN_PAPERS,
    limit: int = EXPLAIN_SENTENCES,
) -> str:
    """The sentences that best answer the question, each cited, best-ranked papers first: the best sentence of each
    of up to `papers` papers, then a second one of a paper where it adds words of the question, `limit` in all.

    A sentence is chosen by its share of the question's term weight times a weight that falls with its paper's rank,
    so the papers retrieval ranked first are not passed over for a later one that repeats a word. Breadth first: a
    question such as "how do papers address X?" is answered by what each paper says, not by two sentences of
    the first one. When no paper's chosen sentences hold ANSWERS_COVERAGE of that weight together, the answer says
    plainly that the abstracts do not answer the question, and which of its words none of them mentions."""
    best_possible = sum(stats.idf(t) for t in set(info.terms)) or 1.0
    candidates = []  # (weighted score, rank, position among the paper's sentences, sentence)
    answered = False
    for n, hit in enumerate(hits, start=1):
        chosen_here = answering_sentences(hit, info.terms, stats)
        covered = frozenset().union(*(s.matched for s in chosen_here))
        answered = answered or sum(stats.idf(t) for t in covered) / best_possible >= ANSWERS_COVERAGE
        weight = 1 / best_possible / (1 + RANK_DECAY * (n - 1))
        for position, s in enumerate(chosen_here):
            candidates.append((s.score * weight, n, position, s.sentence))
        contribution = key_sentence(hit.paper, frozenset(info.terms)) if len(chosen_here) == 1 else None
        if contribution is not None and contribution.sentence != chosen_here[0].sentence:
            # what the paper does about it ("we propose ..."), when no second sentence adds the question's words:
            # the answer to "how do papers address X?"; kept only for a strong paper (see WEAKEST_SHARE)
            candidates.append((CONTRIBUTION_SHARE * chosen_here[0].score * weight, n, 1, contribution.sentence))
    if not candidates:
        closest = "; ".join(f"{defuse_citations(h.paper.title)} [{n}]" for n, h in enumerate(hits[:5], start=1))
        missing = unmentioned(info, hits)
        said = " or ".join(missing) if missing else "the question's terms"
        return f"The retrieved abstracts do not answer this question: none of them mentions {said}. " \
               f"The closest papers: {closest}."
    strongest = max(c[0] for c in candidates)
    kept = [c for c in candidates if c[0] >= WEAKEST_SHARE * strongest]  # a stray shared word is no answer
    chosen = sorted(breadth_first(kept, papers, limit), key=lambda c: (c[1], c[2]))
    if answered:
        lines = ["What the retrieved abstracts say, best-ranked papers first:"]
    else:
        missing = unmentioned(info, hits)
        absent = f" (none of them mentions {' or '.join(missing)})" if missing else ""
        lines = [f"The retrieved abstracts do not answer this question directly: no abstract covers most of it"
                 f"{absent}. The closest sentences, best-ranked papers first:"]
    by_paper: dict[int, list[str]] = {}
    for _, n, _, sentence in chosen:  # ordered by rank: one bullet a paper
        by_paper.setdefault(n, []).append(quote(sentence))
    lines += [f"- {' '.join(said)} [{n}]" for n, said in by_paper.items()]
    return "\n".join(lines)


def breadth_first(
    candidates: Sequence[tuple[float, int, int, str]], papers: int, limit: int
) -> list[tuple[float, int, int, str]]:
    """The strongest sentence of each of the `papers` strongest papers, then the strongest of the rest, `limit` in
    all (a candidate: weighted score, paper rank, position among the paper's sentences, sentence)."""
    strongest = sorted(candidates, key=lambda c: -c[0])
    firsts = [c for c in strongest if c[2] == 0][:papers]
    shown = {c[1] for c in firsts}
    seconds = [c for c in strongest if c[2] > 0 and c[1] in shown]
    return (firsts + seconds)[:limit]


def answering_sentences(hit: Hit, query: Sequence[str], stats: CorpusStats, most: int = 2) -> list[Scored]:
    """A paper's best sentence for the query, then the one that adds most of the query's terms not yet covered."""
    scored = [s for s in sentence_scores(hit.paper, query, stats, hit.passage) if s.matched]
    chosen: list[Scored] = []
    covered: frozenset[str] = frozenset()
    while scored and len(chosen) < most:
        def gain(s: Scored, covered: frozenset[str] = covered) -> float:
            return s.score if not covered else sum(stats.idf(t) for t in s.matched - covered)

        best = max(scored, key=gain)
        if chosen and gain(best) <= 0:
            break
        chosen.append(best)
        covered |= best.matched
        scored.remove(best)
    return chosen


def unmentioned(info: QuestionInfo, hits: Sequence[Hit]) -> list[str]:
    """The topic's words (quoted) that none of the retrieved papers mentions, in the question's order."""
    if not hits:
        return []
    missing = set.intersection(*(set(missing_words(h.paper, info.topic)) for h in hits))
    return [w for w in dict.fromkeys(f"\u2018{w}\u2019" for w in words(info.topic)) if w in missing]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
