"""The operations both faces (CLI and Gradio app) call. No rendering here, no Chroma either: this module wires
settings to the store, the embedder, retrieval and answering, and caches what is costly to build.

Process state has one owner: the `Services` object of the settings (`services(settings)`). What it keeps is keyed by
what makes it stale: a listing's papers, idf statistics, author index and topic map by the listing's live
generation (an ingest, here or in another process, makes a new one), the prompts and the answer chains built on them
by the template files' (mtime, size)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysis import compare as comparisons
from .analysis import topicmap
from .analysis.compare import DEFAULT_COLUMNS, MAX_PAPERS, Cell, Comparison, Row
from .analysis.topicmap import MapPoint, TopicMap
from .answering import chain as answering
from .answering import summarize as summaries
from .answering.chain import AnswerChain, AnswerEvent, History
from .answering.collection import collection_info
from .answering.searching import Searched, search_as_asked, search_read
from .doctor import Check, format_checks, run_checks
from .embeddings import Embedder, EmbeddingCache, make_embedder
from .errors import AssistantError, InputTooLarge, StoreError
from .ingest import Progress, ingest_paths
from .llm import make_llm
from .prompts import PromptFiles, Prompts, Stamp
from .query import plan
from .retrieval.hybrid import Retriever
from .sets.screening import quote_in_paper
from .settings import Settings
from .store import PaperStore, open_store, remove_unused_index_folders
from .text import drop_invisible
from .types import Answer, Citation, Filters, Hit, IngestSummary, Paper, Screened, SearchMode

log = logging.getLogger(__name__)
# re-exported for the faces, which call only this module: what a check, a comparison table and a topic map hold
__all__ = ["DEFAULT_COLUMNS", "MAX_PAPERS", "Cell", "Comparison", "MapPoint", "Row", "TopicMap", "format_checks"]


@dataclass
class Services:
    """What one process keeps open: the store, the embedder, a retriever per collection (its papers and what is
    derived from them, per live generation), the prompts, an answer chain per collection and prompt files, and the
    topic maps."""

    settings: Settings
    store: PaperStore
    embedder: Embedder
    _retrievers: dict[str, Retriever] = field(default_factory=dict)
    _chains: dict[tuple[str, Stamp], AnswerChain] = field(default_factory=dict)
    maps: topicmap.MapCache = field(default_factory=topicmap.MapCache)
    _prompt_files: PromptFiles = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._prompt_files = PromptFiles(self.settings.prompts_dir)

    def prompts(self) -> tuple[Stamp, Prompts]:
        """The prompt templates on disk now (reloaded after an edit) and their stamp."""
        return self._prompt_files.current()

    def chain(self, collection: str | None = None) -> AnswerChain:
        """The answer chain of a collection, built again when a prompt file changes (its LLM client with it)."""
        retriever = self.retriever(collection)
        stamp, prompts = self.prompts()
        key = (retriever.collection, stamp)
        with self._lock:
            if key not in self._chains:
                self._chains = {k: c for k, c in self._chains.items() if k[0] != retriever.collection}
                self._chains[key] = AnswerChain(retriever, self.settings, prompts=prompts,
                                                topic_map=lambda: self.topic_map(retriever.collection))
            return self._chains[key]

    def topic_map(self, collection: str) -> topicmap.TopicMap:
        """The listing's topic map: computed once per generation, then from memory (and, for an embedded store,
        from the store folder after a restart)."""
        folder = None if self.settings.chroma_url else self.settings.store_dir
        return self.maps.get(self.store, collection, folder)

    def timing_retriever(self, collection: str) -> Retriever:
        """A retriever of the collection whose query embeddings are never cached, so that each search pays for its
        own embedding (the evaluation's latency figures are those of a new question). Same stage and settings."""
        shared = self.retriever(collection)  # raises CollectionNotFound with a fix hint
        embedder = getattr(self.embedder, "inner", self.embedder)  # QueryCachingEmbedder's model
        return Retriever(self.store, embedder, self.settings, shared.collection)

    def forget(self, collection: str) -> None:
        """Make the collection's retriever reload (after an ingest in this process)."""
        with self._lock:
            if collection in self._retrievers:
                self._retrievers[collection].refresh()

    def retriever(self, collection: str | None = None) -> Retriever:
        name = collection or self.settings.collection
        with self._lock:
            if name not in self._retrievers:
                self.store.listing_info(name)  # raises CollectionNotFound with a fix hint
                self._retrievers[name] = Retriever(self.store, self.embedder, self.settings, name)
            return self._retrievers[name]


# The one module-level state: the open services objects (per store and model); every cache hangs off one of them.
_open: dict[tuple[str, str | None, str], Services] = {}
_open_lock = threading.Lock()


def services(settings: Settings) -> Services:
    """Shared services for these settings (one store client and one embedder per store and model)."""
    key = (str(settings.store_dir), settings.chroma_url, settings.embedder)
    with _open_lock:
        if key not in _open or _open[key].settings != settings:
            _open[key] = Services(settings, open_store(settings), make_embedder(settings))
        return _open[key]


def shipped_cache_path(listing: Path) -> Path:
    """Where a shipped listing's precomputed chunk embeddings live (beside the listing)."""
    return listing.with_suffix(".embeddings.npz")


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    collection: str | None = None,
    strict: bool = False,
    replace: bool = False,
    progress: Progress | None = None,
    save_cache: Path | None = None,
) -> IngestSummary:
    """Ingest listing files; shipped embeddings beside a listing are used when they match the model."""
    svc = services(settings)
    name = collection or settings.collection
    cache = EmbeddingCache()
    for path in paths:
        shipped = shipped_cache_path(Path(path))
        if shipped.exists():
            cache.merge(EmbeddingCache.load(shipped, svc.embedder.model_id))
    summary = ingest_paths(
        paths, svc.store, svc.embedder, settings, name, strict=strict, replace=replace, cache=cache, progress=progress
    )
    if save_cache is not None:
        cache.save(save_cache)
    svc.forget(name)
    return summary


