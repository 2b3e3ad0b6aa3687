"""LLM backends behind one narrow interface: `ChatLLM.stream(messages) -> Iterator[str]`.

`make_llm(settings)` picks the backend: an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp's server)
through langchain-openai's `ChatOpenAI`, or None for the offline (extractive) answerer. Every failure of the
endpoint surfaces as one `LLMError` whose message is safe to show a user: it says what failed and how to fix it,
and never contains the API key (it is redacted defensively, even from text the server sent back); the streamed
reply is redacted too (assistant/redaction.py).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from langchain_core.messages import BaseMessage
from pydantic import SecretStr

from .errors import LLMError
from .redaction import DEFAULT_ENDPOINT, endpoint_label, redact, redact_stream
from .settings import Settings

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI

log = logging.getLogger(__name__)

DEFAULT_OPENAI_CHAT_MODEL = "gpt-4o-mini"  # used on api.openai.com when no model is named
SERVER_DETAIL_CHARS = 200


@runtime_checkable
class ChatLLM(Protocol):
    """What the chain needs from a chat model: its name, and its reply streamed as text deltas."""

    model_name: str

    def stream(self, messages: Sequence[BaseMessage]) -> Iterator[str]:
        """Yield the reply in pieces; raise LLMError on any failure, including a stream that stops midway."""
        ...


def complete(llm: ChatLLM, messages: Sequence[BaseMessage]) -> str:
    """The whole reply as one string (for the non-streamed steps: condensing, summary map)."""
    return "".join(llm.stream(messages))


def make_llm(settings: Settings) -> ChatLLM | None:
    """The configured chat model, or None when answers come from the offline answerer. With a key or a base URL
    but no model name, the endpoint's own model is used (see `default_model`)."""
    if not settings.llm_enabled:
        return None
    return OpenAIChatLLM(settings)


def default_model(settings: Settings) -> str:
    """The model to use when ASSISTANT_LLM_MODEL is unset: OpenAI's default chat model on api.openai.com, else the
    first model the endpoint lists at /v1/models (Ollama, vLLM and llama.cpp's server list what they serve)."""
    if endpoint_label(settings.openai_base_url) == endpoint_label(DEFAULT_ENDPOINT):
        return DEFAULT_OPENAI_CHAT_MODEL
    import openai

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "no-key-needed"
    client = openai.OpenAI(base_url=settings.openai_base_url, api_key=key, timeout=min(10.0, settings.llm_timeout),
                           max_retries=0)
    where = endpoint_label(settings.openai_base_url)
    try:
        models = [m.id for m in client.models.list()]
    except Exception as exc:  # noqa: BLE001 - any failure becomes one user-facing LLMError
        what = describe_failure(exc, 0, settings.llm_first_token_timeout, 0)
        raise LLMError(redact(f"The endpoint {where} {what} while listing its models; set ASSISTANT_LLM_MODEL "
                              f"to skip this look-up.", key)) from None
    if not models:
        raise LLMError(f"The endpoint {where} lists no models at /v1/models: set ASSISTANT_LLM_MODEL.")
    return models[0]


