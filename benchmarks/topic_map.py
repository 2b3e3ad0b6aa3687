"""Topic map and comparison-table timings (issue 12).

- 1k papers (the shipped ICLR 2022 listing in a fresh embedded store): the map computed from the store (reading
  the vectors, PCA, t-SNE, KMeans, c-TF-IDF labels), then served from memory, from the cache file (a restarted
  process), and drawn as the app's SVG; in the same run, the PCA-only layout as the baseline t-SNE is compared to.
- 50k papers (generated: the 1k real vectors repeated with Gaussian noise, fixed seed; titles and abstracts of the
  real papers): the map computed (PCA layout: t-SNE is skipped above 5,000 papers) and drawn (an even sample of
  4,000 points).
- Offline comparison tables of 30 papers (5 default columns).

    python benchmarks/topic_map.py [--workdir /tmp/assistant-bench-map] [--repeats 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import ICLR_LISTING, bench_settings, print_machine, stats_ms, write_json

from assistant import service
from assistant.analysis import topicmap
from assistant.types import Paper
from assistant.web.tables import map_html


def timed(fn: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def one_k(workdir: Path, repeats: int) -> dict[str, Any]:
    settings = bench_settings(workdir / "store", collection="iclr2022")
    service.ingest([ICLR_LISTING], settings, "iclr2022")
    store = service.services(settings).store
    cache_file = topicmap.cache_path(settings.store_dir, "iclr2022", store.generation("iclr2022"))
    cache_file.unlink(missing_ok=True)
    first, compute_s = timed(lambda: service.topic_map(settings))
    served = [timed(lambda: service.topic_map(settings))[1] * 1000 for _ in range(repeats)]
    from_file = [timed(lambda: topicmap.MapCache().get(store, "iclr2022", settings.store_dir))[1] * 1000
                 for _ in range(max(3, repeats // 4))]
    papers = {p.id: p for p in service.papers([p.id for p in first.points], settings)}
    drawn = [timed(lambda: map_html(first, papers, lit=list(papers)[:8]))[1] * 1000 for _ in range(repeats)]
    listed, vectors = topicmap.listing_vectors(store, "iclr2022")
    _, read_s = timed(lambda: topicmap.listing_vectors(store, "iclr2022"))
    reduced, pca_s = timed(lambda: topicmap.reduce_dims(vectors))
    _, tsne_s = timed(lambda: topicmap.layout(reduced))
    _, kmeans_s = timed(lambda: topicmap.cluster_labels(reduced))
    compare_ids = [p.id for p in listed[:30]]
    compare_ms = [timed(lambda: service.compare(compare_ids, settings))[1] * 1000 for _ in range(3)]
    return {
        "papers": len(first.points), "clusters": len(first.clusters), "method": first.method,
        "compute_s": round(compute_s, 2),
        "steps_s": {"read_vectors": round(read_s, 2), "pca": round(pca_s, 2), "tsne": round(tsne_s, 2),
                    "kmeans": round(kmeans_s, 2)},
        "pca_only_layout_s": round(pca_s, 2), "tsne_over_pca_ratio": round(tsne_s / max(pca_s, 1e-6), 1),
        "served_from_memory": stats_ms(served), "served_from_file": stats_ms(from_file),
        "svg_render": stats_ms(drawn), "svg_bytes": len(map_html(first, papers)),
        "compare_30_papers_offline": stats_ms(compare_ms),
    }


def fifty_k(workdir: Path) -> dict[str, Any]:
    settings = bench_settings(workdir / "store", collection="iclr2022")
    store = service.services(settings).store
    real, vectors = topicmap.listing_vectors(store, "iclr2022")
    rng = np.random.default_rng(0)
    copies = -(-50_000 // len(real))
    noisy = np.vstack([vectors + rng.normal(scale=0.02, size=vectors.shape) for _ in range(copies)])[:50_000]
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    papers = [Paper(f"{real[i % len(real)].id}-{i}", real[i % len(real)].title, abstract=real[i % len(real)].abstract)
              for i in range(50_000)]
    big, compute_s = timed(lambda: topicmap.compute_map("big", "g", papers, noisy.astype(np.float32)))
    by_id = {p.id: p for p in papers}
    html, draw_s = timed(lambda: map_html(big, by_id))
    return {"papers": len(big.points), "clusters": len(big.clusters), "method": big.method,
            "compute_s": round(compute_s, 2), "svg_render_ms": round(draw_s * 1000, 1), "svg_bytes": len(html)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/assistant-bench-map"))
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--skip-50k", action="store_true")
    parser.add_argument("--only-50k", action="store_true", help="reuse the workdir's store (from an earlier run)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": print_machine(), "command": " ".join(sys.argv)}
    if not args.only_50k:
        shutil.rmtree(args.workdir, ignore_errors=True)
        report["1k"] = one_k(args.workdir, args.repeats)
        print("1k:", report["1k"])
    if not args.skip_50k:
        report["50k"] = fifty_k(args.workdir)
        print("50k:", report["50k"])
    write_json(args.json, report)


if __name__ == "__main__":
    main()
