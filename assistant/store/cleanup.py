"""Clean-up: deleting a listing, dropping the generations no reader uses (what killed or failed ingests left), and
giving their disk back, including the index folders Chroma itself leaves behind."""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DiskFull, StoreError
from . import disk_space
from .locks import IngestLock
from .records import GENERATION_KEY, generation_names, validate_collection_name

if TYPE_CHECKING:
    from .reads import PaperStore

log = logging.getLogger(__name__)

_SEGMENT_DIR_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def delete_listing(store: PaperStore, name: str) -> int:
    """The pointer goes first: from then on the listing is gone for every reader; its generations follow.
    Returns the bytes given back to the disk (0 for a server)."""
    validate_collection_name(name)
    folder = store._folder
    before = disk_space.folder_bytes(folder) if folder is not None else 0
    if store._pointer(name) is not None:
        store._client.delete_collection(name)
    store._live.pop(name, None)
    try:
        drop_generations(store, name, merge_text_index=True)
    except DiskFull:
        assert folder is not None
        raise DiskFull(disk_space.deleted_but_not_freed(name, folder)) from None
    return max(0, before - disk_space.folder_bytes(folder)) if folder is not None else 0


def drop_generations(
    store: PaperStore, name: str, keep: str | None = None, only: str | None = None, merge_text_index: bool = False,
    give_back: bool = True,
) -> None:
    """Drop every generation of a listing but `keep` (or only the generation `only`), and remove their index
    folders; `give_back`: also return the catalogue pages they held to the filesystem (else the store's next writes
    reuse them). Dropping nothing gives nothing back: an ingest with nothing to write must not vacuum the pages the
    last update left for the next one (9 s at 1k papers)."""
    dropped = 0
    for generation in store.generations(name):
        if generation == keep or (only is not None and generation != only):
            continue
        dropped += 1
        for collection in generation_names(name, generation):
            try:
                store._client.delete_collection(collection)
            except StoreError:
                raise
            except Exception:  # noqa: BLE001 - a half a killed ingest never created
                log.debug("collection %s was not there", collection)
    if store._folder is not None:
        remove_unused_index_folders(store._folder)
        if give_back and dropped:
            disk_space.give_back_free_pages(store._folder, merge_text_index)


def tidy(store: PaperStore, name: str) -> None:
    """Drop what killed ingests left of a listing (an ingest that had nothing to write still does this)."""
    lock = IngestLock.take_if_embedded(store._folder, name)
    try:
        drop_generations(store, name, keep=store._resolve(name, refresh=True).generation)
    finally:
        if lock is not None:
            lock.release()


def tidy_all(store: PaperStore) -> int:
    """Drop every generation that no listing has live (left by killed or failed ingests, or by a delete the disk
    was too full to finish), skipping listings an ingest is writing; then give the space back. Returns the bytes
    given back to the disk (embedded store)."""
    folder = store._folder
    assert folder is not None, "tidy_all is for the embedded store"
    before = disk_space.folder_bytes(folder)
    for name in sorted({c.name.split(".")[0] for c in store._client.list_collections() if "." in c.name}):
        try:
            lock = IngestLock.take(folder, name)
        except StoreError:
            log.info("an ingest into %s is running: left as it is", name)
            continue
        try:
            live = store._pointer(name)
            drop_generations(store, name, keep=str(live.metadata[GENERATION_KEY]) if live is not None else None)
        finally:
            lock.release()
    remove_unused_index_folders(folder)
    disk_space.give_back_free_pages(folder, merge_text_index=True)
    return max(0, before - disk_space.folder_bytes(folder))


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
