"""Crash safety of ingest on the embedded store (real Chroma files, real processes).

- `assistant ingest` is killed with SIGKILL at seeded random moments while it moves a collection between two
  versions of a listing (papers added, changed and removed). Each time a fresh process opens the store, searches
  and answers; every paper it holds is one whole version (old or new) with all of that version's chunks; and the
  next ingest finishes with exact counts and leaves one generation, no stale chunk. The default run kills a few
  times; the soak is the same test with more kills:

      ASSISTANT_CRASH_KILLS=20 python -m pytest tests/test_crash_safety.py -k killed -s

- Queries running in a thread during an ingest never see a half-written paper.
- A process that keeps the store open (the app) keeps working while another process (the CLI) ingests into it.
- An index damaged from outside (a disk fault) is reported with how to rebuild, and the rebuild works.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant import service
from assistant.chunking import chunk_paper
from assistant.listings import read_listing
from assistant.retrieval.hybrid import Retriever
from assistant.settings import Settings
from assistant.types import Filters, Paper

from .conftest import ICLR, ROOT
from .store_audit import audit

pytestmark = pytest.mark.slow  # subprocesses (ingests killed or run as real processes)

COLLECTION = "crash"
KILLS = int(os.environ.get("ASSISTANT_CRASH_KILLS", "2"))
SEED = int(os.environ.get("ASSISTANT_CRASH_SEED", "20221"))
QUERY = "graph neural networks over-squashing"
_DECISIONS = {"Oral": "Spotlight", "Spotlight": "Poster", "Poster": "Oral"}


@dataclass
class Listing:
    path: Path
    papers: dict[str, Paper]

    @property
    def hashes(self) -> dict[str, str]:
        return {pid: p.content_hash for pid, p in self.papers.items()}


def write_listing(folder: Path, name: str, records: list[dict[str, object]]) -> Listing:
    """A JSONL listing with the shipped embeddings beside it, so that ingest time is store time, not embedding."""
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    shutil.copy(ICLR.with_suffix(".embeddings.npz"), path.with_suffix(".embeddings.npz"))
    return Listing(path, {p.id: p for p in read_listing(path).papers})


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Listing, Listing]:
    """Two versions of a 640-paper listing: the second drops 40 papers, adds 40 and changes the decision of two in
    three (a new content hash; the chunk text and so its embedding stay the same). Each version has over 1,000
    chunks, so that Chroma writes its index files during the build (it keeps fewer in its write log only)."""
    folder = tmp_path_factory.mktemp("crash-listings")
    rows = [json.loads(line) for line in ICLR.read_text(encoding="utf-8").splitlines()[:680]]
    changed = [dict(r, decision=_DECISIONS[str(r["decision"])]) if i % 3 else r for i, r in enumerate(rows)]
    return write_listing(folder, "v1", rows[:640]), write_listing(folder, "v2", changed[40:680])


def ingest_command(store: Path, listing: Listing, quiet: bool = True) -> list[str]:
    return [sys.executable, "-m", "assistant", "ingest", str(listing.path), "--collection", COLLECTION,
            "--replace", "--store", str(store), *(["-q"] if quiet else [])]


def run_ingest(store: Path, listing: Listing) -> tuple[str, float]:
    started = time.monotonic()
    done = subprocess.run(ingest_command(store, listing), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout, time.monotonic() - started


class WatchedIngest:
    """`assistant ingest` in its own process with its progress bar watched: `writing` is set when the bar first
    shows, that is once the first batch of chunks is in the store (or when the process ends)."""

    def __init__(self, store: Path, listing: Listing) -> None:
        self.proc = subprocess.Popen(ingest_command(store, listing, quiet=False), cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.writing = threading.Event()
        self.started = time.monotonic()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        assert self.proc.stderr is not None
        seen = b""
        while byte := self.proc.stderr.read(1):
            seen = (seen + byte)[-64:]
            if b"embedding" in seen:
                self.writing.set()
        self.writing.set()

    def wait_writing(self) -> float:
        assert self.writing.wait(300), "the ingest showed no progress"
        return time.monotonic() - self.started

    def finish(self) -> str:
        out, _ = self.proc.communicate(timeout=600)
        assert self.proc.returncode == 0
        return out.decode()


def timed_update(store: Path, listing: Listing) -> tuple[float, float]:
    """Seconds from an update's start to its first written batch, and from there to the end of its process."""
    run = WatchedIngest(store, listing)
    first = run.wait_writing()
    run.finish()
    return first, time.monotonic() - run.started - first


