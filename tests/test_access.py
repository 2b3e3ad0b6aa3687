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

from assistant.access import BodySizeLimit, RateLimiter, client_key, max_request_bytes, parse_accounts
from assistant.errors import ConfigError
from assistant.settings import Settings

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
    assert client_key("10.0.0.5", "1.2.3.4", "alice") == "user:alice"
    assert client_key("127.0.0.1", "6.6.6.6, 203.0.113.9", None) == "ip:203.0.113.9"  # last hop, from our proxy
    assert client_key("93.184.216.34", "127.0.0.1", None) == "ip:93.184.216.34"  # a direct client cannot spoof it
    assert client_key(None, None, None) == "ip:unknown"


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
