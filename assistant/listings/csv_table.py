"""CSV listings: a header row naming the record fields (a 'title' column at least), comma, semicolon, tab or pipe
separated; authors and keywords inside a cell separated by ';' (or ',')."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import ListingError
from ..types import SkippedRecord
from .base import Head, Item, ListingFormat, RecordAdapter
from .cleaning import clean_line, strip_eol
from .records import ALIASES, paper_from_record, record_item
from .venues import NO_DEFAULTS, ListingDefaults

_CSV_DELIMITERS = (",", ";", "\t", "|")


def csv_header(line: str) -> tuple[str, list[str]] | None:
    """(delimiter, column names) if `line` is a CSV header with a title column."""
    for delimiter in sorted(_CSV_DELIMITERS, key=line.count, reverse=True):
        try:
            names = next(csv.reader([strip_eol(line)], delimiter=delimiter))
        except csv.Error:
            continue
        columns = [clean_line(n).lower().replace(" ", "_") for n in names]
        if any(c in ALIASES["title"] for c in columns):
            return delimiter, columns
    return None


class _CountingLines:
    """Feeds lines (each ending in a newline) to the csv reader and counts them, for record line numbers."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = iter(lines)
        self.count = 0

    def __iter__(self) -> _CountingLines:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.count += 1
        return strip_eol(line) + "\n"


def parse_csv(lines: Iterable[str], path: str, defaults: ListingDefaults = NO_DEFAULTS,
              adapter: RecordAdapter[Mapping[str, Any]] = paper_from_record) -> Iterator[tuple[int, Item]]:
    """CSV with a header row; authors and keywords inside a cell separated by ';' (or ',')."""
    # One abstract may be longer than csv's default 128 KiB field limit; raising the limit is process-wide but only
    # ever upwards, so it cannot break another csv user.
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    counted = _CountingLines(lines)
    header_line = next((line for line in counted if line.strip()), None)
    if header_line is None:
        return
    header = csv_header(header_line)
    if header is None:
        raise ListingError(path, "the CSV header has no 'title' column. Fix: name the columns in the first row "
                           "(title, authors, abstract, decision, keywords, id)", line=counted.count)
    delimiter, columns = header
    reader = csv.reader(counted, delimiter=delimiter)
    while True:
        start = counted.count + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, SkippedRecord(path, start, f"unreadable CSV row: {exc}")
            continue
        if any(cell.strip() for cell in row):
            yield _csv_row_item(row, columns, path, start, defaults, adapter)


def _csv_row_item(row: list[str], columns: list[str], path: str, line: int, defaults: ListingDefaults,
                  adapter: RecordAdapter[Mapping[str, Any]]) -> tuple[int, Item]:
    if len(row) > len(columns) and any(cell.strip() for cell in row[len(columns):]):
        reason = f"malformed CSV row: {len(row)} fields but the header has {len(columns)} (unquoted separator?)"
        return line, SkippedRecord(path, line, reason)
    return record_item(dict(zip(columns, row, strict=False)), path, line, defaults, adapter)


def _sniff(head: Head) -> bool:
    return csv_header(head.first) is not None


CSV = ListingFormat[Mapping[str, Any]](
    name="csv",
    description="CSV with a header row naming a 'title' column",
    sniff=_sniff,
    parse=parse_csv,
    adapter=paper_from_record,
    rank=10,
    name_hints=(".csv", ".tsv"),
)
