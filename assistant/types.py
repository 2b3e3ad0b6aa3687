"""Shared value types. They sit at the bottom: everything may import them; of ours they import only text.fold (how
author names compare)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Protocol, get_args

from .code_links import has_code_link
from .text import fold

Decision = Literal["Oral", "Spotlight", "Poster"]
DECISIONS: tuple[str, ...] = get_args(Decision)  # the one decision vocabulary: parsers, plan, filters, the page
AnswerMode = Literal["llm", "offline"]
Intent = Literal["list", "count", "explain", "summarize", "compare", "authors"]  # authors: ranked (authorship.py)
Verdict = Literal["relevant", "possible", "not_relevant"]
SearchMode = Literal["hybrid", "dense", "bm25"]

OPENREVIEW_FORUM = "https://openreview.net/forum?id="
OPENREVIEW_PDF = "https://openreview.net/pdf?id="


@dataclass(frozen=True)
class Paper:
    """One paper of a listing, whatever format it came from."""

    id: str
    title: str
    authors: tuple[str, ...] = ()
    abstract: str | None = None
    venue: str | None = None
    year: int | None = None
    decision: str | None = None
    keywords: tuple[str, ...] = ()
    url: str | None = None
    pdf_url: str | None = None

    @property
    def content_hash(self) -> str:
        """Hash of everything that is indexed, so a changed abstract or title re-indexes the paper."""
        parts = [
            self.title,
            "\x1f".join(self.authors),
            self.abstract or "",
            self.venue or "",
            str(self.year or ""),
            self.decision or "",
            "\x1f".join(self.keywords),
            self.url or "",
            self.pdf_url or "",
        ]
        return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Chunk:
    """A piece of one paper's text that is embedded on its own (title prepended so it stands alone)."""

    paper_id: str
    index: int
    text: str
    n_tokens: int


@dataclass(frozen=True)
class SkippedRecord:
    """A record a parser could not read: where it was and why."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class ParseResult:
    """What a parser made of one file: the papers, and every record it skipped with its reason."""

    papers: list[Paper] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)
    format: str = ""
    title_only: int = 0
    encoding: str = ""  # how the file was decoded: utf-8, utf-8-sig, utf-16, ... or "utf-8+latin-1" (fallback used)
    notes: list[str] = field(default_factory=list)  # things the user should know that are not skips (fallbacks)


@dataclass(frozen=True)
class Hit:
    """A retrieved paper, with the chunk that matched best and the fused score."""

    paper: Paper
    score: float
    passage: str = ""
    dense_score: float | None = None
    bm25_score: float | None = None


@dataclass(frozen=True)
class Filters:
    """Metadata filters applied to retrieval. Empty means no filter."""

    decision: tuple[str, ...] = ()
    author: str | None = None
    keyword: str | None = None
    year: int | None = None
    ids: tuple[str, ...] = ()
    code: bool = False  # only papers whose abstract points to their code (code_links.has_code_link)
    authors_between: tuple[int, int] | None = None  # only papers with this many authors, bounds included

    def is_empty(self) -> bool:
        return not (self.decision or self.author or self.keyword or self.year or self.ids or self.code
                    or self.authors_between)

    def matches(self, paper: Paper) -> bool:
        """Whether a paper passes these filters: the one rule for retrieval, follow-ups and summaries
        (case-insensitive; an author matches whole words of a name, accents folded: `name_holds`; a keyword matches a
        part of one)."""
        if self.ids and paper.id not in self.ids:
            return False
        if self.decision and (paper.decision or "").lower() not in {d.lower() for d in self.decision}:
            return False
        if self.year and paper.year != self.year:
            return False
        if self.author and not any(name_holds(a, self.author) for a in paper.authors):
            return False
        if self.code and not has_code_link(paper.abstract):
            return False
        if self.authors_between and not self.authors_between[0] <= len(paper.authors) <= self.authors_between[1]:
            return False
        return not self.keyword or any(self.keyword.lower() in k.lower() for k in paper.keywords)


@lru_cache(maxsize=65536)
def name_holds(name: str, part: str) -> bool:
    """Whether an author's name holds `part` as whole words, case and accents folded: "Levine", "sergey levine" and
    "Schoelkopf"'s folded form are in their names, but "Bo Han" is not in "Shaobo Han" (a substring match listed
    his papers as Bo Han's)."""
    wanted = fold(part).strip()
    return bool(wanted) and re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", fold(name)) is not None


@dataclass(frozen=True)
class Citation:
    """A citation [n] in an answer, resolved to the paper numbered n in the context."""

    n: int
    id: str
    title: str
    url: str | None


@dataclass(frozen=True)
class Screened:
    """A candidate paper judged against the question's topic (issue 9: complete answers).

    `quote` is a sentence copied verbatim from the paper's title or abstract that decides the verdict ("" when none
    was found); `group` names the theme the paper was put in ("" when the answer is not grouped); `n` is the paper's
    citation number in the answer (its 1-based position in `Answer.sources`)."""

    hit: Hit
    verdict: Verdict
    quote: str = ""
    group: str = ""
    n: int = 0
    judge: Literal["offline", "llm"] = "offline"


class Table(Protocol):
    """A table an answer carries (compare.Comparison: "compare the papers on X"); its text is in the answer's, and
    its JSON is what the faces take from it."""

    def to_dict(self) -> dict[str, Any]:
        ...


@dataclass
class Answer:
    """What both answerers (LLM and offline) return, so faces never branch on the mode."""

    text: str
    citations: list[Citation]
    sources: list[Hit]
    mode: AnswerMode
    notice: str | None = None
    model: str | None = None
    question: str = ""
    standalone_question: str = ""
    # Set answers ("which papers...?", "how many..."): every screened paper, relevant ones first, then possible ones,
    # in citation order; `sources` then holds the same papers in the same order (sources[n - 1] is [n]).
    intent: Intent = "explain"
    matches: list[Screened] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # theme names, in the order the answer shows them
    topic: str = ""  # what the question asks about, framing words removed ("over-squashing")
    comparison: Table | None = None  # a comparison answer's table (its rows are the answer's [n])

    @property
    def relevant(self) -> list[Screened]:
        return [m for m in self.matches if m.verdict == "relevant"]

    @property
    def possible(self) -> list[Screened]:
        return [m for m in self.matches if m.verdict == "possible"]

    @property
    def is_set(self) -> bool:
        """A set answer (every matching paper, counted): faces show it grouped, with its count, and export it whole.
        A list or count question with no match is one too (its count is 0)."""
        return bool(self.matches) or self.intent in ("list", "count")

    def numbered(self) -> list[tuple[int, Screened]]:
        """Each match with its citation number: its `n`, else its position (sources[n - 1] is [n])."""
        return [(m.n or i, m) for i, m in enumerate(self.matches, 1)]

    @property
    def cited_ids(self) -> list[str]:
        return [c.id for c in self.citations]

    def uncited_sources(self) -> list[Hit]:
        cited = set(self.cited_ids)
        return [h for h in self.sources if h.paper.id not in cited]


@dataclass
class IngestSummary:
    """Counts an ingest reports, and what a failed one left behind."""

    collection: str
    read: int = 0
    skipped: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    title_only: int = 0
    chunks: int = 0
    seconds: float = 0.0
    skipped_records: list[SkippedRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how files were read, e.g. a Latin-1 fallback the user should check
