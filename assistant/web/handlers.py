"""The chat's handlers: ask (streamed), summarize the panel's papers, the source cards' buttons ("more like this",
selection), new chat, the page load (deep links) and the status timer. Rendering only: every answer, search,
summary and "more like this" comes from assistant.service; every piece of text shown goes through
assistant.web.render (escaped)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

import gradio as gr

from .. import service
from ..errors import AssistantError
from ..settings import Settings
from ..types import DECISIONS, Answer
from . import render
from .admission import CONCURRENCY_GROUP, Admission, user_error
from .map_view import MapAndCompare
from .page import Page
from .render import Turn
from .session import (
    KEPT_MESSAGES,
    SIMILAR_K,
    SUMMARIZE_LIMIT,
    Conversation,
    Exports,
    bot_message,
    make_filters,
    sources_panel,
    summarize_label,
    user_message,
)
from .startup import Startup

STREAM_INTERVAL = 0.1  # seconds between two updates of a streaming answer in the chat (pieces in between coalesce)


def stream_text(events: Iterable[object]) -> Iterator[tuple[str, Answer | None]]:
    """The answer text so far after each event, then the final Answer. Accepts the service's events (text deltas
    as str, then the Answer) and the answering chain's (TextDelta, StreamReset, FinalAnswer)."""
    text = ""
    for event in events:
        final = event if isinstance(event, Answer) else getattr(event, "answer", None)
        if isinstance(final, Answer):
            yield text, final
            return
        if isinstance(event, str):
            text += event
        elif isinstance(getattr(event, "text", None), str):
            text += event.text  # type: ignore[attr-defined]
        elif hasattr(event, "notice"):
            text = ""  # the model failed mid-answer: the offline answer replaces what was shown
        else:
            continue
        yield text, None


