"""Parsing a listing whatever its format: detection, the format's parser, then the rules every format shares
(duplicate ids within a file, strict mode, an empty result is an error, a parser crash is a named error).

Streaming: every parser consumes an iterable of lines and yields papers and skipped records as it goes, so memory
stays bounded by the largest record, not the file. Limits: a JSON object wrapping its list (`{"papers": [...]}`) is
read whole, and so is any single line (a minified JSON array is one line).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from ..errors import ListingError
from ..types import ParseResult, SkippedRecord
from .base import Item
from .cleaning import split_lines
from .detection import detect_format
from .registry import accepted_formats, get_format
from .venues import NO_DEFAULTS, ListingDefaults


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
    defaults: ListingDefaults = NO_DEFAULTS,
) -> Iterator[Item]:
    """Stream Papers and SkippedRecords from lines of one listing (format detected unless `fmt` is given).
    strict=True raises ListingError (file:line) at the first record that would be skipped."""
    if fmt is None:
        fmt, lines = detect_format(lines, path, hint)
    reader = get_format(fmt, path)
    items = _drop_duplicates(_guard(reader.read(lines, path, defaults), path), path)
    return _not_empty(_raise_on_skip(items, path) if strict else items, path, fmt)


def _not_empty(items: Iterator[Item], path: str, fmt: str) -> Iterator[Item]:
    """A listing that yields nothing at all (no paper, no skipped record) is an error, not a silent success."""
    empty = True
    for item in items:
        empty = False
        yield item
    if empty:
        raise ListingError(path, f"no papers found (read as {fmt}). Fix: check the file is a listing: "
                                 f"{accepted_formats()}")


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
    defaults: ListingDefaults = NO_DEFAULTS,
) -> ParseResult:
    """Parse a whole listing (text or lines) into a ParseResult."""
    lines: Iterable[str] = split_lines(source) if isinstance(source, str) else source
    if fmt is None:
        fmt, lines = detect_format(lines, path, hint or path)
    return collect(iter_papers(lines, path, fmt, strict=strict, defaults=defaults), fmt)


def summarize_skips(skipped: Iterable[SkippedRecord]) -> list[tuple[str, int]]:
    """How many records were skipped for each kind of reason, most frequent first."""
    kinds = Counter("duplicate id with different content" if s.reason.startswith("duplicate id")
                    else s.reason.split(":", 1)[0] for s in skipped)
    return kinds.most_common()
