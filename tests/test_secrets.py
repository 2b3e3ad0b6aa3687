"""Secrets never leak: a planted API key (in the environment, in a `.env` file, inside URLs) and login passwords
are grepped for in everything the product writes while it fails in every way we can make it fail: the CLI's
stdout/stderr with verbose logging, the service's log records (every logger at DEBUG) and exception traces
(messages, reprs, chained causes, formatted tracebacks), and the app's server log, API results and pages.

The LLM backend's and the chain's own 401 messages are checked in test_llm.py and test_answering.py, the UI login
passwords in test_ui.py::test_passwords_never_reach_the_log, the embeddings endpoint in test_embeddings.py.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant import service
from assistant.errors import AssistantError
from assistant.settings import Settings

from .conftest import PLANTED_KEY, ROOT, make_settings
from .openai_stub import OpenAIStub, Reply
from .servers import free_port

PASSWORD = "hunter2-PLANTED-pw-77"
ECHO = f"Incorrect API key provided: {PLANTED_KEY}. You can find your key at https://x/{PLANTED_KEY[3:]}"
QUESTION = "which papers study over-squashing?"


def leaks(text: str) -> list[str]:
    """The secrets (or a long piece of the key) found in `text`."""
    pieces = {PLANTED_KEY, PLANTED_KEY[3:], PLANTED_KEY[8:24], PASSWORD}
    return sorted(p for p in pieces if p in text)


def faults() -> list[Reply]:
    """Every way the endpoint fails, each echoing the key back as some servers do."""
    return [Reply(status=401, error_message=ECHO), Reply(status=500, error_message=ECHO),
            Reply(status=429, error_message=ECHO, headers={"Retry-After": "0"}),
            Reply(status=400, error_message=ECHO), Reply(garbage=True),
            Reply(text=f"Partial answer {PLANTED_KEY} [1] and", cut_after=3), Reply(delay=5.0)]


def exception_text(exc: BaseException) -> str:
    """All an exception could show: message, repr, the chained causes and contexts, the formatted trace."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    seen = exc
    while seen.__cause__ or seen.__context__:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
        parts.append(repr(seen))
    return "\n".join(parts)


# --- the CLI --------------------------------------------------------------------------------------------------------
def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, env={**clean, **env},
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # CLI subprocesses
def test_the_cli_never_prints_the_key_whatever_fails(
    small_store: Path, openai_stub: OpenAIStub, tmp_path: Path
) -> None:
    openai_stub.default = Reply(status=401, error_message=ECHO)
    failing = OpenAIStub(default=Reply(status=500, error_message=ECHO)).start()  # the runs go on in parallel
    llm = {"ASSISTANT_LLM": "openai", "ASSISTANT_LLM_MODEL": openai_stub.model,
           "OPENAI_BASE_URL": openai_stub.base_url, "ASSISTANT_LLM_RETRIES": "1", "PYTHONPATH": str(ROOT)}
    dotenv = tmp_path / "dotenv"
    dotenv.mkdir()
    (dotenv / ".env").write_text(f"OPENAI_API_KEY={PLANTED_KEY}\nASSISTANT_UI_AUTH=alice:{PASSWORD}\n")
    store = ["--store", str(small_store), "--collection", "iclr2022"]
    down = free_port()
    runs: list[tuple[list[str], dict[str, str], Path]] = [
        (["ask", "-v", QUESTION, *store], {**llm, "OPENAI_API_KEY": PLANTED_KEY}, tmp_path),  # 401 echoing the key
        (["ask", "--json", "-v", QUESTION, *store], {**llm, "OPENAI_BASE_URL": failing.base_url}, dotenv),  # .env
        (["ask", "-v", QUESTION, *store],  # an endpoint URL with the key in it, refusing connections
         {**llm, "OPENAI_BASE_URL": f"http://user:{PLANTED_KEY}@127.0.0.1:{down}/v1"}, dotenv),
        (["search", "-v", QUESTION], {"ASSISTANT_CHROMA_URL": f"http://admin:{PLANTED_KEY}@127.0.0.1:{down}",
                                      "OPENAI_API_KEY": PLANTED_KEY, "PYTHONPATH": str(ROOT)}, tmp_path),
        (["stats", *store[:2]], {"ASSISTANT_UI_CONCURRENCY": "0", "OPENAI_API_KEY": PLANTED_KEY,
                                 "ASSISTANT_UI_AUTH": f"alice:{PASSWORD}", "PYTHONPATH": str(ROOT)}, tmp_path),
    ]
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            done = list(pool.map(lambda run: run_cli(*run), runs))
    finally:
        failing.stop()
    for stub in (openai_stub, failing):  # the key was really in use, from the environment and from .env
        assert stub.chat_requests and stub.chat_requests[0].headers["authorization"] == f"Bearer {PLANTED_KEY}"
    for (args, _, _), result in zip(runs, done, strict=True):
        assert leaks(result.stdout + result.stderr) == [], (args, result.stdout[-2000:], result.stderr[-2000:])
    ask_401, ask_500, ask_down, search_down, bad_setting = done
    assert "rejected the API key (HTTP 401)" in ask_401.stderr and ask_401.returncode == 0
    assert '"notice": "The language model' in ask_500.stdout and "HTTP 500" in ask_500.stdout
    assert "could not be reached" in ask_down.stderr
    assert search_down.returncode == 2 and "cannot reach the Chroma server at http://127.0.0.1:" in search_down.stderr
    assert bad_setting.returncode != 0 and "ui_concurrency" in bad_setting.stderr


