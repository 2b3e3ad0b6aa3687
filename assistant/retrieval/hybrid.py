"""Hybrid retrieval over one listing: dense (Chroma chunks) + BM25 (bm25s over whole papers), fused, one hit per
paper, with metadata filters.

The BM25 index and the paper table are built in memory from the store's paper records, and rebuilt when the
listing's live generation changes (an ingest, here or in another process); so is everything derived from the papers
(`Retriever.derived`: the answer chain's idf statistics and author index). The fused ranking goes through the
post-retrieval stage (assistant/retrieval/stages.py), which decides how much of it each use gets."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numpy as np

from ..chunking import chunk_paper
from ..embeddings import Embedder
from ..keyword_index import KeywordIndex
from ..query.plan import topic_of
from ..query.topic_phrases import as_written, without_generic_subject
from ..sets.evidence import JARGON_TOP
from ..settings import Settings
from ..store import PaperStore
from ..types import Filters, Hit, Paper, SearchMode
from ..words.terms import CORPUS_STATS, CorpusStats
from .glossary import Reading, glossary_for, in_own_words, speaks_of
from .stages import PostRetrieval

log = logging.getLogger(__name__)

_VERSION_CHECK_SECONDS = 2.0  # how stale a reader may be before it asks the store whether an ingest happened
_READINGS_KEPT = 1024  # glossary readings remembered (by listing generation and query)
T = TypeVar("T")


@dataclass
class Timings:
    """Where a search spent its time (milliseconds), for benchmarks."""

    embed: float = 0.0
    dense: float = 0.0
    bm25: float = 0.0
    fusion: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {"embed_ms": self.embed, "dense_ms": self.dense, "bm25_ms": self.bm25, "fusion_ms": self.fusion}


@dataclass
class _Snapshot:
    """The in-memory view of a listing at one live generation (never rewritten once live: see store/)."""

    generation: str
    papers: dict[str, Paper]
    hashes: dict[str, str]
    keyword: KeywordIndex
    ids: list[str] = field(default_factory=list)
    derived: dict[str, Any] = field(default_factory=dict)  # Retriever.derived: built from these papers, once


def fuse_scores(
    dense: dict[str, float], keyword: dict[str, float], dense_weight: float
) -> dict[str, float]:
    """Min-max normalise each side over its candidates and mix; a paper missing on one side gets 0 there."""
    def normalise(scores: dict[str, float]) -> dict[str, float]:
        if not scores:
            return {}
        lo, hi = min(scores.values()), max(scores.values())
        span = hi - lo
        return {k: (v - lo) / span if span > 0 else 1.0 for k, v in scores.items()}

    d, k = normalise(dense), normalise(keyword)
    return {pid: dense_weight * d.get(pid, 0.0) + (1 - dense_weight) * k.get(pid, 0.0) for pid in d.keys() | k.keys()}


def fuse_scaled(
    dense: dict[str, float], keyword: dict[str, float], dense_weight: float, keyword_floor: float = 0.0
) -> dict[str, float]:
    """Raw cosine similarity mixed with BM25 divided by max(the query's best BM25 score, `keyword_floor`) (tuned on
    SciFact train, see docs/benchmarks.md). Unlike min-max, the dense side keeps its absolute level, so a query no
    paper is close to does not stretch noise to [0, 1]. The floor (settings.bm25_idf_floor x the sum of the query
    terms' idf) does the same for the BM25 side: a query whose best lexical match is weak (a question in the user's
    words, not the papers') is not stretched to 1 to outvote the dense side. A paper the dense side did not return
    takes the lowest dense score seen; one the keyword side did not return scores 0 there."""
    floor = min(dense.values()) if dense else 0.0
    top = max(max(keyword.values()) if keyword else 0.0, keyword_floor)
    scale = 1.0 / top if top > 0 else 0.0
    return {
        pid: dense_weight * dense.get(pid, floor) + (1 - dense_weight) * keyword.get(pid, 0.0) * scale
        for pid in dense.keys() | keyword.keys()
    }


def fuse_ranks(dense: dict[str, float], keyword: dict[str, float], k: int) -> dict[str, float]:
    """Reciprocal-rank fusion."""
    fused: dict[str, float] = {}
    for scores in (dense, keyword):
        for rank, pid in enumerate(sorted(scores, key=scores.__getitem__, reverse=True)):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank + 1)
    return fused


class Retriever:
    """Search one listing. Thread-safe: the snapshot is swapped whole when the store changes."""

    def __init__(self, store: PaperStore, embedder: Embedder, settings: Settings, collection: str) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.collection = collection
        self.stage = PostRetrieval(settings)
        self._lock = threading.Lock()
        self._derive_lock = threading.Lock()  # apart from _lock: a build must not hold up the searches
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0
        self.last_timings = Timings()
        self._readings: OrderedDict[tuple[str, str], Reading | None] = OrderedDict()

    # --- the listing in memory ---------------------------------------------------------------------------------
    def _current(self) -> _Snapshot:
        now = time.monotonic()
        snap = self._snapshot
        if snap is not None and now - self._checked_at < _VERSION_CHECK_SECONDS:
            return snap
        with self._lock:
            generation = self.store.generation(self.collection)
            self._checked_at = now
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = self._load(generation)
            return self._snapshot

    def _load(self, generation: str) -> _Snapshot:
        started = time.perf_counter()
        stored = list(self.store.iter_papers(self.collection))
        papers = {s.paper.id: s.paper for s in stored}
        keyword = KeywordIndex.build(
            [s.paper for s in stored], stem=self.settings.bm25_stem, k1=self.settings.bm25_k1, b=self.settings.bm25_b,
            title_weight=self.settings.bm25_title_weight,
        )
        log.info("loaded %d papers of %s in %.2fs", len(papers), self.collection, time.perf_counter() - started)
        return _Snapshot(generation, papers, {s.paper.id: s.content_hash for s in stored}, keyword, list(papers))

    def refresh(self) -> None:
        """Forget the snapshot so the next search reloads (after an ingest in this process)."""
        with self._lock:
            self._snapshot = None

    def derived(self, name: str, build: Callable[[list[Paper]], T]) -> T:
        """What `build` makes of the listing's papers, built once per live generation under `name`: a re-ingest
        (new authors, titles or abstracts under the same ids) rebuilds it with the papers the searches see."""
        snap = self._current()
        with self._derive_lock:
            if name not in snap.derived:
                snap.derived[name] = build(list(snap.papers.values()))
            return cast(T, snap.derived[name])

    # --- public API ----------------------------------------------------------------------------------------------
    def papers(self, filters: Filters | None = None) -> list[Paper]:
        snap = self._current()
        if filters is None or filters.is_empty():
            return list(snap.papers.values())
        return [p for p in snap.papers.values() if filters.matches(p)]

    def get(self, ids: Sequence[str]) -> list[Paper]:
        snap = self._current()
        return [snap.papers[i] for i in ids if i in snap.papers]

    def reading(self, query: str) -> Reading | None:
        """How the glossary reads a query (a question or its topic) in everyday words as the field's term; None
        when it names no concept, or when the listing's best candidates for it use its own rare words (it is in
        the papers' jargon already). The one place a lay question becomes the term: searches and set candidates
        are retrieved with it (`search`, `candidates`), the answer chain screens and titles a set answer by it."""
        if not self.settings.glossary or not query.strip():
            return None
        key = (self._current().generation, query)
        with self._lock:
            if key in self._readings:
                return self._readings[key]
        found = self._read(query)  # outside the lock: it searches
        with self._lock:
            self._readings[key] = found
            while len(self._readings) > _READINGS_KEPT:
                self._readings.popitem(last=False)
        return found

    def lay_reading(self, question: str, topic: str) -> tuple[str, Reading | None]:
        """The text a set question's candidates are retrieved by, and its reading. Where the question's own words
        for its topic differ from the topic ("systems that suggest products or movies": the topic has dropped the
        verb as a framing word), those words are read, and the topic alone never is (it read "software that picks
        the next video to show someone" as video generation)."""
        written = as_written(question, topic)
        if written == topic:
            return topic, self.reading(topic)
        found = self.reading(written)
        return (written, found) if found is not None else (topic, None)

    def _read(self, query: str) -> Reading | None:
        topic = topic_of(query)
        glossary = glossary_for(self.embedder, self.settings)
        stats = self.derived(CORPUS_STATS, CorpusStats.build)
        coined = glossary.coined(topic, stats)
        if coined is not None:  # "RLHF": no paper writes it, so its papers are found by the concept's names
            return coined
        written = as_written(query, topic)  # "systems that suggest products": with its verbs
        found = glossary.read_best(written, (written, without_generic_subject(written)))
        if found is None:
            return None
        if found.sure:  # "label every single pixel of an image": a description, whatever its words
            return found
        # the best candidates in meaning: the keyword side can match an everyday word to a paper's name by chance
        # ("movie clips": the CLIP papers), which would make a description look like the papers' own words
        first = self._search(query, JARGON_TOP, "dense", None)
        return None if in_own_words(topic, first, stats) or not speaks_of(found, stats) else found

    def expanded(self, query: str) -> str:
        """The query retrieval runs: with the field's term when the glossary reads it as one (`reading`)."""
        found = self.reading(query)
        return found.query(query) if found is not None else query

    def search(
        self, query: str, k: int | None = None, mode: SearchMode | None = None, filters: Filters | None = None
    ) -> list[Hit]:
        """The best k papers for a query (with the field's term when it is in everyday words: `expanded`), best
        first: each side ranks fusion_candidates (at least k), the fused ranking goes through the post-retrieval
        stage."""
        return self._search(self.expanded(query), k, mode, filters)

    def _search(self, query: str, k: int | None, mode: SearchMode | None, filters: Filters | None) -> list[Hit]:
        k = k or self.settings.top_k
        mode = mode or self.settings.search_mode
        snap = self._current()
        allowed = self._allowed_ids(snap, filters)
        timings = Timings()
        dense: dict[str, tuple[float, str]] = {}
        keyword: dict[str, float] = {}
        n = max(self.settings.fusion_candidates, k)
        if mode in ("hybrid", "dense"):
            dense = self._dense(snap, query, n, allowed, timings)
        if mode in ("hybrid", "bm25"):
            t = time.perf_counter()
            # Scaled fusion reads the BM25 score of every dense candidate too (measured: +0.002 nDCG@10, +0.012 R@100).
            include = list(dense) if self.settings.fusion == "scaled" else []
            keyword = snap.keyword.search(query, n, allowed, include=include)
            timings.bm25 = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        ranked = self.stage.pass_on(query, self._fuse(snap, mode, dense, keyword, n, query=query), k)
        timings.fusion = (time.perf_counter() - t) * 1000
        passages = self._passages(dense, [pid for pid, _ in ranked], timings)
        t = time.perf_counter()
        hits = self._hits(snap, query, ranked, dense, keyword, passages)
        timings.fusion += (time.perf_counter() - t) * 1000
        self.last_timings = timings
        return hits

    def similar(self, paper_id: str, k: int = 8) -> list[Hit]:
        """Papers closest to a paper (its mean chunk embedding), the paper itself left out."""
        snap = self._current()
        vectors = self.store.paper_vectors(self.collection, [paper_id])
        if paper_id not in vectors:
            return []
        found = self.store.query_papers(self.collection, vectors[paper_id], k + 1)
        return [
            Hit(snap.papers[pid], score, dense_score=score)
            for pid, score in found
            if pid != paper_id and pid in snap.papers
        ][:k]

    def candidates(
        self, query: str, filters: Filters | None = None, limit: int | None = None, floor: float | None = None
    ) -> list[Hit]:
        """The candidates of a set question ("which papers...?", "how many...?"), best first: every paper whose fused
        score reaches `floor` (settings.set_floor), up to `limit` (settings.candidates), far past top_n so that the
        screening sees the whole set. A blank query (a filter-only question: "what did X publish?") takes every
        paper that passes the filters, in listing order, however many. Hits carry no passage (screening reads the
        whole abstract)."""
        if not query.strip():
            return [Hit(p, 0.0) for p in self._current().papers.values() if filters is None or filters.matches(p)]
        return self._candidates(self.expanded(query), filters, limit, floor)

    def _candidates(
        self, query: str, filters: Filters | None, limit: int | None, floor: float | None
    ) -> list[Hit]:
        snap = self._current()
        limit = self.stage.set_depth(limit)
        mode = self.settings.search_mode
        allowed = self._allowed_ids(snap, filters)
        timings = Timings()
        dense: dict[str, tuple[float, str]] = {}
        keyword: dict[str, float] = {}
        if mode in ("hybrid", "dense"):
            dense = self._dense(snap, query, limit, allowed, timings)
        if mode in ("hybrid", "bm25"):
            keyword = snap.keyword.search(query, limit, allowed, include=list(dense))
        # Raw BM25 scores have no absolute scale: there every paper with a match is a candidate.
        floor = self.stage.set_floor(floor) if mode != "bm25" else None
        ranked = self.stage.pass_on(query, self._fuse(snap, mode, dense, keyword, limit, query=query), limit, floor)
        self.last_timings = timings
        return [
            Hit(snap.papers[pid], float(score), dense_score=dense[pid][0] if pid in dense else None,
                bm25_score=keyword.get(pid))
            for pid, score in ranked
        ]

    def paper_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Each paper's vector (the mean of its chunk embeddings), for grouping a set answer into themes."""
        return self.store.paper_vectors(self.collection, ids) if ids else {}

    # --- the two sides and their fusion ------------------------------------------------------------------------
    def _allowed_ids(self, snap: _Snapshot, filters: Filters | None) -> list[str] | None:
        if filters is None or filters.is_empty():
            return None
        return [pid for pid, p in snap.papers.items() if filters.matches(p)]

    def _dense(
        self, snap: _Snapshot, query: str, n: int, allowed: list[str] | None, timings: Timings
    ) -> dict[str, tuple[float, str]]:
        t = time.perf_counter()
        vector = self.embedder.embed_query(query)
        timings.embed = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        # Chunks outnumber papers: ask for more so that n distinct papers survive de-duplication. Texts are not read
        # here (the costly part of a 300-result query); the few shown are fetched after fusion (`_passages`).
        matches = self.store.query_chunks(self.collection, vector, n * 3, allowed, with_text=False)
        timings.dense = (time.perf_counter() - t) * 1000
        best: dict[str, tuple[float, str]] = {}  # paper id -> (similarity, id of its best chunk)
        for m in matches:
            if snap.hashes.get(m.paper_id) != m.content_hash:
                continue  # a chunk of a version not (or no longer) current: never shown
            if m.paper_id not in best or m.similarity > best[m.paper_id][0]:
                best[m.paper_id] = (m.similarity, m.id)
        return dict(sorted(best.items(), key=lambda kv: kv[1][0], reverse=True)[:n])

    def _passages(self, dense: dict[str, tuple[float, str]], ids: list[str], timings: Timings) -> dict[str, str]:
        """The best chunk's text of each of these papers that the dense side found (one read for all)."""
        t = time.perf_counter()
        wanted = {pid: dense[pid][1] for pid in ids if pid in dense}
        texts = self.store.chunk_texts(self.collection, list(wanted.values())) if wanted else {}
        timings.dense += (time.perf_counter() - t) * 1000
        return {pid: texts[cid] if cid in texts else self._rechunk(pid, cid) for pid, cid in wanted.items()}

    def _rechunk(self, paper_id: str, chunk: str) -> str:
        """A chunk's text when an ingest replaced the paper between the query and the read: the same chunk of the
        snapshot's version of the paper, so that a hit never shows a passage of another version."""
        paper = self._current().papers[paper_id]
        index = int(chunk.rsplit("#", 1)[1])
        chunks = chunk_paper(paper, self.settings.chunk_tokens, self.settings.chunk_overlap)
        return chunks[min(index, len(chunks) - 1)].text

    def _fuse(
        self,
        snap: _Snapshot,
        mode: SearchMode,
        dense: dict[str, tuple[float, str]],
        keyword: dict[str, float],
        k: int,
        *,
        query: str,
    ) -> list[tuple[str, float]]:
        """The best k (paper id, fused score), best first. `query` sets the BM25 floor of scaled fusion."""
        dense_scores = {pid: s for pid, (s, _) in dense.items()}
        if mode == "dense":
            fused = dense_scores
        elif mode == "bm25":
            fused = keyword
        elif self.settings.fusion == "rrf":
            fused = fuse_ranks(dense_scores, keyword, self.settings.rrf_k)
        elif self.settings.fusion == "scaled":
            keyword_floor = self.settings.bm25_idf_floor * snap.keyword.query_weight(query) if keyword else 0.0
            fused = fuse_scaled(dense_scores, keyword, self.settings.dense_weight, keyword_floor)
        else:
            fused = fuse_scores(dense_scores, keyword, self.settings.dense_weight)
        ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(pid, score) for pid, score in ranked if pid in snap.papers][:k]

    def _hits(
        self,
        snap: _Snapshot,
        query: str,
        ranked: list[tuple[str, float]],
        dense: dict[str, tuple[float, str]],
        keyword: dict[str, float],
        passages: dict[str, str],
    ) -> list[Hit]:
        return [
            Hit(
                paper=snap.papers[pid],
                score=float(score),
                passage=passages[pid] if pid in passages else snap.keyword.best_passage(pid, query),
                dense_score=dense[pid][0] if pid in dense else None,
                bm25_score=keyword.get(pid),
            )
            for pid, score in ranked
        ]
