"""Pure rendering for the app: answers as Markdown with citation links, source cards as HTML, BibTeX and Markdown
exports. No Gradio, no store: text in, text out, so every function is unit-testable without a browser.

Listing text is untrusted (titles and abstracts come from scrapers and copy-paste). Everything that came from a
listing or a model is escaped here before any renderer sees it:
- HTML output escapes every field (`escape_html`), attributes included;
- Markdown output (the chatbot renders Markdown) escapes HTML *and* the square brackets, so neither a listing nor
  a model can produce a link or an image of its own: the only links in an answer are the citation links made here;
- URLs are kept only when they are plain http(s) URLs (assistant/links.py).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..citations import CITATION, citation_items
from ..links import paper_url as paper_url
from ..links import pdf_url as pdf_url
from ..links import safe_url as safe_url
from ..text import drop_invisible
from ..types import Answer, Citation, Hit, Paper, Screened

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")
# The character each GFM autolink needs: the ':' of '://' (any scheme), the '.' of 'www.', every '@' (e-mail,
# mailto:). Applied to escaped text: a '.' escaped already ("www\.") is left alone.
_AUTOLINK_ANCHOR = re.compile(r":(?=//)|(?<=www)\.|@", re.IGNORECASE)
_BADGE_CLASSES = {"oral": "oral", "spotlight": "spotlight", "poster": "poster"}


@dataclass(frozen=True)
class Turn:
    """One exchange of the conversation as the exports see it."""

    question: str
    answer: Answer


# --- escaping -----------------------------------------------------------------------------------------------------
def escape_html(text: str | None) -> str:
    """Text safe inside HTML elements and quoted attributes."""
    return html.escape(text or "", quote=True)


def escape_markdown_text(text: str | None) -> str:
    """Untrusted prose for a Markdown renderer: HTML escaped, brackets escaped (no links, no images), bare URLs
    and e-mail addresses defused (no autolinks).

    Other Markdown (emphasis, lists) is left alone so a model's formatting still renders."""
    escaped = html.escape(text or "", quote=False).replace("\\", "\\\\")
    return defuse_autolinks(escaped.replace("[", "\\[").replace("]", "\\]"))


def escape_markdown_literal(text: str | None) -> str:
    """Untrusted text shown exactly as written inside Markdown (titles, author names): every Markdown character
    escaped, HTML escaped, newlines folded, no autolinks."""
    flat = " ".join((text or "").split())
    return defuse_autolinks(_MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False)))


def defuse_autolinks(markdown: str) -> str:
    """Escaped Markdown in which no bare URL or address becomes a link. The chatbot's renderer (marked, GFM)
    autolinks `scheme://...`, `www....` and `name@host` by matching the raw source, so a backslash escape at the
    one character each pattern needs (the ':' of '://', the '.' of 'www.', the '@') stops it; the text looks the
    same. (The only links in a message are the citation links made here.)"""
    return _AUTOLINK_ANCHOR.sub(r"\\\g<0>", markdown)


# --- links of a paper ------------------------------------------------------------------------------------------------
def page_label(url: str) -> str:
    host = urlsplit(url).netloc.lower()
    return "OpenReview" if host.endswith("openreview.net") else "Paper page"


def citation_url(citation: Citation, sources: Sequence[Hit]) -> str | None:
    """Where a citation links: its own URL, else its paper's page among the sources."""
    url = safe_url(citation.url)
    if url:
        return url
    for hit in sources:
        if hit.paper.id == citation.id:
            return paper_url(hit.paper)
    return None


# --- answers --------------------------------------------------------------------------------------------------------
def link_citations(text: str, citations: Sequence[Citation], sources: Sequence[Hit]) -> str:
    """Answer text as Markdown: prose escaped, each [n] that resolves to a paper turned into a link to it.

    Markers that resolve to nothing stay visible as plain text (escaped), so nothing the answerer wrote is hidden."""
    by_n = {c.n: c for c in citations}
    out: list[str] = []
    pos = 0
    for match in CITATION.finditer(text):
        out.append(escape_markdown_text(text[pos : match.start()] + match.group("space")))
        items = citation_items(match.group("body"))
        out.append("".join(_citation_link(item, by_n, sources) for item in items))
        pos = match.end()
    out.append(escape_markdown_text(text[pos:]))
    return "".join(out)


