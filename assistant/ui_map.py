"""The app's topic map and comparison table (issue 12): their components, handlers and API endpoints, added to
the Blocks app by `PaperAssistantUI`. Like ui.py, rendering only: the map and the tables come from
assistant.service, every text shown goes through assistant.tables / assistant.render (escaped).

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
from typing import TYPE_CHECKING, Any

import gradio as gr

from . import render, service
from .compare import DEFAULT_COLUMNS, MAX_PAPERS, Comparison
from .errors import AssistantError
from .tables import comparison_csv, comparison_html, comparison_markdown, map_html
from .topicmap import TopicMap
from .types import Filters, Hit

if TYPE_CHECKING:
    from .ui import Conversation, PaperAssistantUI

log = logging.getLogger(__name__)

SCOPE_LIMIT = 200  # papers a topic scope may hold (a summary of them reads every abstract)
SIMILAR_K = 8

CSS = """
.pa-map { position: relative; }
.pa-map-head { font-size: 0.85em; opacity: 0.8; margin: 0 0 6px; }
.pa-map-body { display: flex; gap: 12px; align-items: flex-start; flex-wrap: wrap; }
.pa-map-svg { flex: 3 1 560px; min-width: 320px; max-width: 1000px; background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); border-radius: 10px; }
.pa-map-svg .pa-pt { stroke: rgba(0,0,0,0.35); stroke-width: 0.5; cursor: pointer; opacity: 0.85; }
.pa-map-has-lit .pa-pt { opacity: 0.25; }
.pa-map-svg .pa-pt.pa-lit { opacity: 1; stroke: #111; stroke-width: 1.5; }
.pa-map-svg .pa-pt:hover { stroke: #111; stroke-width: 2; opacity: 1; }
.pa-map-label { font-size: 13px; font-weight: 700; fill: var(--body-text-color, #111); pointer-events: none;
  paint-order: stroke; stroke: var(--background-fill-secondary, #fff); stroke-width: 4px; }
.pa-map-legend { flex: 1 1 240px; font-size: 0.85em; }
.pa-map-legend ol { list-style: none; padding: 0; margin: 0; }
.pa-map-legend li { margin: 0 0 3px; }
#pa-map button.pa-map-topic { display: flex; gap: 6px; align-items: center; width: 100%; text-align: left;
  border: 1px solid transparent; border-radius: 6px; padding: 2px 6px; background: none; cursor: pointer;
  font-size: 0.9rem; font-weight: 500; line-height: 1.3; margin: 0; }
#pa-map button.pa-map-topic:hover, #pa-map button.pa-map-topic.pa-scoped {
  border-color: var(--color-accent, #6366f1); background: var(--background-fill-secondary); }
.pa-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; flex: none; }
.pa-map-markers { opacity: 0.7; margin-top: 6px; }
.pa-map-tip { position: absolute; z-index: 10; max-width: 360px; pointer-events: none; padding: 6px 8px;
  border-radius: 6px; background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  box-shadow: 0 2px 8px rgba(0,0,0,0.2); font-size: 0.85em; }
.pa-scope-note { font-size: 0.9em; margin: 6px 0; }
.pa-compare-scroll { overflow-x: auto; }
.pa-compare table { border-collapse: collapse; font-size: 0.85em; }
.pa-compare th, .pa-compare td { border: 1px solid var(--border-color-primary); padding: 4px 6px;
  vertical-align: top; min-width: 90px; }
.pa-compare .pa-not-stated { opacity: 0.6; font-style: italic; }
.pa-compare q.pa-quote { display: block; opacity: 0.8; margin-top: 4px; }
.pa-compare-head { font-weight: 600; margin: 0 0 6px; }
"""

# Hover card and clicks, delegated from the HTML component's root (survives re-renders). The card is filled with
# textContent only: listing text never becomes markup here.
MAP_JS = """
const tip = () => element.querySelector('.pa-map-tip');
element.addEventListener('mouseover', (ev) => {
  const point = ev.target.closest('.pa-pt');
  const card = tip();
  if (!card) return;
  if (!point) { card.hidden = true; return; }
  card.textContent = '';
  const title = document.createElement('b');
  title.textContent = point.dataset.title;
  const meta = document.createElement('div');
  meta.textContent = [point.dataset.authors, point.dataset.decision].filter(Boolean).join(' · ');
  card.append(title, meta);
  const box = element.querySelector('.pa-map').getBoundingClientRect();
  card.style.left = (ev.clientX - box.left + 14) + 'px';
  card.style.top = (ev.clientY - box.top + 14) + 'px';
  card.hidden = false;
});
element.addEventListener('mouseleave', () => { const card = tip(); if (card) card.hidden = true; });
element.addEventListener('click', (ev) => {
  const topic = ev.target.closest('[data-action="cluster"]');
  if (topic) { trigger('click', {action: 'cluster', cluster: Number(topic.dataset.cluster)}); return; }
  const point = ev.target.closest('.pa-pt');
  if (point) trigger('click', {action: 'point', paper_id: point.dataset.id});
});
"""
MAP_PLACEHOLDER = '<div class="pa-map pa-empty">The topic map of the listing appears here when it is ready.</div>'
SCROLL_TO_MAP_JS = """
() => { if (new URLSearchParams(window.location.search).get('view') === 'map') {
  setTimeout(() => document.querySelector('#pa-map-panel')?.scrollIntoView({block: 'start'}), 300); } }
"""


class MapAndCompare:
    """The map and compare panels of one app. Build inside the Blocks context, then `wire` and `api`.

    Handlers Gradio calls take the session's Conversation typed as Any: Gradio reads their annotations at run
    time to find the `gr.Request` parameter, and Conversation (in ui.py, which imports this module) cannot be
    imported here at run time."""

    def __init__(self, ui: PaperAssistantUI) -> None:
        self.ui = ui
        self.settings = ui.settings
        with gr.Accordion("Topic map", open=False, elem_id="pa-map-panel") as self.map_panel:
            self.scope_note = gr.HTML("", elem_id="pa-scope-note")
            self.map_html = gr.HTML(MAP_PLACEHOLDER, elem_id="pa-map", js_on_load=MAP_JS)
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
        self.ui.startup.wait()
        if self.ui.startup.phase != "ready":
            return
        try:
            service.topic_map(self.settings)
        except Exception:  # noqa: BLE001 - the map is computed again on first use; the app stays up
            log.exception("computing the topic map failed")

    # --- wiring -------------------------------------------------------------------------------------------------
    def wire(self, demo: gr.Blocks) -> None:
        from .ui import CONCURRENCY_GROUP

        ui = self.ui
        quick: dict[str, Any] = {"queue": False, "api_visibility": "private"}
        costly: dict[str, Any] = {
            "concurrency_id": CONCURRENCY_GROUP, "concurrency_limit": self.settings.ui_concurrency,
            "api_visibility": "private",
        }
        # Drawing a computed map takes milliseconds: its own queue lane, never behind answers.
        drawing: dict[str, Any] = {"concurrency_id": "map", "concurrency_limit": 2, "api_visibility": "private"}
        map_out = [self.map_html, self.scope_note]
        self.map_panel.expand(self.show_map, [ui.conv], map_out, show_progress="minimal", **costly)
        ui.sources.change(self.highlight, [ui.conv], map_out, show_progress="hidden", **drawing)
        self.map_html.click(
            self.map_action, [ui.conv], [ui.conv, ui.sources, ui.summarize_btn, *map_out], show_progress="hidden",
            **costly,
        )
        self.compare_btn.click(self.compare_table, [ui.conv, self.columns],
                               [self.table, self.download_csv, self.download_table_md], **costly)
        demo.load(self.on_load, None, [self.map_panel, *map_out], js=SCROLL_TO_MAP_JS, **quick)

    def api(self, common: dict[str, Any]) -> None:
        gr.api(self.api_map, api_name="map", **common)
        gr.api(self.api_compare, api_name="compare", **common)

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
        if not self.ui.startup.wait(timeout=1.0) or self.ui.startup.phase != "ready":
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

    def highlight(self, conv: Any) -> dict[Any, Any]:
        """After an answer: redraw the map with its papers lit, if the map is computed (an answer never waits
        for a first computation; opening the map does)."""
        if service.computed_topic_map(self.settings, self._collection(conv)) is None:
            return {self.map_html: gr.skip()}
        return self.show_map(conv)

    def show_map(self, conv: Any) -> dict[Any, Any]:
        try:
            return self._render(conv)
        except Exception as exc:  # noqa: BLE001 - shown in the panel, the app stays up
            from .ui import user_error

            message = render.escape_html(user_error(exc))
            return {self.map_html: f'<div class="pa-map pa-empty">{message}</div>', self.scope_note: ""}

    def on_load(self, request: gr.Request) -> dict[Any, Any]:
        """`?view=map` opens the map (the page script scrolls to it)."""
        params = dict(request.query_params) if request is not None else {}
        if params.get("view") != "map":
            return {self.map_panel: gr.skip()}
        return {self.map_panel: gr.Accordion(open=True), **self.show_map(None)}

    def map_action(self, conv: Any, evt: gr.EventData, request: gr.Request) -> dict[Any, Any]:
        """A click on the map: a topic (scope the next question to it, or clear the scope), or a paper (its card
        and the papers most like it in the sources panel)."""
        from .ui import Conversation, user_error

        conv = conv or Conversation()
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        try:
            self.ui.admit(request)
            if data.get("action") == "cluster":
                self._toggle_scope(conv, int(data.get("cluster", -1)))
                return {self.ui.conv: conv, self.ui.summarize_btn: gr.Button(value=self.summarize_label(conv)),
                        **self._render(conv)}
            if data.get("action") == "point":
                return self._point(conv, str(data.get("paper_id") or ""))
        except gr.Error:
            raise
        except Exception as exc:  # noqa: BLE001 - a clear message, the app stays up
            gr.Warning(user_error(exc))
        return {self.ui.conv: gr.skip()}

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
            return {self.ui.conv: gr.skip()}
        paper = found[0]
        similar = service.similar(paper_id, self.settings, k=SIMILAR_K, collection=collection)
        conv.hits, conv.citations, conv.selected = [Hit(paper, 1.0), *similar], [], []
        conv.heading = f"From the map: “{paper.title}” and {len(similar)} papers like it"
        conv.collection = collection
        return {self.ui.conv: conv,
                self.ui.sources: render.sources_html(conv.hits, conv.citations, conv.heading)}

    def summarize_label(self, conv: Conversation) -> str:
        if conv.scope:
            return f"Summarize the topic's {len(conv.scope)} papers"
        return self.ui._summarize_label(conv)

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

    def compare_table(self, conv: Any, columns: str | None, request: gr.Request) -> dict[Any, Any]:
        from .ui import Conversation, user_error

        conv = conv or Conversation()
        ids = self.compare_ids(conv)
        if not ids:
            gr.Warning("Ask a question first: “Compare” works on the papers in the sources panel.")
            return {self.table: gr.skip()}
        self.ui.admit(request)
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
        folder = self.ui.export_dir / self.ui._session_folder(request)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path, md_path = folder / "comparison.csv", folder / "comparison.md"
        csv_path.write_text(comparison_csv(table), encoding="utf-8")
        md_path.write_text(comparison_markdown(table), encoding="utf-8")
        return str(csv_path), str(md_path)

    # --- API ----------------------------------------------------------------------------------------------------
    def api_map(self, collection: str | None = None, request: gr.Request = None,  # type: ignore[assignment]
                ) -> dict[str, Any]:
        """The topic map: {points: [{id, x, y, cluster}], clusters: [{id, label, size, terms}]}; x and y in
        [0, 1]."""
        from .ui import user_error

        self.ui._api_ready(request)
        try:
            return service.topic_map(self.settings, collection or None).to_dict()
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise gr.Error(user_error(exc)) from None

    def api_compare(
        self, ids: list[str], columns: list[str] | None = None, collection: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """A comparison table of the papers `ids` (at most 30): {columns, rows: [{id, title, cells: {column:
        {text, quote}}}], mode, notice}. `columns` defaults to task, method, data, result, limitation."""
        from .ui import user_error

        self.ui._api_ready(request)
        try:
            return service.compare(list(ids or []), self.settings, columns=columns or None,
                                   collection=collection or None).to_dict()
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise gr.Error(user_error(exc)) from None

