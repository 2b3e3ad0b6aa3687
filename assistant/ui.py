"""The Gradio app: layout, handlers and the named API endpoints. Rendering only: every answer, search, summary and
"more like this" comes from assistant.service; every piece of text shown goes through assistant.render (escaped).

Build with `build_app(settings, startup)`; serve with `launch(...)` (app.py) or mount into FastAPI with `mount(...)`.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import gate, render, render_sets, service
from .access import ANSWER_CHARS_PER_TURN, RateLimiter, TrustedProxies, client_key, parse_accounts
from .errors import AssistantError, DamagedListing, InputTooLarge, shown
from .render import Status, Turn
from .settings import Settings
from .types import Answer, Citation, Filters, Hit
from .ui_map import CSS as MAP_CSS
from .ui_map import MapAndCompare

log = logging.getLogger(__name__)

DECISIONS = ("Oral", "Spotlight", "Poster")
EXAMPLES = (
    "which papers study over-squashing?",
    "What are the oral papers about diffusion models?",
    "Which papers propose methods for offline reinforcement learning?",
    "Papers by Michael M. Bronstein",
)
SUMMARIZE_LIMIT = 20  # papers one "summarize" may cover
SIMILAR_K = 8
CONCURRENCY_GROUP = "answering"  # every costly event shares one concurrency limit
SESSION_SECONDS = 12 * 3600  # a conversation untouched this long is dropped (bounded memory on a shared server)
KEPT_TURNS = 50  # turns one conversation keeps for follow-ups and exports; older ones are dropped
KEPT_MESSAGES = 4 * KEPT_TURNS
API_SUMMARIZE_LIMIT = 50  # paper ids one API `summarize` may name
API_READY_TIMEOUT = 900.0  # seconds an API call waits for a first-run ingest to finish
STARTUP_RETRY_SECONDS = 2.0  # a failed start is tried again on a request, at most this often
STREAM_INTERVAL = 0.1  # seconds between two updates of a streaming answer in the chat (pieces in between coalesce)
MAX_HISTORY_PAPERS = 200  # papers per earlier turn an API client may send back (a set answer's whole set)

CSS = """
.pa-status { padding: 8px 12px; border-radius: 8px; background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); font-size: 0.95em; }
.pa-status progress { vertical-align: middle; width: 160px; }
.pa-status-error { color: var(--error-text-color, #b91c1c); }
#pa-header h1 { margin: 0; font-size: 1.5em; }
#pa-header p { margin: 2px 0 0; opacity: 0.8; }
.pa-sources-head { font-weight: 600; margin: 0 0 8px; opacity: 0.85; }
.pa-empty { opacity: 0.7; padding: 16px; border: 1px dashed var(--border-color-primary); border-radius: 8px; }
.pa-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px; margin: 0 0 10px;
  background: var(--background-fill-primary); }
.pa-card.pa-cited { border-left: 4px solid var(--color-accent, #f97316); }
.pa-card-head { display: flex; gap: 6px; align-items: center; font-size: 0.85em; }
.pa-cite { font-weight: 700; color: var(--color-accent, #f97316); }
.pa-title { margin: 4px 0 2px !important; font-size: 1em !important; line-height: 1.3; }
.pa-authors { font-size: 0.85em; opacity: 0.8; }
.pa-links { font-size: 0.85em; margin: 4px 0; }
.pa-links a { margin-right: 4px; }
.pa-abstract summary { cursor: pointer; font-size: 0.85em; }
.pa-abstract p { font-size: 0.85em; margin: 6px 0 0; }
.pa-actions { display: flex; gap: 12px; align-items: center; margin-top: 6px; font-size: 0.85em; }
#pa-sources button.pa-similar { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 1px 10px;
  background: var(--background-fill-secondary); cursor: pointer; font-size: 0.8rem; font-weight: 500; margin: 0;
  line-height: 1.5; }
#pa-sources button.pa-similar:hover { border-color: var(--color-accent, #6366f1); }
#pa-chat a { color: var(--link-text-color, #4f46e5); font-weight: 600; text-decoration: none; }
#pa-chat a:hover { text-decoration: underline; }
.pa-select { display: inline-flex; gap: 4px; align-items: center; cursor: pointer; }
.pa-badge { border-radius: 999px; padding: 1px 8px; font-size: 0.8em; font-weight: 600; }
.pa-badge-oral { background: #fde68a; color: #78350f; }
.pa-badge-spotlight { background: #bfdbfe; color: #1e3a8a; }
.pa-badge-poster { background: #e5e7eb; color: #374151; }
.pa-badge-other { background: #f3e8ff; color: #581c87; }
.pa-muted { opacity: 0.7; font-size: 0.85em; }
#pa-sources { max-height: 640px; overflow-y: auto; }
/* Listing and model text may hold a 12,000-character "word" (a URL, a hash, a run of letters): it wraps inside its
   card or message instead of running out of it and making the panel scroll sideways. */
#pa-sources, .pa-card, #pa-chat .message, #pa-chat [data-testid='bot'], #pa-chat [data-testid='user'] {
  overflow-wrap: anywhere; }
"""

# The sources panel of a set answer (render_sets): collapsible themes with their size, "show more", verdicts, quotes.
SET_CSS = """
.pa-group { margin: 0 0 10px; }
.pa-group > summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
.pa-group-size { display: inline-block; min-width: 1.6em; padding: 0 6px; border-radius: 999px; font-size: 0.8em;
  text-align: center; background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); }
.pa-group-possible > summary { opacity: 0.8; font-style: italic; }
.pa-more > summary { cursor: pointer; font-size: 0.9em; color: var(--link-text-color, #4f46e5); margin: 0 0 10px; }
.pa-more[open] > summary .pa-more-closed, .pa-more:not([open]) > summary .pa-more-open { display: none; }
.pa-decided { margin: 4px 0; font-size: 0.85em; }
.pa-verdict { border-radius: 999px; padding: 0 8px; font-weight: 600; font-size: 0.9em; }
.pa-verdict-relevant { background: #dcfce7; color: #14532d; }
.pa-verdict-possible { background: #fef9c3; color: #713f12; }
.pa-quote { margin: 4px 0 0; padding: 2px 8px; border-left: 3px solid var(--border-color-primary); opacity: 0.9; }
"""

# Card buttons talk to Python through the HTML component's own event: one delegated listener survives re-renders.
SOURCES_JS = """
element.addEventListener('click', (ev) => {
  const button = ev.target.closest('[data-action="similar"]');
  if (button) trigger('click', {action: 'similar', paper_id: button.dataset.paperId});
});
let selections = 0;  // numbers each selection event: two ticks in quick succession may be handled out of order
element.addEventListener('change', (ev) => {
  if (!ev.target.matches('input[data-action="select"]')) return;
  const ids = [...element.querySelectorAll('input[data-action="select"]:checked')].map((box) => box.value);
  trigger('click', {action: 'select', ids: ids, seq: ++selections});
});
"""


# --- startup: first-run ingest and warm-up, off the request path ----------------------------------------------------
class Startup:
    """Tracks the store becoming ready while the UI is already served: first-run ingest with progress, warm-up."""

    def __init__(self, settings: Settings, on_progress: Callable[[int, int], None] | None = None) -> None:
        self.settings = settings
        self.on_progress = on_progress
        self.phase = "starting"
        self.done = 0
        self.total = 0
        self.error: str | None = None
        self._ready = threading.Event()
        self._retry_lock = threading.Lock()
        self._failed_at = 0.0

    def progress(self, done: int, total: int) -> None:
        self.phase, self.done, self.total = "indexing", done, total
        if self.on_progress is not None:
            self.on_progress(done, total)

    def run(self) -> None:
        """Ingest the default listing if the store lacks it, then load the retriever. Never raises."""
        try:
            summary = service.ensure_default_listing(self.settings, progress=self.progress)
            if summary is not None:
                log.info("first run: indexed %d papers in %.0f s", summary.read, summary.seconds)
            service.search("warm up", self.settings, k=1)
            self.phase = "ready"
        except DamagedListing as exc:  # that listing must be rebuilt; the others work: the app is ready for them
            self.phase, self.error = "ready", str(exc)
        except AssistantError as exc:
            self.phase, self.error = "failed", str(exc)
        except Exception:  # noqa: BLE001 - the UI must stay up and say what happened
            log.exception("startup failed")
            self.phase, self.error = "failed", "The store could not be opened; see the server log."
        finally:
            self._failed_at = time.monotonic()
            self._ready.set()

    def retry_if_failed(self) -> None:
        """After a failed start (say the Chroma server was down), start again in the background, at most every
        STARTUP_RETRY_SECONDS: the app recovers by itself once the store is back, without a restart."""
        with self._retry_lock:
            if self.phase != "failed" or time.monotonic() - self._failed_at < STARTUP_RETRY_SECONDS:
                return
            self.phase, self.error = "starting", None
            self._ready.clear()
        self.start()

    def start(self) -> Startup:
        threading.Thread(target=self.run, name="startup", daemon=True).start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    @property
    def settled(self) -> bool:
        return self._ready.is_set()


# --- per-session state ------------------------------------------------------------------------------------------------
@dataclass
class Conversation:
    """What one browser session holds: the messages shown, the answered turns and the papers in the panel."""

    messages: list[dict[str, str]] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    heading: str | None = None
    selected: list[str] = field(default_factory=list)
    collection: str | None = None  # where the papers in the panel came from (for "more like this", "summarize")
    export_folder: Path | None = None  # this session's export files
    scope: list[str] = field(default_factory=list)  # a topic picked on the map: the next question's papers
    scope_label: str = ""
    scope_cluster: int = -1
    answer: Answer | None = None  # the answer whose papers the panel shows (None: "more like this" results)
    selection_seq: int = 0  # the newest selection event applied (an older one handled late must not undo it)


def user_message(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def bot_message(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def make_filters(decision: Sequence[str] | None, keyword: str | None, author: str | None) -> Filters | None:
    filters = Filters(
        decision=tuple(d for d in (decision or ()) if d),
        keyword=(keyword or "").strip() or None,
        author=(author or "").strip() or None,
    )
    return None if filters.is_empty() else filters


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """The JSON shape of an answer (API `ask` and `summarize`): the service's, plus the rendered Markdown."""
    return service.answer_to_dict(answer) | {
        "markdown": render.link_citations(answer.text, answer.citations, answer.sources)
    }


def refusal(message: str) -> gr.Error:
    """The error a client is shown for a refused request. Logged here as one line: Gradio would print a traceback
    (about 2 KB) for every one, a rate-limited client included."""
    log.warning("refused: %s", shown(message, 300))
    return gr.Error(message, print_exception=False)


def user_error(exc: Exception) -> str:
    """A message safe to show: our errors say what to do; anything else is logged, not shown."""
    if isinstance(exc, AssistantError):
        return str(exc)
    log.exception("request failed", exc_info=exc)
    return "Something went wrong while answering; the server log has the details."


class PaperAssistantUI:
    """The Blocks app and its handlers. One instance per served app."""

    def __init__(self, settings: Settings, startup: Startup | None = None) -> None:
        self.settings = settings
        self.startup = startup or Startup(settings).start()
        self.limiter = RateLimiter(settings.ui_rate_limit)
        self.trusted = TrustedProxies(settings.forwarded_allow_ips)
        self.export_dir = Path(tempfile.mkdtemp(prefix="paper-assistant-exports-"))
        self.demo = self._build()

    # --- guards ---------------------------------------------------------------------------------------------------
    def admit(self, request: gr.Request | None, question: str | None = None) -> None:
        """Rate limit and size limit, before any work. Raises a refusal (gr.Error) that says what to do."""
        if question is not None and len(question) > self.settings.max_question_chars:
            raise refusal(
                f"The question has {len(question)} characters; the limit is {self.settings.max_question_chars}. "
                "Shorten it."
            )
        key = self._client(request)
        wait = self.limiter.retry_after(key)
        if wait is not None:
            raise refusal(
                f"Too many requests: the limit is {self.settings.ui_rate_limit} a minute per client. "
                f"Try again in {wait:.0f} s."
            )

    def _client(self, request: gr.Request | None) -> str:
        if request is None:
            return "local"
        client = getattr(request, "client", None)
        host = getattr(client, "host", None)
        headers = getattr(request, "headers", None) or {}
        return client_key(host, headers.get("x-forwarded-for"), getattr(request, "username", None), self.trusted)

    def _wait_until_ready(self) -> Iterator[str]:
        """Progress lines while the store is still being built (first run); returns when it is ready."""
        self.startup.retry_if_failed()
        while not self.startup.wait(1.0):
            status = self._status()
            if status.phase == "indexing":
                yield f"Indexing the listing first ({status.done:,} / {status.total:,} papers)…"
            else:
                yield "Opening the store…"
        if self.startup.phase == "failed":
            raise AssistantError(self.startup.error or "The store could not be opened.")

    # --- status -----------------------------------------------------------------------------------------------------
    def _status(self) -> Status:
        s, st = self.settings, self.startup
        answerer = (s.llm_model or "LLM") if s.llm_enabled else "offline"
        papers = 0
        if st.phase == "ready":
            papers = self._paper_count(s.collection)
        return Status(st.phase, s.collection, papers, st.done, st.total, answerer, st.error)

    def _paper_count(self, collection: str) -> int:
        try:
            for info in service.stats(self.settings)["collections"]:
                if info.get("collection") == collection:
                    return int(info.get("papers", 0))
        except AssistantError:
            pass
        return 0

    def _collections(self) -> list[str]:
        if self.startup.phase != "ready":
            return [self.settings.collection]
        try:
            names = [str(c["collection"]) for c in service.stats(self.settings)["collections"]]
        except AssistantError:
            names = []
        return sorted(set(names) | {self.settings.collection})

    def _history(self, conv: Conversation) -> list[tuple[str, Answer]]:
        keep = self.settings.max_history_turns
        return [(t.question, t.answer) for t in conv.turns][-keep:] if keep else []

    # --- layout ------------------------------------------------------------------------------------------------------
    def _build(self) -> gr.Blocks:
        with gr.Blocks(title="Paper assistant", delete_cache=(3600, 3600)) as demo:
            self.conv = gr.State(Conversation(), time_to_live=SESSION_SECONDS, delete_callback=self._forget_session)
            gr.Markdown(
                "# Paper assistant\nAsk about the papers of a listing: answers cite their sources, "
                "and every source is one click away.",
                elem_id="pa-header",
            )
            self.status = gr.HTML(render.status_html(self._status()), elem_id="pa-status")
            self.timer = gr.Timer(1.0, active=False)
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    self._chat_column()
                with gr.Column(scale=2, min_width=320):
                    gr.Markdown("### Sources")
                    self.sources = gr.HTML(render.sources_html([]), elem_id="pa-sources", js_on_load=SOURCES_JS)
            self.extras = MapAndCompare(self)  # topic map and comparison table (assistant/ui_map.py)
            self._wire(demo)
            self.extras.wire(demo)
            self._api()
        return demo

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

    def _wire(self, demo: gr.Blocks) -> None:
        view = [self.chatbot, self.question, self.conv, self.sources, self.export_text, self.download_md,
                self.download_bib, self.summarize_btn]
        ask_in = [self.question, self.conv, self.collection, self.decision, self.keyword, self.author]
        costly: dict[str, Any] = {
            "concurrency_id": CONCURRENCY_GROUP, "concurrency_limit": self.settings.ui_concurrency,
            "api_visibility": "private",
        }
        quick: dict[str, Any] = {"queue": False, "api_visibility": "private"}
        self.question.submit(self.chat, ask_in, view, show_progress="hidden", **costly)
        self.ask_btn.click(self.chat, ask_in, view, show_progress="hidden", **costly)
        self.chatbot.example_select(self.pick_example, None, self.question, **quick).then(
            self.chat, ask_in, view, show_progress="hidden", **costly
        )
        self.summarize_btn.click(self.summarize_sources, [self.conv], view, show_progress="hidden", **costly)
        # Each selection event carries every ticked box and a sequence number, so every one must run: Gradio's
        # "once" drops a tick made while one is pending, and "always_last" re-runs the pending event's own data.
        self.sources.click(
            self.card_action, [self.conv], view, show_progress="hidden", trigger_mode="multiple", **costly
        )
        self.new_chat_btn.click(self.new_chat, None, view, **quick)
        self.chatbot.clear(self.new_chat, None, view, **quick)  # the chat's own clear button: forget the turns too
        self.timer.tick(self.tick, None, [self.status, self.collection, self.timer], **quick)
        page = [self.question, self.collection, self.decision, self.keyword, self.author, self.status, self.timer]
        demo.load(self.on_load, None, page, **quick).then(self.chat, ask_in, view, show_progress="hidden", **costly)

    def _api(self) -> None:
        common: dict[str, Any] = {
            "concurrency_id": CONCURRENCY_GROUP, "concurrency_limit": self.settings.ui_concurrency,
        }
        gr.api(self.api_ask, api_name="ask", **common)
        gr.api(self.api_search, api_name="search", **common)
        gr.api(self.api_summarize, api_name="summarize", **common)
        gr.api(self.api_similar, api_name="similar", **common)
        self.extras.api(common)  # /map, /compare

    # --- what the page shows -----------------------------------------------------------------------------------------
    def _view(self, conv: Conversation, request: gr.Request | None) -> dict[Any, Any]:
        last = conv.turns[-1] if conv.turns else None
        md_path, bib_path = self._write_exports(conv, request)
        return {
            self.chatbot: conv.messages,
            self.conv: conv,
            self.sources: self._sources_panel(conv),
            self.export_text: render.export_answer_markdown(last.question, last.answer) if last else "",
            self.download_md: gr.DownloadButton(value=md_path, interactive=md_path is not None),
            self.download_bib: gr.DownloadButton(value=bib_path, interactive=bib_path is not None),
            self.summarize_btn: gr.Button(value=self._summarize_label(conv)),
        }

    @staticmethod
    def _sources_panel(conv: Conversation) -> str:
        """A set answer's papers grouped with their count; any other answer's (or similar papers) as cards."""
        if conv.answer is not None and conv.answer.is_set:
            return render_sets.set_sources_html(conv.answer)
        return render.sources_html(conv.hits, conv.citations, conv.heading)

    def _unchanged(self) -> dict[Any, Any]:
        """No visible change (a dict with one key tells Gradio to leave every other output as it is)."""
        return {self.conv: gr.skip()}

    @staticmethod
    def _summarize_label(conv: Conversation) -> str:
        n = len(conv.selected)
        return f"Summarize {n} selected paper{'s' if n != 1 else ''}" if n else "Summarize these papers"

    def _write_exports(self, conv: Conversation, request: gr.Request | None) -> tuple[str | None, str | None]:
        """The conversation as Markdown and its cited papers as BibTeX, in this session's own folder."""
        if not conv.turns:
            return None, None
        folder = self.export_dir / self._session_folder(request)
        folder.mkdir(parents=True, exist_ok=True)
        conv.export_folder = folder
        md = folder / "conversation.md"
        md.write_text(render.export_conversation_markdown(conv.turns), encoding="utf-8")
        papers = render.cited_papers(conv.turns)
        if not papers:
            return str(md), None
        bib = folder / "cited-papers.bib"
        bib.write_text(render.bibtex(papers), encoding="utf-8")
        return str(md), str(bib)

    @staticmethod
    def _session_folder(request: gr.Request | None) -> str:
        session = re.sub(r"[^A-Za-z0-9_-]", "", str(getattr(request, "session_hash", "") or ""))
        return session[:64] or "anonymous"

    @staticmethod
    def _forget_session(conv: Conversation | None) -> None:
        """Gradio dropped an idle session: remove its export files too."""
        if conv is not None and conv.export_folder is not None:
            shutil.rmtree(conv.export_folder, ignore_errors=True)

    def _failed(self, conv: Conversation, pending: list[dict[str, str]], exc: Exception) -> dict[Any, Any]:
        conv.messages = (pending + [bot_message(render.error_markdown(user_error(exc)))])[-KEPT_MESSAGES:]
        return {self.chatbot: conv.messages, self.conv: conv}

    # --- handlers: chat ----------------------------------------------------------------------------------------------
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
            self.admit(request, question)
        except gr.Error as exc:
            yield self._failed(conv, pending, AssistantError(str(exc.message)))
            return
        yield {self.chatbot: pending + [bot_message("Searching the papers…")], self.question: ""}
        try:
            for line in self._wait_until_ready():
                yield {self.chatbot: pending + [bot_message(line)]}
            filters = self.extras.scoped(conv, make_filters(decision, keyword, author))  # a topic from the map
            events = service.ask_stream(question, self._history(conv), self.settings, filters, collection or None)
            answer, shown_at = None, 0.0
            for text, answer in stream_text(events):
                # At most STREAM_INTERVAL between updates: each one re-renders the whole message in the browser, so
                # a set answer streamed line by line (180 lines) took 20 s to show where its text took 1 s.
                if answer is None and time.monotonic() - shown_at >= STREAM_INTERVAL:
                    shown_at = time.monotonic()
                    yield {self.chatbot: pending + [bot_message(render.streaming_markdown(text))]}
            if answer is None:
                raise AssistantError("The answer stream ended without an answer; ask again.")
        except Exception as exc:  # noqa: BLE001 - shown in the chat, the app stays up
            yield self._failed(conv, pending, exc)
            return
        conv.messages = pending + [bot_message(render.answer_markdown(answer))]
        self._show_answer(conv, Turn(question, answer), collection)
        yield self._view(conv, request)

    @staticmethod
    def _show_answer(conv: Conversation, turn: Turn, collection: str | None) -> None:
        conv.turns = [*conv.turns, turn][-KEPT_TURNS:]
        conv.messages = conv.messages[-KEPT_MESSAGES:]
        conv.hits, conv.citations = list(turn.answer.sources), list(turn.answer.citations)
        conv.heading, conv.selected, conv.collection = None, [], collection or None
        conv.answer = turn.answer

    def summarize_sources(self, conv: Conversation | None, request: gr.Request) -> Iterator[dict[Any, Any]]:
        """Summarize the papers in the panel (the selected ones, if any are ticked)."""
        conv = conv or Conversation()
        ids = self.extras.summary_ids(conv) or (conv.selected or [h.paper.id for h in conv.hits])[:SUMMARIZE_LIMIT]
        if not conv.selected and not self.extras.summary_ids(conv) and conv.answer is not None and conv.answer.is_set:
            ids = [h.paper.id for h in conv.hits]  # a set answer's whole set, as typing "summarize these papers" does
        if not ids:
            gr.Warning("Ask a question first: “Summarize” works on the papers in the sources panel.")
            yield self._unchanged()
            return
        label = f"Summarize these {len(ids)} papers" if len(ids) > 1 else "Summarize this paper"
        pending = conv.messages + [user_message(label)]
        try:
            self.admit(request)
            yield {self.chatbot: pending + [bot_message(f"Summarizing {len(ids)} papers…")]}
            for line in self._wait_until_ready():
                yield {self.chatbot: pending + [bot_message(line)]}
            answer = service.summarize(self.settings, ids=ids, collection=conv.collection)
        except gr.Error as exc:
            yield self._failed(conv, pending, AssistantError(str(exc.message)))
            return
        except Exception as exc:  # noqa: BLE001 - shown in the chat, the app stays up
            yield self._failed(conv, pending, exc)
            return
        conv.messages = pending + [bot_message(render.answer_markdown(answer))]
        self._show_answer(conv, Turn(label, answer), conv.collection)
        yield self._view(conv, request)

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
            return {self.conv: conv, self.summarize_btn: gr.Button(value=self._summarize_label(conv))}
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
            self.admit(request)
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
        view[self.question] = ""
        return view

    # --- handlers: page load, status ------------------------------------------------------------------------------
    def on_load(self, request: gr.Request) -> dict[Any, Any]:
        """Deep link: `?q=question` asks it; `collection`, `decision` (comma-separated), `keyword`, `author`
        preset the filters. Fields the link does not set are left alone (the user may already be typing)."""
        params = dict(request.query_params) if request is not None else {}
        choices = self._collections()
        wanted = params.get("collection", "")
        picked = gr.Dropdown(choices=choices, value=wanted) if wanted in choices else gr.Dropdown(choices=choices)
        view: dict[Any, Any] = {
            self.collection: picked,
            self.status: render.status_html(self._status()),
            self.timer: gr.Timer(active=not self.startup.settled),
        }
        if params.get("q"):
            view[self.question] = params["q"]
        if params.get("decision"):
            asked = {d.strip().lower() for d in params["decision"].split(",")}
            view[self.decision] = [d for d in DECISIONS if d.lower() in asked]
        for name, box in (("keyword", self.keyword), ("author", self.author)):
            if params.get(name):
                view[box] = params[name][:200]
        return view

    def tick(self) -> dict[Any, Any]:
        """While the store is being built: progress in the status bar; once ready, the listings and stop."""
        settled = self.startup.settled
        return {
            self.status: render.status_html(self._status()),
            self.collection: gr.Dropdown(choices=self._collections()) if settled else gr.skip(),
            self.timer: gr.Timer(active=not settled),
        }

    # --- named API endpoints (gradio_client) ---------------------------------------------------------------------
    def _api_ready(self, request: gr.Request | None, question: str | None = None) -> None:
        self.admit(request, question)
        self.startup.retry_if_failed()
        if not self.startup.wait(timeout=API_READY_TIMEOUT):
            raise refusal("The listing is still being indexed (first run); try again in a minute.")
        if self.startup.phase == "failed":
            raise refusal(self.startup.error or "The store could not be opened.")

    def api_ask(
        self, question: str, history: list[dict[str, Any]] | None = None, collection: str | None = None,
        decision: list[str] | None = None, keyword: str | None = None, author: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """Answer a question with citations to the papers. `history`: earlier results of `ask` (or
        {"question", "answer"} dicts), oldest first, for follow-ups. Returns answer, markdown, mode, model, notice,
        citations [{n, id, title, url}] and sources [{id, title, authors, score, decision, url}]; and intent, topic,
        count (null unless a set answer), possible_count, groups and papers (a set answer's whole set:
        [{n, id, title, authors, score, decision, url, verdict, group, quote, judge}])."""
        self._api_ready(request, question)
        try:
            turns = self._api_history(history, collection)
            filters = make_filters(decision, keyword, author)
            return answer_to_dict(service.ask(question, turns, self.settings, filters, collection or None))
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise refusal(user_error(exc)) from None

    def api_search(
        self, query: str, k: int = 10, collection: str | None = None, decision: list[str] | None = None,
        keyword: str | None = None, author: str | None = None, request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """The papers that best match a query, best first: {query, results: [{id, title, authors, score,
        decision, url}]}."""
        self._api_ready(request, query)
        try:
            filters = make_filters(decision, keyword, author)
            hits = service.search(query, self.settings, k=max(1, min(int(k), 100)), filters=filters,
                                  collection=collection or None)
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise refusal(user_error(exc)) from None
        return {"query": query, "results": [service.hit_to_dict(h) for h in hits]}

    def api_summarize(
        self, query: str | None = None, ids: list[str] | None = None, collection: str | None = None,
        decision: list[str] | None = None, keyword: str | None = None, author: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """A cited summary of a group of papers: the given paper `ids`, or the papers matching `query` and the
        filters. Same shape as `ask`."""
        self._api_ready(request, query)
        if not query and not ids:
            raise refusal("Give `ids` (paper ids) or a `query` to choose the papers to summarize.")
        if ids and len(ids) > API_SUMMARIZE_LIMIT:
            raise refusal(f"At most {API_SUMMARIZE_LIMIT} ids can be summarized at once; got {len(ids)}.")
        try:
            filters = make_filters(decision, keyword, author)
            answer = service.summarize(self.settings, query=query or None, ids=ids or None, filters=filters,
                                       collection=collection or None)
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise refusal(user_error(exc)) from None
        return answer_to_dict(answer)

    def api_similar(
        self, paper_id: str, k: int = SIMILAR_K, collection: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """Papers closest to a paper ("more like this"): {paper_id, results: [...]}."""
        self._api_ready(request)
        try:
            hits = service.similar(paper_id, self.settings, k=max(1, min(int(k), 50)), collection=collection or None)
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise refusal(user_error(exc)) from None
        return {"paper_id": paper_id, "results": [service.hit_to_dict(h) for h in hits]}

    def _api_history(self, history: list[dict[str, Any]] | None, collection: str | None) -> list[tuple[str, Answer]]:
        """Earlier turns sent by an API client, checked against the size limits (only the last
        max_history_turns are kept, as in the UI)."""
        keep = self.settings.max_history_turns
        items = list(history or [])[-keep:] if keep else []
        turns = []
        for n, item in enumerate(items, 1):
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise InputTooLarge(f"history item {n} must be an object with `question` and `answer` strings.")
            question, text = item["question"], str(item.get("answer") or "")
            if isinstance(item.get("papers"), list) and item["papers"]:
                # A set answer's text lists its whole set (200 papers: about 50,000 characters); a follow-up works
                # on its `papers`, so the start of the text (the count, the topic) is context enough.
                text = text[:ANSWER_CHARS_PER_TURN]
            if len(question) > self.settings.max_question_chars or len(text) > ANSWER_CHARS_PER_TURN:
                raise InputTooLarge(
                    f"history item {n} is too long (question limit {self.settings.max_question_chars}, "
                    f"answer limit {ANSWER_CHARS_PER_TURN} characters)."
                )
            turns.append((question, self._earlier_answer(question, text, item, collection)))
        return turns

    def _earlier_answer(self, question: str, text: str, item: dict[str, Any], collection: str | None) -> Answer:
        """An earlier answer rebuilt from what `ask` returned: its papers (a set answer's whole set) come back from
        the store by id, so a follow-up ("which of them...") knows what "them" is."""
        ids = service.answer_paper_ids(item, MAX_HISTORY_PAPERS)
        papers = service.papers(ids, self.settings, collection or None) if ids else []
        return service.answer_from_dict(item | {"question": question, "answer": text}, papers, MAX_HISTORY_PAPERS)


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


# --- serving -------------------------------------------------------------------------------------------------------
WEB_COMPONENT_JS = Path(gr.__file__).resolve().parent / "templates" / "frontend" / "gradio.js"
THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="amber", neutral_hue="slate")


def build_app(settings: Settings, startup: Startup | None = None) -> gr.Blocks:
    """The app, queued: at most `ui_concurrency` costly requests at once, `ui_queue_size` waiting. Direct HTTP
    calls that would skip the queue (and so the limits) are closed: clients go through the queue."""
    ui = PaperAssistantUI(settings, startup)
    # Gradio keeps every session's state (~0.1 MB: a copy of the page config) until 10,000 sessions by default:
    # about 1 GB on a busy wiki page. `mount` reads this attribute; `launch` takes it as state_session_capacity.
    ui.demo.state_session_capacity = settings.ui_max_sessions
    return ui.demo.queue(
        max_size=settings.ui_queue_size, default_concurrency_limit=settings.ui_concurrency, api_open=False
    )


def serve_kwargs(settings: Settings) -> dict[str, Any]:
    """What both `launch` and `gr.mount_gradio_app` take: login, path prefix, body size limit, look."""
    return {
        "auth": parse_accounts(settings.ui_auth),
        "auth_message": "Log in to the paper assistant.",
        "root_path": settings.ui_root_path or None,
        "app_kwargs": {
            "middleware": gate.middleware(settings),  # body size limit, login-only routes, closed uploads
            "exception_handlers": gate.EXCEPTION_HANDLERS,
            "routes": [Route("/gradio.js", web_component_script)],
        },
        "max_file_size": "1mb",
        "show_error": False,
        "footer_links": ["api"],
        "theme": THEME,
        "css": CSS + MAP_CSS + SET_CSS,
    }


async def web_component_script(request: Request) -> Response:
    """Gradio's web-component loader, served by the app itself (the usual CDN copy is unreachable offline). It
    imports the bundle relative to its own URL, so it works under any path prefix."""
    return Response(WEB_COMPONENT_JS.read_bytes(), media_type="application/javascript")


def mount(app: Any, settings: Settings, path: str = "/papers", startup: Startup | None = None) -> Any:
    """Mount the app into an existing FastAPI app at `path` (login and limits included); returns the app."""
    return gr.mount_gradio_app(app, build_app(settings, startup), path=path, **serve_kwargs(settings))
