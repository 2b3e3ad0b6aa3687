"""The app's topic map and comparison table (issue 12): their components, handlers and API endpoints, added to
the Blocks app by `PaperAssistantUI` (app.py). Rendering only: the map and the tables come from assistant.service,
every text shown goes through assistant.web.tables / assistant.web.render (escaped).

- Map (accordion "Topic map", opened by `?view=map`): hover a point for its paper; click it for its card and
  similar papers in the sources panel; click a topic to scope the next question and "Summarize" to it. The papers
  of the current answer are drawn larger, on top.
- Compare (accordion "Compare these papers"): a table of the selected papers (else the topic picked on the map,
  else the answer's papers), exported as CSV and as Markdown with references.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Any

import gradio as gr
from gradio.events import api as gradio_api

from .. import service
from ..errors import AssistantError
from ..service import DEFAULT_COLUMNS, MAX_PAPERS, Comparison, TopicMap
from ..settings import Settings
from ..types import Filters, Hit
from . import assets, render, session
from .admission import CONCURRENCY_GROUP, Admission, user_error
from .api import checked_arguments
from .page import Page
from .session import SIMILAR_K, Conversation, Exports
from .startup import Startup
from .tables import comparison_csv, comparison_html, comparison_markdown, map_html

log = logging.getLogger(__name__)

SCOPE_LIMIT = 200  # papers a topic scope may hold (a summary of them reads every abstract)
MAP_PLACEHOLDER = '<div class="pa-map pa-empty">The topic map of the listing appears here when it is ready.</div>'


class MapAndCompare:
    """The map and compare panels of one app, below the page's layout (page.py) whose session, sources panel and
    summarize button they share. Build inside the Blocks context, then `wire` and `api`."""

    def __init__(self, settings: Settings, startup: Startup, page: Page, admission: Admission,
                 exports: Exports) -> None:
        self.settings, self.startup, self.page = settings, startup, page
        self.admission, self.exports = admission, exports
        with gr.Accordion("Topic map", open=False, elem_id="pa-map-panel") as self.map_panel:
            self.scope_note = gr.HTML("", elem_id="pa-scope-note")
            self.map_html = gr.HTML(MAP_PLACEHOLDER, elem_id="pa-map", js_on_load=assets.read("map.js"))
        with gr.Accordion("Compare these papers", open=False, elem_id="pa-compare-panel"):
            with gr.Row():
                self.columns = gr.Textbox(
                    value=", ".join(DEFAULT_COLUMNS), label="Columns (comma-separated; add your own, e.g. "
                    "“code available?”, “uses RL?”)", max_length=600, scale=5, elem_id="pa-compare-columns",
                )
                self.compare_btn = gr.Button("Compare these papers", scale=1, elem_id="pa-compare-btn")
            self.table = gr.HTML(comparison_html(Comparison([], [])), elem_id="pa-compare")
            with gr.Row():
                self.download_csv = gr.DownloadButton("Table (.csv)", interactive=False, size="sm",
                                                      elem_id="pa-download-csv")
                self.download_table_md = gr.DownloadButton("Table with references (.md)", interactive=False,
                                                           size="sm", elem_id="pa-download-table-md")
        threading.Thread(target=self._warm, name="topic-map", daemon=True).start()

    def _warm(self) -> None:
        """Compute the default listing's map once the store is ready, so the first look does not wait."""
        self.startup.wait()
        if self.startup.phase != "ready":
            return
        try:
            service.topic_map(self.settings)
        except Exception:  # noqa: BLE001 - the map is computed again on first use; the app stays up
            log.exception("computing the topic map failed")

    # --- wiring -------------------------------------------------------------------------------------------------
    def wire(self, demo: gr.Blocks) -> None:
        page = self.page
        quick: dict[str, Any] = {"queue": False, "api_visibility": "private"}
        costly: dict[str, Any] = {
            "concurrency_id": CONCURRENCY_GROUP, "concurrency_limit": self.settings.ui_concurrency,
            "api_visibility": "private",
        }
        # Drawing a computed map takes milliseconds: its own queue lane, never behind answers.
        drawing: dict[str, Any] = {"concurrency_id": "map", "concurrency_limit": 2, "api_visibility": "private"}
        map_out = [self.map_html, self.scope_note]
        self.map_panel.expand(self.show_map, [page.conv], map_out, show_progress="minimal", **costly)
        page.sources.change(self.highlight, [page.conv], map_out, show_progress="hidden", **drawing)
        self.map_html.click(self.map_action, [page.conv], [page.conv, page.sources, page.summarize_btn, *map_out],
                            show_progress="hidden", **costly)
        self.compare_btn.click(self.compare_table, [page.conv, self.columns],
                               [self.table, self.download_csv, self.download_table_md], **costly)
        demo.load(self.on_load, None, [self.map_panel, *map_out], js=assets.read("scroll_to_map.js"), **quick)

    def api(self, common: dict[str, Any]) -> None:
        gradio_api(self.api_map, api_name="map", **common)
        gradio_api(self.api_compare, api_name="compare", **common)

    # --- state shared with the chat -----------------------------------------------------------------------------
    @staticmethod
    def scoped(conv: Conversation, filters: Filters | None) -> Filters | None:
        """The filters of the next question: a topic picked on the map narrows them to its papers (once)."""
        if not conv.scope:
            return filters
        ids, conv.scope, conv.scope_label = tuple(conv.scope), [], ""
        return replace(filters or Filters(), ids=ids)

    # --- handlers -----------------------------------------------------------------------------------------------
    def _collection(self, conv: Conversation | None) -> str:
        return (conv.collection if conv else None) or self.settings.collection

    def _map(self, conv: Conversation | None) -> TopicMap:
        if not self.startup.wait(timeout=1.0) or self.startup.phase != "ready":
            raise AssistantError("The listing is still being indexed; the map follows as soon as it is in.")
        return service.topic_map(self.settings, self._collection(conv))

    def _render(self, conv: Conversation | None) -> dict[Any, Any]:
        topic_map = self._map(conv)
        papers = {p.id: p for p in service.papers([p.id for p in topic_map.points], self.settings,
                                                  topic_map.collection)}
        cited = [c.id for c in conv.citations] if conv else []
        lit = cited or ([h.paper.id for h in conv.hits] if conv else [])
        scope = conv.scope_cluster if conv and conv.scope else None
        return {self.map_html: map_html(topic_map, papers, lit, scope), self.scope_note: self._scope_note(conv)}

    @staticmethod
    def _scope_note(conv: Conversation | None) -> str:
        if not conv or not conv.scope:
            return ""
        return (f'<div class="pa-scope-note">The next question and “Summarize” are scoped to the topic '
                f"<b>{render.escape_html(conv.scope_label)}</b>; click it again to clear.</div>")

    def highlight(self, conv: Conversation | None) -> dict[Any, Any]:
        """After an answer: redraw the map with its papers lit, if the map is computed (an answer never waits
        for a first computation; opening the map does)."""
        if service.computed_topic_map(self.settings, self._collection(conv)) is None:
            return {self.map_html: gr.skip()}
        return self.show_map(conv)

    def show_map(self, conv: Conversation | None) -> dict[Any, Any]:
        try:
            return self._render(conv)
        except Exception as exc:  # noqa: BLE001 - shown in the panel, the app stays up
            message = render.escape_html(user_error(exc))
            return {self.map_html: f'<div class="pa-map pa-empty">{message}</div>', self.scope_note: ""}

    def on_load(self, request: gr.Request) -> dict[Any, Any]:
        """`?view=map` opens the map (the page script scrolls to it)."""
        params = dict(request.query_params) if request is not None else {}
        if params.get("view") != "map":
            return {self.map_panel: gr.skip()}
        return {self.map_panel: gr.Accordion(open=True), **self.show_map(None)}

    def map_action(self, conv: Conversation | None, evt: gr.EventData, request: gr.Request) -> dict[Any, Any]:
        """A click on the map: a topic (scope the next question to it, or clear the scope), or a paper (its card
        and the papers most like it in the sources panel)."""
        conv = conv or Conversation()
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        try:
            self.admission.admit(request)
            if data.get("action") == "cluster":
                self._toggle_scope(conv, int(data.get("cluster", -1)))
                return {self.page.conv: conv, self.page.summarize_btn: gr.Button(value=self.summarize_label(conv)),
                        **self._render(conv)}
            if data.get("action") == "point":
                return self._point(conv, str(data.get("paper_id") or ""))
        except gr.Error:
            raise
        except Exception as exc:  # noqa: BLE001 - a clear message, the app stays up
            gr.Warning(user_error(exc))
        return {self.page.conv: gr.skip()}

    def _toggle_scope(self, conv: Conversation, cluster: int) -> None:
        topic_map = self._map(conv)
        picked = next((c for c in topic_map.clusters if c.id == cluster), None)
        if picked is None or (conv.scope and conv.scope_cluster == cluster):
            conv.scope, conv.scope_label, conv.scope_cluster = [], "", -1
            return
        conv.scope = topic_map.members(cluster)[:SCOPE_LIMIT]
        conv.scope_label, conv.scope_cluster = picked.label, cluster
        conv.collection = conv.collection or topic_map.collection

    def _point(self, conv: Conversation, paper_id: str) -> dict[Any, Any]:
        collection = self._collection(conv)
        found = service.papers([paper_id], self.settings, collection)
        if not found:
            gr.Warning("That paper is not in the listing any more; reopen the map.")
            return {self.page.conv: gr.skip()}
        paper = found[0]
        similar = service.similar(paper_id, self.settings, k=SIMILAR_K, collection=collection)
        conv.hits, conv.citations, conv.selected = [Hit(paper, 1.0), *similar], [], []
        conv.heading = f"From the map: “{paper.title}” and {len(similar)} papers like it"
        conv.collection = collection
        return {self.page.conv: conv,
                self.page.sources: render.sources_html(conv.hits, conv.citations, conv.heading)}

    def summarize_label(self, conv: Conversation) -> str:
        if conv.scope:
            return f"Summarize the topic's {len(conv.scope)} papers"
        return session.summarize_label(conv)

    @staticmethod
    def summary_ids(conv: Conversation) -> list[str]:
        """The papers "Summarize" covers when a topic is picked on the map (its papers; the scope is then used)."""
        if not conv.scope:
            return []
        ids, conv.scope, conv.scope_label = list(conv.scope), [], ""
        return ids

    # --- compare ------------------------------------------------------------------------------------------------
    @staticmethod
    def compare_ids(conv: Conversation) -> list[str]:
        """Which papers to compare: the ticked ones, else the topic picked on the map, else the answer's papers
        (cited ones first)."""
        if conv.selected:
            return conv.selected[:MAX_PAPERS]
        if conv.scope:
            return conv.scope[:MAX_PAPERS]
        cited = list(dict.fromkeys(c.id for c in conv.citations))
        rest = [h.paper.id for h in conv.hits if h.paper.id not in cited]
        return (cited + rest)[:MAX_PAPERS]

    def compare_table(self, conv: Conversation | None, columns: str | None, request: gr.Request) -> dict[Any, Any]:
        conv = conv or Conversation()
        ids = self.compare_ids(conv)
        if not ids:
            gr.Warning("Ask a question first: “Compare” works on the papers in the sources panel.")
            return {self.table: gr.skip()}
        self.admission.admit(request)
        try:
            names = [c.strip() for c in (columns or "").split(",") if c.strip()]
            table = service.compare(ids, self.settings, columns=names or None, collection=conv.collection)
        except Exception as exc:  # noqa: BLE001 - shown as a warning, the app stays up
            gr.Warning(user_error(exc))
            return {self.table: gr.skip()}
        csv_path, md_path = self._write(table, request)
        return {
            self.table: comparison_html(table),
            self.download_csv: gr.DownloadButton(value=csv_path, interactive=True),
            self.download_table_md: gr.DownloadButton(value=md_path, interactive=True),
        }

    def _write(self, table: Comparison, request: gr.Request | None) -> tuple[str, str]:
        folder = self.exports.folder(request)
        csv_path, md_path = folder / "comparison.csv", folder / "comparison.md"
        csv_path.write_text(comparison_csv(table), encoding="utf-8")
        md_path.write_text(comparison_markdown(table), encoding="utf-8")
        return str(csv_path), str(md_path)

    # --- API ----------------------------------------------------------------------------------------------------
    @checked_arguments
    def api_map(self, collection: str | None = None, request: gr.Request = None,  # type: ignore[assignment]
                ) -> dict[str, Any]:
        """The topic map: {points: [{id, x, y, cluster}], clusters: [{id, label, size, terms}]}; x and y in
        [0, 1]."""
        self.admission.api_ready(request)
        try:
            return service.topic_map(self.settings, collection or None).to_dict()
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise gr.Error(user_error(exc)) from None

    @checked_arguments
    def api_compare(
        self, ids: list[str], columns: list[str] | None = None, collection: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """A comparison table of the papers `ids` (at most 30): {columns, rows: [{id, title, cells: {column:
        {text, quote}}}], mode, notice}. `columns` defaults to task, method, data, result, limitation."""
        self.admission.api_ready(request)
        try:
            return service.compare(list(ids or []), self.settings, columns=columns or None,
                                   collection=collection or None).to_dict()
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise gr.Error(user_error(exc)) from None

