"""Listing files: open them, decode the bytes, stream the lines into the pure parsers of this package.

Decoding: a BOM says UTF-8, UTF-16 or UTF-32; BOM-less UTF-16 is recognised by its NUL pattern; everything else is
read as UTF-8, where a line that is not valid UTF-8 has its bad bytes read as Latin-1 (recorded in the result's
`encoding` and `notes`, so a Latin-1 file or a stray byte loses nothing). An empty, missing or binary file is a
ListingError naming the file, with the formats accepted.

Memory: lines are read one at a time, so a large JSONL, CSV or papers.cool listing is parsed with memory bounded by
its largest line (see parsing.py for the formats read whole).
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator, Sequence

from ..errors import ListingError
from ..types import ParseResult
from .base import Item
from .cleaning import split_lines
from .detection import detect_format
from .identity import known_ids, unify_ids
from .parsing import collect, iter_papers
from .registry import accepted_formats
from .venues import defaults_from_name

_HEAD_BYTES = 8192
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"\x1f\x8b", "a gzip-compressed file: decompress it first (gunzip)"),
    (b"PK\x03\x04", "a zip archive: extract the listing from it first"),
    (b"BZh", "a bzip2-compressed file: decompress it first"),
    (b"\xfd7zXZ\x00", "an xz-compressed file: decompress it first"),
    (b"%PDF-", "a PDF document, not a listing"),
)
_LATIN1_FALLBACK = "assistant.latin1_fallback"


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as Latin-1 (every byte is a Latin-1 character)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)


# ----------------------------------------------------------------------------------------------------------------
# Encoding
# ----------------------------------------------------------------------------------------------------------------
def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the bytes have the NUL every other byte that ASCII text in UTF-16 has."""
    sample = head[: len(head) // 2 * 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0) / (len(sample) / 2), sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _looks_binary(head: bytes) -> bool:
    """NUL bytes in a non-UTF-16 file, and either not UTF-8 or full of control bytes. (A text listing with one stray
    NUL is not binary: the parsers strip control characters.)"""
    if b"\x00" not in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in b"\t\n\r\f")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # a character cut at the end of `head` is fine
    except UnicodeDecodeError:
        return True
    return controls > len(head) * 0.05


def sniff_encoding(head: bytes, path: str) -> str:
    """The encoding of a file from its first bytes. Raises ListingError for an empty or binary file."""
    if not head:
        raise ListingError(path, f"the file is empty (0 bytes). Fix: give a listing with papers in it: "
                                 f"{accepted_formats()}")
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise ListingError(path, f"this is {what}. Accepted: {accepted_formats()}")
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    if _looks_binary(head):
        raise ListingError(path, f"this looks like a binary file (it has NUL bytes), not a text listing. Accepted: "
                                 f"{accepted_formats()}")
    return "utf-8"


def _read_head(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(_HEAD_BYTES)
    except FileNotFoundError:
        raise ListingError(path, "file not found. Fix: check the path (relative paths start from the current "
                                 f"folder, {os.getcwd()})") from None
    except IsADirectoryError:
        raise ListingError(path, "this is a folder, not a listing file. Fix: name the file(s) inside it") from None
    except OSError as exc:
        raise ListingError(path, f"cannot read the file: {exc.strerror or exc}") from None


# ----------------------------------------------------------------------------------------------------------------
# Streaming
# ----------------------------------------------------------------------------------------------------------------
class ListingStream:
    """The papers and skipped records of one listing file, read lazily. Raises ListingError at once for a missing,
    empty or binary file. After iterating, `format`, `encoding` and `notes` describe how the file was read."""

    def __init__(self, path: str | os.PathLike[str], strict: bool = False, fmt: str | None = None) -> None:
        self.path = str(path)
        self.strict = strict
        self.fmt = fmt
        self.format = fmt or ""
        self.encoding = sniff_encoding(_read_head(self.path), self.path)
        self.fallback_lines = 0  # lines with bytes that were not UTF-8 (read as Latin-1)
        self.first_fallback_line = 0

    @property
    def notes(self) -> list[str]:
        if not self.fallback_lines:
            return []
        return [f"{self.path}: {self.fallback_lines} line(s) were not valid UTF-8 (first at line "
                f"{self.first_fallback_line}); their odd bytes were read as Latin-1. Fix: save the file as UTF-8 "
                f"if any character looks wrong"]

    @property
    def encoding_used(self) -> str:
        return f"{self.encoding}+latin-1" if self.fallback_lines else self.encoding

    def __iter__(self) -> Iterator[Item]:
        self.fallback_lines = self.first_fallback_line = 0
        lines = self._lines()
        if self.fmt is None:
            self.format, lines = detect_format(lines, self.path, hint=self.path)
        yield from iter_papers(lines, self.path, self.format, strict=self.strict,
                               defaults=defaults_from_name(self.path))

    def _lines(self) -> Iterator[str]:
        try:
            if self.encoding in ("utf-8", "utf-8-sig"):
                yield from self._utf8_lines()
            else:
                with open(self.path, encoding=self.encoding, errors="replace", newline="") as f:
                    for chunk in f:
                        yield from split_lines(chunk)
        except OSError as exc:
            raise ListingError(self.path, f"reading the file failed: {exc.strerror or exc}") from None

    def _utf8_lines(self) -> Iterator[str]:
        number = 0
        with open(self.path, "rb") as f:
            if self.encoding == "utf-8-sig":
                f.read(len(codecs.BOM_UTF8))
            for raw in f:
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = raw.decode("utf-8", errors=_LATIN1_FALLBACK)
                    self.fallback_lines += 1
                    self.first_fallback_line = self.first_fallback_line or number + 1
                for line in split_lines(text):
                    number += 1
                    yield line


def iter_listing(path: str | os.PathLike[str], strict: bool = False, fmt: str | None = None) -> ListingStream:
    """Stream one listing file: iterate the result for Papers and SkippedRecords (bounded memory)."""
    return ListingStream(path, strict=strict, fmt=fmt)


def read_listing(path: str | os.PathLike[str], strict: bool = False, fmt: str | None = None) -> ParseResult:
    """Read one listing file whole. strict=True raises ListingError (file:line) at the first bad record."""
    stream = iter_listing(path, strict=strict, fmt=fmt)
    result = collect(stream, "")
    result.format, result.encoding, result.notes = stream.format, stream.encoding_used, stream.notes
    return result


def read_listings(paths: Sequence[str | os.PathLike[str]], strict: bool = False) -> ParseResult:
    """Read several listing files as one: ids unified across them (a paper known by its OpenReview id in one file
    and only by title in another gets the OpenReview id) and a paper found in several files merged into one (the
    first file's fields win; gaps are filled from the later ones)."""
    if not paths:
        raise ListingError("<no files>", f"no listing files were given. Fix: name one or more: {accepted_formats()}")
    results = [read_listing(p, strict=strict) for p in paths]
    papers = [paper for r in results for paper in r.papers]
    unified = unify_ids(papers, known_ids(papers))
    combined = collect(unified, "+".join(dict.fromkeys(r.format for r in results)))
    combined.skipped = [s for r in results for s in r.skipped]
    combined.encoding = "+".join(dict.fromkeys(r.encoding for r in results))
    combined.notes = [n for r in results for n in r.notes]
    if len(unified) < len(papers):
        combined.notes.append(f"{len(papers) - len(unified)} paper(s) appeared in more than one file and were "
                              f"merged into one")
    return combined
