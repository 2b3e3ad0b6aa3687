"""The store's read API: `PaperStore`, Chroma seen as named listings of papers and their chunks.

Readers resolve a listing's pointer to its live generation (records.py names them) when they check the version, and
again when a read fails because its generation was dropped under them; before this process lets Chroma load a
generation's vector indexes, their files are checked (index_integrity.py). Writing and clean-up are `PaperStore`
methods too, for callers, but live in builds.py and cleanup.py: the package's modules share this class's private
state (`_client`, `_folder`, `_live`), which nothing outside the package touches.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..errors import CollectionNotFound, StoreError
from . import cleanup, index_integrity
from .builds import ListingBuild, batch_size, start_build
from .guard import damaged_index
from .locks import IngestLock
from .records import (
    GENERATION_KEY,
    PARTS,
    ChunkMatch,
    Live,
    StoredPaper,
    generation_name,
    generation_names,
    is_pointer,
    paged_get,
    paper_from_json,
    split_chunk_id,
    validate_collection_name,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


class PaperStore:
    """Chroma, embedded or remote, seen as named listings of papers and their chunks."""

    def __init__(
        self, client: Any, location: str, reopen: Callable[[], Any] | None = None, folder: Path | None = None
    ) -> None:
        self._client = client
        self.location = location
        self._reopen = reopen  # embedded stores: a fresh client that rereads the files
        self._folder = folder  # embedded stores: Chroma's folder (ingest locks, leftover index folders)
        self._lock = threading.Lock()
        self._live: dict[str, Live] = {}

    def reopen(self) -> None:
        """Drop this process's view of an embedded store and read the files again (no-op for a server). Frees the
        memory of generations another process dropped, which this process may still hold."""
        with self._lock:
            self._live.clear()
            if self._reopen is not None:
                log.info("%s was changed by another process: reopening it", self.location)
                self._client = self._reopen()

    # --- listings and their live generation --------------------------------------------------------------------
    def listings(self) -> list[str]:
        return sorted(c.name for c in self._client.list_collections() if is_pointer(c.name, c.metadata))

    def has_listing(self, name: str) -> bool:
        validate_collection_name(name)
        return self._pointer(name) is not None

    def _pointer(self, name: str) -> Any | None:
        try:
            pointer = self._client.get_collection(name, embedding_function=None)
        except StoreError:
            raise
        except Exception:  # noqa: BLE001 - Chroma's "does not exist" has changed type between releases
            return None
        return pointer if is_pointer(pointer.name, pointer.metadata) else None

    def _resolve(self, name: str, refresh: bool = False) -> Live:
        """The live generation of a listing: cached, or read from its pointer (refresh, or first use)."""
        validate_collection_name(name)
        live = self._live.get(name)
        if live is not None and not refresh:
            return live
        pointer = self._pointer(name)
        if pointer is None:
            known = ", ".join(self.listings()) or "none yet"
            raise CollectionNotFound(
                f"collection {name!r} does not exist in {self.location} (collections: {known}); "
                f"create it with `assistant ingest PATH --collection {name}`"
            )
        meta = dict(pointer.metadata)
        generation, version, model = str(meta[GENERATION_KEY]), int(meta.get("version", 0)), meta.get("embedding_model")
        if live is not None and live.generation == generation:
            live = replace(live, version=version, embedding_model=model)
        else:
            if live is not None:  # another generation went live: let go of the old one's memory
                self.reopen()
            self._check_index_files(name, meta)
            papers, chunks = (self._client.get_collection(generation_name(name, generation, part),
                                                          embedding_function=None) for part in PARTS)
            live = Live(generation, version, model, papers, chunks, papers.count(), chunks.count())
        self._live[name] = live
        return live

    def _check_index_files(self, name: str, meta: dict[str, Any]) -> None:
        """Before this process lets Chroma load a generation's vector indexes: are they as committed (see
        index_integrity.py)? Damaged files would crash the process inside Chroma's native loader."""
        if self._folder is None:
            return  # a server's files are the server's: a crash there is an error here
        names = generation_names(name, str(meta[GENERATION_KEY]))
        description = meta.get(index_integrity.KEY)
        if description is None:  # committed before descriptions existed
            problem = index_integrity.loads_in_a_child(self._folder, names)
            if problem is not None:
                raise damaged_index(name, self.location, problem)
            self._describe_checked(name, str(meta[GENERATION_KEY]), names)
            return
        try:
            index_integrity.verify(self._folder, str(description))
        except index_integrity.IndexMismatch as exc:
            raise damaged_index(name, self.location, str(exc)) from None

    def _describe_checked(self, name: str, generation: str, names: list[str]) -> None:
        """Store the description of a generation that loaded in a child process, so that later processes verify
        it instead; only under the ingest lock (no ingest is switching the listing meanwhile), else next time."""
        assert self._folder is not None
        try:
            lock = IngestLock.take(self._folder, name)
        except StoreError:
            return
        try:
            pointer = self._pointer(name)
            if pointer is not None and str(pointer.metadata.get(GENERATION_KEY)) == generation:
                description = index_integrity.describe(self._folder, names)
                pointer.modify(metadata={**dict(pointer.metadata), index_integrity.KEY: description})
        finally:
            lock.release()

    def _read(self, name: str, read: Callable[[Live], T]) -> T:
        """A read of the live generation; if it fails because an ingest switched generations and dropped the one
        this process held, read again from the new one."""
        live = self._resolve(name)
        try:
            return read(live)
        except StoreError as exc:
            if "is damaged" not in str(exc):
                raise
            failure: Exception = exc
        except Exception as exc:  # noqa: BLE001 - re-raised below unless the generation changed
            failure = exc
        now = self._resolve(name, refresh=True)
        if now.generation == live.generation:
            raise failure
        return read(now)

    def _collections(self, name: str) -> tuple[Any, Any]:
        """The live generation's (papers, chunks) collections."""
        live = self._resolve(name)
        return live.papers, live.chunks

    def generations(self, name: str) -> list[str]:
        """Every generation of a listing in the store: the live one, and any a killed ingest left unfinished."""
        parts = (c.name.split(".") for c in self._client.list_collections())
        return sorted({p[1] for p in parts if len(p) == 3 and p[0] == name and p[2] in PARTS})

    def listing_info(self, name: str) -> dict[str, Any]:
        live = self._resolve(name, refresh=True)
        return {
            "collection": name,
            "papers": live.n_papers,
            "chunks": live.n_chunks,
            "embedding_model": live.embedding_model,
            "version": live.version,
        }

    def version(self, name: str) -> int:
        """The listing's version, read afresh (a reader's cue that another process ingested)."""
        return self._resolve(name, refresh=True).version

    def generation(self, name: str) -> str:
        """The listing's live generation, read afresh: what its derived data (the topic map) is keyed by, since a
        generation is never rewritten once live."""
        return self._resolve(name, refresh=True).generation

    # --- reading -----------------------------------------------------------------------------------------------
    def iter_papers(self, name: str) -> Iterator[StoredPaper]:
        pages = self._read(name, lambda live: list(paged_get(live.papers, include=["metadatas"])))
        for page in pages:
            for meta in page["metadatas"]:
                yield StoredPaper(paper_from_json(meta["paper"]), meta["hash"])

    def paper_hashes(self, name: str) -> dict[str, str]:
        hashes: dict[str, str] = {}
        for page in self._read(name, lambda live: list(paged_get(live.papers, include=["metadatas"]))):
            hashes.update((i, m["hash"]) for i, m in zip(page["ids"], page["metadatas"], strict=True))
        return hashes

    def paper_vectors(self, name: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        got = self._read(name, lambda live: live.papers.get(ids=list(ids), include=["embeddings"]))
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    def query_chunks(
        self, name: str, vector: np.ndarray, n: int, paper_ids: Sequence[str] | None = None, with_text: bool = True
    ) -> list[ChunkMatch]:
        """The n nearest chunks. with_text=False reads only ids and distances (paper and hash come from the chunk id):
        fetching metadata and documents for 300 results costs 10-18 ms here, ids and distances about 2 ms; callers
        then fetch the few texts they show with `chunk_texts`."""
        where = {"paper_id": {"$in": list(paper_ids)}} if paper_ids is not None else None
        include = ["metadatas", "documents", "distances"] if with_text else ["distances"]

        def query(live: Live) -> dict[str, Any] | None:
            if live.n_chunks == 0 or paper_ids == []:
                return None
            return dict(live.chunks.query(
                query_embeddings=[vector.tolist()], n_results=min(n, live.n_chunks), where=where, include=include,
            ))

        res = self._read(name, query)
        if res is None:
            return []
        if not with_text:
            return [
                ChunkMatch(*split_chunk_id(cid), "", 1.0 - float(d), id=cid)
                for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)
            ]
        return [
            ChunkMatch(m["paper_id"], m["hash"], doc, 1.0 - float(d), id=cid)
            for cid, m, doc, d in zip(
                res["ids"][0], res["metadatas"][0], res["documents"][0], res["distances"][0], strict=True
            )
        ]

    def chunk_texts(self, name: str, ids: Sequence[str]) -> dict[str, str]:
        """The texts of the given chunks (those that exist)."""
        if not ids:
            return {}
        got = self._read(name, lambda live: live.chunks.get(ids=list(ids), include=["documents"]))
        return dict(zip(got["ids"], got["documents"], strict=True))

    def query_papers(self, name: str, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        def query(live: Live) -> dict[str, Any] | None:
            if live.n_papers == 0:
                return None
            found = live.papers.query(query_embeddings=[vector.tolist()], n_results=min(n, live.n_papers),
                                      include=["distances"])
            return dict(found)

        res = self._read(name, query)
        if res is None:
            return []
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    # --- writing and clean-up (builds.py, cleanup.py) ------------------------------------------------------------
    def build(self, name: str, embedding_model: str, needed_bytes: int = 0) -> ListingBuild:
        """Start the next generation of a listing, as a context manager (builds.start_build)."""
        return start_build(self, name, embedding_model, needed_bytes)

    def batch_size(self) -> int:
        return batch_size(self)

    def delete_listing(self, name: str) -> int:
        """Delete a listing; returns the bytes given back to the disk (cleanup.delete_listing)."""
        return cleanup.delete_listing(self, name)

    def tidy(self, name: str) -> None:
        """Drop what killed ingests left of a listing (cleanup.tidy)."""
        cleanup.tidy(self, name)

    def tidy_all(self) -> int:
        """Drop every generation no listing has live; returns the bytes given back (cleanup.tidy_all)."""
        return cleanup.tidy_all(self)

    def _drop_generations(
        self, name: str, keep: str | None = None, only: str | None = None, merge_text_index: bool = False
    ) -> None:
        cleanup.drop_generations(self, name, keep, only, merge_text_index)
