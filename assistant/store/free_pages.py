"""The child process of `disk_space.give_back_free_pages` (see there for why a child): gives the pages SQLite freed
back to the filesystem. Run as a script, `python -P free_pages.py FOLDER MERGE_TEXT_INDEX ROOM_FOR_COPY` (flags
"1" or "0"); standard library only, so the child starts without importing the package.

Incremental auto-vacuum (stores created here): in steps of 4 MiB, each its own small transaction, so that it works on
a nearly full disk. Older stores: a full VACUUM, which also turns incremental auto-vacuum on, but only when the disk
can hold a second copy of the file (ROOM_FOR_COPY, measured by the parent); otherwise the pages stay free inside it
for the store's next writes. MERGE_TEXT_INDEX (after a delete or a failed build, not after every ingest: it rewrites
the whole full-text index) first clears the full-text index's tombstones. Never fails: a store busy in another
process is vacuumed next time.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from pathlib import Path

STEP_BYTES = 4 * 2**20  # one incremental-vacuum transaction
_TEXT_INDEX = "embedding_fulltext_search"  # Chroma's FTS5 table of documents


def _merge_text_index(db: sqlite3.Connection) -> None:
    """Chroma's full-text index (SQLite FTS5) keeps deleted rows as tombstones until its segments merge: a dropped
    build of the ICLR 2022 listing left 10.6 MB of them in an otherwise empty store. 'optimize' merges them away
    (FTS5's own maintenance command: the indexed content is unchanged)."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if _TEXT_INDEX in tables:
        db.execute(f"INSERT INTO {_TEXT_INDEX}({_TEXT_INDEX}) VALUES ('optimize')")


def give_back(folder: Path, merge_text_index: bool, room_for_copy: bool) -> None:
    path = folder / "chroma.sqlite3"
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=2, isolation_level=None)) as db:
            if merge_text_index:
                _merge_text_index(db)
            mode = db.execute("PRAGMA auto_vacuum").fetchone()[0]
            if mode == 2:
                step = STEP_BYTES // int(db.execute("PRAGMA page_size").fetchone()[0])
                while int(db.execute("PRAGMA freelist_count").fetchone()[0]) > 0:
                    db.execute(f"PRAGMA incremental_vacuum({step})").fetchall()
            elif int(db.execute("PRAGMA freelist_count").fetchone()[0]) and room_for_copy:
                db.execute("PRAGMA auto_vacuum = INCREMENTAL")
                db.execute("VACUUM")
    except sqlite3.Error as exc:
        print(f"could not give the free space of {path} back to the disk yet: {exc}", file=sys.stderr)


if __name__ == "__main__":
    give_back(Path(sys.argv[1]), sys.argv[2] == "1", sys.argv[3] == "1")
