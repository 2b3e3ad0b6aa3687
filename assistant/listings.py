"""Listing parsers: lines of text in, `Paper`s out. Pure: no file, network or store access here (listing_files.py
opens and decodes files and feeds their lines in).

Formats, detected by content (the file extension only breaks ties):
- `papers.cool`: the text copied from a papers.cool venue page (optional `ICLR.2022` / `Total: N` header, then per
  paper `#N Title [PDF] [Copy] [KimiN]`, `Authors: A ; B`, the abstract, an optional `Subject: ICLR.2022 - Oral`).
- `json`: a list of records, or an object holding one under `papers` (or records/items/data/results/entries).
- `jsonl`: one record per line; `beir`: a BEIR corpus.jsonl (`_id`, `title`, `text`), whose `_id` is kept verbatim.
- `csv`: a header row naming the same fields (comma, semicolon or tab separated).

Streaming: every parser consumes an iterable of lines and yields papers and skipped records as it goes, so memory
stays bounded by the largest record, not the file. Limits: a JSON object wrapping its list (`{"papers": [...]}`) is
read whole, and so is any single line (a minified JSON array is one line).

Ids: the OpenReview id when a record carries one (an `id`/`forum` field that looks like one, or an openreview.net
URL), linking to https://openreview.net/forum?id=ID; otherwise `title_slug_id(title)`, a stable slug of the
normalized title. `unify_ids` maps slug ids onto ids known for the same `title_key`, so a paper read from the
papers.cool text and from the JSONL is one paper.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import ListingError
from .text import drop_invisible
from .types import OPENREVIEW_FORUM, OPENREVIEW_PDF, Paper, ParseResult, SkippedRecord

FORMATS = ("papers.cool", "json", "jsonl", "beir", "csv")
ACCEPTED_FORMATS = (
    "papers.cool copied text (#1 Title / Authors: ... / abstract), JSON (a list of records or {\"papers\": [...]}), "
    "JSONL (one record per line), CSV with a header row naming a 'title' column, or a BEIR corpus.jsonl"
)
Item = Paper | SkippedRecord

# ----------------------------------------------------------------------------------------------------------------
# Text cleaning
# ----------------------------------------------------------------------------------------------------------------
def strip_controls(text: str) -> str:
    """`text` with control and format characters removed (text.py says which; CR/LF become LF first, so line
    structure survives)."""
    return drop_invisible(text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(text: str) -> str:
    """One-line field (title, name, keyword): controls removed, every whitespace run one space, trimmed."""
    return " ".join(strip_controls(text).split())


def clean_abstract(text: str | None) -> str | None:
    """Abstract: paragraphs (split at blank lines) kept apart by one blank line, each on one line; None if empty."""
    if text is None:
        return None
    paragraphs: list[str] = []
    current: list[str] = []
    for line in strip_controls(text).split("\n"):
        words = line.split()
        if words:
            current.extend(words)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs) or None


def split_names(value: str, allow_comma: bool = True) -> tuple[str, ...]:
    """'A ; B ; C' -> (A, B, C). Without any ';', commas separate (and a final 'and'), unless allow_comma is False."""
    value = clean_line(value)
    parts = value.split(";") if ";" in value or not allow_comma else re.split(r",\s*and\s|,|\sand\s", value)
    return tuple(p for p in (clean_line(x) for x in parts) if p)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


# ----------------------------------------------------------------------------------------------------------------
# Ids, decisions, venues
# ----------------------------------------------------------------------------------------------------------------
_OPENREVIEW_ID = re.compile(r"[A-Za-z0-9_-]{8,14}")
_SLUG_ID = re.compile(r"t-(?:[a-z0-9]+-)*[0-9a-f]{8}")
_OPENREVIEW_URL = re.compile(r"openreview\.net/(?:forum|pdf|attachment|notes?)\?(?:[^#\s]*&)?id=([A-Za-z0-9_-]+)")


def is_openreview_id(value: str) -> bool:
    """Looks like an OpenReview note id (8-14 random url-safe characters with a digit or a capital): not a number,
    a word or a title slug."""
    return (
        bool(_OPENREVIEW_ID.fullmatch(value))
        and not value.isdigit()
        and any(c.isdigit() or c.isupper() for c in value)  # random ids nearly always have one; words do not
        and not _SLUG_ID.fullmatch(value)
    )


def openreview_id_from_url(url: str) -> str | None:
    m = _OPENREVIEW_URL.search(url)
    return m.group(1) if m and is_openreview_id(m.group(1)) else None


def default_url(paper_id: str) -> str | None:
    return OPENREVIEW_FORUM + paper_id if is_openreview_id(paper_id) else None


def default_pdf_url(paper_id: str) -> str | None:
    return OPENREVIEW_PDF + paper_id if is_openreview_id(paper_id) else None


_NON_WORD = re.compile(r"[\W_]+")


def title_key(title: str) -> str:
    """Normalized title used to recognise one paper across sources: accents folded, case folded, punctuation and
    whitespace collapsed ("Über-Squashing: A Study!" -> "uber squashing a study")."""
    folded = clean_line(title)
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded)
        folded = unicodedata.normalize("NFKC", "".join(c for c in folded if not unicodedata.combining(c)))
    return " ".join(_NON_WORD.sub(" ", folded.casefold()).split())


def title_slug_id(title: str) -> str:
    """Stable id from the title alone: 't-' + ASCII slug (cut to about 60 characters) + 8 hex digits of a hash of
    the title key, e.g. 't-understanding-over-squashing-and-bottlenecks-on-graphs-via-curvature-1a2b3c4d'."""
    key = title_key(title)
    words = key.encode("ascii", "ignore").decode().split()
    slug = "-".join(words)
    if len(slug) > 60:
        slug = slug[:61].rsplit("-", 1)[0] if "-" in slug[:61] else slug[:60]
    digest = hashlib.sha1((key or clean_line(title)).encode("utf-8")).hexdigest()[:8]
    return f"t-{slug}-{digest}" if slug else f"t-{digest}"


_DECISIONS = (("Oral", re.compile(r"\boral\b", re.I)), ("Spotlight", re.compile(r"\bspotlight\b", re.I)),
              ("Poster", re.compile(r"\bposter\b", re.I)))


def normalize_decision(value: str | None) -> str | None:
    """'Accept (Oral)', 'oral', 'ICLR 2022 Oral' -> 'Oral' (likewise Spotlight, Poster); anything else kept as is."""
    text = clean_line(value or "")
    for name, pattern in _DECISIONS:
        if pattern.search(text):
            return name
    return text or None


_VENUE_YEAR = re.compile(r"(?P<name>.*?)[\s._-]*\b(?P<year>(?:19|20)\d\d)\b[\s.:-]*(?P<rest>.*)")


def split_venue(value: str) -> tuple[str | None, int | None, str | None]:
    """'ICLR.2022' / 'ICLR 2022 Poster' -> (venue, year, decision or None); a value without a year is the venue."""
    text = clean_line(value)
    m = _VENUE_YEAR.fullmatch(text)
    if not m:
        return text or None, None, None
    rest = normalize_decision(m.group("rest"))
    decision = rest if rest in ("Oral", "Spotlight", "Poster") else None
    return m.group("name").strip() or None, int(m.group("year")), decision


@dataclass(frozen=True)
class ListingDefaults:
    """Venue and year for papers whose record does not say (e.g. from a venue header or the file's name)."""

    venue: str | None = None
    year: int | None = None


_VENUE_NAMES = {"iclr": "ICLR", "neurips": "NeurIPS", "nips": "NeurIPS", "icml": "ICML", "cvpr": "CVPR",
                "iccv": "ICCV", "eccv": "ECCV", "acl": "ACL", "emnlp": "EMNLP", "naacl": "NAACL", "aaai": "AAAI",
                "ijcai": "IJCAI", "colm": "COLM", "tmlr": "TMLR", "corl": "CoRL", "aistats": "AISTATS", "uai": "UAI"}
_VENUE_IN_NAME = re.compile(rf"(?<![a-z])({'|'.join(_VENUE_NAMES)})[-_. ]?((?:19|20)\d\d)(?!\d)", re.I)


def defaults_from_name(path: str) -> ListingDefaults:
    """Venue and year named by a listing's file or folder name ('iclr2022/accepted.jsonl' -> ICLR, 2022), for
    records that do not carry them. Only the last two path parts are looked at."""
    tail = "/".join(re.split(r"[\\/]", path)[-2:])
    matches = list(_VENUE_IN_NAME.finditer(tail))
    if not matches:
        return ListingDefaults()
    name, year = matches[-1].groups()
    return ListingDefaults(_VENUE_NAMES[name.lower()], int(year))


# ----------------------------------------------------------------------------------------------------------------
# Records (JSON, JSONL, CSV, BEIR) -> Paper
# ----------------------------------------------------------------------------------------------------------------
class BadRecord(ValueError):
    """A record that cannot become a Paper; the message is the skip reason."""


_ALIASES: dict[str, tuple[str, ...]] = {
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
_RECORD_LIST_KEYS = ("papers", "records", "items", "data", "results", "entries")


def _pick(rec: Mapping[str, Any], name: str) -> tuple[str, Any]:
    """(field name found, value) for the first alias present with a value that is not null/empty."""
    for alias in _ALIASES[name]:
        value = rec.get(alias)
        if value is not None and value != "":
            return alias, value
    return _ALIASES[name][0], None


def _type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _text(rec: Mapping[str, Any], name: str) -> str | None:
    key, value = _pick(rec, name)
    if value is None or isinstance(value, str):
        return value
    raise BadRecord(f"wrong type: '{key}' must be text, got {_type_name(value)}")


def _names(rec: Mapping[str, Any], name: str) -> tuple[str, ...]:
    key, value = _pick(rec, name)
    if value is None:
        return ()
    if isinstance(value, str):
        return split_names(value)
    if isinstance(value, list | tuple):
        return tuple(n for n in (clean_line(_name_of(v, key)) for v in value if v is not None) if n)
    raise BadRecord(f"wrong type: '{key}' must be a list of names or a string, got {_type_name(value)}")


def _name_of(value: object, key: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return str(value["name"])  # e.g. [{"name": "Ada Lovelace", "affiliation": ...}]
    raise BadRecord(f"wrong type: '{key}' must hold names (text), found {_type_name(value)}")


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
    """(id, url, pdf_url): BEIR `_id` verbatim; else an OpenReview id from an id field or link; else the slug."""
    url, pdf = _text(rec, "url"), _text(rec, "pdf")
    if "_id" in rec:
        beir_id = rec["_id"]
        if not isinstance(beir_id, str | int) or isinstance(beir_id, bool) or not str(beir_id).strip():
            raise BadRecord(f"wrong type: '_id' must be non-empty text or a number, got {_type_name(beir_id)}")
        return clean_line(str(beir_id)), url, pdf
    key, raw_id = _pick(rec, "id")
    if raw_id is not None and (not isinstance(raw_id, str | int) or isinstance(raw_id, bool)):
        raise BadRecord(f"wrong type: '{key}' must be text or a number, got {_type_name(raw_id)}")
    candidates = [clean_line(str(raw_id))] if raw_id is not None else []
    candidates += [i for i in (openreview_id_from_url(u) for u in (url, pdf) if u) if i]
    paper_id = next((c for c in candidates if is_openreview_id(c)), None) or title_slug_id(title)
    return paper_id, url or default_url(paper_id), pdf or default_pdf_url(paper_id)


def paper_from_record(rec: Mapping[str, Any], defaults: ListingDefaults = ListingDefaults()) -> Paper:
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
        keywords=_unique(_names(rec, "keywords")),
        url=(clean_line(url) or None) if url else None,
        pdf_url=(clean_line(pdf) or None) if pdf else None,
    )


def _record_item(rec: object, path: str, line: int, defaults: ListingDefaults) -> tuple[int, Item]:
    if not isinstance(rec, dict):
        return line, SkippedRecord(path, line, f"wrong type: expected a JSON object (a record), got {_type_name(rec)}")
    try:
        return line, paper_from_record(rec, defaults)
    except BadRecord as exc:
        return line, SkippedRecord(path, line, str(exc))


# ----------------------------------------------------------------------------------------------------------------
# JSONL / BEIR
# ----------------------------------------------------------------------------------------------------------------
def _strip_eol(line: str) -> str:
    return line.rstrip("\r\n")


def _json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} (column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "invalid JSON: nested too deeply"
    return f"invalid JSON: {exc}"


def parse_jsonl(lines: Iterable[str], path: str, defaults: ListingDefaults = ListingDefaults()) -> Iterator[
        tuple[int, Item]]:
    """One JSON record per line (also BEIR corpus.jsonl). A bad line is skipped with its reason."""
    for number, raw in enumerate(lines, 1):
        line = drop_invisible(_strip_eol(raw)).strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError) as exc:
            hint = " (the file may be cut off here)" if number > 1 and not raw.endswith("\n") else ""
            yield number, SkippedRecord(path, number, _json_error(exc) + hint)
            continue
        yield _record_item(rec, path, number, defaults)


# ----------------------------------------------------------------------------------------------------------------
# JSON documents: a streamed array of records, or an object holding one
# ----------------------------------------------------------------------------------------------------------------
_DECODER = json.JSONDecoder()
_VALUE_END = ("}", "]", ",")
_NEXT_OBJECT_LINE = re.compile(r"\n[ ]*(?=\{)")


class _JsonValueReader:
    """Reads JSON values one by one from lines (`[ {..}, {..} ]` or `{..} {..}`), holding at most one value's text.

    A value that fails to decode is reported and reading resumes at the next line starting with '{', so one broken
    record does not lose the rest of the file. Decoding an unfinished value is retried only when a line could close
    it (a '}' or ']' no deeper than its '{') or its text has doubled, so a crafted file cannot make this quadratic."""

    def __init__(self, lines: Iterator[str], first_line: int, path: str, wrapped: bool = False) -> None:
        self.lines = lines
        self.path = path
        self.wrapped = wrapped  # the array sits inside an object: text after its ']' is the object's rest
        self.buf = ""
        self.pending: list[str] = []  # lines read but not yet joined into buf (joining once per retry, not per line)
        self.pending_chars = 0
        self.base_line = first_line  # line number of buf[0]
        self.column = 0  # column of buf[0] in its line
        self.eof = False

    def _more(self) -> bool:
        """Read the next line into `pending`; False at end of input."""
        line = next(self.lines, None)
        if line is None:
            self.eof = True
            return False
        text = drop_invisible(_strip_eol(line).replace("\t", " ")) + "\n"
        self.pending.append(text)
        self.pending_chars += len(text)
        return True

    def _join(self) -> None:
        if self.pending:
            self.buf += "".join(self.pending)
            self.pending, self.pending_chars = [], 0

    def _drop(self, upto: int) -> None:
        newline = self.buf.rfind("\n", 0, upto)
        self.column = upto - newline - 1 if newline >= 0 else self.column + upto
        self.base_line += self.buf.count("\n", 0, upto)
        self.buf = self.buf[upto:]

    def line_at(self, offset: int) -> int:
        return self.base_line + self.buf.count("\n", 0, offset)

    def values(self) -> Iterator[tuple[int, object] | SkippedRecord]:
        if not self._skip_chars(" \n"):
            return
        if self.buf[0] == "[":
            self._drop(1)
        while self._skip_chars(" \n,"):
            if self.buf[0] == "]":
                if not self.wrapped:
                    yield from self._after_close()
                return
            yield from self._one_value()

    def _skip_chars(self, chars: str) -> bool:
        """Drop leading `chars`, reading lines as needed; False when the input is used up."""
        while True:
            text = self.buf.lstrip(chars)
            self._drop(len(self.buf) - len(text))
            if self.buf:
                return True
            if not self._more():
                return False
            self._join()

    def _one_value(self) -> Iterator[tuple[int, object] | SkippedRecord]:
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf)
            except (ValueError, RecursionError) as exc:
                at = exc.pos if isinstance(exc, json.JSONDecodeError) else 0
                incomplete = at >= len(self.buf.rstrip()) and not isinstance(exc, RecursionError)
                if incomplete and self._more_until_value_end():
                    continue
                yield self._skip(exc, at, incomplete)
                return
            yield self.line_at(0), value
            self._drop(end)
            return

    def _more_until_value_end(self) -> bool:
        """Read lines until one could close the value; False at end of input."""
        target = 2 * len(self.buf)
        while self._more():
            last = self.pending[-1]
            body = last.lstrip(" ")
            closes = body[:1] in ("}", "]") and len(last) - len(body) <= self.column
            if closes or len(self.buf) + self.pending_chars >= target:
                self._join()
                return True
        added = bool(self.pending)
        self._join()
        return added  # at the end of input, one last try with everything read

    def _skip(self, exc: Exception, at: int, incomplete: bool) -> SkippedRecord:
        if incomplete and self.eof:
            record = SkippedRecord(self.path, self.line_at(0), "invalid JSON: the file ends inside this record "
                                                               "(cut off?)")
            self.buf = ""
            return record
        record = SkippedRecord(self.path, self.line_at(at), _json_error(exc))
        self._resync(max(at, 1))
        return record

    def _resync(self, after: int) -> None:
        """Drop text up to the next line (after offset `after`) that starts with '{'."""
        while True:
            m = _NEXT_OBJECT_LINE.search(self.buf, after - 1)
            if m:
                self._drop(m.end())
                return
            self._drop(max(self.buf.rfind("\n"), 0))  # keep the last newline: the next line may start with '{'
            after = 1
            if not self._more():
                self.buf = ""
                return
            self._join()

    def _after_close(self) -> Iterator[SkippedRecord]:
        line = self.line_at(0)
        rest = self.buf[1:].strip()
        while not rest and self._more():
            rest = "".join(self.pending).strip()
            self.pending, self.pending_chars = [], 0
        if rest:
            yield SkippedRecord(self.path, line, "invalid JSON: text after the closing ']' was not read")


