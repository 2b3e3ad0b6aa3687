"""Listing files in, papers in the store: parse -> compare hashes -> chunk -> embed -> build -> commit.

Parsing finishes before anything is written, so a bad listing (or `--strict` with any skip) changes nothing.
The new version of the listing is built beside the live one and made live in one step at the end (see store/),
so an ingest that fails or is killed midway leaves the listing as it was; the next ingest drops what it left."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunking import chunk_paper
from .embeddings import Embedder, EmbeddingCache
from .errors import ListingError
from .keyword_index import has_indexable_words, paper_text
from .listings import known_ids, read_listings, title_key, title_slug_id, unify_ids
from .settings import Settings
from .store import PaperStore, paper_to_json
from .store.disk_space import estimate_bytes, estimate_chunks
from .types import Chunk, IngestSummary, Paper, SkippedRecord

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (papers done, papers to embed)
_PAPERS_PER_BATCH = 64


@dataclass
class _Plan:
    """What an ingest has to do, decided before anything is written."""

    to_write: list[Paper]
    unchanged: int
    added: int
    updated: int
    to_remove: list[str]


def plan_ingest(papers: Sequence[Paper], existing: dict[str, str], replace: bool) -> _Plan:
    """Compare the listing's papers with the stored hashes (pure)."""
    to_write, unchanged, added = [], 0, 0
    for paper in papers:
        stored = existing.get(paper.id)
        if stored == paper.content_hash:
            unchanged += 1
            continue
        to_write.append(paper)
        added += stored is None
    seen = {p.id for p in papers}
    to_remove = [pid for pid in existing if pid not in seen] if replace else []
    return _Plan(to_write, unchanged, added, len(to_write) - added, to_remove)


