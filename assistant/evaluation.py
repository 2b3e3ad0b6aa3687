"""Retrieval (and answer) quality over a question set with relevance judgments, in the BEIR layout.

A question set is `queries.jsonl` (`{"_id", "text", "metadata": {"type": ...}}`), `qrels/<split>.tsv`
(`query-id corpus-id score`, a header line allowed) and optionally `corpus.jsonl` (indexed into a temporary store,
or into `--store/--collection` to reuse the index across runs). The metrics follow trec_eval / BEIR: linear gain
nDCG, recall over the judged-relevant papers (score > 0), reciprocal rank of the first relevant paper.

The pure parts (reading, metrics, aggregation, formatting) are at the top; `run_eval` wires them to the service.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .answering.searching import search_as_asked
from .errors import ConfigError, ListingError
from .sets.metrics import format_sets, is_set_type, mean_by_type, set_metrics
from .settings import Settings
from .types import Answer, Hit, IngestSummary, SearchMode

if TYPE_CHECKING:
    from .retrieval.hybrid import Retriever

MODES: tuple[SearchMode, ...] = ("hybrid", "dense", "bm25")
METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")
DEPTH = 100  # papers retrieved per query: enough for Recall@100
NO_TYPE = "(no type)"


class QuestionSetError(ListingError):
    """A queries or qrels file could not be read (names the file and, where known, the line)."""


# --- reading a question set ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalQuery:
    id: str
    text: str
    type: str | None = None


@dataclass
class QuestionSet:
    """Queries that have at least one relevant judgment, their judgments, and the corpus file if one came along."""

    queries: list[EvalQuery]
    qrels: dict[str, dict[str, int]]
    corpus: Path | None = None
    name: str = "questions"
    unjudged: int = 0  # judged queries that had no relevant paper (score > 0): left out, as trec_eval does


def read_queries(path: Path) -> dict[str, EvalQuery]:
    """`queries.jsonl`: one `{"_id", "text", "metadata"}` per line; `metadata.type` is optional."""
    queries: dict[str, EvalQuery] = {}
    for line_no, line in _lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(str(path), f"not valid JSON ({exc.msg})", line_no) from None
        if not isinstance(record, dict) or "_id" not in record or not isinstance(record.get("text"), str):
            raise QuestionSetError(str(path), 'a query needs "_id" and a "text" string', line_no)
        meta = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
        qtype = meta.get("type") if meta else None
        qid = str(record["_id"])
        queries[qid] = EvalQuery(qid, record["text"], str(qtype) if qtype is not None else None)
    return queries


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """`query-id corpus-id score` per line (tabs or spaces; BEIR's header line and TREC's 4 columns accepted)."""
    qrels: dict[str, dict[str, int]] = {}
    for line_no, line in _lines(path):
        parts = line.split()
        if line_no == 1 and parts[-1].lower() == "score":
            continue
        if len(parts) == 4:  # TREC: query-id iteration corpus-id score
            parts = [parts[0], parts[2], parts[3]]
        if len(parts) != 3:
            raise QuestionSetError(str(path), f"expected `query-id corpus-id score`, got {len(parts)} fields", line_no)
        try:
            score = int(float(parts[2]))
        except ValueError:
            raise QuestionSetError(str(path), f"score {parts[2]!r} is not a number", line_no) from None
        judged = qrels.setdefault(parts[0], {})
        judged[parts[1]] = max(score, judged.get(parts[1], score))
    if not qrels:
        raise QuestionSetError(str(path), "no judgments in this file")
    return qrels


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for line_no, line in enumerate(handle, 1):
                if line.strip():
                    yield line_no, line.strip()
    except FileNotFoundError:
        raise QuestionSetError(str(path), "file not found") from None
    except UnicodeDecodeError as exc:
        raise QuestionSetError(str(path), f"not UTF-8 text ({exc.reason})") from None


def load_question_set(
    beir_dir: Path | None = None,
    queries: Path | None = None,
    qrels: Path | None = None,
    corpus: Path | None = None,
    split: str = "test",
) -> QuestionSet:
    """A BEIR folder (queries.jsonl, qrels/<split>.tsv, corpus.jsonl if present) or the files named one by one."""
    if beir_dir is not None:
        if not beir_dir.is_dir():
            raise ConfigError(f"{beir_dir} is not a folder; give a BEIR folder or --queries F --qrels F")
        queries = queries or beir_dir / "queries.jsonl"
        qrels = qrels or _split_file(beir_dir, split)
        if corpus is None and (beir_dir / "corpus.jsonl").exists():
            corpus = beir_dir / "corpus.jsonl"
    if queries is None or qrels is None:
        raise ConfigError("give a BEIR folder, or both --queries F and --qrels F")
    return assemble(read_queries(queries), read_qrels(qrels), qrels, corpus, (beir_dir or queries.parent).name)


def _split_file(beir_dir: Path, split: str) -> Path:
    path = beir_dir / "qrels" / f"{split}.tsv"
    if not path.exists():
        found = sorted(p.stem for p in (beir_dir / "qrels").glob("*.tsv"))
        raise ConfigError(f"{path} not found; splits in {beir_dir}: {', '.join(found) or 'none'} (use --split)")
    return path


def assemble(
    queries: Mapping[str, EvalQuery], qrels: Mapping[str, dict[str, int]], qrels_path: Path, corpus: Path | None,
    name: str,
) -> QuestionSet:
    """Keep the judged queries with at least one relevant paper, in qrels order."""
    missing = [qid for qid in qrels if qid not in queries]
    if missing:
        raise QuestionSetError(
            str(qrels_path), f"{len(missing)} judged query ids are not in the queries file (first: {missing[0]!r})"
        )
    kept = [queries[qid] for qid, judged in qrels.items() if any(s > 0 for s in judged.values())]
    return QuestionSet(kept, {q.id: qrels[q.id] for q in kept}, corpus, name, unjudged=len(qrels) - len(kept))


# --- metrics (pure) ---------------------------------------------------------------------------------------------
def ndcg_at_k(ranked: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with linear gain (trec_eval's, and BEIR's): sum(rel_i / log2(i + 1)) over the ideal ordering's."""
    dcg = sum(max(judged.get(pid, 0), 0) / math.log2(rank + 1) for rank, pid in enumerate(ranked[:k], 1))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, 1))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    relevant = {pid for pid, g in judged.items() if g > 0}
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at_k(ranked: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    for rank, pid in enumerate(ranked[:k], 1):
        if judged.get(pid, 0) > 0:
            return 1.0 / rank
    return 0.0


def query_metrics(ranked: Sequence[str], judged: Mapping[str, int]) -> dict[str, float]:
    return {
        "ndcg@10": ndcg_at_k(ranked, judged, 10),
        "recall@10": recall_at_k(ranked, judged, 10),
        "recall@100": recall_at_k(ranked, judged, 100),
        "mrr@10": mrr_at_k(ranked, judged, 10),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def mean_metrics(per_query: Mapping[str, Mapping[str, float]], ids: Sequence[str] | None = None) -> dict[str, float]:
    chosen = list(per_query) if ids is None else [i for i in ids if i in per_query]
    if not chosen:
        return {m: 0.0 for m in METRICS}
    return {m: sum(per_query[i][m] for i in chosen) / len(chosen) for m in METRICS}


# --- answers (pure) ---------------------------------------------------------------------------------------------
def citation_markers(text: str) -> list[int]:
    """Every number cited in an answer, bracket by bracket (`[1, 3-4]` gives 1, 3, 4), repeats kept."""
    from .citations import CITATION, citation_numbers

    return [n for match in CITATION.finditer(text) for n in citation_numbers(match.group("body"))]


def answer_metrics(answer: Answer, judged: Mapping[str, int]) -> dict[str, float]:
    """Citation validity (share of [n] naming one of the n retrieved papers) and recall/precision of cited papers
    against the judged-relevant ones. An answer without markers has validity 1.0 (nothing invalid was cited)."""
    markers = citation_markers(answer.text)
    valid = sum(1 for n in markers if 1 <= n <= len(answer.sources))
    cited = {answer.sources[n - 1].paper.id for n in markers if 1 <= n <= len(answer.sources)}
    cited.update(answer.cited_ids)
    relevant = {pid for pid, g in judged.items() if g > 0}
    return {
        "citation_validity": valid / len(markers) if markers else 1.0,
        "cited_recall": len(cited & relevant) / len(relevant) if relevant else 0.0,
        "cited_precision": len(cited & relevant) / len(cited) if cited else 0.0,
        "markers": float(len(markers)),
        "answered_with_citations": 1.0 if markers else 0.0,
    }


# --- running --------------------------------------------------------------------------------------------------
SearchFn = Callable[[str, int, SearchMode], list[Hit]]


@dataclass
class ModeResult:
    """One retrieval mode over the question set."""

    mode: str
    metrics: dict[str, float]
    latency_p50_ms: float
    latency_p95_ms: float
    timings_ms: dict[str, float]  # mean time per query in each stage (Retriever.last_timings)
    per_query: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            **{m: round(v, 4) for m, v in self.metrics.items()},
            "latency_p50_ms": round(self.latency_p50_ms, 2),
            "latency_p95_ms": round(self.latency_p95_ms, 2),
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
        }


def evaluate_mode(
    qs: QuestionSet, search: SearchFn, mode: SearchMode, timings: Callable[[], dict[str, float]] | None = None,
) -> ModeResult:
    """Run every query in one mode; metrics per query, latency per query (wall clock around the search)."""
    if qs.queries:
        search(qs.queries[0].text, DEPTH, mode)  # warm-up: loads the index and the model, not timed
    per_query: dict[str, dict[str, float]] = {}
    latencies: list[float] = []
    stage_totals: dict[str, float] = {}
    for query in qs.queries:
        started = time.perf_counter()
        hits = search(query.text, DEPTH, mode)
        latencies.append((time.perf_counter() - started) * 1000)
        for stage, ms in (timings() if timings else {}).items():
            stage_totals[stage] = stage_totals.get(stage, 0.0) + ms
        per_query[query.id] = query_metrics([h.paper.id for h in hits], qs.qrels[query.id])
    n = max(len(qs.queries), 1)
    return ModeResult(
        mode, mean_metrics(per_query), percentile(latencies, 50), percentile(latencies, 95),
        {stage: total / n for stage, total in stage_totals.items()}, per_query,
    )


def split_by_type(qs: QuestionSet, results: Mapping[str, ModeResult]) -> dict[str, dict[str, Any]]:
    """Metrics per query type (`metadata.type`) and mode, with the number of queries of each type."""
    types: dict[str, list[str]] = {}
    for query in qs.queries:
        types.setdefault(query.type or NO_TYPE, []).append(query.id)
    return {
        qtype: {"queries": len(ids), **{
            mode: {m: round(v, 4) for m, v in mean_metrics(r.per_query, ids).items()} for mode, r in results.items()
        }}
        for qtype, ids in sorted(types.items())
    }


@dataclass
class EvalReport:
    name: str
    collection: str
    queries: int
    unjudged: int
    modes: dict[str, ModeResult]
    by_type: dict[str, dict[str, Any]] | None = None
    answers: dict[str, float] | None = None
    sets: dict[str, dict[str, float]] | None = None  # set metrics per query type (set_eval), "all" included
    missing_judged: int = 0  # judged-relevant paper ids absent from the collection
    settings: dict[str, Any] = field(default_factory=dict)
    indexed: IngestSummary | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question_set": self.name, "collection": self.collection, "queries": self.queries,
            "unjudged_queries": self.unjudged, "missing_judged_papers": self.missing_judged,
            "settings": self.settings, "modes": {m: r.to_dict() for m, r in self.modes.items()},
        }
        if self.indexed is not None:
            i = self.indexed
            out["indexed"] = {"papers": i.read, "added": i.added, "updated": i.updated, "unchanged": i.unchanged,
                              "skipped": i.skipped, "chunks_written": i.chunks, "seconds": round(i.seconds, 1)}
        if self.by_type is not None:
            out["by_type"] = self.by_type
        if self.answers is not None:
            out["answers"] = {k: round(v, 4) for k, v in self.answers.items()}
        if self.sets is not None:
            out["sets"] = {t: {k: round(v, 4) for k, v in row.items()} for t, row in self.sets.items()}
        return out


