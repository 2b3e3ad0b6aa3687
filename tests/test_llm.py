"""The OpenAI-compatible backend over real HTTP (a scripted server on 127.0.0.1): streaming, retries, Retry-After,
timeouts, broken streams, and errors that never contain the API key."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.errors import LLMError
from assistant.llm import ChatLLM, OpenAIChatLLM, complete, make_llm
from assistant.redaction import endpoint_label, redact
from tests.conftest import PLANTED_KEY
from tests.openai_stub import Reply
from tests.servers import free_port

MESSAGES = [SystemMessage("You are terse."), HumanMessage("Say hello.")]


def endpoint(settings: Any) -> ChatLLM:
    llm = make_llm(settings)
    assert llm is not None
    return llm


def failure(llm: ChatLLM) -> LLMError:
    with pytest.raises(LLMError) as caught:
        complete(llm, MESSAGES)
    return caught.value


def test_streams_text_deltas_in_order(openai_stub: Any, stub_settings: Any) -> None:
    openai_stub.script(Reply(text="Hello from the stub, cited [1].", chunk_chars=4))
    llm = make_llm(stub_settings())
    assert isinstance(llm, OpenAIChatLLM) and isinstance(llm, ChatLLM)
    pieces = list(llm.stream(MESSAGES))
    assert len(pieces) > 3
    assert "".join(pieces) == "Hello from the stub, cited [1]."
    body = openai_stub.chat_requests[0].body
    assert body["stream"] is True and body["model"] == "stub-model"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert openai_stub.chat_requests[0].headers["authorization"] == f"Bearer {PLANTED_KEY}"


def test_factory_picks_the_backend_from_settings(stub_settings: Any) -> None:
    assert make_llm(stub_settings(llm="offline")) is None
    assert make_llm(stub_settings(llm="auto", llm_model=None, openai_base_url=None, openai_api_key=None)) is None
    assert isinstance(make_llm(stub_settings(llm="auto")), OpenAIChatLLM)
    # A key or a base URL alone means the user wants the model to answer (issue 11): the endpoint's model is used.
    assert isinstance(make_llm(stub_settings(llm="auto", llm_model=None)), OpenAIChatLLM)
    assert isinstance(make_llm(stub_settings(llm="auto", llm_model=None, openai_api_key=None)), OpenAIChatLLM)


def test_no_model_name_uses_the_first_model_the_endpoint_lists(openai_stub: Any, stub_settings: Any) -> None:
    openai_stub.script(Reply(text="answered"))
    llm = endpoint(stub_settings(llm="auto", llm_model=None))
    assert complete(llm, MESSAGES) == "answered"
    assert llm.model_name == openai_stub.model  # what /v1/models lists, and what answers show as the model
    assert openai_stub.chat_requests[0].body["model"] == openai_stub.model
    assert [r.path for r in openai_stub.requests][0].rstrip("/").endswith("/models")


def test_no_model_name_on_api_openai_com_uses_openais_default_chat_model(stub_settings: Any) -> None:
    from assistant.llm import DEFAULT_OPENAI_CHAT_MODEL, default_model

    assert default_model(stub_settings(llm_model=None, openai_base_url=None)) == DEFAULT_OPENAI_CHAT_MODEL


def test_a_failed_model_look_up_is_one_llm_error_naming_the_fix(stub_settings: Any) -> None:
    port = free_port()  # nothing listens there
    llm = endpoint(stub_settings(llm_model=None, openai_base_url=f"http://127.0.0.1:{port}/v1"))
    error = failure(llm)
    assert "ASSISTANT_LLM_MODEL" in str(error) and "listing its models" in str(error)
    assert PLANTED_KEY not in str(error)


def test_server_error_is_retried_then_reported(openai_stub: Any, stub_settings: Any) -> None:
    openai_stub.script(Reply(status=500), Reply(text="recovered"))
    assert complete(endpoint(stub_settings(llm_retries=1)), MESSAGES) == "recovered"
    openai_stub.script(Reply(status=503), Reply(status=500))
    error = failure(endpoint(stub_settings(llm_retries=1)))
    assert "HTTP 500" in str(error) and "stub-model" in str(error)
    assert len(openai_stub.chat_requests) == 4


def test_429_honours_retry_after_within_bounded_retries(openai_stub: Any, stub_settings: Any) -> None:
    openai_stub.script(Reply(status=429, headers={"Retry-After": "1.5"}), Reply(text="after the wait"))
    started = time.monotonic()
    assert complete(endpoint(stub_settings(llm_retries=2)), MESSAGES) == "after the wait"
    assert time.monotonic() - started >= 1.4
    openai_stub.script(*[Reply(status=429, headers={"Retry-After": "0.2"})] * 3)
    error = failure(endpoint(stub_settings(llm_retries=1)))
    assert "HTTP 429" in str(error) and "1 retries" in str(error)
    assert len(openai_stub.chat_requests) == 2 + 2  # bounded: one try plus one retry


def test_401_message_and_logs_never_contain_the_key(
    openai_stub: Any, stub_settings: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, openai's and httpx's included
    echoed = f"Incorrect API key provided: {PLANTED_KEY}. Key fragment {PLANTED_KEY[3:20]}."
    openai_stub.script(Reply(status=401, error_message=echoed))
    error = failure(endpoint(stub_settings(llm_retries=2)))
    assert "rejected the API key (HTTP 401)" in str(error) and "OPENAI_API_KEY" in str(error)
    captured = capfd.readouterr()
    everything = "\n".join([str(error), caplog.text, captured.out, captured.err, repr(error.__context__)])
    assert PLANTED_KEY not in everything
    assert PLANTED_KEY[3:20] not in everything
    assert len(openai_stub.chat_requests) == 1  # 401 is not retried


def test_connection_refused(stub_settings: Any) -> None:
    error = failure(endpoint(stub_settings(openai_base_url=f"http://127.0.0.1:{free_port()}/v1")))
    assert "could not be reached" in str(error)


@pytest.mark.parametrize("reply", [Reply(delay=5.0), Reply(first_chunk_delay=5.0)], ids=["no-headers", "no-chunk"])
def test_hanging_server_times_out_at_the_first_token_timeout(
    openai_stub: Any, stub_settings: Any, reply: Reply
) -> None:
    openai_stub.script(reply)
    started = time.monotonic()
    error = failure(endpoint(stub_settings(llm_first_token_timeout=0.5)))
    assert time.monotonic() - started < 3.0
    assert "did not answer within 0.5 s" in str(error), str(error)


def test_whole_answer_is_bounded_by_llm_timeout(openai_stub: Any, stub_settings: Any) -> None:
    openai_stub.script(Reply(text="slow " * 40, chunk_chars=5, chunk_delay=0.1))
    started = time.monotonic()
    error = failure(endpoint(stub_settings(llm_timeout=1.0, llm_first_token_timeout=1.0)))
    assert time.monotonic() - started < 2.5
    assert "did not finish its answer within 1 s" in str(error)


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (Reply(garbage=True), "malformed stream"),
        (Reply(text="This answer is cut off halfway through.", cut_after=3), "stopped its stream"),
        (Reply(text="This answer ends without a finish reason.", end_without_finish=True), "stopped its stream"),
    ],
    ids=["garbage", "cut", "no-finish"],
)
def test_broken_streams_are_errors(openai_stub: Any, stub_settings: Any, reply: Reply, said: str) -> None:
    openai_stub.script(reply)
    assert said in str(failure(endpoint(stub_settings())))


def test_redact_removes_the_key_its_pieces_and_key_shaped_text() -> None:
    key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123"
    text = f"key {key}, piece {key[5:17]}, other sk-zzzzzzzzzzzz, header Bearer abc.def"
    cleaned = redact(text, key)
    assert key not in cleaned and key[5:17] not in cleaned
    assert "sk-zzzz" not in cleaned and "abc.def" not in cleaned
    assert redact("nothing secret here", None) == "nothing secret here"


def test_endpoint_label_drops_credentials_paths_and_queries() -> None:
    assert endpoint_label("http://user:pass@127.0.0.1:11434/v1?api-key=x") == "http://127.0.0.1:11434"
    assert endpoint_label(None) == "https://api.openai.com"