def ingest_paths(
    paths: Sequence[Path],
    store: PaperStore,
    embedder: Embedder,
    settings: Settings,
    collection: str,
    strict: bool = False,
    replace: bool = False,
    cache: EmbeddingCache | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Ingest listing files into a collection; returns the counts. Raises ListingError before writing anything."""
    started = time.perf_counter()
    parsed = read_listings(list(paths), strict=strict)
    if not parsed.papers:
        raise _nothing_readable(parsed.skipped, paths)
    _require_indexable_text(parsed.papers, paths)
    records = list(store.iter_papers(collection)) if store.has_listing(collection) else []
    existing = {r.paper.id: r.content_hash for r in records}
    stored = [r.paper for r in records]
    papers = unify_ids(parsed.papers, known_ids(stored))
    plan = plan_ingest(papers, existing, replace)
    plan.to_remove += _superseded_slug_ids(papers, stored)
    summary = IngestSummary(
        collection=collection, read=len(papers), skipped=len(parsed.skipped), added=plan.added,
        updated=plan.updated, unchanged=plan.unchanged, removed=len(set(plan.to_remove)),
        title_only=parsed.title_only, skipped_records=list(parsed.skipped), notes=list(parsed.notes),
    )
    if plan.to_write or plan.to_remove or not existing:
        keep = set(existing) - {p.id for p in plan.to_write} - set(plan.to_remove)
        summary.chunks = _write(plan, keep, stored, store, embedder, settings, collection, cache, progress)
    else:
        store.tidy(collection)  # nothing to write: still drop what a killed ingest left
    summary.seconds = time.perf_counter() - started
    return summary


def _nothing_readable(skipped: Sequence[SkippedRecord], paths: Sequence[Path]) -> ListingError:
    """Every record was skipped: an error (naming the first bad record), not an empty collection."""
    if not skipped:
        return ListingError(", ".join(map(str, paths)), "no papers found, so nothing was ingested")
    first = skipped[0]
    return ListingError(
        first.path, f"{first.reason}; no record of the listing could be read ({len(skipped)} skipped), so nothing "
        "was ingested. Fix the records (each skip names its line) and ingest again", line=first.line,
    )


def _superseded_slug_ids(papers: Sequence[Paper], stored: Sequence[Paper]) -> list[str]:
    """Stored papers filed under a title slug (e.g. from a papers.cool listing) that now arrive under their
    OpenReview id: the slug copy goes, so that one paper is one record."""
    incoming = {title_key(p.title): p.id for p in papers}
    return [
        p.id for p in stored
        if p.id == title_slug_id(p.title) and incoming.get(title_key(p.title), p.id) != p.id
    ]


def _write(
    plan: _Plan,
    keep: set[str],
    stored: Sequence[Paper],
    store: PaperStore,
    embedder: Embedder,
    settings: Settings,
    collection: str,
    cache: EmbeddingCache | None,
    progress: Progress | None,
) -> int:
    """Build the listing's next generation: the kept papers copied, the new ones embedded and added; then commit."""
    n_chunks = 0
    total = len(plan.to_write)
    journal = EmbeddingJournal(settings.store_dir / ".ingest-resume" / collection, embedder.model_id)
    cache = cache if cache is not None else EmbeddingCache()
    cache.merge(journal.load())
    needed = _estimated_bytes(plan.to_write, [p for p in stored if p.id in keep], embedder, settings)
    with store.build(collection, embedder.model_id, needed_bytes=needed) as build:
        build.copy(keep)
        for start in range(0, total, _PAPERS_PER_BATCH):
            items = _embed_batch(plan.to_write[start : start + _PAPERS_PER_BATCH], embedder, settings, cache, journal)
            build.add(items)
            n_chunks += sum(len(chunks) for _, chunks, _ in items)
            if progress:
                progress(min(start + _PAPERS_PER_BATCH, total), total)
        build.commit()
    journal.clear()
    return n_chunks


def _estimated_bytes(new: Sequence[Paper], kept: Sequence[Paper], embedder: Embedder, settings: Settings) -> int:
    """The disk the listing's next generation takes (disk_space.py): every paper is written anew, kept ones too."""
    vectors = text = 0
    for paper in [*new, *kept]:
        body = len(paper.title) + len(paper.abstract or "")
        vectors += 1 + estimate_chunks(body, settings.chunk_tokens, settings.chunk_overlap)
        text += 2 * body + len(paper_to_json(paper))  # the paper's record and document, its chunks' documents
    return estimate_bytes(vectors, embedder.dim, text)


def _require_indexable_text(papers: Sequence[Paper], paths: Sequence[Path]) -> None:
    """A listing in which no title, abstract or keyword holds a word of two or more letters or digits could be
    found by nothing but its vectors, and is most likely not the file meant (or read with the wrong columns)."""
    if not any(has_indexable_words(paper_text(p)) for p in papers):
        raise ListingError(
            ", ".join(map(str, paths)), f"none of its {len(papers)} records has a word of two or more letters or "
            "digits in its title, abstract or keywords, so there is nothing to search; nothing was ingested. Check "
            "that this is the listing you meant (and, for a CSV, that its header names the title and abstract "
            "columns)",
        )


class EmbeddingJournal:
    """The vectors an ingest embeds, saved batch by batch beside the store. A killed ingest loses its unfinished
    generation (store/) but not its embedding work: the next ingest of the listing starts from these files, and
    clears them once it has committed. Each batch is its own file, written atomically, so a kill loses at most the
    batch being embedded."""

    def __init__(self, folder: Path, model_id: str) -> None:
        self.folder = folder
        self.model_id = model_id

    def load(self) -> EmbeddingCache:
        cache = EmbeddingCache()
        for path in sorted(self.folder.glob("*.npz")) if self.folder.is_dir() else []:
            cache.merge(EmbeddingCache.load(path, self.model_id))
        if len(cache):
            log.info("resuming: %d vectors embedded by an ingest that did not finish", len(cache))
        return cache

    def record(self, fresh: EmbeddingCache) -> None:
        if len(fresh):
            self.folder.mkdir(parents=True, exist_ok=True)
            fresh.save(self.folder / f"{time.time_ns()}.npz")

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _embed_batch(
    batch: Sequence[Paper], embedder: Embedder, settings: Settings, cache: EmbeddingCache, journal: EmbeddingJournal
) -> list[tuple[Paper, list[Chunk], np.ndarray]]:
    """Chunk a batch of papers and find each chunk's vector: cached, or embedded now (and journaled)."""
    chunked = [(p, chunk_paper(p, settings.chunk_tokens, settings.chunk_overlap)) for p in batch]
    texts = [c.text for _, chunks in chunked for c in chunks]
    fresh = EmbeddingCache()
    vectors = cache.embed(embedder, texts, fresh=fresh)
    journal.record(fresh)
    out, pos = [], 0
    for paper, chunks in chunked:
        out.append((paper, chunks, vectors[pos : pos + len(chunks)]))
        pos += len(chunks)
    return out
