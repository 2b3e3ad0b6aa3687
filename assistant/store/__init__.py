"""The one package that knows Chroma.

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

Modules: reads.py (`PaperStore`, the read API), builds.py (a new generation and its pointer switch) and
locks.py (the ingest lock), cleanup.py (delete, tidy, leftover generations and index folders), guard.py (Chroma's
errors turned into ones the user can act on), client.py (opening the store the settings name), records.py (the
collections' names and records), disk_space.py and index_integrity.py.
"""

from .builds import ListingBuild
from .cleanup import remove_unused_index_folders
from .client import open_store
from .guard import damaged_index
from .locks import IngestLock
from .reads import PaperStore
from .records import (
    ChunkMatch,
    StoredPaper,
    chunk_id,
    mean_vector,
    paged_get,
    paper_from_json,
    paper_to_json,
    split_chunk_id,
    validate_collection_name,
)

_paged_get = paged_get  # its name before the store became a package (tests/store_audit.py reads pages with it)

__all__ = [
    "ChunkMatch",
    "IngestLock",
    "ListingBuild",
    "PaperStore",
    "StoredPaper",
    "chunk_id",
    "damaged_index",
    "mean_vector",
    "open_store",
    "paged_get",
    "paper_from_json",
    "paper_to_json",
    "remove_unused_index_folders",
    "split_chunk_id",
    "validate_collection_name",
]
