"""Character rules for untrusted text, in one place: listing ingest (listings/), prompts (prompts.py) and BibTeX
(render.py) call these, so a character is treated the same wherever it arrives.

- Control characters: C0/C1 controls (tab and newline are kept: the callers fold them), terminal escape sequences
  (ESC [ ... m goes whole, so no '[31m' is left behind), bidi overrides and isolates, byte-order marks. Invisible,
  and the bidi ones make displayed text differ from what is stored ("Trojan source").
- Format characters (Unicode category Cf): zero-width space, word joiner, soft hyphen, invisible operators, tag
  characters (U+E0020..E007F can spell a whole hidden instruction). Invisible too: inside a word they split it for
  search ("dif\u200bfusion"), inside a tag they hide it from the prompt fence ("<\u2060/paper>"). The zero-width
  (non-)joiner is kept between two non-ASCII letters, marks or symbols, where scripts (Persian, Indic) and emoji
  sequences need it; anywhere else it goes.
- Lone surrogates (U+D800..DFFF alone: a JSON `\\ud800` escape, a non-UTF-8 byte in a command line read with
  surrogateescape): no character at all, and they cannot be encoded (hashing, the tokenizer, SQLite failed on them).
- For prompts, NFKC first: compatibility forms (fullwidth `\uff1c\uff0fpaper\uff1e`, small `\ufe64`) fold to the
  ASCII they look like, so the fence sees every look-alike of its own tags.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Every Cf character of Unicode 15 (Python 3.11 knows 14.0; 13439-1343F came in 15.0). tests/test_text.py checks
# that nothing the running Python calls Cf is missing.
FORMAT_CHARS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
SURROGATES = "\ud800-\udfff"
_INVISIBLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{FORMAT_CHARS}{SURROGATES}]")
_ANSI_ESCAPE = re.compile("\x1b\\[[0-?]*[ -/]*[@-~]")
_JOINERS = "\u200c\u200d"


def drop_invisible(text: str) -> str:
    """`text` without control and format characters and lone surrogates (joiners kept inside non-ASCII words, see
    above)."""
    if text.isprintable():  # fast path: no Cc/Cf/separator character at all
        return text
    if "\x1b" in text:
        text = _ANSI_ESCAPE.sub("", text)
    return _INVISIBLE.sub(lambda m: _kept_joiner(text, m.start()), text)


def _kept_joiner(text: str, at: int) -> str:
    char = text[at]
    if char in _JOINERS and 0 < at < len(text) - 1 and _joinable(text[at - 1]) and _joinable(text[at + 1]):
        return char
    return ""


def _joinable(char: str) -> bool:
    return not char.isascii() and unicodedata.category(char)[0] in "LMS"


def prompt_text(text: str) -> str:
    """Untrusted text as it may enter a prompt: NFKC-folded, without control and format characters. Dropped again
    after folding: a joiner kept between two fullwidth signs is next to ASCII once they are folded."""
    return drop_invisible(unicodedata.normalize("NFKC", drop_invisible(text)))


def fold(text: str) -> str:
    """Lowercase, accents removed ("Günnemann" -> "gunnemann", "Schölkopf" -> "scholkopf"): how names compare."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("\u00df", "ss")


def and_list(items: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    if len(items) < 3:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
