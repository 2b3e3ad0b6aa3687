"""The offline answerer: deterministic and extractive. It quotes abstract sentences and cites them; it never
writes a claim of its own about a paper, so it cannot say what the abstracts do not say.

Sentences are scored against the question's content terms (words/terms.py), each term weighted by its BM25 idf over
the whole collection, with a bonus for a sentence inside the retrieved dense passage (words/sentences.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..citations import defuse_citations
from ..query.plan import QuestionInfo
from ..types import Hit, Paper
from ..words.sentences import Scored, best_sentence, coverage, key_sentence, plural, quote, sentence_scores
from ..words.terms import CorpusStats, paper_text, terms, word_terms
from ..words.vocabulary import words
from .details import DETAILS_LABEL, Detail, details_answer

OFFLINE_LABEL = "Offline answer (extractive: sentences quoted from the retrieved abstracts; no language model)."
MATCH_COVERAGE = 0.5  # share of the question's term weight a paper must contain to be listed as a match


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


