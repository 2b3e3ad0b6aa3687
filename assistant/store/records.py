"""How a listing is laid out in Chroma: the collections' names, and what each record holds (see the package
docstring for the pointer-and-generations protocol these names serve)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError, shown
from ..types import Paper

PARTS = ("papers", "chunks")  # a generation's two collections: `<name>.<generation>.<part>`
GENERATION_KEY = "generation"  # the pointer's metadata key naming the live generation
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,60}[A-Za-z0-9]$")
GET_PAGE = 5000  # records per `get` page: bounded memory on 100k-chunk collections


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


@dataclass(frozen=True)
class Live:
    """A listing's live generation as this process last resolved it."""

    generation: str
    version: int
    embedding_model: str | None
    papers: Any
    chunks: Any
    n_papers: int  # a committed generation never changes: counted once
    n_chunks: int


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


def paper_metadata(paper: Paper, content_hash: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"paper": paper_to_json(paper), "hash": content_hash}
    if paper.decision:
        meta["decision"] = paper.decision
    if paper.year:
        meta["year"] = paper.year
    return meta


def paper_document(paper: Paper) -> str:
    return f"{paper.title}\n\n{paper.abstract or ''}".strip()


def is_pointer(name: str, metadata: dict[str, Any] | None) -> bool:
    return "." not in name and bool(metadata) and GENERATION_KEY in (metadata or {})


def generation_name(name: str, generation: str, part: str) -> str:
    return f"{name}.{generation}.{part}"


def generation_names(name: str, generation: str) -> list[str]:
    """The names of a generation's collections (papers, chunks)."""
    return [generation_name(name, generation, part) for part in PARTS]


def chunk_id(paper: Paper, index: int) -> str:
    return f"{paper.id}#{paper.content_hash}#{index}"


def split_chunk_id(cid: str) -> tuple[str, str]:
    """(paper id, content hash) of a chunk id; a paper id may itself contain '#'."""
    paper_id, content_hash, _ = cid.rsplit("#", 2)
    return paper_id, content_hash


def mean_vector(vectors: np.ndarray) -> np.ndarray:
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    unit: np.ndarray = mean / norm if norm > 0 else mean
    return unit


def paged_get(collection: Any, include: list[str], where: dict[str, Any] | None = None) -> Iterable[dict[str, Any]]:
    offset = 0
    while True:
        page = collection.get(include=include, where=where, limit=GET_PAGE, offset=offset)
        if not page["ids"]:
            return
        yield page
        offset += len(page["ids"])
