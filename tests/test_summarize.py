"""Group summaries: groups by query, ids and filter; offline themes and key sentences; LLM map-reduce over real
HTTP in batches, reducing hierarchically when the gists do not fit; fallback with a notice."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant.answering.summarize import OFFLINE_SUMMARY_LABEL, Group, Summarizer, stream_summary, summarize
from assistant.errors import AssistantError
from assistant.types import Filters
from tests.conftest import OVERSQUASHING_ID, make_settings
from tests.helpers import assert_citations_valid, assert_quotes_are_verbatim, collect
from tests.openai_stub import Reply

PAPER_NUMBER = re.compile(r'<paper n="(\d+)"')


@pytest.fixture
def offline(tmp_path: Any) -> Any:
    return make_settings(tmp_path / "store", llm="offline")


def test_offline_summary_of_a_query_cites_every_paper_and_shared_themes(handful_retriever: Any, offline: Any):
    _, _, result = collect(stream_summary(Group(query="diffusion models", k=8), handful_retriever, offline))
    assert result.mode == "offline" and result.text.startswith(OFFLINE_SUMMARY_LABEL)
    assert len(result.sources) == 8
    assert {c.n for c in result.citations} == set(range(1, 9))
    themes = result.text.split("Shared themes:")[1].split("Papers:")[0]
    assert themes.count("\n- ") >= 3
    assert "diffusion" in themes.lower()
    assert_citations_valid(result)
    assert_quotes_are_verbatim(result)


def test_group_by_ids_keeps_order_and_reports_unknown_ids(handful_retriever: Any, offline: Any) -> None:
    ids = [p.id for p in handful_retriever.papers()[:3]]
    result = summarize(Group(ids=(ids[2], "no-such-id", ids[0], ids[2])), handful_retriever, offline)
    assert [h.paper.id for h in result.sources] == [ids[2], ids[0]]
    assert result.notice == "Unknown paper id(s), left out: no-such-id."
    listed = result.text.split("Papers:")[1]
    first, second = (handful_retriever.get([i])[0].title for i in (ids[2], ids[0]))
    assert f"{first} [1]" in listed and f"{second} [2]" in listed and listed.index(first) < listed.index(second)


def test_a_keyword_two_chosen_papers_share_is_their_theme(handful_retriever: Any, offline: Any) -> None:
    sharing = [p.id for p in handful_retriever.papers() if "distribution shifts" in [k.lower() for k in p.keywords]]
    assert len(sharing) == 2
    themes = summarize(Group(ids=tuple(sharing)), handful_retriever, offline).text.split("Papers:")[0]
    assert "- ‘distribution shifts’ (keyword): 2 papers [1, 2]" in themes.lower(), themes
    assert "No keyword or term is shared" not in themes


def test_papers_that_share_nothing_say_so(handful_retriever: Any, offline: Any) -> None:
    papers = handful_retriever.papers()
    apart = next((a.id, b.id) for a in papers for b in papers
                 if a.id < b.id and not {k.lower() for k in a.keywords} & {k.lower() for k in b.keywords}
                 and "No keyword or term is shared" in summarize(Group(ids=(a.id, b.id)), handful_retriever,
                                                                  offline).text)
    themes = summarize(Group(ids=apart), handful_retriever, offline).text.split("Papers:")[0]
    assert themes.strip().endswith("- No keyword or term is shared by two or more of these papers.")


def test_group_by_filter_takes_every_matching_paper(handful_retriever: Any, offline: Any) -> None:
    result = summarize(Group(filters=Filters(decision=("Oral",))), handful_retriever, offline)
    orals = handful_retriever.papers(Filters(decision=("Oral",)))
    assert len(result.sources) == len(orals) > 5
    assert "orals only" in result.text
    assert {c.n for c in result.citations} == set(range(1, len(orals) + 1))


def test_an_empty_group_is_refused(handful_retriever: Any, offline: Any) -> None:
    with pytest.raises(AssistantError, match="give a query, a list of paper ids, or a filter"):
        summarize(Group(), handful_retriever, offline)


def scripted_model(gist_words: int = 8, skip: int | None = None) -> Reply:
    """Map requests: one "[n] gist" line per numbered paper (skipping paper `skip`). Reduce requests: an overview
    citing the first gist it sees and a made-up [99]."""

    def reply(body: dict[str, Any]) -> str:
        prompt = body["messages"][-1]["content"]
        if "<gists>" in prompt:
            first = re.search(r"\[(\d+)\]", prompt.split("<gists>")[1])
            return f"Themes: shared ideas [{first.group(1) if first else 1}] and an invented one [99]."
        numbers = [n for n in PAPER_NUMBER.findall(prompt) if int(n) != skip]
        return "\n".join(f"[{n}] " + " ".join(["contribution"] * gist_words) for n in numbers)

    return Reply(fn=reply)


def test_llm_summary_maps_in_batches_then_reduces(handful_retriever: Any, openai_stub: Any, stub_settings: Any):
    openai_stub.default = scripted_model(skip=2)
    settings = stub_settings(context_tokens=1200)
    _, _, result = collect(Summarizer(handful_retriever, settings).stream(Group(query="diffusion models", k=8)))
    requests = openai_stub.chat_requests
    maps = [r for r in requests if "<papers>" in r.prompt_text]
    reduces = [r for r in requests if "<gists>" in r.prompt_text]
    assert len(maps) >= 2 and len(reduces) == 1
    mapped = [int(n) for r in maps for n in PAPER_NUMBER.findall(r.prompt_text)]
    assert mapped == list(range(1, 9))  # every paper once, numbered across batches
    gists = reduces[0].prompt_text.split("<gists>")[1]
    assert all(f"[{n}] " in gists for n in range(1, 9))
    assert "[2] " + result.sources[1].paper.title in gists  # the paper the model skipped got its key sentence
    assert result.mode == "llm" and "[99]" not in result.text
    assert "Removed citation(s) [99]" in (result.notice or "")
    assert_citations_valid(result)


def test_gists_too_large_for_one_prompt_are_reduced_hierarchically(
    handful_retriever: Any, openai_stub: Any, stub_settings: Any
) -> None:
    openai_stub.default = scripted_model(gist_words=120)
    settings = stub_settings(context_tokens=600)
    result = Summarizer(handful_retriever, settings).summarize(Group(query="diffusion models", k=8))
    reduces = [r for r in openai_stub.chat_requests if "<gists>" in r.prompt_text]
    assert len(reduces) >= 3  # partial overviews, then one over them
    final_gists = reduces[-1].prompt_text.split("<gists>")[1]
    assert "Themes: shared ideas" in final_gists  # the last reduce read the partial overviews
    assert result.mode == "llm" and len(result.sources) == 8
    assert_citations_valid(result)


def test_llm_failure_during_map_gives_the_offline_summary_with_a_notice(
    handful_retriever: Any, openai_stub: Any, stub_settings: Any
) -> None:
    openai_stub.script(Reply(status=500))
    result = Summarizer(handful_retriever, stub_settings()).summarize(Group(query="graph neural networks", k=5))
    assert result.mode == "offline" and result.text.startswith(OFFLINE_SUMMARY_LABEL)
    assert "HTTP 500" in (result.notice or "")
    assert_citations_valid(result)


def test_e2e_offline_summary_of_diffusion_models_cites_three_relevant_papers(
    iclr_retriever: Any, iclr_settings: Any
) -> None:
    result = summarize(Group(query="diffusion models"), iclr_retriever, iclr_settings)
    assert_citations_valid(result)
    assert_quotes_are_verbatim(result)
    on_topic = re.compile(r"diffusion|score-based|score matching", re.IGNORECASE)
    relevant = [c for c in result.citations if on_topic.search(f"{c.title} {result.sources[c.n - 1].paper.abstract}")]
    assert len(relevant) >= 3
    assert OVERSQUASHING_ID not in result.cited_ids