def kill_ingest(store: Path, listing: Listing, delay: float) -> bool:
    """Start an ingest and SIGKILL it `delay` seconds after its first written batch (a negative delay: that long
    before it, counted from the start); False if it finished first."""
    run = WatchedIngest(store, listing)
    if delay < 0:
        run.writing.wait(max(0.0, -delay))
    else:
        run.wait_writing()
        time.sleep(delay)
    if run.proc.poll() is None:
        os.kill(run.proc.pid, signal.SIGKILL)
        run.proc.wait()
        return True
    run.finish()
    return False


def audit_in_a_fresh_process(store: Path) -> dict[str, object]:
    """Open the store as a new process would after the crash: audit it, search it, answer a question."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.store_audit", "--store", str(store), "--collection", COLLECTION,
         "--query", QUERY], cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.splitlines()[-1]))


def expected_counts(stored: dict[str, str], target: Listing) -> dict[str, int]:
    """What an ingest (with --replace) of `target` must report over a store holding `stored` (id -> hash)."""
    wanted = target.hashes
    added = sum(pid not in stored for pid in wanted)
    updated = sum(pid in stored and stored[pid] != h for pid, h in wanted.items())
    return {"read": len(wanted), "added": added, "updated": updated,
            "unchanged": len(wanted) - added - updated, "removed": sum(pid not in wanted for pid in stored)}


def reported_counts(stdout: str) -> dict[str, int]:
    words = stdout.replace(",", " ").split()
    return {key: int(words[words.index(key) + 1]) for key in ("read", "added", "updated", "unchanged", "removed")}


def in_process_audit(store: Path) -> tuple[dict[str, str], int, list[str]]:
    settings = Settings(store_dir=store, auto_ingest=False)
    paper_store = service.services(settings).store
    paper_store.reopen()  # other processes wrote: read the files afresh
    found = audit(paper_store, COLLECTION, settings)
    return found.papers, found.stale, found.incomplete


@pytest.mark.timeout(180 + 60 * KILLS)  # the soak (ASSISTANT_CRASH_KILLS=20) outlasts the default 600 s
def test_an_ingest_killed_at_random_moments_never_breaks_the_store(
    tmp_path: Path, versions: tuple[Listing, Listing]
) -> None:
    v1, v2 = versions
    store = tmp_path / "store"
    run_ingest(store, v1)
    before_writes, window = timed_update(store, v2)  # a whole update, timed
    rng = random.Random(SEED)
    stored = v2.hashes
    log: list[str] = []
    phases: dict[str, int] = {}
    for kill in range(KILLS):
        before, target = (v2, v1) if kill % 2 == 0 else (v1, v2)
        # Mostly while it writes (denser early on, where the batches, the commit and the clean-up are), sometimes
        # before: a negative delay is a time from the start, while the process imports, parses and embeds.
        delay = -rng.uniform(1.0, before_writes) if rng.random() < 0.15 else window * rng.random() ** 2
        killed = kill_ingest(store, target, delay)

        seen = audit_in_a_fresh_process(store)
        assert "error" not in seen, seen  # a kill never damages the live index: it is never written to
        papers = dict(seen["papers"])  # type: ignore[call-overload]
        assert seen["incomplete"] == [] and seen["stale"] == 0, seen  # no half-written paper
        assert len(seen["hits"]) == 5 and seen["cited"], seen  # type: ignore[arg-type]
        assert set(papers) <= set(before.papers) | set(target.papers)
        for pid, h in papers.items():  # each paper is one whole version: the old one or the new one
            assert h in {before.hashes.get(pid), target.hashes.get(pid)}, pid
        moved = sum(papers.get(pid) != h for pid, h in stored.items()) + len(set(papers) - set(stored))
        left = len(seen["generations"]) - 1  # type: ignore[arg-type]

        out, _ = run_ingest(store, target)
        assert reported_counts(out) == expected_counts(papers, target), (out, kill, delay)
        stored, stale, incomplete = in_process_audit(store)
        assert stored == target.hashes and stale == 0 and incomplete == []
        assert len(audit_in_a_fresh_process(store)["generations"]) == 1  # type: ignore[arg-type]
        phase = kill_phase(killed, moved, left)
        phases[phase] = phases.get(phase, 0) + 1
        when = f"{delay:.2f} s after its first written batch" if delay >= 0 else f"{-delay:.2f} s after its start"
        log.append(f"kill {kill + 1}, {when}: {phase}: {moved} papers switched, {left} unfinished generation(s) "
                   f"left; the next ingest reported {reported_counts(out)}")
    print("\n".join(["", f"seed {SEED}, {KILLS} kills within {window:.2f} s of an update's first written batch",
                      *log, f"where the kills landed: {phases}"]))


def rebuild_listing(store: Path, target: Listing, error: str) -> None:
    """The repair a damaged index's error message gives, done as a user would: delete the listing, ingest again."""
    assert "is damaged" in error and f"assistant delete {COLLECTION}" in error, error
    deleted = subprocess.run([sys.executable, "-m", "assistant", "delete", COLLECTION, "--store", str(store)],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert deleted.returncode == 0, deleted.stderr
    out, _ = run_ingest(store, target)
    assert reported_counts(out) == expected_counts({}, target), out
    stored, stale, incomplete = in_process_audit(store)
    assert stored == target.hashes and stale == 0 and incomplete == []
    again = audit_in_a_fresh_process(store)
    assert len(again["hits"]) == 5 and again["cited"], again  # type: ignore[arg-type]


def kill_phase(killed: bool, moved: int, unfinished: int) -> str:
    """Where in the ingest the kill landed, as the store shows it."""
    if not killed:
        return "finished before the kill"
    if not moved:
        return "building the new generation (the listing untouched)" if unfinished else "before any write"
    return "switched, the old generation not yet dropped" if unfinished else "after the clean-up"


# --- readers during an ingest in the same process ------------------------------------------------------------------
@dataclass
class Observation:
    """What a reader saw: papers hit with the hash it was shown at, and invariant violations."""

    searches: int = 0
    hits: int = 0
    probes: int = 0
    problems: list[str] | None = None


def chunk_texts(paper: Paper, settings: Settings) -> set[str]:
    return {c.text for c in chunk_paper(paper, settings.chunk_tokens, settings.chunk_overlap)}


def check_hits(retriever: Retriever, versions: dict[tuple[str, str], Paper], settings: Settings,
               seen: Observation, problems: list[str]) -> None:
    for filters in (None, Filters(decision=("Oral", "Spotlight"))):
        hits = retriever.search(QUERY, k=8, filters=filters)
        seen.searches += 1
        if len(hits) != 8:
            problems.append(f"a search returned {len(hits)} papers")
        for hit in hits:
            seen.hits += 1
            version = versions.get((hit.paper.id, hit.paper.content_hash))
            if version != hit.paper:
                problems.append(f"{hit.paper.id} shown in a version neither listing has")
            elif hit.dense_score is not None and hit.passage not in chunk_texts(version, settings):
                problems.append(f"{hit.paper.id} shown with a passage of another version")


def probe_store(retriever: Retriever, seen: Observation, problems: list[str], settings: Settings) -> None:
    """Papers, then their chunks, then papers again: a paper whose hash held across the read must have every chunk of
    that hash (new chunks are written before a paper switches to them; old ones go only after it switched)."""
    store = retriever.store
    first = store.paper_hashes(COLLECTION)
    found = audit(store, COLLECTION, settings)
    again = store.paper_hashes(COLLECTION)
    seen.probes += 1
    for pid, h in first.items():
        held = again.get(pid) == h and found.papers.get(pid) == h
        if held and found.chunks.get(pid, {}).get(h, set()) != set(range(found.expected_chunks[pid])):
            problems.append(f"{pid} current at hash {h} without all its chunks")


def test_queries_during_an_ingest_never_see_a_half_written_paper(
    tmp_path: Path, versions: tuple[Listing, Listing]
) -> None:
    v1, v2 = versions
    settings = Settings(store_dir=tmp_path / "store", auto_ingest=False, collection=COLLECTION)
    service.ingest([v1.path], settings, COLLECTION)
    all_versions = {(p.id, p.content_hash): p for v in (v1, v2) for p in v.papers.values()}
    svc = service.services(settings)
    problems: list[str] = []
    seen = Observation()
    done = threading.Event()
    failure: list[BaseException] = []

    def slow_progress(finished: int, total: int) -> None:
        time.sleep(0.5)  # a slow disk: readers get time between the batches

    def ingest() -> None:
        try:
            service.ingest([v2.path], settings, COLLECTION, replace=True, progress=slow_progress)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            failure.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=ingest)
    writer.start()
    rounds = 0
    while not done.is_set():
        fresh = Retriever(svc.store, svc.embedder, settings, COLLECTION)  # a reader that starts mid-ingest
        check_hits(fresh, all_versions, settings, seen, problems)
        if rounds % 3 == 0:
            probe_store(fresh, seen, problems, settings)
        rounds += 1
    writer.join()
    assert not failure, failure
    check_hits(Retriever(svc.store, svc.embedder, settings, COLLECTION), all_versions, settings, seen, problems)
    print(f"\n{seen.searches} searches ({seen.hits} hits) and {seen.probes} store probes during the ingest")
    assert seen.searches >= 4 and seen.probes >= 2
    assert problems == []
    assert svc.store.paper_hashes(COLLECTION) == v2.hashes


