"""papers.cool listings: the text copied from a papers.cool venue page (optional `ICLR.2022` / `Total: N` header,
then per paper `#N Title [PDF] [Copy] [KimiN]`, `Authors: A ; B`, the abstract, an optional
`Subject: ICLR.2022 - Oral`), and the writer that turns papers back into that text (`format_papers_cool`).
The writer lives here, beside the parser, because both follow the one grammar of labels and title lines below."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..text import drop_invisible
from ..types import Paper
from .base import Head, Item, ListingFormat, RecordAdapter
from .cleaning import clean_abstract, clean_line, split_names, strip_eol, unique
from .identity import default_pdf_url, default_url, openreview_id_from_url, title_slug_id
from .records import BadRecord, adapted
from .venues import NO_DEFAULTS, ListingDefaults, normalize_decision

_TITLE_LINE = re.compile(r"#(\d+)(?:[ \t]+(.*))?")
_LABEL_LINE = re.compile(r"(Authors?|Subjects?|Keywords|Venue|Year|Decision|ID|URL|PDF):[ \t]*(.*)")
_HEADER_VENUE = re.compile(r"([A-Za-z][\w&+-]*)\.(\d{4})")
_SUBJECT = re.compile(r"(?P<venue>.+?)\.(?P<year>\d{4})(?:\s+-\s+(?P<decision>.*))?")
_BUTTONS = re.compile(r"(?:\s*\[(?:PDF|Copy|Kimi|REL|HTML|Code|Chat|Bib|BibTeX|arXiv|Related|Star)\d*\])+\s*$", re.I)
_BARE_BUTTONS = re.compile(r"(?:\s+(?:PDF\d*|Copy|Kimi\d*|REL))+$")


def _is_structural(line: str) -> bool:
    """A line the papers.cool parser reads as structure (title or label line), not abstract text."""
    return bool(_TITLE_LINE.fullmatch(line) or _LABEL_LINE.fullmatch(line))


def strip_buttons(title_text: str) -> str:
    """'Title [PDF1] [Copy] [Kimi6]' -> 'Title' (also without brackets: 'Title PDF Copy Kimi1')."""
    text = _BUTTONS.sub("", title_text)
    bare = _BARE_BUTTONS.search(text)
    if bare and len(bare.group(0).split()) >= 2:
        text = text[: bare.start()]
    return clean_line(text)


@dataclass
class CoolRecord:
    """One paper being read from papers.cool text."""

    line: int
    title: str
    labels: dict[str, str] = field(default_factory=dict)
    authors: tuple[str, ...] = ()
    keywords: list[str] = field(default_factory=list)
    abstract: list[str] = field(default_factory=list)
    problem: str | None = None

    def feed(self, line: str, number: int) -> None:
        m = _LABEL_LINE.fullmatch(line)
        if m is None:
            self.abstract.append(line)
        elif m.group(1) in ("Author", "Authors"):
            self._authors(m.group(1), m.group(2), number)
        elif m.group(1) in ("Subject", "Subjects"):
            self._subject(m.group(2))
        elif m.group(1) == "Keywords":
            self.keywords.extend(split_names(m.group(2), allow_comma=False))
        else:
            self.labels[m.group(1)] = m.group(2)

    def _authors(self, label: str, value: str, number: int) -> None:
        if any(x.strip() for x in self.abstract):  # an Authors line after the abstract: a '#N Title' line is missing
            self.problem = self.problem or (f"missing '#N Title' line: 'Authors:' at line {number} follows the "
                                            f"abstract of the paper at line {self.line}")
            return
        self.authors = split_names(value, allow_comma=label == "Authors")

    def _subject(self, value: str) -> None:
        m = _SUBJECT.fullmatch(clean_line(value))
        if m is None:  # e.g. 'Subject: Machine Learning': a topic, kept as keywords
            self.keywords.extend(split_names(value, allow_comma=False))
            return
        self.labels["Venue"], self.labels["Year"] = m.group("venue"), m.group("year")
        self.labels["Decision"] = m.group("decision") or ""


def _cool_identity(labels: dict[str, str], title: str) -> tuple[str, str | None, str | None]:
    given = {k: clean_line(labels[k]) if k in labels else None for k in ("ID", "URL", "PDF")}
    implied = [i for i in (openreview_id_from_url(u) for u in (given["URL"], given["PDF"]) if u) if i]
    paper_id = given["ID"] or (implied[0] if implied else title_slug_id(title))
    url = given["URL"] if given["URL"] is not None else default_url(paper_id)
    pdf = given["PDF"] if given["PDF"] is not None else default_pdf_url(paper_id)
    return paper_id, url or None, pdf or None


def paper_from_block(rec: CoolRecord, defaults: ListingDefaults) -> Paper:
    """The record adapter of papers.cool text: one paper's block (its '#N' line to the next) -> Paper."""
    if rec.problem:
        raise BadRecord(rec.problem)
    if not rec.title:
        raise BadRecord("missing title: the '#N' line has no title")
    year_text = clean_line(rec.labels.get("Year", ""))
    paper_id, url, pdf = _cool_identity(rec.labels, rec.title)
    return Paper(
        id=paper_id,
        title=rec.title,
        authors=rec.authors,
        abstract=clean_abstract("\n".join(rec.abstract)),
        venue=(clean_line(rec.labels["Venue"]) or None) if "Venue" in rec.labels else defaults.venue,
        year=int(year_text) if re.fullmatch(r"\d{4}", year_text) else defaults.year,
        decision=normalize_decision(rec.labels.get("Decision")),
        keywords=unique(rec.keywords),
        url=url,
        pdf_url=pdf,
    )


