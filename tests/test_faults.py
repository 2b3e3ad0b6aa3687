"""Faulty services, injected for real: a `chroma run` server that is down at start, killed mid-session and brought
back on the same port and data path; an OpenAI-compatible endpoint (tests/openai_stub.py) that refuses connections,
hangs, answers 401, 429 with Retry-After, 500, streams garbage or stops mid-stream. Through the service layer and
the real app (`python app.py`, called with gradio_client): the app stays up, says what failed, falls back to the
offline answer where it can, and recovers by itself when the service behaves again.

The LLM client's own handling of each fault is proven in test_llm.py and the chain's fallback in test_answering.py;
the CLI's error for a server down at start in test_cli.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant import service
from assistant.errors import StoreError
from assistant.settings import Settings

from .conftest import OVERSQUASHING_ID, PLANTED_KEY
from .openai_stub import OpenAIStub, Reply
from .servers import chroma_command, free_port, wait_for_port

QUESTION = "which papers study over-squashing?"
LLM_QUESTION = "What causes over-squashing in graph neural networks?"  # answered by the model (a set question is not)
UNREACHABLE = "cannot reach the Chroma server"


class ChromaServer:
    """`chroma run` on a fixed port and data path, so that it can be killed and brought back as the same server."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with open(self.path / "server.log", "ab") as log:
            self.proc = subprocess.Popen(
                chroma_command(self.path / "data", self.port), stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        wait_for_port(self.port, 60, self.proc)
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients, as when a machine or container dies."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory, small_listing: Path) -> Iterator[ChromaServer]:
    """A server holding the small listing (collection iclr2022)."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-faults"))
    server.start()
    try:
        settings = Settings(chroma_url=server.url, llm="offline", auto_ingest=False, collection="iclr2022")
        assert service.ingest([small_listing], settings, "iclr2022").read > 0
        yield server
    finally:
        server.kill()


def chroma_settings(server: ChromaServer) -> Settings:
    return Settings(chroma_url=server.url, llm="offline", auto_ingest=False, collection="iclr2022")


def unexpected_errors(log: str) -> list[str]:
    """The last line of every traceback in a server log that is not a message meant for the user (Gradio prints a
    traceback for those too: `gradio.exceptions.Error: ...`)."""
    ends = []
    for block in log.split("Traceback (most recent call last):")[1:]:
        last = next((line for line in block.splitlines() if line and not line.startswith((" ", "\t"))), "")
        if not last.startswith("gradio.exceptions.Error: "):
            ends.append(last)
    return ends


def eventually(check: Callable[[], Any], seconds: float = 20.0) -> tuple[Any, float]:
    """The first result of `check` that does not raise, and how long it took to come."""
    started = time.monotonic()
    while True:
        try:
            return check(), time.monotonic() - started
        except Exception:  # noqa: BLE001 - retried until the deadline, then raised
            if time.monotonic() - started > seconds:
                raise
            time.sleep(0.5)


# --- Chroma server, service layer ------------------------------------------------------------------------------------
def test_service_says_the_chroma_server_is_down_and_recovers_when_it_is_back(chroma: ChromaServer) -> None:
    settings = chroma_settings(chroma)
    before = [h.paper.id for h in service.search(QUESTION, settings, k=5)]
    assert OVERSQUASHING_ID in before

    chroma.kill()
    for attempt in range(3):  # every call says the same clear thing; none hangs
        started = time.monotonic()
        with pytest.raises(StoreError, match=UNREACHABLE) as caught:
            service.search(f"{QUESTION} {attempt}", settings, k=5)
        assert time.monotonic() - started < 5
        assert "chroma run" in str(caught.value) and caught.value.__cause__ is None
    with pytest.raises(StoreError, match=UNREACHABLE):
        service.ask(QUESTION, [], settings)

    chroma.start()  # same port, same data
    after = [h.paper.id for h in service.search(QUESTION, settings, k=5)]
    assert after == before
    assert OVERSQUASHING_ID in service.ask(QUESTION, [], settings).cited_ids


def test_a_chroma_server_down_when_the_service_opens_is_a_clear_error_then_works(chroma: ChromaServer) -> None:
    settings = Settings(chroma_url=chroma.url, llm="offline", auto_ingest=False, collection="iclr2022",
                        top_k=7)  # different settings: a store client opened afresh
    chroma.kill()
    with pytest.raises(StoreError, match=UNREACHABLE):
        service.search(QUESTION, settings)
    chroma.start()
    assert len(service.search(QUESTION, settings)) == 7


# --- Chroma server, the app -------------------------------------------------------------------------------------------
def test_the_app_started_while_chroma_is_down_says_so_and_recovers_by_itself(
    chroma: ChromaServer, app_launcher: Any, small_listing: Path, tmp_path: Path
) -> None:
    chroma.kill()
    env = {"ASSISTANT_CHROMA_URL": chroma.url}
    with app_launcher(tmp_path / "unused-store", small_listing, env=env, log_dir=tmp_path) as app:
        client = Client(app.url, verbose=False)
        with pytest.raises(AppError, match=UNREACHABLE):
            client.predict(QUESTION, api_name="/search")

        chroma.start()
        result, waited = eventually(lambda: client.predict(QUESTION, api_name="/search"))
        assert OVERSQUASHING_ID in [r["id"] for r in result["results"]] and waited < 10

        chroma.kill()  # mid-session
        for api in ("/search", "/ask"):
            with pytest.raises(AppError, match=UNREACHABLE):
                client.predict(QUESTION, api_name=api)

        chroma.start()
        answer, waited = eventually(lambda: client.predict(QUESTION, api_name="/ask"))
        assert OVERSQUASHING_ID in {c["id"] for c in answer["citations"]} and waited < 10
        assert app.proc.poll() is None
        assert unexpected_errors(app.output()) == []  # reported as what it is, never as a crash


# --- LLM endpoint, the app -------------------------------------------------------------------------------------------
LLM_FAULTS: list[tuple[str, list[Reply], str]] = [
    ("hangs", [Reply(delay=30.0)] * 2, "did not answer within 1 s"),
    ("401", [Reply(status=401, error_message=f"Incorrect API key provided: {PLANTED_KEY}")],
     "rejected the API key (HTTP 401)"),
    ("429 twice", [Reply(status=429, headers={"Retry-After": "0.5"})] * 2, "rate limiting requests (HTTP 429"),
    ("500 twice", [Reply(status=500)] * 2, "had a server error (HTTP 500)"),
    ("garbage", [Reply(garbage=True)], "malformed stream"),
    ("stops mid-stream", [Reply(text="Over-squashing is studied in [1] and also", cut_after=4)],
     "stopped its stream before the answer was complete"),
]


def cite_first(body: dict[str, Any]) -> str:
    return "Over-squashing is studied by the paper on curvature [1]."


@pytest.fixture(scope="module")
def llm_app(app_launcher: Any, small_store: Path, small_listing: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, OpenAIStub]]:
    """The app with an LLM endpoint on a port where, at first, nothing listens (one retry, 1 s timeouts)."""
    port = free_port()
    stub = OpenAIStub(port=port, default=Reply(fn=cite_first))  # not started: nothing listens there yet
    env = {"ASSISTANT_LLM": "openai", "ASSISTANT_LLM_MODEL": stub.model,
           "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1", "OPENAI_API_KEY": PLANTED_KEY,
           "ASSISTANT_LLM_RETRIES": "1", "ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT": "1", "ASSISTANT_LLM_TIMEOUT": "20"}
    with app_launcher(small_store, small_listing, env=env, log_dir=tmp_path_factory.mktemp("llm-app")) as app:
        try:
            yield app, stub
        finally:
            stub.stop()


def started(stub: OpenAIStub) -> None:
    """The endpoint up (the refusing-connections test starts it; a test run on its own does it here)."""
    if not stub.requests and stub._server is None:
        stub.start()


def ask(app: Any) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    result = Client(app.url, verbose=False).predict(LLM_QUESTION, api_name="/ask")
    return result, time.monotonic() - started


def assert_offline_with_notice(result: dict[str, Any], said: str) -> None:
    assert result["mode"] == "offline", result
    assert said in (result["notice"] or "") and "Showing the offline answer instead." in result["notice"]
    assert OVERSQUASHING_ID in {c["id"] for c in result["citations"]}  # the offline answer is still useful


def test_llm_refusing_connections_falls_back_then_recovers_when_it_starts(llm_app: tuple[Any, OpenAIStub]) -> None:
    app, stub = llm_app
    result, _ = ask(app)
    assert_offline_with_notice(result, "could not be reached")
    stub.start()
    result, _ = ask(app)
    assert result["mode"] == "llm" and result["answer"] == cite_first({}), result
    assert result["notice"] is None


@pytest.mark.parametrize(("fault", "replies", "said"), LLM_FAULTS, ids=[f[0] for f in LLM_FAULTS])
def test_each_llm_fault_gives_the_offline_answer_with_a_notice_and_the_next_request_recovers(
    llm_app: tuple[Any, OpenAIStub], fault: str, replies: list[Reply], said: str
) -> None:
    app, stub = llm_app
    started(stub)
    stub.script(*replies)
    sent = len(stub.chat_requests)
    result, took = ask(app)
    assert_offline_with_notice(result, said)
    assert len(stub.chat_requests) - sent == len(replies)  # retried only as configured (401: never)
    if fault == "hangs":
        assert took < 2 * 1 + 2 + 8, took  # two tries of 1 s each, backoff, and the offline answer
    assert PLANTED_KEY not in str(result) and PLANTED_KEY[3:20] not in str(result)

    result, _ = ask(app)  # the endpoint behaves again: the very next question gets the model's answer
    assert result["mode"] == "llm" and result["notice"] is None, result
    assert app.proc.poll() is None


def test_429_with_retry_after_is_waited_out_and_answered(llm_app: tuple[Any, OpenAIStub]) -> None:
    app, stub = llm_app
    started(stub)
    stub.script(Reply(status=429, headers={"Retry-After": "2"}))
    result, took = ask(app)
    assert result["mode"] == "llm" and result["notice"] is None, result
    assert took >= 2.0  # the server's Retry-After was honoured
