"""What a committed generation's vector-index files must look like, checked before Chroma may load them.

Chroma's hnsw loader (native code) trusts its files: random bytes in `data_level0.bin` kill the process with SIGSEGV,
a truncated `header.bin` with a glibc abort, and a missing index folder is silently replaced by an empty index, so
that dense search returns unrelated papers. None of that can be caught in Python. So the files are described when a
generation is committed (every file of each persisted index folder: size and sha256; a committed generation is only
ever read, and reading does not rewrite a persisted index: measured over several readers), and the description is
stored in the listing's pointer, in the same metadata write that makes the generation live. A process verifies the
files before its first read of the generation; any difference means the listing is damaged, and it is reported as
such in one line, while other listings keep working. Cost: sha256 runs at about 1.4 GB/s here, 3 ms for the ICLR
2022 listing's 3.7 MB of index files.

A generation committed before this check existed has no description: it is loaded once in a child process, where a
crash cannot take this one down, and described if it loaded (under the ingest lock, so no ingest is switching the
listing meanwhile).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..hashing import sha256_file

KEY = "index_files"  # the pointer's metadata key holding the description
# Chroma writes this file when it persists an index (about every 1,000 records). An index without it was never
# persisted: every process rebuilds it from Chroma's write log in SQLite and rewrites its files at load (measured:
# their bytes differ after each load, and random bytes in them change nothing), so there is nothing to check.
_PERSISTED = "index_metadata.pickle"
PROBE_SECONDS = 300


class IndexMismatch(Exception):
    """The index files differ from their description: says which and how."""


def vector_segments(folder: Path, collections: Sequence[str]) -> dict[str, str]:
    """The vector-index folder (segment id) of each collection, from Chroma's catalogue."""
    marks = ",".join("?" * len(collections))
    query = ("SELECT c.name, s.id FROM segments s JOIN collections c ON s.collection = c.id "
             f"WHERE s.scope = 'VECTOR' AND c.name IN ({marks})")
    with contextlib.closing(sqlite3.connect(f"file:{folder / 'chroma.sqlite3'}?mode=ro", uri=True, timeout=30)) as db:
        return {name: segment for name, segment in db.execute(query, list(collections))}


def describe(folder: Path, collections: Sequence[str]) -> str:
    """The description of these collections' index files, as stored in the pointer (JSON)."""
    described: dict[str, Any] = {}
    for name, segment in vector_segments(folder, collections).items():
        index = folder / segment
        persisted = (index / _PERSISTED).is_file()
        files = sorted(f for f in index.iterdir() if f.is_file()) if persisted else []
        described[name.rsplit(".", 1)[-1]] = {
            "folder": segment, "files": {f.name: [f.stat().st_size, sha256_file(f)] for f in files},
        }
    return json.dumps(described, sort_keys=True, separators=(",", ":"))


def verify(folder: Path, description: str) -> None:
    """Raise IndexMismatch unless every described index folder holds exactly the described files."""
    for part, index in json.loads(description).items():
        where = folder / index["folder"]
        expected: dict[str, list[Any]] = index["files"]
        if not expected:
            continue  # an index Chroma never persisted: rebuilt from its write log at every load, files unread
        if not where.is_dir():
            raise IndexMismatch(f"the {part} index folder {index['folder']} is missing")
        found = {f.name: f for f in where.iterdir() if f.is_file()} if where.is_dir() else {}
        if set(found) != set(expected):
            missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
            raise IndexMismatch(f"the {part} index files changed (missing: {', '.join(missing) or 'none'}; "
                                f"unexpected: {', '.join(extra) or 'none'})")
        for name, (size, digest) in expected.items():
            actual = found[name].stat().st_size
            if actual != size:
                raise IndexMismatch(f"the {part} index file {name} is {actual} bytes, not the {size} written")
            if sha256_file(found[name]) != digest:
                raise IndexMismatch(f"the {part} index file {name} does not hold what was written (sha256 differs)")


_PROBE = """
import sys
import chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
for name in sys.argv[2:]:
    collection = client.get_collection(name, embedding_function=None)
    if collection.count():
        first = collection.get(limit=1, include=["embeddings"])
        collection.query(query_embeddings=[list(first["embeddings"][0])], n_results=1, include=["distances"])
"""


def loads_in_a_child(folder: Path, collections: Sequence[str]) -> str | None:
    """Load these collections' indexes in a child process; None if it worked, else how the child ended."""
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE, str(folder), *collections], capture_output=True,
                              text=True, timeout=PROBE_SECONDS)
    except subprocess.TimeoutExpired:
        return f"loading its index took over {PROBE_SECONDS} s"
    if done.returncode == 0:
        return None
    if done.returncode < 0:
        return f"loading its index crashed the process (signal {-done.returncode})"
    last = (done.stderr.strip().splitlines() or ["no message"])[-1]
    return f"loading its index failed ({last[:200]})"
