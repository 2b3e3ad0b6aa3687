"""The one module that knows Chroma.

A listing `<name>` is a pointer and generations. The pointer is a collection named `<name>` that holds no records:
its metadata names the live generation, the listing's version and its embedding model. A generation `<gen>` is two
collections:
- `<name>.<gen>.papers`: one record per paper (the paper as JSON, its content hash, and the normalised mean of its
  chunk embeddings, which serves "more like this");
- `<name>.<gen>.chunks`: one record per chunk, its id carrying the paper's content hash (`<paper>#<hash>#<i>`).

An ingest never writes to the live generation. It builds a new one beside it (the unchanged papers copied over with
their vectors, the new ones added), then switches the pointer with one metadata update, which Chroma's SQLite makes
atomic, then drops the old generation. Why not update in place: Chroma writes its vector-index files in place, and a
process killed while it writes them can leave an index no process can read again (chroma-core/chroma#7678; it
happened here once in about 45 kills of an in-place ingest). A kill now can only tear a generation no reader uses;
the next ingest drops it. A committed generation is only ever read, and reading does not rewrite its index files
(measured: readers replay Chroma's write log in memory). Readers resolve the pointer when they check the version and
again when a read fails because its generation was dropped under them.

Two more failure modes of Chroma are handled here. A Chroma server that is down surfaces as a StoreError saying so
(not a raw network exception), and the next call after the server is back simply works: the HTTP client reconnects
by itself. An index damaged by something else (a disk fault, a hand-edited folder) surfaces as a StoreError saying
how to rebuild the listing: the embedded store describes each generation's index files at commit and checks them
before Chroma loads them, since damaged ones crash Chroma's native loader (index_integrity.py). (Chroma rewrites
the files of an index too small to have been persisted, about 1,000 records, at every load; it rebuilds those from
its write log, never from the files.) A full disk is named as such, checked before and during a build so that a
failed build can still be removed (disk_space.py).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from . import disk_space, index_integrity
from .errors import CollectionNotFound, ConfigError, DamagedListing, DiskFull, StoreError, shown
from .settings import Settings
from .types import Chunk, Paper

log = logging.getLogger(__name__)

_PARTS = ("papers", "chunks")  # a generation's two collections: `<name>.<generation>.<part>`
_GENERATION = "generation"  # the pointer's metadata key naming the live generation
_SEGMENT_DIR_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,60}[A-Za-z0-9]$")
_GET_PAGE = 5000  # records per `get` page: bounded memory on 100k-chunk collections
# What Chroma says when a vector index's files cannot be read back (torn, truncated, edited by hand)
_DAMAGED_INDEX = ("Failed to apply logs", "Error loading hnsw index", "Error constructing hnsw segment reader",
                  "Error finding id")
T = TypeVar("T")


@dataclass(frozen=True)
class StoredPaper:
    """A paper record as the store holds it."""

    paper: Paper
    content_hash: str


@dataclass(frozen=True)
class ChunkMatch:
    """A chunk returned by a vector query, with cosine similarity."""

    paper_id: str
    content_hash: str
    text: str
    similarity: float
    id: str = ""  # the chunk id (`<paper>#<hash>#<i>`), to fetch the text later when queried with_text=False


def paper_to_json(paper: Paper) -> str:
    return json.dumps(asdict(paper), ensure_ascii=False, separators=(",", ":"))


def paper_from_json(text: str) -> Paper:
    data = json.loads(text)
    data["authors"] = tuple(data.get("authors") or ())
    data["keywords"] = tuple(data.get("keywords") or ())
    return Paper(**data)


def validate_collection_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ConfigError(
            f"collection name {shown(name)!r} is not valid: use 3-62 letters, digits, '-' or '_', "
            "starting and ending with a letter or digit (e.g. iclr2022)"
        )
    return name


def _paper_metadata(paper: Paper, content_hash: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"paper": paper_to_json(paper), "hash": content_hash}
    if paper.decision:
        meta["decision"] = paper.decision
    if paper.year:
        meta["year"] = paper.year
    return meta


@dataclass(frozen=True)
class _Live:
    """A listing's live generation as this process last resolved it."""

    generation: str
    version: int
    embedding_model: str | None
    papers: Any
    chunks: Any
    n_papers: int  # a committed generation never changes: counted once
    n_chunks: int


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
        self._live: dict[str, _Live] = {}

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
        return sorted(c.name for c in self._client.list_collections() if _is_pointer(c.name, c.metadata))

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
        return pointer if _is_pointer(pointer.name, pointer.metadata) else None

    def _resolve(self, name: str, refresh: bool = False) -> _Live:
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
        generation, version, model = str(meta[_GENERATION]), int(meta.get("version", 0)), meta.get("embedding_model")
        if live is not None and live.generation == generation:
            live = replace(live, version=version, embedding_model=model)
        else:
            if live is not None:  # another generation went live: let go of the old one's memory
                self.reopen()
            self._check_index_files(name, meta)
            papers, chunks = (self._client.get_collection(_generation_name(name, generation, part),
                                                          embedding_function=None) for part in _PARTS)
            live = _Live(generation, version, model, papers, chunks, papers.count(), chunks.count())
        self._live[name] = live
        return live

    def _check_index_files(self, name: str, meta: dict[str, Any]) -> None:
        """Before this process lets Chroma load a generation's vector indexes: are they as committed (see
        index_integrity.py)? Damaged files would crash the process inside Chroma's native loader."""
        if self._folder is None:
            return  # a server's files are the server's: a crash there is an error here
        names = [_generation_name(name, str(meta[_GENERATION]), part) for part in _PARTS]
        description = meta.get(index_integrity.KEY)
        if description is None:  # committed before descriptions existed
            problem = index_integrity.loads_in_a_child(self._folder, names)
            if problem is not None:
                raise damaged_index(name, self.location, problem)
            self._describe_checked(name, str(meta[_GENERATION]), names)
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
            if pointer is not None and str(pointer.metadata.get(_GENERATION)) == generation:
                description = index_integrity.describe(self._folder, names)
                pointer.modify(metadata={**dict(pointer.metadata), index_integrity.KEY: description})
        finally:
            lock.release()

    def _read(self, name: str, read: Callable[[_Live], T]) -> T:
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
        return sorted({p[1] for p in parts if len(p) == 3 and p[0] == name and p[2] in _PARTS})

    def delete_listing(self, name: str) -> int:
        """The pointer goes first: from then on the listing is gone for every reader; its generations follow.
        Returns the bytes given back to the disk (0 for a server)."""
        validate_collection_name(name)
        before = disk_space.folder_bytes(self._folder) if self._folder is not None else 0
        if self._pointer(name) is not None:
            self._client.delete_collection(name)
        self._live.pop(name, None)
        try:
            self._drop_generations(name, merge_text_index=True)
        except DiskFull:
            assert self._folder is not None
            raise DiskFull(disk_space.deleted_but_not_freed(name, self._folder)) from None
        return max(0, before - disk_space.folder_bytes(self._folder)) if self._folder is not None else 0

    def _drop_generations(
        self, name: str, keep: str | None = None, only: str | None = None, merge_text_index: bool = False
    ) -> None:
        """Drop every generation of a listing but `keep` (or only the generation `only`), and free their disk."""
        for generation in self.generations(name):
            if generation == keep or (only is not None and generation != only):
                continue
            for part in _PARTS:
                try:
                    self._client.delete_collection(_generation_name(name, generation, part))
                except StoreError:
                    raise
                except Exception:  # noqa: BLE001 - a half a killed ingest never created
                    log.debug("collection %s.%s.%s was not there", name, generation, part)
        if self._folder is not None:
            remove_unused_index_folders(self._folder)
            disk_space.give_back_free_pages(self._folder, merge_text_index)

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
        pages = self._read(name, lambda live: list(_paged_get(live.papers, include=["metadatas"])))
        for page in pages:
            for meta in page["metadatas"]:
                yield StoredPaper(paper_from_json(meta["paper"]), meta["hash"])

    def paper_hashes(self, name: str) -> dict[str, str]:
        hashes: dict[str, str] = {}
        for page in self._read(name, lambda live: list(_paged_get(live.papers, include=["metadatas"]))):
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

        def query(live: _Live) -> dict[str, Any] | None:
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
        def query(live: _Live) -> dict[str, Any] | None:
            if live.n_papers == 0:
                return None
            found = live.papers.query(query_embeddings=[vector.tolist()], n_results=min(n, live.n_papers),
                                      include=["distances"])
            return dict(found)

        res = self._read(name, query)
        if res is None:
            return []
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    # --- writing: a new generation, made live in one step --------------------------------------------------------
    def build(self, name: str, embedding_model: str, needed_bytes: int = 0) -> ListingBuild:
        """Start the next generation of a listing (see the module docstring). Use it as a context manager: a build
        that is not committed is dropped, and the listing stays as it was. `needed_bytes`: the disk the generation
        is estimated to take, refused (embedded store) when the disk lacks it (disk_space.py)."""
        validate_collection_name(name)
        lock = IngestLock.take(self._folder, name) if self._folder is not None else None
        try:
            live = self._resolve(name, refresh=True) if self.has_listing(name) else None
            if live is not None and live.embedding_model and live.embedding_model != embedding_model:
                raise StoreError(
                    f"collection {name} was embedded with {live.embedding_model}, but the embedder is now "
                    f"{embedding_model}: ingest into a new --collection, or delete this one with `assistant delete`"
                )
            self._drop_generations(name, keep=live.generation if live else None)  # what killed ingests left
            guard = disk_space.SpaceGuard(self._folder, name) if self._folder is not None else None
            if guard is not None and needed_bytes:
                guard.check_before_build(needed_bytes)
            return ListingBuild(self, name, embedding_model, live, lock, guard)
        except BaseException:
            if lock is not None:
                lock.release()
            raise

    def tidy(self, name: str) -> None:
        """Drop what killed ingests left of a listing (an ingest that had nothing to write still does this)."""
        lock = IngestLock.take(self._folder, name) if self._folder is not None else None
        try:
            self._drop_generations(name, keep=self._resolve(name, refresh=True).generation)
        finally:
            if lock is not None:
                lock.release()

    def tidy_all(self) -> int:
        """Drop every generation that no listing has live (left by killed or failed ingests, or by a delete the
        disk was too full to finish), skipping listings an ingest is writing; then give the space back. Returns
        the bytes given back to the disk (embedded store)."""
        assert self._folder is not None, "tidy_all is for the embedded store"
        before = disk_space.folder_bytes(self._folder)
        for name in sorted({c.name.split(".")[0] for c in self._client.list_collections() if "." in c.name}):
            try:
                lock = IngestLock.take(self._folder, name)
            except StoreError:
                log.info("an ingest into %s is running: left as it is", name)
                continue
            try:
                live = self._pointer(name)
                self._drop_generations(name, keep=str(live.metadata[_GENERATION]) if live is not None else None)
            finally:
                lock.release()
        remove_unused_index_folders(self._folder)
        disk_space.give_back_free_pages(self._folder, merge_text_index=True)
        return max(0, before - disk_space.folder_bytes(self._folder))

    def _new_generation(self, name: str, generation: str) -> tuple[Any, Any]:
        kwargs: dict[str, Any] = {"embedding_function": None, "configuration": {"hnsw": {"space": "cosine"}}}
        papers, chunks = (self._client.create_collection(_generation_name(name, generation, part), **kwargs)
                          for part in _PARTS)
        return papers, chunks

    def _switch(self, name: str, generation: str, embedding_model: str, extra: dict[str, str]) -> int:
        """Make `generation` live: one metadata write. Returns the new version (one above the pointer's now, not
        the build's start: readers must see a change even if another ingest went live meanwhile)."""
        pointer = self._pointer(name)
        version = int((pointer.metadata or {}).get("version", 0)) + 1 if pointer is not None else 1
        meta = {_GENERATION: generation, "version": version, "embedding_model": embedding_model, **extra}
        if pointer is None:
            self._client.create_collection(name, metadata=meta, embedding_function=None)
        else:
            pointer.modify(metadata=meta)
        self._live.pop(name, None)
        return version

    def batch_size(self) -> int:
        return int(min(self._client.get_max_batch_size(), _GET_PAGE))


