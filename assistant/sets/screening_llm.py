"""Screening a set question's candidates with an LLM (`screen_with_llm`), and naming their groups
(`llm_group_names`). The offline screening (screening.py) decides first; the model can only replace its verdicts.

The candidates go in batches (settings.screen_batch abstracts a call, prompt prompts/screen.md), at most
settings.screen_concurrency calls at once. Each reply is JSON verdicts with a supporting quote; a verdict whose
quote is not in that paper's title or abstract (screening.quote_in_paper: compared after whitespace, case and quote
normalisation) is discarded and the paper keeps its offline verdict; a batch whose reply is not JSON, or whose call
fails, is screened offline with a notice. The LLM never decides which papers are candidates, only their verdicts.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from ..chunking import count_tokens
from ..errors import LLMError
from ..llm import ChatLLM, complete
from ..prompts import Prompt, fence, join_blocks, paper_block
from ..types import Hit, Paper, Screened, Verdict
from .evidence import Topic
from .screening import quote_in_paper

log = logging.getLogger(__name__)

VERDICTS: tuple[Verdict, ...] = ("relevant", "possible", "not_relevant")
GROUP_TITLES = 15  # titles of a group shown to the model that names it
_JSON_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class LLMScreening:
    """The verdicts after LLM screening, and what the user should know about the batches that failed."""

    screened: list[Screened]
    notice: str | None
    calls: int
    failed_batches: int


def screen_with_llm(
    llm: ChatLLM, prompt: Prompt, hits: Sequence[Hit], topic: Topic, offline: Sequence[Screened],
    batch_size: int, concurrency: int, budget: int | None = None,
) -> LLMScreening:
    """LLM verdicts for every candidate, batches run concurrently within `concurrency`; `offline` (the offline
    verdicts, same order as `hits`) stands in for every verdict the model did not give validly. A batch holds at
    most `batch_size` papers and, when `budget` is given, at most that many tokens of abstracts (one paper at least:
    a long one is the model's to refuse, and then falls back)."""
    batches = make_batches(hits, batch_size, budget)
    if not batches:
        return LLMScreening([], None, 0, 0)
    results: list[Screened] = list(offline)
    failures: list[str] = []
    discarded = 0
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(batches))), thread_name_prefix="screen") as pool:
        replies = list(pool.map(lambda rows: _ask(llm, prompt, [hits[i] for i in rows], topic), batches))
    for rows, reply in zip(batches, replies, strict=True):
        if isinstance(reply, str):
            failures.append(reply)
            continue
        for local, row in enumerate(rows, start=1):
            judged = reply.get(local)
            if judged is None:
                discarded += 1
                continue
            verdict, quote = judged
            results[row] = replace(offline[row], verdict=verdict, quote=quote or offline[row].quote, judge="llm")
    return LLMScreening(results, _screening_notice(failures, len(batches), discarded), len(batches), len(failures))


def make_batches(hits: Sequence[Hit], batch_size: int, budget: int | None) -> list[list[int]]:
    """Consecutive runs of candidate indexes, each within the size and the token budget."""
    batches: list[list[int]] = []
    used = 0
    for i, hit in enumerate(hits):
        size = count_tokens(paper_block(i + 1, hit.paper)) if budget else 0
        if not batches or len(batches[-1]) >= batch_size or (budget and used + size > budget):
            batches.append([])
            used = 0
        batches[-1].append(i)
        used += size
    return batches


def _ask(llm: ChatLLM, prompt: Prompt, hits: list[Hit], topic: Topic) -> dict[int, tuple[Verdict, str]] | str:
    """One batch: {local number: (verdict, verbatim quote)} for the valid verdicts, or why the batch failed."""
    papers = join_blocks([paper_block(n, h.paper) for n, h in enumerate(hits, start=1)])
    messages = prompt.messages(papers=papers, topic=fence(topic.text))
    try:
        reply = complete(llm, messages)
    except LLMError as exc:
        log.warning("screening batch failed: %s", exc)
        return str(exc)
    parsed = parse_verdicts(reply)
    if parsed is None:
        log.warning("screening batch: the reply was not JSON verdicts")
        return f"The language model {llm.model_name!r} did not reply with JSON verdicts."
    return valid_verdicts(parsed, hits)


