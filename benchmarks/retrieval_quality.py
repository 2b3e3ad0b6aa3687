"""Retrieval quality on BEIR SciFact, per mode, next to the published baselines (nDCG@10 on the test split).

Runs exactly what `assistant eval` runs (assistant.evaluation.run_eval) with the default settings. The corpus
(5,183 abstracts, about 11k chunks) is indexed once into `--store` and reused by later runs: the first run embeds
for several minutes on 2 cores, the next ones in seconds. SciFact is CC BY-NC: it is read from the team's data
folder (`--scifact`), never copied into the repository.

    python benchmarks/retrieval_quality.py [--scifact ../shared/data/scifact] [--split test] [--store DIR] [--json F]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _common import SHARED, bench_settings, print_machine, write_json

from assistant.evaluation import METRICS, format_report, load_question_set, run_eval

PUBLISHED = {  # nDCG@10, SciFact test (see ../shared/data/README.md for the sources)
    "BM25 (BEIR paper)": 0.665,
    "BM25 title+text one field (Anserini)": 0.679,
    "all-MiniLM-L6-v2 (MTEB)": 0.645,
    "e5-small-v2 (model card)": 0.689,
    "bge-small-en-v1.5 (MTEB)": 0.713,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scifact", type=Path, default=SHARED / "scifact")
    parser.add_argument("--split", default="test")
    parser.add_argument("--store", type=Path, default=Path("/tmp/assistant-bench/scifact-store"))
    parser.add_argument("--collection", default="scifact")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not (args.scifact / "corpus.jsonl").exists():
        raise SystemExit(f"SciFact not found in {args.scifact}: pass --scifact DIR (BEIR layout)")
    info = print_machine()
    qs = load_question_set(args.scifact, split=args.split)
    settings = bench_settings(args.store, collection=args.collection)
    started = time.perf_counter()
    report = run_eval(qs, settings, collection=args.collection, store_given=True)
    print(format_report(report))
    print(f"\n(run took {time.perf_counter() - started:.0f} s)\n")
    best_published = max(PUBLISHED.values())
    print(f"{'system':<52}{'nDCG@10':>10}{'vs best published':>20}")
    for name, value in PUBLISHED.items():
        print(f"{'published: ' + name:<52}{value:>10.3f}{value / best_published:>19.3f}x")
    for mode, result in report.modes.items():
        value = result.metrics["ndcg@10"]
        print(f"{'this product: ' + mode:<52}{value:>10.3f}{value / best_published:>19.3f}x")
    write_json(args.json, {
        "machine": info, "split": args.split, "published_ndcg@10": PUBLISHED, "report": report.to_dict(),
        "metrics": list(METRICS),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
