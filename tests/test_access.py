"""Access and load guards: login accounts from settings, per-client rate limit, request body size limit (the
middleware runs in a real Starlette app served by uvicorn on 127.0.0.1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from assistant.errors import ConfigError
from assistant.settings import Settings
from assistant.web.access import (
    BodySizeLimit,
    LoginThrottle,
    RateLimiter,
    SessionAges,
    TrustedProxies,
    client_key,
    max_request_bytes,
    parse_accounts,
)

from .servers import serving_in_thread


# --- login accounts ---------------------------------------------------------------------------------------------------
def test_accounts_are_parsed_from_the_setting() -> None:
    assert parse_accounts("alice:s3cret, bob:pa:ss") == [("alice", "s3cret"), ("bob", "pa:ss")]
    assert parse_accounts(SecretStr("carol:pw")) == [("carol", "pw")]
    assert parse_accounts(None) is None and parse_accounts("  ") is None


@pytest.mark.parametrize("spec", ["alice", "alice:", ":pw", "alice:pw,bob"])
def test_a_malformed_account_is_refused_without_echoing_passwords(spec: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_accounts(spec)
    assert "user:password" in str(err.value) and "pw" not in str(err.value).replace("password", "")


# --- rate limit -------------------------------------------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_allows_n_per_window_per_client_then_reopens() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.retry_after("a") for _ in range(3)] == [None, None, None]
    wait = limiter.retry_after("a")
    assert wait is not None and 59 < wait <= 60
    assert limiter.retry_after("b") is None  # another client is not affected
    clock.now += 60.1
    assert limiter.retry_after("a") is None


def test_rate_limit_zero_means_no_limit() -> None:
    limiter = RateLimiter(0)
    assert all(limiter.retry_after("a") is None for _ in range(1000))


def test_rate_limiter_forgets_quiet_clients() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock)
    for i in range(500):
        limiter.retry_after(f"client-{i}")
    clock.now += 61
    limiter.retry_after("new")
    assert limiter.clients() == 1


def test_rate_limiter_is_exact_under_threads() -> None:
    limiter = RateLimiter(50)
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(20):
            ok = limiter.retry_after("same") is None
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 50


def test_client_key_prefers_the_user_then_the_address_a_trusted_proxy_saw() -> None:
    proxy = TrustedProxies("127.0.0.1")
    assert client_key("10.0.0.5", "1.2.3.4", "alice", proxy) == "user:alice"
    assert client_key("127.0.0.1", "6.6.6.6, 203.0.113.9", None, proxy) == "ip:203.0.113.9"  # what our proxy saw
    assert client_key("93.184.216.34", "127.0.0.1", None, proxy) == "ip:93.184.216.34"  # a direct client
    assert client_key(None, None, None) == "ip:unknown"


@pytest.mark.parametrize("peer", ["127.0.0.1", "10.1.2.3", "192.168.1.20", "::1"])
def test_by_default_no_peer_is_believed_about_forwarded_for(peer: str) -> None:
    """Loopback and private peers used to be trusted: on a lab network with no proxy, anyone could pick an address."""
    assert client_key(peer, "6.6.6.6", None) == f"ip:{peer}"
    assert client_key(peer, "6.6.6.6", None, TrustedProxies("")) == f"ip:{peer}"


def test_trusted_proxies_take_addresses_and_networks_and_skip_their_own_hops() -> None:
    chain = TrustedProxies("127.0.0.1, 10.0.0.0/8")
    assert "10.20.30.40" in chain and "127.0.0.1" in chain and "11.0.0.1" not in chain
    # client (forged entry) -> edge proxy 10.0.0.7 -> local proxy: the first hop from the right not ours is the client
    assert chain.client("127.0.0.1", "6.6.6.6, 198.51.100.4, 10.0.0.7") == "198.51.100.4"
    assert chain.client("198.51.100.9", "6.6.6.6") == "198.51.100.9"  # not a proxy of ours: header ignored
    assert TrustedProxies("*").client("198.51.100.9", "203.0.113.1") == "203.0.113.1"


@pytest.mark.parametrize("spec", ["localhost", "10.0.0.0/33", "1.2.3.4.5"])
def test_a_malformed_proxy_setting_is_refused(spec: str) -> None:
    with pytest.raises(ConfigError, match="ASSISTANT_FORWARDED_ALLOW_IPS"):
        TrustedProxies(spec)


def test_login_throttle_per_user_and_per_client_then_reopens() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(failures=3, window=300, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("carol", "ip:a") is None
        throttle.failed("carol", "ip:a")
    wait = throttle.retry_after("carol", "ip:b")  # the user is throttled from anywhere...
    assert wait is not None and 299 < wait <= 300
    assert throttle.retry_after("dave", "ip:a") is not None  # ...and the client for any user
    assert throttle.retry_after("dave", "ip:b") is None
    clock.now += 301
    assert throttle.retry_after("carol", "ip:a") is None


def test_a_successful_login_clears_the_client_not_the_user() -> None:
    throttle = LoginThrottle(failures=2, clock=FakeClock())
    throttle.failed("carol", "ip:a")
    throttle.failed("carol", "ip:a")
    throttle.succeeded("ip:a")
    assert throttle.retry_after("dave", "ip:a") is None and throttle.retry_after("carol", "ip:c") is not None


def test_a_session_ends_its_age_after_login_not_after_its_first_use() -> None:
    clock = FakeClock()
    sessions = SessionAges(max_age=3600, clock=clock)
    sessions.issued("t1")
    clock.now += 3000
    assert not sessions.expired("t1", {"t1"})
    clock.now += 601
    assert sessions.expired("t1", {"t1"})  # dated from the login, though first used 3000 s later
    assert not sessions.expired("t1", {"t1"})  # an ended token is forgotten: the gate drops it from Gradio's table


def test_session_ages_forget_logged_out_tokens() -> None:
    sessions = SessionAges(max_age=3600, clock=FakeClock())
    for n in range(500):
        sessions.issued(f"old{n}")
    assert not sessions.expired("live", {"live"})
    assert len(sessions._issued) <= 2 + 64


# --- request size -----------------------------------------------------------------------------------------------------
def test_request_limit_fits_a_full_question_and_history() -> None:
    settings = Settings(max_question_chars=2000, max_history_turns=20)
    limit = max_request_bytes(settings)
    assert 2000 * 21 < limit < 10 * 1024 * 1024


async def _echo(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse({"received": len(body)})


@pytest.fixture(scope="module")
def limited_server() -> Iterator[str]:
    app = Starlette(routes=[Route("/echo", _echo, methods=["POST"])],
                    middleware=[Middleware(BodySizeLimit, max_bytes=1000)])
    with serving_in_thread(app) as url:
        yield url


def test_body_under_the_limit_passes(limited_server: str) -> None:
    r = httpx.post(f"{limited_server}/echo", content=b"x" * 1000)
    assert r.status_code == 200 and r.json() == {"received": 1000}


def test_body_over_the_limit_is_refused_by_its_declared_length(limited_server: str) -> None:
    r = httpx.post(f"{limited_server}/echo", content=b"x" * 1001)
    assert r.status_code == 413 and "limit is 1000 bytes" in r.json()["error"]


def test_streamed_body_over_the_limit_is_refused(limited_server: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"y" * 300

    r = httpx.post(f"{limited_server}/echo", content=chunks())  # chunked: no Content-Length
    assert r.status_code == 413
