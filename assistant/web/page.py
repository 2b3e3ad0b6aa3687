"""The page's layout: header, status line, chat column (question, buttons, filters, export) and sources panel.
Components only; what they do is wired in assistant/web/handlers.py (and map_view.py for the map and compare
panels, which follow below this layout)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from ..settings import Settings
from ..types import DECISIONS
from . import assets, render
from .session import SESSION_SECONDS, Conversation
from .startup import Startup

EXAMPLES = (
    "which papers study over-squashing?",
    "What are the oral papers about diffusion models?",
    "Which papers propose methods for offline reinforcement learning?",
    "Papers by Michael M. Bronstein",
)


class Page:
    """The components of one app's page. Build inside the Blocks context."""

    def __init__(self, settings: Settings, startup: Startup, forget_session: Callable[[Any], None]) -> None:
        self.settings = settings
        self.conv = gr.State(Conversation(), time_to_live=SESSION_SECONDS, delete_callback=forget_session)
        gr.Markdown(
            "# Paper assistant\nAsk about the papers of a listing: answers cite their sources, "
            "and every source is one click away.",
            elem_id="pa-header",
        )
        self.status = gr.HTML(render.status_html(startup.status()), elem_id="pa-status")
        self.timer = gr.Timer(1.0, active=False)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                self._chat_column()
            with gr.Column(scale=2, min_width=320):
                gr.Markdown("### Sources")
                self.sources = gr.HTML(render.sources_html([]), elem_id="pa-sources",
                                       js_on_load=assets.read("sources.js"))

    def _chat_column(self) -> None:
        self.chatbot = gr.Chatbot(
            label="Chat", elem_id="pa-chat", height=560, sanitize_html=True, allow_tags=False, render_markdown=True,
            latex_delimiters=[], examples=[{"text": q} for q in EXAMPLES], buttons=["copy", "copy_all"],
            feedback_options=None, placeholder="**Ask a question about the papers**, or pick an example:",
        )
        with gr.Row():
            self.question = gr.Textbox(
                show_label=False, placeholder="Ask about the papers… (Enter to send)", scale=6, container=False,
                max_length=self.settings.max_question_chars, elem_id="pa-question", autofocus=True,
            )
            self.ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="pa-ask")
        with gr.Row():
            self.new_chat_btn = gr.Button("New chat", size="sm", elem_id="pa-new-chat")
            self.summarize_btn = gr.Button("Summarize these papers", size="sm", elem_id="pa-summarize")
        self._filters()
        self._export()

    def _filters(self) -> None:
        with gr.Accordion("Filters", open=False, elem_id="pa-filters"):
            with gr.Row():
                self.collection = gr.Dropdown(
                    choices=[self.settings.collection], value=self.settings.collection, label="Listing",
                    elem_id="pa-collection",
                )
                self.decision = gr.CheckboxGroup(list(DECISIONS), label="Decision", elem_id="pa-decision")
            with gr.Row():
                self.keyword = gr.Textbox(
                    label="Keyword", placeholder="e.g. graph", max_length=200, elem_id="pa-keyword"
                )
                self.author = gr.Textbox(
                    label="Author", placeholder="part of a name", max_length=200, elem_id="pa-author"
                )

    def _export(self) -> None:
        with gr.Accordion("Export", open=False, elem_id="pa-export"):
            self.export_text = gr.Textbox(
                label="Last answer as Markdown, with references", lines=8, max_lines=16, interactive=False,
                buttons=["copy"], elem_id="pa-export-md",
            )
            with gr.Row():
                self.download_md = gr.DownloadButton(
                    "Conversation (.md)", interactive=False, size="sm", elem_id="pa-download-md"
                )
                self.download_bib = gr.DownloadButton(
                    "Cited papers (.bib)", interactive=False, size="sm", elem_id="pa-download-bib"
                )

    def view_outputs(self) -> list[Any]:
        """What a chat handler may update: the chat, the question, the session, the panel, exports, summarize."""
        return [self.chatbot, self.question, self.conv, self.sources, self.export_text, self.download_md,
                self.download_bib, self.summarize_btn]

    def ask_inputs(self) -> list[Any]:
        return [self.question, self.conv, self.collection, self.decision, self.keyword, self.author]
