"""Group summaries: a group of papers given by a query, a list of ids or a filter, summarised with citations.

With an LLM: map (one cited gist per paper, papers sent in batches that fit `context_tokens`), then reduce (themes,
differences, open questions), reducing hierarchically while the gists do not fit one prompt: no paper is dropped
for lack of room. Offline: each paper's key sentence, quoted, plus the themes the group shares (its keywords and
the terms unusually common in it). Both return an `Answer` whose citations are checked against the group.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from ..chunking import count_tokens
from ..citations import (
    CitationFilter,
    check_citations,
    defuse_citations,
    format_numbers,
    make_citations,
    removed_notice,
    stream_or_fall_back,
)
from ..errors import AssistantError, LLMError
from ..llm import ChatLLM, complete, make_llm
from ..prompts import Prompts, batch_papers, fence, load_prompts
from ..sets.answer import describe_filters
from ..sets.grouping import is_generic
from ..settings import Settings
from ..types import Answer, Filters, Hit, Paper
from ..words.sentences import key_sentence, plural, quote
from ..words.terms import CorpusStats, phrases, surface_terms, terms
from .chain import AnswerEvent, FinalAnswer, TextDelta, final_answer, notice_for
from .collection import RetrieverLike, collection_info

log = logging.getLogger(__name__)

OFFLINE_SUMMARY_LABEL = "Offline summary (extractive: key sentences quoted from the abstracts; no language model)."
DEFAULT_QUERY_PAPERS = 20
MAX_THEMES = 8
MAX_CITED_PER_THEME = 10
MAX_REDUCE_ROUNDS = 4
MIN_THEME_SHARE = 0.15  # a term is a theme when at least this share of the group (and two papers) uses it ...
MIN_LIFT = 4.0  # ... and it is at least this many times more common in the group than in the whole collection
_GIST_LINE = re.compile(r"^\W*\[(\d+)\]\s*[:\-\u2013\u2014]?\s*(.+)$")


@dataclass(frozen=True)
class Group:
    """Which papers to summarise: a query (its best `k`), explicit ids, a filter, or a query within a filter."""

    query: str | None = None
    ids: tuple[str, ...] = ()
    filters: Filters | None = None
    k: int = DEFAULT_QUERY_PAPERS
    described: str = ""  # what the ids are, for the heading ("the 18 papers of ICLR 2022 that match ...")

    def topic(self, n_papers: int) -> str:
        if self.described:
            return self.described
        parts = [self.query] if self.query else []
        if self.filters and not self.filters.is_empty():
            parts.append(describe_filters(self.filters) or "filtered")
        if self.ids:
            parts.append(f"{plural(len(self.ids), 'paper')} chosen by id")
        return "; ".join(parts) or f"{plural(n_papers, 'paper')}"


def group_hits(group: Group, retriever: RetrieverLike) -> tuple[list[Hit], list[str]]:
    """The group's papers (best first for a query) and the ids asked for that the collection does not have."""
    filters = group.filters if group.filters and not group.filters.is_empty() else None
    if group.ids:
        found = {p.id: p for p in retriever.get(group.ids)}
        missing = [i for i in group.ids if i not in found]
        papers = [found[i] for i in dict.fromkeys(group.ids) if i in found]
        return [Hit(p, 0.0) for p in papers if filters is None or filters.matches(p)], missing
    if group.query:
        return retriever.search(group.query, k=group.k, filters=filters), []
    if filters is not None:
        return [Hit(p, 0.0) for p in retriever.papers(filters)], []
    raise AssistantError("Nothing to summarise: give a query, a list of paper ids, or a filter.")


# --- offline -----------------------------------------------------------------------------------------------------


def offline_summary(topic: str, hits: Sequence[Hit], stats: CorpusStats, query_terms: Sequence[str] = ()) -> str:
    """Shared themes, then each paper's key sentence; papers numbered 1..n in order."""
    if not hits:
        return f"{OFFLINE_SUMMARY_LABEL}\n\nNo papers found for this group ({topic})."
    papers = [h.paper for h in hits]
    lines = [f"{OFFLINE_SUMMARY_LABEL}\n\nSummary of {plural(len(papers), 'paper')}: {topic}.", "", "Shared themes:"]
    themes = shared_themes(papers, stats, set(query_terms))
    lines += [f"- {label}: {plural(len(ns), 'paper')} {cite_list(ns)}" for label, ns in themes]
    if not themes:
        lines.append("- No keyword or term is shared by two or more of these papers.")
    lines += ["", "Papers:"]
    for n, paper in enumerate(papers, start=1):
        best = key_sentence(paper)
        decision = f" ({paper.decision})" if paper.decision else ""
        support = f": {quote(best.sentence)}" if best else " (no abstract in the listing)"
        lines.append(f"- {defuse_citations(paper.title)} [{n}]{defuse_citations(decision)}{support}")
    return "\n".join(lines)


