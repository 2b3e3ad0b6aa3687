"""The app in a real browser (Debian's chromium driven by Playwright) against `python app.py` on 127.0.0.1, with a
small real listing (about 40 ICLR 2022 papers and one hostile record) and offline answers.

Every test fails if any dialog (alert/confirm/prompt) opens or if the page requests anything outside 127.0.0.1."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, StreamingResponse
from starlette.routing import Route

from .browser import (
    HOSTILE_TITLE,
    OFFLINE_MARK,
    QUESTION,
    TIMEOUT,
    app_ready,
    ask,
    bot_messages,
    card_ids,
    wait_for_answer,
)
from .servers import free_port, serving_in_thread

pytestmark = pytest.mark.browser
expect.set_options(timeout=60_000)

OVERSQUASHING_ID = "7UmjRGzp-A"
OVERSQUASHING_URL = f"https://openreview.net/forum?id={OVERSQUASHING_ID}"
# A set question answers with the matching papers only (one, in the small listing); where a test needs the plain
# panel of retrieved papers (several cards, cited ones first) it asks an explain question.
EXPLAIN_QUESTION = "what causes over-squashing in graph neural networks?"


# --- servers --------------------------------------------------------------------------------------------------------
def reverse_proxy(upstream: str, prefix: str) -> Starlette:
    """A minimal reverse proxy like a lab's nginx: `prefix/...` -> upstream `/...`, responses streamed (SSE),
    Host and X-Forwarded-* set the way the README's nginx recipe sets them."""
    client = httpx.AsyncClient(base_url=upstream, timeout=None)
    hop_by_hop = {"connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"}

    async def forward(request: Request) -> StreamingResponse:
        path = request.url.path[len(prefix):] or "/"
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in hop_by_hop]
        headers += [("host", request.headers["host"]), ("x-forwarded-host", request.headers["host"]),
                    ("x-forwarded-proto", "http"),
                    ("x-forwarded-for", request.client.host if request.client else "127.0.0.1")]
        upstream_request = client.build_request(
            request.method, httpx.URL(path=path, query=request.url.query.encode()), headers=headers,
            content=await request.body(),
        )
        response = await client.send(upstream_request, stream=True)
        kept = {k: v for k, v in response.headers.items() if k.lower() not in hop_by_hop}
        return StreamingResponse(response.aiter_raw(), status_code=response.status_code, headers=kept,
                                 background=BackgroundTask(response.aclose))

    async def add_slash(request: Request) -> RedirectResponse:
        return RedirectResponse(prefix + "/")

    methods = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"]
    return Starlette(routes=[Route(prefix, add_slash), Route(prefix + "/{rest:path}", forward, methods=methods)])


