"""What one browser session holds (its conversation) and the files it may download (its exports), bounded so a
shared server's memory and disk do not grow without limit. No Gradio here: plain data, testable without a page."""

from __future__ import annotations

import re
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..types import Answer, Citation, Filters, Hit
from . import render
from .render import Turn
from .render_sets import set_sources_html

SESSION_SECONDS = 12 * 3600  # a conversation untouched this long is dropped (bounded memory on a shared server)
KEPT_TURNS = 50  # turns one conversation keeps for follow-ups and exports; older ones are dropped
KEPT_MESSAGES = 4 * KEPT_TURNS
SUMMARIZE_LIMIT = 20  # papers one "summarize" of the panel may cover
SIMILAR_K = 8  # papers "more like this" shows (a card's button, a point on the map, the API's default)


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

    def show_answer(self, turn: Turn, collection: str | None) -> None:
        """An answered turn: kept for follow-ups and exports, its papers shown in the panel."""
        self.turns = [*self.turns, turn][-KEPT_TURNS:]
        self.messages = self.messages[-KEPT_MESSAGES:]
        self.hits, self.citations = list(turn.answer.sources), list(turn.answer.citations)
        self.heading, self.selected, self.collection = None, [], collection or None
        self.answer = turn.answer


def user_message(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def bot_message(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def make_filters(decision: Sequence[str] | None, keyword: str | None, author: str | None) -> Filters | None:
    """The filters of the form (or of an API call); None when nothing is set."""
    filters = Filters(
        decision=tuple(d for d in (decision or ()) if d),
        keyword=(keyword or "").strip() or None,
        author=(author or "").strip() or None,
    )
    return None if filters.is_empty() else filters


def summarize_label(conv: Conversation) -> str:
    n = len(conv.selected)
    return f"Summarize {n} selected paper{'s' if n != 1 else ''}" if n else "Summarize these papers"


def sources_panel(conv: Conversation) -> str:
    """A set answer's papers grouped with their count; any other answer's (or similar papers) as cards."""
    if conv.answer is not None and conv.answer.is_set:
        return set_sources_html(conv.answer)
    return render.sources_html(conv.hits, conv.citations, conv.heading)


class Exports:
    """Each session's downloads (the conversation as Markdown, its cited papers as BibTeX, comparison tables) in a
    folder of its own under one temporary folder, removed when Gradio drops the session. The temporary folder itself
    goes when the app does (closed, collected or at the process's exit): every start of the app would otherwise leave
    one behind in the system's temporary folder."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="paper-assistant-exports-"))
        self._removal = weakref.finalize(self, shutil.rmtree, self.root, ignore_errors=True)

    def close(self) -> None:
        """Remove every session's exports and their temporary folder (idempotent)."""
        self._removal()

    def folder(self, request: object) -> Path:
        """This session's folder (named after Gradio's session hash, reduced to safe characters), created."""
        session = re.sub(r"[^A-Za-z0-9_-]", "", str(getattr(request, "session_hash", "") or ""))
        folder = self.root / (session[:64] or "anonymous")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write_conversation(self, conv: Conversation, request: object) -> tuple[str | None, str | None]:
        """The conversation as Markdown and its cited papers as BibTeX, in this session's own folder."""
        if not conv.turns:
            return None, None
        folder = conv.export_folder = self.folder(request)
        md = folder / "conversation.md"
        md.write_text(render.export_conversation_markdown(conv.turns), encoding="utf-8")
        papers = render.cited_papers(conv.turns)
        if not papers:
            return str(md), None
        bib = folder / "cited-papers.bib"
        bib.write_text(render.bibtex(papers), encoding="utf-8")
        return str(md), str(bib)

    @staticmethod
    def forget(conv: Conversation | None) -> None:
        """Gradio dropped an idle session: remove its export files too."""
        if conv is not None and conv.export_folder is not None:
            shutil.rmtree(conv.export_folder, ignore_errors=True)