def cite_list(numbers: Sequence[int]) -> str:
    shown = format_numbers(list(numbers[:MAX_CITED_PER_THEME]))
    more = len(numbers) - MAX_CITED_PER_THEME
    return shown + (f" and {more} more" if more > 0 else "")


def shared_themes(
    papers: Sequence[Paper], stats: CorpusStats, exclude: set[str]
) -> list[tuple[str, list[int]]]:
    """(label, paper numbers) for keywords used by 2+ papers, then terms unusually common in the group."""
    themes = keyword_themes(papers)
    covered = {t for label, _ in themes for t in terms(label)} | exclude
    for label, numbers in term_themes(papers, stats):
        if len(themes) >= MAX_THEMES:
            break
        if not set(terms(label)) & covered:
            themes.append((label, numbers))
            covered |= set(terms(label))
    return themes[:MAX_THEMES]


def keyword_themes(papers: Sequence[Paper]) -> list[tuple[str, list[int]]]:
    """Keywords that two or more papers share ("Diffusion Models" and "diffusion model" count as one)."""
    by_keyword: dict[str, list[int]] = defaultdict(list)
    shown: dict[str, str] = {}
    for n, paper in enumerate(papers, start=1):
        for keyword in dict.fromkeys(k.strip() for k in paper.keywords if k.strip()):
            key = " ".join(terms(keyword)) or keyword.lower()
            shown.setdefault(key, keyword)
            if n not in by_keyword[key]:
                by_keyword[key].append(n)
    ranked = sorted(by_keyword.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    labels = {k: f"\u2018{defuse_citations(shown[k])}\u2019 (keyword)" for k in shown}
    return [(labels[k], ns) for k, ns in ranked if len(ns) >= 2][: MAX_THEMES // 2]


def term_themes(papers: Sequence[Paper], stats: CorpusStats) -> list[tuple[str, list[int]]]:
    """Word pairs, then single terms, used by a good share of the group and at least MIN_LIFT times rarer in the
    collection (each ranked by count times lift)."""
    users: dict[str, list[int]] = defaultdict(list)
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for n, paper in enumerate(papers, start=1):
        text = f"{paper.title}. {paper.abstract or ''}"
        for key, surface in surface_terms(text) + phrases(text):
            surfaces[key][surface] += 1
            if n not in users[key]:
                users[key].append(n)
    least = max(2, math.ceil(MIN_THEME_SHARE * len(papers)))
    group_n, total = len(papers), max(stats.n_docs, 1)

    def lift(key: str) -> float:
        return (len(users[key]) / group_n) / ((stats.df.get(key, 0) + 1) / total)

    common = [
        k for k, ns in users.items()
        if len(ns) >= least and len(k) > 2 and lift(k) >= MIN_LIFT and not is_generic(surfaces[k].most_common(1)[0][0])
    ]  # a theme names a subject, never a result phrase ("significantly outperform")
    ranked = sorted(common, key=lambda k: (" " not in k, -len(users[k]) * math.log(1 + lift(k))))
    return [(f"\u2018{surfaces[k].most_common(1)[0][0]}\u2019", users[k]) for k in ranked]


# --- with an LLM: map, then (hierarchical) reduce ------------------------------------------------------------------


class Summarizer:
    """Summarises groups over one collection. Thread-safe."""

    def __init__(
        self, retriever: RetrieverLike, settings: Settings, llm: ChatLLM | None | Literal["auto"] = "auto",
        prompts: Prompts | None = None,
    ) -> None:
        self.retriever = retriever
        self.settings = settings
        self.llm = make_llm(settings) if llm == "auto" else llm
        self.prompts = prompts or load_prompts(settings.prompts_dir)

    def stream(self, group: Group) -> Iterator[AnswerEvent]:
        hits, missing = group_hits(group, self.retriever)
        topic = group.topic(len(hits))
        unknown = f"Unknown paper id(s), left out: {', '.join(missing)}." if missing else None
        if self.llm is None or not hits:
            yield from self._offline(group, topic, hits, unknown)
            return
        yield from self._with_llm(self.llm, group, topic, hits, unknown)

    def summarize(self, group: Group) -> Answer:
        return final_answer(self.stream(group))

    def _offline(self, group: Group, topic: str, hits: list[Hit], notice: str | None) -> Iterator[AnswerEvent]:
        stats = collection_info(self.retriever).stats
        text = offline_summary(topic, hits, stats, terms(group.query or ""))
        numbered = {n: h.paper for n, h in enumerate(hits, start=1)}
        checked = check_citations(text, numbered)
        for line in checked.text.splitlines(keepends=True):
            yield TextDelta(line)
        yield FinalAnswer(summary_answer(checked.text, hits, "offline", notice, topic))

    def _with_llm(
        self, llm: ChatLLM, group: Group, topic: str, hits: list[Hit], unknown: str | None
    ) -> Iterator[AnswerEvent]:
        numbered = {n: h.paper for n, h in enumerate(hits, start=1)}
        checker = CitationFilter(frozenset(numbered))

        def summary_pieces() -> Iterator[str]:
            gists = self._map(llm, topic, [h.paper for h in hits])
            return self._reduce(llm, topic, gists)

        def offline_instead(error: LLMError) -> tuple[str, Iterator[AnswerEvent]]:
            notice = " ".join(filter(None, [notice_for(error), unknown]))
            return notice, self._offline(group, topic, hits, notice)

        if not (yield from stream_or_fall_back(summary_pieces, checker, offline_instead)):
            return
        answer = summary_answer(checker.text, hits, "llm", join_notices(unknown, checker.removed), topic)
        answer.model = llm.model_name
        yield FinalAnswer(answer)

    def _map(self, llm: ChatLLM, topic: str, papers: list[Paper]) -> list[str]:
        """One line "[n] gist" per paper, every paper present (its key sentence when the model skipped it)."""
        gists: list[str] = []
        for batch in batch_papers(papers, self.settings.context_tokens, count_tokens):
            messages = self.prompts.summarize_map.messages(papers=batch.text, topic=fence(topic))
            reply = check_citations(complete(llm, messages), batch.by_number).text
            found = parse_gists(reply)
            for n, paper in batch.by_number.items():
                gists.append(f"[{n}] {found.get(n) or fallback_gist(paper)}")
        return gists

    def _reduce(self, llm: ChatLLM, topic: str, gists: list[str]) -> Iterator[str]:
        """Stream the overview; reduce parts first while the gists do not fit one prompt."""
        budget = self.settings.context_tokens
        for _ in range(MAX_REDUCE_ROUNDS):  # bounded: a model whose partial overviews do not shrink cannot loop
            if len(gists) <= 1 or count_tokens("\n".join(gists)) <= budget:
                break
            gists = [self._reduce_once(llm, topic, part) for part in split_to_budget(gists, budget)]
        messages = self.prompts.summarize_reduce.messages(gists=fence("\n".join(gists)), topic=fence(topic))
        return llm.stream(messages)

    def _reduce_once(self, llm: ChatLLM, topic: str, part: list[str]) -> str:
        messages = self.prompts.summarize_reduce.messages(gists=fence("\n".join(part)), topic=fence(topic))
        valid = {int(n) for line in part for n in re.findall(r"\[(\d+)", line)}
        checker = CitationFilter(frozenset(valid))
        checker.feed(complete(llm, messages))
        checker.flush()
        return " ".join(checker.text.split())


def parse_gists(reply: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for line in reply.splitlines():
        match = _GIST_LINE.match(line.strip())
        if match and match.group(2).strip():
            found.setdefault(int(match.group(1)), match.group(2).strip())
    return found


def fallback_gist(paper: Paper) -> str:
    best = key_sentence(paper)
    title = defuse_citations(paper.title)
    return f"{title}: {quote(best.sentence)}" if best else title


def split_to_budget(lines: list[str], budget: int) -> list[list[str]]:
    """Consecutive runs of lines, each within the token budget (at least two runs, so the reduce shrinks)."""
    parts: list[list[str]] = [[]]
    used = 0
    for line in lines:
        size = count_tokens(line) + 1
        if parts[-1] and used + size > budget:
            parts.append([])
            used = 0
        parts[-1].append(line)
        used += size
    if len(parts) == 1 and len(lines) > 1:
        half = len(lines) // 2
        parts = [lines[:half], lines[half:]]
    return parts


def join_notices(unknown: str | None, removed: Sequence[int | str]) -> str | None:
    return " ".join(filter(None, [unknown, removed_notice(removed)])) or None


def summary_answer(
    text: str, hits: list[Hit], mode: Literal["llm", "offline"], notice: str | None, topic: str
) -> Answer:
    numbered = {n: h.paper for n, h in enumerate(hits, start=1)}
    return Answer(
        text=text, citations=make_citations(text, numbered), sources=list(hits), mode=mode, notice=notice,
        question=f"Summarise: {topic}", standalone_question=topic,
    )


# --- service-facing functions -------------------------------------------------------------------------------------


def stream_summary(
    group: Group, retriever: RetrieverLike, settings: Settings, llm: ChatLLM | None | Literal["auto"] = "auto",
    prompts: Prompts | None = None,
) -> Iterator[AnswerEvent]:
    """The summary's events; `prompts` as the services object has them (None: read from settings.prompts_dir)."""
    return Summarizer(retriever, settings, llm, prompts).stream(group)


def summarize(
    group: Group, retriever: RetrieverLike, settings: Settings, llm: ChatLLM | None | Literal["auto"] = "auto"
) -> Answer:
    return final_answer(stream_summary(group, retriever, settings, llm))

