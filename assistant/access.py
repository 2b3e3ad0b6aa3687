"""Access and load guards of the web app: login accounts from settings, a per-client rate limit, and a request body
size limit (an ASGI middleware). Framework-light so the guards can be tested without a browser."""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .errors import ConfigError
from .settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ANSWER_CHARS_PER_TURN = 20_000  # an answer in API history longer than this is refused
_BODY_OVERHEAD = 64 * 1024  # JSON framing, filters, session ids


# --- login --------------------------------------------------------------------------------------------------------
def parse_accounts(spec: object) -> list[tuple[str, str]] | None:
    """`user:password[,user2:password2]` -> [(user, password), ...]; None when no login is configured.

    The error never repeats the spec (it holds passwords)."""
    if spec is None:
        return None
    reveal = getattr(spec, "get_secret_value", None)  # a SecretStr setting, or a plain string
    text = str(reveal() if callable(reveal) else spec)
    if not text.strip():
        return None
    accounts = []
    for n, item in enumerate(text.split(","), 1):
        user, sep, password = item.strip().partition(":")
        if not sep or not user.strip() or not password:
            raise ConfigError(
                f"ASSISTANT_UI_AUTH entry {n} is not `user:password`: set it as user:password[,user2:password2] "
                "(the password may not contain commas)."
            )
        accounts.append((user.strip(), password))
    return accounts


# --- rate limit ---------------------------------------------------------------------------------------------------
class RateLimiter:
    """At most `per_minute` requests per client in any sliding 60-second window. Thread-safe; memory bounded by
    forgetting clients that have been quiet for a whole window (checked on every call, amortised)."""

    def __init__(self, per_minute: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.window = window
        self.clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def retry_after(self, client: str) -> float | None:
        """Record a request; None if allowed, else the seconds until the client may ask again."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        with self._lock:
            self._sweep(now)
            calls = self._calls.setdefault(client, deque())
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            if len(calls) >= self.per_minute:
                return max(0.1, calls[0] + self.window - now)
            calls.append(now)
            return None

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        for client in [c for c, calls in self._calls.items() if not calls or calls[-1] <= now - self.window]:
            del self._calls[client]

    def clients(self) -> int:
        with self._lock:
            return len(self._calls)


def _is_private(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback


def client_key(host: str | None, forwarded_for: str | None, username: str | None) -> str:
    """Who a request counts against: the logged-in user, else the client address.

    Behind a reverse proxy on a private or loopback address, the address the proxy saw (the last entry of
    X-Forwarded-For, which a client cannot forge) stands for the client; a direct client's header is ignored."""
    if username:
        return f"user:{username}"
    address = host or "unknown"
    if forwarded_for and _is_private(address):
        last = forwarded_for.split(",")[-1].strip()
        if last:
            address = last
    return f"ip:{address}"


# --- request size -------------------------------------------------------------------------------------------------
def max_request_bytes(settings: Settings) -> int:
    """The largest request body accepted: a full question plus the longest history the API accepts, as JSON."""
    per_turn = settings.max_question_chars + ANSWER_CHARS_PER_TURN
    return _BODY_OVERHEAD + 4 * (settings.max_question_chars + settings.max_history_turns * per_turn)


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: refuse (413) any HTTP request whose body exceeds `max_bytes`, by Content-Length up front or
    while the body streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"error": f"Request too large: the limit is {self.max_bytes} bytes. Shorten the question or history."}
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
