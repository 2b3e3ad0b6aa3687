"""Listing files in, papers in the store: parse -> compare hashes -> chunk -> embed -> write chunks -> commit.

Parsing finishes before anything is written, so a bad listing (or `--strict` with any skip) changes nothing.
Chunks are written first and papers switched to them only at the end (see store.py), so an ingest that fails or
is killed midway leaves the listing as it was; the next ingest reuses the chunks it had already written."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunking import chunk_paper
from .embeddings import Embedder, EmbeddingCache
from .errors import ListingError
from .listing_files import read_listings
from .listings import known_ids, title_key, title_slug_id, unify_ids
from .settings import Settings
from .store import PaperStore, chunk_id, mean_vector
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
    existing = store.paper_hashes(collection) if store.has_listing(collection) else {}
    stored = [s.paper for s in store.iter_papers(collection)] if existing else []
    papers = unify_ids(parsed.papers, known_ids(stored))
    plan = plan_ingest(papers, existing, replace)
    plan.to_remove += _superseded_slug_ids(papers, stored)
    summary = IngestSummary(
        collection=collection, read=len(papers), skipped=len(parsed.skipped), added=plan.added,
        updated=plan.updated, unchanged=plan.unchanged, removed=len(set(plan.to_remove)),
        title_only=parsed.title_only, skipped_records=list(parsed.skipped), notes=list(parsed.notes),
    )
    if plan.to_write or plan.to_remove or not existing:
        summary.chunks = _write(plan, store, embedder, settings, collection, cache, progress)
    else:
        store.delete_stale_chunks(collection)  # orphans of an ingest killed after its commit: nothing else removes them
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
    store: PaperStore,
    embedder: Embedder,
    settings: Settings,
    collection: str,
    cache: EmbeddingCache | None,
    progress: Progress | None,
) -> int:
    committed: list[tuple[Paper, np.ndarray]] = []
    n_chunks = 0
    total = len(plan.to_write)
    for start in range(0, total, _PAPERS_PER_BATCH):
        batch = plan.to_write[start : start + _PAPERS_PER_BATCH]
        items = _embed_batch(batch, store, embedder, settings, collection, cache)
        store.write_chunks(collection, items, embedder.model_id)
        committed.extend((paper, mean_vector(vectors)) for paper, _, vectors in items)
        n_chunks += sum(len(chunks) for _, chunks, _ in items)
        if progress:
            progress(min(start + _PAPERS_PER_BATCH, total), total)
    if plan.to_remove:
        store.delete_papers(collection, sorted(set(plan.to_remove)))
    store.commit_papers(collection, committed, embedder.model_id)
    return n_chunks


def _embed_batch(
    batch: Sequence[Paper],
    store: PaperStore,
    embedder: Embedder,
    settings: Settings,
    collection: str,
    cache: EmbeddingCache | None,
) -> list[tuple[Paper, list[Chunk], np.ndarray]]:
    """Chunk a batch of papers and find each chunk's vector: already stored, cached, or embedded now."""
    chunked = [(p, chunk_paper(p, settings.chunk_tokens, settings.chunk_overlap)) for p in batch]
    ids = [chunk_id(p, c.index) for p, chunks in chunked for c in chunks]
    texts = [c.text for _, chunks in chunked for c in chunks]
    stored = store.stored_chunk_vectors(collection, ids)
    vectors: list[np.ndarray | None] = [
        stored.get(cid) if cid in stored else (cache.get(embedder.model_id, text) if cache else None)
        for cid, text in zip(ids, texts, strict=True)
    ]
    missing = [i for i, v in enumerate(vectors) if v is None]
    if missing:
        fresh = embedder.embed_documents([texts[i] for i in missing])
        for i, vec in zip(missing, fresh, strict=True):
            vectors[i] = vec
            if cache is not None:
                cache.put(embedder.model_id, texts[i], vec)
    out, pos = [], 0
    for paper, chunks in chunked:
        out.append((paper, chunks, np.stack([v for v in vectors[pos : pos + len(chunks)] if v is not None])))
        pos += len(chunks)
    return out

