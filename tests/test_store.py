"""The store's generation protocol on a real embedded Chroma (assistant/store/): a listing changes only when a
new generation is committed; anything else leaves it exactly as it was, and no disk space behind."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import CollectionNotFound, StoreError
from assistant.store import PaperStore

from .conftest import ROOT
from .helpers import MODEL, build_listing, embedded, item, paper


def index_folders(folder: Path) -> int:
    return sum(1 for d in folder.iterdir() if d.is_dir() and len(d.name) == 36)


def unused_index_folders(folder: Path) -> list[str]:
    """Index folders no segment in Chroma's catalogue names (what a dropped collection leaves in Chroma 1.5)."""
    with sqlite3.connect(folder / "chroma.sqlite3") as db:
        used = {row[0] for row in db.execute("SELECT id FROM segments")}
    return [d.name for d in folder.iterdir() if d.is_dir() and len(d.name) == 36 and d.name not in used]


def test_a_commit_makes_the_new_generation_live_and_drops_the_old(tmp_path: Path) -> None:
    store = embedded(tmp_path)
    assert build_listing(store, "demo", [paper(i) for i in range(5)]) == 1
    first = store.generations("demo")
    changed = paper(2, abstract="about cats")
    assert build_listing(store, "demo", [changed, paper(9)], keep={"p0", "p1", "p3"}) == 2
    assert store.paper_hashes("demo") == {p.id: p.content_hash for p in
                                          [paper(0), paper(1), changed, paper(3), paper(9)]}
    assert store.listing_info("demo")["chunks"] == 10
    assert len(store.generations("demo")) == 1 and store.generations("demo") != first
    assert store.listings() == ["demo"] and unused_index_folders(tmp_path) == []


def test_the_copied_papers_keep_their_vectors_and_chunks(tmp_path: Path) -> None:
    store = embedded(tmp_path)
    build_listing(store, "demo", [paper(i) for i in range(4)])
    before = store.paper_vectors("demo", ["p1"])["p1"]
    vector = item(paper(1))[2][0]
    build_listing(store, "demo", [paper(7)], keep={"p0", "p1", "p2", "p3"})
    assert np.allclose(store.paper_vectors("demo", ["p1"])["p1"], before)
    nearest = store.query_chunks("demo", vector, 1)
    assert nearest[0].id == "p1#" + paper(1).content_hash + "#0" and nearest[0].text == "Paper 1 part 0"


@pytest.mark.slow  # a failing build in a child process
def test_a_build_that_fails_leaves_the_listing_as_it_was_and_no_folder_behind(tmp_path: Path) -> None:
    store = embedded(tmp_path)
    build_listing(store, "demo", [paper(i) for i in range(3)])
    hashes, info, folders = store.paper_hashes("demo"), store.listing_info("demo"), index_folders(tmp_path)
    with pytest.raises(RuntimeError, match="midway"), store.build("demo", MODEL) as build:
        build.add([item(paper(i, "rewritten")) for i in range(1200)])  # enough for Chroma to write index files
        raise RuntimeError("failed midway")
    assert store.paper_hashes("demo") == hashes and store.listing_info("demo") == info
    assert len(store.generations("demo")) == 1 and index_folders(tmp_path) == folders


