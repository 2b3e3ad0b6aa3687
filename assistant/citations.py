"""Citation checking: every [n] in an answer must name a paper numbered n in the context.

Recognised forms: [3], [1, 4], [2-5] (also en/em dash), [1; 2], and mixes such as [1, 3-4]. A number that was not
in the context is removed (a bracket left with no valid number disappears, with the spaces before it), so a
made-up or injected citation is never shown as a real paper. The context numbering is kept, never renumbered.

The same filter works on a stream: it holds back only a possible citation that is still open ("... [1, "), so the
text streamed to a user is exactly the checked text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .types import Citation, Paper

CITATION = re.compile(r"(?P<space>[ \t]*)\[(?P<body>\s*\d{1,6}\s*(?:(?:[,;]|[-\u2013\u2014])\s*\d{1,6}\s*)*)\]")
_OPEN_CITATION = re.compile(r"\[[\d\s,;\-\u2013\u2014]*")
_NUMBER_OR_RANGE = re.compile(r"(\d+)\s*(?:[-\u2013\u2014]\s*(\d+))?")
MAX_RANGE = 50  # a range wider than this ("[1-100000]") is read as its two ends, not expanded


def citation_numbers(body: str) -> list[int]:
    """The numbers one bracket names, ranges expanded, in order, without repeats."""
    numbers: list[int] = []
    for match in _NUMBER_OR_RANGE.finditer(body):
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else start
        if start <= end and end - start <= MAX_RANGE:
            span: Iterable[int] = range(start, end + 1)
        else:
            span = (start, end)
        numbers += [n for n in span if n not in numbers]
    return numbers


def format_numbers(numbers: list[int]) -> str:
    return "[" + ", ".join(str(n) for n in numbers) + "]"


@dataclass
class CitationFilter:
    """Removes citations to numbers outside `valid` from text fed in pieces; records what it kept and removed."""

    valid: frozenset[int]
    text: str = ""  # everything emitted so far
    removed: list[int] = field(default_factory=list)
    _pending: str = ""

    def feed(self, delta: str) -> str:
        """Checked text that is safe to show now (possibly empty while a citation is still open)."""
        self._pending += delta
        return self._release(final=False)

    def flush(self) -> str:
        """The rest of the text, at the end of the stream."""
        return self._release(final=True)

    def _release(self, final: bool) -> str:
        cut = len(self._pending) if final else self._safe_cut(self._pending)
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        checked = CITATION.sub(self._rewrite, ready)
        self.text += checked
        return checked

    @staticmethod
    def _safe_cut(text: str) -> int:
        """Where the text may be cut: before an open "[..." that may still become a citation, and before the
        spaces in front of it (a removed citation takes them along). An open citation is held however long it
        grows, so a long list of made-up numbers cannot slip through in pieces; any other character ends it."""
        cut = len(text)
        start = text.rfind("[")
        if start != -1 and _OPEN_CITATION.fullmatch(text, start):
            cut = start
        while cut > 0 and text[cut - 1] in " \t":
            cut -= 1
        return cut

    def _rewrite(self, match: re.Match[str]) -> str:
        numbers = citation_numbers(match.group("body"))
        kept = [n for n in numbers if n in self.valid]
        self.removed += [n for n in numbers if n not in self.valid and n not in self.removed]
        if len(kept) == len(numbers):
            return match.group(0)
        if not kept:
            return ""
        return match.group("space") + format_numbers(kept)


@dataclass
class CheckedText:
    text: str
    citations: list[Citation]
    removed: list[int]


def cited_numbers(text: str) -> list[int]:
    """Every number cited in `text`, in order of first appearance."""
    seen: list[int] = []
    for match in CITATION.finditer(text):
        seen += [n for n in citation_numbers(match.group("body")) if n not in seen]
    return seen


def make_citations(text: str, numbered: Mapping[int, Paper]) -> list[Citation]:
    """Structured citations for the valid numbers cited in `text`, in order of first appearance."""
    return [
        Citation(n=n, id=numbered[n].id, title=numbered[n].title, url=numbered[n].url)
        for n in cited_numbers(text)
        if n in numbered
    ]


def check_citations(text: str, numbered: Mapping[int, Paper]) -> CheckedText:
    """The whole text checked at once (same rules as the streamed filter)."""
    checker = CitationFilter(frozenset(numbered))
    checker.feed(text)
    checker.flush()
    return CheckedText(checker.text, make_citations(checker.text, numbered), checker.removed)


def check_stream(deltas: Iterable[str], checker: CitationFilter) -> Iterator[str]:
    """The deltas with invalid citations removed on the fly; `checker.text` holds the full checked text after."""
    for delta in deltas:
        out = checker.feed(delta)
        if out:
            yield out
    tail = checker.flush()
    if tail:
        yield tail


def removed_notice(removed: list[int]) -> str | None:
    if not removed:
        return None
    return f"Removed citation(s) {format_numbers(sorted(removed))}: no paper with that number was retrieved."