class ListingBuild:
    """One ingest's new generation of a listing: filled with `copy` and `add`, made live by `commit`."""

    def __init__(
        self, store: PaperStore, name: str, embedding_model: str, live: _Live | None, lock: IngestLock | None,
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
            self._papers, self._chunks = self.store._new_generation(self.name, self.generation)
        return self._papers, self._chunks

    def copy(self, keep: Collection[str]) -> None:
        """Carry these papers over from the live generation unchanged: records, chunks and vectors."""
        if self._live is None or not keep:
            return
        keep_hashes: dict[str, str] = {}
        for page in _paged_get(self._live.papers, include=["embeddings", "documents", "metadatas"]):
            rows = [i for i, pid in enumerate(page["ids"]) if pid in keep]
            keep_hashes.update((page["ids"][i], page["metadatas"][i]["hash"]) for i in rows)
            self._put(0, _rows(page, rows))
        for page in _paged_get(self._live.chunks, include=["embeddings", "documents", "metadatas"]):
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
            "documents": [_paper_document(p) for p, _, _ in items],
            "metadatas": [_paper_metadata(p, p.content_hash) for p, _, _ in items],
        })

    def _put(self, part: int, rows: dict[str, list[Any]]) -> None:
        target = self._target()[part]
        step = self.store.batch_size()
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
        names = [_generation_name(self.name, self.generation, part) for part in _PARTS]
        extra = {index_integrity.KEY: index_integrity.describe(folder, names)} if folder is not None else {}
        version = self.store._switch(self.name, self.generation, self.embedding_model, extra)
        self._done = True
        try:
            self.store._drop_generations(self.name, keep=self.generation)
        finally:
            self._release()
        return version

    def discard(self) -> None:
        """Drop this build (only this one: another may have gone live meanwhile); the listing stays as it was."""
        self._done = True
        try:
            if self._papers is not None:
                self.store._drop_generations(self.name, only=self.generation, merge_text_index=True)
        except DiskFull:  # filled by someone else: at least its index files go; the next ingest or tidy drops it
            log.warning("the disk is full: the unfinished version of %s stays until the next ingest", self.name)
            if self.store._folder is not None:
                names = [_generation_name(self.name, self.generation, part) for part in _PARTS]
                segments = index_integrity.vector_segments(self.store._folder, names).values()
                disk_space.remove_files(self.store._folder / s for s in segments)
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


