"""Access and load guards of the web app: login accounts from settings, a per-client rate limit, a login throttle,
how long a login lasts, the proxies whose X-Forwarded-For is believed, which pages may frame the app, and a request
body size limit (ASGI middleware). Framework-light so the guards can be tested without a browser;
assistant/web/gate.py applies the admission rules to every request."""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any

from ..errors import ConfigError
from ..settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(__name__)

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
        return self._check(client, record=True)

    def wait(self, client: str) -> float | None:
        """Like retry_after, without recording anything: None if the client may go on now."""
        return self._check(client, record=False)

    def record(self, client: str) -> None:
        """Count one event for the client, allowed or not (a failed login)."""
        if self.per_minute > 0:
            with self._lock:
                self._calls.setdefault(client, deque()).append(self.clock())

    def forget(self, client: str) -> None:
        with self._lock:
            self._calls.pop(client, None)

    def _check(self, client: str, record: bool) -> float | None:
        if self.per_minute <= 0:
            return None
        now = self.clock()
        with self._lock:
            self._sweep(now)
            calls = self._calls.setdefault(client, deque())
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            if len(calls) >= self.per_minute:
                return max(0.1, calls[-self.per_minute] + self.window - now)
            if record:
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


# --- login throttle -----------------------------------------------------------------------------------------------
LOGIN_FAILURES = 5  # wrong passwords allowed per user, and per client, in any LOGIN_WINDOW
LOGIN_WINDOW = 300.0  # seconds


class LoginThrottle:
    """Failed logins counted per user name and per client: after LOGIN_FAILURES within LOGIN_WINDOW seconds either
    one is refused (HTTP 429) until its oldest failure ages out, so guessing costs minutes, not milliseconds. A
    successful login clears the client's count (not the user's: an attacker on another address keeps their own)."""

    def __init__(self, failures: int = LOGIN_FAILURES, window: float = LOGIN_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._failures = RateLimiter(failures, window=window, clock=clock)

    def retry_after(self, user: str, client: str) -> float | None:
        """None if this user may try to log in from this client now, else the seconds to wait."""
        waits = [w for w in (self._failures.wait(f"user:{user}"), self._failures.wait(client)) if w is not None]
        return max(waits) if waits else None

    def failed(self, user: str, client: str) -> None:
        self._failures.record(f"user:{user}")
        self._failures.record(client)

    def succeeded(self, client: str) -> None:
        self._failures.forget(client)


class SessionAges:
    """When each login token was issued, so a session ends `max_age` seconds after its login: Gradio's own tokens
    live until logout or restart, so a cookie copied from a shared machine would otherwise open the app for good.
    A token the gate did not see issued (none should exist) is dated from its first use."""

    def __init__(self, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._clock = clock
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def issued(self, token: str) -> None:
        with self._lock:
            self._issued[token] = self._clock()

    def expired(self, token: str, live_tokens: Collection[str]) -> bool:
        """Whether this token's session is over; forgets the tokens no longer live (logged out), so the table stays
        as small as the sessions."""
        now = self._clock()
        with self._lock:
            if len(self._issued) > 2 * len(live_tokens) + 64:
                self._issued = {t: at for t, at in self._issued.items() if t in live_tokens}
            issued_at = self._issued.setdefault(token, now)
            if now - issued_at <= self.max_age:
                return False
            del self._issued[token]
            return True


# Headers only a reverse proxy may set (lower case, as ASGI gives them).
FORWARDING_HEADERS = frozenset({b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-port",
                                b"x-forwarded-prefix", b"x-forwarded-server", b"forwarded"})


# --- who is asking: trusted proxies ------------------------------------------------------------------------------
class TrustedProxies:
    """The reverse proxies whose X-Forwarded-For header is believed (the `forwarded_allow_ips` setting, as uvicorn's
    --forwarded-allow-ips): comma-separated addresses or networks (`127.0.0.1,10.0.0.0/8`), `*` for any peer, empty
    for none (the default: a client that sends the header itself cannot pass for someone else)."""

    def __init__(self, spec: str | None = None) -> None:
        items = [item.strip() for item in (spec or "").split(",") if item.strip()]
        self.any = "*" in items
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for item in items:
            if item == "*":
                continue
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ConfigError(
                    f"forwarded_allow_ips: {item[:60]!r} is not an IP address or network; set "
                    "ASSISTANT_FORWARDED_ALLOW_IPS to the proxies' addresses, e.g. 127.0.0.1,10.0.0.0/8 (or leave it "
                    "empty when no proxy is in front of the app)."
                ) from None

    def __contains__(self, host: object) -> bool:
        if self.any:
            return True
        try:
            address = ipaddress.ip_address(str(host))
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def forwarding_checked(self, scope: Scope) -> Scope:
        """The request without its X-Forwarded-* and Forwarded headers unless a named proxy sent them. A proxy
        sent them when the peer is one, or (with proxies named) when the request carries X-Forwarded-For: the
        server then already put the forwarded client in the peer's place (uvicorn does so for the same list).
        Gradio builds the page's root URL, where the login form posts, from X-Forwarded-Host and -Proto."""
        headers = list(scope.get("headers") or [])
        if not any(key in FORWARDING_HEADERS for key, _ in headers):
            return scope
        peer = scope.get("client")
        forwarded = any(key == b"x-forwarded-for" for key, _ in headers)
        if (peer and peer[0] in self) or ((self.any or self.networks) and forwarded):
            return scope
        return {**scope, "headers": [(k, v) for k, v in headers if k not in FORWARDING_HEADERS]}

    def client(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address: the peer's, or, when the peer is a trusted proxy, the nearest X-Forwarded-For entry
        that is not a trusted proxy itself (the entries to its left were written by the client: forgeable)."""
        address = peer or "unknown"
        if not forwarded_for or address not in self:
            return address
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            address = hop[:64]
            if address not in self:
                break
        return address


def client_key(
    host: str | None, forwarded_for: str | None, username: str | None, trusted: TrustedProxies | None = None
) -> str:
    """Who a request counts against: the logged-in user, else the client address (see TrustedProxies)."""
    if username:
        return f"user:{username}"
    return f"ip:{(trusted or TrustedProxies()).client(host, forwarded_for)}"


# --- request size -------------------------------------------------------------------------------------------------
def max_request_bytes(settings: Settings) -> int:
    """The largest request body accepted: a full question plus the longest history the API accepts, as JSON."""
    per_turn = settings.max_question_chars + ANSWER_CHARS_PER_TURN
    return _BODY_OVERHEAD + 4 * (settings.max_question_chars + settings.max_history_turns * per_turn)


class _TooLarge(Exception):
    pass


class FramePolicy:
    """ASGI middleware: every HTTP response says which pages may frame the app (CSP `frame-ancestors`, from the
    `ui_frame_ancestors` setting), so a lab that names its wiki stops other sites from framing the app over a
    member's login cookie (which is SameSite=None for the wiki iframe). `*` sends nothing: any page may."""

    def __init__(self, app: ASGIApp, ancestors: str) -> None:
        self.app = app
        self.policy = None if ancestors == "*" else f"frame-ancestors 'self' {ancestors}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.policy is None:
            await self.app(scope, receive, send)
            return
        policy = self.policy

        async def framed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                message = {**message, "headers": [*headers, (b"content-security-policy", policy)]}
            await send(message)

        await self.app(scope, receive, framed_send)


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