def _cool_header(line: str, defaults: ListingDefaults) -> ListingDefaults:
    """Text before the first paper: a venue line ('ICLR.2022') sets venue and year; anything else is ignored."""
    m = _HEADER_VENUE.fullmatch(clean_line(line))
    return ListingDefaults(m.group(1), int(m.group(2))) if m else defaults


def parse_papers_cool(lines: Iterable[str], path: str, defaults: ListingDefaults = NO_DEFAULTS,
                      adapter: RecordAdapter[CoolRecord] = paper_from_block) -> Iterator[tuple[int, Item]]:
    """The text copied from a papers.cool page; every '#N Title' line starts a paper."""
    rec: CoolRecord | None = None
    for number, raw in enumerate(lines, 1):
        line = drop_invisible(strip_eol(raw))
        title_line = _TITLE_LINE.fullmatch(line)
        if title_line:
            if rec is not None:
                yield adapted(rec, path, rec.line, defaults, adapter)
            rec = CoolRecord(number, strip_buttons(title_line.group(2) or ""))
        elif rec is None:
            defaults = _cool_header(line, defaults)
        else:
            rec.feed(line, number)
    if rec is not None:
        yield adapted(rec, path, rec.line, defaults, adapter)


def _format_subject(paper: Paper) -> list[str]:
    """Venue/year/decision as the compact 'Subject: ICLR.2022 - Oral' when it reads back the same, else as lines."""
    if paper.venue and paper.year:
        subject = f"{paper.venue}.{paper.year}" + (f" - {paper.decision}" if paper.decision else "")
        m = _SUBJECT.fullmatch(subject)
        if m and (clean_line(m["venue"]), int(m["year"]), normalize_decision(m["decision"])) == (
                paper.venue, paper.year, paper.decision):
            return [f"Subject: {subject}"]
    lines = [f"Venue: {paper.venue}"] if paper.venue else []
    lines += [f"Year: {paper.year}"] if paper.year else []
    return lines + ([f"Decision: {paper.decision}"] if paper.decision else [])


def _format_links(paper: Paper) -> list[str]:
    """ID/URL/PDF lines, only where the text alone would not give the paper's own values back."""
    written: dict[str, str] = {}
    if paper.url != default_url(paper.id):
        written["URL"] = paper.url or ""
    if paper.pdf_url != default_pdf_url(paper.id):
        written["PDF"] = paper.pdf_url or ""
    implied = _cool_identity(written, paper.title)[0]
    lines = [f"ID: {paper.id}"] if paper.id != implied else []
    return lines + [f"{label}: {value}" for label, value in written.items()]


def _format_cool_record(number: int, paper: Paper) -> list[str]:
    lines = [f"#{number} {paper.title} [PDF] [Copy]", ""]
    if paper.authors:
        label = "Author" if len(paper.authors) == 1 else "Authors"
        lines += [f"{label}: {' ; '.join(paper.authors)}", ""]
    paragraphs = paper.abstract.split("\n\n") if paper.abstract else []
    for paragraph in paragraphs:
        # A leading space keeps a paragraph that looks like a label or '#N' line as abstract text.
        lines += [(" " + paragraph) if _is_structural(paragraph) else paragraph, ""]
    meta = _format_subject(paper) + (["Keywords: " + " ; ".join(paper.keywords)] if paper.keywords else [])
    meta += _format_links(paper)
    return lines + (meta + [""] if meta else [])


def format_papers_cool(papers: Iterable[Paper]) -> str:
    """Papers as papers.cool text that `parse_papers_cool` reads back to the same papers.

    Fields the page format has no place for are written as extra label lines (`Keywords:`, `Venue:`, `ID:`,
    `URL:`...), only when needed. Domain: fields as the parsers produce them (cleaned single-line titles, names and
    keywords without ';', titles not ending in a button like '[PDF]', decisions already normalized)."""
    papers = list(papers)
    out = [f"Total: {len(papers)}", ""]
    for number, paper in enumerate(papers, 1):
        out += _format_cool_record(number, paper)
    return "\n".join(out) + "\n"




def is_title_line(line: str) -> bool:
    """A '#N Title' line: where a paper starts."""
    return bool(_TITLE_LINE.fullmatch(drop_invisible(strip_eol(line))))


def _sniff(head: Head) -> bool:
    """A '#N Title' line within the first lines (a pasted page may start with a venue header or a preamble)."""
    return any(is_title_line(line) for line in head.following())


PAPERS_COOL = ListingFormat[CoolRecord](
    name="papers.cool",
    description="papers.cool copied text (#1 Title / Authors: ... / abstract)",
    sniff=_sniff,
    parse=parse_papers_cool,
    adapter=paper_from_block,
    rank=0,
    name_hints=(".txt", ".md"),
)