def _citation_link(item: int | str, by_n: dict[int, Citation], sources: Sequence[Hit]) -> str:
    citation = by_n.get(item) if isinstance(item, int) else None
    url = citation_url(citation, sources) if citation else None
    if url is None:
        return f"\\[{escape_markdown_literal(str(item))}\\]"
    return f"[\\[{item}\\]]({url})"


def streaming_markdown(text: str) -> str:
    """Partial answer text while it streams in: escaped, markers shown as written until the answer is complete."""
    return escape_markdown_text(text) + " ▌"


def mode_line(answer: Answer) -> str:
    """The mark of who answered, and any notice (LLM failed, fell back...), as Markdown."""
    if answer.mode == "llm":
        mark = f"Answered by the LLM <code>{_code_text(answer.model or 'unknown model')}</code>"
    elif answer.intent == "authors":  # a ranking of authors (author_ranking.py) quotes no abstract
        mark = "Offline answer: counted from the listing's author lists, no LLM"
    else:
        mark = "Offline answer: sentences extracted from the abstracts, no LLM"
    lines = [f"<sub>{mark}</sub>"]
    if answer.notice:
        lines.insert(0, f"**Notice:** {escape_markdown_text(answer.notice)}")
    return "\n\n".join(lines)


def _code_text(text: str) -> str:
    return html.escape(text.replace("`", "'"), quote=False)


def answer_markdown(answer: Answer) -> str:
    """The chat message for a finished answer: linked text, then the mode mark and notice."""
    body = link_citations(answer.text, answer.citations, answer.sources)
    return f"{body}\n\n{mode_line(answer)}"


def question_markdown(question: str) -> str:
    """A user's message as shown in the chat (escaped like any other text)."""
    return escape_markdown_text(question)


def error_markdown(message: str) -> str:
    return f"**Error:** {escape_markdown_text(message)}"


# --- sources panel --------------------------------------------------------------------------------------------------
def ordered_sources(answer_sources: Sequence[Hit], citations: Sequence[Citation]) -> list[tuple[int | None, Hit]]:
    """Sources with their citation number, cited ones first in citation order, then the rest as retrieved."""
    number: dict[str, int] = {}
    for c in sorted(citations, key=lambda c: c.n):
        number.setdefault(c.id, c.n)
    cited = sorted((h for h in answer_sources if h.paper.id in number), key=lambda h: number[h.paper.id])
    rest = [h for h in answer_sources if h.paper.id not in number]
    return [(number[h.paper.id], h) for h in cited] + [(None, h) for h in rest]


def decision_badge(decision: str | None) -> str:
    """A coloured badge for Oral / Spotlight / Poster; other decisions get a neutral one, none gets nothing."""
    if not decision:
        return ""
    kind = _BADGE_CLASSES.get(decision.strip().lower(), "other")
    return f'<span class="pa-badge pa-badge-{kind}">{escape_html(decision.strip())}</span>'


def authors_text(authors: Sequence[str], limit: int = 8) -> str:
    if len(authors) <= limit:
        return ", ".join(authors)
    return ", ".join(authors[:limit]) + f" and {len(authors) - limit} more"


def source_card(hit: Hit, n: int | None, extra: str = "", actions: bool = True) -> str:
    """One paper as an HTML card; every listing field escaped. `extra`: markup made (and escaped) by the caller,
    shown under the authors (a set answer's verdict and deciding quote); `actions`: its "More like this" and
    "select" controls (the sources panel's)."""
    p = hit.paper
    pid = escape_html(p.id)
    cite = f'<span class="pa-cite">[{n}]</span>' if n is not None else ""
    links = []
    page = paper_url(p)
    if page:
        links.append(f'<a href="{escape_html(page)}" target="_blank" rel="noopener noreferrer">{page_label(page)}</a>')
    pdf = pdf_url(p)
    if pdf:
        links.append(f'<a href="{escape_html(pdf)}" target="_blank" rel="noopener noreferrer">PDF</a>')
    abstract = (
        f'<details class="pa-abstract"><summary>Abstract</summary><p>{escape_html(p.abstract)}</p></details>'
        if p.abstract
        else '<p class="pa-muted">No abstract in the listing.</p>'
    )
    return (
        f'<article class="pa-card{" pa-cited" if n is not None else ""}" data-paper-id="{pid}">'
        f'<div class="pa-card-head">{cite}{decision_badge(p.decision)}</div>'
        f'<h4 class="pa-title">{escape_html(p.title)}</h4>'
        f'<div class="pa-authors">{escape_html(authors_text(p.authors))}</div>'
        f"{extra}"
        f'<div class="pa-links">{" · ".join(links)}</div>'
        f"{abstract}"
        + (_card_actions(pid) if actions else "")
        + "</article>"
    )


