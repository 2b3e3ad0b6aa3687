"""Admission of one request by the app itself (after assistant/web/gate.py let it in): the question length rule
(the service's), the per-client rate limit, and waiting for a first-run ingest. A refusal is a `gr.Error` whose
message says what to do; any other failure is logged and shown as a safe line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import gradio as gr

from .. import service
from ..errors import AssistantError, InputTooLarge, shown
from ..settings import Settings
from .access import RateLimiter, TrustedProxies, client_key
from .startup import Startup

log = logging.getLogger(__name__)

CONCURRENCY_GROUP = "answering"  # every costly event (chat, panels, API) shares one concurrency limit
API_READY_TIMEOUT = 900.0  # seconds an API call waits for a first-run ingest to finish


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


class Admission:
    """The checks every costly handler and API endpoint makes before any work."""

    def __init__(self, settings: Settings, startup: Startup) -> None:
        self.settings = settings
        self.startup = startup
        self.limiter = RateLimiter(settings.ui_rate_limit)
        self.trusted = TrustedProxies(settings.forwarded_allow_ips)

    def admit(self, request: gr.Request | None, question: str | None = None) -> None:
        """Size limit and rate limit, before any work. Raises a refusal (gr.Error) that says what to do."""
        if question is not None:
            try:
                service.check_question_length(question, self.settings)
            except InputTooLarge as exc:
                raise refusal(str(exc)) from None
        wait = self.limiter.retry_after(self.client(request))
        if wait is not None:
            raise refusal(
                f"Too many requests: the limit is {self.settings.ui_rate_limit} a minute per client. "
                f"Try again in {wait:.0f} s."
            )

    def client(self, request: gr.Request | None) -> str:
        """Who is asking, for the rate limit: the login, else the address (a trusted proxy's forwarded one)."""
        if request is None:
            return "local"
        client = getattr(request, "client", None)
        host = getattr(client, "host", None)
        headers = getattr(request, "headers", None) or {}
        return client_key(host, headers.get("x-forwarded-for"), getattr(request, "username", None), self.trusted)

    def wait_until_ready(self) -> Iterator[str]:
        """Progress lines while the store is still being built (first run); returns when it is ready."""
        self.startup.retry_if_failed()
        while not self.startup.wait(1.0):
            if self.startup.phase == "indexing":
                yield f"Indexing the listing first ({self.startup.done:,} / {self.startup.total:,} papers)…"
            else:
                yield "Opening the store…"
        if self.startup.phase == "failed":
            raise AssistantError(self.startup.error or "The store could not be opened.")

    def api_ready(self, request: gr.Request | None, question: str | None = None) -> None:
        """An API call: admitted, then waits (up to API_READY_TIMEOUT) for a first-run ingest."""
        self.admit(request, question)
        self.startup.retry_if_failed()
        if not self.startup.wait(timeout=API_READY_TIMEOUT):
            raise refusal("The listing is still being indexed (first run); try again in a minute.")
        if self.startup.phase == "failed":
            raise refusal(self.startup.error or "The store could not be opened.")
