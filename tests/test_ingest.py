"""Ingest on a real persistent Chroma store: idempotence, updates, failures and kills that leave the store as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant import service
from assistant.embeddings import make_embedder
from assistant.errors import ListingError
from assistant.ingest import EmbeddingJournal, ingest_paths, plan_ingest
from assistant.store import open_store
from assistant.types import Paper

from .conftest import ICLR, ROOT, make_settings


def write_listing(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def records() -> list[dict[str, object]]:
    lines = ICLR.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:40]]


def test_plan_compares_hashes() -> None:
    a, b = Paper("a", "A", abstract="x"), Paper("b", "B", abstract="y")
    plan = plan_ingest([a, Paper("b", "B", abstract="changed")], {"a": a.content_hash, "b": b.content_hash,
                                                                     "gone": "h"}, replace=True)
    assert (plan.unchanged, plan.added, plan.updated, plan.to_remove) == (1, 0, 1, ["gone"])


@pytest.mark.slow  # three ingests into a real store
def test_reingest_adds_nothing_and_a_changed_abstract_replaces_its_chunks(tmp_path, records) -> None:
    settings = make_settings(tmp_path / "store")
    listing = write_listing(tmp_path / "l.jsonl", records)
    first = service.ingest([listing], settings, "small")
    assert (first.read, first.added, first.unchanged) == (40, 40, 0)
    info = service.stats(settings)["collections"][0]

    again = service.ingest([listing], settings, "small")
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 40, 0)
    assert service.stats(settings)["collections"][0] == info

    changed = [dict(r) for r in records]
    changed[3]["abstract"] = "We study zebra-striped quokkas in quantum gardens."
    third = service.ingest([write_listing(tmp_path / "l2.jsonl", changed)], settings, "small")
    assert (third.updated, third.unchanged) == (1, 39)
    hits = service.search("zebra-striped quokkas quantum gardens", settings, k=1, collection="small")
    assert hits[0].paper.id == records[3]["id"]
    assert "quokkas" in hits[0].passage
    # the old version's chunks are gone: chunk count is unchanged for a same-length-or-shorter abstract or lower
    assert service.stats(settings)["collections"][0]["papers"] == 40


def test_strict_ingest_of_a_bad_listing_writes_nothing(tmp_path, records) -> None:
    settings = make_settings(tmp_path / "store")
    good = write_listing(tmp_path / "good.jsonl", records[:5])
    service.ingest([good], settings, "small")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(records[6]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ListingError, match=r"bad.jsonl:2"):
        service.ingest([bad], settings, "small", strict=True)
    assert service.stats(settings)["collections"][0]["papers"] == 5


class FailingEmbedder:
    """The real embedder, made to fail on its n-th batch (fault injection, not a stand-in; 0: never), counting the
    texts it embeds."""

    def __init__(self, real, fail_on: int) -> None:
        self.real, self.fail_on, self.calls, self.texts = real, fail_on, 0, 0
        self.model_id, self.dim = real.model_id, real.dim

    def embed_documents(self, texts):
        self.calls += 1
        self.texts += len(texts)
        if self.calls == self.fail_on:
            raise RuntimeError("injected failure")
        return self.real.embed_documents(texts)

    def embed_query(self, text):
        return self.real.embed_query(text)


@pytest.mark.slow  # ingests into a real store
def test_an_ingest_failing_midway_leaves_the_previous_contents(tmp_path, records) -> None:
    settings = make_settings(tmp_path / "store")
    service.ingest([write_listing(tmp_path / "a.jsonl", records[:10])], settings, "small")
    before = service.search("graph neural networks", settings, k=5, collection="small")
    changed = [dict(r, abstract=f"Rewritten abstract number {i} about cats.") for i, r in enumerate(records)]
    store = open_store(settings)
    failing = FailingEmbedder(make_embedder(settings), fail_on=1)
    with pytest.raises(RuntimeError, match="injected"):
        ingest_paths([write_listing(tmp_path / "b.jsonl", changed)], store, failing, settings, "small")
    service.services(settings).retriever("small").refresh()
    after = service.search("graph neural networks", settings, k=5, collection="small")
    assert [h.paper.id for h in after] == [h.paper.id for h in before]
    assert service.stats(settings)["collections"][0]["papers"] == 10
    assert all("cats" not in h.passage for h in after)


@pytest.mark.slow  # a real ingest process, killed
def test_an_ingest_killed_midway_leaves_a_usable_store_and_the_next_one_finishes(tmp_path, records) -> None:
    settings = make_settings(tmp_path / "store")
    service.ingest([write_listing(tmp_path / "a.jsonl", records[:10])], settings, "small")
    more = write_listing(tmp_path / "more.jsonl", _more_records(400))
    env = {**os.environ, "ASSISTANT_STORE_DIR": str(settings.store_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest", str(more), "--collection", "small", "-q"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    journal_folder = settings.store_dir / ".ingest-resume" / "small"
    deadline = time.monotonic() + 300
    while not list(journal_folder.glob("*.npz")) and time.monotonic() < deadline:  # a first batch embedded
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()  # 400 papers take far longer than one batch
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    fresh = make_settings(tmp_path / "store")
    service._open.clear()  # a new process's view of the store
    survivors = {p.id for p in service.services(fresh).retriever("small").papers()}
    assert survivors == {str(r["id"]) for r in records[:10]}  # the listing as it was
    assert len(service.search("neural networks", fresh, k=5, collection="small")) == 5
    journal = EmbeddingJournal(fresh.store_dir / ".ingest-resume" / "small", service.services(fresh).embedder.model_id)
    embedded_before_the_kill = len(journal.load())
    assert embedded_before_the_kill > 0  # the killed run's embedding work was kept

    counting = FailingEmbedder(service.services(fresh).embedder, fail_on=0)
    store = service.services(fresh).store
    done = ingest_paths([more], store, counting, fresh, "small")
    assert done.read == 400 and done.added == 400 and done.unchanged == 0
    assert counting.texts == done.chunks - embedded_before_the_kill  # only the rest was embedded
    assert service.stats(fresh)["collections"][0]["papers"] == 410
    assert store.generations("small") == [store._resolve("small").generation]  # the killed build was dropped
    assert not journal.folder.exists()


def _more_records(n: int) -> list[dict[str, object]]:
    lines = ICLR.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[100 : 100 + n]]


@pytest.mark.slow  # builds a real store
def test_mean_vectors_serve_more_like_this(tmp_path, records) -> None:
    settings = make_settings(tmp_path / "store")
    service.ingest([write_listing(tmp_path / "a.jsonl", records)], settings, "small")
    pid = str(records[0]["id"])
    similar = service.similar(pid, settings, k=5, collection="small")
    assert len(similar) == 5 and pid not in [h.paper.id for h in similar]
    scores = [h.score for h in similar]
    assert scores == sorted(scores, reverse=True) and np.all(np.array(scores) <= 1.0001)


@pytest.mark.slow  # two ingests of the whole listing
def test_a_paper_first_seen_in_papers_cool_then_in_jsonl_is_one_paper(tmp_path) -> None:
    from assistant.listings import title_key

    from .conftest import SEED

    settings = make_settings(tmp_path / "store")
    service.ingest([SEED], settings, "seed")
    assert all(p.id.startswith("t-") for p in service.services(settings).retriever("seed").papers())
    seed_titles = {title_key(p.title) for p in service.services(settings).retriever("seed").papers()}
    lines = ICLR.read_text(encoding="utf-8").splitlines()
    same = [json.loads(x) for x in lines if title_key(json.loads(x)["title"]) in seed_titles]
    assert len(same) == 25
    summary = service.ingest([write_listing(tmp_path / "same.jsonl", same)], settings, "seed")
    assert summary.removed == 25
    papers = service.services(settings).retriever("seed").papers()
    assert len(papers) == 25 and not any(p.id.startswith("t-") for p in papers)
