"""Admission of every request to the web app before Gradio sees it: one ASGI middleware (`AccessGate`) applying the
rules of assistant/web/access.py.

- With login configured, only the login page, its static assets and the login form answer without a session. This
  is an allow-list: every other route, including ones a later Gradio adds, needs a session (deny by default). The
  login page carries no API schema.
- A login lasts `ui_session_hours` (Gradio's own token never expires): then the token is dropped and the user logs
  in again.
- Logins are throttled per user name and per client (HTTP 429 with Retry-After); failures are logged without the
  password (and without the user name unless it names an account: people type passwords into that field).
- Routes that take files are closed: the app has no upload component. So are Gradio's development-mode routes
  (`dev/reload` polls 20 times a second for every connection held open: 300 idle connections cost a quarter core).
- X-Forwarded-Host, -Proto and the like are dropped unless a named proxy sent them: Gradio builds the page's root
  URL from them, so a forged one pointed the login form at another host.
- A call naming an unknown function, or giving it too few inputs, is refused with a 4xx (Gradio answered 500 with a
  traceback); a refusal logs one line, and no message repeats a long input back whole.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.middleware import Middleware
from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse

from ..errors import shown
from ..settings import Settings
from .access import (
    ASGIApp,
    BodySizeLimit,
    FramePolicy,
    LoginThrottle,
    Message,
    Receive,
    Scope,
    Send,
    SessionAges,
    TrustedProxies,
    max_request_bytes,
    parse_accounts,
)

log = logging.getLogger(__name__)

# Served without a session: the login page, what it loads (Gradio's bundle, fonts, theme) and the login form.
PUBLIC_PATHS = frozenset({"/", "/login", "/login/", "/theme.css", "/favicon.ico", "/manifest.json", "/robots.txt",
                          "/gradio.js"})
PUBLIC_PREFIXES = ("/assets/", "/static/")
LOGIN_PATHS = frozenset({"/login", "/login/"})
STARTUP_PATH = "/gradio_api/startup-events"
# Routes that receive files: closed to everyone, since nothing in the app takes a file.
UPLOAD_PATHS = frozenset({"/gradio_api/upload", "/gradio_api/upload/", "/gradio_api/upload_progress",
                          "/gradio_api/process_recording"})
# Gradio's development-mode routes (reload polling, the vibe editor): this app never runs in that mode.
DEV_PATHS = frozenset({"/gradio_api/dev/reload", "/gradio_api/vibe-code", "/gradio_api/vibe-code/",
                       "/gradio_api/vibe-edit", "/gradio_api/vibe-edit/", "/gradio_api/undo-vibe-edit",
                       "/gradio_api/undo-vibe-edit/"})
# Routes that run a function of the app: `queue/join` and `run/predict` name it by fn_index, the others by api_name.
CALL_PATH = re.compile(r"^/gradio_api/(?:queue/join|(?P<route>run|api|call|call/v2)/(?P<api_name>[^/]+))/?$")
LOGIN_BODY_BYTES = 16 * 1024  # a user name and a password, as a form
API_SCHEMA = re.compile(rb"window\.gradio_api_info = .*?;</script>", re.S)
NO_API_SCHEMA = b'window.gradio_api_info = {"named_endpoints": {}, "unnamed_endpoints": {}};</script>'


def route_path(scope: Scope) -> str:
    """The path inside the app (without the prefix it is mounted under), as Starlette's routing sees it."""
    path, root = str(scope.get("path") or "/"), str(scope.get("root_path") or "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        path = path[len(root):]
    return path or "/"


def is_public(path: str) -> bool:
    """Whether a route answers without a session when login is on."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _first_startup_call(scope: Scope, path: str) -> bool:
    """Gradio's launch() calls its own startup-events route once, without a session; later calls need one."""
    return path == STARTUP_PATH and getattr(scope.get("app"), "startup_events_triggered", True) is False


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def session_token(scope: Scope) -> tuple[str, str] | None:
    """(login token, user) of this request's cookie (Gradio's own login token), or None."""
    app = scope.get("app")
    tokens, cookie_id = getattr(app, "tokens", None), getattr(app, "cookie_id", None)
    if not isinstance(tokens, dict) or cookie_id is None:
        return None
    cookies = cookie_parser(_header(scope, b"cookie") or "")
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
    user = tokens.get(token) if token else None
    return (token, str(user)) if token and user else None


def issued_token(message: Message) -> str | None:
    """The login token a login response sets as its cookie, or None."""
    for key, value in message.get("headers") or []:
        if key.lower() == b"set-cookie":
            name, _, rest = bytes(value).decode("latin-1").partition("=")
            if name.strip().startswith("access-token"):
                return rest.split(";", 1)[0].strip() or None
    return None


def _replay(body: bytes) -> Receive:
    """A `receive` that hands a body already read to the app behind, then reports a disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _read_body(receive: Receive, limit: int | None = None) -> bytes | None:
    """The whole request body, or None once it exceeds `limit` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def refuse(send: Send, status: int, message: str, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"error": message, "detail": message}).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


