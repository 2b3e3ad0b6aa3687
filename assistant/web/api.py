"""The named HTTP API endpoints of the app (gradio_client, `/gradio_api/...`): /ask, /search, /summarize and
/similar here; /map and /compare beside their panels (map_view.py). Each is admitted like a chat request, calls
the service, and returns its JSON shape; a failure reaches the client as a safe message."""

from __future__ import annotations

import functools
import inspect
import math
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr
from gradio.events import api as gradio_api

from .. import service
from ..errors import InputTooLarge, shown
from ..settings import Settings
from ..types import Answer
from . import render
from .access import ANSWER_CHARS_PER_TURN
from .admission import Admission, refusal, user_error
from .session import SIMILAR_K, make_filters

F = TypeVar("F", bound=Callable[..., Any])
API_SUMMARIZE_LIMIT = 50  # paper ids one API `summarize` may name
MAX_HISTORY_PAPERS = 200  # papers per earlier turn an API client may send back (a set answer's whole set)


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """The JSON shape of an answer (API `ask` and `summarize`): the service's, plus the rendered Markdown."""
    return service.answer_to_dict(answer) | {
        "markdown": render.link_citations(answer.text, answer.citations, answer.sources)
    }


# --- argument types ---------------------------------------------------------------------------------------------
def checked_arguments(endpoint: F) -> F:
    """An API endpoint whose arguments are checked against its own type hints before it runs: a client that sends
    a number, a list, an object or null where text is expected (or NaN, Infinity, text, a list as `k`) is refused
    with a message naming the argument and the type it takes, instead of failing deep inside with a traceback in
    the log and "Something went wrong" for the client. Gradio sees the endpoint's own signature (functools.wraps)."""
    signature = inspect.signature(endpoint)

    @functools.wraps(endpoint)
    def checking(*args: Any, **kwargs: Any) -> Any:
        hints = typing.get_type_hints(endpoint)
        for name, value in signature.bind(*args, **kwargs).arguments.items():
            problem = type_problem(value, hints.get(name, Any)) if name not in ("self", "request") else None
            if problem is not None:
                raise refusal(f"`{name}` {problem}: see the API page for the types each endpoint takes.")
        return endpoint(*args, **kwargs)

    return checking  # type: ignore[return-value]


_TYPE_WORDS = {str: "text", int: "a whole number", dict: "an object"}


def type_problem(value: Any, hint: Any) -> str | None:
    """Why `value` does not fit the type hint (str, int, list[str], list[dict], optional forms), or None."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union \
        else (hint,)
    if value is None:
        return None if type(None) in options else f"must be {_expected(options)}, not null"
    if any(_fits(value, option) for option in options if option is not type(None)):
        return None
    return f"must be {_expected(options)}; got {_described(value)}"


def _fits(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    if hint is int:  # a bool is no count, and NaN or 2.5 no whole number
        return isinstance(value, int) and not isinstance(value, bool) or (
            isinstance(value, float) and math.isfinite(value) and value.is_integer())
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint) or (Any,)
        return isinstance(value, list) and all(_fits(v, typing.get_origin(item) or item) for v in value)
    return isinstance(value, hint)


def _expected(options: tuple[Any, ...]) -> str:
    words = [_type_word(o) for o in options if o is not type(None)]
    return " or ".join(words) + (" (or null)" if type(None) in options else "")


def _type_word(hint: Any) -> str:
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint) or (Any,)
        return f"a list of {_type_word(typing.get_origin(item) or item).removeprefix('a ').removeprefix('an ')}s" \
            if item is not Any else "a list"
    return _TYPE_WORDS.get(hint, getattr(hint, "__name__", str(hint)))


def _described(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return f"the number {shown(value, 20)}"
    if isinstance(value, list):
        return f"a list of {len(value)} items" if all(_fits(v, str) for v in value) else "a list holding other types"
    return "an object" if isinstance(value, dict) else "text" if isinstance(value, str) else type(value).__name__


class ApiEndpoints:
    """The endpoints of one app; `register` inside the Blocks context."""

    def __init__(self, settings: Settings, admission: Admission) -> None:
        self.settings, self.admission = settings, admission

    def register(self, common: dict[str, Any]) -> None:
        gradio_api(self.api_ask, api_name="ask", **common)
        gradio_api(self.api_search, api_name="search", **common)
        gradio_api(self.api_summarize, api_name="summarize", **common)
        gradio_api(self.api_similar, api_name="similar", **common)

    @checked_arguments
    def api_ask(
        self, question: str, history: list[dict[str, Any]] | None = None, collection: str | None = None,
        decision: list[str] | None = None, keyword: str | None = None, author: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """Answer a question with citations to the papers. `history`: earlier results of `ask` (or
        {"question", "answer"} dicts), oldest first, for follow-ups. Returns answer, markdown, mode, model, notice,
        citations [{n, id, title, url}] and sources [{id, title, authors, score, decision, url}]; and intent, topic,
        count (null unless a set answer), possible_count, groups and papers (a set answer's whole set:
        [{n, id, title, authors, score, decision, url, verdict, group, quote, judge}]); comparison (a comparison
        answer's table, as /compare returns it, its rows' n the answer's citations; else null)."""
        self.admission.api_ready(request, question)
        try:
            turns = self._history(history, collection)
            filters = make_filters(decision, keyword, author)
            return answer_to_dict(service.ask(question, turns, self.settings, filters, collection or None))
        except Exception as exc:  # noqa: BLE001 - the client gets a safe message
            raise refusal(user_error(exc)) from None

    @checked_arguments
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

    @checked_arguments
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

    @checked_arguments
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
