"""Builds: an ingest's new generation of a listing, written beside the live one and made live by one pointer switch
(the package docstring says why), under the ingest lock."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DiskFull, StoreError
from ..types import Chunk, Paper
from . import disk_space, index_integrity
from .cleanup import drop_generations
from .locks import IngestLock
from .records import (
    GENERATION_KEY,
    GET_PAGE,
    PARTS,
    Live,
    chunk_id,
    generation_name,
    generation_names,
    mean_vector,
    paged_get,
    paper_document,
    paper_metadata,
    validate_collection_name,
)

if TYPE_CHECKING:
    from .reads import PaperStore

log = logging.getLogger(__name__)


def start_build(store: PaperStore, name: str, embedding_model: str, needed_bytes: int = 0) -> ListingBuild:
    """Start the next generation of a listing. Use it as a context manager: a build that is not committed is
    dropped, and the listing stays as it was. `needed_bytes`: the disk the generation is estimated to take, refused
    (embedded store) when the disk lacks it (disk_space.py)."""
    validate_collection_name(name)
    lock = IngestLock.take_if_embedded(store._folder, name)
    try:
        live = store._resolve(name, refresh=True) if store.has_listing(name) else None
        if live is not None and live.embedding_model and live.embedding_model != embedding_model:
            raise StoreError(
                f"collection {name} was embedded with {live.embedding_model}, but the embedder is now "
                f"{embedding_model}: ingest into a new --collection, or delete this one with `assistant delete`"
            )
        drop_generations(store, name, keep=live.generation if live else None)  # what killed ingests left
        guard = disk_space.SpaceGuard(store._folder, name) if store._folder is not None else None
        if guard is not None and needed_bytes:
            guard.check_before_build(needed_bytes)
        return ListingBuild(store, name, embedding_model, live, lock, guard)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def new_generation(store: PaperStore, name: str, generation: str) -> tuple[Any, Any]:
    kwargs: dict[str, Any] = {"embedding_function": None, "configuration": {"hnsw": {"space": "cosine"}}}
    papers, chunks = (store._client.create_collection(generation_name(name, generation, part), **kwargs)
                      for part in PARTS)
    return papers, chunks


def switch(store: PaperStore, name: str, generation: str, embedding_model: str, extra: dict[str, str]) -> int:
    """Make `generation` live: one metadata write. Returns the new version (one above the pointer's now, not the
    build's start: readers must see a change even if another ingest went live meanwhile)."""
    pointer = store._pointer(name)
    version = int((pointer.metadata or {}).get("version", 0)) + 1 if pointer is not None else 1
    meta = {GENERATION_KEY: generation, "version": version, "embedding_model": embedding_model, **extra}
    if pointer is None:
        store._client.create_collection(name, metadata=meta, embedding_function=None)
    else:
        pointer.modify(metadata=meta)
    store._live.pop(name, None)
    return version


def batch_size(store: PaperStore) -> int:
    return int(min(store._client.get_max_batch_size(), GET_PAGE))


class ListingBuild:
    """One ingest's new generation of a listing: filled with `copy` and `add`, made live by `commit`."""

    def __init__(
        self, store: PaperStore, name: str, embedding_model: str, live: Live | None, lock: IngestLock | None,
        guard: disk_space.SpaceGuard | None = None,
    ) -> None:
        self.store = store
        self.name = name
        self.embedding_model = embedding_model
        self.generation = "g" + secrets.token_hex(4)
        self._live = live
        self._lock = lock
        self._guard = guard
        self._papers, self._chunks = (None, None)
        self._counts = [0, 0]  # papers, chunks written
        self._done = False

    def __enter__(self) -> ListingBuild:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._done:
            self.discard()

    def _target(self) -> tuple[Any, Any]:
        if self._papers is None:
            self._papers, self._chunks = new_generation(self.store, self.name, self.generation)
        return self._papers, self._chunks

    def copy(self, keep: Collection[str]) -> None:
        """Carry these papers over from the live generation unchanged: records, chunks and vectors."""
        if self._live is None or not keep:
            return
        keep_hashes: dict[str, str] = {}
        for page in paged_get(self._live.papers, include=["embeddings", "documents", "metadatas"]):
            rows = [i for i, pid in enumerate(page["ids"]) if pid in keep]
            keep_hashes.update((page["ids"][i], page["metadatas"][i]["hash"]) for i in rows)
            self._put(0, _rows(page, rows))
        for page in paged_get(self._live.chunks, include=["embeddings", "documents", "metadatas"]):
            rows = [i for i, m in enumerate(page["metadatas"]) if keep_hashes.get(m["paper_id"]) == m["hash"]]
            self._put(1, _rows(page, rows))

    def add(self, items: Sequence[tuple[Paper, Sequence[Chunk], np.ndarray]]) -> None:
        """Papers new or changed since the live generation, with their chunks and the chunks' vectors."""
        chunk_rows: dict[str, list[Any]] = {"ids": [], "embeddings": [], "documents": [], "metadatas": []}
        for paper, chunks, vectors in items:
            for chunk, vector in zip(chunks, vectors, strict=True):
                chunk_rows["ids"].append(chunk_id(paper, chunk.index))
                chunk_rows["embeddings"].append(np.asarray(vector, dtype=np.float32).tolist())
                chunk_rows["documents"].append(chunk.text)
                chunk_rows["metadatas"].append({"paper_id": paper.id, "hash": paper.content_hash,
                                                "chunk": chunk.index})
        self._put(1, chunk_rows)
        self._put(0, {
            "ids": [p.id for p, _, _ in items],
            "embeddings": [mean_vector(v).tolist() for _, _, v in items],
            "documents": [paper_document(p) for p, _, _ in items],
            "metadatas": [paper_metadata(p, p.content_hash) for p, _, _ in items],
        })

    def _put(self, part: int, rows: dict[str, list[Any]]) -> None:
        target = self._target()[part]
        step = batch_size(self.store)
        for start in range(0, len(rows["ids"]), step):
            batch = {key: values[start : start + step] for key, values in rows.items()}
            if self._guard is not None:
                self._guard.check_before_write(_rows_bytes(batch))
            target.add(**batch)
        self._counts[part] += len(rows["ids"])

    def commit(self) -> int:
        """Check the new generation is whole, make it live, drop the old one. Returns the listing's new version."""
        papers, chunks = self._target()
        if (papers.count(), chunks.count()) != tuple(self._counts):
            raise StoreError(
                f"the new version of listing {self.name!r} in {self.store.location} holds {papers.count()} papers "
                f"and {chunks.count()} chunks, not the {self._counts[0]} and {self._counts[1]} written; the "
                "listing was left as it was: ingest again"
            )
        folder = self.store._folder
        names = generation_names(self.name, self.generation)
        extra = {index_integrity.KEY: index_integrity.describe(folder, names)} if folder is not None else {}
        version = switch(self.store, self.name, self.generation, self.embedding_model, extra)
        self._done = True
        try:
            # The old version's pages stay free inside the catalogue for the next update to write into: giving them
            # back to the filesystem (an incremental vacuum) took longer than the update itself (9 of 17 s at 1k
            # papers, about 540 s at 100k chunks) only for the next update to grow the file again. A failed build,
            # a delete and `assistant tidy` still give the space back.
            drop_generations(self.store, self.name, keep=self.generation, give_back=False)
        finally:
            self._release()
        return version

    def discard(self) -> None:
        """Drop this build (only this one: another may have gone live meanwhile); the listing stays as it was."""
        self._done = True
        try:
            if self._papers is not None:
                drop_generations(self.store, self.name, only=self.generation, merge_text_index=True)
        except DiskFull:  # filled by someone else: at least its index files go; the next ingest or tidy drops it
            log.warning("the disk is full: the unfinished version of %s stays until the next ingest", self.name)
            if self.store._folder is not None:
                names = generation_names(self.name, self.generation)
                segments = index_integrity.vector_segments(self.store._folder, names).values()
                disk_space.remove_files(self.store._folder / s for s in segments)
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def _rows_bytes(rows: dict[str, list[Any]]) -> int:
    """The disk a batch of records is estimated to take (disk_space.estimate_bytes)."""
    dim = len(rows["embeddings"][0]) if rows["embeddings"] else 0
    text = sum(len(d.encode()) for d in rows["documents"]) + sum(len(json.dumps(m)) for m in rows["metadatas"])
    return disk_space.estimate_bytes(len(rows["ids"]), dim, text)


def _rows(page: dict[str, Any], rows: list[int]) -> dict[str, list[Any]]:
    return {
        "ids": [page["ids"][i] for i in rows],
        "embeddings": [np.asarray(page["embeddings"][i], dtype=np.float32).tolist() for i in rows],
        "documents": [page["documents"][i] for i in rows],
        "metadatas": [page["metadatas"][i] for i in rows],
    }
