"""The Search panel: a query searched as the chat reads a question (filters its words name, typos, an author's
name read from a near miss, the glossary's term), the papers best first, and above them what the query was read as
(`service.search_with_reading`; the text is the chat's notice, written below this layer). The filters of the chat
column (listing, decision, keyword, author) apply. Rendering only: every text goes through assistant.web.render."""

from __future__ import annotations

from typing import Any

import gradio as gr

from .. import service
from ..settings import Settings
from . import render
from .admission import CONCURRENCY_GROUP, Admission, user_error
from .page import Page
from .session import make_filters


class SearchPanel:
    """The panel's components, below the page's layout whose filters it reads. Build inside the Blocks context,
    then `wire`."""

    def __init__(self, settings: Settings, page: Page, admission: Admission) -> None:
        self.settings, self.page, self.admission = settings, page, admission
        with gr.Accordion("Search", open=False, elem_id="pa-search-panel"):
            with gr.Row():
                self.query = gr.Textbox(
                    show_label=False, placeholder="Search the papers… (Enter to search)", scale=6, container=False,
                    max_length=settings.max_question_chars, elem_id="pa-search-query",
                )
                self.button = gr.Button("Search", scale=1, min_width=80, elem_id="pa-search-btn")
            self.results = gr.HTML(render.search_html("", []), elem_id="pa-search-results")

    def wire(self) -> None:
        page = self.page
        costly: dict[str, Any] = {
            "concurrency_id": CONCURRENCY_GROUP, "concurrency_limit": self.settings.ui_concurrency,
            "api_visibility": "private",
        }
        inputs = [self.query, page.collection, page.decision, page.keyword, page.author]
        for trigger in (self.query.submit, self.button.click):
            trigger(self.show_results, inputs, [self.results], **costly)  # named apart from the /search API

    def show_results(
        self, query: str | None, collection: str | None, decision: list[str] | None, keyword: str | None,
        author: str | None, request: gr.Request,
    ) -> str:
        """The results of a query, with its reading above them; an error in the panel, the app stays up."""
        query = (query or "").strip()
        if not query:
            return render.search_html("", [])
        try:
            self.admission.admit(request, query)
            for _ in self.admission.wait_until_ready():
                pass  # a first-run ingest: the search waits for it
            found = service.search_with_reading(query, self.settings, filters=make_filters(decision, keyword, author),
                                                collection=collection or None)
        except gr.Error as exc:
            return render.search_error_html(str(exc.message))
        except Exception as exc:  # noqa: BLE001 - shown in the panel, the app stays up
            return render.search_error_html(user_error(exc))
        return render.search_html(found.reading, found.hits)
