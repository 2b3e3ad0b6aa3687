"""The answer to a question that ranks AUTHORS: "who published the most papers?", "most prolific authors", "which
authors have the most papers on reinforcement learning?", "who works on graph neural networks?", "top 10 authors of
orals", "how many authors does the listing have?".

The papers ranked are the set a list question would answer: the whole listing (or the papers its filters pass:
decision, year, author), or, when the question has a topic, the papers the set answer judges relevant to it (the
same candidates and offline screening, so the ranking is deterministic, with or without a language model). Each
author is counted by the papers of that set they are named on, exactly as the listing writes the name (one person
written two ways counts twice); ties are broken by name. The answer states the set first, then the top N authors
(10, or the number asked, at most 50), each with their count and up to CITED_PER_AUTHOR citations [n] to their
papers, "and k more" for the rest.

    21 papers of ICLR 2022 match ‘federated learning’; their 68 authors, ranked by how many of these papers they
    are on (the 10 with the most):
    1. Jane Doe: 3 papers [1, 2, 3]
    ...

Numbering: the cited papers are [1..k] in the order first cited, and the answer's sources hold them in that order
(sources[n - 1] is [n]), followed, uncited, by the other papers of the authors shown (so the Sources panel and a
follow-up see them). The phrasing rule is authorship.py's (`asks_for_authors`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from ..citations import make_citations
from ..events import AnswerEvent, FinalAnswer, TextDelta
from ..query.authorship import asks_for_authors, top_asked, without_ranking_words
from ..query.plan import QueryPlan, topic_of
from ..sets.answer import SetRequest, defang, heading
from ..types import Answer, Hit, Paper, Screened, name_holds
from ..words.sentences import plural
from ..words.terms import terms

CITED_PER_AUTHOR = 5
AUTHORS_LABEL = (
    "Counted from the listing's author lists, by name as the listing writes it (ties in name order); the papers "
    "were chosen as a list question's answer would choose them (no language model)."
)


@dataclass(frozen=True)
class Ranked:
    """One author of the ranking: the name as the listing writes it, and their papers in the set (set order)."""

    name: str
    papers: tuple[Hit, ...]


def rank_authors(hits: Sequence[Hit]) -> list[Ranked]:
    """Every author of the papers, most papers first, ties by name (case-folded, then as written)."""
    papers: dict[str, list[Hit]] = {}
    for hit in hits:
        for name in dict.fromkeys(" ".join(n.split()) for n in hit.paper.authors if n.strip()):  # one line each
            papers.setdefault(name, []).append(hit)
    ordered = sorted(papers, key=lambda name: (-len(papers[name]), name.casefold(), name))
    return [Ranked(name, tuple(papers[name])) for name in ordered]


def relevant_hits(screened: Sequence[Screened]) -> list[Hit]:
    """The papers a set answer counts: those judged relevant (the possibly relevant ones are not counted)."""
    return [s.hit for s in screened if s.verdict == "relevant"]


@dataclass(frozen=True)
class AuthorRanking:
    text: str
    sources: list[Hit]


def compose_ranking(
    request: SetRequest, screened: Sequence[Screened], top: int, besides: str | None = None
) -> AuthorRanking:
    """The answer text (the set, then the top authors, cited) and its sources ([n] is sources[n - 1]). `besides`:
    the author the question named ("Sergey Levine's most frequent co-authors"), on every paper of the set, so not
    ranked."""
    ranked_set = relevant_hits(screened)
    possible = sum(1 for s in screened if s.verdict == "possible")
    ranked = [r for r in rank_authors(ranked_set) if not (besides and name_holds(r.name, besides))]
    shown = ranked[:top]
    numbers: dict[str, int] = {}
    lines = [_ranking_heading(request, len(ranked_set), possible, len(ranked), len(shown), besides)]
    for place, author in enumerate(shown, start=1):
        cited = [numbers.setdefault(h.paper.id, len(numbers) + 1) for h in author.papers[:CITED_PER_AUTHOR]]
        rest = len(author.papers) - len(cited)
        more = f" and {rest} more" if rest else ""
        lines.append(f"{place}. {defang(author.name)}: {plural(len(author.papers), 'paper')} "
                     f"[{', '.join(map(str, cited))}]{more}")
    tied = _tied_after(ranked, len(shown))
    if tied:
        lines.append(f"{plural(tied, 'more author')} also {'has' if tied == 1 else 'have'} "
                     f"{plural(len(shown[-1].papers), 'paper')}.")
    if ranked_set and not ranked:
        lines.append("The listing names no authors for these papers.")
    lines += ["", AUTHORS_LABEL]
    by_id = {h.paper.id: h for h in ranked_set}
    cited_hits = [by_id[paper_id] for paper_id in numbers]  # numbers were given in this order: [1], [2], ...
    others = {h.paper.id: h for a in shown for h in a.papers if h.paper.id not in numbers}
    return AuthorRanking("\n".join(lines), cited_hits + list(others.values()))


def _ranking_heading(
    request: SetRequest, papers: int, possible: int, authors: int, shown: int, besides: str | None
) -> str:
    """"21 papers of ICLR 2022 match ‘X’ (orals only); their 68 authors, ranked by ... (the 10 with the most):"."""
    the_set = heading(request, papers, 0).rstrip(":.")
    if not papers:
        return f"{the_set}, so there are no authors to rank."
    if possible:
        the_set += f" ({possible} possibly relevant {'paper is' if possible == 1 else 'papers are'} not counted)"
    their = "its" if papers == 1 else "their"
    top = f"the {shown} with the most" if shown < authors else "all of them"
    who = f"{authors:,} author{'' if authors == 1 else 's'}" + (f" besides {defang(besides)}" if besides else "")
    return f"{the_set}; {their} {who}, ranked by how many of these papers they are on ({top}):"


def _tied_after(ranked: Sequence[Ranked], shown: int) -> int:
    """How many authors past the cut have as many papers as the last one shown (the cut falls inside a tie)."""
    if not shown or shown >= len(ranked):
        return 0
    last = len(ranked[shown - 1].papers)
    return sum(1 for author in ranked[shown:] if len(author.papers) == last)


def ranking_answer(
    request: SetRequest, screened: Sequence[Screened], question: str, standalone: str, besides: str | None = None
) -> Answer:
    """The Answer of an author question: offline, deterministic, its citations resolved against its sources."""
    ranking = compose_ranking(request, screened, top_asked(question), besides)
    numbered: dict[int, Paper] = {n: h.paper for n, h in enumerate(ranking.sources, start=1)}
    return Answer(
        text=ranking.text, citations=make_citations(ranking.text, numbered), sources=ranking.sources,
        mode="offline", question=question, standalone_question=standalone, intent="authors", topic=request.topic,
    )



def ranking_events(
    request: SetRequest, screened: Sequence[Screened], question: str, standalone: str, besides: str | None = None
) -> Iterator[AnswerEvent]:
    """The ranking as the chain's events: its text, then the Answer."""
    answer = ranking_answer(request, screened, question, standalone, besides)
    yield TextDelta(answer.text)
    yield FinalAnswer(answer)


