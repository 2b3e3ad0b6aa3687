"""Questions about a paper's record rather than its abstract: who wrote it, how it was accepted, where to read it.

"who wrote the third one?", "is [2] an oral?", "give me the link to the first one": the offline answerer states the
listing's own fields for the papers the question points at, each cited, instead of quoting abstract sentences that
cannot hold the answer. With a language model these fields are in its context (prompts.pack_papers) already.
Nothing from the listing makes a link here: the answer points at the links its citation [n] and its entry in the
sources already carry (links.py decides which URLs are safe).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from ..citations import defuse_citations
from ..links import paper_url, pdf_url
from ..text import and_list
from ..types import Hit, Paper

Detail = Literal["authors", "decision", "links"]
DETAILS_LABEL = "Offline answer (from the listing's records of the papers; no language model)."

_ASKS: dict[Detail, re.Pattern[str]] = {
    "authors": re.compile(
        r"\bwho\s+(?:wrote|writes|authored|made|did|is behind|are behind|published|created)\b"
        r"|\bwho\s+(?:are|were|is|was)\s+(?:the\s+|its\s+|their\s+)?(?:authors?|writers?)\b"
        r"|\b(?:authors?|authorship|writers?)\s+(?:of|for|behind)\b|\bwritten\s+by\s+whom\b"
        r"|\b(?:its|their|the)\s+authors?\b|\bby\s+whom\b",
        re.IGNORECASE,
    ),
    "decision": re.compile(
        r"\b(?:is|was|are|were)\b[^?!;]{0,200}?\b(?:orals?|spotlights?|posters?)\b"  # "is either of them an oral?"
        r"|\b(?:what|which)\s+(?:decision|acceptance|presentation|track|kind\s+of\s+(?:acceptance|presentation))\b"
        r"|\baccepted\s+as\b|\bhow\s+was\s+(?:it|this|that)\s+accepted\b",
        re.IGNORECASE,
    ),
    "links": re.compile(
        r"\b(?:link|links|url|urls|pdf|pdfs|openreview)\b|\bwhere\s+(?:can|could|do|should)\s+i\s+(?:read|find|get"
        r"|download)\b",
        re.IGNORECASE,
    ),
}


def asked_details(question: str) -> tuple[Detail, ...]:
    """The record fields a question asks for, in a fixed order; () when it asks about the content."""
    return tuple(detail for detail, pattern in _ASKS.items() if pattern.search(question))


def details_answer(details: Sequence[Detail], hits: Sequence[Hit]) -> str:
    """One line a paper (numbered 1..n in order) with the asked fields of its record, cited."""
    return "\n".join(_paper_details(n, hit.paper, details) for n, hit in enumerate(hits, start=1))


def _paper_details(n: int, paper: Paper, details: Sequence[Detail]) -> str:
    said = [_field(n, paper, detail) for detail in details]
    return f"- {defuse_citations(paper.title)} [{n}]: {'; '.join(said)}."


def _field(n: int, paper: Paper, detail: Detail) -> str:
    if detail == "authors":
        return f"by {defuse_citations(and_list(paper.authors))}" if paper.authors else "the listing names no authors"
    if detail == "decision":
        return f"accepted as {defuse_citations(paper.decision)}" if paper.decision else "the listing gives no decision"
    page, pdf = paper_url(paper), pdf_url(paper)
    if not page and not pdf:
        return "the listing gives no link to it"
    said = [f"its page is linked from [{n}]"] if page else []
    return ", ".join([*said, "its PDF from its entry in the sources"] if pdf else said)