def _document_defaults(doc: object) -> ListingDefaults:
    if not isinstance(doc, dict):
        return ListingDefaults()
    venue, year, _ = split_venue(doc["venue"]) if isinstance(doc.get("venue"), str) else (None, None, None)
    raw_year = doc.get("year")
    if isinstance(raw_year, int) and not isinstance(raw_year, bool) and 1000 <= raw_year <= 9999:
        year = raw_year
    return ListingDefaults(venue, year)


def _records_start(text: str, doc: object) -> tuple[int, int]:
    """(offset, line) where the records of an object document start: inside its `"papers": [` if it wraps its
    records (the key must come before the first "title", so a field of a record is never taken for it), else 0."""
    if isinstance(doc, dict) and ("title" in doc or "_id" in doc):
        return 0, 1  # a single record, pretty-printed
    keys = "|".join(_RECORD_LIST_KEYS)
    m = re.search(rf'"(?:{keys})"\s*:\s*\[', text, re.I)
    first_title = text.find('"title"')
    if not m or (first_title != -1 and first_title < m.start()):
        return 0, 1
    return m.end(), text.count("\n", 0, m.end()) + 1


def parse_json(lines: Iterable[str], path: str, defaults: ListingDefaults = ListingDefaults()) -> Iterator[
        tuple[int, Item]]:
    """A JSON array of records (streamed), or an object with the array under `papers` (read whole: the limit)."""
    it = iter(lines)
    blank = 0
    for first in it:
        if first.strip():
            break
        blank += 1
    else:
        return
    if first.lstrip().startswith("{"):
        text = first + "".join(it)
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            doc = None  # cut off or broken: the records are still read one by one below
        offset, line = _records_start(text, doc)
        if offset:
            defaults = _merge_defaults(_document_defaults(doc), defaults)
        it, start, start_offset = iter(text[offset:].split("\n")), blank + line, offset
    else:
        it, start, start_offset = itertools.chain([first], it), blank + 1, 0
    for value in _JsonValueReader(it, start, path, wrapped=start_offset > 0).values():
        if isinstance(value, SkippedRecord):
            yield value.line, value
        else:
            yield _record_item(value[1], path, value[0], defaults)