def format_report(report: EvalReport) -> str:
    """Modes side by side, one metric a row; then the per-type split and the answer metrics when asked for."""
    modes = list(report.modes)
    lines = [
        f"{report.name}: {report.queries} queries, collection {report.collection}"
        + (f" ({report.unjudged} queries without a relevant paper left out)" if report.unjudged else ""),
    ]
    if report.indexed is not None:
        i = report.indexed
        lines.append(f"indexed {i.read} papers: {i.added} added, {i.updated} updated, {i.unchanged} unchanged "
                     f"({i.seconds:.1f} s)")
    if report.missing_judged:
        lines.append(f"warning: {report.missing_judged} judged-relevant paper ids are not in the collection")
    lines.append(_row("", modes))
    for metric in METRICS:
        lines.append(_row(metric, [f"{report.modes[m].metrics[metric]:.4f}" for m in modes]))
    lines.append(_row("latency p50 ms", [f"{report.modes[m].latency_p50_ms:.1f}" for m in modes]))
    lines.append(_row("latency p95 ms", [f"{report.modes[m].latency_p95_ms:.1f}" for m in modes]))
    for stage in ("embed_ms", "dense_ms", "bm25_ms", "fusion_ms"):
        if any(stage in report.modes[m].timings_ms for m in modes):
            lines.append(_row(f"  mean {stage}", [f"{report.modes[m].timings_ms.get(stage, 0.0):.1f}" for m in modes]))
    if report.by_type:
        lines.append("\nnDCG@10 by query type:")
        lines.append(_row("type (queries)", modes))
        for qtype, row in report.by_type.items():
            lines.append(_row(f"{qtype} ({row['queries']})", [f"{row[m]['ndcg@10']:.4f}" for m in modes]))
    if report.answers:
        lines.append("\nanswers:")
        lines.extend(f"  {k}: {v:.4f}" for k, v in report.answers.items())
    if report.sets:
        lines.extend(format_sets(report.sets))
    return "\n".join(lines)