@pytest.mark.slow  # a real build process, killed
def test_a_killed_build_even_with_torn_index_files_leaves_the_listing_readable_and_is_dropped(tmp_path: Path) -> None:
    store = embedded(tmp_path)
    build_listing(store, "demo", [paper(i) for i in range(3)])
    live = store.generations("demo")
    folders_before = {d.name for d in tmp_path.iterdir() if d.is_dir()}
    script = (
        "import os, sys; sys.path.insert(0, '.'); from tests.test_store import *\n"
        f"store = embedded(Path({str(tmp_path)!r}))\n"
        "build = store.build('demo', MODEL)\n"
        "build.add([item(paper(i, 'new')) for i in range(1500)])\n"
        "os._exit(9)  # no clean-up, as after a SIGKILL\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 9, done.stderr
    torn = [d for d in tmp_path.iterdir() if d.is_dir() and d.name not in folders_before]
    assert torn  # 1,500 records: Chroma wrote the unfinished generation's index files
    for folder in torn:  # as if the kill had landed while Chroma wrote them: unreadable if anything loaded them
        (folder / "length.bin").unlink()
    fresh = embedded(tmp_path)
    fresh.reopen()
    assert len(fresh.generations("demo")) == 2  # the live one and the unfinished one
    assert fresh.paper_hashes("demo") == {f"p{i}": paper(i).content_hash for i in range(3)}
    assert fresh.query_chunks("demo", item(paper(1))[2][0], 1)[0].paper_id == "p1"
    folders = index_folders(tmp_path)
    fresh.tidy("demo")
    assert fresh.generations("demo") == live
    assert index_folders(tmp_path) == folders - 2 and unused_index_folders(tmp_path) == []  # its index files too


def test_a_second_ingest_into_the_same_listing_is_refused_while_one_runs(tmp_path: Path) -> None:
    store = embedded(tmp_path)
    build_listing(store, "demo", [paper(0)])
    with store.build("demo", MODEL), pytest.raises(StoreError, match="another ingest into listing 'demo'"):
        store.build("demo", MODEL)
    with store.build("demo", MODEL) as build:  # the lock went with the first build
        build.discard()


def test_a_reader_holding_the_old_generation_reads_the_new_one_after_a_switch(tmp_path: Path) -> None:
    reader = embedded(tmp_path)
    build_listing(reader, "demo", [paper(i) for i in range(3)])
    assert set(reader.paper_hashes("demo")) == {"p0", "p1", "p2"}  # resolved and cached
    reopen = reader._reopen
    assert reopen is not None  # an embedded store can open a fresh client
    writer = PaperStore(reopen(), reader.location, folder=tmp_path)  # as another process would
    build_listing(writer, "demo", [paper(5)], keep={"p0"})  # the old generation is dropped
    vector = item(paper(5))[2][0]
    assert reader.query_chunks("demo", vector, 1)[0].paper_id == "p5"
    assert set(reader.paper_hashes("demo")) == {"p0", "p5"}
    assert reader.version("demo") == 2


def test_an_embedder_change_is_refused_with_how_to_fix_it(tmp_path: Path) -> None:
    store = embedded(tmp_path)
    build_listing(store, "demo", [paper(0)])
    with pytest.raises(StoreError, match="was embedded with test-model.*new --collection"):
        store.build("demo", "other-model")


def test_listings_ignore_other_collections_and_a_deleted_listing_is_gone(tmp_path: Path) -> None:
    store = embedded(tmp_path)
    store._client.create_collection("someone-elses", embedding_function=None)
    build_listing(store, "demo", [paper(0)])
    assert store.listings() == ["demo"]
    store.delete_listing("demo")
    assert store.listings() == [] and store.generations("demo") == [] and unused_index_folders(tmp_path) == []
    with pytest.raises(CollectionNotFound, match="assistant ingest PATH --collection demo"):
        store.paper_hashes("demo")


def test_without_a_lock_a_second_build_fails_the_first_and_the_listing_stays_whole(tmp_path: Path) -> None:
    """What a Chroma server (no ingest lock) allows: two builds of one listing at once. The second drops the first
    one's unfinished generation as left over, so the first fails when it next writes, and dropping its own
    generation on the way out never touches the one that went live meanwhile."""
    store = PaperStore(embedded(tmp_path)._client, "server-like")  # no folder: no lock, as for a server
    build_listing(store, "demo", [paper(0)])
    with pytest.raises(Exception, match="does not exist"), store.build("demo", MODEL) as first:
        first.add([item(paper(1))])
        assert build_listing(store, "demo", [paper(2)], keep={"p0"}) == 2  # another ingest goes live meanwhile
        first.add([item(paper(3))])
    assert set(store.paper_hashes("demo")) == {"p0", "p2"} and len(store.generations("demo")) == 1
    assert store.version("demo") == 2


def test_an_update_leaves_the_old_versions_pages_for_the_next_one_and_the_file_does_not_grow(tmp_path: Path) -> None:
    """Giving an update's freed pages back to the filesystem took longer than the update (9 of 17 s at 1k papers):
    they stay free inside the catalogue, the next update writes into them, so the file stays at its working size.
    A delete gives them back."""
    from assistant.store import disk_space

    store = embedded(tmp_path)
    papers = [paper(i, "about graphs " * 40) for i in range(60)]
    build_listing(store, "updates", papers)
    build_listing(store, "updates", papers)  # a second version: the first one's pages are freed inside the file
    catalogue = tmp_path / "chroma.sqlite3"
    working = catalogue.stat().st_size
    assert disk_space.reusable_bytes(tmp_path) > 0
    for _ in range(3):
        build_listing(store, "updates", papers)
    assert catalogue.stat().st_size <= 1.1 * working
    kept = disk_space.reusable_bytes(tmp_path)
    store.tidy("updates")  # what an ingest with nothing to write does: nothing to drop, so nothing to vacuum
    assert disk_space.reusable_bytes(tmp_path) == kept > 0
    store.delete_listing("updates")
    assert disk_space.reusable_bytes(tmp_path) == 0  # a delete gives the space back


# --- round three: a damaged catalogue (docs/reliability.md) --------------------------------------------------------
def _damage(catalogue: Path, how: str) -> None:
    if how == "random-bytes":
        catalogue.write_bytes(np.random.default_rng(7).bytes(200_000))
    elif how == "truncated":
        with catalogue.open("r+b") as f:
            f.truncate(50_000)
    else:
        catalogue.write_bytes(b"")


@pytest.mark.parametrize("how", ["random-bytes", "truncated", "empty"])
def test_a_damaged_catalogue_is_named_with_its_fix_and_never_replaced(tmp_path: Path, how: str) -> None:
    """Before: an empty chroma.sqlite3 read as a new store ("no collections yet", then a fresh catalogue written
    over it beside the old index folders); random bytes or a cut file gave SQLite's words with no way out."""
    folder = tmp_path / "store"
    build_listing(embedded(folder), "damaged", [paper(i) for i in range(30)])
    catalogue = folder / "chroma.sqlite3"
    _damage(catalogue, how)
    damaged = catalogue.read_bytes()
    with pytest.raises(StoreError) as refused:
        embedded(folder)
    assert "move the folder aside" in str(refused.value) and "assistant ingest" in str(refused.value)
    assert catalogue.read_bytes() == damaged  # nothing written over what is left