def _merge_defaults(inner: ListingDefaults, outer: ListingDefaults) -> ListingDefaults:
    return ListingDefaults(inner.venue or outer.venue, inner.year or outer.year)


# ----------------------------------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------------------------------
_CSV_DELIMITERS = (",", ";", "\t", "|")


def _csv_header(line: str) -> tuple[str, list[str]] | None:
    """(delimiter, column names) if `line` is a CSV header with a title column."""
    for delimiter in sorted(_CSV_DELIMITERS, key=line.count, reverse=True):
        try:
            names = next(csv.reader([_strip_eol(line)], delimiter=delimiter))
        except csv.Error:
            continue
        columns = [clean_line(n).lower().replace(" ", "_") for n in names]
        if any(c in _ALIASES["title"] for c in columns):
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
        return _strip_eol(line) + "\n"


def parse_csv(lines: Iterable[str], path: str, defaults: ListingDefaults = ListingDefaults()) -> Iterator[
        tuple[int, Item]]:
    """CSV with a header row; authors and keywords inside a cell separated by ';' (or ',')."""
    # One abstract may be longer than csv's default 128 KiB field limit; raising the limit is process-wide but only
    # ever upwards, so it cannot break another csv user.
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    counted = _CountingLines(lines)
    header_line = next((line for line in counted if line.strip()), None)
    if header_line is None:
        return
    header = _csv_header(header_line)
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
            yield _csv_row_item(row, columns, path, start, defaults)


