"""The set answer of a list or count question: every screened paper of the listing that matches, counted, grouped
into themes, each with its citation [n] and the sentence that decides it.

    21 papers of ICLR 2022 match ‘federated learning’; 3 more are possibly relevant.

    **Personalization, clients** (6 papers):
    - FedBABU: Toward Enhanced Representation for Federated Image Classification [1] (Poster): “…”
    ...
    Possibly relevant (3), the evidence in their abstracts is weaker:
    - ... [22]: “…”

The number comes first (a count question's answer is that number, and it always equals the papers listed). The
text is composed from the verdicts, never by a model, so the set is not limited by a prompt's context budget; an
LLM, when there is one, only screens the candidates and names the groups. Numbering: relevant papers group by
group, then the possible ones; `Screened.n` and the order of `matches` (and the answer's `sources`) follow it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..citations import CITATION
from ..query import author_counts
from ..types import Filters, Hit, Intent, Paper, Screened
from ..words.sentences import plural, quote
from ..words.terms import CorpusStats
from .grouping import group_papers

OFFLINE_SET_LABEL = (
    "Offline answer: every candidate paper was screened by its abstract's words and its similarity to the "
    "question; the quotes are copied from the abstracts (no language model)."
)
LLM_SET_LABEL = "Each candidate paper was screened by {model}; every quote was checked against its abstract."
CLOSEST = 5  # papers named when nothing matches
GroupNamer = Callable[[Sequence[Sequence[Paper]]], Sequence[str | None]]


@dataclass(frozen=True)
class SetRequest:
    """What the set answer says around its papers."""

    intent: Intent
    topic: str  # the topic as the user wrote it ("" for a filter-only question)
    listing: str  # "ICLR 2022", or the collection's name
    scope: str = ""  # the filters in words: "orals only, by Chelsea Finn"
    previous: str | None = None  # a follow-up: the previous question, whose papers were screened
    previous_count: int = 0
    read_from: str = ""  # the topic in the user's everyday words, when `topic` is the field's term read from it
    wanted: int = 0  # "give me 5 papers on X": list the best-matched 5 of the relevant ones (0: all)


@dataclass(frozen=True)
class SetAnswer:
    text: str
    matches: list[Screened]
    groups: list[str]
    closest: list[Hit] = field(default_factory=list)  # when nothing matches: the nearest candidates, cited [1..]


def compose(
    request: SetRequest, screened: Sequence[Screened], stats: CorpusStats, vectors: Mapping[str, np.ndarray],
    topic_keys: set[str], group_min: int, max_groups: int, label: str = OFFLINE_SET_LABEL,
    namer: GroupNamer | None = None,
) -> SetAnswer:
    """The answer text and the numbered matches (relevant ones by theme, then possible ones)."""
    relevant = [s for s in screened if s.verdict == "relevant"]
    possible = [s for s in screened if s.verdict == "possible"]
    total = len(relevant)
    if 0 < request.wanted < total:  # the best-matched first: the candidates come in retrieval's order
        relevant, possible = relevant[: request.wanted], []
    themes: list[tuple[str, list[Screened]]] = [("", relevant)]
    if len(relevant) >= group_min and not request.wanted:  # a short list asked for is read whole
        found = group_papers([s.hit.paper for s in relevant], vectors, stats, topic_keys, max_groups)
        themes = [(name, [relevant[i] for i in rows]) for name, rows in found]
        if namer is not None:
            themes = rename(themes, namer)
    matches = number([replace(s, group=name) for name, members in themes for s in members] + possible)
    lines = [heading(request, total, len(possible), shown=len(relevant))]
    shown = iter(matches)
    for name, members in themes:
        if name:
            lines += ["", f"**{name}** ({plural(len(members), 'paper')}):"]
        lines += [paper_line(next(shown)) for _ in members]
    if possible:
        lines += ["", f"Possibly relevant ({len(possible)}), the evidence in their abstracts is weaker:"]
        lines += [paper_line(s) for s in shown]
    closest = [s.hit for s in screened[:CLOSEST]] if not matches else []
    if closest:  # nothing matches: say so, and name the nearest papers so the user sees what the listing has
        nearest = "; ".join(f"{defang(h.paper.title)} [{n}]" for n, h in enumerate(closest, start=1))
        lines += [f"The closest papers, none of them judged about it: {nearest}."]
    lines += ["", label]
    return SetAnswer("\n".join(lines), matches, [name for name, _ in themes if name], closest)


def number(matches: list[Screened]) -> list[Screened]:
    return [replace(s, n=n) for n, s in enumerate(matches, start=1)]


def rename(themes: list[tuple[str, list[Screened]]], namer: GroupNamer) -> list[tuple[str, list[Screened]]]:
    """The model's names where it gave a usable one; the offline name otherwise."""
    given = list(namer([[s.hit.paper for s in members] for _, members in themes]))
    given += [None] * (len(themes) - len(given))
    names = [clean_name(new) or old for (old, _), new in zip(themes, given, strict=False)]
    return [(name, members) for name, (_, members) in zip(unique_names(names), themes, strict=True)]