def ensure_default_listing(settings: Settings, progress: Progress | None = None) -> IngestSummary | None:
    """First run: ingest the default listing into the default collection if the store does not have it yet."""
    svc = services(settings)
    if not settings.auto_ingest or svc.store.has_listing(settings.collection):
        return None
    log.info("first run: ingesting %s into collection %s", settings.default_listing, settings.collection)
    return ingest([settings.default_listing], settings, settings.collection, progress=progress)


def delete_listing(settings: Settings, name: str) -> int:
    """Delete a listing from the store; returns the bytes given back to the disk (0 for a Chroma server)."""
    svc = services(settings)
    freed = svc.store.delete_listing(name)
    svc.forget(name)  # a retriever of this process must not keep answering from the deleted listing
    return freed


@dataclass(frozen=True)
class Tidied:
    """What `tidy` did: the folder it tidied, the bytes it gave back, and (a Chroma folder tidied from outside the
    store, e.g. a server's) how many unused index folders it removed."""

    folder: Path
    freed: int
    removed_folders: int | None = None


def tidy(settings: Settings, folder: Path | None = None) -> Tidied:
    """Give disk back. The embedded store (no folder named): every generation no listing has live, left by killed
    or failed ingests or by a delete the disk was too full to finish, then the index folders Chroma left. A folder
    named (a Chroma server's, run on its machine): only the index folders Chroma left, since the server owns the
    catalogue."""
    where = folder or settings.store_dir
    if folder is None and not settings.chroma_url:
        return Tidied(where, services(settings).store.tidy_all())
    removed, freed = remove_unused_index_folders(where)
    return Tidied(where, freed, removed)


def search(
    query: str,
    settings: Settings,
    k: int | None = None,
    mode: SearchMode | None = None,
    filters: Filters | None = None,
    collection: str | None = None,
) -> list[Hit]:
    """The best k papers for a query, read as the chat reads a question (`searching.search_as_asked`)."""
    return search_as_asked(services(settings).retriever(collection), readable(query), k or settings.top_k, mode,
                           filters)


def search_with_reading(
    query: str, settings: Settings, k: int | None = None, mode: SearchMode | None = None,
    filters: Filters | None = None, collection: str | None = None,
) -> Searched:
    """`search`, with what the query was read as (`Searched.reading`: corrections, names, glossary, filters)."""
    return search_read(services(settings).retriever(collection), readable(query), k or settings.top_k, mode, filters)


def similar(paper_id: str, settings: Settings, k: int = 8, collection: str | None = None) -> list[Hit]:
    return services(settings).retriever(collection).similar(readable(paper_id), k=k)


def readable(text: str) -> str:
    """A question (or id) as every entry point reads it: the listing's own character rule (`text.drop_invisible`),
    so a lone surrogate (a JSON `\\ud800`, a non-UTF-8 byte in a command line) or a zero-width space cannot crash
    the tokenizer or split a word the listing has whole."""
    return drop_invisible(text)


def check_question_length(question: str, settings: Settings) -> None:
    """Refuse a question over `max_question_chars` before any work (InputTooLarge says the limit and the fix)."""
    plan.check_question_length(question, settings)


def papers(ids: Sequence[str], settings: Settings, collection: str | None = None) -> list[Paper]:
    return services(settings).retriever(collection).get(ids)


def ask_stream(
    question: str, history: History, settings: Settings, filters: Filters | None = None,
    collection: str | None = None,
) -> Iterator[AnswerEvent]:
    """Answer events for a question in a conversation: text deltas, maybe a reset, then the final Answer."""
    turns = [(readable(t[0]), t[1]) if isinstance(t, tuple) else t for t in history]
    return services(settings).chain(collection).stream(readable(question), turns, filters)  # type: ignore[arg-type]