def _csv_row_item(row: list[str], columns: list[str], path: str, line: int,
                  defaults: ListingDefaults) -> tuple[int, Item]:
    if len(row) > len(columns) and any(cell.strip() for cell in row[len(columns):]):
        reason = f"malformed CSV row: {len(row)} fields but the header has {len(columns)} (unquoted separator?)"
        return line, SkippedRecord(path, line, reason)
    return _record_item(dict(zip(columns, row, strict=False)), path, line, defaults)


# ----------------------------------------------------------------------------------------------------------------
# papers.cool copied text
# ----------------------------------------------------------------------------------------------------------------
_TITLE_LINE = re.compile(r"#(\d+)(?:[ \t]+(.*))?")
_LABEL_LINE = re.compile(r"(Authors?|Subjects?|Keywords|Venue|Year|Decision|ID|URL|PDF):[ \t]*(.*)")
_HEADER_VENUE = re.compile(r"([A-Za-z][\w&+-]*)\.(\d{4})")
_SUBJECT = re.compile(r"(?P<venue>.+?)\.(?P<year>\d{4})(?:\s+-\s+(?P<decision>.*))?")
_BUTTONS = re.compile(r"(?:\s*\[(?:PDF|Copy|Kimi|REL|HTML|Code|Chat|Bib|BibTeX|arXiv|Related|Star)\d*\])+\s*$", re.I)
_BARE_BUTTONS = re.compile(r"(?:\s+(?:PDF\d*|Copy|Kimi\d*|REL))+$")


