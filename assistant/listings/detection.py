"""Which format a listing is in, judged from its content: the registry's sniffs are asked in rank order; the file
name's extension only breaks ties (a CSV with a bad header, papers.cool text with a long preamble)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..errors import ListingError
from .base import Head
from .registry import accepted_formats, by_rank, registered


def format_of_name(hint: str) -> str | None:
    """The format a file name suggests, used only when no sniff claims the content."""
    ext = "." + hint.rsplit(".", 1)[-1].lower() if "." in hint else ""
    return next((f.name for f in registered() if ext in f.name_hints), None)


def detect_format(lines: Iterable[str], path: str = "<text>", hint: str | None = None) -> tuple[str, Iterator[str]]:
    """(format, the same lines) judged from the content; `hint` (a file name or extension) only breaks ties.
    Raises ListingError for an empty listing or one in no known format."""
    head = Head(lines)
    if head.empty:
        raise ListingError(path, f"the listing is empty. Fix: give a file with papers in it: {accepted_formats()}")
    fmt = next((f.name for f in by_rank() if f.sniff(head)), None) or (format_of_name(hint) if hint else None)
    if fmt is None:
        raise ListingError(path, f"cannot tell the listing format (no '#1 Title' line, no JSON, no CSV header "
                                 f"with a 'title' column). Accepted: {accepted_formats()}", line=1)
    return fmt, head.lines()
