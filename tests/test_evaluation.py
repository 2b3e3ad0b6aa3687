"""`assistant eval` and its metrics, checked against values computed by hand (the arithmetic is in the comments).

The fixture tests/fixtures/beir_tiny/ is built so that BM25's ranking is known without running it: every query
word occurs in one paper only, except "glacier" (3 times in d6, once in d3, papers of equal length).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from assistant import cli, evaluation
from assistant.errors import ConfigError
from assistant.evaluation import (
    answer_metrics,
    citation_markers,
    load_question_set,
    mean_metrics,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    query_metrics,
    read_qrels,
    read_queries,
    recall_at_k,
)
from assistant.sets.metrics import SET_METRICS, is_set_type, mean_by_type, set_metrics, stated_count
from assistant.types import Answer, Citation, Hit, Paper, Screened

TINY = Path(__file__).parent / "fixtures" / "beir_tiny"
LOG2_3 = math.log2(3)  # 1.5849625; 1/LOG2_3 = 0.6309298

# BM25 on beir_tiny, by hand:
#   q1 "zebra stripes"        -> [d1]      relevant {d1}:     nDCG 1,  R@10 1,   MRR 1
#   q2 "volcano lava"         -> [d2]      relevant {d2, d3}: DCG 1, IDCG 1 + 1/log2(3) = 1.6309298,
#                                                             nDCG 0.6131472, R@10 1/2, MRR 1
#   q3 "quantum entanglement" -> [d4]      relevant {d5}:     nDCG 0,  R@10 0,   MRR 0
#   q4 "glacier"              -> [d6, d3]  relevant {d3}:     nDCG 1/log2(3) = 0.6309298, R@10 1, MRR 1/2
#   q5 has only a score-0 judgment (left out); q6 is not judged.
#   means over 4 queries: nDCG (1 + 0.6131472 + 0 + 0.6309298) / 4 = 0.5610193, R@10 = R@100 = 2.5/4 = 0.625,
#   MRR (1 + 1 + 0 + 0.5) / 4 = 0.625.
#   by type: keyword {q1, q2} nDCG (1 + 0.6131472) / 2 = 0.8065736; paraphrase {q3, q4} 0.6309298 / 2 = 0.3154649.
BM25_EXPECTED = {"ndcg@10": 0.5610193, "recall@10": 0.625, "recall@100": 0.625, "mrr@10": 0.625}


# --- metrics -------------------------------------------------------------------------------------------------------
def test_ndcg_uses_linear_gain_and_the_ideal_order_of_the_judgments() -> None:
    judged = {"a": 2, "b": 1, "z": 0}
    # DCG of [b, x, a] = 1/log2(2) + 0 + 2/log2(4) = 1 + 1 = 2; IDCG = 2/log2(2) + 1/log2(3) = 2.6309298
    assert ndcg_at_k(["b", "x", "a"], judged, 10) == pytest.approx(2 / (2 + 1 / LOG2_3))
    # cut at k=2: DCG 1, IDCG still 2.6309298 (the ideal list is cut at k too)
    assert ndcg_at_k(["b", "x", "a"], judged, 2) == pytest.approx(1 / (2 + 1 / LOG2_3))
    assert ndcg_at_k(["a", "b"], judged, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["z", "y"], judged, 10) == 0.0  # a score-0 judgment earns nothing


def test_recall_and_mrr_count_only_relevant_papers_within_k() -> None:
    judged = {"a": 1, "b": 1, "c": 1, "n": 0}
    ranked = ["n", "x", "a", "y", "b"]
    assert recall_at_k(ranked, judged, 3) == pytest.approx(1 / 3)  # a only
    assert recall_at_k(ranked, judged, 5) == pytest.approx(2 / 3)  # a and b
    assert mrr_at_k(ranked, judged, 10) == pytest.approx(1 / 3)  # first relevant at rank 3
    assert mrr_at_k(ranked, judged, 2) == 0.0
    assert query_metrics([], judged) == {"ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0}


def test_percentile_interpolates_like_numpy() -> None:
    values = [40.0, 10.0, 30.0, 20.0]
    assert percentile(values, 50) == pytest.approx(25.0)  # halfway between 20 and 30
    assert percentile(values, 95) == pytest.approx(38.5)  # position 3 * 0.95 = 2.85: 30 + 0.85 * 10
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) == 0.0


def test_mean_metrics_over_a_subset() -> None:
    per_query = {"a": {m: 1.0 for m in evaluation.METRICS}, "b": {m: 0.0 for m in evaluation.METRICS}}
    assert mean_metrics(per_query)["ndcg@10"] == 0.5
    assert mean_metrics(per_query, ["a", "missing"])["mrr@10"] == 1.0


# --- answers ---------------------------------------------------------------------------------------------------------
def _answer(text: str, n_sources: int) -> Answer:
    papers = [Paper(id=f"p{i}", title=f"Paper {i}") for i in range(1, n_sources + 1)]
    hits = [Hit(p, 1.0) for p in papers]
    cites = [Citation(n, f"p{n}", f"Paper {n}", None) for n in (1, 2) if n <= n_sources]
    return Answer(text=text, citations=cites, sources=hits, mode="offline")


def test_citation_markers_expand_lists_and_ranges() -> None:
    assert citation_markers("A [1], B [2, 3] and C [4-5]; again [1].") == [1, 2, 3, 4, 5, 1]
    assert citation_markers("no citations, [x] is not one") == []


def test_answer_metrics_by_hand() -> None:
    # markers 1, 2, 7: 7 names no source (3 sources) -> validity 2/3. Cited p1, p2; relevant p2, p3, p9:
    # recall 1/3 (p2), precision 1/2.
    got = answer_metrics(_answer("X [1]. Y [2, 7].", 3), {"p2": 1, "p3": 1, "p9": 2, "p1": 0})
    assert got["citation_validity"] == pytest.approx(2 / 3)
    assert got["cited_recall"] == pytest.approx(1 / 3)
    assert got["cited_precision"] == pytest.approx(1 / 2)
    assert got["markers"] == 3


def _set_answer(text: str, verdicts: dict[str, str]) -> Answer:
    """An answer whose matches are the given papers with their verdicts (relevant ones first, as set answers are)."""
    matches = [Screened(Hit(Paper(pid, f"Paper {pid}"), 1.0), verdict, n=n)  # type: ignore[arg-type]
               for n, (pid, verdict) in enumerate(verdicts.items(), 1)]
    return Answer(text=text, citations=[], sources=[m.hit for m in matches], mode="offline", intent="list",
                  matches=matches)


def test_set_metrics_by_hand() -> None:
    # truth {p1, p2, p3, p4} (p5 judged 0). Relevant stated: p1, p2, p9 -> precision 2/3, recall 2/4,
    # F1 2 x (2/3 x 1/2) / (2/3 + 1/2) = 4/7. With possible p3: 3 of {p1, p2, p9, p3} -> precision 3/4, recall 3/4.
    # Stated count 3 vs truth 4: |error| 1, relative 0.25 (not within 15%), equals the 3 listed.
    judged = {"p1": 2, "p2": 1, "p3": 1, "p4": 2, "p5": 0}
    verdicts = {"p1": "relevant", "p2": "relevant", "p9": "relevant", "p3": "possible"}
    text = "3 papers of ICLR 2022 match \u2018x\u2019 (plus 1 possibly relevant)."
    got = set_metrics(_set_answer(text, verdicts), judged)
    assert (got["precision"], got["recall"], got["f1"]) == pytest.approx((2 / 3, 1 / 2, 4 / 7))
    assert (got["precision_with_possible"], got["recall_with_possible"]) == pytest.approx((3 / 4, 3 / 4))
    assert (got["listed"], got["possible"], got["judged"]) == (3, 1, 4)
    assert (got["count_abs_error"], got["count_rel_error"]) == pytest.approx((1, 0.25))
    assert (got["count_within_15pct"], got["count_equals_listed"]) == (0.0, 1.0)


def test_set_metrics_of_an_answer_that_lists_nothing() -> None:
    got = set_metrics(_set_answer("No papers in the collection match this question.", {}), {"p1": 1})
    assert (got["precision"], got["recall"], got["f1"]) == (0.0, 0.0, 0.0)
    assert got["count_abs_error"] == 1 and got["count_equals_listed"] == 1.0
    unstated = set_metrics(_set_answer("Some sentences [1].", {"p1": "relevant"}), {"p1": 1})
    assert unstated["recall"] == 1.0 and "count_abs_error" not in unstated


@pytest.mark.parametrize(("text", "count"), [
    ("Offline answer (extractive).\n\n21 papers of ICLR 2022 match \u2018diffusion\u2019:", 21),
    ("Of the ICLR 2022 listing, 1,204 papers match.", 1204),
    ("1 paper of ICLR 2022 matches \u2018over-squashing\u2019:", 1),
    ("There are 7 matching papers [1, 2].", 7),
    ("No papers in the collection match this question (orals only).", 0),
    ("Papers from 2022 [3]: see [12] and [4-5].", None),
])
def test_stated_count(text: str, count: int | None) -> None:
    assert stated_count(text) == count


def test_set_metrics_are_averaged_per_type_and_over_all() -> None:
    per_query = {"a": {**dict.fromkeys(SET_METRICS, 1.0), "count_abs_error": 2.0, "count_rel_error": 0.1,
                       "count_within_15pct": 1.0, "count_equals_listed": 1.0},
                 "b": dict.fromkeys(SET_METRICS, 0.0), "c": dict.fromkeys(SET_METRICS, 0.5)}
    got = mean_by_type(per_query, {"a": "count", "b": "count", "c": "topic"})
    assert set(got) == {"all", "count", "topic"}
    assert got["count"]["recall"] == 0.5 and got["count"]["counted"] == 1 and got["count"]["count_abs_error"] == 2
    assert got["all"]["queries"] == 3 and got["all"]["f1"] == pytest.approx(0.5)
    assert "count_abs_error" not in got["topic"]
    assert is_set_type("lay") and is_set_type("count") and not is_set_type("explain") and not is_set_type(None)


# --- reading question sets -----------------------------------------------------------------------------------------
def test_fixture_question_set_keeps_judged_queries_with_a_relevant_paper() -> None:
    qs = load_question_set(TINY)
    assert [q.id for q in qs.queries] == ["q1", "q2", "q3", "q4"]
    assert qs.unjudged == 1  # q5
    assert qs.qrels["q2"] == {"d2": 1, "d3": 1}
    assert qs.corpus == TINY / "corpus.jsonl"
    assert [q.type for q in qs.queries] == ["keyword", "keyword", "paraphrase", "paraphrase"]


def test_bad_qrels_line_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "qrels.tsv"
    bad.write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\n", encoding="utf-8")
    with pytest.raises(evaluation.QuestionSetError, match=r"qrels.tsv:3: expected `query-id corpus-id score`"):
        read_qrels(bad)
    bad.write_text("q1 d1 high\n", encoding="utf-8")
    with pytest.raises(evaluation.QuestionSetError, match=r"qrels.tsv:1: score 'high' is not a number"):
        read_qrels(bad)


def test_trec_qrels_and_bad_queries(tmp_path: Path) -> None:
    trec = tmp_path / "qrels.txt"
    trec.write_text("q1 0 d1 2\nq1 0 d2 0\n", encoding="utf-8")
    assert read_qrels(trec) == {"q1": {"d1": 2, "d2": 0}}
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"_id": "q1", "text": "ok"}\n{"_id": "q2", "text": \n', encoding="utf-8")
    with pytest.raises(evaluation.QuestionSetError, match=r"queries.jsonl:2: not valid JSON"):
        read_queries(queries)


def test_judged_query_missing_from_queries_is_an_error(tmp_path: Path) -> None:
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("q1\td1\t1\nq404\td1\t1\n", encoding="utf-8")
    with pytest.raises(evaluation.QuestionSetError, match="'q404'"):
        load_question_set(queries=TINY / "queries.jsonl", qrels=qrels)


def test_unknown_split_lists_the_ones_there() -> None:
    with pytest.raises(ConfigError, match="splits in .*: test"):
        load_question_set(TINY, split="train")


# --- assistant eval, end to end (real ingest into a real Chroma store) ------------------------------------------
def _eval_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert cli.main(["eval", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_eval_fixture_all_modes_matches_hand_computed_bm25(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(tmp_path / "never-used"))
    report = _eval_json(capsys, str(TINY), "--mode", "all", "--by-type")
    assert not (tmp_path / "never-used").exists()  # the corpus went into a temporary store
    assert report["queries"] == 4 and report["unjudged_queries"] == 1 and report["missing_judged_papers"] == 0
    bm25 = report["modes"]["bm25"]
    for metric, value in BM25_EXPECTED.items():
        assert bm25[metric] == pytest.approx(value, abs=1e-4), metric
    # dense and hybrid rank all 6 papers, so every relevant paper is within 10: recall 1 for each query.
    for mode in ("dense", "hybrid"):
        assert report["modes"][mode]["recall@10"] == 1.0
        assert report["modes"][mode]["latency_p95_ms"] >= report["modes"][mode]["latency_p50_ms"] > 0
    assert report["modes"]["dense"]["timings_ms"]["embed_ms"] > 0
    by_type = report["by_type"]
    assert by_type["keyword"]["queries"] == 2
    assert by_type["keyword"]["bm25"]["ndcg@10"] == pytest.approx(0.8065736, abs=1e-4)
    assert by_type["paraphrase"]["bm25"]["ndcg@10"] == pytest.approx(0.3154649, abs=1e-4)


def test_eval_reuses_a_store_and_runs_against_an_existing_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "store")
    first = _eval_json(capsys, str(TINY), "--mode", "bm25", "--store", store, "--collection", "tiny")
    assert first["indexed"]["added"] == 6
    second = _eval_json(capsys, str(TINY), "--mode", "bm25", "--store", store, "--collection", "tiny")
    assert (second["indexed"]["added"], second["indexed"]["unchanged"]) == (0, 6)  # nothing re-embedded
    assert second["indexed"]["chunks_written"] == 0
    assert second["modes"]["bm25"]["ndcg@10"] == first["modes"]["bm25"]["ndcg@10"]
    # the same collection without a corpus: qrels ids must match the collection's paper ids
    third = _eval_json(
        capsys, "--queries", str(TINY / "queries.jsonl"), "--qrels", str(TINY / "qrels" / "test.tsv"),
        "--store", store, "--collection", "tiny", "--mode", "bm25",
    )
    assert "indexed" not in third
    assert third["modes"]["bm25"]["ndcg@10"] == pytest.approx(BM25_EXPECTED["ndcg@10"], abs=1e-4)


def test_eval_warns_when_judged_ids_are_not_in_the_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "store")
    _eval_json(capsys, str(TINY), "--mode", "bm25", "--store", store, "--collection", "tiny")
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("q1\td1\t1\nq2\tnot-there\t1\n", encoding="utf-8")
    code = cli.main(["eval", "--queries", str(TINY / "queries.jsonl"), "--qrels", str(qrels), "--store", store,
                     "--collection", "tiny", "--mode", "bm25"])
    out = capsys.readouterr().out
    assert code == 0
    assert "warning: 1 judged-relevant paper ids are not in the collection" in out
    assert "ndcg@10" in out and "bm25" in out


def test_eval_answers_offline_cites_only_retrieved_papers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM", "offline")
    report = _eval_json(capsys, str(TINY), "--mode", "bm25", "--answers", "--store", str(tmp_path / "s"))
    answers = report["answers"]
    assert answers["citation_validity"] == 1.0
    assert answers["llm_answers"] == 0.0
    assert 0.0 <= answers["cited_recall"] <= 1.0


def test_eval_reports_set_metrics_for_typed_questions_through_the_answer_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """beir_tiny's queries are typed (keyword, paraphrase): set questions, each answered by service.ask."""
    monkeypatch.setenv("ASSISTANT_LLM", "offline")
    report = _eval_json(capsys, str(TINY), "--mode", "bm25", "--store", str(tmp_path / "s"))
    sets = report["sets"]
    assert set(sets) == {"all", "keyword", "paraphrase"}
    assert (sets["keyword"]["queries"], sets["paraphrase"]["queries"], sets["all"]["queries"]) == (2, 2, 4)
    assert sets["keyword"]["judged"] == 1.5  # q1 judges d1, q2 judges d2 and d3
    for row in sets.values():
        assert all(0.0 <= row[m] <= 1.0 for m in ("precision", "recall", "f1", "recall_with_possible"))
    skipped = _eval_json(capsys, str(TINY), "--mode", "bm25", "--store", str(tmp_path / "s"), "--no-sets")
    assert "sets" not in skipped
    code = cli.main(["eval", str(TINY), "--mode", "bm25", "--store", str(tmp_path / "s")])
    assert code == 0 and "set answers (every typed question but explain)" in capsys.readouterr().out


def test_eval_without_question_set_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eval", "--queries", str(TINY / "queries.jsonl")]) == 2
    assert "give a BEIR folder, or both --queries F and --qrels F" in capsys.readouterr().err
