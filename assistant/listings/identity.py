"""Paper identity: OpenReview ids and links, title keys and title-slug ids, and one paper from several sources.

Ids: the OpenReview id when a record carries one (an `id`/`forum` field that looks like one, or an openreview.net
URL), linking to https://openreview.net/forum?id=ID; otherwise `title_slug_id(title)`, a stable slug of the
normalized title. `unify_ids` maps slug ids onto ids known for the same `title_key`, so a paper read from the
papers.cool text and from the JSONL is one paper.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import replace

from ..types import OPENREVIEW_FORUM, OPENREVIEW_PDF, Paper
from .cleaning import clean_line

_OPENREVIEW_ID = re.compile(r"[A-Za-z0-9_-]{8,14}")
_SLUG_ID = re.compile(r"t-(?:[a-z0-9]+-)*[0-9a-f]{8}")
_OPENREVIEW_URL = re.compile(r"openreview\.net/(?:forum|pdf|attachment|notes?)\?(?:[^#\s]*&)?id=([A-Za-z0-9_-]+)")


def is_openreview_id(value: str) -> bool:
    """Looks like an OpenReview note id (8-14 random url-safe characters with a digit or a capital): not a number,
    a word or a title slug."""
    return (
        bool(_OPENREVIEW_ID.fullmatch(value))
        and not value.isdigit()
        and any(c.isdigit() or c.isupper() for c in value)  # random ids nearly always have one; words do not
        and not _SLUG_ID.fullmatch(value)
    )


def openreview_id_from_url(url: str) -> str | None:
    m = _OPENREVIEW_URL.search(url)
    return m.group(1) if m and is_openreview_id(m.group(1)) else None


def default_url(paper_id: str) -> str | None:
    return OPENREVIEW_FORUM + paper_id if is_openreview_id(paper_id) else None


def default_pdf_url(paper_id: str) -> str | None:
    return OPENREVIEW_PDF + paper_id if is_openreview_id(paper_id) else None


_NON_WORD = re.compile(r"[\W_]+")


def title_key(title: str) -> str:
    """Normalized title used to recognise one paper across sources: accents folded, case folded, punctuation and
    whitespace collapsed ("Über-Squashing: A Study!" -> "uber squashing a study")."""
    folded = clean_line(title)
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded)
        folded = unicodedata.normalize("NFKC", "".join(c for c in folded if not unicodedata.combining(c)))
    return " ".join(_NON_WORD.sub(" ", folded.casefold()).split())


def title_slug_id(title: str) -> str:
    """Stable id from the title alone: 't-' + ASCII slug (cut to about 60 characters) + 8 hex digits of a hash of
    the title key, e.g. 't-understanding-over-squashing-and-bottlenecks-on-graphs-via-curvature-1a2b3c4d'."""
    key = title_key(title)
    words = key.encode("ascii", "ignore").decode().split()
    slug = "-".join(words)
    if len(slug) > 60:
        slug = slug[:61].rsplit("-", 1)[0] if "-" in slug[:61] else slug[:60]
    digest = hashlib.sha1((key or clean_line(title)).encode("utf-8")).hexdigest()[:8]
    return f"t-{slug}-{digest}" if slug else f"t-{digest}"


# ----------------------------------------------------------------------------------------------------------------
# One paper, several sources
# ----------------------------------------------------------------------------------------------------------------
def known_ids(papers: Iterable[Paper]) -> dict[str, str]:
    """title_key -> id for papers whose id is not their own title slug (OpenReview, BEIR ids...). A title that
    maps to two different ids is left out: it cannot tell which one a slug paper is."""
    known: dict[str, str] = {}
    ambiguous: set[str] = set()
    for paper in papers:
        if paper.id == title_slug_id(paper.title):
            continue
        key = title_key(paper.title)
        if known.setdefault(key, paper.id) != paper.id:
            ambiguous.add(key)
    return {k: v for k, v in known.items() if k not in ambiguous}


def merge_papers(first: Paper, later: Paper) -> Paper:
    """One paper from two sources with the same id: the first one's fields, gaps filled from the later one."""
    return Paper(
        id=first.id,
        title=first.title or later.title,
        authors=first.authors or later.authors,
        abstract=first.abstract or later.abstract,
        venue=first.venue or later.venue,
        year=first.year or later.year,
        decision=first.decision or later.decision,
        keywords=first.keywords or later.keywords,
        url=first.url or later.url,
        pdf_url=first.pdf_url or later.pdf_url,
    )


def unify_ids(papers: Iterable[Paper], known: Mapping[str, str]) -> list[Paper]:
    """Give each paper that has only a title-slug id the id `known` holds for its title_key (with its OpenReview
    links), then merge papers that now share an id (first one's fields win, gaps filled), keeping order."""
    merged: dict[str, Paper] = {}
    for paper in papers:
        target = known.get(title_key(paper.title))
        if target and target != paper.id and paper.id == title_slug_id(paper.title):
            paper = replace(paper, id=target, url=paper.url or default_url(target),
                            pdf_url=paper.pdf_url or default_pdf_url(target))
        merged[paper.id] = merge_papers(merged[paper.id], paper) if paper.id in merged else paper
    return list(merged.values())
