"""Listings: files of papers in, `Paper`s out. This package's public API is what is re-exported below.

Formats, detected by content (the file extension only breaks ties), one module each, each a `ListingFormat`
(base.py) registered in registry.py:
- `papers.cool` (papers_cool.py): the text copied from a papers.cool venue page, and its writer.
- `json` (json_document.py): a list of records, or an object holding one under `papers` (or records/items/...).
- `jsonl` (jsonl.py): one record per line; `beir` (beir.py): a BEIR corpus.jsonl, whose `_id` is kept verbatim.
- `csv` (csv_table.py): a header row naming the same fields (comma, semicolon, tab or pipe separated).
- `openreview` (openreview.py): an OpenReview API v2 notes export (`{"notes": [...]}` or a list of notes).

Shared by the formats: cleaning.py (controls, whitespace, names), identity.py (paper ids and links, one paper from
several sources), venues.py (decisions, venues, years), records.py (field aliases, type checks, the record adapter
of JSON/JSONL/CSV/BEIR), json_values.py (the streaming JSON reader). detection.py asks the registry which format a
listing is in; parsing.py runs a format's parser with the rules all formats share; files.py reads files (bytes,
encodings) and several files as one listing. Pure except files.py: no network or store access here.
"""

from __future__ import annotations

from ..types import DECISIONS
from .base import Head, Item, ListingFormat, RecordAdapter
from .cleaning import clean_abstract, clean_line, split_lines, split_names, strip_controls
from .csv_table import parse_csv
from .detection import detect_format
from .files import ListingStream, iter_listing, read_listing, read_listings, sniff_encoding
from .identity import (
    default_pdf_url,
    default_url,
    is_openreview_id,
    known_ids,
    merge_papers,
    openreview_id_from_url,
    title_key,
    title_slug_id,
    unify_ids,
)
from .json_document import parse_json
from .jsonl import parse_jsonl
from .openreview import paper_from_note, parse_notes
from .papers_cool import format_papers_cool, parse_papers_cool, strip_buttons
from .parsing import collect, iter_papers, parse_listing, summarize_skips
from .records import BadRecord, paper_from_record
from .registry import accepted_formats, format_names, get_format, register, registered
from .venues import ListingDefaults, defaults_from_name, normalize_decision, split_venue

FORMATS = format_names()  # the built-in formats (registry.format_names() also has any registered later)
ACCEPTED_FORMATS = accepted_formats()

__all__ = [
    "ACCEPTED_FORMATS", "DECISIONS", "FORMATS", "BadRecord", "Head", "Item", "ListingDefaults", "ListingFormat",
    "ListingStream", "RecordAdapter", "accepted_formats", "clean_abstract", "clean_line", "collect",
    "default_pdf_url", "default_url", "defaults_from_name", "detect_format", "format_names", "format_papers_cool",
    "get_format", "is_openreview_id", "iter_listing", "iter_papers", "known_ids", "merge_papers",
    "normalize_decision", "openreview_id_from_url", "paper_from_note", "paper_from_record", "parse_csv",
    "parse_json", "parse_jsonl", "parse_listing", "parse_notes", "parse_papers_cool", "read_listing",
    "read_listings", "register", "registered", "sniff_encoding", "split_lines", "split_names", "split_venue",
    "strip_buttons", "strip_controls", "summarize_skips", "title_key", "title_slug_id", "unify_ids",
]
