"""Rendering without a browser: citation links, escaping of hostile listing text, source cards, exports."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from assistant.types import OPENREVIEW_FORUM, Answer, Citation, Hit, Paper
from assistant.web import render

HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
HOSTILE_ABSTRACT = (
    "Before <script>alert('abstract')</script> after ${alert(2)} `x` {{value}} [evil](javascript:alert(3))"
)


UNESCAPED_LINK = re.compile(r"(?<!\\)\]\(")


def paper(pid: str, title: str = "A title", **kw: object) -> Paper:
    defaults: dict[str, object] = {
        "authors": ("Ada Lovelace", "Alan Turing"),
        "abstract": "An abstract.",
        "venue": "ICLR 2022",
        "year": 2022,
        "decision": "Poster",
        "url": OPENREVIEW_FORUM + pid,
    }
    defaults.update(kw)
    return Paper(id=pid, title=title, **defaults)  # type: ignore[arg-type]


def answer(text: str, cited: list[tuple[int, Paper]], extra: list[Paper] = (), **kw: object) -> Answer:  # type: ignore[assignment]
    sources = [Hit(p, 1.0) for _, p in cited] + [Hit(p, 0.5) for p in extra]
    citations = [Citation(n, p.id, p.title, p.url) for n, p in cited]
    return Answer(text=text, citations=citations, sources=sources, mode="offline", **kw)  # type: ignore[arg-type]


class _Collector(HTMLParser):
    """Every tag and attribute a browser would create from some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def parse(markup: str) -> _Collector:
    c = _Collector()
    c.feed(markup)
    return c


# --- citations -------------------------------------------------------------------------------------------------------
def test_citation_markers_become_links_to_the_paper() -> None:
    a, b = paper("7UmjRGzp-A", "Over-squashing"), paper("abc", "Other")
    md = render.link_citations("Curvature explains it [1], see also [2].", answer("", [(1, a), (2, b)]).citations,
                               [Hit(a, 1), Hit(b, 1)])
    assert "[\\[1\\]](https://openreview.net/forum?id=7UmjRGzp-A)" in md
    assert "[\\[2\\]](https://openreview.net/forum?id=abc)" in md


def test_grouped_markers_each_get_a_link_and_unknown_ones_stay_plain() -> None:
    a, b = paper("p1"), paper("p2")
    ans = answer("Both [1, 2] and not [7].", [(1, a), (2, b)])
    md = render.link_citations(ans.text, ans.citations, ans.sources)
    assert "[\\[1\\]](https://openreview.net/forum?id=p1)[\\[2\\]](https://openreview.net/forum?id=p2)" in md
    assert "not \\[7\\]." in md


def test_citation_without_url_links_to_its_source_paper_page_or_stays_plain() -> None:
    p = paper("p1", url="https://example.org/p1")
    md = render.link_citations("x [1]", [Citation(1, "p1", "t", None)], [Hit(p, 1)])
    assert "(https://example.org/p1)" in md
    md = render.link_citations("x [1]", [Citation(1, "p9", "t", None)], [])
    assert md == "x \\[1\\]"


def test_answer_text_cannot_make_links_images_or_html() -> None:
    text = 'See ![pixel](http://evil/p.png) and [click](javascript:alert(1)) <img src=x onerror=alert(1)> [1]'
    p = paper("p1")
    md = render.link_citations(text, [Citation(1, "p1", "t", p.url)], [Hit(p, 1)])
    assert "<img" not in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md
    assert len(UNESCAPED_LINK.findall(md)) == 1  # only the citation link


def test_javascript_urls_are_never_linked() -> None:
    p = paper("p1", url="javascript:alert(1)", pdf_url="data:text/html,hi")
    assert render.paper_url(p) is None and render.pdf_url(p) is None
    md = render.link_citations("x [1]", [Citation(1, "p1", "t", "javascript:alert(1)")], [Hit(p, 1)])
    assert "javascript" not in md


def test_safe_url_encodes_characters_that_end_a_link_or_attribute() -> None:
    url = render.safe_url('https://x.org/a b)"<>')
    assert url is not None and ")" not in url and '"' not in url and "<" not in url and " " not in url


