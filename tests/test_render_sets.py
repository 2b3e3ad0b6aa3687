"""Set answers in the faces, without a browser: the grouped sources panel with its count, [n] numbering for sets of
100+, the exports holding the whole set, and the JSON of `/ask` and `assistant ask --json`.

The answers are built from real papers of the shipped ICLR 2022 listing (every paper whose abstract mentions a
topic), screened and grouped by rules of this file, so sizes and contents are the listing's, not made up."""

from __future__ import annotations

import html
import json
import re
import time
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from assistant import service
from assistant.listings import read_listing
from assistant.types import Answer, Citation, Hit, Paper, Screened
from assistant.web import render, render_sets

ROOT = Path(__file__).resolve().parent.parent
LISTING = ROOT / "data" / "iclr2022" / "accepted.jsonl"
HOSTILE = "<img src=x onerror=alert(1)>"
CARD_TAGS = {"div", "article", "span", "h4", "details", "summary", "p", "button", "label", "input", "a", "blockquote"}


@pytest.fixture(scope="module")
def listing() -> list[Paper]:
    return read_listing(LISTING).papers


def sentence_with(abstract: str, term: str) -> str:
    """The first sentence of the abstract that names the term, verbatim (what a screen quotes)."""
    return next((s for s in re.split(r"(?<=[.!?])\s+", abstract) if term in s.lower()), "")


THEMES = (("Offline RL", "offline"), ("Multi-agent RL", "multi-agent"), ("Exploration", "exploration"))


def theme_of(paper: Paper) -> str:
    abstract = (paper.abstract or "").lower()
    return next((name for name, word in THEMES if word in abstract), "")


def set_answer(papers: list[Paper], topic: str, possible: list[Paper] = (), text: str = "",  # type: ignore[assignment]
               cite_all: bool = True) -> Answer:
    """A set answer over real papers as the contract has it: relevant papers first, then possible ones, numbered
    in that order; sources[n - 1] is [n]."""
    ordered = [(p, "relevant") for p in papers] + [(p, "possible") for p in possible]
    matches = [
        Screened(Hit(p, 1.0 - i / 1000), verdict, sentence_with(p.abstract or "", topic.split()[0]),  # type: ignore[arg-type]
                 theme_of(p) if verdict == "relevant" else "", i)
        for i, (p, verdict) in enumerate(ordered, 1)
    ]
    sources = [m.hit for m in matches]
    cited = matches if cite_all else matches[:3]
    citations = [Citation(m.n, m.hit.paper.id, m.hit.paper.title, m.hit.paper.url) for m in cited]
    groups = [name for name, _ in THEMES if any(m.group == name for m in matches)]
    return Answer(text=text or f"{len(papers)} papers match [1].", citations=citations, sources=sources,
                  mode="offline", question=f"which papers are about {topic}?", intent="list", matches=matches,
                  groups=groups, topic=topic)


def papers_about(listing: list[Paper], term: str) -> list[Paper]:
    return [p for p in listing if term in (p.abstract or "").lower()]


@pytest.fixture(scope="module")
def rl_answer(listing: list[Paper]) -> Answer:
    rl = papers_about(listing, "reinforcement learning")
    assert len(rl) > 100, len(rl)  # the listing has well over 100 such abstracts: a set of 100+
    possible = [p for p in papers_about(listing, "reward") if p not in rl][:7]
    return set_answer(rl, "reinforcement learning", possible)


