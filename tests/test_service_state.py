"""Process state has one owner (service.Services), keyed by what makes it stale: a re-ingest (same paper ids, new
authors) and an edited prompt file are seen by the next question, in the same process, through the service.

Real parts: a persistent Chroma store in a temporary folder, the MiniLM embedder, the scripted OpenAI-compatible
server over HTTP (tests/openai_stub.py records what the "model" was sent)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant import service
from tests.conftest import ICLR, make_settings
from tests.openai_stub import Reply

PAPERS = 12  # the first papers of the shipped listing: enough to rank, quick to embed
NEW_AUTHOR = "Zebulon Quartermaine"


def records() -> list[dict[str, Any]]:
    with ICLR.open(encoding="utf-8") as handle:
        return [json.loads(line) for line, _ in zip(handle, range(PAPERS), strict=False)]


def write_listing(path: Path, papers: list[dict[str, Any]]) -> Path:
    """A listing of these papers, with the shipped listing's embeddings beside it (its chunks are found there, so
    the ingest embeds nothing)."""
    path.write_text("".join(json.dumps(p) + "\n" for p in papers), encoding="utf-8")
    shutil.copyfile(service.shipped_cache_path(ICLR), service.shipped_cache_path(path))
    return path


def relevant_ids(question: str, settings: Any) -> set[str]:
    answer = service.ask(question, [], settings, collection="state")
    assert answer.is_set, (question, answer.intent)
    return {m.hit.paper.id for m in answer.relevant}


def test_a_reingest_with_new_authors_is_seen_by_the_next_author_question(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "store")
    papers = records()
    changed = papers[0]
    old_author = changed["authors"][0]
    assert all(old_author not in p["authors"] for p in papers[1:])  # the question below has one right answer
    service.ingest([write_listing(tmp_path / "v1.jsonl", papers)], settings, "state")
    assert relevant_ids(f"Which papers did {old_author} co-author?", settings) == {changed["id"]}

    # The same ids again, one paper's first author replaced: a new generation of the listing.
    papers[0] = changed | {"authors": [NEW_AUTHOR, *changed["authors"][1:]]}
    summary = service.ingest([write_listing(tmp_path / "v2.jsonl", papers)], settings, "state")
    assert (summary.updated, summary.added) == (1, 0)

    assert relevant_ids(f"Which papers did {NEW_AUTHOR} co-author?", settings) == {changed["id"]}
    assert changed["id"] not in relevant_ids(f"Which papers did {old_author} co-author?", settings)


# --- an edited prompt file ---------------------------------------------------------------------------------------


def edit_system(path: Path, line: str, keep_mtime: bool) -> None:
    """Put `line` first in the template's [system] section. With keep_mtime the file's mtime is set back, as a
    copy that preserves times (cp -p, rsync -t, an unpacked archive) leaves it: only the size tells."""
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("[system]\n", f"[system]\n{line}\n", 1), "utf-8")
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def system_prompts(stub: Any) -> list[str]:
    return [r.body["messages"][0]["content"] for r in stub.chat_requests]


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A persistent store holding the first papers of the shipped listing (collection `state`)."""
    folder = tmp_path_factory.mktemp("small-store")
    service.ingest([write_listing(folder / "listing.jsonl", records())], make_settings(folder / "store"), "state")
    return folder / "store"


@pytest.fixture
def prompt_settings(small_store: Path, tmp_path: Path, stub_settings: Callable[..., Any]) -> Any:
    """Stub-LLM settings over the small store, with a copy of prompts/ the test may edit."""
    prompts = shutil.copytree(Path(__file__).resolve().parent.parent / "prompts", tmp_path / "prompts")
    return stub_settings(prompts_dir=prompts).with_overrides(store_dir=small_store)


@pytest.mark.parametrize("keep_mtime", [False, True], ids=["edited", "edited-same-mtime"])
def test_an_edited_answer_prompt_reaches_the_next_answer(
    prompt_settings: Any, openai_stub: Any, keep_mtime: bool
) -> None:
    openai_stub.default = Reply(text="The abstracts describe distribution shift [1].")
    question = "How do models cope with distribution shift?"
    first = service.ask(question, [], prompt_settings, collection="state")
    assert first.mode == "llm" and first.intent == "explain", first.notice
    assert "EDITED-ANSWER-RULE" not in system_prompts(openai_stub)[-1]

    edit_system(prompt_settings.prompts_dir / "answer.md", "EDITED-ANSWER-RULE: answer in one sentence.", keep_mtime)
    again = service.ask(question, [], prompt_settings, collection="state")
    assert again.mode == "llm", again.notice
    assert system_prompts(openai_stub)[-1].startswith("EDITED-ANSWER-RULE: answer in one sentence.\n")


@pytest.mark.parametrize("keep_mtime", [False, True], ids=["edited", "edited-same-mtime"])
def test_an_edited_summary_prompt_reaches_the_next_summary(
    prompt_settings: Any, openai_stub: Any, keep_mtime: bool
) -> None:
    openai_stub.default = Reply(text="[1] A gist of the paper.\n[2] Another gist.")
    first = service.summarize(prompt_settings, query="distribution shift", collection="state")
    assert first.mode == "llm", first.notice
    assert not any("EDITED-REDUCE-RULE" in s for s in system_prompts(openai_stub))

    edit_system(prompt_settings.prompts_dir / "summarize_reduce.md", "EDITED-REDUCE-RULE: be brief.", keep_mtime)
    sent = len(openai_stub.chat_requests)
    again = service.summarize(prompt_settings, query="distribution shift", collection="state")
    assert again.mode == "llm", again.notice
    reduce_prompts = [s for s in system_prompts(openai_stub)[sent:] if "gists" in s]
    assert reduce_prompts and all(s.startswith("EDITED-REDUCE-RULE: be brief.\n") for s in reduce_prompts)
