"""The character rules shared by ingest, prompts and BibTeX (assistant/text.py)."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from assistant.text import drop_invisible, prompt_text


def test_every_format_character_this_python_knows_is_dropped() -> None:
    cf = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert len(cf) > 150
    left = [f"U+{ord(c):04X}" for c in cf if drop_invisible(f"a{c}b") != "ab"]
    assert left == []


def test_controls_and_escape_sequences_go_tab_and_newline_stay() -> None:
    assert drop_invisible("a\x00b\x07c\x1b[31md\x7fe\x85f\u202eg\th\ni") == "abcdefg\th\ni"


@given(st.text(max_size=60))
def test_prompt_text_keeps_no_invisible_character_but_joiners_inside_words(text: str) -> None:
    out = prompt_text(text)
    for i, c in enumerate(out):
        assert unicodedata.category(c) != "Cc" or c in "\t\n"
        if unicodedata.category(c) == "Cf":
            assert c in "\u200c\u200d" and 0 < i < len(out) - 1
            assert not out[i - 1].isascii() and not out[i + 1].isascii()


def test_a_joiner_between_fullwidth_signs_goes_once_they_fold_to_ascii() -> None:
    assert prompt_text("\uff1c\u200d\uff0fpaper\uff1e") == "</paper>"