def _row(label: str, cells: Sequence[str]) -> str:
    return f"{label:<22}" + "".join(f"{c:>12}" for c in cells)


# --- wiring to the product ----------------------------------------------------------------------------------------
def retrieval_settings(settings: Settings) -> dict[str, Any]:
    """The settings that decide retrieval quality, recorded with every report."""
    names = ("search_mode", "fusion", "dense_weight", "bm25_idf_floor", "rrf_k", "fusion_candidates", "candidates",
             "set_floor", "top_n", "bm25_k1", "bm25_b", "bm25_stem", "chunk_tokens", "chunk_overlap", "embedder")
    return {n: getattr(settings, n) for n in names if hasattr(settings, n)}


@dataclass
class EvalTarget:
    """Where a run searches, and what indexing its corpus did (None when no corpus was given)."""

    settings: Settings
    collection: str
    indexed: IngestSummary | None = None


@contextmanager
def eval_collection(
    qs: QuestionSet, settings: Settings, collection: str | None, store_given: bool,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[EvalTarget]:
    """The store and collection to evaluate against. With a corpus: indexed into the given store/collection
    (idempotent, so a second run embeds nothing), else into a temporary store deleted afterwards."""
    from . import service

    if qs.corpus is None:
        yield EvalTarget(settings, collection or settings.collection)
        return
    if store_given or (settings.chroma_url and collection):
        name = collection or _collection_name(qs.name)
        yield EvalTarget(settings, name, service.ingest([qs.corpus], settings, name, progress=progress))
        return
    if settings.chroma_url:  # a server and no collection named: a throwaway collection on that server
        name = f"eval-{uuid.uuid4().hex[:12]}"
        try:
            yield EvalTarget(settings, name, service.ingest([qs.corpus], settings, name, progress=progress))
        finally:
            service.services(settings).store.delete_listing(name)
        return
    with tempfile.TemporaryDirectory(prefix="assistant-eval-", ignore_cleanup_errors=True) as tmp:
        temp = settings.with_overrides(store_dir=Path(tmp), auto_ingest=False)
        name = collection or _collection_name(qs.name)
        yield EvalTarget(temp, name, service.ingest([qs.corpus], temp, name, progress=progress))


def _collection_name(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_")[:60]
    return slug if len(slug) >= 3 else f"eval-{slug or 'set'}"


def run_eval(
    qs: QuestionSet,
    settings: Settings,
    modes: Sequence[SearchMode] = MODES,
    collection: str | None = None,
    store_given: bool = False,
    by_type: bool = False,
    answers: bool = False,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    sets: bool | None = None,
) -> EvalReport:
    """Evaluate retrieval in each mode (and answers, if asked) on a question set. Set metrics are computed for the
    set questions (typed, not "explain") unless `sets` is False; None means: when the set has any."""
    from . import service

    if limit is not None:
        qs = QuestionSet(qs.queries[:limit], qs.qrels, qs.corpus, qs.name, qs.unjudged)
    with eval_collection(qs, settings, collection, store_given, progress) as target:
        run_settings, name = target.settings, target.collection
        # Through the service: the same store, stage and settings as the faces; query embeddings not cached, so that
        # every mode pays for its own and the latency figures are those of a new question.
        retriever = service.services(run_settings).timing_retriever(name)
        results: dict[str, ModeResult] = {
            mode: evaluate_mode(qs, _searcher(retriever), mode, lambda: retriever.last_timings.as_dict())
            for mode in modes
        }
        known = {p.id for p in retriever.get(sorted({pid for j in qs.qrels.values() for pid in j}))}
        missing = len({pid for q in qs.queries for pid, g in qs.qrels[q.id].items() if g > 0} - known)
        report = EvalReport(
            qs.name, name, len(qs.queries), qs.unjudged, results,
            split_by_type(qs, results) if by_type else None,
            missing_judged=missing, settings=retrieval_settings(run_settings), indexed=target.indexed,
        )
        set_queries = [q for q in qs.queries if is_set_type(q.type)] if sets is not False else []
        asked = ask_all(qs.queries if answers else set_queries, run_settings, name)
        if answers:
            report.answers = evaluate_answers(qs, run_settings, name, asked)
        if set_queries:
            report.sets = evaluate_sets(qs, set_queries, asked)
    return report


def _searcher(retriever: Retriever) -> SearchFn:
    """Searches as the faces do (service.search reads the filters a query implies)."""

    def search(text: str, k: int, mode: SearchMode) -> list[Hit]:
        return search_as_asked(retriever, text, k, mode)

    return search


def ask_all(queries: Sequence[EvalQuery], settings: Settings, collection: str) -> dict[str, Answer]:
    """The answer chain's answer (service.ask, a fresh conversation each) to each query."""
    from . import service

    return {q.id: service.ask(q.text, [], settings, collection=collection) for q in queries}


def evaluate_answers(
    qs: QuestionSet, settings: Settings, collection: str, asked: Mapping[str, Answer] | None = None
) -> dict[str, float]:
    """Run the answer chain (service.ask) on every query (or take the answers given); mean of the per-answer
    metrics."""
    asked = asked if asked is not None else ask_all(qs.queries, settings, collection)
    totals: dict[str, float] = {}
    for query in qs.queries:
        answer = asked[query.id]
        totals["llm_answers"] = totals.get("llm_answers", 0.0) + (answer.mode == "llm")
        for key, value in answer_metrics(answer, qs.qrels[query.id]).items():
            totals[key] = totals.get(key, 0.0) + value
    n = max(len(qs.queries), 1)
    return {key: value / n for key, value in totals.items()}


def evaluate_sets(
    qs: QuestionSet, queries: Sequence[EvalQuery], asked: Mapping[str, Answer]
) -> dict[str, dict[str, float]]:
    """Set metrics (set_eval) of each set question's answer, averaged per query type and over all of them."""
    per_query = {q.id: set_metrics(asked[q.id], qs.qrels[q.id]) for q in queries}
    return mean_by_type(per_query, {q.id: q.type or NO_TYPE for q in queries})
