"""Admission to the app (assistant/web/gate.py), attacked over real HTTP against `python app.py` on 127.0.0.1 (small
real listing, offline answers): routes without a session, the login page's schema, cancelling another user's
request, login throttling, forged X-Forwarded-For, uploads, malformed calls and what a refusal logs."""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

ACCOUNTS = {"alice": "wonder-land-42", "bob": "builder-of-7", "carol": "carol-sings-9"}
RATE_LIMIT = 5
QUESTION = "which papers study over-squashing?"
LONG = "Q" * 5000


@pytest.fixture(scope="module")
def guarded_app(app_launcher: Any, small_store: Path, small_listing: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Login on, behind a "proxy" on 127.0.0.1 (forwarded_allow_ips): a test names its client in X-Forwarded-For."""
    env = {"ASSISTANT_UI_AUTH": ",".join(f"{u}:{p}" for u, p in ACCOUNTS.items()),
           "ASSISTANT_UI_RATE_LIMIT": "0", "ASSISTANT_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with app_launcher(small_store, small_listing, env=env, args=("-v",),
                      log_dir=tmp_path_factory.mktemp("guarded-app")) as server:
        yield server


@pytest.fixture(scope="module")
def open_app(app_launcher: Any, small_store: Path, small_listing: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The default configuration (no login, no trusted proxy) with a rate limit."""
    env = {"ASSISTANT_UI_RATE_LIMIT": str(RATE_LIMIT)}
    with app_launcher(small_store, small_listing, env=env,
                      log_dir=tmp_path_factory.mktemp("open-app")) as server:
        yield server


@contextlib.contextmanager
def logged_in(app: Any, user: str, client_ip: str = "192.0.2.10") -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app.url, timeout=60, headers={"X-Forwarded-For": client_ip}) as http:
        r = http.post("login", data={"username": user, "password": ACCOUNTS[user]})
        assert r.status_code == 200, r.text
        yield http


def fn_index(http: httpx.Client, api_name: str) -> int:
    config = http.get("config").json()
    return next(int(d["id"]) for d in config["dependencies"] if d.get("api_name") == api_name)


def join(http: httpx.Client, fn: int, data: list[Any], session: str) -> str:
    r = http.post("gradio_api/queue/join", json={"data": data, "fn_index": fn, "session_hash": session})
    assert r.status_code == 200, r.text
    return str(r.json()["event_id"])