def _is_structural(line: str) -> bool:
    """A line the papers.cool parser reads as structure (title or label line), not abstract text."""
    return bool(_TITLE_LINE.fullmatch(line) or _LABEL_LINE.fullmatch(line))


def strip_buttons(title_text: str) -> str:
    """'Title [PDF1] [Copy] [Kimi6]' -> 'Title' (also without brackets: 'Title PDF Copy Kimi1')."""
    text = _BUTTONS.sub("", title_text)
    bare = _BARE_BUTTONS.search(text)
    if bare and len(bare.group(0).split()) >= 2:
        text = text[: bare.start()]
    return clean_line(text)


@dataclass
class _CoolRecord:
    """One paper being read from papers.cool text."""

    line: int
    title: str
    labels: dict[str, str] = field(default_factory=dict)
    authors: tuple[str, ...] = ()
    keywords: list[str] = field(default_factory=list)
    abstract: list[str] = field(default_factory=list)
    problem: str | None = None

    def feed(self, line: str, number: int) -> None:
        m = _LABEL_LINE.fullmatch(line)
        if m is None:
            self.abstract.append(line)
        elif m.group(1) in ("Author", "Authors"):
            self._authors(m.group(1), m.group(2), number)
        elif m.group(1) in ("Subject", "Subjects"):
            self._subject(m.group(2))
        elif m.group(1) == "Keywords":
            self.keywords.extend(split_names(m.group(2), allow_comma=False))
        else:
            self.labels[m.group(1)] = m.group(2)

    def _authors(self, label: str, value: str, number: int) -> None:
        if any(x.strip() for x in self.abstract):  # an Authors line after the abstract: a '#N Title' line is missing
            self.problem = self.problem or (f"missing '#N Title' line: 'Authors:' at line {number} follows the "
                                            f"abstract of the paper at line {self.line}")
            return
        self.authors = split_names(value, allow_comma=label == "Authors")

    def _subject(self, value: str) -> None:
        m = _SUBJECT.fullmatch(clean_line(value))
        if m is None:  # e.g. 'Subject: Machine Learning': a topic, kept as keywords
            self.keywords.extend(split_names(value, allow_comma=False))
            return
        self.labels["Venue"], self.labels["Year"] = m.group("venue"), m.group("year")
        self.labels["Decision"] = m.group("decision") or ""