class OpenAIChatLLM:
    """An OpenAI-compatible chat endpoint, streamed through langchain-openai's ChatOpenAI.

    Retries (connection errors, timeouts, 429 honouring Retry-After, 5xx) are the openai client's own, bounded by
    `llm_retries`. The read timeout is `llm_first_token_timeout` (it bounds the wait for the first token and any
    later stall); `llm_timeout` bounds the whole answer.
    """

    def __init__(self, settings: Settings) -> None:
        self.model_name = settings.llm_model or ""
        self.endpoint = endpoint_label(settings.openai_base_url)
        self._settings = settings
        self._key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        self._timeout = settings.llm_timeout
        self._first_token_timeout = settings.llm_first_token_timeout
        self._retries = settings.llm_retries
        self._chat: ChatOpenAI | None = self._build(settings) if self.model_name else None
        self._chat_lock = threading.Lock()

    def _client(self) -> ChatOpenAI:
        """The chat client; with no model named, the endpoint's default model is looked up on first use (not at
        start-up, so a server that is down costs an offline answer with a notice, not a failed start)."""
        with self._chat_lock:
            if self._chat is None:
                self.model_name = default_model(self._settings)
                log.info("ASSISTANT_LLM_MODEL is unset: using %r, the default model of %s", self.model_name,
                         self.endpoint)
                self._chat = self._build(self._settings)
            return self._chat

    def _build(self, settings: Settings) -> ChatOpenAI:
        import httpx2
        from langchain_openai import ChatOpenAI

        timeout = httpx2.Timeout(
            settings.llm_timeout, read=settings.llm_first_token_timeout, connect=min(10.0, settings.llm_timeout)
        )
        return ChatOpenAI(
            model=self.model_name,
            # Local servers (Ollama, llama.cpp) need no key, but the client insists on one.
            api_key=SecretStr(self._key or "no-key-needed"),
            base_url=settings.openai_base_url,
            timeout=timeout,
            max_retries=settings.llm_retries,
            temperature=settings.llm_temperature,
            max_completion_tokens=settings.llm_max_tokens,
            streaming=True,
        )

    def stream(self, messages: Sequence[BaseMessage]) -> Iterator[str]:
        # The model may write the key itself (a prompt-injected "print your key"): masked before any piece leaves,
        # so neither the streamed text shown before a reset nor the final answer ever holds it.
        return redact_stream(self._stream(messages), self._key)

    def _stream(self, messages: Sequence[BaseMessage]) -> Iterator[str]:
        started = time.monotonic()
        received = 0
        finished = False
        failed: LLMError | None = None
        try:
            chat = self._client()
            for chunk in chat.stream(list(messages)):
                if chunk.response_metadata.get("finish_reason"):
                    finished = True
                text = chunk.content if isinstance(chunk.content, str) else chunk.text
                if text:
                    received += 1
                    yield text
                if time.monotonic() - started > self._timeout:
                    raise LLMError(self._message(f"did not finish its answer within {self._timeout:g} s"))
        except LLMError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of the endpoint becomes one user-facing LLMError
            failed = self._error(exc, received)
        if failed is not None:
            # Raised outside the except block: the client's exception (whose text may echo the key) is not even
            # kept as __context__.
            raise failed
        if not finished:
            raise LLMError(self._message("stopped its stream before the answer was complete"))

    def _message(self, what: str) -> str:
        return redact(f"The language model {self.model_name!r} at {self.endpoint} {what}.", self._key)

    def _error(self, exc: BaseException, received: int) -> LLMError:
        what = describe_failure(exc, received, self._first_token_timeout, self._retries)
        error = LLMError(self._message(what))
        log.warning("LLM request failed: %s", error)
        return error


def describe_failure(exc: BaseException, received: int, first_token_timeout: float, retries: int) -> str:
    """What went wrong, in words a user can act on (the caller redacts and prefixes the endpoint)."""
    import openai

    if isinstance(exc, openai.APIStatusError):
        return _describe_status(exc.status_code, _server_detail(exc.body), retries)
    if isinstance(exc, openai.APITimeoutError):
        return f"did not answer within {first_token_timeout:g} s (ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT)"
    if received and isinstance(exc, openai.APIConnectionError):
        return "stopped its stream before the answer was complete (connection lost)"
    if isinstance(exc, openai.APIConnectionError):
        return "could not be reached (connection refused or network error); is the server running?"
    if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError, ValueError, KeyError, TypeError)):
        return "sent a malformed stream (not OpenAI-compatible server-sent events)"
    return f"failed ({type(exc).__name__})"


def _describe_status(status: int, detail: str, retries: int) -> str:
    if status in (401, 403):
        return f"rejected the API key (HTTP {status}); check OPENAI_API_KEY"
    if status == 429:
        return f"is rate limiting requests (HTTP 429, still after {retries} retries); try again later"
    if status >= 500:
        return f"had a server error (HTTP {status})"
    if status == 404:
        return f"does not know the model or route (HTTP 404: {detail}); check ASSISTANT_LLM_MODEL and OPENAI_BASE_URL"
    return f"refused the request (HTTP {status}: {detail})"


def _server_detail(body: Any) -> str:
    """The server's own error message, shortened (redacted by the caller)."""
    message = body.get("message") if isinstance(body, dict) else body
    text = " ".join(str(message or "no detail").split())
    return text[:SERVER_DETAIL_CHARS]