def completed(http: httpx.Client, session: str) -> dict[str, Any]:
    """The `process_completed` message of the session's event, from the queue's event stream."""
    deadline = time.monotonic() + 120
    with http.stream("GET", "gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            assert time.monotonic() < deadline, "no process_completed within 120 s"
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return dict(message)
    raise AssertionError("the event stream ended without process_completed")


# --- item 10: every route but the login page needs a session ---------------------------------------------------------
@pytest.mark.parametrize("method,route", [
    ("POST", "gradio_api/cancel"), ("POST", "gradio_api/reset"), ("GET", "gradio_api/heartbeat/abc123"),
    ("GET", "gradio_api/app_id"), ("GET", "gradio_api/user"), ("GET", "gradio_api/startup-events"),
    ("GET", "gradio_api/token"), ("GET", "gradio_api/info"), ("GET", "config"), ("GET", "gradio_api/openapi.json"),
    ("GET", "gradio_api/queue/data?session_hash=x"), ("POST", "gradio_api/queue/join"), ("GET", "monitoring"),
    ("GET", "gradio_api/file=README.md"), ("GET", "gradio_api/deep_link"), ("POST", "gradio_api/stream/x"),
    ("GET", "pwa_icon"), ("GET", "gradio_api/some-route-gradio-adds-later"), ("GET", "logout"),
])
def test_without_a_session_only_the_login_page_answers(guarded_app: Any, method: str, route: str) -> None:
    body = {"session_hash": "x", "fn_index": 0, "event_id": "x", "data": []} if method == "POST" else None
    r = httpx.request(method, guarded_app.url + route, json=body, timeout=30)
    assert r.status_code == 401, (route, r.status_code, r.text[:200])


def test_the_login_page_and_its_assets_answer_without_a_session(guarded_app: Any) -> None:
    page = httpx.get(guarded_app.url, timeout=30)
    assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
    assets = re.findall(r'src="\./(assets/[^"]+\.js)"', page.text)
    assert assets
    for route in [*assets, "theme.css", "static/js/iframeResizer.contentWindow.min.js", "gradio.js"]:
        assert httpx.get(guarded_app.url + route, timeout=30).status_code == 200, route


def test_the_login_page_carries_no_api_schema(guarded_app: Any) -> None:
    anonymous = httpx.get(guarded_app.url, timeout=30).text
    with logged_in(guarded_app, "alice") as alice:
        member = alice.get("").text
    assert '"/ask"' in member and "api_search" not in anonymous  # the schema names the endpoints for members
    for name in ('"/ask"', '"/search"', '"/summarize"', "named_endpoints\": {\"/"):
        assert name not in anonymous


def test_a_queued_request_cannot_be_cancelled_without_a_session(guarded_app: Any) -> None:
    with logged_in(guarded_app, "alice") as alice:
        fn = fn_index(alice, "search")
        session = uuid.uuid4().hex[:11]
        event = join(alice, fn, ["graph neural networks", 5, None, None, None, None], session)
        stranger = httpx.post(guarded_app.url + "gradio_api/cancel", timeout=30,
                              json={"session_hash": session, "fn_index": fn, "event_id": event})
        heartbeat = httpx.get(guarded_app.url + f"gradio_api/heartbeat/{session}", timeout=30)
        result = completed(alice, session)
    assert stranger.status_code == 401 and heartbeat.status_code == 401
    assert result["success"] and result["output"]["data"][0]["results"]


# --- item 11: login throttle ------------------------------------------------------------------------------------------
def login(app: Any, user: str, password: str, client_ip: str) -> httpx.Response:
    return httpx.post(app.url + "login", data={"username": user, "password": password},
                      headers={"X-Forwarded-For": client_ip}, timeout=30)


def test_logins_are_throttled_per_user_and_per_client(guarded_app: Any) -> None:
    attacker, guesses = "203.0.113.66", [f"guess-{n}-Zq" for n in range(5)]
    assert [login(guarded_app, "carol", g, attacker).status_code for g in guesses] == [400] * 5
    refused = login(guarded_app, "carol", ACCOUNTS["carol"], attacker)  # even the right password, now
    assert refused.status_code == 429 and 200 <= int(refused.headers["retry-after"]) <= 300
    assert "Too many failed logins" in refused.text
    # per user: carol from another address is refused too; per client: the attacker's address for alice as well
    assert login(guarded_app, "carol", ACCOUNTS["carol"], "198.51.100.7").status_code == 429
    assert login(guarded_app, "alice", ACCOUNTS["alice"], attacker).status_code == 429
    assert login(guarded_app, "alice", ACCOUNTS["alice"], "198.51.100.8").status_code == 200
    log = guarded_app.output()
    assert log.count("login failed for user 'carol' from ip:203.0.113.66") == 5
    assert not any(g in log for g in guesses) and not any(p in log for p in ACCOUNTS.values())


def test_a_failed_login_with_an_unknown_name_does_not_log_the_name(guarded_app: Any) -> None:
    assert login(guarded_app, "hunter2-typed-as-name", "x", "203.0.113.70").status_code == 400
    log = guarded_app.output()
    assert "login failed for an unknown user name from ip:203.0.113.70" in log and "hunter2-typed" not in log


def test_the_browser_login_form_is_throttled_too(guarded_app: Any) -> None:
    """The page posts the form as multipart: the user name is read from it as well."""
    for n in range(5):
        r = httpx.post(guarded_app.url + "login", files={"username": (None, "bob"), "password": (None, f"no-{n}")},
                       headers={"X-Forwarded-For": "203.0.113.80"}, timeout=30)
        assert r.status_code == 400
    assert login(guarded_app, "bob", ACCOUNTS["bob"], "203.0.113.81").status_code == 429


# --- item 12: X-Forwarded-For is believed only from named proxies -----------------------------------------------------
def test_a_forged_forwarded_for_does_not_bypass_the_rate_limit(open_app: Any) -> None:
    outcomes = []
    for n in range(RATE_LIMIT + 5):
        client = Client(open_app.url, headers={"X-Forwarded-For": f"10.9.{n}.{n}"}, verbose=False)
        try:
            client.predict("graph neural networks", api_name="/search")
            outcomes.append("ok")
        except AppError as exc:
            assert "Too many requests" in str(exc)
            outcomes.append("limited")
    assert outcomes.count("ok") == RATE_LIMIT, outcomes


# --- item 13: uploads ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ["gradio_api/upload", "gradio_api/upload_progress", "gradio_api/process_recording"])
def test_uploads_are_closed(open_app: Any, route: str) -> None:
    r = httpx.post(open_app.url + route, files={"files": ("a.txt", b"x" * 100_000)}, timeout=30)
    assert r.status_code == 404 and "no file uploads" in r.text


# --- item 14: malformed calls get a 4xx, a short message and one log line ---------------------------------------------
MALFORMED = [
    ("gradio_api/queue/join", {"data": [], "fn_index": 9999, "session_hash": "s1"}),
    ("gradio_api/queue/join", {"data": [], "fn_index": -1, "session_hash": "s1"}),
    ("gradio_api/queue/join", {"data": [], "session_hash": "s1"}),
    ("gradio_api/queue/join", {"data": [LONG], "fn_index": LONG, "session_hash": "s1"}),
    ("gradio_api/queue/join", {"data": [], "fn_index": 0, "session_hash": "s1", "trigger_id": LONG}),
    ("gradio_api/queue/join", {"data": "not a list", "fn_index": 0, "session_hash": "s1"}),
    ("gradio_api/run/predict", {"data": [], "fn_index": 9999, "session_hash": "s1"}),
    ("gradio_api/run/predict", {"data": [LONG]}),
    (f"gradio_api/run/{LONG[:300]}", {"data": []}),
    ("gradio_api/cancel", {"session_hash": LONG}),
]


def test_malformed_calls_get_a_4xx_with_a_short_message(open_app: Any) -> None:
    before = open_app.output()
    answers = [httpx.post(open_app.url + route, json=body, timeout=30) for route, body in MALFORMED]
    time.sleep(1)  # let the server finish writing its log
    log = open_app.output()[len(before):]
    for (route, _), r in zip(MALFORMED, answers, strict=True):
        assert 400 <= r.status_code < 500, (route[:40], r.status_code, r.text[:300])
        assert LONG[:200] not in r.text and len(r.text) < 2000, (route[:40], r.text[:300])
    assert "Traceback" not in log and LONG[:200] not in log
    assert len(log.splitlines()) <= len(MALFORMED)


def test_an_api_error_does_not_echo_a_long_input_back(guarded_app: Any) -> None:
    client = Client(guarded_app.url, auth=("alice", ACCOUNTS["alice"]), verbose=False)  # bob is throttled
    with pytest.raises(AppError) as refused:
        client.predict(QUESTION, collection=LONG, api_name="/ask")
    message = str(refused.value)
    assert "collection name" in message and "5,000 characters" in message and LONG[:200] not in message


def test_a_refused_request_logs_one_line_not_a_traceback(open_app: Any) -> None:
    """A rate-limited (refused) call: Gradio used to print a 2 KB traceback for every gr.Error."""
    client = Client(open_app.url, verbose=False)
    for _ in range(RATE_LIMIT + 2):  # whatever is left of this client's minute, then refusals
        try:
            client.predict("graphs", api_name="/search")
        except AppError:
            break
    before = open_app.output()
    with pytest.raises(AppError, match="Too many requests"):
        client.predict("graphs", api_name="/search")
    time.sleep(1)
    added = open_app.output()[len(before):]
    assert "Traceback" not in added and len(added.splitlines()) <= 1 and len(added) < 400, added


# --- the real page still logs in and answers; a mounted app is gated the same way -------------------------------------
@pytest.mark.browser
def test_the_browser_logs_in_through_the_gate_and_gets_answers(guarded_app: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    from .browser import CHROMIUM, CHROMIUM_ARGS, OFFLINE_MARK, TIMEOUT, ask, wait_for_answer

    refused: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(extra_http_headers={"X-Forwarded-For": "192.0.2.44"}).new_page()
            page.on("response", lambda r: refused.append(r.url) if r.status >= 400 else None)
            page.goto(guarded_app.url)
            inputs = page.locator("input")
            expect(inputs).to_have_count(2, timeout=TIMEOUT)  # the login form: user name and password
            inputs.nth(0).fill("alice")
            inputs.nth(1).fill(ACCOUNTS["alice"])
            page.get_by_role("button", name="Login").click()
            ask(page, QUESTION)
            expect(wait_for_answer(page, 1)).to_contain_text(OFFLINE_MARK)
        finally:
            browser.close()
    # before login the page asks for the API description (refused: it is for members), nothing else is refused
    assert all(url.rstrip("/").endswith("info") for url in refused), refused


@pytest.mark.slow  # a real uvicorn server
def test_a_mounted_app_is_gated_under_its_path(small_store: Path) -> None:
    from fastapi import FastAPI

    from assistant import web
    from assistant.settings import Settings

    from .servers import serving_in_thread

    site = FastAPI()
    settings = Settings(store_dir=small_store, llm="offline", auto_ingest=False, collection="iclr2022",
                        ui_rate_limit=0, ui_auth=f"alice:{ACCOUNTS['alice']}")
    web.mount(site, settings, path="/papers")
    with serving_in_thread(site) as url, httpx.Client(base_url=f"{url}/papers/", timeout=60) as http:
        assert http.get("gradio_api/app_id").status_code == 401 and http.get("config").status_code == 401
        assert http.post("gradio_api/upload", files={"files": ("a", b"x")}).status_code == 404
        page = http.get("")
        assert page.status_code == 200 and '"/ask"' not in page.text
        assert http.post("login", data={"username": "alice", "password": ACCOUNTS["alice"]}).status_code == 200
        assert http.get("config").status_code == 200 and '"/ask"' in http.get("").text


@pytest.mark.slow  # a real uvicorn server
def test_a_login_ends_after_its_session_hours(small_store: Path) -> None:
    """Before: Gradio's login token opened the app until logout or restart, however old."""
    from fastapi import FastAPI

    from assistant import web
    from assistant.settings import Settings

    from .servers import serving_in_thread

    site = FastAPI()
    settings = Settings(store_dir=small_store, llm="offline", auto_ingest=False, collection="iclr2022",
                        ui_rate_limit=0, ui_auth=f"alice:{ACCOUNTS['alice']}", ui_session_hours=1.5 / 3600)
    web.mount(site, settings, path="/papers")
    with serving_in_thread(site) as url, httpx.Client(base_url=f"{url}/papers/", timeout=60) as http:
        assert http.post("login", data={"username": "alice", "password": ACCOUNTS["alice"]}).status_code == 200
        assert http.get("config").status_code == 200
        time.sleep(2.0)
        assert http.get("config").status_code == 401
        assert '"/ask"' not in http.get("").text  # the login page again, without the API schema
        assert http.post("login", data={"username": "alice", "password": ACCOUNTS["alice"]}).status_code == 200
        assert http.get("config").status_code == 200


@pytest.mark.slow  # a real uvicorn server
@pytest.mark.parametrize(("ancestors", "policy"), [
    ("https://wiki.lab.example", "frame-ancestors 'self' https://wiki.lab.example"),
    ("*", None),  # the default: any page may frame the app (the wiki embed needs no setup)
])
def test_the_pages_that_may_frame_the_app_are_named_on_every_response(small_store: Path, ancestors: str,
                                                                      policy: str | None) -> None:
    from fastapi import FastAPI

    from assistant import web
    from assistant.settings import Settings

    from .servers import serving_in_thread

    site = FastAPI()
    settings = Settings(store_dir=small_store, llm="offline", auto_ingest=False, collection="iclr2022",
                        ui_rate_limit=0, ui_auth=f"alice:{ACCOUNTS['alice']}", ui_frame_ancestors=ancestors)
    web.mount(site, settings, path="/papers")
    with serving_in_thread(site) as url, httpx.Client(base_url=f"{url}/papers/", timeout=60) as http:
        for response in (http.get(""), http.get("config"), http.post("login", data={"username": "alice",
                                                                                    "password": "wrong"})):
            assert response.headers.get("content-security-policy") == policy, response.url


# --- round three (docs/reliability.md) -------------------------------------------------------------------------------
def _call_by_name(app: Any, api: str, data: list[Any]) -> tuple[int, str]:
    """POST /gradio_api/call/<api>, then (if accepted) its event stream: (status, what came back)."""
    r = httpx.post(f"{app.url}gradio_api/call/{api}", json={"data": data}, timeout=30)
    if r.status_code != 200:
        return r.status_code, r.text
    events = httpx.get(f"{app.url}gradio_api/call/{api}/{r.json()['event_id']}", timeout=120)
    return 200, events.text


@pytest.mark.parametrize(("api", "data"), [("search", ["graph neural networks", 5]), ("similar", []),
                                          ("compare", [["x"]])])
def test_a_call_by_name_with_too_few_inputs_gets_a_422_not_a_traceback(open_app: Any, api: str,
                                                                       data: list[Any]) -> None:
    """Before: Gradio took the call, answered `"error": null` and logged a ValueError traceback (2 KB)."""
    before = open_app.output()
    status, body = _call_by_name(open_app, api, data)
    assert status == 422, body
    assert "inputs; the request gave" in body
    assert "Traceback" not in open_app.output()[len(before):]


def test_gradio_development_routes_are_closed(open_app: Any) -> None:
    """Before: GET /gradio_api/dev/reload held the connection open and polled 20 times a second for each."""
    started = time.monotonic()
    r = httpx.get(open_app.url + "gradio_api/dev/reload", timeout=10)
    assert r.status_code == 404 and "development mode" in r.json()["error"]
    assert time.monotonic() - started < 5
    for route in ("gradio_api/vibe-code", "gradio_api/vibe-edit", "gradio_api/undo-vibe-edit"):
        assert httpx.post(open_app.url + route, json={}, timeout=10).status_code == 404, route


def test_run_history_is_off(open_app: Any) -> None:
    """Before: /gradio_api/runs served the run-history page, and every API call could be recorded (in the browser,
    or in a Hugging Face bucket a request header names)."""
    assert httpx.get(open_app.url + "gradio_api/runs", timeout=30).status_code == 404
    assert httpx.get(open_app.url + "config", timeout=30).json()["run_history"] is False


def _page_root(app: Any, headers: dict[str, str]) -> str:
    page = httpx.get(app.url, headers=headers, timeout=30).text
    match = re.search(r'"root":\s*"([^"]*)"', page)
    assert match, page[:500]
    return match.group(1)


def test_a_forged_forwarded_host_does_not_move_the_page_or_its_login_form(open_app: Any) -> None:
    """Before: the page's root URL (where its API calls and its login form go) was http://evil.example."""
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "Forwarded": "host=evil.example"}
    root = _page_root(open_app, forged)
    assert "evil.example" not in root and root.startswith("http://127.0.0.1:"), root
    assert "evil.example" not in httpx.get(open_app.url + "config", headers=forged, timeout=30).text


def test_a_named_proxy_still_sets_the_forwarded_host(guarded_app: Any) -> None:
    """The guarded app trusts 127.0.0.1 as its proxy: the host that proxy forwards is the (login) page's root."""
    headers = {"X-Forwarded-For": "192.0.2.77", "X-Forwarded-Host": "papers.example.org"}
    assert "papers.example.org" in _page_root(guarded_app, headers)
