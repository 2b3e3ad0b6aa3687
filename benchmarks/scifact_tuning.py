"""The SciFact tuning workbench: fusion methods, weights, candidate depth, BM25 fields and chunk-score aggregation,
measured on the train split and reported on test, with exact scores in numpy (every query against every paper).

It reads the chunk vectors from the SciFact collection that `benchmarks/retrieval_quality.py` (or `assistant eval
--store DIR --collection scifact`) indexed with the product's own chunking and embedder, embeds the 1,109 queries
once, and scores BM25 with the product's KeywordIndex. Ideas that need a different index (chunk size, whole-abstract
embeddings) were measured by indexing into another collection with other `chunk_tokens`/`chunk_overlap`; their
figures are in docs/benchmarks.md.

    python benchmarks/scifact_tuning.py [--scifact ../shared/data/scifact] [--store /tmp/assistant-bench/scifact-store]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _common import SHARED, bench_settings, print_machine

from assistant import service
from assistant.evaluation import QuestionSet, load_question_set, mean_metrics, query_metrics, read_queries
from assistant.keyword_index import KeywordIndex
from assistant.store import split_chunk_id

Matrix = np.ndarray  # queries x papers; -inf where a paper is not a candidate
NOT_FOUND = -1e9


def load(
    scifact: Path, store: Path, collection: str
) -> tuple[list[str], list[str], Matrix, Callable[[int], tuple[Matrix, np.ndarray]]]:
    """Paper ids, query ids, the dense max-over-chunks matrix, and a BM25 builder (by title weight): the matrix and
    each query's sum of term idf (`KeywordIndex.query_weight`, the floor of the calibrated scaled fusion)."""
    settings = bench_settings(store, collection=collection)
    svc = service.services(settings)
    papers = [s.paper for s in svc.store.iter_papers(collection)]
    pids = [p.id for p in papers]
    row = {pid: i for i, pid in enumerate(pids)}
    queries = read_queries(scifact / "queries.jsonl")
    qids = list(queries)
    qvec = svc.embedder.embed_documents([queries[q].text for q in qids])
    _, chunks = svc.store._collections(collection)  # the workbench reads every chunk vector once
    dense = np.full((len(qids), len(pids)), -1.0, dtype=np.float32)
    offset = 0
    while True:
        page = chunks.get(include=["embeddings"], limit=5000, offset=offset)
        if not page["ids"]:
            break
        offset += len(page["ids"])
        cols = np.array([row[split_chunk_id(cid)[0]] for cid in page["ids"]])
        sims = qvec @ np.asarray(page["embeddings"], dtype=np.float32).T
        for j, col in enumerate(cols):  # max over a paper's chunks
            np.maximum(dense[:, col], sims[:, j], out=dense[:, col])

    def bm25(title_weight: int) -> tuple[Matrix, np.ndarray]:
        index = KeywordIndex.build(papers, stem=True, title_weight=title_weight)
        out = np.zeros((len(qids), len(pids)), dtype=np.float32)
        weights = np.zeros((len(qids), 1), dtype=np.float32)
        for i, q in enumerate(qids):
            for pid, score in index.search(queries[q].text, len(pids)).items():
                out[i, row[pid]] = score
            weights[i, 0] = index.query_weight(queries[q].text)
        return out, weights

    return pids, qids, dense, bm25


def candidates(m: Matrix, n: int) -> np.ndarray:
    mask = np.zeros(m.shape, dtype=bool)
    np.put_along_axis(mask, np.argsort(-m, axis=1, kind="stable")[:, :n], True, axis=1)
    return mask & (m > 0) if (m >= 0).all() else mask


def minmax(m: Matrix, mask: np.ndarray) -> Matrix:
    lo = np.where(mask, m, np.inf).min(1, keepdims=True)
    hi = np.where(mask, m, -np.inf).max(1, keepdims=True)
    return np.where(mask, (m - lo) / np.where(hi - lo > 0, hi - lo, 1.0), 0.0)


def fuse_minmax(d: Matrix, b: Matrix, w: float, n: int = 100) -> Matrix:
    dm, bm = candidates(d, n), candidates(b, n)
    return np.where(dm | bm, w * minmax(d, dm) + (1 - w) * minmax(b, bm), NOT_FOUND)


