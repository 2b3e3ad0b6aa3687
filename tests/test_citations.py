"""Citation checking: valid [n] kept, invalid removed, structured citations, the same result streamed or not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.citations import (
    CitationFilter,
    check_citations,
    check_stream,
    citation_numbers,
    cited_numbers,
    removed_notice,
)
from assistant.types import Paper

NUMBERED = {n: Paper(id=f"id{n}", title=f"Title {n}", url=f"https://openreview.net/forum?id=id{n}") for n in (1, 2, 3)}


@pytest.mark.parametrize(
    ("text", "checked", "removed"),
    [
        ("A [1] and B [2, 3].", "A [1] and B [2, 3].", []),
        ("See [9].", "See.", [9]),
        ("See [1, 9] and [2;3].", "See [1] and [2;3].", [9]),
        ("Range [2-4] and [1\u20133].", "Range [2, 3] and [1\u20133].", [4]),
        ("Both [1][9] here.", "Both [1] here.", [9]),
        ("Zero [0] and huge [1-100000].", "Zero and huge [1].", [0, 100000]),
        ("Not citations: [a], [1a], [], f(x)[i].", "Not citations: [a], [1a], [], f(x)[i].", []),
        ("Line one [7]\n[8] line two", "Line one\n line two", [7, 8]),
    ],
)
def test_invalid_numbers_are_removed_and_valid_ones_kept(text: str, checked: str, removed: list[int]) -> None:
    result = check_citations(text, NUMBERED)
    assert result.text == checked
    assert result.removed == removed
    assert set(cited_numbers(result.text)) <= set(NUMBERED)


def test_structured_citations_in_order_of_first_appearance() -> None:
    result = check_citations("B [2], then A and B [1, 2], C [3-3] and fake [5].", NUMBERED)
    assert [(c.n, c.id, c.title, c.url) for c in result.citations] == [
        (2, "id2", "Title 2", "https://openreview.net/forum?id=id2"),
        (1, "id1", "Title 1", "https://openreview.net/forum?id=id1"),
        (3, "id3", "Title 3", "https://openreview.net/forum?id=id3"),
    ]
    assert removed_notice(result.removed) == "Removed citation(s) [5]: no paper with that number was retrieved."


def test_ranges_are_expanded_but_bounded() -> None:
    assert citation_numbers("2-4, 7") == [2, 3, 4, 7]
    assert citation_numbers("1-100000") == [1, 100000]
    assert citation_numbers("3, 3, 1") == [3, 1]


def test_streaming_holds_only_an_open_citation() -> None:
    checker = CitationFilter(frozenset({1}))
    assert checker.feed("The answer [") == "The answer"
    assert checker.feed("1") == ""
    assert checker.feed("] is here [9") == " [1] is here"
    assert checker.feed("]. Done [x]") == ". Done [x]"
    assert checker.flush() == ""
    assert checker.text == "The answer [1] is here. Done [x]"
    assert checker.removed == [9]


def test_a_long_run_of_fake_citations_is_never_let_through_in_pieces() -> None:
    fake = "[" + ", ".join(str(n) for n in range(1, 60)) + "]"
    out = "".join(check_stream(list(fake + " end"), CitationFilter(frozenset({1, 2}))))
    assert out == "[1, 2] end"


# Text made of the characters citations are built from, split anywhere: streamed == checked at once.
citation_text = st.text(alphabet="ab [],;-\u2013 0123456789\n", max_size=120)


@settings(max_examples=300, deadline=None)
@given(text=citation_text, cuts=st.lists(st.integers(min_value=0, max_value=120), max_size=8))
def test_streamed_checking_equals_checking_at_once(text: str, cuts: list[int]) -> None:
    bounds = sorted({0, len(text), *[c for c in cuts if c <= len(text)]})
    pieces = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    checker = CitationFilter(frozenset(NUMBERED))
    streamed = "".join(check_stream(pieces, checker))
    whole = check_citations(text, NUMBERED)
    assert streamed == whole.text == checker.text
    assert set(cited_numbers(streamed)) <= set(NUMBERED)