def _cool_identity(labels: dict[str, str], title: str) -> tuple[str, str | None, str | None]:
    given = {k: clean_line(labels[k]) if k in labels else None for k in ("ID", "URL", "PDF")}
    implied = [i for i in (openreview_id_from_url(u) for u in (given["URL"], given["PDF"]) if u) if i]
    paper_id = given["ID"] or (implied[0] if implied else title_slug_id(title))
    url = given["URL"] if given["URL"] is not None else default_url(paper_id)
    pdf = given["PDF"] if given["PDF"] is not None else default_pdf_url(paper_id)
    return paper_id, url or None, pdf or None


def _finish_cool(rec: _CoolRecord, path: str, defaults: ListingDefaults) -> tuple[int, Item]:
    if rec.problem:
        return rec.line, SkippedRecord(path, rec.line, rec.problem)
    if not rec.title:
        return rec.line, SkippedRecord(path, rec.line, "missing title: the '#N' line has no title")
    year_text = clean_line(rec.labels.get("Year", ""))
    paper_id, url, pdf = _cool_identity(rec.labels, rec.title)
    return rec.line, Paper(
        id=paper_id,
        title=rec.title,
        authors=rec.authors,
        abstract=clean_abstract("\n".join(rec.abstract)),
        venue=(clean_line(rec.labels["Venue"]) or None) if "Venue" in rec.labels else defaults.venue,
        year=int(year_text) if re.fullmatch(r"\d{4}", year_text) else defaults.year,
        decision=normalize_decision(rec.labels.get("Decision")),
        keywords=_unique(rec.keywords),
        url=url,
        pdf_url=pdf,
    )


def _cool_header(line: str, defaults: ListingDefaults) -> ListingDefaults:
    """Text before the first paper: a venue line ('ICLR.2022') sets venue and year; anything else is ignored."""
    m = _HEADER_VENUE.fullmatch(clean_line(line))
    return ListingDefaults(m.group(1), int(m.group(2))) if m else defaults


def parse_papers_cool(lines: Iterable[str], path: str, defaults: ListingDefaults = ListingDefaults()) -> Iterator[
        tuple[int, Item]]:
    """The text copied from a papers.cool page; every '#N Title' line starts a paper."""
    rec: _CoolRecord | None = None
    for number, raw in enumerate(lines, 1):
        line = drop_invisible(_strip_eol(raw))
        title_line = _TITLE_LINE.fullmatch(line)
        if title_line:
            if rec is not None:
                yield _finish_cool(rec, path, defaults)
            rec = _CoolRecord(number, strip_buttons(title_line.group(2) or ""))
        elif rec is None:
            defaults = _cool_header(line, defaults)
        else:
            rec.feed(line, number)
    if rec is not None:
        yield _finish_cool(rec, path, defaults)


def _format_subject(paper: Paper) -> list[str]:
    """Venue/year/decision as the compact 'Subject: ICLR.2022 - Oral' when it reads back the same, else as lines."""
    if paper.venue and paper.year:
        subject = f"{paper.venue}.{paper.year}" + (f" - {paper.decision}" if paper.decision else "")
        m = _SUBJECT.fullmatch(subject)
        if m and (clean_line(m["venue"]), int(m["year"]), normalize_decision(m["decision"])) == (
                paper.venue, paper.year, paper.decision):
            return [f"Subject: {subject}"]
    lines = [f"Venue: {paper.venue}"] if paper.venue else []
    lines += [f"Year: {paper.year}"] if paper.year else []
    return lines + ([f"Decision: {paper.decision}"] if paper.decision else [])


def _format_links(paper: Paper) -> list[str]:
    """ID/URL/PDF lines, only where the text alone would not give the paper's own values back."""
    written: dict[str, str] = {}
    if paper.url != default_url(paper.id):
        written["URL"] = paper.url or ""
    if paper.pdf_url != default_pdf_url(paper.id):
        written["PDF"] = paper.pdf_url or ""
    implied = _cool_identity(written, paper.title)[0]
    lines = [f"ID: {paper.id}"] if paper.id != implied else []
    return lines + [f"{label}: {value}" for label, value in written.items()]


def _format_cool_record(number: int, paper: Paper) -> list[str]:
    lines = [f"#{number} {paper.title} [PDF] [Copy]", ""]
    if paper.authors:
        label = "Author" if len(paper.authors) == 1 else "Authors"
        lines += [f"{label}: {' ; '.join(paper.authors)}", ""]
    paragraphs = paper.abstract.split("\n\n") if paper.abstract else []
    for paragraph in paragraphs:
        # A leading space keeps a paragraph that looks like a label or '#N' line as abstract text.
        lines += [(" " + paragraph) if _is_structural(paragraph) else paragraph, ""]
    meta = _format_subject(paper) + (["Keywords: " + " ; ".join(paper.keywords)] if paper.keywords else [])
    meta += _format_links(paper)
    return lines + (meta + [""] if meta else [])


