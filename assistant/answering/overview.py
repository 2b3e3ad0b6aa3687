"""An overview of a whole listing in the chat ("what are the main topics of ICLR 2022?", "give me an overview of
the listing", "what are the main themes of the orals?"): the themes of its topic map (topicmap.py: clusters of the
papers' embeddings, named by their distinctive terms), largest first, each with its count and a few of its most
central papers cited. The question's filters (decision, author, year) count only the papers they pass.

One map for the Map tab and the chat: the answer chain is handed the service's cached map (`MapSource`), so the
chat never computes a second one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..analysis.topicmap import TopicMap
from ..citations import defuse_citations, make_citations
from ..types import Answer, Filters, Hit, Paper
from ..words.sentences import plural

MapSource = Callable[[], TopicMap]  # the listing's topic map (computed once per generation, by the service)
EXAMPLES = 3  # papers cited per theme
LABEL_TERMS = 3
OVERVIEW_LABEL = "Overview from the listing's topic map (clusters of the papers' embeddings; no language model)."

_OVERVIEW = re.compile(
    r"\b(?:main|major|key|top|hot(?:test)?|biggest|common|popular|recurring|dominant)\s+(?:research\s+)?(?:topics?|themes?"
    r"|areas?|subjects?|directions?|trends?|fields?)\b|\boverview\b|\btopic\s+map\b"
    r"|\b(?:most|more)\s+(?:\w+\s+)?(?:topics?|themes?|areas?|subjects?|trends?)\b|\btrends\b"
    r"|\b(?:what|which)\s+(?:(?:kinds?|sorts?|types?)\s+of\s+)?(?:topics|themes|areas|subjects|research\s+areas)\b"
    r"|\bwhat\s+(?:is|are|was|were)\b.*\babout\s*\??\s*$"
    r"|\bwhat\s+do\s+(?:most|the)\s+(?:\w+\s+)?papers\s+(?:study|cover|work\s+on|address)\b",
    re.IGNORECASE,
)


# "summarize the listing", "summarize ICLR 2022": a summary of the whole (not "summarize file:///x for me")
_WHOLE = re.compile(r"\b(?:listing|conference|collection|proceedings|venue|iclr|neurips|icml|all\s+(?:the\s+)?papers"
                    r"|every\s+paper|everything|whole|entire)\b", re.IGNORECASE)


# What is left of an overview question once the plan has taken its framing off ("the most common topic among
# orals" -> "common"; "the hottest topics" -> "hottest"): stems of the words that only frame it. Such a question asks
# about the listing's subjects when it also names subjects (_SUBJECTS).
_FRAMING_STEMS = re.compile(
    r"^(?:most|main|major|key|top|hot|big|common|popular|recurr|domin|frequent|prevalent|prominent|kind|sort|type"
    r"|theme|topic|area|subject|direct|trend|field|research|overall|general|cover|study|studi)"
)
_SUBJECTS = re.compile(r"\b(?:topics?|themes?|areas?|subjects?|trends?|fields?|directions?)\b", re.IGNORECASE)


def asks_overview(question: str, topic_terms: Sequence[str], has_filters: bool, summarize: bool = False) -> bool:
    """A question about the whole listing's subjects: overview words and no topic of its own ("what are the main
    topics of the papers on diffusion?" has one: it is a summary of those papers); words that only frame an overview
    ("the most common topic", "the hottest topics") are no topic. A summary request (`summarize`: the plan's intent)
    of the whole listing is one too, but "summarize the orals" is a summary of those papers (summarize.py)."""
    if topic_terms and not (_SUBJECTS.search(question) and all(_FRAMING_STEMS.match(t) for t in topic_terms)):
        return False
    return bool(_OVERVIEW.search(question)) or (summarize and not has_filters and bool(_WHOLE.search(question)))


@dataclass(frozen=True)
class Theme:
    name: str
    size: int  # the papers of the theme that pass the filters
    examples: tuple[Paper, ...]


def themes(topic_map: TopicMap, papers: dict[str, Paper], filters: Filters | None = None) -> list[Theme]:
    """The map's clusters as themes, largest first (counting the papers the filters pass), each with the EXAMPLES
    papers nearest its centre on the map."""
    found = []
    for cluster in topic_map.clusters:
        points = [p for p in topic_map.points if p.cluster == cluster.id and p.id in papers
                  and (filters is None or filters.matches(papers[p.id]))]
        if not points:
            continue
        cx, cy = sum(p.x for p in points) / len(points), sum(p.y for p in points) / len(points)
        central = sorted(points, key=lambda p: (math.hypot(p.x - cx, p.y - cy), p.id))[:EXAMPLES]
        name = " · ".join(cluster.terms[:LABEL_TERMS]) or "papers"
        found.append(Theme(name, len(points), tuple(papers[p.id] for p in central)))
    return sorted(found, key=lambda t: (-t.size, t.name))


def overview_reply(
    topic_map: TopicMap, papers: dict[str, Paper], filters: Filters, listing: str, scope: str
) -> Answer:
    """The overview as an answer: its text, the example papers as its sources and their citations."""
    text, hits = overview_answer(themes(topic_map, papers, filters), listing, scope)
    numbered = {n: h.paper for n, h in enumerate(hits, start=1)}
    return Answer(text=text, citations=make_citations(text, numbered), sources=hits, mode="offline",
                  intent="summarize")  # a summary of the whole listing


def overview_answer(found: Sequence[Theme], listing: str, scope: str = "") -> tuple[str, list[Hit]]:
    """The answer's text and its sources (the example papers, numbered in order)."""
    total = sum(t.size for t in found)
    scoped = f" ({scope})" if scope else ""
    if not found:
        return f"{OVERVIEW_LABEL}\n\nNo papers of {listing}{scoped} to give an overview of.", []
    lines = [OVERVIEW_LABEL, "", f"The {plural(total, 'paper')} of {listing}{scoped} fall into "
             f"{plural(len(found), 'theme')}, largest first (a few central papers of each):", ""]
    hits: list[Hit] = []
    for theme in found:
        cited = []
        for paper in theme.examples:
            hits.append(Hit(paper, 1.0))
            cited.append(f"{defuse_citations(paper.title)} [{len(hits)}]")
        lines.append(f"- **{defuse_citations(theme.name)}** ({plural(theme.size, 'paper')}): {'; '.join(cited)}")
    return "\n".join(lines), hits
