"""details.py: questions about a paper's record (authors, decision, links) answered from the listing's fields."""

from __future__ import annotations

import pytest

from assistant.answering.details import asked_details, details_answer
from assistant.text import and_list
from assistant.types import Hit, Paper


@pytest.mark.parametrize(("question", "asked"), [
    ("who wrote the third one?", ("authors",)),
    ("who are the authors of [2]?", ("authors",)),
    ("what are the authors of the first two?", ("authors",)),
    ("who is behind paper 3?", ("authors",)),
    ("by whom was the second one written?", ("authors",)),
    ("is the second one an oral?", ("decision",)),
    ("was [1] a spotlight?", ("decision",)),
    ("were any of them orals?", ("decision",)),
    ("what decision did the last one get?", ("decision",)),
    ("give me the link to the first one", ("links",)),
    ("where can I read the third one?", ("links",)),
    ("pdf of [4] please", ("links",)),
    ("who wrote the first one and is it an oral?", ("authors", "decision")),
    # about the content, not the record
    ("tell me more about the second one", ()),
    ("what does the third one propose?", ()),
    ("explain [2]", ()),
    ("how does the first one handle linked data?", ()),
    ("summarize the last one", ()),
])
def test_asked_details(question: str, asked: tuple[str, ...]) -> None:
    assert asked_details(question) == asked


def test_the_answer_states_each_papers_fields_cited_and_defused() -> None:
    """Bracketed numbers of listing text cannot become citations; the rest is escaped where it is rendered
    (web/render.py), as every answer's text is."""
    hostile = Paper("p1", "Beats [3] and [evil](https://x.y)", ("Ann Lee", "Bo [2] Li", "Cy Ng"), decision="Oral",
                    url="https://openreview.net/forum?id=p1")
    bare = Paper("p2", "No Links", (), decision=None, url="javascript:alert(1)")
    text = details_answer(("authors", "decision", "links"), [Hit(hostile, 0.9), Hit(bare, 0.5)])
    first, second = text.splitlines()
    assert first.startswith("- Beats (3) and") and "[1]:" in first and "[3]" not in first and "[2]" not in first
    assert "by Ann Lee, Bo (2) Li and Cy Ng" in first and "accepted as Oral" in first
    assert "its page is linked from [1]" in first and "its PDF" in first
    assert second == ("- No Links [2]: the listing names no authors; the listing gives no decision; "
                      "the listing gives no link to it.")
    assert "javascript" not in text and "openreview" not in text  # no URL of the listing is written out


@pytest.mark.parametrize(("authors", "said"), [
    ((), ""), (("A",), "A"), (("A", "B"), "A and B"), (("A", "B", "C"), "A, B and C"),
])
def test_and_list(authors: tuple[str, ...], said: str) -> None:
    assert and_list(authors) == said
