"""Read a store the way a reader must be able to trust it, and say what is wrong: papers without all the chunks of
their current version (a half-written paper), chunks of no current version (stale orphans a killed ingest left).

Used in-process by the hardening tests, and as a command so that a store left by a killed process is opened by a
fresh process, as a user would after a crash:

    python -m tests.store_audit --store DIR --collection NAME [--query TEXT]

prints one JSON object: papers (id -> hash), stale, incomplete, chunks, generations, and the ids a search returns;
or the error a user would see (`{"error": ...}`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.chunking import chunk_paper
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.store import PaperStore, _paged_get


@dataclass
class StoreAudit:
    """One listing as stored: its papers' current hashes and which chunk indices exist under which hash."""

    papers: dict[str, str]
    expected_chunks: dict[str, int]  # paper id -> chunks its current version should have
    chunks: dict[str, dict[str, set[int]]] = field(default_factory=dict)  # paper id -> hash -> indices

    @property
    def stale(self) -> int:
        """Chunks under a hash that is not their paper's current one (or of a paper that is not there)."""
        return sum(
            len(indices)
            for pid, by_hash in self.chunks.items()
            for h, indices in by_hash.items()
            if self.papers.get(pid) != h
        )

    @property
    def incomplete(self) -> list[str]:
        """Papers whose current version lacks some of its chunks: what a reader must never see."""
        return sorted(
            pid for pid, h in self.papers.items()
            if self.chunks.get(pid, {}).get(h, set()) != set(range(self.expected_chunks[pid]))
        )

    @property
    def n_chunks(self) -> int:
        return sum(len(i) for by_hash in self.chunks.values() for i in by_hash.values())


def audit(store: PaperStore, name: str, settings: Settings) -> StoreAudit:
    """Papers first, then chunks: a paper switched to a new hash during the read has its new chunks already."""
    papers: dict[str, str] = {}
    expected: dict[str, int] = {}
    for stored in store.iter_papers(name):
        papers[stored.paper.id] = stored.content_hash
        expected[stored.paper.id] = len(chunk_paper(stored.paper, settings.chunk_tokens, settings.chunk_overlap))
    result = StoreAudit(papers, expected)
    _, chunks = store._collections(name)
    found: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for page in _paged_get(chunks, include=["metadatas"]):
        for meta in page["metadatas"]:
            found[meta["paper_id"]][meta["hash"]].add(int(meta["chunk"]))
    result.chunks = {pid: dict(by_hash) for pid, by_hash in found.items()}
    return result


def fingerprint(store: PaperStore) -> dict[str, Any]:
    """Everything a failed ingest must leave alone: every listing's papers (id -> hash), chunk ids, version."""
    out: dict[str, Any] = {}
    for name in store.listings():
        papers, chunks = store._collections(name)
        chunk_ids = sorted(i for page in _paged_get(chunks, include=[]) for i in page["ids"])
        out[name] = {"papers": store.paper_hashes(name), "chunks": chunk_ids, "version": store.version(name)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--collection", required=True)
    parser.add_argument("--query", default="graph neural networks")
    args = parser.parse_args(argv)
    from assistant import service

    settings = Settings(store_dir=args.store, llm="offline", auto_ingest=False, collection=args.collection)
    try:
        store = service.services(settings).store
        if not store.has_listing(args.collection):
            print(json.dumps({"listings": store.listings()}))
            return 0
        found = audit(store, args.collection, settings)
        hits = service.search(args.query, settings, k=5)
        answer = service.ask(args.query, [], settings)
    except AssistantError as exc:  # what the user would see, e.g. a damaged index and how to rebuild it
        print(json.dumps({"error": str(exc)}))
        return 0
    print(json.dumps({
        "listings": store.listings(),
        "papers": found.papers,
        "chunks": found.n_chunks,
        "stale": found.stale,
        "incomplete": found.incomplete,
        "generations": store.generations(args.collection),
        "hits": [h.paper.id for h in hits],
        "cited": answer.cited_ids,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