# --- another process ingests while this one keeps the store open ----------------------------------------------------
def test_a_process_keeping_the_store_open_sees_another_process_ingest(
    tmp_path: Path, versions: tuple[Listing, Listing]
) -> None:
    """The app keeps the embedded store open while `assistant ingest` builds a new generation and drops the one the
    app had loaded: the app notices the new version, switches to the new generation, and finds the new papers."""
    v1, v2 = versions
    store = tmp_path / "store"
    settings = Settings(store_dir=store, auto_ingest=False, collection=COLLECTION)
    service.ingest([v1.path], settings, COLLECTION)
    only_in_v2 = sorted(set(v2.papers) - set(v1.papers))
    oral = Filters(decision=("Oral",))
    assert service.search(QUERY, settings, k=5, filters=oral)  # the index is now loaded in this process

    run_ingest(store, v2)

    retriever = service.services(settings).retriever(COLLECTION)
    retriever._checked_at = 0.0  # as if the 2 s between version checks had passed
    for pid in only_in_v2[:5]:
        paper = v2.papers[pid]
        hits = service.search(paper.title, settings, k=3, mode="dense", filters=Filters(ids=(pid,)))
        assert [h.paper.id for h in hits] == [pid]
        assert hits[0].passage in chunk_texts(paper, settings)
    assert service.search(QUERY, settings, k=5, filters=oral)
    assert service.services(settings).store.paper_hashes(COLLECTION) == v2.hashes


def test_an_index_damaged_from_outside_is_reported_with_how_to_rebuild_and_the_rebuild_works(tmp_path: Path) -> None:
    """Ingests never write to a live index, but a disk fault can still damage one. The user gets one line saying
    what happened and how to rebuild, not a traceback; the rebuild restores everything."""
    iclr = Listing(ICLR, {p.id: p for p in read_listing(ICLR).papers})  # 1,905 chunks: Chroma writes index files
    store = tmp_path / "store"
    run_ingest(store, iclr)
    index = max(store.glob("*/data_level0.bin"), key=lambda f: f.stat().st_size)  # the chunks' vector index
    index.unlink()  # lost to a disk fault (Chroma does not notice a truncated one: chroma-core/chroma#7678)
    search = subprocess.run([sys.executable, "-m", "assistant", "search", QUERY, "--store", str(store),
                             "--collection", COLLECTION], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert search.returncode == 2 and search.stderr.count("\n") == 1, search.stderr
    assert "is damaged" in search.stderr and f"`assistant delete {COLLECTION}`" in search.stderr
    seen = audit_in_a_fresh_process(store)
    rebuild_listing(store, iclr, str(seen.get("error")))
