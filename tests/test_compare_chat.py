"""Comparison questions in the chat (assistant.answering.compare_chat): which questions ask for a table and which
columns they name (rules), then the tables themselves on the shipped listing's real store (a topic's papers, a
follow-up's, the columns asked, the numbering), with the scripted OpenAI-compatible server over HTTP (LLM cells, a
failure), hostile listing text in a table, the exports, and the app's /ask JSON."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from assistant import service
from assistant.analysis.compare import DEFAULT_COLUMNS, MAX_PAPERS, Cell, Row, offline_table, parse_columns
from assistant.answering.compare_chat import TableAsked, chat_cell, sides, table_request, table_text
from assistant.keyword_index import split_sentences
from assistant.query.author_index import AuthorIndex
from assistant.query.intents import intent_of
from assistant.types import Answer, Paper
from assistant.web import render
from assistant.words.terms import terms

from .conftest import HOSTILE_TITLE, make_settings
from .openai_stub import Reply
from .retriever_double import all_iclr_papers


@pytest.fixture(scope="module")
def authors() -> AuthorIndex:
    return AuthorIndex.build(all_iclr_papers())


# --- which questions ask for a table ----------------------------------------------------------------------------------
TABLES = [  # (question, what the plan reads: a list question, the columns named)
    ("compare the papers on graph transformers", "the papers on graph transformers", ()),
    ("contrast the diffusion papers", "the diffusion papers", ()),
    ("Compare the oral papers on reinforcement learning", "the oral papers on reinforcement learning", ()),
    ("make a comparison table of papers about diffusion models", "of papers about diffusion models", ()),
    ("can you make a table comparing the papers on federated learning?", "the papers on federated learning?", ()),
    ("compare those papers", "those papers", ()),
    ("compare them in a table", "them", ()),
    ("and compare them", "them", ()),
    ("compare the first three", "the first three", ()),
    ("compare the papers on graph transformers by dataset and code availability",
     "the papers on graph transformers", ("Dataset", "Code availability")),
    ("compare them on method and data", "them", ("Method", "Data")),
    ("compare these papers in terms of method, results and limitations", "these papers",
     ("Method", "Results", "Limitations")),
    ("compare the papers on RL with columns task, uses simulation?", "the papers on RL", ("Task", "Uses simulation")),
    ("compare the papers by Sergey Levine", "the papers by Sergey Levine", ()),  # an author, not columns
    ("compare the papers by John Smithson", "the papers by John Smithson", ()),  # one the listing lacks
    ("compare the papers on meta-learning for robotics", "the papers on meta-learning for robotics", ()),
    ("show them side by side", "them", ()),
    ("compare the papers on evaluation", "the papers on evaluation", ()),  # a topic, though a column's name
    ("put the papers on graph rewiring in a table", "put the papers on graph rewiring", ()),
    ("compare the top 5 papers on GNNs but not molecules", "the top 5 papers on GNNs but not molecules", ()),
]
EXPLAINED = [  # two methods or families, and questions that only mention comparing: no table
    "compare transformers and CNNs for vision", "transformers vs CNNs on small datasets",
    "How does Adam compare with SGD?", "compare diffusion models with GANs",
    "what's the difference between contrastive and generative self-supervised learning?",
    "Is GPT better than BERT?", "which papers compare GNNs and transformers?", "which papers study graph transformers?",
    "pros and cons of model-based RL", "which papers deal with table understanding in a table encoder?",
    "papers on question answering over tables", "what is a comparison of optimizers for transformers?",
]


@pytest.mark.parametrize(("question", "asked", "columns"), TABLES)
def test_a_question_naming_a_set_of_papers_asks_for_a_table(
    authors: AuthorIndex, question: str, asked: str, columns: tuple[str, ...]
) -> None:
    request = table_request(question, authors)
    assert request is not None and (request.asked, request.columns) == (asked, columns)
    parse_columns(request.columns)  # the columns named are valid ones (none: the default five)
    assert intent_of(request.asked) == "list"  # its papers are those a set answer states


@pytest.mark.parametrize("question", EXPLAINED)
def test_two_sides_or_a_list_question_are_no_table(authors: AuthorIndex, question: str) -> None:
    assert table_request(question, authors) is None


# --- the chat's table text: escaped as listing text is -------------------------------------------------------------
HOSTILE = Paper(
    "h1", "A <img src=x onerror=alert(1)> title | with a pipe [3]", authors=("<b>M</b>",), url="https://openreview.net/forum?id=h1",
    abstract="We propose <script>alert(2)</script> a [link](javascript:alert(3)) method, see [2] and www.evil.example "
             "| and a pipe. Our experiments on ImageNet show it outperforms every baseline by 5%.",
)


def test_listing_text_in_the_chat_table_is_inert() -> None:
    table = offline_table([HOSTILE], parse_columns(["method", "results"]))
    text = table_text(TableAsked("q", "q", "ICLR 2022", "hostile"), table, 1)
    answer = Answer(text, [], [], "offline")
    shown = render.link_citations(text, [], [])
    assert "<script" not in shown and "<img" not in shown and "www.evil" not in shown
    assert not re.search(r"(?<!\\)\]\(", shown)  # no link: every bracket of the listing's is escaped
    assert "&lt;script&gt;" in shown and "\\[link\\]" in shown  # the abstract's text is there, escaped
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 and all(line.count("|") == 4 for line in rows)  # its '|' ends no cell
    assert re.findall(r"\[\d+\]", text) == ["[1]"]  # the title's and abstract's "[3]", "[2]" cite nothing
    assert answer.text == text


def test_an_llm_cell_shows_its_text_then_its_checked_quote() -> None:
    row = Row(1, HOSTILE, {"Method": Cell("a method", "We propose a method.")})
    assert chat_cell(row.cells["Method"]) == "a method: \u201cWe propose a method.\u201d"
    assert chat_cell(Cell("not stated in the abstract", "", "the model's quote is not in the abstract")).startswith(
        "not stated in the abstract (the model's")


# --- on the shipped listing (real store) ----------------------------------------------------------------------------
def numbered_well(answer: Answer) -> None:
    """One row per source, in order, each row citing its paper [n] = sources[n - 1]."""
    assert answer.comparison is not None and answer.intent == "compare"
    rows = answer.comparison.to_dict()["rows"]
    assert [r["n"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["id"] for r in rows] == [h.paper.id for h in answer.sources]
    assert sorted(c.n for c in answer.citations) == [r["n"] for r in rows]
    assert all(c.id == answer.sources[c.n - 1].paper.id for c in answer.citations)
    body = [line for line in answer.text.splitlines() if line.startswith("| ") and not line.startswith("| Paper")]
    assert len(body) == len(rows)


def test_a_topics_table_holds_the_papers_its_set_answer_states(iclr_settings: Any) -> None:
    table = service.ask("compare the papers on federated learning", [], iclr_settings)
    listed = service.ask("which papers study federated learning?", [], iclr_settings)
    numbered_well(table)
    assert table.comparison.to_dict()["columns"] == list(DEFAULT_COLUMNS)  # type: ignore[union-attr]
    assert {h.paper.id for h in table.sources} == {m.hit.paper.id for m in listed.relevant}
    assert f"{len(listed.relevant)} papers of ICLR 2022 match ‘federated learning’" in table.text
    assert "| Paper | Task / problem | Method |" in table.text
    exported = render.export_answer_markdown(table.question, table)
    assert "| Paper | Task / problem |" in exported and "**References**" in exported
    assert all(f"{n}. " in exported for n in range(1, len(table.sources) + 1))


def test_a_large_topic_is_cut_at_the_cap_and_says_how_many_were_left_out(iclr_settings: Any) -> None:
    table = service.ask("contrast the reinforcement learning papers", [], iclr_settings)
    numbered_well(table)
    matched = int(re.match(r"(\d+) papers of ICLR 2022 match", table.text).group(1))  # type: ignore[union-attr]
    assert len(table.sources) == MAX_PAPERS and matched > MAX_PAPERS
    assert f"the table compares the best-ranked {MAX_PAPERS}, {matched - MAX_PAPERS} left out" in table.text


def test_follow_ups_compare_the_previous_answers_papers(iclr_settings: Any) -> None:
    listed = service.ask("which papers study federated learning?", [], iclr_settings)
    those = service.ask("compare those papers", [listed], iclr_settings)
    numbered_well(those)
    assert [h.paper.id for h in those.sources] == [m.hit.paper.id for m in listed.relevant][:MAX_PAPERS]
    first = service.ask("compare the first three by dataset and code availability", [listed], iclr_settings)
    numbered_well(first)
    assert [h.paper.id for h in first.sources] == [h.paper.id for h in listed.sources[:3]]
    assert first.comparison.to_dict()["columns"] == ["Dataset", "Code availability"]  # type: ignore[union-attr]
    assert "| Paper | Dataset | Code availability |" in first.text
    assert "The 3 papers you picked from the previous answer (“which papers study federated learning?”)" in first.text
    again = service.ask("compare them in a table", [listed, those], iclr_settings)
    assert [h.paper.id for h in again.sources] == [h.paper.id for h in those.sources]


def test_a_follow_up_table_filters_or_narrows_the_previous_papers(iclr_settings: Any) -> None:
    listed = service.ask("which papers study graph neural networks?", [], iclr_settings)
    ids = {m.hit.paper.id for m in listed.matches}
    orals = service.ask("compare the orals among them", [listed], iclr_settings)
    numbered_well(orals)
    assert orals.sources and all(h.paper.decision == "Oral" and h.paper.id in ids for h in orals.sources)
    assert "pass the filters (orals only)" in orals.text
    molecules = service.ask("compare those about molecules", [listed], iclr_settings)
    numbered_well(molecules)
    assert {h.paper.id for h in molecules.sources} <= ids and len(molecules.sources) < len(listed.relevant)
    assert "match ‘molecules’" in molecules.text


def test_a_topic_table_leaves_out_what_the_question_excludes_and_takes_the_number_asked(iclr_settings: Any) -> None:
    table = service.ask("compare the top 5 papers on graph neural networks but not molecules", [], iclr_settings)
    numbered_well(table)
    assert len(table.sources) == 5 and "papers left out" in table.text and "the best-ranked 5" in table.text
    everything = service.ask("compare the papers on graph neural networks", [], iclr_settings)
    assert int(re.match(r"(\d+) papers", everything.text).group(1)) > int(  # type: ignore[union-attr]
        re.match(r"(\d+) papers", table.text).group(1))  # type: ignore[union-attr]


@pytest.mark.parametrize(("question", "one", "other"), [
    ("compare federated learning with meta-learning", "federated learning", "meta-learning"),  # cited no meta-learning
    ("compare diffusion models with GANs", "diffusion", "GAN"),
])
def test_a_comparison_of_two_families_stays_an_explanation_citing_both(
    iclr_settings: Any, question: str, one: str, other: str
) -> None:
    answer = service.ask(question, [], iclr_settings)
    assert answer.comparison is None and answer.citations
    cited = [h.paper for h in answer.sources if h.paper.id in set(answer.cited_ids)]
    for side in (one, other):
        assert any(set(terms(side)) <= set(terms(f"{p.title} {p.abstract}")) for p in cited), side


def test_the_sides_of_a_comparison() -> None:
    assert sides("Adam, SGD") == ["Adam", "SGD"]
    assert sides("transformers, CNNs for vision") == ["transformers for vision", "CNNs for vision"]
    assert sides("difference between contrastive and generative self-supervised learning") == [
        "contrastive self-supervised learning", "generative self-supervised learning"]
    assert sides("offline reinforcement learning with imitation learning") == [
        "offline reinforcement learning", "imitation learning"]
    assert sides("pros and cons of model-based RL") == [] and sides("graph transformers") == []


def test_nothing_to_compare_says_what_to_ask(iclr_settings: Any) -> None:
    answer = service.ask("compare the papers", [], iclr_settings)
    assert answer.comparison is None and not answer.citations and "compare those" in answer.text


# --- with an LLM (the scripted server) ------------------------------------------------------------------------------
def rows_reply(body: dict[str, Any]) -> str:
    """The model: a compare request gets each paper's first abstract sentence as every cell's quote; a condensing
    request gets the follow-up back."""
    import json

    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    if "<columns>" not in prompt:
        return "compare those papers"
    papers = {p.id: p for p in all_iclr_papers()}
    rows = []
    for n, pid in re.findall(r'<paper n="(\d+)" id="([^"]+)">', prompt):
        first = split_sentences(papers[pid].abstract or "")[0]
        rows.append({"n": int(n), "cells": {f"c{i}": {"text": f"cell {i}", "quote": first} for i in range(1, 6)}})
    return json.dumps({"rows": rows})


def llm_settings(iclr_store: Path, openai_stub: Any) -> Any:
    return make_settings(iclr_store, collection="iclr2022", llm="openai", llm_model=openai_stub.model,
                         openai_base_url=openai_stub.base_url, openai_api_key="sk-test", llm_retries=0,
                         llm_timeout=10.0, llm_first_token_timeout=2.0)


def test_with_an_llm_the_table_has_its_cells_and_a_failure_falls_back_with_a_notice(
    iclr_store: Path, iclr_settings: Any, openai_stub: Any, stub_settings: Callable[..., Any]
) -> None:
    listed = service.ask("which papers study federated learning?", [], iclr_settings)
    settings = llm_settings(iclr_store, openai_stub)
    openai_stub.default = Reply(fn=rows_reply)
    answer = service.ask("compare the first four", [listed], settings)
    numbered_well(answer)
    assert answer.mode == "llm" and answer.model == openai_stub.model
    rows = answer.comparison.to_dict()["rows"]  # type: ignore[union-attr]
    assert any(cell["text"] == "cell 2" for r in rows for cell in r["cells"].values())
    assert "Cells by stub-model" in answer.text and "cell 2: \u201c" in answer.text
    openai_stub.default = Reply(status=500)
    openai_stub.script(Reply(text="compare the first four"))  # the follow-up condensed, then the table's call fails
    failed = service.ask("compare the first four", [listed], settings)
    numbered_well(failed)
    assert failed.mode == "offline" and failed.notice and "offline table" in failed.notice
    assert "**Notice:**" in render.answer_markdown(failed)
    assert [h.paper.id for h in failed.sources] == [h.paper.id for h in answer.sources]


# --- hostile listing text through the app: the /ask JSON and the chat's Markdown -------------------------------------
def test_ask_returns_the_table_as_json_and_markdown_with_hostile_text_inert(small_app: Any) -> None:
    client = Client(small_app.url, verbose=False)
    result = client.predict("compare the papers on hostile markup in terms of hostile markup, method",
                            api_name="/ask")
    table = result["comparison"]
    assert table["columns"] == ["Hostile markup", "Method"] and table["mode"] == "offline"
    assert [r["id"] for r in table["rows"]] == [c["id"] for c in sorted(result["citations"], key=lambda c: c["n"])]
    assert HOSTILE_TITLE in {r["title"] for r in table["rows"]}
    markdown = result["markdown"]
    assert "| Paper | Hostile markup | Method |" in markdown
    assert "&lt;script&gt;" in markdown and "&lt;img" in markdown  # the hostile title and abstract, escaped
    assert "<script" not in markdown and "<img" not in markdown and "\\[link\\](javascript" in markdown
    assert not re.search(r"(?<!\\)\]\((?!https://openreview)", markdown)  # the citation links are the only links