def _card_actions(pid: str) -> str:
    return (
        '<div class="pa-actions">'
        f'<button type="button" class="pa-similar" data-action="similar" data-paper-id="{pid}">More like this</button>'
        f'<label class="pa-select"><input type="checkbox" data-action="select" value="{pid}"> select</label>'
        "</div>"
    )


def search_html(reading: str, hits: Sequence[Hit]) -> str:
    """The Search panel: what the query was read as (the chat's notice), then the papers best first."""
    note = f'<p class="pa-search-reading">{escape_html(reading)}</p>' if reading else ""
    if not hits:
        empty = "No paper matches." if reading else "Results of a search appear here."
        return f'<div class="pa-search">{note}<div class="pa-search-head pa-empty">{empty}</div></div>'
    cards = "".join(source_card(hit, None, actions=False) for hit in hits)
    head = f'<div class="pa-sources-head pa-search-head">{len(hits)} papers found</div>'
    return f'<div class="pa-search">{note}{head}{cards}</div>'


def search_error_html(message: str) -> str:
    return f'<div class="pa-search"><p class="pa-error">{escape_html(message)}</p></div>'


def sources_html(hits: Sequence[Hit], citations: Sequence[Citation] = (), heading: str | None = None) -> str:
    """The sources panel: a heading and one card per paper, cited papers first."""
    if not hits:
        return '<div class="pa-sources pa-empty">Sources of the answer appear here.</div>'
    head = heading if heading is not None else f"{len(hits)} papers retrieved"
    cited = sum(1 for n, _ in ordered_sources(hits, citations) if n is not None)
    sub = f" · {cited} cited" if citations else ""
    cards = "".join(source_card(hit, n) for n, hit in ordered_sources(hits, citations))
    return (
        f'<div class="pa-sources"><div class="pa-sources-head">{escape_html(head)}{sub}</div>{cards}</div>'
    )


def similar_markdown(paper: Paper, hits: Sequence[Hit]) -> str:
    """The chat message for "more like this": the papers closest to one paper, linked."""
    if not hits:
        return f"No papers similar to *{escape_markdown_literal(paper.title)}* were found."
    lines = [f"Papers most similar to *{escape_markdown_literal(paper.title)}*:", ""]
    for i, hit in enumerate(hits, 1):
        lines.append(f"{i}. {_title_link(hit.paper)}{_decision_suffix(hit.paper)}")
    return "\n".join(lines)


def _title_link(paper: Paper) -> str:
    title = escape_markdown_literal(paper.title)
    url = paper_url(paper)
    return f"[{title}]({url})" if url else title


def _decision_suffix(paper: Paper) -> str:
    return f" ({escape_markdown_literal(paper.decision)})" if paper.decision else ""


# --- exports ----------------------------------------------------------------------------------------------------------
def references_markdown(answer: Answer) -> str:
    """The numbered reference list of an answer: cited papers only, by citation number; a set answer lists its
    whole set (render_sets)."""
    if answer.is_set:
        return set_references_markdown(answer)
    papers = {h.paper.id: h.paper for h in answer.sources}
    lines = []
    seen: set[int] = set()
    for c in sorted(answer.citations, key=lambda c: c.n):
        if c.n in seen:
            continue
        seen.add(c.n)
        paper = papers.get(c.id)
        title = escape_markdown_literal(paper.title if paper else c.title)
        authors = escape_markdown_literal(authors_text(paper.authors)) if paper and paper.authors else ""
        venue = venue_text(paper) if paper else ""
        url = citation_url(c, answer.sources)
        parts = [p for p in (title, authors, venue) if p]
        lines.append(f"{c.n}. " + ". ".join(parts) + (f". <{url}>" if url else ""))
    return "\n".join(lines)