# --- answers and modes ----------------------------------------------------------------------------------------------
def test_offline_answer_is_marked_offline() -> None:
    md = render.answer_markdown(answer("Text [1]", [(1, paper("p1"))]))
    assert "Offline answer" in md


def test_llm_answer_names_its_model_and_shows_the_notice() -> None:
    ans = answer("Text", [], notice="The LLM timed out <b>", model="gpt-4o-mini")
    ans.mode = "llm"
    md = render.answer_markdown(ans)
    assert "<code>gpt-4o-mini</code>" in md and "Notice" in md and "&lt;b&gt;" in md and "<b>" not in md


def test_question_and_errors_are_escaped() -> None:
    assert render.question_markdown("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    assert "<" not in render.error_markdown("bad <img src=x>")


# --- sources panel ---------------------------------------------------------------------------------------------------
def test_cards_put_cited_papers_first_in_citation_order() -> None:
    a, b, c = paper("a", "Alpha"), paper("b", "Beta"), paper("c", "Gamma")
    hits = [Hit(a, 0.9), Hit(b, 0.8), Hit(c, 0.7)]
    cites = [Citation(1, "c", "Gamma", c.url), Citation(2, "a", "Alpha", a.url)]
    markup = render.sources_html(hits, cites)
    assert [m for m in re.findall(r'data-paper-id="(\w)"', markup)][::2] == ["c", "a", "b"]
    assert "[1]" in markup and "[2]" in markup and "2 cited" in markup


def test_card_shows_title_authors_badge_links_and_collapsed_abstract() -> None:
    p = paper("7UmjRGzp-A", "Over-squashing", decision="Oral")
    card = render.source_card(Hit(p, 1.0), 1)
    doc = parse(card)
    hrefs = [v for k, v in doc.attrs if k == "href"]
    assert hrefs == ["https://openreview.net/forum?id=7UmjRGzp-A", "https://openreview.net/pdf?id=7UmjRGzp-A"]
    assert "pa-badge-oral" in card and ">Oral<" in card
    assert "details" in doc.tags and "Ada Lovelace, Alan Turing" in card
    assert 'data-action="similar"' in card and 'data-action="select"' in card


def test_hostile_listing_text_is_inert_in_cards() -> None:
    p = paper('x" onmouseover="alert(1)', HOSTILE_TITLE, abstract=HOSTILE_ABSTRACT,
              authors=("<b>Mallory</b>",), decision="<i>Oral</i>", url="javascript:alert(1)")
    card = render.sources_html([Hit(p, 1.0)], [Citation(1, p.id, p.title, p.url)])
    doc = parse(card)
    assert set(doc.tags) <= {"div", "article", "span", "h4", "details", "summary", "p", "button", "label", "input"}
    assert not any(k.startswith("on") for k, _ in doc.attrs)
    assert not any(k == "href" for k, _ in doc.attrs)
    assert html.escape(HOSTILE_TITLE) in card and "&lt;script&gt;" in card
    assert "pa-badge-other" in card


def test_empty_sources_say_where_they_will_appear() -> None:
    assert "Sources" in render.sources_html([])


def test_similar_markdown_links_each_paper_and_escapes_titles() -> None:
    md = render.similar_markdown(paper("a", HOSTILE_TITLE), [Hit(paper("b", "B [x](y)"), 0.9)])
    assert "<img" not in md and "&lt;img" in md
    assert "1. [B \\[x\\]\\(y\\)](https://openreview.net/forum?id=b)" in md


# --- exports -------------------------------------------------------------------------------------------------------
def test_markdown_export_has_the_question_linked_answer_and_references() -> None:
    a = paper("7UmjRGzp-A", "Understanding over-squashing", decision="Oral")
    md = render.export_answer_markdown("which papers study over-squashing?", answer("Curvature [1].", [(1, a)]))
    assert md.startswith("**Q:** which papers study over-squashing?")
    assert "[\\[1\\]](https://openreview.net/forum?id=7UmjRGzp-A)" in md
    assert "1. Understanding over\\-squashing. Ada Lovelace, Alan Turing. ICLR 2022 \\(Oral\\). " \
           "<https://openreview.net/forum?id=7UmjRGzp-A>" in md


def test_markdown_export_escapes_html_from_the_listing() -> None:
    md = render.export_answer_markdown("q", answer("x [1]", [(1, paper("h", HOSTILE_TITLE))]))
    assert "<img" not in md


def test_conversation_export_has_one_section_per_turn() -> None:
    turns = [render.Turn("q1", answer("a [1]", [(1, paper("p1"))])), render.Turn("q2", answer("b", []))]
    md = render.export_conversation_markdown(turns)
    assert md.count("**Q:**") == 2 and "\n---\n" in md


def test_bibtex_entries_for_cited_papers() -> None:
    a = paper("_Wzj0J2xs2D", "Curvature & {Flow} 100% of $x$", authors=("Jake Topping", "Xiaowen Dong"))
    b = paper("p2", "Curvature again", authors=("Jake Topping",))
    bib = render.bibtex([a, b, a])
    assert bib.count("@inproceedings{") == 2
    assert "@inproceedings{topping2022curvature," in bib and "@inproceedings{topping2022curvaturea," in bib
    assert r"title = {{Curvature \& \{Flow\} 100\% of \$x\$}}" in bib
    assert "author = {Jake Topping and Xiaowen Dong}" in bib
    assert "url = {https://openreview.net/forum?id=_Wzj0J2xs2D}" in bib
    assert "note = {Poster}" in bib


def test_bibtex_key_is_ascii_and_entry_without_venue_is_misc() -> None:
    p = paper("p", "Über Graphen", authors=("José Ñúñez",), venue=None, year=None)
    bib = render.bibtex([p])
    assert bib.startswith("@misc{nunezuber,")


def test_cited_papers_are_collected_across_turns_once() -> None:
    a, b = paper("a"), paper("b")
    turns = [render.Turn("q", answer("[1][2]", [(1, a), (2, b)])), render.Turn("q", answer("[1]", [(1, a)]))]
    assert [p.id for p in render.cited_papers(turns)] == ["a", "b"]


@pytest.mark.parametrize("decision,kind", [("Oral", "oral"), ("spotlight", "spotlight"), ("Poster", "poster")])
def test_decision_badges(decision: str, kind: str) -> None:
    assert f"pa-badge-{kind}" in render.decision_badge(decision)
    assert render.decision_badge(None) == ""


# --- properties: whatever the listing holds, nothing becomes markup ----------------------------------------------
@given(st.text(max_size=200))
def test_any_title_and_abstract_make_no_markup_in_a_card(text: str) -> None:
    text = "x" + text
    p = paper("p1", text, abstract=text, authors=(text,))
    doc = parse(render.source_card(Hit(p, 1.0), 1))
    assert doc.tags == parse(render.source_card(Hit(paper("p1", "t", abstract="a", authors=("a",)), 1.0), 1)).tags


@given(st.text(alphabet=st.sampled_from("[]()!<>\\`*_ x:/.=\"'&;#1"), max_size=80))
def test_any_answer_text_renders_to_no_links_images_or_html(text: str) -> None:
    rendered = MarkdownIt("commonmark").render(render.link_citations(text + " [1]", [], []))
    tags = set(re.findall(r"<(\w+)", rendered))
    assert tags.isdisjoint({"a", "img", "script", "iframe", "svg", "style"}), rendered
    assert re.search(r"<\w+[^>]*\s(on\w+|href|src)=", rendered) is None


def test_backslashes_cannot_unescape_brackets() -> None:
    md = render.link_citations("\\[x\\](http://evil) \\![i\\](http://evil/p.png)", [], [])
    rendered = MarkdownIt("commonmark").render(md)
    assert "<a" not in rendered and "<img" not in rendered


@given(st.text(max_size=120))
def test_bibtex_braces_stay_balanced(text: str) -> None:
    bib = render.bibtex([paper("p1", text or "t", authors=(text or "a",))])
    unescaped = re.sub(r"\\[{}]", "", bib)
    depth = 0
    for ch in unescaped:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
