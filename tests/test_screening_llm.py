"""LLM screening of a set answer over real HTTP: the scripted OpenAI-compatible server (tests/openai_stub.py) gives
verdicts, bad JSON, invented quotes and a failure mid-batch; once against a real llama.cpp server for the protocol
(the tiny model's verdicts are junk: only the protocol and the fallbacks are tested there). First, without a
server, the parsing and checking of verdicts and the batching (assistant/sets/screening_llm.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from assistant.answering.chain import AnswerChain, answer
from assistant.sets.answer import LLM_SET_LABEL
from assistant.sets.screening import find_verbatim
from assistant.sets.screening_llm import make_batches, parse_verdicts, valid_verdicts
from assistant.types import Answer, Hit, Paper
from tests.conftest import PLANTED_KEY, make_settings
from tests.retriever_double import handful_of_iclr_papers

QUESTION = "Which papers are about diffusion models?"
_BLOCK = re.compile(r'<paper n="(\d+)"[^>]*>\nTitle: (.*?)\n.*?Abstract: (.*?)\n</paper>', re.DOTALL)


def batch_papers(body: dict[str, Any]) -> list[tuple[int, str, str]]:
    """(n, title, abstract) of each paper in a screening request."""
    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    return [(int(n), title, abstract) for n, title, abstract in _BLOCK.findall(prompt)]


def is_naming(body: dict[str, Any]) -> bool:
    return "<groups>" in "\n".join(str(m.get("content", "")) for m in body.get("messages", []))


def title_judge(body: dict[str, Any]) -> str:
    """A scripted model: a paper whose title says "diffusion" or "score" is relevant, quoted by its title."""
    if is_naming(body):
        count = len(re.findall(r'<group n="', str(body["messages"][-1]["content"])))
        return json.dumps({str(n): f"Theme {n} from the model" for n in range(1, count + 1)})
    verdicts = []
    for n, title, abstract in batch_papers(body):
        if re.search(r"diffusion|score", title, re.IGNORECASE):
            verdicts.append({"n": n, "verdict": "relevant", "quote": title})
        else:
            verdicts.append({"n": n, "verdict": "not_relevant", "quote": abstract.split(". ")[0]})
    return json.dumps(verdicts)


def screening_requests(stub: Any) -> list[Any]:
    return [r for r in stub.chat_requests if not is_naming(r.body)]


def offline_answer(retriever: Any, tmp_path: Any) -> Answer:
    return answer(QUESTION, [], retriever, make_settings(tmp_path / "offline", llm="offline"))


def verdicts(result: Answer) -> list[tuple[str, str]]:
    return [(m.hit.paper.id, m.verdict) for m in result.matches]


def assert_quotes_verbatim(result: Answer) -> None:
    for m in result.matches:
        if m.quote:
            assert find_verbatim(f"{m.hit.paper.abstract or ''} {m.hit.paper.title}", m.quote), m.quote


# --- parsing and batching (no server) ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def handful() -> list[Paper]:
    return handful_of_iclr_papers()


def test_llm_verdicts_are_parsed_and_checked(handful: list[Paper]) -> None:
    hits = [Hit(p, 1.0) for p in handful[:3]]
    real = (handful[0].abstract or "").split(". ")[0]
    reply = "```json\n" + json.dumps({"verdicts": [
        {"n": 1, "verdict": "relevant", "quote": real.upper()},
        {"n": 2, "verdict": "relevant", "quote": "A sentence that this paper never wrote at all."},
        {"n": 3, "verdict": "maybe", "quote": real},
        {"n": 9, "verdict": "relevant", "quote": real},
    ]}) + "\n```"
    items = parse_verdicts(reply)
    assert items is not None
    valid = valid_verdicts(items, hits)
    assert list(valid) == [1] and valid[1] == ("relevant", real)  # the paper's own spelling, not the model's
    assert parse_verdicts("I think paper 1 is relevant.") is None
    assert parse_verdicts('[{"n": 1, "verdict": "relevant"') is None


def test_llm_batches_respect_the_size_and_the_token_budget(handful: list[Paper]) -> None:
    hits = [Hit(p, 1.0) for p in handful[:12]]
    assert [len(b) for b in make_batches(hits, 5, None)] == [5, 5, 2]
    small = make_batches(hits, 20, 700)  # a few abstracts' worth of tokens
    assert len(small) > 1 and sorted(i for b in small for i in b) == list(range(12))
    assert all(len(b) >= 1 for b in make_batches(hits, 20, 1))  # one paper a batch at least


# --- over HTTP -----------------------------------------------------------------------------------------------


def test_llm_verdicts_decide_and_the_model_names_the_groups(
    handful_retriever: Any, openai_stub: Any, stub_settings: Any
) -> None:
    from tests.openai_stub import Reply

    openai_stub.default = Reply(fn=title_judge)
    settings = stub_settings(screen_batch=4, screen_concurrency=2, set_group_min=3)
    result = AnswerChain(handful_retriever, settings).answer(QUESTION)
    candidates = handful_retriever.candidates("diffusion models")
    assert result.mode == "llm" and result.notice is None and result.model == "stub-model"
    expected = {h.paper.id for h in candidates if re.search(r"diffusion|score", h.paper.title, re.IGNORECASE)}
    assert {m.hit.paper.id for m in result.relevant} == expected and all(m.judge == "llm" for m in result.matches)
    screens = screening_requests(openai_stub)
    assert len(screens) == -(-len(candidates) // 4)  # every candidate screened, four a call
    assert all(len(batch_papers(r.body)) <= 4 for r in screens)
    assert sorted(t for r in screens for _, t, _ in batch_papers(r.body)) == sorted(h.paper.title for h in candidates)
    assert result.groups and all(g.startswith("Theme ") for g in result.groups)  # named by the model
    assert LLM_SET_LABEL.format(model="'stub-model'") in result.text
    assert_quotes_verbatim(result)


def test_bad_json_falls_back_to_the_offline_screen_with_a_notice(
    handful_retriever: Any, openai_stub: Any, stub_settings: Any, tmp_path: Any
) -> None:
    from tests.openai_stub import Reply

    openai_stub.default = Reply(text="Paper 1 looks relevant to me, paper 2 not so much.")
    result = AnswerChain(handful_retriever, stub_settings(screen_batch=5)).answer(QUESTION)
    assert result.mode == "offline" and "did not reply with JSON verdicts" in (result.notice or "")
    assert verdicts(result) == verdicts(offline_answer(handful_retriever, tmp_path))
    assert all(m.judge == "offline" for m in result.matches)


def test_invented_quotes_void_the_verdicts(
    handful_retriever: Any, openai_stub: Any, stub_settings: Any, tmp_path: Any
) -> None:
    from tests.openai_stub import Reply

    def inventor(body: dict[str, Any]) -> str:
        return json.dumps([{"n": n, "verdict": "relevant", "quote": "This paper proves that P equals NP at last."}
                           for n, _, _ in batch_papers(body)])

    openai_stub.default = Reply(fn=inventor)
    result = AnswerChain(handful_retriever, stub_settings()).answer(QUESTION)
    assert verdicts(result) == verdicts(offline_answer(handful_retriever, tmp_path))
    assert "no valid verdict" in (result.notice or "") and "P equals NP" not in result.text
    assert result.mode == "offline"


def test_a_failed_batch_is_screened_offline_and_the_rest_by_the_model(
    handful_retriever: Any, openai_stub: Any, stub_settings: Any
) -> None:
    from tests.openai_stub import Reply

    openai_stub.default = Reply(fn=title_judge)
    openai_stub.script(Reply(status=500))  # the first call fails (one call at a time: it is the first batch)
    settings = stub_settings(screen_batch=3, screen_concurrency=1, set_group_min=100)
    result = AnswerChain(handful_retriever, settings).answer(QUESTION)
    batches = -(-len(handful_retriever.candidates("diffusion models")) // 3)
    assert batches >= 2
    assert f"failed for 1 of {batches} batches" in (result.notice or "") and "HTTP 500" in (result.notice or "")
    assert PLANTED_KEY not in (result.notice or "")
    first_batch = {t for _, t, _ in batch_papers(screening_requests(openai_stub)[0].body)}
    for m in result.matches:
        assert m.judge == ("offline" if m.hit.paper.title in first_batch else "llm"), m.hit.paper.title
    assert result.mode == "llm"
    assert_quotes_verbatim(result)


@pytest.mark.llm_server
def test_screening_protocol_against_a_llama_cpp_server(llama_server: str, handful_retriever: Any, tmp_path: Any):
    settings = make_settings(
        tmp_path / "store", llm="openai", llm_model="smollm2", openai_base_url=llama_server, openai_api_key=PLANTED_KEY,
        screen_batch=1, llm_max_tokens=80, llm_timeout=120, llm_first_token_timeout=60, llm_retries=0,
    )
    result = answer("Which papers study over-squashing?", [], handful_retriever, settings)
    # The tiny model's verdicts may be valid or not: either they are used, or the offline ones with a notice.
    assert result.mode in ("llm", "offline")
    assert result.mode == "llm" or result.notice
    assert [m.n for m in result.matches] == list(range(1, len(result.matches) + 1))
    assert_quotes_verbatim(result)
