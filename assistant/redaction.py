"""The one rule that keeps an API key out of everything shown or logged: error messages of the LLM and embeddings
endpoints (assistant/llm.py, assistant/embeddings/) and the model's own streamed answer; and the one way an
endpoint is named in them (`endpoint_label`).

Redacted: the whole key, any run of MIN_RUN or more of its characters (a server may echo it without its `sk-`
prefix, or cut), and anything key-shaped (OpenAI-style keys, bearer tokens). Every character covered by some match is
masked, and each masked stretch becomes one MASK, so the result is the same whatever order the matches are found in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

MASK = "***"
MIN_RUN = 6  # a shorter run of the key is too common to mean anything (and too short to help an attacker)
KEY_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-*.]{6,}"),  # OpenAI-style keys (also already-masked sk-*** remnants)
    re.compile(r"(?i)\bbearer\s+\S+"),  # Authorization header values
)
# The end of a streamed text that may still grow into a key-shaped match once more text arrives.
_GROWING_KEY = re.compile(r"(?i)(?<!\w)(?:s|sk|sk-\S{0,256}|b|be|bea|bear|beare|bearer|bearer\s+\S{0,256})$")
DEFAULT_ENDPOINT = "https://api.openai.com/v1"  # what the openai client calls when no base URL is set
_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # keeps every offset


def _fold(text: str) -> str:
    """Case-insensitive matching for ASCII keys, one character for one character (offsets stay valid)."""
    return text.translate(_ASCII_FOLD)


def _key_runs(text: str, secret: str) -> list[tuple[int, int]]:
    """Spans of `text` made of runs of MIN_RUN+ characters of `secret` (the whole secret if it is shorter)."""
    size = min(MIN_RUN, len(secret))
    folded_secret = _fold(secret)
    grams = {folded_secret[i : i + size] for i in range(len(secret) - size + 1)}
    grams = {g for g in grams if g.strip()}
    folded = _fold(text)
    return [(i, i + size) for i in range(len(text) - size + 1) if folded[i : i + size] in grams]


def secret_spans(text: str, secret: str | None) -> list[tuple[int, int]]:
    """Every stretch of `text` to mask, merged and in order."""
    spans = _key_runs(text, secret) if secret else []
    for pattern in KEY_PATTERNS:
        spans += [m.span() for m in pattern.finditer(text)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    parts, at = [], 0
    for start, end in spans:
        parts += [text[at:start], MASK]
        at = end
    return "".join(parts) + text[at:]


def redact(text: str, secret: str | None) -> str:
    """`text` with the secret, every MIN_RUN+ character run of it, and anything key-shaped replaced by MASK."""
    return _masked(text, secret_spans(text, secret))


class StreamRedactor:
    """Redacts a text that arrives in pieces, so that no piece shown ever holds part of the key: the end of what has
    arrived is held back while it could still be (or grow into) a run of the key or a key-shaped token."""

    def __init__(self, secret: str | None) -> None:
        self.secret = secret or ""
        self._pending = ""

    def feed(self, piece: str) -> str:
        """The redacted text that is final after `piece` arrived ("" while everything is held back)."""
        self._pending += piece
        spans = secret_spans(self._pending, self.secret)
        cut = self._held_from(self._pending)
        for start, end in spans:
            if start < cut <= end:  # never split a masked stretch: it may still grow
                cut = start
        shown = _masked(self._pending[:cut], [(s, e) for s, e in spans if e <= cut])
        self._pending = self._pending[cut:]
        return shown

    def flush(self) -> str:
        """The rest, redacted, at the end of the stream."""
        shown, self._pending = redact(self._pending, self.secret), ""
        return shown

    def _held_from(self, text: str) -> int:
        """Where the tail that may still grow into something to mask begins."""
        cut = len(text)
        growing = _GROWING_KEY.search(text)
        if growing:
            cut = growing.start()
        folded, secret = _fold(text), _fold(self.secret)
        for size in range(min(len(secret), len(text)), 0, -1):  # the longest tail that is a piece of the key
            if folded[-size:] in secret:
                return min(cut, len(text) - size)
        return cut


def redact_stream(pieces: Iterable[str], secret: str | None) -> Iterator[str]:
    """`pieces` with the key and key-shaped text masked across piece boundaries (empty pieces are skipped). If the
    stream fails, the held-back tail is dropped with it: the caller discards a failed stream's text anyway."""
    redactor = StreamRedactor(secret)
    for piece in pieces:
        shown = redactor.feed(piece)
        if shown:
            yield shown
    rest = redactor.flush()
    if rest:
        yield rest


def endpoint_label(base_url: str | None) -> str:
    """scheme://host[:port] of the endpoint: no user, password, path or query (they may carry credentials)."""
    parts = urlsplit(base_url or DEFAULT_ENDPOINT)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"
