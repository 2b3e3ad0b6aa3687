"""The one module that knows Chroma.

A listing lives in two Chroma collections:
- `<name>.papers`: one record per paper (the paper as JSON, its content hash, and the normalised mean of its chunk
  embeddings, which serves "more like this");
- `<name>.chunks`: one record per chunk, its id carrying the paper's content hash (`<paper>#<hash>#<i>`).

Chroma has no transactions, so a paper becomes visible by a two-step protocol: its new chunks are written first,
under the new hash, then the paper record is switched to that hash, then the old version's chunks are deleted.
Readers only accept chunks whose hash equals their paper's current hash, so a query running during an ingest, or a
store left by a killed ingest, never shows a half-written paper; the next ingest removes the orphans.

Two failure modes of Chroma itself are handled here too. An embedded store written by another process (the CLI
ingesting while the app runs) leaves this process's in-memory vector index stale: Chroma then answers "Error finding
id", or silently misses the new vectors, so the store reopens its client when it sees another process's version bump
or that error. A Chroma server that is down surfaces as a StoreError saying so (not a raw network exception), and
the next call after the server is back simply works: the HTTP client reconnects by itself.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from .errors import CollectionNotFound, ConfigError, StoreError
from .settings import Settings
from .types import Chunk, Paper

log = logging.getLogger(__name__)

PAPERS_SUFFIX = ".papers"
CHUNKS_SUFFIX = ".chunks"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,60}[A-Za-z0-9]$")
_GET_PAGE = 5000  # records per `get` page: bounded memory on 100k-chunk collections
_STALE_INDEX = "Error finding id"  # Chroma's error when its in-memory index lags writes made by another process
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
            f"collection name {name!r} is not valid: use 3-62 letters, digits, '-' or '_', "
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


class PaperStore:
    """Chroma, embedded or remote, seen as named listings of papers and their chunks."""

    def __init__(self, client: Any, location: str, reopen: Callable[[], Any] | None = None) -> None:
        self._client = client
        self.location = location
        self._reopen = reopen  # embedded stores: a fresh client that rereads the files
        self._reopen_lock = threading.Lock()
        self._versions_seen: dict[str, int] = {}

    # --- other processes writing to an embedded store ----------------------------------------------------------
    def reopen(self) -> None:
        """Drop this process's view of an embedded store and read the files again (no-op for a server)."""
        if self._reopen is None:
            return
        with self._reopen_lock:
            log.info("%s was changed by another process: reopening it", self.location)
            self._client = self._reopen()

    def _vector_read(self, read: Callable[[], T]) -> T:
        """A read that uses the vector index; if another process wrote to this embedded store, the index in memory
        lags its files and Chroma fails with "Error finding id": reopen once and read again."""
        try:
            return read()
        except Exception as exc:
            if self._reopen is None or _STALE_INDEX not in str(exc):
                raise
        self.reopen()
        return read()

    def _notice_version(self, name: str, version: int) -> None:
        """A version this process did not write means another process ingested: reopen so its vectors are seen."""
        seen = self._versions_seen.get(name)
        self._versions_seen[name] = version
        if seen is not None and seen != version:
            self.reopen()

    # --- collections -------------------------------------------------------------------------------------------
    def listings(self) -> list[str]:
        names = [c if isinstance(c, str) else c.name for c in self._client.list_collections()]
        return sorted(n[: -len(PAPERS_SUFFIX)] for n in names if n.endswith(PAPERS_SUFFIX))

    def has_listing(self, name: str) -> bool:
        return name in self.listings()

    def _collections(self, name: str, create: bool = False) -> tuple[Any, Any]:
        validate_collection_name(name)
        if create:
            get = self._client.get_or_create_collection
            kwargs: dict[str, Any] = {"embedding_function": None, "configuration": {"hnsw": {"space": "cosine"}}}
            return get(name + PAPERS_SUFFIX, **kwargs), get(name + CHUNKS_SUFFIX, **kwargs)
        if not self.has_listing(name):
            known = ", ".join(self.listings()) or "none yet"
            raise CollectionNotFound(
                f"collection {name!r} does not exist in {self.location} (collections: {known}); "
                f"create it with `assistant ingest PATH --collection {name}`"
            )
        return (
            self._client.get_collection(name + PAPERS_SUFFIX, embedding_function=None),
            self._client.get_collection(name + CHUNKS_SUFFIX, embedding_function=None),
        )

    def delete_listing(self, name: str) -> None:
        for suffix in (PAPERS_SUFFIX, CHUNKS_SUFFIX):
            try:
                self._client.delete_collection(name + suffix)
            except Exception:  # noqa: BLE001 - a missing half is what we want gone anyway
                log.debug("collection %s%s was not there", name, suffix)

    def listing_info(self, name: str) -> dict[str, Any]:
        papers, chunks = self._collections(name)
        meta = papers.metadata or {}
        return {
            "collection": name,
            "papers": papers.count(),
            "chunks": chunks.count(),
            "embedding_model": meta.get("embedding_model"),
            "version": meta.get("version", 0),
        }

    def version(self, name: str) -> int:
        papers, _ = self._collections(name)
        version = int((papers.metadata or {}).get("version", 0))
        self._notice_version(name, version)
        return version

    # --- reading -----------------------------------------------------------------------------------------------
    def iter_papers(self, name: str) -> Iterator[StoredPaper]:
        papers, _ = self._collections(name)
        for page in _paged_get(papers, include=["metadatas"]):
            for meta in page["metadatas"]:
                yield StoredPaper(paper_from_json(meta["paper"]), meta["hash"])

    def paper_hashes(self, name: str) -> dict[str, str]:
        papers, _ = self._collections(name)
        hashes: dict[str, str] = {}
        for page in _paged_get(papers, include=["metadatas"]):
            hashes.update((i, m["hash"]) for i, m in zip(page["ids"], page["metadatas"], strict=True))
        return hashes

    def paper_vectors(self, name: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        got = self._vector_read(lambda: self._collections(name)[0].get(ids=list(ids), include=["embeddings"]))
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    def query_chunks(
        self, name: str, vector: np.ndarray, n: int, paper_ids: Sequence[str] | None = None, with_text: bool = True
    ) -> list[ChunkMatch]:
        """The n nearest chunks. with_text=False reads only ids and distances (paper and hash come from the chunk id):
        fetching metadata and documents for 300 results costs 10-18 ms here, ids and distances about 2 ms; callers
        then fetch the few texts they show with `chunk_texts`."""
        where = {"paper_id": {"$in": list(paper_ids)}} if paper_ids is not None else None
        include = ["metadatas", "documents", "distances"] if with_text else ["distances"]

        def query() -> dict[str, Any] | None:
            _, chunks = self._collections(name)
            total = chunks.count()
            if total == 0 or paper_ids == []:
                return None
            return dict(chunks.query(
                query_embeddings=[vector.tolist()],
                n_results=min(n, total),
                where=where,
                include=include,
            ))

        res = self._vector_read(query)
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
        got = self._collections(name)[1].get(ids=list(ids), include=["documents"])
        return dict(zip(got["ids"], got["documents"], strict=True))

    def query_papers(self, name: str, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        def query() -> dict[str, Any] | None:
            papers, _ = self._collections(name)
            total = papers.count()
            if total == 0:
                return None
            found = papers.query(query_embeddings=[vector.tolist()], n_results=min(n, total), include=["distances"])
            return dict(found)

        res = self._vector_read(query)
        if res is None:
            return []
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    # --- writing (the two-step protocol in the module docstring) -------------------------------------------------
    def write_chunks(self, name: str, items: Sequence[tuple[Paper, Sequence[Chunk], np.ndarray]], model: str) -> None:
        """Step 1: write chunks under their paper's new hash. Invisible to readers until `commit_papers`."""
        papers, chunks = self._collections(name, create=True)
        self._check_model(papers, model)
        ids, vecs, docs, metas = [], [], [], []
        for paper, paper_chunks, vectors in items:
            h = paper.content_hash
            for chunk, vec in zip(paper_chunks, vectors, strict=True):
                ids.append(chunk_id(paper, chunk.index))
                vecs.append(np.asarray(vec, dtype=np.float32).tolist())
                docs.append(chunk.text)
                metas.append({"paper_id": paper.id, "hash": h, "chunk": chunk.index})
        for start in range(0, len(ids), self._batch_size()):
            stop = start + self._batch_size()
            chunks.upsert(ids=ids[start:stop], embeddings=vecs[start:stop], documents=docs[start:stop],
                          metadatas=metas[start:stop])

    def stored_chunk_vectors(self, name: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors of chunks already written (e.g. by an ingest that was killed): no need to embed them again."""
        if not self.has_listing(name) or not ids:
            return {}
        got = self._vector_read(lambda: self._collections(name)[1].get(ids=list(ids), include=["embeddings"]))
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    def commit_papers(self, name: str, items: Sequence[tuple[Paper, np.ndarray]], model: str) -> None:
        """Step 2: switch paper records to their new hash (with the paper's mean vector), tell readers, then drop old
        chunks. (Bumping before the clean-up: a kill in between leaves orphans for the next ingest, never readers
        whose snapshot names chunks that are gone.)"""
        papers, _ = self._collections(name, create=True)
        for start in range(0, len(items), self._batch_size()):
            batch = items[start : start + self._batch_size()]
            papers.upsert(
                ids=[p.id for p, _ in batch],
                embeddings=[np.asarray(v, dtype=np.float32).tolist() for _, v in batch],
                documents=[_paper_document(p) for p, _ in batch],
                metadatas=[_paper_metadata(p, p.content_hash) for p, _ in batch],
            )
        self.bump_version(name, model)
        self.delete_stale_chunks(name)

    def delete_stale_chunks(self, name: str) -> int:
        """Delete chunks whose hash is not their paper's current one (old versions, orphans of a killed ingest)."""
        current = self.paper_hashes(name)
        _, chunks = self._collections(name)
        stale = [
            cid
            for page in _paged_get(chunks, include=["metadatas"])
            for cid, meta in zip(page["ids"], page["metadatas"], strict=True)
            if current.get(meta["paper_id"]) != meta["hash"]
        ]
        for start in range(0, len(stale), self._batch_size()):
            chunks.delete(ids=stale[start : start + self._batch_size()])
        return len(stale)

    def _batch_size(self) -> int:
        return int(min(self._client.get_max_batch_size(), _GET_PAGE))

    def delete_papers(self, name: str, ids: Sequence[str]) -> None:
        papers, chunks = self._collections(name)
        if ids:
            papers.delete(ids=list(ids))
            chunks.delete(where={"paper_id": {"$in": list(ids)}})

    def bump_version(self, name: str, embedding_model: str) -> None:
        """Tell readers (in this or other processes) that the listing changed."""
        papers, _ = self._collections(name, create=True)
        meta = dict(papers.metadata or {})
        meta["version"] = int(meta.get("version", 0)) + 1
        meta["embedding_model"] = embedding_model
        papers.modify(metadata=meta)
        self._versions_seen[name] = meta["version"]  # our own write: no reason to reopen

    def _check_model(self, papers: Any, embedding_model: str) -> None:
        stored = (papers.metadata or {}).get("embedding_model")
        if stored and stored != embedding_model:
            raise StoreError(
                f"collection {papers.name} was embedded with {stored}, but the embedder is now {embedding_model}: "
                "ingest into a new --collection, or delete this one with `assistant delete`"
            )


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


class _RemoteGuard:
    """A Chroma HttpClient, or one of its collections, whose network failures become a StoreError that says the
    server cannot be reached and how to fix it (instead of a raw httpx exception, which the app could only call
    "something went wrong"). httpx reconnects on the next call, so the store works again once the server is back."""

    def __init__(self, target: Any, location: str) -> None:
        self._target = target
        self._location = location

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        return functools.partial(self._call, value) if callable(value) else value

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        import httpx

        try:
            result = method(*args, **kwargs)
        except httpx.TransportError as exc:
            raise StoreError(_unreachable(self._location, exc)) from None
        if hasattr(result, "query") and hasattr(result, "upsert"):  # a collection: guard its calls too
            return _RemoteGuard(result, self._location)
        return result


def _unreachable(location: str, exc: BaseException) -> str:
    return (
        f"cannot reach the Chroma server at {location} ({type(exc).__name__}); start it with "
        "`chroma run --path DIR --port PORT`, or unset ASSISTANT_CHROMA_URL to use the embedded store"
    )


def _persistent_client(path: str, chroma_settings: Any, fresh: bool = False) -> Any:
    """An embedded Chroma client. `fresh`: not the one Chroma caches per path in this process, whose in-memory
    index may lag writes made by another process since it was opened."""
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
        return PaperStore(_RemoteGuard(client, location), location)
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    path = str(settings.store_dir)
    try:
        client = _persistent_client(path, chroma_settings)
    except Exception as exc:  # noqa: BLE001
        raise StoreError(f"cannot open the store in {settings.store_dir}: {exc}") from exc
    return PaperStore(client, path, reopen=lambda: _persistent_client(path, chroma_settings, fresh=True))