# --- a follow-up about an author of the ranking ("which of those are by the top author?") --------------------------
_RANKED_LINE = re.compile(r"^(\d+)\. (.+): \d+ papers? \[", re.MULTILINE)  # how compose_ranking writes a place
_PLACES = {"top": 1, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
           "eighth": 8, "ninth": 9, "tenth": 10}
_PLACE = re.compile(
    rf"\b(?:the\s+)?(?:({'|'.join(_PLACES)}|last)(?:[\s-]+(?:ranked|placed|listed))?|(?:number|no\.|#)\s*(\d{{1,2}}))"
    r"\s+(?:author|person|researcher|name|one\s+on\s+the\s+list)\b(?:\s+(?:listed|shown|ranked|above|here))?",
    re.IGNORECASE,
)


def with_ranked_author(plan: QueryPlan, previous: Answer | None) -> QueryPlan:
    """A follow-up to an author ranking that names a place ("which of those are by the top author?", "the papers of
    the third author"): that author as the filter, the place's words out of the topic. Any other plan as it is."""
    match = _PLACE.search(plan.text)
    if previous is None or previous.intent != "authors" or plan.filters.author or match is None:
        return plan
    names = [m.group(2) for m in _RANKED_LINE.finditer(previous.text)]
    word, number = match.group(1), match.group(2)
    place = len(names) if word and word.lower() == "last" else _PLACES[word.lower()] if word else int(number)
    if not 1 <= place <= len(names):
        return plan
    rest = plan.text[: match.start()] + " " + plan.text[match.end() :]
    ranks = asks_for_authors(rest)  # "top author" read as a ranking: without it, "which of those are by ?" lists
    intent = plan.intent if ranks or plan.intent != "authors" else "list"
    topic = topic_of(without_ranking_words(rest) if ranks else rest)
    filters = replace(plan.filters, author=names[place - 1])
    return replace(plan, intent=intent, filters=filters, topic=topic, terms=tuple(dict.fromkeys(terms(topic))))
