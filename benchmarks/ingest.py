"""Ingest throughput (papers/s) and peak memory for the 1,095-paper ICLR 2022 listing, and the time from a fresh
store to the first answered search.

Each measurement runs in its own child process, so that peak RSS is that of the phase alone and nothing is warm:
- cold:  the listing copied to a folder without its shipped embeddings, into a fresh store (every chunk embedded);
- warm:  the shipped listing, whose precomputed embeddings (service.shipped_cache_path) are verified and reused;
- first: a fresh store and a new process doing what a first run does: ingest the default listing, then answer one
         search, timed from the process start (imports included);
- update: after a warm ingest, the listing again with 10 papers' decisions changed: what an update costs now that
          every ingest builds the listing's next generation beside the live one (assistant/store/); then the same
          listing once more (nothing changed, nothing built);
- update100k (--update-100k): the same 10-paper update of the generated 100k-chunk listing that
          benchmarks/search_latency.py builds (reused from --workdir when it is there).

    python benchmarks/ingest.py [--workdir /tmp/assistant-bench] [--skip-cold] [--update-100k] [--json F]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from _common import ICLR_LISTING, QUESTIONS, ROOT, bench_settings, peak_rss_mib, print_machine, write_json

from assistant import service
from assistant.chunking import chunk_paper


def child(phase: str, workdir: Path, listing: Path) -> dict[str, Any]:
    """One phase, run inside the child process; returns its figures."""
    started = time.perf_counter()
    store = workdir / f"store-{phase}"
    shutil.rmtree(store, ignore_errors=True)
    if phase == "first":
        settings = bench_settings(store, default_listing=listing, auto_ingest=True, collection="iclr2022")
        summary = service.ensure_default_listing(settings)
        hits = service.search(QUESTIONS[0], settings, k=10)
        assert summary is not None and hits, "the first run neither ingested nor found anything"
        return {"seconds": round(time.perf_counter() - started, 1), "ingest_s": round(summary.seconds, 1),
                "top_hit": hits[0].paper.id, "peak_rss_mib": round(peak_rss_mib())}
    if phase == "update":
        return update(workdir, listing, store)
    if phase == "update100k":
        return update_100k(workdir, listing)
    source = listing
    if phase == "cold":  # no embeddings cache beside the copy: every chunk is embedded
        source = workdir / "cold-listing" / listing.name
        source.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(listing, source)
    settings = bench_settings(store, collection="iclr2022")
    summary = service.ingest([source], settings, "iclr2022")
    return {
        "papers": summary.read, "chunks": summary.chunks, "seconds": round(summary.seconds, 1),
        "papers_per_s": round(summary.read / summary.seconds, 1), "peak_rss_mib": round(peak_rss_mib()),
        "process_s": round(time.perf_counter() - started, 1),
    }


def update(workdir: Path, listing: Path, store: Path) -> dict[str, Any]:
    settings = bench_settings(store, collection="iclr2022")
    first = service.ingest([listing], settings, "iclr2022")
    rows = [json.loads(line) for line in listing.read_text(encoding="utf-8").splitlines()]
    for row in rows[:10]:
        row["decision"] = "Oral" if row.get("decision") != "Oral" else "Poster"
    changed = workdir / "update-listing" / listing.parent.name / listing.name  # the folder name gives venue, year
    changed.parent.mkdir(parents=True, exist_ok=True)
    changed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    shutil.copy(service.shipped_cache_path(listing), service.shipped_cache_path(changed))
    summary = service.ingest([changed], settings, "iclr2022")
    assert summary.updated == 10 and summary.unchanged == len(rows) - 10, summary
    again = service.ingest([changed], settings, "iclr2022")  # nothing changed: nothing is built
    assert again.unchanged == len(rows), again
    return {"full_ingest_s": round(first.seconds, 2), "update_10_s": round(summary.seconds, 2),
            "update_vs_full": round(summary.seconds / first.seconds, 2), "unchanged_s": round(again.seconds, 2),
            "peak_rss_mib": round(peak_rss_mib())}


def update_100k(workdir: Path, listing: Path) -> dict[str, Any]:
    from search_latency import SYN_PAPERS, build_1k, build_100k

    settings = build_100k(workdir, build_1k(workdir, listing), SYN_PAPERS)
    svc = service.services(settings)
    stored = [s.paper for s in svc.store.iter_papers("synthetic")]
    changed = [replace(p, decision="Oral") for p in stored[:10]]
    chunked = [(p, chunk_paper(p, settings.chunk_tokens, settings.chunk_overlap)) for p in changed]
    items = [(p, chunks, svc.embedder.embed_documents([c.text for c in chunks])) for p, chunks in chunked]
    started = time.perf_counter()
    with svc.store.build("synthetic", svc.embedder.model_id) as build:
        build.copy({p.id for p in stored[10:]})
        build.add(items)
        build.commit()
    seconds = time.perf_counter() - started
    info = svc.store.listing_info("synthetic")
    return {"papers": info["papers"], "chunks": info["chunks"], "update_10_s": round(seconds, 1),
            "peak_rss_mib": round(peak_rss_mib())}


def run_child(phase: str, workdir: Path, listing: Path) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", phase, "--workdir", str(workdir), "--listing", str(listing)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/assistant-bench"))
    parser.add_argument("--listing", type=Path, default=ICLR_LISTING)
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold ingest (minutes on 2 cores)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--update-100k", action="store_true", help="also time an update of a 100k-chunk listing")
    parser.add_argument("--child", choices=["cold", "warm", "first", "update", "update100k"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.workdir, args.listing)))
        return 0
    info = print_machine()
    args.workdir.mkdir(parents=True, exist_ok=True)
    shipped = service.shipped_cache_path(args.listing)
    phases = [] if args.skip_cold else ["cold"]
    phases += ["warm", "first", "update"] if shipped.exists() else ["first"]
    phases += ["update100k"] if args.update_100k else []
    if not shipped.exists():
        print(f"no shipped embeddings at {shipped}: warm ingest not measured, first run embeds everything")
    results = {}
    for phase in phases:
        results[phase] = run_child(phase, args.workdir, args.listing)
        print(f"{phase}: {results[phase]}", flush=True)
    if "cold" in results and "warm" in results:
        speedup = results["cold"]["seconds"] / max(results["warm"]["seconds"], 0.01)
        print(f"warm ingest is {speedup:.1f}x faster than cold")
    write_json(args.json, {"machine": info, "listing": str(args.listing), "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