def format_papers_cool(papers: Iterable[Paper]) -> str:
    """Papers as papers.cool text that `parse_papers_cool` reads back to the same papers.

    Fields the page format has no place for are written as extra label lines (`Keywords:`, `Venue:`, `ID:`,
    `URL:`...), only when needed. Domain: fields as the parsers produce them (cleaned single-line titles, names and
    keywords without ';', titles not ending in a button like '[PDF]', decisions already normalized)."""
    papers = list(papers)
    out = [f"Total: {len(papers)}", ""]
    for number, paper in enumerate(papers, 1):
        out += _format_cool_record(number, paper)
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------------------------------
# Detection, duplicates, strict mode, results
# ----------------------------------------------------------------------------------------------------------------
_Parser = Callable[[Iterable[str], str, ListingDefaults], Iterator[tuple[int, Item]]]
PARSERS: dict[str, _Parser] = {
    "papers.cool": parse_papers_cool,
    "json": parse_json,
    "jsonl": parse_jsonl,
    "beir": parse_jsonl,
    "csv": parse_csv,
}
_EXTENSION_HINTS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "csv",
                    ".txt": "papers.cool", ".md": "papers.cool"}
_DETECT_LINES = 200  # lines looked at for a '#N Title' line before giving up on papers.cool


def _format_of_first_line(line: str) -> str | None:
    text = line.strip()
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        try:
            rec = json.loads(text)
        except (ValueError, RecursionError):
            return "json"  # an object spread over several lines (pretty-printed, or a wrapper)
        if not isinstance(rec, dict):
            return "jsonl"
        if "title" not in rec and any(isinstance(rec.get(k), list) for k in _RECORD_LIST_KEYS):
            return "json"  # {"papers": [...]} on one line
        return "beir" if "_id" in rec else "jsonl"
    return "csv" if _csv_header(line) else None


def _format_of_name(hint: str) -> str | None:
    """Format suggested by a file name, used only when the content does not say (CSV with a bad header, or
    papers.cool text with a long preamble)."""
    ext = "." + hint.rsplit(".", 1)[-1].lower() if "." in hint else ""
    fmt = _EXTENSION_HINTS.get(ext)
    return fmt if fmt in ("csv", "papers.cool") else None


def detect_format(lines: Iterable[str], path: str = "<text>", hint: str | None = None) -> tuple[str, Iterator[str]]:
    """(format, the same lines) judged from the content; `hint` (a file name or extension) only breaks ties.
    Raises ListingError for an empty listing or one in no known format."""
    it = iter(lines)
    seen: list[str] = []
    for line in it:
        seen.append(line.lstrip("\ufeff") if not seen else line)
        if seen[-1].strip():
            break
    if not any(line.strip() for line in seen):
        raise ListingError(path, f"the listing is empty. Fix: give a file with papers in it: {ACCEPTED_FORMATS}")
    fmt = _format_of_first_line(seen[-1])
    if fmt is None:
        seen += itertools.islice(it, _DETECT_LINES)
        if any(_TITLE_LINE.fullmatch(drop_invisible(_strip_eol(line))) for line in seen):
            fmt = "papers.cool"
    fmt = fmt or (_format_of_name(hint) if hint else None)
    if fmt is None:
        raise ListingError(path, f"cannot tell the listing format (no '#1 Title' line, no JSON, no CSV header "
                                 f"with a 'title' column). Accepted: {ACCEPTED_FORMATS}", line=1)
    return fmt, itertools.chain(seen, it)


def _drop_duplicates(items: Iterator[tuple[int, Item]], path: str) -> Iterator[Item]:
    """Same id twice in one file: identical content is one paper; different content keeps the first and skips
    the later record (a listing should not disagree with itself; silently picking one would lose data)."""
    seen: dict[str, tuple[str, int]] = {}
    for line, item in items:
        if isinstance(item, SkippedRecord):
            yield item
            continue
        first = seen.get(item.id)
        if first is None:
            seen[item.id] = (item.content_hash, line)
            yield item
        elif first[0] != item.content_hash:
            yield SkippedRecord(path, line, f"duplicate id {item.id} with different content (first at line {first[1]})")


def _raise_on_skip(items: Iterator[Item], path: str) -> Iterator[Item]:
    for item in items:
        if isinstance(item, SkippedRecord):
            raise ListingError(item.path, f"{item.reason} (strict mode: fix the record, or ingest without "
                                          f"--strict to skip it)", line=item.line)
        yield item


def iter_papers(
    lines: Iterable[str],
    path: str = "<text>",
    fmt: str | None = None,
    *,
    hint: str | None = None,
    strict: bool = False,
    defaults: ListingDefaults = ListingDefaults(),
) -> Iterator[Item]:
    """Stream Papers and SkippedRecords from lines of one listing (format detected unless `fmt` is given).
    strict=True raises ListingError (file:line) at the first record that would be skipped."""
    if fmt is None:
        fmt, lines = detect_format(lines, path, hint)
    if fmt not in PARSERS:
        raise ListingError(path, f"unknown listing format {fmt!r}. Fix: use one of {', '.join(FORMATS)}")
    items = _drop_duplicates(_guard(PARSERS[fmt](lines, path, defaults), path), path)
    return _not_empty(_raise_on_skip(items, path) if strict else items, path, fmt)


