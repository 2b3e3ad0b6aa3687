"""Disk space for the embedded store: how much a build needs, whether the disk has it, and giving space back.

Why this is its own concern: Chroma does not say "disk full" reliably. SQLite's "database or disk is full" surfaces
as such only sometimes; as often the same failure arrives as "Failed to apply logs to the metadata segment", which
reads like a damaged index. And a full disk is not only a failed write: SQLite needs free space to *delete* too (its
rollback journal holds every page a delete changes), so a build that fills the disk cannot be dropped afterwards,
and the space stays taken. Hence three rules, all measured on the disk itself:
- before a build, its size is estimated (vectors x dimensions x 4 bytes, plus its text, each times the copies Chroma
  keeps; times a safety factor) and the build refused when the disk lacks it;
- during a build, before each write, the disk must still hold the room the build's own removal needs (a share of
  what it has written so far) plus the next write and a margin; otherwise the build stops while it can still be
  dropped;
- after a drop, the freed pages go back to the filesystem (SQLite keeps them inside its file otherwise): stores
  made here are created with SQLite's incremental auto-vacuum; older ones are vacuumed when there is room.

Figures behind the constants (ICLR 2022, 1,095 papers, 1,905 chunks, 384 dimensions, Chroma 1.5): a fresh build's
files take 40.7 MiB (SQLite's file most of it: paper records, documents, their full-text index, the write log; the
vector-index folders 3.6 MiB); the estimate below gives 40.0 MiB, and the safety factor covers the difference.
"""

from __future__ import annotations

import contextlib
import logging
import math
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DiskFull

log = logging.getLogger(__name__)

MIB = 2**20
VECTOR_COPIES = 3  # a vector lives in Chroma's write log and its vector index (and the index keeps spare room)
TEXT_COPIES = 5  # a paper's text: its record, its documents, their full-text index, the write log's copies
SAFETY = 1.5  # on top of the estimate: its error, and room to remove the build again should it fail
REMOVAL_ROOM = 0.5  # free space a drop needs, as a share of what it drops (dropping 41 MB needed 4-12 MB)
MARGIN = 16 * MIB  # never let a build take the disk below this: SQLite's journal and Chroma's log need room
CHARS_PER_TOKEN = 4  # English text under the chunker's tokenizer (tiktoken): about 4.5 measured; 4 overestimates
# What SQLite and the OS say when the disk is full (SQLite's code 13 is SQLITE_FULL; errno 28 is ENOSPC)
_FULL_SIGNS = ("database or disk is full", "(code: 13)", "No space left on device", "os error 28", "Errno 28")


def free_bytes(folder: Path) -> int:
    """Free bytes on the filesystem holding `folder` (for an unprivileged user)."""
    return shutil.disk_usage(folder).free


def says_disk_full(text: str) -> bool:
    return any(sign in text for sign in _FULL_SIGNS)


def looks_full(folder: Path) -> bool:
    """Whether the disk is (nearly) full: what an ambiguous Chroma write failure then most likely means."""
    return free_bytes(folder) < 2 * MARGIN


def estimate_bytes(n_vectors: int, dim: int, text_bytes: int) -> int:
    """Disk a generation (or part of one) takes: its vectors and its text, each times the copies Chroma keeps."""
    return n_vectors * dim * 4 * VECTOR_COPIES + text_bytes * TEXT_COPIES


def estimate_chunks(text_chars: int, chunk_tokens: int, overlap: int) -> int:
    """How many chunks a paper's text makes, from its length (chunking itself costs 1.5 ms a paper)."""
    stride = max(1, chunk_tokens - overlap)
    return max(1, math.ceil(text_chars / CHARS_PER_TOKEN / stride))


def mib(n: float) -> str:
    return f"{n / MIB:,.1f} MiB"


@dataclass
class SpaceGuard:
    """One build's watch over the disk (see the module docstring): `check_before_build` once, `check_before_write`
    before every write. Both raise DiskFull before anything is written that could not be removed again."""

    folder: Path
    listing: str
    free_at_start: int = 0

    def __post_init__(self) -> None:
        self.free_at_start = free_bytes(self.folder)

    def check_before_build(self, needed: int) -> None:
        wanted = int(needed * SAFETY) + MARGIN
        if self.free_at_start < wanted:
            raise DiskFull(
                f"not enough disk space for the new version of listing {self.listing!r}: it needs about "
                f"{mib(wanted)} free (an estimate, with a safety margin) and the disk holding {self.folder} has "
                f"{mib(self.free_at_start)} free. Nothing was written; the listing is as it was. Free some space on "
                "that disk (or use --store on a larger one), then ingest again"
            )

    def check_before_write(self, needed: int) -> None:
        free = free_bytes(self.folder)
        removal = int(max(0, self.free_at_start - free) * REMOVAL_ROOM)  # what dropping this build will journal
        if free < removal + needed + MARGIN:
            raise DiskFull(self.stopped_message(free, removal + needed + MARGIN))

    def stopped_message(self, free: int, wanted: int | None = None) -> str:
        need = f"it needed about {mib(wanted)} free to go on, " if wanted else ""
        return (
            f"the disk holding {self.folder} is full: the new version of listing {self.listing!r} was stopped before "
            f"it filled it ({need}{mib(free)} free). The unfinished version was removed and its space given back; "
            "the listing is as it was. Free some space on that disk (or use --store on a larger one), then ingest "
            "again"
        )


