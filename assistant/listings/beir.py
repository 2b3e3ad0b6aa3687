"""BEIR corpus.jsonl (`_id`, `title`, `text`): JSONL whose records carry an `_id`, kept verbatim as the paper id
(the evaluation's judgments name papers by it). The `_id` rule itself is in records.py, because a record of any
JSON format may carry one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import NOT_JSON, Head, ListingFormat
from .jsonl import is_wrapper, parse_jsonl
from .records import paper_from_record


def _sniff(head: Head) -> bool:
    """A first line that is a whole JSON object with an `_id` (and not a wrapper of records)."""
    value = head.first_json()
    return (head.first.lstrip().startswith("{") and value is not NOT_JSON and isinstance(value, dict)
            and "_id" in value and not is_wrapper(value))


BEIR = ListingFormat[Mapping[str, Any]](
    name="beir",
    description="a BEIR corpus.jsonl",
    sniff=_sniff,
    parse=parse_jsonl,
    adapter=paper_from_record,
    rank=30,
)