class AccessGate:
    """ASGI middleware: the admission rules above, for the Gradio app it wraps (found as scope["app"])."""

    def __init__(self, app: ASGIApp, accounts: list[tuple[str, str]] | None, trusted: TrustedProxies,
                 sessions: SessionAges, throttle: LoginThrottle | None = None) -> None:
        self.app = app
        self.users = {user for user, _ in accounts or []}
        self.login_required = accounts is not None
        self.trusted = trusted
        self.throttle = throttle or LoginThrottle()
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path, method = route_path(scope), str(scope.get("method") or "GET")
        scope = self.trusted.forwarding_checked(scope)
        if path in UPLOAD_PATHS:
            await self._refused(scope, send, 404, "This app takes no file uploads.")
            return
        if path in DEV_PATHS:
            await self._refused(scope, send, 404, "This is a route of Gradio's development mode, which this app "
                                "does not run.")
            return
        if self.login_required:
            user = self._session_user(scope)
            if method == "POST" and path in LOGIN_PATHS:
                await self._login(scope, receive, send)
                return
            if user is None and not (is_public(path) or _first_startup_call(scope, path)):
                await self._refused(scope, send, 401, "Not authenticated: log in first (POST /login).")
                return
            if user is None and path == "/":
                await self.app(scope, receive, _without_api_schema(send))
                return
        call = CALL_PATH.match(path) if method == "POST" else None
        if call is not None:
            await self._call(scope, receive, send, call.group("api_name"), call.group("route"))
            return
        await self.app(scope, receive, send)

    def _session_user(self, scope: Scope) -> str | None:
        """The user of this request's session, or None; a session past its age is ended (its token is dropped from
        Gradio's table too, so no route of Gradio's accepts it either)."""
        session = session_token(scope)
        if session is None:
            return None
        token, user = session
        tokens = getattr(scope.get("app"), "tokens", {})
        if not self.sessions.expired(token, tokens):
            return user
        tokens.pop(token, None)
        log.info("the session of user %r ended: logged in over %.4g hours ago", user, self.sessions.max_age / 3600)
        return None

    def client(self, scope: Scope) -> str:
        peer = scope.get("client")
        return "ip:" + self.trusted.client(peer[0] if peer else None, _header(scope, b"x-forwarded-for"))

    async def _refused(self, scope: Scope, send: Send, status: int, message: str,
                       headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
        """One log line per refusal (no traceback), then the refusal."""
        log.warning("refused %s %s from %s (%d): %s", scope.get("method") or "WEBSOCKET",
                    shown(route_path(scope)), self.client(scope), status, message)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4000 + status})
            return
        await refuse(send, status, message, headers)

    # --- login --------------------------------------------------------------------------------------------------
    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive, LOGIN_BODY_BYTES)
        if body is None:
            await self._refused(scope, send, 413, f"A login form is at most {LOGIN_BODY_BYTES} bytes.")
            return
        user = await _form_user(scope, body)
        client = self.client(scope)
        wait = self.throttle.retry_after(user, client)
        if wait is not None:
            seconds = math.ceil(wait)
            await self._refused(scope, send, 429, f"Too many failed logins: try again in {seconds} s.",
                                [(b"retry-after", str(seconds).encode())])
            return

        async def judging_send(message: Message) -> None:
            # The outcome is counted and logged before the client sees it: a client that fires its next guess the
            # moment a refusal arrives already finds the failure recorded.
            if message["type"] == "http.response.start":
                self._judge_login(int(message["status"]), user, client)
                token = issued_token(message) if int(message["status"]) == 200 else None
                if token is not None:
                    self.sessions.issued(token)
            await send(message)

        await self.app(scope, _replay(body), judging_send)

    def _judge_login(self, status: int, user: str, client: str) -> None:
        if status == 200:
            self.throttle.succeeded(client)
        elif 400 <= status < 500:
            self.throttle.failed(user, client)
            named = f"user {user!r}" if user in self.users else "an unknown user name"
            log.warning("login failed for %s from %s", named, client)

    # --- calls ----------------------------------------------------------------------------------------------------
    async def _call(self, scope: Scope, receive: Receive, send: Send, api_name: str | None,
                    route: str | None) -> None:
        body = await _read_body(receive)
        problem = call_problem(scope.get("app"), api_name, body or b"", queued=route in (None, "call", "call/v2"))
        if problem is not None:
            await self._refused(scope, send, *problem)
            return
        await self.app(scope, _replay(body or b""), send)