class IngestLock:
    """One ingest per listing at a time in an embedded store: a second one would drop the first one's unfinished
    generation as left over. An OS file lock, so a killed ingest never leaves it held."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    @classmethod
    def take(cls, folder: Path, name: str) -> IngestLock:
        import fcntl

        path = folder / f".ingest-{name}.lock"
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise StoreError(
                f"another ingest into listing {name!r} is running on {folder}: wait for it to finish, then ingest "
                "again"
            ) from None
        return cls(handle)

    def release(self) -> None:
        self._handle.close()  # closing the file releases the lock


def remove_unused_index_folders(folder: Path) -> tuple[int, int]:
    """Chroma 1.5 leaves a dropped collection's index folder on disk (chroma-core/chroma#1309): remove the folders
    that no segment in Chroma's catalogue names. The folders are listed before the catalogue is read, so a folder
    a concurrent writer has just created (its segment is catalogued first) is never taken for unused. Returns the
    folders removed and their bytes."""
    catalogue = folder / "chroma.sqlite3"
    if not catalogue.is_file():
        raise StoreError(f"{folder} is not a Chroma folder (it has no chroma.sqlite3)")
    folders = [d for d in folder.iterdir() if d.is_dir() and _SEGMENT_DIR_RE.match(d.name)]
    if not folders:
        return 0, 0
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True, timeout=30)) as db:
        used = {row[0] for row in db.execute("SELECT id FROM segments")}
    unused = [d for d in folders if d.name not in used]
    freed = sum(f.stat().st_size for d in unused for f in d.rglob("*") if f.is_file())
    for d in unused:
        shutil.rmtree(d, ignore_errors=True)
    return len(unused), freed


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


def _is_pointer(name: str, metadata: dict[str, Any] | None) -> bool:
    return "." not in name and bool(metadata) and _GENERATION in (metadata or {})


def _generation_name(name: str, generation: str, part: str) -> str:
    return f"{name}.{generation}.{part}"


def chunk_id(paper: Paper, index: int) -> str:
    return f"{paper.id}#{paper.content_hash}#{index}"


def split_chunk_id(cid: str) -> tuple[str, str]:
    """(paper id, content hash) of a chunk id; a paper id may itself contain '#'."""
    paper_id, content_hash, _ = cid.rsplit("#", 2)
    return paper_id, content_hash


def mean_vector(vectors: np.ndarray) -> np.ndarray:
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def _paper_document(paper: Paper) -> str:
    return f"{paper.title}\n\n{paper.abstract or ''}".strip()


def _paged_get(collection: Any, include: list[str], where: dict[str, Any] | None = None) -> Iterable[dict[str, Any]]:
    offset = 0
    while True:
        page = collection.get(include=include, where=where, limit=_GET_PAGE, offset=offset)
        if not page["ids"]:
            return
        yield page
        offset += len(page["ids"])


class _ChromaGuard:
    """A Chroma client, or one of its collections, whose failures the user can act on become a StoreError saying
    what to do, instead of a raw exception the app could only call "something went wrong":
    - a Chroma server that cannot be reached (httpx reconnects by itself once it is back);
    - a vector index whose files Chroma cannot read back (see `damaged_index`): the listing has to be rebuilt."""

    def __init__(self, target: Any, location: str, remote: bool) -> None:
        self._target = target
        self._location = location
        self._remote = remote

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        return functools.partial(self._call, value) if callable(value) else value

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            result = method(*args, **kwargs)
        except Exception as exc:
            error = self._translate(exc)
            if error is None:
                raise
        else:
            if hasattr(result, "query") and hasattr(result, "upsert"):  # a collection: guard its calls too
                return _ChromaGuard(result, self._location, self._remote)
            return result
        raise error  # outside the except block: the raw exception is not chained

    def _translate(self, exc: Exception) -> StoreError | None:
        import httpx

        if self._remote and isinstance(exc, httpx.TransportError):
            return StoreError(_unreachable(self._location, exc))
        damaged = any(sign in str(exc) for sign in _DAMAGED_INDEX)
        # A full disk often reads like damage ("Failed to apply logs"): the disk says which it is
        if disk_space.says_disk_full(str(exc)) or (damaged and not self._remote
                                                    and disk_space.looks_full(Path(self._location))):
            return DiskFull(disk_space.full_disk_message(self._location, remote=self._remote))
        if damaged:
            return damaged_index(str(getattr(self._target, "name", "?")).split(".")[0], self._location)
        return None


def damaged_index(listing: str, location: str, detail: str = "Chroma cannot read its files back") -> DamagedListing:
    """Ingests never write to a live index (module docstring), so this is damage from outside: a disk fault, a
    store folder copied while written, files edited by hand."""
    return DamagedListing(
        f"the vector index of listing {listing!r} in {location} is damaged: {detail} (a "
        "disk fault, or a store folder copied or edited while in use, can cause this). Rebuild the listing: "
        f"`assistant delete {listing}`, then `assistant ingest LISTING_FILE --collection {listing}`"
    )


def _unreachable(location: str, exc: BaseException) -> str:
    return (
        f"cannot reach the Chroma server at {location} ({type(exc).__name__}); start it with "
        "`chroma run --path DIR --port PORT`, or unset ASSISTANT_CHROMA_URL to use the embedded store"
    )


def _persistent_client(path: str, chroma_settings: Any, fresh: bool = False) -> Any:
    """An embedded Chroma client. `fresh`: not the one Chroma caches per path in this process, which still holds
    generations that another process has dropped since."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient

    if fresh:
        SharedSystemClient._identifier_to_system.pop(path, None)  # others holding the old client keep it
        SharedSystemClient._identifier_to_refcount.pop(path, None)
    return chromadb.PersistentClient(path=path, settings=chroma_settings)


def open_store(settings: Settings) -> PaperStore:
    """The store the settings name: a Chroma server when chroma_url is set, else the embedded folder."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise ConfigError(f"ASSISTANT_CHROMA_URL {settings.chroma_url!r} is not a URL like http://127.0.0.1:8000")
        port = url.port or (443 if url.scheme == "https" else 8000)
        try:
            client = chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
            client.heartbeat()
        except Exception as exc:  # noqa: BLE001 - any client failure means the same thing to the user
            raise StoreError(_unreachable(f"{url.scheme}://{url.hostname}:{port}", exc)) from None
        location = f"{url.scheme}://{url.hostname}:{port}"
        return PaperStore(_ChromaGuard(client, location, remote=True), location)
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    path = str(settings.store_dir)
    try:
        disk_space.create_catalogue(settings.store_dir)
        client = _persistent_client(path, chroma_settings)
    except Exception as exc:  # noqa: BLE001
        raise StoreError(f"cannot open the store in {settings.store_dir}: {exc}") from exc
    return PaperStore(
        _ChromaGuard(client, path, remote=False), path, folder=settings.store_dir,
        reopen=lambda: _ChromaGuard(_persistent_client(path, chroma_settings, fresh=True), path, False),
    )