class ChatHandlers:
    """What the chat column, the sources panel and the page load do. One instance per app."""

    def __init__(self, settings: Settings, startup: Startup, page: Page, extras: MapAndCompare,
                 admission: Admission, exports: Exports) -> None:
        self.settings, self.startup, self.page, self.extras = settings, startup, page, extras
        self.admission, self.exports = admission, exports

    def wire(self, demo: gr.Blocks) -> None:
        p = self.page
        view, ask_in = p.view_outputs(), p.ask_inputs()
        costly: dict[str, Any] = {
            "concurrency_id": CONCURRENCY_GROUP, "concurrency_limit": self.settings.ui_concurrency,
            "api_visibility": "private",
        }
        quick: dict[str, Any] = {"queue": False, "api_visibility": "private"}
        p.question.submit(self.chat, ask_in, view, show_progress="hidden", **costly)
        p.ask_btn.click(self.chat, ask_in, view, show_progress="hidden", **costly)
        p.chatbot.example_select(self.pick_example, None, p.question, **quick).then(
            self.chat, ask_in, view, show_progress="hidden", **costly
        )
        p.summarize_btn.click(self.summarize_sources, [p.conv], view, show_progress="hidden", **costly)
        # Each selection event carries every ticked box and a sequence number, so every one must run: Gradio's
        # "once" drops a tick made while one is pending, and "always_last" re-runs the pending event's own data.
        p.sources.click(self.card_action, [p.conv], view, show_progress="hidden", trigger_mode="multiple", **costly)
        p.new_chat_btn.click(self.new_chat, None, view, **quick)
        p.chatbot.clear(self.new_chat, None, view, **quick)  # the chat's own clear button: forget the turns too
        p.timer.tick(self.tick, None, [p.status, p.collection, p.timer], **quick)
        page = [p.question, p.collection, p.decision, p.keyword, p.author, p.status, p.timer]
        demo.load(self.on_load, None, page, **quick).then(self.chat, ask_in, view, show_progress="hidden", **costly)

    # --- what the page shows ---------------------------------------------------------------------------------------
    def _view(self, conv: Conversation, request: gr.Request | None) -> dict[Any, Any]:
        p, last = self.page, conv.turns[-1] if conv.turns else None
        md_path, bib_path = self.exports.write_conversation(conv, request)
        return {
            p.chatbot: conv.messages,
            p.conv: conv,
            p.sources: sources_panel(conv),
            p.export_text: render.export_answer_markdown(last.question, last.answer) if last else "",
            p.download_md: gr.DownloadButton(value=md_path, interactive=md_path is not None),
            p.download_bib: gr.DownloadButton(value=bib_path, interactive=bib_path is not None),
            p.summarize_btn: gr.Button(value=summarize_label(conv)),
        }

    def _unchanged(self) -> dict[Any, Any]:
        """No visible change (a dict with one key tells Gradio to leave every other output as it is)."""
        return {self.page.conv: gr.skip()}

    def _failed(self, conv: Conversation, pending: list[dict[str, str]], exc: Exception) -> dict[Any, Any]:
        conv.messages = (pending + [bot_message(render.error_markdown(user_error(exc)))])[-KEPT_MESSAGES:]
        return {self.page.chatbot: conv.messages, self.page.conv: conv}

    def _history(self, conv: Conversation) -> list[tuple[str, Answer]]:
        keep = self.settings.max_history_turns
        return [(t.question, t.answer) for t in conv.turns][-keep:] if keep else []

    # --- ask ---------------------------------------------------------------------------------------------------------
    def chat(
        self, question: str | None, conv: Conversation | None, collection: str | None, decision: list[str] | None,
        keyword: str | None, author: str | None, request: gr.Request,
    ) -> Iterator[dict[Any, Any]]:
        """Ask: stream the answer into the chat, then show its sources and refresh the exports."""
        question = (question or "").strip()
        if not question:
            yield self._unchanged()
            return
        conv = conv or Conversation()
        pending = conv.messages + [user_message(render.question_markdown(question))]
        try:
            self.admission.admit(request, question)
        except gr.Error as exc:
            yield self._failed(conv, pending, AssistantError(str(exc.message)))
            return
        chatbot = self.page.chatbot
        yield {chatbot: pending + [bot_message("Searching the papers…")], self.page.question: ""}
        try:
            for line in self.admission.wait_until_ready():
                yield {chatbot: pending + [bot_message(line)]}
            filters = self.extras.scoped(conv, make_filters(decision, keyword, author))  # a topic from the map
            events = service.ask_stream(question, self._history(conv), self.settings, filters, collection or None)
            answer, shown_at = None, 0.0
            for text, answer in stream_text(events):
                # At most STREAM_INTERVAL between updates: each one re-renders the whole message in the browser, so
                # a set answer streamed line by line (180 lines) took 20 s to show where its text took 1 s.
                if answer is None and time.monotonic() - shown_at >= STREAM_INTERVAL:
                    shown_at = time.monotonic()
                    yield {chatbot: pending + [bot_message(render.streaming_markdown(text))]}
            if answer is None:
                raise AssistantError("The answer stream ended without an answer; ask again.")
        except Exception as exc:  # noqa: BLE001 - shown in the chat, the app stays up
            yield self._failed(conv, pending, exc)
            return
        conv.messages = pending + [bot_message(render.answer_markdown(answer))]
        conv.show_answer(Turn(question, answer), collection)
        yield self._view(conv, request)

    # --- summarize ---------------------------------------------------------------------------------------------------
    def _summary_ids(self, conv: Conversation) -> list[str]:
        """The papers "Summarize" covers: a topic picked on the map, else the ticked papers, else the panel's
        (a set answer's whole set, as typing "summarize these papers" does; else its first SUMMARIZE_LIMIT)."""
        scoped = self.extras.summary_ids(conv)
        if scoped:
            return scoped
        if not conv.selected and conv.answer is not None and conv.answer.is_set:
            return [h.paper.id for h in conv.hits]
        return (conv.selected or [h.paper.id for h in conv.hits])[:SUMMARIZE_LIMIT]

    def summarize_sources(self, conv: Conversation | None, request: gr.Request) -> Iterator[dict[Any, Any]]:
        """Summarize the papers in the panel (the selected ones, if any are ticked)."""
        conv = conv or Conversation()
        ids = self._summary_ids(conv)
        if not ids:
            gr.Warning("Ask a question first: “Summarize” works on the papers in the sources panel.")
            yield self._unchanged()
            return
        label = f"Summarize these {len(ids)} papers" if len(ids) > 1 else "Summarize this paper"
        pending = conv.messages + [user_message(label)]
        chatbot = self.page.chatbot
        try:
            self.admission.admit(request)
            yield {chatbot: pending + [bot_message(f"Summarizing {len(ids)} papers…")]}
            for line in self.admission.wait_until_ready():
                yield {chatbot: pending + [bot_message(line)]}
            answer = service.summarize(self.settings, ids=ids, collection=conv.collection)
        except gr.Error as exc:
            yield self._failed(conv, pending, AssistantError(str(exc.message)))
            return
        except Exception as exc:  # noqa: BLE001 - shown in the chat, the app stays up
            yield self._failed(conv, pending, exc)
            return
        conv.messages = pending + [bot_message(render.answer_markdown(answer))]
        conv.show_answer(Turn(label, answer), conv.collection)
        yield self._view(conv, request)

    # --- the source cards' buttons ---------------------------------------------------------------------------------
    def card_action(self, conv: Conversation | None, evt: gr.EventData, request: gr.Request) -> dict[Any, Any]:
        """A button in a source card: "more like this", or a change of the selected papers."""
        conv = conv or Conversation()
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        if data.get("action") == "select":
            seq = int(data["seq"]) if isinstance(data.get("seq"), int) else 0
            if seq >= conv.selection_seq:
                shown = {h.paper.id for h in conv.hits}
                conv.selected = [str(i) for i in data.get("ids") or [] if str(i) in shown][:SUMMARIZE_LIMIT]
                conv.selection_seq = seq
            return {self.page.conv: conv, self.page.summarize_btn: gr.Button(value=summarize_label(conv))}
        if data.get("action") == "similar":
            return self._similar(conv, str(data.get("paper_id") or ""), request)
        return self._unchanged()

    def _similar(self, conv: Conversation, paper_id: str, request: gr.Request | None) -> dict[Any, Any]:
        paper = next((h.paper for h in conv.hits if h.paper.id == paper_id), None)
        if paper is None:
            gr.Warning("That paper is no longer in the sources panel.")
            return self._unchanged()
        pending = conv.messages + [user_message(f"More like this: *{render.escape_markdown_literal(paper.title)}*")]
        try:
            self.admission.admit(request)
            hits = service.similar(paper_id, self.settings, k=SIMILAR_K, collection=conv.collection)
        except gr.Error as exc:
            return self._failed(conv, pending, AssistantError(str(exc.message)))
        except Exception as exc:  # noqa: BLE001 - shown in the chat, the app stays up
            return self._failed(conv, pending, exc)
        conv.messages = (pending + [bot_message(render.similar_markdown(paper, hits))])[-KEPT_MESSAGES:]
        conv.hits, conv.citations, conv.selected, conv.answer = hits, [], [], None
        conv.heading = f"{len(hits)} papers similar to “{paper.title}”"
        return self._view(conv, request)

    @staticmethod
    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value or "")

    def new_chat(self, request: gr.Request) -> dict[Any, Any]:
        view = self._view(Conversation(), request)
        view[self.page.question] = ""
        return view

    # --- page load, status -----------------------------------------------------------------------------------------
    def on_load(self, request: gr.Request) -> dict[Any, Any]:
        """Deep link: `?q=question` asks it; `collection`, `decision` (comma-separated), `keyword`, `author`
        preset the filters. Fields the link does not set are left alone (the user may already be typing)."""
        p = self.page
        params = dict(request.query_params) if request is not None else {}
        choices = self.startup.collections()
        wanted = params.get("collection", "")
        picked = gr.Dropdown(choices=choices, value=wanted) if wanted in choices else gr.Dropdown(choices=choices)
        view: dict[Any, Any] = {
            p.collection: picked,
            p.status: render.status_html(self.startup.status()),
            p.timer: gr.Timer(active=not self.startup.settled),
        }
        if params.get("q"):
            view[p.question] = params["q"]
        if params.get("decision"):
            asked = {d.strip().lower() for d in params["decision"].split(",")}
            view[p.decision] = [d for d in DECISIONS if d.lower() in asked]
        for name, box in (("keyword", p.keyword), ("author", p.author)):
            if params.get(name):
                view[box] = params[name][:200]
        return view

    def tick(self) -> dict[Any, Any]:
        """While the store is being built: progress in the status bar; once ready, the listings and stop."""
        settled = self.startup.settled
        return {
            self.page.status: render.status_html(self.startup.status()),
            self.page.collection: gr.Dropdown(choices=self.startup.collections()) if settled else gr.skip(),
            self.page.timer: gr.Timer(active=not settled),
        }
