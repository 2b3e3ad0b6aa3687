"""A streaming reader of JSON values (`[ {..}, {..} ]` or `{..} {..}`) spread over lines, used by the JSON and
OpenReview formats: it holds at most one value's text, reports a value that does not decode with its line, and
goes on with the next one."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from ..text import drop_invisible
from ..types import SkippedRecord
from .cleaning import strip_eol
from .records import json_error

_DECODER = json.JSONDecoder()
_NEXT_OBJECT_LINE = re.compile(r"\n[ ]*(?=\{)")


class JsonValueReader:
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
        text = drop_invisible(strip_eol(line).replace("\t", " ")) + "\n"
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
        record = SkippedRecord(self.path, self.line_at(at), json_error(exc))
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