# --- the service layer --------------------------------------------------------------------------------------------
@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], str]]:
    caplog.set_level(logging.DEBUG)  # every logger: ours, openai's, httpx's, chromadb's
    yield lambda: caplog.text


@pytest.mark.slow  # every failure path against a real store
def test_service_logs_and_exceptions_never_hold_the_key(
    small_store: Path, openai_stub: OpenAIStub, everything_logged: Callable[[], str],
    capfd: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings(small_store, collection="iclr2022", llm="openai", llm_model=openai_stub.model,
                             openai_base_url=openai_stub.base_url, openai_api_key=PLANTED_KEY, llm_retries=0,
                             llm_first_token_timeout=1.0, ui_auth=f"alice:{PASSWORD}")
    shown: list[str] = [repr(settings), str(settings), settings.model_dump_json()]
    for reply in faults():
        openai_stub.script(reply)
        answer = service.ask(QUESTION, [], settings)
        assert answer.mode == "offline" and answer.notice
        shown += [answer.text, answer.notice, repr(answer), str(service.answer_to_dict(answer))]
        summary = service.summarize(settings, query="graph neural networks")
        shown += [summary.text, summary.notice or "", repr(summary)]

    broken = [
        settings.with_overrides(openai_base_url=f"http://u:{PLANTED_KEY}@127.0.0.1:{free_port()}/v1"),
        Settings(chroma_url=f"http://admin:{PLANTED_KEY}@127.0.0.1:{free_port()}", openai_api_key=PLANTED_KEY,
                 auto_ingest=False, llm="offline"),
        settings.with_overrides(embedder="openai", embedding_base_url=openai_stub.base_url,
                                store_dir=small_store.parent / "secrets-embedding-store"),
    ]
    for bad in broken:
        try:
            answer = service.ask(QUESTION, [], bad)
            shown += [answer.text, answer.notice or "", repr(answer)]
        except AssistantError as exc:
            shown.append(exception_text(exc))
    try:
        service.ingest([ROOT / "tests" / "fixtures" / "listings" / "array.json"], broken[2], "secrets")
    except AssistantError as exc:  # the stub has no embeddings route: the endpoint "fails"
        shown.append(exception_text(exc))
    captured = capfd.readouterr()
    shown += [everything_logged(), captured.out, captured.err]
    assert openai_stub.chat_requests[0].headers["authorization"] == f"Bearer {PLANTED_KEY}"
    assert "HTTP Request: POST" in everything_logged()  # the client libraries' own logs were captured too
    assert leaks("\n".join(shown)) == []
    assert "rejected the API key" in "\n".join(shown) and "cannot reach the Chroma server" in "\n".join(shown)


# --- the app -------------------------------------------------------------------------------------------------------
def test_the_app_never_shows_or_logs_the_key_or_passwords(
    app_launcher: Any, small_store: Path, small_listing: Path, tmp_path: Path, openai_stub: OpenAIStub
) -> None:
    """Verbose logging, login on, an endpoint failing every way (echoing the key), and an unexpected error in a
    handler (its traceback goes to the server log): the key and the password appear nowhere."""
    env = {"ASSISTANT_LLM": "openai", "ASSISTANT_LLM_MODEL": openai_stub.model,
           "OPENAI_BASE_URL": openai_stub.base_url, "OPENAI_API_KEY": PLANTED_KEY, "ASSISTANT_LLM_RETRIES": "0",
           "ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT": "1", "ASSISTANT_UI_AUTH": f"alice:{PASSWORD}"}
    openai_stub.script(*faults())
    shown: list[str] = []
    with app_launcher(small_store, small_listing, env=env, args=("-v",), log_dir=tmp_path) as app:
        client = Client(app.url, auth=("alice", PASSWORD), verbose=False)
        for _ in faults():
            result = client.predict(QUESTION, api_name="/ask")
            assert result["mode"] == "offline" and result["notice"]
            shown.append(str(result))
        with pytest.raises(AppError) as unexpected:  # a bad argument: refused by the endpoint's type check
            client.predict(QUESTION, "not a number", api_name="/search")
        shown.append(str(unexpected.value))
        with pytest.raises(Exception) as refused:  # noqa: B017 - a wrong password, as an attacker would try
            Client(app.url, auth=("alice", PLANTED_KEY), verbose=False).predict(QUESTION, api_name="/search")
        shown.append(exception_text(refused.value))
        with httpx.Client(base_url=app.url, timeout=30) as web:
            shown.append(web.get("/").text)
            web.post("/login", data={"username": "alice", "password": PASSWORD})
            shown += [web.get("/").text, web.get("/config").text, web.get("/gradio_api/info").text]
        log = app.output()
    assert "`k` must be a whole number" in shown[len(faults())]  # refused naming the argument (was: a traceback)
    assert openai_stub.chat_requests[0].headers["authorization"] == f"Bearer {PLANTED_KEY}"
    assert leaks("\n".join(shown)) == [] and leaks(log) == []
    assert "rejected the API key (HTTP 401)" in "\n".join(shown)
