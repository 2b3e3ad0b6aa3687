"""Records -> Paper: the field aliases of JSON, JSONL, CSV and BEIR records, their type checks, and the record
adapter those formats share (`paper_from_record`). Every reason a record is skipped is worded here."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..types import Paper, SkippedRecord
from .base import Item, Raw, RecordAdapter
from .cleaning import clean_abstract, clean_line, split_names, unique
from .identity import default_pdf_url, default_url, is_openreview_id, openreview_id_from_url, title_slug_id
from .venues import NO_DEFAULTS, ListingDefaults, normalize_decision, split_venue


class BadRecord(ValueError):
    """A record that cannot become a Paper; the message is the skip reason."""


ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "paper_title"),
    "authors": ("authors", "author", "author_names", "authors_list"),
    "abstract": ("abstract", "summary", "text", "abstract_text"),
    "decision": ("decision", "status", "track"),
    "venue": ("venue", "conference"),
    "year": ("year",),
    "keywords": ("keywords", "keyword", "tags", "topics"),
    "id": ("id", "forum", "paper_id", "openreview_id", "note_id"),
    "url": ("url", "link", "forum_url", "openreview_url", "paper_url", "site"),
    "pdf": ("pdf", "pdf_url", "pdflink", "pdf_link"),
}
RECORD_LIST_KEYS = ("papers", "records", "items", "data", "results", "entries")


def _pick(rec: Mapping[str, Any], name: str) -> tuple[str, Any]:
    """(field name found, value) for the first alias present with a value that is not null/empty."""
    for alias in ALIASES[name]:
        value = rec.get(alias)
        if value is not None and value != "":
            return alias, value
    return ALIASES[name][0], None


def type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _text(rec: Mapping[str, Any], name: str) -> str | None:
    key, value = _pick(rec, name)
    if value is None or isinstance(value, str):
        return value
    raise BadRecord(f"wrong type: '{key}' must be text, got {type_name(value)}")


def _names(rec: Mapping[str, Any], name: str) -> tuple[str, ...]:
    key, value = _pick(rec, name)
    if value is None:
        return ()
    if isinstance(value, str):
        return split_names(value)
    if isinstance(value, list | tuple):
        return tuple(n for n in (clean_line(_name_of(v, key)) for v in value if v is not None) if n)
    raise BadRecord(f"wrong type: '{key}' must be a list of names or a string, got {type_name(value)}")


def _name_of(value: object, key: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return str(value["name"])  # e.g. [{"name": "Ada Lovelace", "affiliation": ...}]
    raise BadRecord(f"wrong type: '{key}' must hold names (text), found {type_name(value)}")


def _year(rec: Mapping[str, Any]) -> int | None:
    key, value = _pick(rec, "year")
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}(?:\.0)?\s*", value):
        value = int(float(value))
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return value
    raise BadRecord(f"wrong type: '{key}' must be a 4-digit year, got {value!r:.40}")


def _identity(rec: Mapping[str, Any], title: str) -> tuple[str, str | None, str | None]:
    """(id, url, pdf_url): a BEIR `_id` verbatim; else an OpenReview id from an id field or link; else the slug."""
    url, pdf = _text(rec, "url"), _text(rec, "pdf")
    if "_id" in rec:
        beir_id = rec["_id"]
        if not isinstance(beir_id, str | int) or isinstance(beir_id, bool) or not str(beir_id).strip():
            raise BadRecord(f"wrong type: '_id' must be non-empty text or a number, got {type_name(beir_id)}")
        return clean_line(str(beir_id)), url, pdf
    key, raw_id = _pick(rec, "id")
    if raw_id is not None and (not isinstance(raw_id, str | int) or isinstance(raw_id, bool)):
        raise BadRecord(f"wrong type: '{key}' must be text or a number, got {type_name(raw_id)}")
    candidates = [clean_line(str(raw_id))] if raw_id is not None else []
    candidates += [i for i in (openreview_id_from_url(u) for u in (url, pdf) if u) if i]
    paper_id = next((c for c in candidates if is_openreview_id(c)), None) or title_slug_id(title)
    return paper_id, url or default_url(paper_id), pdf or default_pdf_url(paper_id)


def paper_from_record(rec: Mapping[str, Any], defaults: ListingDefaults = NO_DEFAULTS) -> Paper:
    """A Paper from one JSON/JSONL/CSV/BEIR record (keys case-insensitive). Raises BadRecord with the reason."""
    rec = {str(k).strip().lower().replace(" ", "_"): v for k, v in rec.items()}
    title = clean_line(_text(rec, "title") or "")
    if not title:
        raise BadRecord("missing title: the record has no 'title' (or it is empty)")
    abstract = clean_abstract(_text(rec, "abstract"))
    venue, venue_year, venue_decision = split_venue(_text(rec, "venue") or "")
    paper_id, url, pdf = _identity(rec, title)
    return Paper(
        id=paper_id,
        title=title,
        authors=_names(rec, "authors"),
        abstract=abstract,
        venue=venue or defaults.venue,
        year=_year(rec) or venue_year or defaults.year,
        decision=normalize_decision(_text(rec, "decision")) or venue_decision,
        keywords=unique(_names(rec, "keywords")),
        url=(clean_line(url) or None) if url else None,
        pdf_url=(clean_line(pdf) or None) if pdf else None,
    )


def record_item(rec: object, path: str, line: int, defaults: ListingDefaults,
                adapter: RecordAdapter[Mapping[str, Any]] = paper_from_record) -> tuple[int, Item]:
    """(line, the Paper `adapter` makes of `rec`, or the SkippedRecord saying why it could not)."""
    if not isinstance(rec, dict):
        return line, SkippedRecord(path, line, f"wrong type: expected a JSON object (a record), got {type_name(rec)}")
    return adapted(rec, path, line, defaults, adapter)


def adapted(raw: Raw, path: str, line: int, defaults: ListingDefaults, adapter: RecordAdapter[Raw]) -> tuple[int, Item]:
    """(line, the Paper `adapter` makes of a raw record of any format, or the SkippedRecord saying why not)."""
    try:
        return line, adapter(raw, defaults)
    except BadRecord as exc:
        return line, SkippedRecord(path, line, str(exc))


def json_error(exc: Exception) -> str:
    """The skip reason for a JSON value that does not decode."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} (column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "invalid JSON: nested too deeply"
    return f"invalid JSON: {exc}"