class _WikiPages(BaseHTTPRequestHandler):
    pages: dict[str, str] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = self.pages.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write((body or "not found").encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def wiki() -> Iterator[Callable[[str, str], str]]:
    """A stand-in for a lab wiki on its own origin: `publish(path, html)` returns the page's URL."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _WikiPages)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def publish(path: str, html: str) -> str:
        _WikiPages.pages[path] = html
        return f"http://127.0.0.1:{server.server_port}{path}"

    yield publish
    server.shutdown()


@pytest.fixture(scope="module")
def app(small_app: Any) -> Any:
    return small_app


@pytest.fixture(scope="module")
def proxied_app(app_launcher: Any, small_store: Path, small_listing: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app started with root_path /papers, reachable only through a reverse proxy at /papers/."""
    log_dir = tmp_path_factory.mktemp("proxied-log")
    with (
        app_launcher(small_store, small_listing, args=("--root-path", "/papers"), log_dir=log_dir) as server,
        serving_in_thread(reverse_proxy(server.url.rstrip("/"), "/papers")) as url,
    ):
        yield url + "/papers/"


# --- browser ----------------------------------------------------------------------------------------------------------


# --- helpers: what the user does and sees -----------------------------------------------------------------------------


def record_streaming(page: Page) -> None:
    """Keep every text the last assistant message shows, to prove the answer arrived in pieces."""
    page.evaluate("""() => {
      window.__shown = [];
      new MutationObserver(() => {
        const bots = document.querySelectorAll('#pa-chat [data-testid="bot"]');
        if (bots.length) window.__shown.push(bots[bots.length - 1].innerText);
      }).observe(document.querySelector('#pa-chat'), {subtree: true, childList: true, characterData: true});
    }""")


# --- the tests --------------------------------------------------------------------------------------------------------
def test_question_streams_a_cited_answer_then_a_follow_up_and_a_summary(page: Page, app: Any) -> None:
    page.goto(app.url)
    app_ready(page)
    expect(page.locator("#pa-chat")).to_contain_text(QUESTION)  # the example questions on first load
    record_streaming(page)
    ask(page, QUESTION)
    first = wait_for_answer(page, 1)
    shown = page.evaluate("window.__shown")
    assert any("▌" in text for text in shown), "the answer should appear in pieces while it streams"

    link = first.locator(f"a[href='{OVERSQUASHING_URL}']")
    expect(link).to_have_count(1)
    assert re.fullmatch(r"\[\d+\]", link.inner_text().strip())
    card = page.locator("#pa-sources .pa-card").first  # cited papers come first
    expect(card).to_have_attribute("data-paper-id", OVERSQUASHING_ID)
    title = "Understanding over-squashing and bottlenecks on graphs via curvature"
    expect(card.locator(".pa-title")).to_have_text(title)
    expect(card.locator(".pa-badge")).to_have_text("Oral")
    expect(card.locator(".pa-authors")).to_contain_text("Jake Topping")
    expect(card.locator(f"a[href='{OVERSQUASHING_URL}']")).to_have_text("OpenReview")
    expect(card.locator(f"a[href='https://openreview.net/pdf?id={OVERSQUASHING_ID}']")).to_have_text("PDF")
    expect(card.locator(".pa-abstract p")).to_be_hidden()
    card.locator(".pa-abstract summary").click()
    expect(card.locator(".pa-abstract p")).to_contain_text("message passing")
    before = card_ids(page)

    ask(page, "which of them are orals?")
    second = wait_for_answer(page, 2)
    expect(page.locator("#pa-chat [data-testid='user']").nth(1)).to_have_text("which of them are orals?")
    expect(second.locator(f"a[href='{OVERSQUASHING_URL}']")).to_have_count(1)
    after = card_ids(page)
    assert after and set(after) <= set(before), "a follow-up answers from the papers of the conversation"

    page.locator("#pa-summarize").click()
    summary = wait_for_answer(page, 3)
    expect(page.locator("#pa-chat [data-testid='user']").nth(2)).to_contain_text("Summarize")
    assert summary.locator("a[href^='https://openreview.net/forum?id=']").count() >= 1


def test_more_like_this_export_and_new_chat(page: Page, app: Any) -> None:
    page.goto(app.url)
    app_ready(page)
    ask(page, EXPLAIN_QUESTION)
    wait_for_answer(page, 1)

    page.locator("#pa-export").get_by_text("Export").click()
    export = page.locator("#pa-export-md textarea")
    expect(export).to_have_value(re.compile(r"^\*\*Q:\*\* what causes over-squashing"))
    assert f"<{OVERSQUASHING_URL}>" in export.input_value()  # the reference list
    with page.expect_download() as download:
        page.locator("#pa-download-bib").click()
    bib = Path(download.value.path()).read_text(encoding="utf-8")
    assert "@inproceedings{topping2022" in bib and f"url = {{{OVERSQUASHING_URL}}}" in bib

    picked = card_ids(page)[1:3]
    for pid in picked:
        page.locator(f"#pa-sources .pa-card[data-paper-id='{pid}'] input[data-action='select']").check()
    expect(page.locator("#pa-summarize")).to_have_text("Summarize 2 selected papers")
    page.locator("#pa-summarize").click()
    summary = wait_for_answer(page, 2)
    expect(page.locator("#pa-chat [data-testid='user']").nth(1)).to_have_text("Summarize these 2 papers")
    cited = summary.locator("a[href^='https://openreview.net/forum?id=']").evaluate_all(
        "links => links.map(a => new URL(a.href).searchParams.get('id'))")
    assert cited and set(cited) <= set(picked)
    assert sorted(card_ids(page)) == sorted(picked)

    page.locator(f"#pa-sources .pa-card[data-paper-id='{picked[0]}'] .pa-similar").click()
    similar = bot_messages(page).nth(2)
    expect(similar).to_contain_text("Papers most similar to")
    expect(page.locator("#pa-sources .pa-sources-head")).to_contain_text("similar to")
    assert picked[0] not in card_ids(page) and len(card_ids(page)) >= 3

    page.locator("#pa-new-chat").click()
    expect(bot_messages(page)).to_have_count(0)
    expect(page.locator("#pa-sources")).to_contain_text("Sources of the answer appear here")


def test_hostile_listing_text_renders_as_text_in_chat_and_sources(page: Page, app: Any) -> None:
    page.goto(app.url)
    app_ready(page)
    ask(page, "which papers study hostile markup in listing text? <img src=x onerror=alert('question')>")
    answer = wait_for_answer(page, 1)
    expect(page.locator("#pa-chat [data-testid='user']").first).to_contain_text("<img src=x onerror=alert('question')>")

    card = page.locator("#pa-sources .pa-card").filter(has=page.locator(".pa-title", has_text=HOSTILE_TITLE))
    expect(card).to_have_count(1)
    expect(card.locator(".pa-title")).to_have_text(HOSTILE_TITLE)
    expect(card.locator(".pa-authors")).to_have_text("<b>Mallory</b> Hacker")
    card.locator(".pa-abstract summary").click()
    expect(card.locator(".pa-abstract p")).to_contain_text("<script>alert('abstract')</script>")
    expect(card.locator(".pa-abstract p")).to_contain_text("${alert(3)} with {{constructor}}")
    expect(answer).to_contain_text(HOSTILE_TITLE)  # the offline answer names the paper: as text

    card.locator(".pa-similar").click()
    expect(page.locator("#pa-chat [data-testid='user']").nth(1)).to_contain_text(f"More like this: {HOSTILE_TITLE}")
    expect(page.locator("#pa-sources .pa-sources-head")).to_contain_text(HOSTILE_TITLE)

    for scope in ("#pa-chat", "#pa-sources"):
        assert page.locator(f"{scope} img[src='x'], {scope} script, {scope} b").count() == 0
    assert page.evaluate("() => document.querySelectorAll('[onerror]').length") == 0


def test_deep_link_opens_the_app_with_the_question_answered(page: Page, app: Any) -> None:
    page.goto(f"{app.url}?q={quote_plus(QUESTION)}")
    answer = wait_for_answer(page, 1)
    expect(page.locator("#pa-chat [data-testid='user']").first).to_have_text(QUESTION)
    expect(answer.locator(f"a[href='{OVERSQUASHING_URL}']")).to_have_count(1)


def test_filters_apply_to_questions_and_can_come_from_the_link(page: Page, app: Any) -> None:
    page.goto(f"{app.url}?q=graph+neural+networks&decision=Spotlight")
    wait_for_answer(page, 1)
    page.locator("#pa-filters").get_by_text("Filters").click()
    expect(page.locator("#pa-decision").get_by_label("Spotlight")).to_be_checked()
    badges = page.locator("#pa-sources .pa-card .pa-badge")
    expect(badges.first).to_be_visible()
    assert set(badges.all_text_contents()) == {"Spotlight"}  # text content: cards in closed sections count too

    page.locator("#pa-decision").get_by_label("Spotlight").uncheck()
    page.locator("#pa-author input, #pa-author textarea").fill("Bronstein")
    ask(page, "graphs")
    wait_for_answer(page, 2)
    authors = page.locator("#pa-sources .pa-card .pa-authors").all_text_contents()
    assert authors and all("Bronstein" in a for a in authors)


def test_app_answers_inside_an_iframe_behind_a_reverse_proxy(
    page: Page, proxied_app: str, wiki: Callable[[str, str], str]
) -> None:
    url = wiki("/wiki/papers.html", f"""<!doctype html><html><body><h1>Lab wiki</h1>
        <iframe id="assistant" src="{proxied_app}" width="1300" height="900" style="border:0"></iframe>
        </body></html>""")
    page.goto(url)
    frame = page.frame_locator("#assistant")
    expect(frame.locator("#pa-status")).to_contain_text("papers ·", timeout=TIMEOUT)
    frame.locator("#pa-question textarea").fill(QUESTION)
    frame.locator("#pa-question textarea").press("Enter")
    answer = frame.locator("#pa-chat [data-testid='bot']").first
    expect(answer).to_contain_text(OFFLINE_MARK)
    expect(answer.locator(f"a[href='{OVERSQUASHING_URL}']")).to_have_count(1)
    expect(frame.locator(f"#pa-sources .pa-card[data-paper-id='{OVERSQUASHING_ID}']")).to_have_count(1)


def test_app_answers_as_a_web_component_on_a_wiki_page(page: Page, app: Any, wiki: Callable[[str, str], str]) -> None:
    url = wiki("/wiki/component.html", f"""<!doctype html><html><body><h1>Lab wiki</h1>
        <script type="module" src="{app.url}gradio.js"></script>
        <gradio-app src="{app.url}"></gradio-app></body></html>""")
    page.goto(url)
    component = page.locator("gradio-app")
    expect(component.locator("#pa-status")).to_contain_text("papers ·", timeout=TIMEOUT)
    ask(page, QUESTION)
    answer = wait_for_answer(page, 1)
    expect(answer.locator(f"a[href='{OVERSQUASHING_URL}']")).to_have_count(1)


def test_first_run_shows_indexing_progress_then_answers(
    page: Page, app_launcher: Any, tmp_path: Path, small_listing: Path
) -> None:
    """An empty store: the page is served at once, shows the indexing progress, and a question asked meanwhile
    is answered as soon as the listing is in."""
    bigger = tmp_path / "iclr2022" / "first-run.jsonl"
    bigger.parent.mkdir()
    lines = small_listing.read_text(encoding="utf-8").splitlines()
    source = Path(__file__).resolve().parent.parent / "data" / "iclr2022" / "accepted.jsonl"
    extra = [line for line in source.read_text(encoding="utf-8").splitlines()[1:270:3]]
    bigger.write_text("\n".join(dict.fromkeys(lines + extra)) + "\n", encoding="utf-8")
    total = len(dict.fromkeys(lines + extra))
    with app_launcher(tmp_path / "empty-store", bigger, log_dir=tmp_path) as server:
        page.goto(server.url)
        status = page.locator("#pa-status")
        expect(status).to_contain_text(re.compile(r"Opening the store|First run: indexing"))
        ask(page, QUESTION)
        expect(status).to_contain_text(f"/ {total:,} papers")
        expect(bot_messages(page).first).to_contain_text(re.compile(r"Indexing the listing first|Opening the store"))
        answer = wait_for_answer(page, 1, OFFLINE_MARK)
        expect(answer.locator(f"a[href='{OVERSQUASHING_URL}']")).to_have_count(1)
        expect(status).to_contain_text(f"{total:,} papers ·")
        assert f"indexing the listing: {total:,} / {total:,} papers" in server.output()


def test_llm_answers_are_marked_with_the_model_and_a_failure_falls_back_with_a_notice(
    page: Page, app_launcher: Any, small_store: Path, small_listing: Path, tmp_path: Path, openai_stub: Any
) -> None:
    """Against a scripted OpenAI-compatible server: the answer streams in, names the model, and its citation links
    to the paper; model text is escaped like listing text. When the endpoint fails, the offline answer follows with
    a notice. The API key shows up nowhere."""
    from tests.openai_stub import Reply

    def cite_oversquashing(body: dict[str, Any]) -> str:
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        n = re.search(rf'<paper n="(\d+)" id="{OVERSQUASHING_ID}">', prompt)
        cite = n.group(1) if n else "99"
        return f"Over-squashing is studied by the curvature paper [{cite}]. <img src=x onerror=alert('llm')>"

    openai_stub.script(Reply(fn=cite_oversquashing, chunk_delay=0.05), Reply(status=500))
    key = "sk-test-PLANTED-ui-0123456789abcdef"
    env = {"ASSISTANT_LLM": "openai", "ASSISTANT_LLM_MODEL": openai_stub.model, "OPENAI_BASE_URL": openai_stub.base_url,
           "OPENAI_API_KEY": key, "ASSISTANT_LLM_RETRIES": "0", "ASSISTANT_LLM_TIMEOUT": "20"}
    with app_launcher(small_store, small_listing, env=env, log_dir=tmp_path) as server:
        page.goto(server.url)
        expect(page.locator("#pa-status")).to_contain_text(f"answers by the LLM {openai_stub.model}")
        record_streaming(page)
        ask(page, EXPLAIN_QUESTION)
        answer = wait_for_answer(page, 1, f"Answered by the LLM {openai_stub.model}")
        assert any("▌" in text for text in page.evaluate("window.__shown"))
        expect(answer.locator(f"a[href='{OVERSQUASHING_URL}']")).to_have_count(1)
        expect(answer).to_contain_text("<img src=x onerror=alert('llm')>")

        ask(page, "how can graph rewiring help message passing?")
        fallback = wait_for_answer(page, 2, OFFLINE_MARK)
        expect(fallback).to_contain_text("Notice:")
        expect(fallback).to_contain_text("offline answer instead")
        assert key not in page.content() and key not in server.output()


# --- listing and model text: no links, no citations, no sideways scrolling (issue 10, items 5, 6, 8, 9) ------------
EVIL = ("https://evil.example/phish", "www.evil.example", "HTTP://EVIL.EXAMPLE/x", "mailto:phish@evil.example",
        "evil.example/x")
LONG_WORD = "w" * 12_000
LINKS_ID = "PhishLinks1"


def text_attack_records(small: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Three real papers and one whose abstract carries bare URLs, reference markers and a 12,000-character word
    (and zero-width characters in its title and names)."""
    real = [r for r in small if r["id"] == OVERSQUASHING_ID] + [r for r in small if r["id"] != OVERSQUASHING_ID][:2]
    links = {
        "id": LINKS_ID, "title": "Phishing links in listing text, the long\u200b word and the soft\u00adhyphen",
        "authors": ["Eve Zero\u2060width"], "decision": "Poster",
        "abstract": f"Phishing links in listing text: visit {', '.join(EVIL)} as [1] and [2] did. A long word: "
                    f"{LONG_WORD} ends here.",
    }
    return [*real, links]


@pytest.fixture(scope="module")
def text_attack_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import json

    from assistant import service
    from tests.conftest import make_settings, small_listing_records

    folder = tmp_path_factory.mktemp("text-attacks") / "iclr2022"
    folder.mkdir()
    listing = folder / "text-attacks.jsonl"
    records = text_attack_records(small_listing_records())
    listing.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    store = folder.parent / "store"
    service.ingest([listing], make_settings(store), "iclr2022")
    return store, listing


def own_links(scope: Any) -> list[str]:
    return [str(h) for h in scope.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")]


def scrolls_sideways(page: Page, selector: str) -> list[str]:
    """Elements under `selector` whose content is wider than their box (a long word running out of it)."""
    return list(page.evaluate(
        """sel => [...document.querySelectorAll(sel)].filter(e => e.scrollWidth > e.clientWidth + 1)
                    .map(e => `${e.tagName}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`)""",
        selector,
    ))


def test_listing_text_makes_no_links_no_citations_and_wraps(
    page: Page, app_launcher: Any, text_attack_store: tuple[Path, Path], tmp_path: Path, openai_stub: Any
) -> None:
    """An LLM answer with bare URLs and a 3,000-character word, then (the endpoint failing) the offline answer
    quoting an abstract with bare URLs and its own [1], [2]: the only links in the chat are citation links to the
    cited papers, and neither a message, a card nor the panels scroll sideways."""
    from tests.openai_stub import Reply

    def with_urls(body: dict[str, Any]) -> str:
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        n = re.search(rf'<paper n="(\d+)" id="{LINKS_ID}">', prompt)
        return f"Model text: {' and '.join(EVIL)} and {'m' * 3000} [{n.group(1) if n else 1}]."

    openai_stub.script(Reply(fn=with_urls), Reply(status=500))
    store, listing = text_attack_store
    env = {"ASSISTANT_LLM": "openai", "ASSISTANT_LLM_MODEL": openai_stub.model, "OPENAI_BASE_URL": openai_stub.base_url,
           "OPENAI_API_KEY": "sk-test-unused-text-0000", "ASSISTANT_LLM_RETRIES": "0"}
    with app_launcher(store, listing, env=env, log_dir=tmp_path) as server:
        page.goto(server.url)
        expect(page.locator("#pa-status")).to_contain_text(f"answers by the LLM {openai_stub.model}")
        ask(page, "What do the abstracts say about phishing links in listing text?")  # explain: the model writes
        llm = wait_for_answer(page, 1, f"Answered by the LLM {openai_stub.model}")
        expect(llm).to_contain_text("https://evil.example/phish")  # shown, as text
        assert own_links(llm) == [f"https://openreview.net/forum?id={LINKS_ID}"]

        ask(page, "which papers study phishing links in listing text?")
        offline = wait_for_answer(page, 2, OFFLINE_MARK)
        for url in EVIL:
            expect(offline).to_contain_text(url)
        expect(offline).to_contain_text("as (1) and (2) did")  # the abstract's own markers, inert
        links = own_links(offline)
        assert links and all(h.startswith("https://openreview.net/forum?id=") for h in links), links
        assert f"https://openreview.net/forum?id={LINKS_ID}" in links
        assert page.locator("#pa-chat a[href*='evil'], #pa-chat a[href^='mailto:']").count() == 0

        card = page.locator(f"#pa-sources .pa-card[data-paper-id='{LINKS_ID}']")
        expect(card.locator(".pa-title")).to_have_text(
            "Phishing links in listing text, the long word and the softhyphen")
        expect(card.locator(".pa-authors")).to_have_text("Eve Zerowidth")
        card.locator(".pa-abstract summary").click()
        expect(card.locator(".pa-abstract p")).to_contain_text(LONG_WORD[:100])
        assert LONG_WORD in card.locator(".pa-abstract p").inner_text()  # all of it, wrapped
        assert scrolls_sideways(page, "#pa-sources, #pa-sources .pa-card, #pa-sources .pa-card *") == []
        assert scrolls_sideways(page, "#pa-chat [data-testid='bot'], #pa-chat [data-testid='bot'] *") == []
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_search_panel_says_what_the_query_was_read_as_above_the_results(page: Page, app: Any) -> None:
    """A near-miss name in the Search panel: the reading (the chat's notice) above the author's papers; the /search
    API returns the same reading and papers."""
    from gradio_client import Client

    page.goto(app.url)
    app_ready(page)
    page.locator("#pa-search-panel").get_by_text("Search").first.click()
    box = page.locator("#pa-search-query textarea, #pa-search-query input").first
    box.fill("papers by Michael Bronstien")
    box.press("Enter")
    said = "Reading \u2018Michael Bronstien\u2019 as Michael M. Bronstein. Filtered: by Michael M. Bronstein."
    reading = page.locator("#pa-search-results .pa-search-reading")
    expect(reading).to_have_text(said)
    cards = page.locator("#pa-search-results .pa-card")
    expect(cards.first).to_be_visible()
    ids = cards.evaluate_all("cards => cards.map(c => c.dataset.paperId)")
    assert OVERSQUASHING_ID in ids
    assert all("Bronstein" in a for a in cards.locator(".pa-authors").all_text_contents())
    above, first = reading.bounding_box(), cards.first.bounding_box()
    assert above is not None and first is not None and above["y"] + above["height"] <= first["y"]

    found = Client(app.url, verbose=False).predict("papers by Michael Bronstien", api_name="/search")
    assert found["reading"] == said
    assert [r["id"] for r in found["results"]] == ids
