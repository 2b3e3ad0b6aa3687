"""Citation checking: every [n] in an answer must name a paper numbered n in the context.

The citation grammar lives here, once: the check below, the links render.py makes and the markers defused in
quoted listing text all use `CITATION`. Recognised forms: [3], [1, 4], [2-5] (any dash), [1; 2], mixes such as
[1, 3-4], fullwidth and CJK brackets (［42］, 【42】, 〖42〗) and separators, any decimal digits, and malformed items
that still read as citations: a letter suffix ([42a]) or a number too long for a list ([1234567]). A number that
was not in the context, and every malformed item, is removed (a bracket left with nothing valid disappears, with
the spaces before it), so a made-up or injected citation is never shown as a real paper, nor left as bogus text.
The context numbering is kept, never renumbered.

The same filter works on a stream: it holds back only a possible citation that is still open ("... [1, "), so the
text streamed to a user is exactly the checked text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from .errors import LLMError
from .events import AnswerEvent, StreamReset, TextDelta
from .types import Citation, Paper

_OPEN = "[\\[\uff3b\u3010\u3016]"
_CLOSE = "[\\]\uff3d\u3011\u3017]"
_DASH = "[-\u2010-\u2015\u2212\uff0d]"
_SEP = f"(?:[,;\uff0c\uff1b]|{_DASH})"
_ITEM = r"\d+[^\W\d_]{0,2}"  # a number, maybe with a letter suffix (malformed, but read as a citation)
CITATION = re.compile(rf"(?P<space>[ \t]*){_OPEN}(?P<body>\s*{_ITEM}\s*(?:{_SEP}\s*{_ITEM}\s*)*){_CLOSE}")
# A prefix of a citation (the stream holds it back until it is complete or cannot become one).
_OPEN_CITATION = re.compile(rf"{_OPEN}\s*(?:{_ITEM}\s*{_SEP}\s*)*(?:{_ITEM}\s*)?")
_OPENERS = "[\uff3b\u3010\u3016"
_ITEM_OR_RANGE = re.compile(rf"(\d+)([^\W\d_]*)\s*(?:{_DASH}\s*(\d+)([^\W\d_]*))?")
MAX_RANGE = 50  # a range wider than this ("[1-100000]") is read as its two ends, not expanded
MAX_DIGITS = 9  # a longer "number" is kept as the text written (never a paper; int() of huge digit runs is slow)
Item = int | str  # a cited number, or a malformed item as written ("42a")


def citation_items(body: str) -> list[Item]:
    """What one bracket names, in order, without repeats: numbers (ranges expanded) and malformed items as text."""
    items: list[Item] = []
    for match in _ITEM_OR_RANGE.finditer(body):
        first, suffix, last, last_suffix = match.groups()
        if suffix or last_suffix or len(first) > MAX_DIGITS or len(last or "") > MAX_DIGITS:
            span: Iterable[Item] = [_as_written(match.group(0))]
        else:
            start, end = int(first), int(last) if last else int(first)
            span = range(start, end + 1) if start <= end and end - start <= MAX_RANGE else (start, end)
        items += [i for i in span if i not in items]
    return items


def _as_written(item: str) -> str:
    text = "".join(item.split())
    return text if len(text) <= 2 * MAX_DIGITS else text[: 2 * MAX_DIGITS] + "\u2026"


def citation_numbers(body: str) -> list[int]:
    """The numbers one bracket names, ranges expanded, in order, without repeats (malformed items left out)."""
    return [i for i in citation_items(body) if isinstance(i, int)]


def defuse_citations(text: str) -> str:
    """Listing text with every citation-like marker made inert: "[2]" -> "(2)". An abstract's own reference
    numbers, quoted in an answer, must not become citations of the papers numbered so in the context."""
    return CITATION.sub(lambda m: f"{m.group('space')}({m.group('body')})", text)


def format_numbers(numbers: Sequence[Item]) -> str:
    return "[" + ", ".join(str(n) for n in numbers) + "]"


@dataclass
class CitationFilter:
    """Removes citations to numbers outside `valid` from text fed in pieces; records what it kept and removed."""

    valid: frozenset[int]
    text: str = ""  # everything emitted so far
    removed: list[Item] = field(default_factory=list)
    _pending: str = ""

    def feed(self, delta: str) -> str:
        """Checked text that is safe to show now (possibly empty while a citation is still open)."""
        self._pending += delta
        return self._release(final=False)

    def flush(self) -> str:
        """The rest of the text, at the end of the stream."""
        return self._release(final=True)

    def _release(self, final: bool) -> str:
        # The pending text is checked first and cut after: removing a citation can join what was around it into
        # a new one ("[0 [9]]" -> "[0]"), so the cut is found in the checked text (checking it again changes
        # nothing, so the held part can stay checked).
        checked = self._checked(self._pending)
        cut = len(checked) if final else self._safe_cut(checked)
        ready, self._pending = checked[:cut], checked[cut:]
        self.text += ready
        return ready

    def _checked(self, text: str) -> str:
        """Invalid citations removed until none is left (each pass removes one at least, so this ends)."""
        while True:
            checked = CITATION.sub(self._rewrite, text)
            if checked == text:
                return checked
            text = checked

    @staticmethod
    def _safe_cut(text: str) -> int:
        """Where the text may be cut: before an open "[..." that may still become a citation, and before the
        spaces in front of it (a removed citation takes them along), again until what is left ends in neither.
        An open citation is held however long it grows, so a long list of made-up numbers cannot slip through in
        pieces; any other character ends it."""
        cut = len(text)
        while True:
            held = cut
            start = max(text.rfind(opener, 0, cut) for opener in _OPENERS)
            if start != -1 and _OPEN_CITATION.fullmatch(text, start, cut):
                held = start
            while held > 0 and text[held - 1] in " \t":
                held -= 1
            if held == cut:
                return cut
            cut = held

    def _rewrite(self, match: re.Match[str]) -> str:
        items = citation_items(match.group("body"))
        kept = [i for i in items if isinstance(i, int) and i in self.valid]
        self.removed += [i for i in items if i not in kept and i not in self.removed]
        if len(kept) == len(items):
            return match.group(0)
        if not kept:
            return ""
        return match.group("space") + format_numbers(kept)


@dataclass
class CheckedText:
    text: str
    citations: list[Citation]
    removed: list[Item]


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


Fallback = Callable[[LLMError], tuple[str, Iterator[AnswerEvent]]]


def stream_or_fall_back(
    pieces: Callable[[], Iterable[str]], checker: CitationFilter, fall_back: Fallback, empty: str | None = None
) -> Generator[AnswerEvent, None, bool]:
    """A model's answer streamed with its citations checked; when the model fails (or, given `empty`, says
    nothing), what was shown is reset and the offline events follow. `fall_back(error)` gives the notice and those
    events. Returns whether the model's answer arrived whole (the caller then builds it from `checker.text`). The
    one rule for answers and summaries."""
    streamed = False
    try:
        for piece in check_stream(pieces(), checker):
            streamed = True
            yield TextDelta(piece)
        if empty is not None and not checker.text.strip():
            raise LLMError(empty)
    except LLMError as exc:
        notice, events = fall_back(exc)
        if streamed:
            yield StreamReset(notice)
        yield from events
        return False
    return True


def removed_notice(removed: Sequence[Item]) -> str | None:
    if not removed:
        return None
    ordered = sorted(removed, key=lambda i: (isinstance(i, str), i if isinstance(i, int) else 0, str(i)))
    return f"Removed citation(s) {format_numbers(ordered)}: no paper with that number was retrieved."
