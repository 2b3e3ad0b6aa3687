"""Search latency p50/p95 per mode, at 1k papers (the ICLR 2022 listing) and at 100k chunks (a generated corpus),
for the embedded store and for a Chroma server (`chroma run`), with the time split into query embedding, vector
search, BM25 and fusion (Retriever.last_timings).

The 100k-chunk corpus is generated, not embedded (embedding 100k chunks would take an hour on 2 cores):
- text: 50,000 papers, each a real ICLR title plus 6 sentences drawn at random (fixed seed) from the ICLR
  abstracts, in 2 chunks of 3 sentences;
- vectors: each chunk's vector is a real ICLR chunk embedding (from the 1k store) plus Gaussian noise (fixed seed)
  scaled so that its cosine to the original is about 0.9, then renormalised: the clusters of real data, without
  100k duplicates.
Queries are 20 hand-written questions, each asked `--repeats` times, with the query-embedding cache bypassed.

    python benchmarks/search_latency.py [--workdir /tmp/assistant-bench] [--repeats 5] [--skip-100k] [--skip-server]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    ICLR_LISTING,
    QUESTIONS,
    bench_settings,
    chroma_server,
    print_machine,
    stats_ms,
    write_json,
)

from assistant import service
from assistant.keyword_index import split_sentences
from assistant.retrieval.hybrid import Retriever
from assistant.settings import Settings
from assistant.store import PaperStore
from assistant.types import Chunk, Paper, SearchMode

MODES: tuple[SearchMode, ...] = ("hybrid", "dense", "bm25")
SYN_PAPERS = 50_000
SYN_CHUNKS_PER_PAPER = 2
NOISE_COSINE = 0.9


# --- the two stores ------------------------------------------------------------------------------------------------
def build_1k(workdir: Path, listing: Path) -> Settings:
    settings = bench_settings(workdir / "store-1k", collection="iclr2022")
    started = time.perf_counter()
    summary = service.ingest([listing], settings, "iclr2022")
    print(f"1k store: {summary.read} papers, {summary.added} added ({time.perf_counter() - started:.1f} s)")
    return settings


def build_100k(workdir: Path, source: Settings, n_papers: int) -> Settings:
    settings = bench_settings(workdir / "store-100k", collection="synthetic")
    store = service.services(settings).store
    if store.has_listing("synthetic") and store.listing_info("synthetic")["chunks"] == n_papers * 2:
        print("100k store: reusing", settings.store_dir)
        return settings
    store.delete_listing("synthetic")
    started = time.perf_counter()
    papers, vectors = _source_material(service.services(source).store)
    model = service.services(settings).embedder.model_id
    _write_synthetic(store, papers, vectors, model, n_papers)
    info = store.listing_info("synthetic")
    took = time.perf_counter() - started
    print(f"100k store: {info['papers']} papers, {info['chunks']} chunks written in {took:.0f} s")
    return settings


def _source_material(store: PaperStore) -> tuple[list[Paper], np.ndarray]:
    papers = [s.paper for s in store.iter_papers("iclr2022")]
    _, chunks = store._collections("iclr2022")  # the benchmark reads the real chunk vectors once
    got = chunks.get(include=["embeddings"], limit=100_000)
    return papers, np.asarray(got["embeddings"], dtype=np.float32)


def _write_synthetic(store: PaperStore, papers: list[Paper], vectors: np.ndarray, model: str, n_papers: int) -> None:
    rng = random.Random(20221)
    noise = np.random.default_rng(20221)
    sentences = [s for p in papers for s in split_sentences(p.abstract or "")]
    titles = [p.title for p in papers]
    # cos(v, v + e) = 1 / sqrt(1 + dim * sigma^2) for a unit v and e ~ N(0, sigma^2 I)
    sigma = float(np.sqrt((1 / NOISE_COSINE**2 - 1) / vectors.shape[1]))
    batch: list[tuple[Paper, list[Chunk], np.ndarray]] = []
    build = store.build("synthetic", model)
    for i in range(n_papers):
        title = f"{rng.choice(titles)} ({i})"
        parts = [rng.sample(sentences, 3) for _ in range(SYN_CHUNKS_PER_PAPER)]
        paper = Paper(id=f"syn{i:06d}", title=title, abstract=" ".join(s for part in parts for s in part), year=2022)
        chunks = [Chunk(paper.id, j, f"{title}\n\n{' '.join(part)}", 0) for j, part in enumerate(parts)]
        base = vectors[noise.integers(0, len(vectors), SYN_CHUNKS_PER_PAPER)]
        vecs = base + noise.normal(0, sigma, base.shape).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        batch.append((paper, chunks, vecs))
        if len(batch) == 2000 or i == n_papers - 1:
            build.add(batch)
            batch = []
            print(f"  {i + 1} papers written", end="\r", flush=True)
    print()
    build.commit()


# --- timing ----------------------------------------------------------------------------------------------------------
def measure(settings: Settings, repeats: int) -> dict[str, Any]:
    svc = service.services(settings)
    svc.retriever(settings.collection)  # raises if the collection is missing
    embedder = getattr(svc.embedder, "inner", svc.embedder)  # bypass the query-vector cache: every query is new
    retriever = Retriever(svc.store, embedder, settings, settings.collection)
    started = time.perf_counter()
    retriever.search(QUESTIONS[0], k=10)
    out: dict[str, Any] = {"first_search_s": round(time.perf_counter() - started, 2)}
    for mode in MODES:
        samples: list[float] = []
        stages: dict[str, float] = {}
        for _ in range(repeats):
            for question in QUESTIONS:
                t = time.perf_counter()
                retriever.search(question, k=10, mode=mode)
                samples.append((time.perf_counter() - t) * 1000)
                for stage, ms in retriever.last_timings.as_dict().items():
                    stages[stage] = stages.get(stage, 0.0) + ms
        out[mode] = {**stats_ms(samples), **{k: round(v / len(samples), 2) for k, v in stages.items()}}
    return out


def measure_server(settings: Settings, workdir: Path, label: str, repeats: int) -> dict[str, Any]:
    """The same store served by `chroma run` (a copy of its folder, so the embedded client is not disturbed)."""
    copy = workdir / f"server-{label}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(settings.store_dir, copy)
    with chroma_server(copy) as url:
        return measure(settings.with_overrides(chroma_url=url, store_dir=copy), repeats)


def print_table(results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{'corpus / backend':<24}{'mode':<8}{'p50 ms':>8}{'p95 ms':>8}{'embed':>8}{'vector':>8}{'bm25':>8}"
          f"{'fusion':>8}")
    for label, per_mode in results.items():
        for mode in MODES:
            r = per_mode[mode]
            print(f"{label:<24}{mode:<8}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['embed_ms']:>8.1f}"
                  f"{r['dense_ms']:>8.1f}{r['bm25_ms']:>8.1f}{r['fusion_ms']:>8.2f}")
    for size in ("1k papers", "100k chunks"):
        emb, srv = results.get(f"{size} / embedded"), results.get(f"{size} / server")
        if emb and srv:
            ratio = ", ".join(f"{m} {srv[m]['p50_ms'] / emb[m]['p50_ms']:.2f}x" for m in MODES)
            print(f"{size}: server / embedded p50: {ratio}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/assistant-bench"))
    parser.add_argument("--repeats", type=int, default=5, help="times each of the 20 questions is asked per mode")
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--listing", type=Path, default=ICLR_LISTING, help="the 1k-paper listing")
    parser.add_argument("--syn-papers", type=int, default=SYN_PAPERS, help="generated papers (2 chunks each)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    info = print_machine()
    args.workdir.mkdir(parents=True, exist_ok=True)
    small = build_1k(args.workdir, args.listing)
    stores = {"1k papers": small}
    if not args.skip_100k:
        stores["100k chunks"] = build_100k(args.workdir, small, args.syn_papers)
    results: dict[str, dict[str, Any]] = {}
    for label, settings in stores.items():
        results[f"{label} / embedded"] = measure(settings, args.repeats)
        if not args.skip_server:
            results[f"{label} / server"] = measure_server(settings, args.workdir, label.split()[0], args.repeats)
        print(f"{label}: done", flush=True)
    print_table(results)
    write_json(args.json, {"machine": info, "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
