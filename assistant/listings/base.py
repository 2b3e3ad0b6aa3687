"""What a listing format is: the `ListingFormat` every format module defines, and the `Head` of a listing its
`sniff` looks at. Formats are registered in registry.py; detection.py asks them in turn."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..types import Paper, SkippedRecord
from .venues import ListingDefaults

Item = Paper | SkippedRecord
Raw = TypeVar("Raw")
# One raw record (a JSON object, a CSV row as a dict, a papers.cool block, an OpenReview note) -> a Paper. An
# adapter raises records.BadRecord, whose message is the reason the record is skipped.
RecordAdapter = Callable[[Raw, ListingDefaults], Paper]
# Lines of one listing -> (line, Paper or SkippedRecord) as they are read, each raw record through the adapter.
Parser = Callable[[Iterable[str], str, ListingDefaults, RecordAdapter[Raw]], Iterator[tuple[int, Item]]]

HEAD_LINES = 200  # lines after the first non-blank one that a sniff may look at (a papers.cool preamble, say)
_NOT_JSON = object()
_UNSET = object()


class Head:
    """The start of a listing as the sniffs see it: the first non-blank line (BOM removed), and up to HEAD_LINES
    more read only when a sniff asks. `lines()` gives the whole listing back, nothing lost."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._rest = iter(lines)
        self._seen: list[str] = []
        for line in self._rest:
            self._seen.append(line.lstrip("\ufeff") if not self._seen else line)
            if self._seen[-1].strip():
                break
        self.empty = not any(line.strip() for line in self._seen)
        self.first = "" if self.empty else self._seen[-1]
        self._first_at = len(self._seen)
        self._read_ahead = False
        self._json: Any = _UNSET

    def following(self) -> list[str]:
        """The first line and up to HEAD_LINES after it (read on the first call)."""
        if not self._read_ahead:
            self._seen += itertools.islice(self._rest, HEAD_LINES)
            self._read_ahead = True
        return self._seen[self._first_at - 1:]

    def first_json(self) -> Any:
        """The first line decoded as JSON (once, however many sniffs ask), or NOT_JSON if it is not a whole value."""
        if self._json is _UNSET:
            try:
                self._json = json.loads(self.first)
            except (ValueError, RecursionError):
                self._json = _NOT_JSON
        return self._json

    def lines(self) -> Iterator[str]:
        return itertools.chain(self._seen, self._rest)


NOT_JSON: object = _NOT_JSON


@dataclass(frozen=True)
class ListingFormat(Generic[Raw]):
    """One listing format: everything the rest of the program needs to know about it.

    - `sniff(head)`: does this listing look like mine (judged from its content only).
    - `parse(lines, path, defaults, adapter)`: the papers and skipped records, each with its line, as read.
    - `adapter(raw, defaults)`: one raw record -> Paper fields (raises records.BadRecord with the reason).
    - `rank`: sniffs are asked highest first, so a specific shape (a BEIR corpus, OpenReview notes) is claimed
      before the general format it would also pass for (JSONL, JSON).
    - `name_hints`: file extensions that pick this format when no sniff claims the content.
    - `description`: how the format reads in the list of accepted formats of an error message."""

    name: str
    description: str
    sniff: Callable[[Head], bool]
    parse: Parser[Raw]
    adapter: RecordAdapter[Raw]
    rank: int = 0
    name_hints: tuple[str, ...] = ()

    def read(self, lines: Iterable[str], path: str, defaults: ListingDefaults) -> Iterator[tuple[int, Item]]:
        """(line, Paper or SkippedRecord) for the lines of one listing in this format."""
        return self.parse(lines, path, defaults, self.adapter)
