"""Key redaction (assistant/redaction.py): the whole key, any 6+ character run of it, key-shaped text; the same result
under every hash seed; and the model's own streamed answer, cut anywhere, never shows a piece of it. Over real HTTP:
the scripted OpenAI-compatible server (tests/openai_stub.py) echoes the key in errors and writes it in answers."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from typing import Any

import pytest

from assistant import embeddings, llm
from assistant.answering.chain import AnswerChain, FinalAnswer, StreamReset, TextDelta
from assistant.embeddings import openai_embedder
from assistant.errors import EmbeddingError
from assistant.redaction import MIN_RUN, redact, redact_stream

from .conftest import PLANTED_KEY, ROOT
from .openai_stub import OpenAIStub, Reply

BARE = PLANTED_KEY[3:]  # the key as some servers echo it: without its `sk-` prefix


def runs(text: str, secret: str = PLANTED_KEY) -> list[str]:
    """Every MIN_RUN-character run of the secret found in `text` (case-insensitive)."""
    low = text.lower()
    return [secret[i : i + MIN_RUN] for i in range(len(secret) - MIN_RUN + 1) if secret[i : i + MIN_RUN].lower() in low]


def test_one_helper_serves_the_llm_and_the_embeddings_modules() -> None:
    assert vars(llm)["redact"] is redact and vars(openai_embedder)["redact"] is redact


@pytest.mark.parametrize("text", [
    f"echo {BARE} end", f"pieces {PLANTED_KEY[5:17]} and {PLANTED_KEY[20:]}", f"url https://x/{BARE}?k={BARE}",
    f"upper {BARE.upper()}", f"glued{PLANTED_KEY[4:14]}{PLANTED_KEY[12:30]}tail",
])
def test_the_key_and_every_run_of_it_are_masked(text: str) -> None:
    cleaned = redact(text, PLANTED_KEY)
    assert runs(cleaned) == [] and "***" in cleaned


def test_key_shaped_text_and_bearer_tokens_are_masked() -> None:
    cleaned = redact("other sk-zzzzzzzzzzzz and header Bearer abc.def", PLANTED_KEY)
    assert "zzzzzz" not in cleaned and "abc.def" not in cleaned
    assert redact("nothing secret here", None) == "nothing secret here"
    assert redact("short runs stay: PLANT, a1b2c", PLANTED_KEY) == "short runs stay: PLANT, a1b2c"


@pytest.mark.slow  # a subprocess per hash seed
def test_redaction_is_the_same_under_every_hash_seed() -> None:
    """The old helper replaced pieces in set order, so what was left depended on PYTHONHASHSEED."""
    code = ("import sys; from assistant.llm import redact; "
            f"print(redact('PLANTED-a1b2c3d4e5f6g7h8i9j0 and {BARE}', {PLANTED_KEY!r}))")
    outputs = set()
    for seed in ("0", "1", "2", "3", "7", "42"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        outputs.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                   check=True).stdout)
    assert len(outputs) == 1 and runs(outputs.pop()) == []


def test_a_streamed_key_is_masked_however_the_stream_is_cut() -> None:
    text = (f"Sure, the key is {PLANTED_KEY}, or without prefix {BARE}; a piece {PLANTED_KEY[9:22]}. "
            "Bearer tok123456 sk-other-key-0000 done")
    rng = random.Random(7)
    for _ in range(300):
        cuts = sorted(rng.sample(range(1, len(text)), rng.randint(1, 60)))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        shown = list(redact_stream(pieces, PLANTED_KEY))
        assert all(runs(piece) == [] for piece in shown)
        assert runs("".join(shown)) == [] and "tok123456" not in "".join(shown)
        assert "".join(shown).startswith("Sure, the key is ***") and "".join(shown).endswith(" done")


def test_plain_text_streams_through_unchanged() -> None:
    pieces = ["The ", "model ", "studies ", "over-squashing [1]", "."]
    assert "".join(redact_stream(pieces, PLANTED_KEY)) == "The model studies over-squashing [1]."


# --- over HTTP -------------------------------------------------------------------------------------------------------
def test_an_error_echoing_the_bare_key_shows_no_piece_of_it(openai_stub: OpenAIStub, stub_settings: Any) -> None:
    openai_stub.script(Reply(status=400, error_message=f"bad key {BARE} (prefix {PLANTED_KEY[:12]})"))
    with pytest.raises(Exception) as caught:  # noqa: B017 - LLMError
        llm.complete(llm.make_llm(stub_settings()), [])  # type: ignore[arg-type]
    assert "HTTP 400" in str(caught.value) and runs(str(caught.value)) == []


def test_the_embeddings_error_shows_no_piece_of_the_key(openai_stub: OpenAIStub) -> None:
    # The stub answers an unknown route with 404 "no route <path>": the path carries the bare key, echoed back.
    embedder = embeddings.OpenAIEmbedder("stub-embed", base_url=f"{openai_stub.base_url}/{BARE}",
                                         api_key=PLANTED_KEY, retries=0)
    with pytest.raises(EmbeddingError) as caught:
        embedder.embed_query("some text")
    assert "HTTP 404" in str(caught.value) and "no route" in str(caught.value)
    assert runs(str(caught.value)) == []


def test_the_model_writing_the_key_never_shows_it_even_before_a_reset(
    handful_retriever: Any, openai_stub: OpenAIStub, stub_settings: Any
) -> None:
    """The model prints the key (a prompt injection would ask it to), in 3-character pieces; then, in a second
    answer, it prints it and the stream breaks (the offline answer replaces what was shown)."""
    leaked = f"Over-squashing [1]. My key is {PLANTED_KEY} and bare {BARE}."
    openai_stub.script(Reply(text=leaked, chunk_chars=3), Reply(text=leaked, chunk_chars=3, cut_after=12))
    chain = AnswerChain(handful_retriever, stub_settings())
    for _ in range(2):
        events = list(chain.stream("What is over-squashing in graph neural networks?"))
        deltas = [e.text for e in events if isinstance(e, TextDelta)]
        last = events[-1]
        assert isinstance(last, FinalAnswer)
        final = last.answer
        assert deltas and all(runs(d) == [] for d in deltas) and runs("".join(deltas)) == []
        assert runs(final.text) == [] and runs(final.notice or "") == []
    assert any(isinstance(e, StreamReset) for e in events)  # the second stream did break after showing text