async def _form_user(scope: Scope, body: bytes) -> str:
    """The user name a login form names ("" if unreadable): urlencoded (gradio_client) or multipart (the page)."""
    try:
        form = await Request(scope, _replay(body)).form()
    except Exception:  # noqa: BLE001 - a malformed form is left to the login route to refuse
        return ""
    try:
        user = form.get("username")
        return user.strip()[:200] if isinstance(user, str) else ""
    finally:
        await form.close()


def call_problem(app: Any, api_name: str | None, body: bytes, queued: bool = True) -> tuple[int, str] | None:
    """Why a call cannot be run (status, message), or None. Only what Gradio would turn into a 500 is checked here
    (an unknown function, too few inputs); malformed JSON and wrong types get FastAPI's own 422. `queued`: a route
    that joins the queue (queue/join, call/); Gradio closes the others itself before reading any input."""
    try:
        payload = json.loads(body)
        fns = app.get_blocks().fns
    except (ValueError, AttributeError):
        return None
    if not isinstance(payload, dict):
        return None
    fn_index = payload.get("fn_index")
    if fn_index is None:
        fn = next((f for f in fns.values() if api_name and f.api_name == api_name), None)
        if fn is None:
            return 404, f"No API endpoint named {shown(api_name or '')}: see the API page for the endpoints."
    elif isinstance(fn_index, int) and not isinstance(fn_index, bool):
        fn = fns.get(fn_index)
        if fn is None:
            return 422, f"Unknown fn_index {shown(fn_index)}: the app has functions 0 to {len(fns) - 1}."
    else:
        return None
    data = payload.get("data")
    # Every input must be given (Gradio fills in no defaults; it answered a short call by name with `"error": null`
    # and a traceback in the log); a private function called by name is Gradio's to refuse.
    by_name_closed = fn_index is None and (not queued or getattr(fn, "api_visibility", "public") == "private")
    if not by_name_closed and isinstance(data, list) and len(data) < len(fn.inputs):
        return 422, f"This function takes {len(fn.inputs)} inputs; the request gave {len(data)}."
    return None


def _without_api_schema(send: Send) -> Send:
    """Send the login page without the API schema Gradio embeds in every page (it describes every endpoint)."""
    start: Message | None = None
    parts: list[bytes] = []

    async def stripping_send(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        parts.append(bytes(message.get("body", b"")))
        if message.get("more_body"):
            return
        page = API_SCHEMA.sub(lambda _: NO_API_SCHEMA, b"".join(parts))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
        await send({"type": "http.response.body", "body": page})

    return stripping_send


# --- FastAPI's 422 without the input echoed back -------------------------------------------------------------------
async def short_validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's validation error, but without the `input` it repeats (a 5,000-character field came back whole)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    log.warning("refused %s %s (422): %d invalid fields", request.method, shown(request.url.path), len(errors))
    detail = [{"type": e.get("type"), "loc": [shown(part) for part in e.get("loc", ())], "msg": shown(e.get("msg"))}
              for e in errors[:10]]
    return JSONResponse({"detail": detail}, status_code=422)


EXCEPTION_HANDLERS: dict[Any, Callable[..., Any]] = {RequestValidationError: short_validation_error}


def middleware(settings: Settings) -> list[Middleware]:
    """The app's ASGI middleware, outermost first: the framing policy, the body size limit, then the admission
    gate."""
    return [
        Middleware(FramePolicy, ancestors=settings.ui_frame_ancestors),
        Middleware(BodySizeLimit, max_bytes=max_request_bytes(settings)),
        Middleware(AccessGate, accounts=parse_accounts(settings.ui_auth),
                   trusted=TrustedProxies(settings.forwarded_allow_ips),
                   sessions=SessionAges(settings.ui_session_hours * 3600)),
    ]