# --- set answers: numbers, count, references (the grouped panel is render_sets) -----------------------------------
VERDICT_LABELS = {"relevant": "relevant", "possible": "possibly relevant", "not_relevant": "not relevant"}


def citation_numbers(answer: Answer) -> dict[str, int]:
    """Each matched paper's citation number [n], by paper id: the same number the chat links and the API gives."""
    return {m.hit.paper.id: n for n, m in answer.numbered()}


def count_heading(answer: Answer) -> str:
    """'21 papers match ‘federated learning’ · 3 possibly relevant' (plain text: escape it where it is shown). A
    question that only filters ("what did Chelsea Finn publish?") has no topic: its question says what matched."""
    n, maybe = len(answer.relevant), len(answer.possible)
    papers = f"{n} paper{'s' if n != 1 else ''} match{'es' if n == 1 else ''}"
    topic = " ".join(answer.topic.split())
    asked = " ".join((answer.standalone_question or answer.question).split())
    head = f"{papers} ‘{topic}’" if topic else f"{papers} “{asked}”" if asked else papers
    return f"{head} · {maybe} possibly relevant" if maybe else head


def set_references_markdown(answer: Answer) -> str:
    """Every paper of the set, not only those the text cites, as a list numbered by citation (1..N: sources[n - 1]
    is [n]), each with its verdict, theme and deciding quote under it."""
    numbers = citation_numbers(answer)
    lines = [escape_markdown_text(count_heading(answer)), ""]
    for match in sorted(answer.matches, key=lambda m: numbers[m.hit.paper.id]):
        lines.append(_set_reference(match, numbers[match.hit.paper.id]))
    return "\n".join(lines)


def _set_reference(match: Screened, n: int) -> str:
    paper = match.hit.paper
    authors = escape_markdown_literal(authors_text(paper.authors)) if paper.authors else ""
    parts = [p for p in (escape_markdown_literal(paper.title), authors, venue_text(paper)) if p]
    url = paper_url(paper)
    notes = [VERDICT_LABELS.get(match.verdict, match.verdict)]
    if match.group and match.verdict == "relevant":
        notes.append(f"*{escape_markdown_literal(match.group)}*")
    if match.quote:
        notes.append(f"“{escape_markdown_text(' '.join(match.quote.split()))}”")
    return f"{n}. " + ". ".join(parts) + (f". <{url}>" if url else "") + "\n   " + " · ".join(notes)


def venue_text(paper: Paper) -> str:
    """'ICLR 2022 (Oral)': venue, year and decision, Markdown-escaped."""
    bits = [b for b in (paper.venue, str(paper.year) if paper.year else None) if b]
    venue = " ".join(dict.fromkeys(" ".join(bits).split()))  # "ICLR 2022 2022" -> "ICLR 2022"
    if paper.decision:
        venue = f"{venue} ({paper.decision})" if venue else paper.decision
    return escape_markdown_literal(venue)


def export_answer_markdown(question: str, answer: Answer) -> str:
    """One answer as Markdown to paste into a wiki: question, linked answer, references. HTML in listing text is
    escaped here too, so pasting it into a wiki that renders HTML is safe."""
    parts = [f"**Q:** {escape_markdown_text(question)}", link_citations(answer.text, answer.citations, answer.sources)]
    refs = references_markdown(answer)
    if refs:
        parts.append("**References**\n\n" + refs)
    if answer.notice:
        parts.append(f"*Notice: {escape_markdown_text(answer.notice)}*")
    by = f"LLM {answer.model}" if answer.mode == "llm" and answer.model else "offline extractive answerer"
    parts.append(f"*Answered by the {escape_markdown_text(by)}.*")
    return "\n\n".join(parts) + "\n"


def export_conversation_markdown(turns: Iterable[Turn]) -> str:
    """The whole conversation, one section per answer, each with its own references."""
    sections = [export_answer_markdown(t.question, t.answer) for t in turns]
    return "\n---\n\n".join(sections) if sections else ""


