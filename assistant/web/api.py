"""The named HTTP API endpoints of the app (gradio_client, `/gradio_api/...`): /ask, /search, /summarize and
/similar here; /map and /compare beside their panels (map_view.py). Each is admitted like a chat request, calls
the service, and returns its JSON shape; a failure reaches the client as a safe message."""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.events import api as gradio_api

from .. import service
from ..errors import InputTooLarge
from ..settings import Settings
from ..types import Answer
from . import render
from .access import ANSWER_CHARS_PER_TURN
from .admission import Admission, refusal, user_error
from .session import SIMILAR_K, make_filters

API_SUMMARIZE_LIMIT = 50  # paper ids one API `summarize` may name
MAX_HISTORY_PAPERS = 200  # papers per earlier turn an API client may send back (a set answer's whole set)


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """The JSON shape of an answer (API `ask` and `summarize`): the service's, plus the rendered Markdown."""
    return service.answer_to_dict(answer) | {
        "markdown": render.link_citations(answer.text, answer.citations, answer.sources)
    }


class ApiEndpoints:
    """The endpoints of one app; `register` inside the Blocks context."""

    def __init__(self, settings: Settings, admission: Admission) -> None:
        self.settings, self.admission = settings, admission

    def register(self, common: dict[str, Any]) -> None:
        gradio_api(self.api_ask, api_name="ask", **common)
        gradio_api(self.api_search, api_name="search", **common)
        gradio_api(self.api_summarize, api_name="summarize", **common)
        gradio_api(self.api_similar, api_name="similar", **common)

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
        self.admission.api_ready(request, question)
        try:
            turns = self._history(history, collection)
            filters = make_filters(decision, keyword, author)
            return answer_to_dict(service.ask(question, turns, self.settings, filters, collection or None))
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise refusal(user_error(exc)) from None

    def api_search(
        self, query: str, k: int = 10, collection: str | None = None, decision: list[str] | None = None,
        keyword: str | None = None, author: str | None = None, request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """The papers that best match a query, best first: {query, reading, results: [{id, title, authors, score,
        decision, url}]}; `reading` says what the query was read as ("" when searched as typed)."""
        self.admission.api_ready(request, query)
        try:
            filters = make_filters(decision, keyword, author)
            found = service.search_with_reading(query, self.settings, k=max(1, min(int(k), 100)), filters=filters,
                                                collection=collection or None)
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise refusal(user_error(exc)) from None
        return {"query": query, "reading": found.reading, "results": [service.hit_to_dict(h) for h in found.hits]}

    def api_summarize(
        self, query: str | None = None, ids: list[str] | None = None, collection: str | None = None,
        decision: list[str] | None = None, keyword: str | None = None, author: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """A cited summary of a group of papers: the given paper `ids`, or the papers matching `query` and the
        filters. Same shape as `ask`."""
        self.admission.api_ready(request, query)
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
        self.admission.api_ready(request)
        try:
            hits = service.similar(paper_id, self.settings, k=max(1, min(int(k), 50)), collection=collection or None)
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise refusal(user_error(exc)) from None
        return {"paper_id": paper_id, "results": [service.hit_to_dict(h) for h in hits]}

    def _history(self, history: list[dict[str, Any]] | None, collection: str | None) -> list[tuple[str, Answer]]:
        """Earlier turns sent by an API client, checked against the size limits (only the last
        max_history_turns are kept, as in the UI); the service rebuilds each answer with the store's papers."""
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
            earlier = item | {"question": question, "answer": text}
            turns.append((question, service.earlier_answer(earlier, self.settings, collection or None,
                                                           MAX_HISTORY_PAPERS)))
        return turns
