"""The links a paper may have: its page and its PDF, kept only when they are plain http(s) URLs. One rule for every
face and for the JSON the service returns (comparison rows), so no listing can make a `javascript:` or `data:` link
anywhere; the web's rendering (assistant/web/render.py) escapes everything else."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from .types import OPENREVIEW_FORUM, OPENREVIEW_PDF, Paper


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) URL, with characters that could end a Markdown link or an HTML attribute
    percent-encoded; None otherwise (javascript:, data:, relative paths...)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%-._~")


def paper_url(paper: Paper) -> str | None:
    """The paper's page (OpenReview forum for OpenReview listings)."""
    return safe_url(paper.url)


def pdf_url(paper: Paper) -> str | None:
    """The PDF: given by the listing, or derived from an OpenReview forum URL."""
    if paper.pdf_url:
        return safe_url(paper.pdf_url)
    page = paper.url or ""
    if page.startswith(OPENREVIEW_FORUM):
        return safe_url(OPENREVIEW_PDF + page[len(OPENREVIEW_FORUM) :])
    return None
