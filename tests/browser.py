"""What a browser test does and sees in the app: Debian's chromium, the question box, the answers, the cards. The
`browser` and guarded `page` fixtures are in conftest.py; the tests are test_*_browser.py."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Frame, Page, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
TIMEOUT = 60_000  # ms: answers take about a second offline; a busy 2-core machine can be much slower
OFFLINE_MARK = "Offline answer: sentences extracted from the abstracts"
# The small listing's test data (tests/fixtures): a set question with one match, and the hostile record's title.
QUESTION = "which papers study over-squashing?"
HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
Scope = Page | Frame


def ask(scope: Scope, question: str) -> None:
    box = scope.locator("#pa-question textarea")
    box.fill(question)
    box.press("Enter")


def bot_messages(scope: Scope) -> Any:
    return scope.locator("#pa-chat [data-testid='bot']")


def wait_for_answer(scope: Scope, n: int, mark: str = OFFLINE_MARK) -> Any:
    """The n-th (1-based) assistant message, once complete (its answer-mode mark is shown)."""
    message = bot_messages(scope).nth(n - 1)
    expect(message).to_contain_text(mark, timeout=TIMEOUT)
    return message


def card_ids(scope: Scope) -> list[str]:
    return [str(i) for i in scope.locator("#pa-sources .pa-card").evaluate_all("cs => cs.map(c => c.dataset.paperId)")]


def app_ready(page: Page) -> None:
    expect(page.locator("#pa-status")).to_contain_text("papers ·", timeout=TIMEOUT)