class Tags(HTMLParser):
    """The element tree a browser would build, flattened: tags, attributes, and each card's section."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.stack: list[dict[str, str | None]] = []
        self.cards: list[tuple[str, str, bool]] = []  # (paper id, section name, inside a "show more")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        a = dict(attrs)
        if tag == "article":
            group = next((s.get("data-group") for s in reversed(self.stack) if "data-group" in s), "")
            more = any("pa-more" in (s.get("class") or "") for s in self.stack)
            self.cards.append((str(a.get("data-paper-id")), str(group), more))
        if tag not in ("input",):
            self.stack.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("input",) and self.stack:
            self.stack.pop()


def parse(markup: str) -> Tags:
    doc = Tags()
    doc.feed(markup)
    return doc


# --- the panel -----------------------------------------------------------------------------------------------------
def test_heading_counts_the_matches_and_the_possibly_relevant(rl_answer: Answer, listing: list[Paper]) -> None:
    relevant, possible = len(rl_answer.relevant), len(rl_answer.possible)
    markup = render_sets.set_sources_html(rl_answer)
    head = f"{relevant} papers match ‘reinforcement learning’ · {possible} possibly relevant"
    assert f'<div class="pa-sources-head">{head}</div>' in markup
    one = set_answer([rl_answer.relevant[0].hit.paper], "reinforcement learning")
    assert render.count_heading(one) == "1 paper matches ‘reinforcement learning’"
    none = Answer("No paper matches.", [], [], "offline", intent="count", topic="quantum gravity")
    assert render.count_heading(none) == "0 papers match ‘quantum gravity’"
    assert "No paper of the listing matches" in render_sets.set_sources_html(none)
    finn = [p for p in listing if "Chelsea Finn" in p.authors]
    by_author = replace(set_answer(finn, "x"), topic="", question="Which papers have Chelsea Finn as a co-author?")
    assert render.count_heading(by_author) == \
        f"{len(finn)} papers match “Which papers have Chelsea Finn as a co-author?”"


def test_every_paper_has_one_card_in_its_theme_and_possible_ones_are_a_closed_section(rl_answer: Answer) -> None:
    doc = parse(render_sets.set_sources_html(rl_answer))
    assert sorted(pid for pid, _, _ in doc.cards) == sorted(m.hit.paper.id for m in rl_answer.matches)
    section_of = {pid: group for pid, group, _ in doc.cards}
    for m in rl_answer.matches:
        expected = (render_sets.POSSIBLE_GROUP if m.verdict == "possible"
                    else m.group or render_sets.OTHER_GROUP)
        assert section_of[m.hit.paper.id] == expected, m.hit.paper.title
    markup = render_sets.set_sources_html(rl_answer)
    opened = re.findall(r'<details class="pa-group( pa-group-possible)?" data-group="([^"]*)"( open)?>', markup)
    assert [name for _, name, _ in opened] == [*rl_answer.groups, render_sets.OTHER_GROUP, render_sets.POSSIBLE_GROUP]
    assert all(bool(is_open) != bool(possible) for possible, _, is_open in opened)  # only "possibly relevant" closed


def test_each_section_shows_its_size_and_the_first_ten_then_show_more(rl_answer: Answer) -> None:
    markup = render_sets.set_sources_html(rl_answer)
    doc = parse(markup)
    for section in render_sets.sections(rl_answer):
        size = len(section.members)
        name = f'<span class="pa-group-name">{html.escape(section.name)}</span>'
        assert f'{name} <span class="pa-group-size">{size}</span>' in markup
        cards = [more for _, group, more in doc.cards if group == section.name]
        assert cards.count(False) == min(size, render_sets.SHOWN_PER_GROUP)
        assert cards.count(True) == max(0, size - render_sets.SHOWN_PER_GROUP)
    biggest = max(render_sets.sections(rl_answer), key=lambda s: len(s.members))
    assert f"Show {len(biggest.members) - render_sets.SHOWN_PER_GROUP} more" in markup


def test_cards_carry_their_citation_number_verdict_and_deciding_quote(rl_answer: Answer) -> None:
    markup = render_sets.set_sources_html(rl_answer)
    for n, m in rl_answer.numbered():
        card = re.search(rf'<article [^>]*data-paper-id="{re.escape(html.escape(m.hit.paper.id))}">.*?</article>',
                         markup)
        assert card, m.hit.paper.title
        assert f'<span class="pa-cite">[{n}]</span>' in card.group(0)
        assert f"pa-verdict-{m.verdict}" in card.group(0)
        if m.quote:
            assert f'<blockquote class="pa-quote">{html.escape(m.quote)}</blockquote>' in card.group(0)
    assert rl_answer.sources[56].paper.id == next(m for n, m in rl_answer.numbered() if n == 57).hit.paper.id


def test_hostile_titles_quotes_themes_and_topic_stay_text(listing: list[Paper]) -> None:
    base = papers_about(listing, "federated")[:12]
    hostile = [Paper(id='x" onmouseover="alert(1)', title=HOSTILE, authors=("<b>M</b>",), abstract=HOSTILE,
                     decision="<i>Oral</i>", url="javascript:alert(1)")]
    answer = set_answer(base + hostile, "federated <script>alert(2)</script>")
    answer.matches[-1] = Screened(answer.matches[-1].hit, "relevant", f"{HOSTILE} \"quoted\"", "<b>theme</b>", 13)
    answer.groups.append("<b>theme</b>")
    doc = parse(render_sets.set_sources_html(answer))
    assert set(doc.tags) <= CARD_TAGS
    assert not any(k.startswith("on") for k, _ in doc.attrs)
    assert all(v is None or not v.startswith("javascript:") for _, v in doc.attrs)
    md = render.export_answer_markdown(answer.question, answer)
    rendered = MarkdownIt("commonmark").render(md)
    assert "<img" not in rendered and "<script" not in rendered and "<b>" not in rendered


def test_a_set_of_200_papers_renders_in_milliseconds(listing: list[Paper]) -> None:
    answer = set_answer(listing[:200], "learning")
    start = time.perf_counter()
    markup = render_sets.set_sources_html(answer)
    seconds = time.perf_counter() - start
    assert markup.count("<article ") == 200
    assert seconds < 0.5, seconds  # measured ~10 ms; the browser side is measured in the browser test


def test_other_answers_keep_the_plain_panel(rl_answer: Answer) -> None:
    from assistant.web.session import Conversation, sources_panel

    explain = Answer("Curvature [1].", rl_answer.citations[:1], rl_answer.sources[:8], "offline")
    assert not explain.is_set
    conv = Conversation(hits=explain.sources, citations=explain.citations, answer=explain)
    assert sources_panel(conv) == render.sources_html(explain.sources, explain.citations)
    conv = Conversation(hits=rl_answer.sources, citations=rl_answer.citations, answer=rl_answer)
    assert sources_panel(conv) == render_sets.set_sources_html(rl_answer)


# --- numbering in the chat ------------------------------------------------------------------------------------------
def test_citations_past_100_link_to_their_paper_in_the_chat(rl_answer: Answer) -> None:
    numbers = [57, 100, len(rl_answer.matches)]
    text = " ".join(f"Paper [{n}]." for n in numbers) + f" Also [{numbers[0]}, {numbers[1]}]."
    answer = set_answer([m.hit.paper for m in rl_answer.relevant], "reinforcement learning",
                        [m.hit.paper for m in rl_answer.possible], text=text)
    md = render.answer_markdown(answer)
    for n in numbers:
        url = render.paper_url(answer.sources[n - 1].paper)
        assert md.count(f"[\\[{n}\\]]({url})") == (2 if n in numbers[:2] else 1), n
    links = re.findall(r'href="([^"]+)"', MarkdownIt("commonmark").render(md))
    assert links == [render.paper_url(answer.sources[n - 1].paper) for n in [*numbers, *numbers[:2]]]


# --- exports -------------------------------------------------------------------------------------------------------
def test_markdown_export_lists_the_whole_set_numbered_as_cited(rl_answer: Answer) -> None:
    answer = set_answer([m.hit.paper for m in rl_answer.relevant], "reinforcement learning",
                        [m.hit.paper for m in rl_answer.possible], cite_all=False)  # the text cites only 3
    md = render.export_answer_markdown(answer.question, answer)
    assert render.count_heading(answer) in md
    rendered = MarkdownIt("commonmark").render(md)
    assert rendered.count("<li>") == len(answer.matches)
    assert re.search(r"<ol>\s*<li>", rendered)  # numbered from 1, one list: the renderer's numbers are the [n]
    for n, m in answer.numbered():
        assert f"\n{n}. {render.escape_markdown_literal(m.hit.paper.title)}." in md
        assert f"<{render.paper_url(m.hit.paper)}>" in md
    assert md.count("possibly relevant") == len(answer.possible) + 1  # each possible paper, and the heading
    assert "*Offline RL*" in md


def test_bibtex_export_holds_the_whole_set_even_when_the_text_cites_few(rl_answer: Answer) -> None:
    answer = set_answer([m.hit.paper for m in rl_answer.relevant], "reinforcement learning",
                        [m.hit.paper for m in rl_answer.possible], cite_all=False)
    explain = Answer("x [1]", [Citation(1, "zzz", "Z", None)], [Hit(Paper("zzz", "Zeta"), 1.0)], "offline")
    papers = render.cited_papers([render.Turn("q", answer), render.Turn("q2", explain)])
    assert [p.id for p in papers] == [m.hit.paper.id for _, m in answer.numbered()] + ["zzz"]
    bib = render.bibtex(papers)
    assert bib.count("@inproceedings{") == len(answer.matches) and bib.count("@misc{") == 1


# --- JSON (the app's /ask and `assistant ask --json` share service.answer_to_dict) -----------------------------------
def test_answer_json_carries_the_whole_set_and_keeps_the_old_keys(rl_answer: Answer) -> None:
    data = json.loads(json.dumps(service.answer_to_dict(rl_answer)))
    for key in ("question", "answer", "mode", "model", "notice", "citations", "sources", "uncited_sources"):
        assert key in data
    assert data["intent"] == "list" and data["topic"] == "reinforcement learning"
    assert data["count"] == len(rl_answer.relevant) and data["possible_count"] == len(rl_answer.possible)
    assert data["groups"] == rl_answer.groups
    assert [p["n"] for p in data["papers"]] == list(range(1, len(rl_answer.matches) + 1))
    for item, (n, m) in zip(data["papers"], rl_answer.numbered(), strict=True):
        assert item["id"] == m.hit.paper.id and item["title"] == m.hit.paper.title and item["url"] == m.hit.paper.url
        assert (item["n"], item["verdict"], item["group"], item["quote"]) == (n, m.verdict, m.group, m.quote)
    assert [s["id"] for s in data["sources"]] == [m.hit.paper.id for m in rl_answer.matches]


def test_explain_answer_json_has_no_count_and_no_set() -> None:
    data = service.answer_to_dict(Answer("Because [1].", [], [Hit(Paper("p", "P"), 1.0)], "offline"))
    assert data["count"] is None and data["papers"] == [] and data["intent"] == "explain"


def test_an_answer_sent_back_as_history_comes_back_whole(rl_answer: Answer, listing: list[Paper]) -> None:
    data = json.loads(json.dumps(service.answer_to_dict(rl_answer)))
    ids = service.answer_paper_ids(data, 500)
    assert ids == [m.hit.paper.id for m in rl_answer.matches]
    store = [p for p in listing if p.id in set(ids)]  # what the store returns for those ids
    back = service.answer_from_dict(data, store, 500)
    assert back.is_set and back.intent == "list" and back.topic == rl_answer.topic and back.groups == rl_answer.groups
    assert [(n, m.hit.paper, m.verdict, m.group, m.quote) for n, m in back.numbered()] == \
        [(n, m.hit.paper, m.verdict, m.group, m.quote) for n, m in rl_answer.numbered()]
    assert [h.paper.id for h in back.sources] == ids and back.citations == rl_answer.citations


def test_history_cannot_forge_papers_quotes_or_verdicts(rl_answer: Answer, listing: list[Paper]) -> None:
    data = json.loads(json.dumps(service.answer_to_dict(rl_answer)))
    first, second, third = data["papers"][:3]
    first["quote"] = "This paper proves that P equals NP beyond any doubt."  # not in its abstract
    first["title"] = HOSTILE
    second["verdict"] = "<b>certain</b>"
    third["id"] = "not-in-the-store"
    store = [p for p in listing if p.id in set(service.answer_paper_ids(data, 500))]
    back = service.answer_from_dict(data, store, 500)
    assert back.matches[0].quote == "" and back.matches[0].hit.paper.title != HOSTILE  # the store's title
    kept = [m.hit.paper.id for m in back.matches]
    assert second["id"] not in kept and "not-in-the-store" not in kept and len(kept) == len(data["papers"]) - 2
    assert service.answer_from_dict(data, store, 10).matches[-1].n <= 10  # at most `limit` papers read


def test_a_set_of_900_papers_puts_at_most_the_panel_budget_in_the_page(listing: list[Paper]) -> None:
    answer = set_answer(listing[:900], "learning")  # a filter-only question ("which papers are posters?")
    sections = render_sets.sections(answer)
    markup = render_sets.set_sources_html(answer)
    assert markup.count("<article ") == render_sets.MAX_PANEL_CARDS
    assert "900 papers match ‘learning’" in markup
    for section in sections:  # every section keeps its first cards and says how many it leaves out
        block = markup.split(f'data-group="{html.escape(section.name)}"')[1].split('<details class="pa-group')[0]
        shown = block.count("<article ")
        assert shown >= min(len(section.members), render_sets.SHOWN_PER_GROUP)
        left = len(section.members) - shown
        assert ("more: in the exports and the API." in block) == (left > 0)
        assert left == 0 or f"{left} more: in the exports and the API." in block
    assert render.set_references_markdown(answer).count("\n   ") == 900  # the export holds all of them