def full_disk_message(location: str, remote: bool = False) -> str:
    """A write Chroma could not make for lack of space: SQLite rolled it back, so nothing was lost."""
    if remote:
        where = f"the disk of the Chroma server at {location} is full"
    else:
        where = f"the disk holding {location} is full ({mib(free_bytes(Path(location)))} free)"
    return (f"{where}: Chroma could not write to the store. Nothing was lost: every listing is as it was before "
            "this write. Free some space on that disk, then try again")


def deleted_but_not_freed(listing: str, folder: Path) -> str:
    return (
        f"listing {listing!r} was deleted, but the disk holding {folder} is too full to give its space back yet "
        f"({mib(free_bytes(folder))} free; removing its files needs some room: about a quarter of their size). Free "
        "a little space on that disk, then run `assistant tidy`, which finishes the job"
    )


def folder_bytes(folder: Path) -> int:
    """Bytes the store's files take (SQLite catalogue and index folders)."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def remove_files(folders: Iterable[Path]) -> int:
    """Delete these index folders; returns the bytes they held."""
    freed = 0
    for folder in folders:
        if folder.is_dir():
            freed += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            shutil.rmtree(folder, ignore_errors=True)
    return freed


def create_catalogue(folder: Path) -> None:
    """Create Chroma's SQLite file before Chroma does, with incremental auto-vacuum on (SQLite allows turning it on
    only before the first table exists): dropped listings can then give their pages back to the filesystem without
    a full VACUUM, which would need as much free space again as the file holds."""
    path = folder / "chroma.sqlite3"
    if path.exists():
        return
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.execute("CREATE TABLE store_created_with_auto_vacuum (x)")  # writes the header that holds the setting
        db.execute("DROP TABLE store_created_with_auto_vacuum")
        db.commit()


def give_back_free_pages(folder: Path, merge_text_index: bool = False) -> int:
    """Return the pages SQLite freed (dropped listings) to the filesystem; returns the bytes the file shrank.

    Done in a child process, never in this one: Chroma has the same file open here through its own copy of SQLite,
    and two SQLite copies in one process do not see each other's POSIX locks (locks are per process, and closing
    either's file descriptor drops both's), so a vacuum from here rewrote pages under Chroma's readers ("database
    disk image is malformed", found by test_crash_safety's readers during an ingest). Across processes SQLite's
    locking holds: a busy store makes the child give up (2 s timeout) and the pages are given back next time. The
    child runs free_pages.py as a plain script (standard library only, `-P`: its folder is not put on sys.path), so
    it does not import this package (numpy and the store's modules): measured 0.06-0.19 s a start against
    0.5-1.0 s for a child importing the package (2 cores, load average 5.5), once after every ingest and delete.

    A full VACUUM (older stores only, see free_pages.py) needs a second copy of the file: it is allowed only when
    the disk has room for one."""
    path = folder / "chroma.sqlite3"
    if not path.is_file():
        return 0
    before = path.stat().st_size
    room_for_copy = free_bytes(folder) > 2 * before
    child = [sys.executable, "-P", str(Path(__file__).with_name("free_pages.py")), str(folder),
             "1" if merge_text_index else "0", "1" if room_for_copy else "0"]
    try:
        subprocess.run(child, check=True, capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as exc:
        log.warning("could not give the free space of %s back to the disk yet: %s", path, exc)
    return max(0, before - path.stat().st_size)


def reusable_bytes(folder: Path) -> int:
    """Bytes free inside the SQLite file: reused by the store's next writes, not given back to the filesystem."""
    path = folder / "chroma.sqlite3"
    if not path.is_file():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as db:
        pages = int(db.execute("PRAGMA freelist_count").fetchone()[0])
        return pages * int(db.execute("PRAGMA page_size").fetchone()[0])