# --- BibTeX ----------------------------------------------------------------------------------------------------------
_BIB_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_BIB_SPECIAL = re.compile("|".join(re.escape(k) for k in _BIB_ESCAPES))


def bibtex_escape(text: str) -> str:
    """A field value that cannot unbalance braces or break out of its field, without invisible characters (the
    listing cleaning drops them at ingest; a store built before that may still hold some)."""
    flat = " ".join(drop_invisible(text).split())
    return _BIB_SPECIAL.sub(lambda m: _BIB_ESCAPES[m.group(0)], flat)


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]", "", folded)


def bibtex_key(paper: Paper, taken: set[str]) -> str:
    """`lastnameYEARfirstword`, ASCII only, made unique with a suffix."""
    last = _ascii_word(paper.authors[0].split()[-1]) if paper.authors and paper.authors[0].split() else ""
    words = [_ascii_word(w) for w in paper.title.split()]
    first = next((w for w in words if len(w) > 3), next((w for w in words if w), ""))
    base = f"{last.lower() or 'paper'}{paper.year or ''}{first.lower()}" or "paper"
    key, i = base, 0
    while key in taken:
        key = f"{base}{chr(ord('a') + i)}" if i < 26 else f"{base}{i}"
        i += 1
    taken.add(key)
    return key


def bibtex_entry(paper: Paper, key: str) -> str:
    fields = [("title", "{" + bibtex_escape(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(bibtex_escape(a) for a in paper.authors)))
    if paper.venue:
        fields.append(("booktitle", bibtex_escape(paper.venue)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    url = paper_url(paper)
    if url:
        fields.append(("url", url))  # verbatim in BibTeX; safe_url percent-encoded braces and backslashes
    if paper.decision:
        fields.append(("note", bibtex_escape(paper.decision)))
    kind = "inproceedings" if paper.venue else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def bibtex(papers: Iterable[Paper]) -> str:
    """BibTeX for the papers (each once, in the order given)."""
    taken: set[str] = set()
    seen: set[str] = set()
    entries = []
    for paper in papers:
        if paper.id in seen:
            continue
        seen.add(paper.id)
        entries.append(bibtex_entry(paper, bibtex_key(paper, taken)))
    return "\n".join(entries)


def cited_papers(turns: Iterable[Turn]) -> list[Paper]:
    """The papers cited anywhere in the conversation, in order of first citation; a set answer adds its whole set
    (every match, possibly relevant ones included, in citation order)."""
    out: dict[str, Paper] = {}
    for turn in turns:
        for match in turn.answer.matches:
            out.setdefault(match.hit.paper.id, match.hit.paper)
        papers = {h.paper.id: h.paper for h in turn.answer.sources}
        for c in sorted(turn.answer.citations, key=lambda c: c.n):
            if c.id in papers and c.id not in out:
                out[c.id] = papers[c.id]
    return list(out.values())


# --- status bar -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Status:
    """What the status bar says: the phase of startup, the listing, who answers."""

    phase: str  # "starting" | "indexing" | "ready" | "failed"
    collection: str
    papers: int = 0
    done: int = 0
    total: int = 0
    answerer: str = "offline"  # "offline", or the LLM model name
    error: str | None = None


def status_html(status: Status) -> str:
    """The status bar: indexing progress on first run, else the listing and the answer mode."""
    name = escape_html(status.collection)
    if status.phase == "failed":
        body = f'<span class="pa-status-error">{escape_html(status.error or "The store could not be opened.")}</span>'
    elif status.phase == "indexing":
        pct = int(100 * status.done / status.total) if status.total else 0
        body = (
            f"First run: indexing <b>{name}</b>: {status.done:,} / {status.total:,} papers "
            f'<progress max="100" value="{pct}"></progress> {pct}% — questions are answered as soon as it is done.'
        )
    elif status.phase == "starting":
        body = f"Opening the store of <b>{name}</b>…"
    else:
        mode = (
            f"answers by the LLM <code>{escape_html(status.answerer)}</code>"
            if status.answerer != "offline"
            else "offline answers (extracted from abstracts; no LLM configured)"
        )
        body = f"<b>{name}</b> · {status.papers:,} papers · {mode}"
    return f'<div class="pa-status pa-status-{escape_html(status.phase)}">{body}</div>'
