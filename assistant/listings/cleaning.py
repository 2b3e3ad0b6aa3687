"""Text cleaning shared by every listing format: control characters out, whitespace folded, names split.

The character rules themselves live in text.py; this module says how a listing's fields use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..text import drop_invisible


def strip_controls(text: str) -> str:
    """`text` with control and format characters removed (text.py says which; CR/LF become LF first, so line
    structure survives)."""
    return drop_invisible(text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(text: str) -> str:
    """One-line field (title, name, keyword): controls removed, every whitespace run one space, trimmed."""
    return " ".join(strip_controls(text).split())


def clean_abstract(text: str | None) -> str | None:
    """Abstract: paragraphs (split at blank lines) kept apart by one blank line, each on one line; None if empty."""
    if text is None:
        return None
    paragraphs: list[str] = []
    current: list[str] = []
    for line in strip_controls(text).split("\n"):
        words = line.split()
        if words:
            current.extend(words)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs) or None


def split_names(value: str, allow_comma: bool = True) -> tuple[str, ...]:
    """'A ; B ; C' -> (A, B, C). Without any ';', commas separate (and a final 'and'), unless allow_comma is False."""
    value = clean_line(value)
    parts = value.split(";") if ";" in value or not allow_comma else re.split(r",\s*and\s|,|\sand\s", value)
    return tuple(p for p in (clean_line(x) for x in parts) if p)


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """`values` in their first order, each once."""
    return tuple(dict.fromkeys(values))


def strip_eol(line: str) -> str:
    """A line without its line ending."""
    return line.rstrip("\r\n")


def split_lines(text: str) -> Iterator[str]:
    """Lines of `text`, each ending in '\\n', split at LF, CRLF or a lone CR (and nothing else, unlike
    str.splitlines, which would also split at characters JSON allows inside strings)."""
    if "\r" not in text and "\n" not in text[:-1]:  # fast path: at most one line, ending in LF
        if text:
            yield text
        return
    for m in re.finditer(r"([^\r\n]*)(\r\n|\r|\n|$)", text):
        if m.group(2) or m.group(1):
            yield m.group(1) + "\n" if m.group(2) else m.group(1)
