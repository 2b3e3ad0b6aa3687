"""Listing text in answers (issue 10, items 5-7): reference markers written inside an abstract or a title never
become citations, bare URLs never become links, and every marker the citation check accepts is the one the chat
links. The chain, the offline answerer and the summariser are real; only retrieval is the keyword test double.
The same attacks in a real browser: test_app_browser.py::test_listing_text_makes_no_links_no_citations_and_wraps."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant.answering.chain import answer
from assistant.answering.summarize import Group, Summarizer
from assistant.citations import CITATION, cited_numbers
from assistant.types import OPENREVIEW_FORUM, Answer, Citation, Hit, Paper
from assistant.web import render
from tests.conftest import OVERSQUASHING_ID, make_settings
from tests.retriever_double import KeywordRetriever, handful_of_iclr_papers

MARKED_ID = "MarkedAbs01"
MARKED = Paper(
    id=MARKED_ID, title="Over-squashing in message passing, revisited [1]", authors=("Eve Marker",),
    abstract=(
        "We study over-squashing in graph neural networks, following [1] and [2, 3]. Earlier work \u30101\u3011 "
        "and [1-2] saw the same bottleneck, and over-squashing limits [4; 5] long-range message passing."
    ),
    venue="ICLR", year=2022, decision="Poster [2]", keywords=("over-squashing [3]", "graphs"),
    url=OPENREVIEW_FORUM + MARKED_ID,
)
QUOTE = re.compile("\u201c([^\u201d]*)\u201d")


@pytest.fixture(scope="module")
def retriever() -> KeywordRetriever:
    return KeywordRetriever([*handful_of_iclr_papers(), MARKED])


def number_of(result: Answer, paper_id: str) -> int:
    return next(n for n, hit in enumerate(result.sources, 1) if hit.paper.id == paper_id)


def assert_each_line_cites_only_its_paper(result: Answer) -> None:
    """A line that quotes or names a paper cites that paper alone, and no quote holds a live marker."""
    for line in result.text.splitlines():
        for quoted in QUOTE.findall(line):
            assert not CITATION.search(quoted), line
        if "Eve Marker" in line or "revisited" in line or "following (1)" in line:
            assert cited_numbers(line) == [number_of(result, MARKED_ID)], line


@pytest.mark.parametrize("question", ["which papers study over-squashing?", "how does over-squashing arise?"])
def test_markers_inside_an_abstract_or_title_are_no_citations_in_offline_answers(
    retriever: KeywordRetriever, tmp_path: Any, question: str
) -> None:
    result = answer(question, [], retriever, make_settings(tmp_path, llm="offline"))
    assert MARKED_ID in result.cited_ids and OVERSQUASHING_ID in result.cited_ids
    assert "following (1) and (2, 3)" in result.text  # the abstract's own references, kept readable but inert
    assert_each_line_cites_only_its_paper(result)
    linked = re.findall(r"\]\((https://[^)]+)\)", render.answer_markdown(result))
    marked = sum(url.endswith(MARKED_ID) for url in linked)
    assert marked == len(re.findall(rf"\[{number_of(result, MARKED_ID)}\]", result.text))  # only its own [n]


def test_markers_inside_an_abstract_are_no_citations_in_offline_summaries(
    retriever: KeywordRetriever, tmp_path: Any
) -> None:
    oversquashing = retriever.get([OVERSQUASHING_ID])[0]
    extra = [p for p in handful_of_iclr_papers() if "over-squashing" in (p.keywords or ())][:1]
    group = Group(ids=(OVERSQUASHING_ID, MARKED_ID, *(p.id for p in extra)))
    result = Summarizer(retriever, make_settings(tmp_path, llm="offline")).summarize(group)
    assert oversquashing.id in result.cited_ids and MARKED_ID in result.cited_ids
    assert "revisited (1) [2]" in result.text and "(Poster (2))" in result.text
    assert_each_line_cites_only_its_paper(result)


# --- one grammar for the check and the links -------------------------------------------------------------------
def cited(*numbers: int) -> tuple[list[Citation], list[Hit]]:
    papers = [Paper(id=f"P{n}xxxxxxx", title=f"T{n}", url=f"{OPENREVIEW_FORUM}P{n}xxxxxxx") for n in numbers]
    citations = [Citation(n, p.id, p.title, p.url) for n, p in zip(numbers, papers, strict=True)]
    return citations, [Hit(p, 1.0) for p in papers]


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("Ranges [1-3].", [1, 2, 3]),
        ("Dashes [1\u20132] and [2\u20143].", [1, 2, 2, 3]),
        ("Semicolons [1; 3] and [2;3].", [1, 3, 2, 3]),
        ("Mixed [1, 2-3].", [1, 2, 3]),
        ("Fullwidth \uff3b2\uff3d, CJK \u30103\u3011 and \u30161\u3017, fullwidth digits [\uff12].", [2, 3, 1, 2]),
    ],
)
def test_every_form_the_check_accepts_is_linked(text: str, linked: list[int]) -> None:
    citations, hits = cited(1, 2, 3)
    markdown = render.link_citations(text, citations, hits)
    assert [int(n) for n in re.findall(r"\[\\\[(\d+)\\\]\]\(", markdown)] == linked
    assert re.findall(r"\]\((https://[^)]+)\)", markdown) == [f"{OPENREVIEW_FORUM}P{n}xxxxxxx" for n in linked]


def test_markers_that_resolve_to_nothing_stay_plain_text() -> None:
    citations, hits = cited(1)
    markdown = render.link_citations("Unknown [7], malformed [42a], kept [1].", citations, hits)
    assert markdown.count("](") == 1 and "\\[7\\]" in markdown and "\\[42a\\]" in markdown


# --- no autolinks ------------------------------------------------------------------------------------------------
# What the chat's renderer (marked, GFM, as bundled with Gradio) autolinks, copied from its inline rules: a URL
# with a scheme or www., and an e-mail address (also inside mailto:). Matched anywhere, as marked's text rule stops
# before each of them.
MARKED_URL = re.compile(r"(?:(?:ftp|https?)://|www\.)(?:[a-zA-Z0-9\-]+\.?)+[^\s<]*", re.IGNORECASE)
MARKED_EMAIL = re.compile(r"[A-Za-z0-9._+-]+@[a-zA-Z0-9-_]+(?:\.[a-zA-Z0-9-_]*[a-zA-Z0-9])+(?![-_])")
URLS = (
    "https://evil.example/phish", "HTTP://EVIL.EXAMPLE/X", "www.evil.example", "WWW.Evil.Example/login",
    "ftp://evil.example/f", "mailto:phish@evil.example", "phish@evil.example", "evil.example/x",
    "https:\\//evil.example", "<https://evil.example>", "\\https://evil.example",
)


def autolinks(markdown: str) -> list[str]:
    own = markdown.replace(f"{OPENREVIEW_FORUM}P1xxxxxxx", "OWN")  # the citation links made here
    return MARKED_URL.findall(own) + MARKED_EMAIL.findall(own)


@pytest.mark.parametrize("url", URLS)
def test_bare_urls_in_answers_titles_and_notices_make_no_autolink(url: str) -> None:
    citations, hits = cited(1)
    hits = [Hit(Paper(id="P1xxxxxxx", title=f"See {url}", url=f"{OPENREVIEW_FORUM}P1xxxxxxx"), 1.0)]
    result = Answer(text=f"Go to {url} now [1].", citations=citations, sources=hits, mode="llm", model="m",
                    notice=f"Endpoint {url} failed.")
    for markdown in (render.answer_markdown(result), render.streaming_markdown(result.text),
                     render.similar_markdown(hits[0].paper, []), render.question_markdown(url),
                     render.error_markdown(url), render.export_answer_markdown(url, result)):
        assert autolinks(markdown) == [], markdown
    assert "](https://openreview.net/forum?id=P1xxxxxxx)" in render.answer_markdown(result)  # the citation link