def fuse_rrf(d: Matrix, b: Matrix, k: int, n: int = 100) -> Matrix:
    fused = np.zeros(d.shape, dtype=np.float64)
    for m in (d, b):
        ranks = np.argsort(np.argsort(-m, axis=1, kind="stable"), axis=1)
        fused += np.where(candidates(m, n), 1.0 / (k + ranks + 1), 0.0)
    return np.where(fused > 0, fused, NOT_FOUND)


def fuse_scaled(d: Matrix, b: Matrix, w: float, n: int = 100, floor_c: float = 0.0,
                weights: np.ndarray | None = None) -> Matrix:
    """The product's `scaled` fusion: raw cosine (missing: the lowest dense candidate) + BM25 / max(its best,
    floor_c x the sum of the query terms' idf)."""
    dm, bm = candidates(d, n), candidates(b, n)
    floor = np.where(dm, d, np.inf).min(1, keepdims=True)
    dense = np.where(dm, d, floor)
    top = b.max(1, keepdims=True)
    if weights is not None:
        top = np.maximum(top, floor_c * weights)
    keyword = b / np.maximum(top, 1e-9)  # every candidate's true BM25 score
    return np.where(dm | bm, w * dense + (1 - w) * keyword, NOT_FOUND)


def evaluate(scores: Matrix, qs: QuestionSet, pids: list[str], qrow: dict[str, int]) -> dict[str, float]:
    per_query = {}
    for q in qs.queries:
        r = scores[qrow[q.id]]
        top = np.argsort(-r, kind="stable")[:100]
        per_query[q.id] = query_metrics([pids[j] for j in top if r[j] > NOT_FOUND / 2], qs.qrels[q.id])
    return mean_metrics(per_query)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scifact", type=Path, default=SHARED / "scifact")
    parser.add_argument("--store", type=Path, default=Path("/tmp/assistant-bench/scifact-store"))
    parser.add_argument("--collection", default="scifact")
    parser.add_argument("--quick", action="store_true", help="only the bm25, dense and scaled-fusion rows")
    args = parser.parse_args(argv)
    print_machine()
    pids, qids, dense, bm25 = load(args.scifact, args.store, args.collection)
    qrow = {q: i for i, q in enumerate(qids)}
    train, test = (load_question_set(args.scifact, split=s) for s in ("train", "test"))
    (b1, _), (b2, w2) = bm25(1), bm25(2)
    positive = lambda m: np.where(m > 0, m, NOT_FOUND)  # noqa: E731 - a one-line helper
    rows: list[tuple[str, Matrix]] = [
        ("bm25, title x1", positive(b1)), ("bm25, title x2", positive(b2)), ("dense, max over chunks", dense),
        ("min-max w=0.5 n=100 (before)", fuse_minmax(dense, b1, 0.5)),
        ("min-max w=0.4", fuse_minmax(dense, b1, 0.4)), ("min-max w=0.6", fuse_minmax(dense, b1, 0.6)),
        ("min-max w=0.5 n=200", fuse_minmax(dense, b1, 0.5, 200)),
        ("rrf k=60", fuse_rrf(dense, b1, 60)), ("rrf k=10", fuse_rrf(dense, b1, 10)),
        ("scaled w=0.6", fuse_scaled(dense, b1, 0.6)), ("scaled w=0.7", fuse_scaled(dense, b1, 0.7)),
        ("scaled w=0.8", fuse_scaled(dense, b1, 0.8)),
        ("scaled w=0.7 + title x2 (issue 5's default)", fuse_scaled(dense, b2, 0.7)),
        ("scaled w=0.7 + title x2, n=200", fuse_scaled(dense, b2, 0.7, 200)),
        *[(f"scaled w=0.7 x2, idf floor c={c}" + (" (default)" if c == 0.4 else ""),
           fuse_scaled(dense, b2, 0.7, floor_c=c, weights=w2)) for c in (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)],
        *[(f"scaled w={w} x2, idf floor c=0.4", fuse_scaled(dense, b2, w, floor_c=0.4, weights=w2))
          for w in (0.6, 0.65, 0.75)],
    ]
    if args.quick:
        rows = [r for r in rows if r[0].startswith(("bm25, title x2", "dense", "scaled"))]
    print(f"\n{'idea':<44}{'train nDCG@10':>15}{'test nDCG@10':>14}{'test R@100':>12}")
    for name, scores in rows:
        tr, te = evaluate(scores, train, pids, qrow), evaluate(scores, test, pids, qrow)
        print(f"{name:<44}{tr['ndcg@10']:>15.4f}{te['ndcg@10']:>14.4f}{te['recall@100']:>12.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