def parse_verdicts(reply: str) -> list[dict[str, object]] | None:
    """The verdict objects of a reply: a JSON list, or an object holding one (e.g. {"verdicts": [...]}), possibly
    inside a ``` fence; None when the reply holds no such JSON."""
    fenced = _JSON_FENCE.search(reply)
    text = fenced.group(1) if fenced else reply
    start = min((i for i in (text.find("["), text.find("{")) if i >= 0), default=-1)
    if start < 0:
        return None
    try:
        data, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return None
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        return None
    return [item for item in data if isinstance(item, dict)]


def valid_verdicts(items: list[dict[str, object]], hits: list[Hit]) -> dict[int, tuple[Verdict, str]]:
    """The verdicts that name a paper of the batch, a known verdict and, unless "not_relevant", a quote found in
    that paper; the first verdict per paper wins. Anything else is discarded (the paper keeps its offline verdict)."""
    out: dict[int, tuple[Verdict, str]] = {}
    for item in items:
        n, verdict, quote = item.get("n"), str(item.get("verdict", "")).strip().lower(), item.get("quote")
        if isinstance(n, str) and n.strip().isdigit():
            n = int(n)
        if not isinstance(n, int) or not 1 <= n <= len(hits) or n in out or verdict not in VERDICTS:
            continue
        said = quote.strip() if isinstance(quote, str) else ""
        located = quote_in_paper(hits[n - 1].paper, said) if said else None
        if located is None and (said or verdict != "not_relevant"):
            continue  # an invented or altered quote (or none for a match): the verdict is not trusted
        out[n] = (verdict, located or "")
    return out


def _screening_notice(failures: list[str], batches: int, discarded: int) -> str | None:
    parts = []
    if failures and len(failures) == batches:  # nothing came from the model: the whole answer is the offline one
        parts.append(f"{failures[0].rstrip('.')}. Showing the offline answer instead.")
    elif failures:
        parts.append(
            f"The language model's screening failed for {len(failures)} of {batches} batches "
            f"({failures[0].rstrip('.')}); those papers were screened offline."
        )
    if discarded:
        parts.append(
            f"{discarded} paper(s) got no valid verdict from the language model (none given, or its quote is not in "
            f"the paper); they keep their offline verdict."
        )
    return " ".join(parts) or None


def llm_group_names(llm: ChatLLM, prompt: Prompt, groups: Sequence[Sequence[Paper]], topic: str) -> list[str | None]:
    """The model's name for each group of papers (by their titles), None where it gave none; [] when the call
    fails (the offline names stay)."""
    blocks = [
        f'<group n="{n}">\n' + "\n".join(f"- {fence(p.title)}" for p in group[:GROUP_TITLES]) + "\n</group>"
        for n, group in enumerate(groups, start=1)
    ]
    try:
        reply = complete(llm, prompt.messages(groups="\n\n".join(blocks), topic=fence(topic)))
    except LLMError as exc:
        log.warning("naming the groups failed: %s", exc)
        return []
    return parse_names(reply, len(groups))


def parse_names(reply: str, count: int) -> list[str | None]:
    """{"1": "name", ...} (or a list of names) from a reply; None for every group it does not name."""
    fenced = _JSON_FENCE.search(reply)
    text = fenced.group(1) if fenced else reply
    start = min((i for i in (text.find("["), text.find("{")) if i >= 0), default=-1)
    try:
        data, _ = json.JSONDecoder().raw_decode(text[start:]) if start >= 0 else (None, 0)
    except ValueError:
        return []
    if isinstance(data, list):
        data = {str(i): v for i, v in enumerate(data, start=1)}
    if not isinstance(data, dict):
        return []
    return [v if isinstance(v := data.get(str(n)), str) else None for n in range(1, count + 1)]
