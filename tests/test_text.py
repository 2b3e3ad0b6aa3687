"""The character rules shared by ingest, prompts and BibTeX (assistant/text.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

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


# --- round three: lone surrogates (docs/reliability.md) -------------------------------------------------------------
def test_lone_surrogates_are_dropped_and_the_text_can_be_encoded() -> None:
    text = drop_invisible("gra\ud800ph \udcff neural \ud83d")
    assert text == "graph  neural " and text.encode("utf-8")
    assert drop_invisible("emoji \U0001f600 stays") == "emoji \U0001f600 stays"  # a real pair is one character


def test_a_listing_with_lone_surrogate_escapes_is_ingested_and_searched(tmp_path: Path) -> None:
    """Before: `assistant ingest` died with UnicodeEncodeError (hashing the paper) and a traceback."""
    from assistant import service

    from .conftest import make_settings

    folder = tmp_path / "iclr2022"
    folder.mkdir()
    listing = folder / "surrogates.jsonl"
    listing.write_text(
        '{"id": "s1", "title": "Surrogate \\ud800 graph networks", "authors": ["A \\udfff Bee"],'
        ' "abstract": "Graph networks with a lone \\ud83d surrogate in the abstract."}\n'
        '{"id": "s2", "title": "Plain graph paper", "authors": ["Cee Dee"], "abstract": "Graphs and networks."}\n',
        encoding="utf-8")
    settings = make_settings(tmp_path / "store")
    summary = service.ingest([listing], settings, "surro")
    assert summary.read == 2 and summary.skipped == 0
    hits = service.search("surrogate graph", settings, k=2, collection="surro")
    assert hits[0].paper.title == "Surrogate graph networks" and list(hits[0].paper.authors) == ["A Bee"]


def test_a_question_with_a_byte_that_is_not_utf8_is_answered_from_the_command_line(tmp_path: Path) -> None:
    """Before: `assistant search $'graph \\xff'` (argv read with surrogateescape) died with a TypeError traceback
    in the tokenizer; so did the API and the chat with a `\\ud800` in the question."""
    from .conftest import ROOT, small_listing_records

    folder = tmp_path / "iclr2022"
    folder.mkdir()
    listing = folder / "small.jsonl"
    listing.write_text("".join(json.dumps(r) + "\n" for r in small_listing_records()[:5]), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_LLM": "offline"}
    store = ["--store", str(tmp_path / "store"), "--collection", "small"]
    subprocess.run([sys.executable, "-m", "assistant", "ingest", str(listing), *store], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    for command in ("search", "ask"):
        run = subprocess.run([sys.executable, "-m", "assistant", command, b"graph \xff networks", *store],
                             env=env, capture_output=True, cwd=ROOT)
        assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
        assert b"Traceback" not in run.stderr