def clean_name(name: str | None) -> str | None:
    """A group name from a model, safe to show: letters, digits and light punctuation, short; None if unusable."""
    if not name:
        return None
    text = " ".join(re.sub(r"[^\w\s,&/+'\-]", " ", name).split())[:60].strip(" ,-")
    return text or None


def unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def heading(request: SetRequest, n_relevant: int, n_possible: int, shown: int | None = None) -> str:
    """The first line: the number, what it counts, and the possible ones beside it (or, when fewer are `shown`,
    how many are)."""
    papers = plural(n_relevant, "paper")
    where = f"of {request.listing}"
    if request.previous is not None:
        earlier = plural(request.previous_count, "paper")
        where = f"of the {earlier} of the previous answer (to \u2018{request.previous}\u2019)"
    scope = f" ({request.scope})" if request.scope else ""
    verb = "matches" if n_relevant == 1 else "match"
    text = f"{papers} {where}{scope}"
    if request.topic:
        # a topic read from everyday words says so, so that the user sees the reading and can ask in other words
        read = f" (read from: \u2018{request.read_from}\u2019)" if request.read_from else ""
        text = f"{papers} {where} {verb} \u2018{request.topic}\u2019{read}{scope}"
    if shown is not None and shown < n_relevant:
        text += f"; the {plural(shown, 'best-matched one') if shown > 1 else 'best-matched one'}"
    elif n_possible:
        text += f"; {n_possible} more {'is' if n_possible == 1 else 'are'} possibly relevant"
    return text + (":" if n_relevant or n_possible else ".")


def paper_line(screened: Screened) -> str:
    paper = screened.hit.paper
    decision = f" ({paper.decision})" if paper.decision else ""
    said = f": {quote(defang(screened.quote))}" if screened.quote and screened.quote != paper.title else ""
    return f"- {defang(paper.title)} [{screened.n}]{decision}{said}"


def defang(text: str) -> str:
    """Listing text with its bracketed numbers ("as shown in [12]") turned into parentheses, so that a title or a
    quote can never read as a citation of this answer."""
    return CITATION.sub(lambda m: f"{m.group('space')}({m.group('body')})", text)


def listing_name(papers: Sequence[Paper], collection: str) -> str:
    """"ICLR 2022" when every paper has that venue and year, else the collection's name."""
    venues = {(p.venue, p.year) for p in papers}
    if len(venues) == 1:
        venue, year = next(iter(venues))
        if venue:
            return f"{venue} {year}" if year else venue
    return f"the {collection} listing"


def describe_filters(filters: Filters, coauthor: str = "") -> str:
    """"orals only, by X" ("by X and Y" when the question named a co-author: the ids filter holds their papers)."""
    parts = []
    if filters.decision:
        parts.append(" or ".join(f"{d.lower()}s" for d in filters.decision) + " only")
    if filters.author:
        parts.append(f"by {filters.author}" + (f" and {coauthor}" if coauthor else ""))
    if filters.code:
        parts.append("with a code link in the abstract")
    if filters.authors_between:
        parts.append(author_counts.describe(filters.authors_between))
    return ", ".join(parts)