def ask(
    question: str, history: History, settings: Settings, filters: Filters | None = None,
    collection: str | None = None,
) -> Answer:
    return answering.final_answer(ask_stream(question, history, settings, filters, collection))


def summarize_stream(
    settings: Settings, query: str | None = None, ids: Sequence[str] | None = None,
    filters: Filters | None = None, collection: str | None = None,
) -> Iterator[AnswerEvent]:
    """A cited summary of a group of papers, given by a query, ids, a filter or a query within a filter."""
    group = summaries.Group(query=readable(query) if query else query, ids=tuple(ids or ()), filters=filters)
    svc = services(settings)
    return summaries.stream_summary(group, svc.retriever(collection), settings, prompts=svc.prompts()[1])


def summarize(
    settings: Settings, query: str | None = None, ids: Sequence[str] | None = None,
    filters: Filters | None = None, collection: str | None = None,
) -> Answer:
    return answering.final_answer(summarize_stream(settings, query, ids, filters, collection))


def stats(settings: Settings) -> dict[str, Any]:
    svc = services(settings)
    return {
        "store": svc.store.location,
        "embedder": svc.embedder.model_id,
        "collections": [_listing_info(svc.store, name) for name in svc.store.listings()],
    }


def doctor(settings: Settings) -> list[Check]:
    """What is configured and whether it works (`assistant doctor`); never raises: each failure is a check."""
    return run_checks(settings)


def _listing_info(store: PaperStore, name: str) -> dict[str, Any]:
    """One listing's counts; a listing that cannot be read (say its index is damaged) is named with the reason,
    and the others are still listed."""
    try:
        return store.listing_info(name)
    except StoreError as exc:
        return {"collection": name, "error": str(exc)}


def hit_to_dict(hit: Hit) -> dict[str, Any]:
    """The JSON shape of a search result (CLI --json and the app's API)."""
    p = hit.paper
    return {
        "id": p.id,
        "title": p.title,
        "authors": list(p.authors),
        "score": round(hit.score, 6),
        "decision": p.decision,
        "url": p.url,
    }


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """The JSON shape of an answer (CLI --json and the app's API): `sources` holds every retrieved paper, cited
    ones first; `uncited_sources` repeats those the answer did not cite; `comparison` is a comparison answer's
    table (compare.Comparison's shape: its rows' n are the answer's citations), else null. A set answer also
    carries its whole set:
    `count` (relevant papers; null for other answers), `possible_count`, `groups` (theme names, in order) and
    `papers`, every screened paper in citation order with its n, verdict, group and deciding quote."""
    cited = set(answer.cited_ids)
    return {
        "question": answer.question,
        "answer": answer.text,
        "mode": answer.mode,
        "model": answer.model,
        "notice": answer.notice,
        "citations": [{"n": c.n, "id": c.id, "title": c.title, "url": c.url} for c in answer.citations],
        "sources": [hit_to_dict(h) for h in sorted(answer.sources, key=lambda h: h.paper.id not in cited)],
        "uncited_sources": [hit_to_dict(h) for h in answer.uncited_sources()],
        "comparison": answer.comparison.to_dict() if answer.comparison is not None else None,
    } | set_to_dict(answer)


def set_to_dict(answer: Answer) -> dict[str, Any]:
    """The set part of an answer's JSON (empty `papers` for an explain answer)."""
    return {
        "intent": answer.intent,
        "topic": answer.topic,
        "count": len(answer.relevant) if answer.is_set else None,
        "possible_count": len(answer.possible),
        "groups": list(answer.groups),
        "papers": [
            hit_to_dict(m.hit) | {"n": n, "verdict": m.verdict, "group": m.group, "quote": m.quote, "judge": m.judge}
            for n, m in answer.numbered()
        ],
    }


# --- the topic map and comparison tables (issue 12) -----------------------------------------------------------------

def topic_map(settings: Settings, collection: str | None = None) -> topicmap.TopicMap:
    """The listing's topic map: computed once per listing generation, then served from memory (and, for an
    embedded store, from the store folder after a restart)."""
    svc = services(settings)
    name = collection or settings.collection
    svc.retriever(name)  # raises CollectionNotFound with a fix hint
    return svc.topic_map(name)


def computed_topic_map(settings: Settings, collection: str | None = None) -> topicmap.TopicMap | None:
    """The listing's topic map if it is computed already (in this process), else None."""
    svc = services(settings)
    return svc.maps.peek(svc.store, collection or settings.collection)