def _not_empty(items: Iterator[Item], path: str, fmt: str) -> Iterator[Item]:
    """A listing that yields nothing at all (no paper, no skipped record) is an error, not a silent success."""
    empty = True
    for item in items:
        empty = False
        yield item
    if empty:
        raise ListingError(path, f"no papers found (read as {fmt}). Fix: check the file is a listing: "
                                 f"{ACCEPTED_FORMATS}")


def _guard(items: Iterator[tuple[int, Item]], path: str) -> Iterator[tuple[int, Item]]:
    """A parser bug must not surface as a raw traceback: report it as a ListingError naming the file."""
    try:
        yield from items
    except ListingError:
        raise
    except Exception as exc:  # noqa: BLE001 - converted, with its type, into an actionable error
        raise ListingError(path, f"unexpected {type(exc).__name__} while parsing: {exc}. Please report this "
                                 f"with the file") from exc


def collect(items: Iterable[Item], fmt: str = "") -> ParseResult:
    result = ParseResult(format=fmt)
    for item in items:
        if isinstance(item, SkippedRecord):
            result.skipped.append(item)
        else:
            result.papers.append(item)
    result.title_only = sum(1 for p in result.papers if not p.abstract)
    return result


def parse_listing(
    source: str | Iterable[str],
    path: str = "<text>",
    fmt: str | None = None,
    *,
    hint: str | None = None,
    strict: bool = False,
    defaults: ListingDefaults = ListingDefaults(),
) -> ParseResult:
    """Parse a whole listing (text or lines) into a ParseResult."""
    lines: Iterable[str] = split_lines(source) if isinstance(source, str) else source
    if fmt is None:
        fmt, lines = detect_format(lines, path, hint or path)
    return collect(iter_papers(lines, path, fmt, strict=strict, defaults=defaults), fmt)


def split_lines(text: str) -> Iterator[str]:
    """Lines of `text`, each ending in '\\n', split at LF, CRLF or a lone CR (and nothing else, unlike
    str.splitlines, which would also split at characters JSON allows inside strings)."""
    if "\r" not in text and "\n" not in text[:-1]:  # fast path: at most one line, ending in LF
        if text:
            yield text
        return
    for m in re.finditer(r"([^\r\n]*)(\r\n|\r|\n|$)", text):
        if m.group(2) or m.group(1):
            yield m.group(1) + "\n" if m.group(2) else m.group(1)


def summarize_skips(skipped: Iterable[SkippedRecord]) -> list[tuple[str, int]]:
    """How many records were skipped for each kind of reason, most frequent first."""
    kinds = Counter("duplicate id with different content" if s.reason.startswith("duplicate id")
                    else s.reason.split(":", 1)[0] for s in skipped)
    return kinds.most_common()


# ----------------------------------------------------------------------------------------------------------------
# One paper, several sources
# ----------------------------------------------------------------------------------------------------------------
def known_ids(papers: Iterable[Paper]) -> dict[str, str]:
    """title_key -> id for papers whose id is not their own title slug (OpenReview, BEIR ids...). A title that
    maps to two different ids is left out: it cannot tell which one a slug paper is."""
    known: dict[str, str] = {}
    ambiguous: set[str] = set()
    for paper in papers:
        if paper.id == title_slug_id(paper.title):
            continue
        key = title_key(paper.title)
        if known.setdefault(key, paper.id) != paper.id:
            ambiguous.add(key)
    return {k: v for k, v in known.items() if k not in ambiguous}


def merge_papers(first: Paper, later: Paper) -> Paper:
    """One paper from two sources with the same id: the first one's fields, gaps filled from the later one."""
    return Paper(
        id=first.id,
        title=first.title or later.title,
        authors=first.authors or later.authors,
        abstract=first.abstract or later.abstract,
        venue=first.venue or later.venue,
        year=first.year or later.year,
        decision=first.decision or later.decision,
        keywords=first.keywords or later.keywords,
        url=first.url or later.url,
        pdf_url=first.pdf_url or later.pdf_url,
    )


def unify_ids(papers: Iterable[Paper], known: Mapping[str, str]) -> list[Paper]:
    """Give each paper that has only a title-slug id the id `known` holds for its title_key (with its OpenReview
    links), then merge papers that now share an id (first one's fields win, gaps filled), keeping order."""
    merged: dict[str, Paper] = {}
    for paper in papers:
        target = known.get(title_key(paper.title))
        if target and target != paper.id and paper.id == title_slug_id(paper.title):
            paper = replace(paper, id=target, url=paper.url or default_url(target),
                            pdf_url=paper.pdf_url or default_pdf_url(target))
        merged[paper.id] = merge_papers(merged[paper.id], paper) if paper.id in merged else paper
    return list(merged.values())
