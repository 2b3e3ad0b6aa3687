"""JSONL listings: one JSON record per line, read one line at a time (memory bounded by the longest line)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..text import drop_invisible
from ..types import SkippedRecord
from .base import NOT_JSON, Head, Item, ListingFormat, RecordAdapter
from .cleaning import strip_eol
from .records import RECORD_LIST_KEYS, json_error, paper_from_record, record_item
from .venues import NO_DEFAULTS, ListingDefaults


def parse_jsonl(lines: Iterable[str], path: str, defaults: ListingDefaults = NO_DEFAULTS,
                adapter: RecordAdapter[Mapping[str, Any]] = paper_from_record) -> Iterator[tuple[int, Item]]:
    """One JSON record per line (also BEIR corpus.jsonl). A bad line is skipped with its reason."""
    for number, raw in enumerate(lines, 1):
        line = drop_invisible(strip_eol(raw)).strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError) as exc:
            hint = " (the file may be cut off here)" if number > 1 and not raw.endswith("\n") else ""
            yield number, SkippedRecord(path, number, json_error(exc) + hint)
            continue
        yield record_item(rec, path, number, defaults, adapter)


def is_wrapper(value: object) -> bool:
    """A one-line object holding its records under a list key ({"papers": [...]}): a JSON document, not JSONL."""
    return isinstance(value, dict) and "title" not in value and any(
        isinstance(value.get(k), list) for k in RECORD_LIST_KEYS)


def _sniff(head: Head) -> bool:
    """A first line that is a whole JSON object (and not a wrapper of records)."""
    value = head.first_json()
    return head.first.lstrip().startswith("{") and value is not NOT_JSON and not is_wrapper(value)


JSONL = ListingFormat[Mapping[str, Any]](
    name="jsonl",
    description="JSONL (one record per line)",
    sniff=_sniff,
    parse=parse_jsonl,
    adapter=paper_from_record,
    rank=20,
)
