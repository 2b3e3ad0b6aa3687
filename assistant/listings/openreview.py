"""OpenReview notes: the JSON the OpenReview API v2 returns for `https://api2.openreview.net/notes?invitation=...`
(`{"notes": [...], "count": N}`), a bare list of notes, or one note per line.

A note is `{"id", "forum", "content": {"title": {"value": ...}, "authors": {"value": [...]}, "abstract",
"keywords", "venue" ("ICLR 2022 Oral"), "venueid" ("ICLR.cc/2022/Conference"), "pdf" ("/pdf/<hash>.pdf")},
"cdate", "pdate" (milliseconds since 1970)}`. API v1 notes (content values not wrapped in `{"value": ...}`) read
the same way. Mapping: the note id is the paper id (the forum's when the note's own does not look like one), the
link is the forum's page, the decision comes from `venue` (Oral / Spotlight / Poster, else none), the year from
`venue`, else `venueid`, else the publication date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from ..types import OPENREVIEW_FORUM, Paper
from .base import NOT_JSON, Head, Item, ListingFormat, RecordAdapter
from .identity import is_openreview_id
from .json_document import DocumentShape, items_of, read_document
from .records import BadRecord, paper_from_record, type_name
from .venues import NO_DEFAULTS, ListingDefaults, split_venue

NOTES = DocumentShape(list_keys=("notes",), record_keys=("content",))
_FIELDS = ("title", "authors", "abstract", "keywords", "venue")
_SITE = "https://openreview.net"
_PDF_PATH = re.compile(r"/pdf/[0-9a-f]{16,64}\.pdf")  # the form v2 notes give; anything else is not linked
_VENUE_ID = re.compile(r"(?P<name>[A-Za-z][\w-]*?)(?:\.cc)?/(?P<year>(?:19|20)\d\d)(?:/|$)")
_SUBMITTED = re.compile(r"\s*(?:submitted to|withdrawn submission to|rejected by)\s+", re.I)
# The v2 shape in text, for a document spread over lines: a content field wrapped as {"value": ...}.
_V2_CONTENT = re.compile(r'"content"\s*:\s*\{\s*"(?:[^"\\]|\\.)*"\s*:\s*\{\s*"value"\s*:')
_NOTES_WRAPPER = re.compile(r'\{\s*"notes"\s*:\s*\[')


def _unwrap(value: object) -> object:
    """A v2 content value ({"value": x}) -> x; a v1 (bare) value as it is."""
    return value.get("value") if isinstance(value, dict) and "value" in value else value


def _content(note: Mapping[str, Any]) -> dict[str, object]:
    content = note.get("content")
    if content is None:
        raise BadRecord("missing content: the note has no 'content' (title, authors, abstract...)")
    if not isinstance(content, dict):
        raise BadRecord(f"wrong type: 'content' must be an object, got {type_name(content)}")
    return {str(k).lower(): _unwrap(v) for k, v in content.items()}


def _note_id(note: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(paper id, forum id): the note's own id, else its forum's; each only if it looks like an OpenReview id."""
    ids = [v.strip() if isinstance(v, str) else None for v in (note.get("id"), note.get("forum"))]
    valid = [i if i and is_openreview_id(i) else None for i in ids]
    return valid[0] or valid[1], valid[1] or valid[0]


def _year_of(content: Mapping[str, object], note: Mapping[str, Any]) -> int | None:
    """From the venue ('ICLR 2022 Oral'), else the venue id ('ICLR.cc/2022/Conference'), else the publication
    (or creation) date."""
    venue = content.get("venue")
    year = split_venue(venue)[1] if isinstance(venue, str) else None
    venue_id = content.get("venueid")
    m = _VENUE_ID.match(venue_id) if isinstance(venue_id, str) else None
    return year or (int(m["year"]) if m else None) or _year_of_date(note.get("pdate")) or _year_of_date(
        note.get("cdate"))


def _year_of_date(millis: object) -> int | None:
    if not isinstance(millis, int | float) or isinstance(millis, bool) or not 0 < millis < 4e12:
        return None  # not a date in 1970-2096: ignored, the year is only a default
    return datetime.fromtimestamp(millis / 1000, UTC).year


def _venue(content: Mapping[str, object]) -> object:
    """'Submitted to ICLR 2024' -> 'ICLR 2024' (the venue, no decision); a venue id when there is no venue."""
    venue = content.get("venue")
    if isinstance(venue, str):
        m = _SUBMITTED.match(venue)
        return venue[m.end():] if m else venue
    venue_id = content.get("venueid")
    m = _VENUE_ID.match(venue_id) if isinstance(venue_id, str) else None
    return m["name"] if m else venue


def _pdf(content: Mapping[str, object]) -> str | None:
    pdf = content.get("pdf")
    return _SITE + pdf if isinstance(pdf, str) and _PDF_PATH.fullmatch(pdf) else None


def paper_from_note(note: Mapping[str, Any], defaults: ListingDefaults = NO_DEFAULTS) -> Paper:
    """The record adapter of OpenReview notes: one note -> Paper (the type checks and skip reasons of records.py
    apply to its content fields). Raises BadRecord with the reason."""
    content = _content(note)
    paper_id, forum = _note_id(note)
    record: dict[str, object] = {name: content.get(name) for name in _FIELDS}
    record.update(venue=_venue(content), year=_year_of(content, note), id=paper_id,
                  url=OPENREVIEW_FORUM + forum if forum else None, pdf=_pdf(content))
    return paper_from_record(record, defaults)


def parse_notes(lines: Iterable[str], path: str, defaults: ListingDefaults = NO_DEFAULTS,
                adapter: RecordAdapter[Mapping[str, Any]] = paper_from_note) -> Iterator[tuple[int, Item]]:
    """The notes of an export, streamed; a note that does not decode is skipped with its line and column."""
    yield from items_of(read_document(lines, path, NOTES).values, path, defaults, adapter)


def _is_note(value: object) -> bool:
    if isinstance(value, list):
        return bool(value) and _is_note(value[0])
    if not isinstance(value, dict):
        return False
    if isinstance(value.get("notes"), list):
        return True
    content = value.get("content")
    return isinstance(content, dict) and ("forum" in value or any(
        isinstance(v, dict) and "value" in v for v in content.values()))


def _sniff(head: Head) -> bool:
    """Notes: a first line that decodes to a note, a list of notes or {"notes": [...]}; or a document spread over
    lines whose start shows the v2 content shape or the notes wrapper."""
    if not head.first.lstrip().startswith(("{", "[")):
        return False
    value = head.first_json()
    if value is not NOT_JSON:
        return _is_note(value)
    text = "".join(head.following())
    return bool(_V2_CONTENT.search(text) or (_NOTES_WRAPPER.match(text.lstrip()) and '"content"' in text))


OPENREVIEW = ListingFormat[Mapping[str, Any]](
    name="openreview",
    description='an OpenReview API v2 notes export ({"notes": [...]} or a list of notes)',
    sniff=_sniff,
    parse=parse_notes,
    adapter=paper_from_note,
    rank=40,
)