def compare(
    ids: Sequence[str], settings: Settings, columns: Sequence[str] | None = None, collection: str | None = None,
) -> comparisons.Comparison:
    """A comparison table of these papers (in the order given): LLM cells with checked quotes when an LLM is
    configured, else offline cells quoted from the abstracts. Unknown ids are reported in `missing`."""
    wanted = list(dict.fromkeys(str(i).strip() for i in ids if str(i).strip()))
    if len(wanted) > comparisons.MAX_PAPERS:
        raise InputTooLarge(f"at most {comparisons.MAX_PAPERS} papers can be compared at once; got {len(wanted)}.")
    svc = services(settings)
    retriever = svc.retriever(collection)
    found = {p.id: p for p in retriever.get(wanted)}
    if wanted and not found:
        shown = ", ".join(wanted[:5]) + (" ..." if len(wanted) > 5 else "")
        raise AssistantError(f"none of these paper ids is in the listing ({shown}): take ids from "
                             "`assistant search --json QUERY` or an answer's sources.")
    llm = make_llm(settings)
    prompts = svc.prompts()[1] if llm is not None else None
    table = comparisons.compare_papers(
        [found[i] for i in wanted if i in found], columns, llm, prompts, settings.context_tokens,
        collection_info(retriever).stats,
    )
    table.missing = [i for i in wanted if i not in found]
    return table


# --- an answer back from its JSON (an API client sends earlier answers as the history of a follow-up) ---------------
INTENTS = ("list", "count", "explain", "summarize", "compare", "authors")
SET_VERDICTS = ("relevant", "possible")  # what a set answer's `papers` hold
CITATION_NUMBER = re.compile(r"[0-9]{1,6}")  # a citation number a client sends back ("²" and 5,000 digits are not)


def _items(data: Mapping[str, Any], key: str, limit: int) -> list[Mapping[str, Any]]:
    value = data.get(key)
    return [v for v in value if isinstance(v, Mapping)][:limit] if isinstance(value, list) else []


def answer_paper_ids(data: Mapping[str, Any], limit: int) -> list[str]:
    """The paper ids an answer's JSON names (its set, then its sources), each once, at most `limit`: the papers
    to fetch from the store for `answer_from_dict`."""
    named = [str(p.get("id")) for key in ("papers", "sources") for p in _items(data, key, limit)]
    return list(dict.fromkeys(named))[:limit]


def answer_from_dict(data: Mapping[str, Any], papers: Sequence[Paper], limit: int) -> Answer:
    """An answer rebuilt from answer_to_dict's shape, so that a follow-up ("which of those are orals?") knows what
    "those" are, the whole set of a set answer included. Only ids, numbers, verdicts and themes come from the JSON:
    every paper is the store's (`papers`), one the store does not have is dropped, and a deciding quote is kept
    only if the paper says it (a client cannot put words in a paper's mouth)."""
    by_id = {p.id: p for p in papers}
    matches = [_screened(item, by_id, n) for n, item in enumerate(_items(data, "papers", limit), 1)]
    kept = [m for m in matches if m is not None]
    sources = [m.hit for m in kept] or [
        Hit(by_id[str(s.get("id"))], 0.0) for s in _items(data, "sources", limit) if str(s.get("id")) in by_id
    ]
    citations = [
        Citation(int(c["n"]), str(c.get("id", "")), str(c.get("title", "")), c.get("url"))
        for c in _items(data, "citations", limit) if CITATION_NUMBER.fullmatch(str(c.get("n", "")))
    ]
    groups: list[Any] = data.get("groups") or [] if isinstance(data.get("groups"), list) else []
    intent = data.get("intent") if data.get("intent") in INTENTS else "explain"
    return Answer(
        text=readable(str(data.get("answer") or "")), citations=citations, sources=sources, mode="offline",
        question=readable(str(data.get("question") or "")), intent=intent,  # type: ignore[arg-type]
        matches=kept, groups=[str(g) for g in groups if isinstance(g, str)][:limit],
        topic=str(data.get("topic") or ""),
    )


def earlier_answer(data: Mapping[str, Any], settings: Settings, collection: str | None, limit: int) -> Answer:
    """An earlier answer an API client sends back (what `ask` returned), its papers (a set answer's whole set, at
    most `limit`) fetched from the store by id, so a follow-up ("which of them...") knows what "them" is."""
    ids = answer_paper_ids(data, limit)
    return answer_from_dict(data, papers(ids, settings, collection) if ids else [], limit)


def _screened(item: Mapping[str, Any], by_id: Mapping[str, Paper], position: int) -> Screened | None:
    paper = by_id.get(str(item.get("id")))
    verdict = item.get("verdict")
    if paper is None or verdict not in SET_VERDICTS:
        return None
    n = item.get("n")
    quote = quote_in_paper(paper, str(item.get("quote") or "")) or ""
    return Screened(Hit(paper, 0.0), verdict, quote, str(item.get("group") or ""),
                    n if isinstance(n, int) and n > 0 else position)
