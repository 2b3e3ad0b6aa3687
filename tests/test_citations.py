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
    defuse_citations,
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
        ("Not citations: [a], [], f(x)[i], [x1].", "Not citations: [a], [], f(x)[i], [x1].", []),
        # malformed or out-of-range markers are citations to check, never left as bogus ones (issue 10, item 7)
        ("Bogus [42a], [1234567] and \u30109\u3011; kept \u30102\u3011, [\uff13].",
         "Bogus, and; kept \u30102\u3011, [\uff13].", ["42a", 1234567, 9]),
        ("Ranges [1-4], lists [1; 2], [1a-2].", "Ranges [1, 2, 3], lists [1; 2],.", [4, "1a-2"]),
        ("Line one [7]\n[8] line two", "Line one\n line two", [7, 8]),
    ],
)
def test_invalid_numbers_are_removed_and_valid_ones_kept(text: str, checked: str, removed: list[int | str]) -> None:
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


def test_a_number_too_long_for_a_list_is_kept_as_written_and_removed() -> None:
    digits = "9" * 5000  # int() of this many digits raises: the parser must not try
    result = check_citations(f"Huge [{digits}] here [1].", NUMBERED)
    assert result.text == "Huge here [1]."
    assert result.removed == ["9" * 18 + "\u2026"]


def test_defused_markers_are_no_citations() -> None:
    text = "As in [1] and [2, 3], also \u301042\u3011 and [1-2]; not [a] or (5)."
    defused = defuse_citations(text)
    assert defused == "As in (1) and (2, 3), also (42) and (1-2); not [a] or (5)."
    assert cited_numbers(defused) == [] and check_citations(defused, NUMBERED).text == defused


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


def test_removing_a_citation_cannot_leave_a_new_one_behind() -> None:
    """"[0 [9]]" minus " [9]" is "[0]": checked again, in one piece or streamed in any pieces."""
    text = "Nested [0 [9]] and \u30100\u30109\u3011\u3011 gone, [1[9]] kept."
    assert check_citations(text, NUMBERED).text == "Nested and gone, [1] kept."
    for cut in range(len(text)):
        checker = CitationFilter(frozenset(NUMBERED))
        assert "".join(check_stream([text[:cut], text[cut:]], checker)) == "Nested and gone, [1] kept."


def test_a_long_run_of_fake_citations_is_never_let_through_in_pieces() -> None:
    fake = "[" + ", ".join(str(n) for n in range(1, 60)) + "]"
    out = "".join(check_stream(list(fake + " end"), CitationFilter(frozenset({1, 2}))))
    assert out == "[1, 2] end"


# Text made of the characters citations are built from, split anywhere: streamed == checked at once.
citation_text = st.text(alphabet="ab [],;-\u2013 0123456789\n\u3010\u3011\uff3b\uff3d\uff13", max_size=120)


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
