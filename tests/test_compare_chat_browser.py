"""A comparison table in the chat, in a real browser (Debian's chromium, Playwright) against `python app.py` over the
small real listing: the question gets a rendered table whose rows cite their papers, and the hostile record's
markup in the table is text (the `page` fixture fails on any dialog)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from assistant.analysis.compare import DEFAULT_COLUMNS

from .browser import HOSTILE_TITLE, TIMEOUT, app_ready, ask, wait_for_answer

pytestmark = pytest.mark.browser
TABLE_MARK = "Each cell is the sentence of the paper's abstract that states it"


def test_a_comparison_question_shows_a_cited_table_with_listing_text_inert(page: Page, small_app: Any) -> None:
    page.goto(small_app.url)
    app_ready(page)
    ask(page, "compare the papers on hostile markup in terms of hostile markup, method")
    answer = wait_for_answer(page, 1, TABLE_MARK)
    table = answer.locator("table")
    expect(table).to_have_count(1, timeout=TIMEOUT)
    expect(table.locator("th")).to_have_text(["Paper", "Hostile markup", "Method"])
    row = table.locator("tbody tr").filter(has_text=HOSTILE_TITLE)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_contain_text("<script>alert('abstract')</script>")  # the quote, as text
    expect(row.locator("td").nth(1)).to_contain_text("[link](javascript:alert(4))")
    rows = table.locator("tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        expect(rows.nth(i).locator("td").first).to_contain_text(f"[{i + 1}]")
    assert page.locator("#pa-chat img[src='x'], #pa-chat script, #pa-chat a[href^='javascript']").count() == 0
    assert page.evaluate("() => document.querySelectorAll('[onerror]').length") == 0


def test_a_default_table_of_a_topic_fits_the_chat(page: Page, small_app: Any) -> None:
    """Six columns of abstract sentences in the chat column: words stay whole (a cell is at least 12em wide) and the
    table scrolls inside its own box; neither the message nor the page scrolls sideways."""
    page.goto(small_app.url)
    app_ready(page)
    ask(page, "compare the papers on graph neural networks")
    answer = wait_for_answer(page, 1, TABLE_MARK)
    table = answer.locator("table")
    expect(table.locator("th")).to_have_text(["Paper", *DEFAULT_COLUMNS])
    assert table.locator("tbody tr").count() >= 3
    widths = table.locator("td").evaluate_all("cells => cells.map(c => c.getBoundingClientRect().width)")
    assert min(widths) >= 12 * 0.9 * 14  # 12em of the table's 0.9em text (14px at least)
    wide = page.evaluate("""() => [...document.querySelectorAll(
        "#pa-chat [data-testid='bot'], #pa-chat [data-testid='bot'] *")].filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => e.tagName)""")
    assert set(wide) <= {"TABLE"}, wide
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
