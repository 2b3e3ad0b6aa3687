"""JSON listings: a list of records (streamed), or an object holding one under `papers` (or records/items/data/
results/entries), whose own `venue`/`year` are the records' defaults. The object form is read whole: the limit.

`read_document` is shared with the OpenReview format, whose notes come as `{"notes": [...]}` or a bare list."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..types import SkippedRecord
from .base import NOT_JSON, Head, Item, ListingFormat, RecordAdapter
from .json_values import JsonValueReader
from .jsonl import is_wrapper
from .records import RECORD_LIST_KEYS, paper_from_record, record_item
from .venues import NO_DEFAULTS, ListingDefaults, merge_defaults, split_venue

JsonValues = Iterator[tuple[int, object] | SkippedRecord]


@dataclass(frozen=True)
class DocumentShape:
    """How a JSON document holds its records: the keys a wrapping object may keep them under, and the key that
    marks an object as one record (a wrapper's key must come before the first of those, so a field inside a record
    is never taken for the wrapper's)."""

    list_keys: tuple[str, ...]
    record_keys: tuple[str, ...]


RECORDS = DocumentShape(RECORD_LIST_KEYS, ("title", "_id"))


@dataclass(frozen=True)
class JsonDocument:
    values: JsonValues  # (line, value) for each record, or a SkippedRecord for one that does not decode
    wrapper: dict[str, Any] | None  # the object the records were found in, when it decoded whole


def _records_start(text: str, doc: object, shape: DocumentShape) -> tuple[int, int]:
    """(offset, line) where the records of an object document start: inside its `"papers": [` if it wraps its
    records, else 0 (a single record, or an object whose wrapper key comes too late)."""
    if isinstance(doc, dict) and any(k in doc for k in shape.record_keys):
        return 0, 1  # a single record, pretty-printed
    keys = "|".join(shape.list_keys)
    m = re.search(rf'"(?:{keys})"\s*:\s*\[', text, re.I)
    first_field = text.find(f'"{shape.record_keys[0]}"')
    if not m or (first_field != -1 and first_field < m.start()):
        return 0, 1
    return m.end(), text.count("\n", 0, m.end()) + 1


def read_document(lines: Iterable[str], path: str, shape: DocumentShape) -> JsonDocument:
    """The records of a JSON document: an array (streamed), a wrapping object (read whole), or objects one after
    another. A broken or cut-off document still gives every record that decodes."""
    it = iter(lines)
    blank = 0
    for first in it:
        if first.strip():
            break
        blank += 1
    else:
        return JsonDocument(iter(()), None)
    if not first.lstrip().startswith("{"):
        return JsonDocument(JsonValueReader(itertools.chain([first], it), blank + 1, path).values(), None)
    text = first + "".join(it)
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        doc = None  # cut off or broken: the records are still read one by one below
    offset, line = _records_start(text, doc, shape)
    reader = JsonValueReader(iter(text[offset:].split("\n")), blank + line, path, wrapped=offset > 0)
    return JsonDocument(reader.values(), doc if offset and isinstance(doc, dict) else None)


def items_of(values: JsonValues, path: str, defaults: ListingDefaults,
             adapter: RecordAdapter[Mapping[str, Any]]) -> Iterator[tuple[int, Item]]:
    """(line, Paper or SkippedRecord) for each decoded value of a document."""
    for value in values:
        if isinstance(value, SkippedRecord):
            yield value.line, value
        else:
            yield record_item(value[1], path, value[0], defaults, adapter)


def _document_defaults(doc: Mapping[str, Any]) -> ListingDefaults:
    venue, year, _ = split_venue(doc["venue"]) if isinstance(doc.get("venue"), str) else (None, None, None)
    raw_year = doc.get("year")
    if isinstance(raw_year, int) and not isinstance(raw_year, bool) and 1000 <= raw_year <= 9999:
        year = raw_year
    return ListingDefaults(venue, year)


def parse_json(lines: Iterable[str], path: str, defaults: ListingDefaults = NO_DEFAULTS,
               adapter: RecordAdapter[Mapping[str, Any]] = paper_from_record) -> Iterator[tuple[int, Item]]:
    """A JSON array of records (streamed), or an object with the array under `papers` (read whole: the limit)."""
    doc = read_document(lines, path, RECORDS)
    if doc.wrapper is not None:
        defaults = merge_defaults(_document_defaults(doc.wrapper), defaults)
    yield from items_of(doc.values, path, defaults, adapter)


def _sniff(head: Head) -> bool:
    """A first line opening an array, an object spread over several lines, or a one-line wrapper of records."""
    text = head.first.lstrip()
    return text.startswith("[") or (text.startswith("{") and (head.first_json() is NOT_JSON
                                                               or is_wrapper(head.first_json())))


JSON = ListingFormat[Mapping[str, Any]](
    name="json",
    description='JSON (a list of records or {"papers": [...]})',
    sniff=_sniff,
    parse=parse_json,
    adapter=paper_from_record,
    rank=20,
)
