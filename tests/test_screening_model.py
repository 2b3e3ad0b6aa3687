"""The fitted offline screening decision (assistant/sets/screening_model.py): its features on real text (BM25 scores
from the real keyword index over real ICLR papers), which questions it decides, and the refit script's data
(benchmarks/fit_screening.py, read from the dev set's files and from a real store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.keyword_index import KeywordIndex
from assistant.listings import read_listing
from assistant.sets.evidence import resolve, word_evidence
from assistant.sets.screening import DEFAULT_RULE, Evidence, Feedback, Topic, feature_rows, screen_offline, verdicts
from assistant.sets.screening_model import FEATURES, MODEL, Candidate, Model, features
from assistant.types import Hit, Paper
from assistant.words.keys import paper_keys, text_keys
from assistant.words.terms import CorpusStats, paper_text
from tests.conftest import ICLR, ROOT
from tests.helpers import benchmark_module, shipped_papers, shipped_stats

BM25 = FEATURES.index("bm25")


def fit_script() -> Any:
    return benchmark_module("fit_screening")


@pytest.fixture(scope="module")
def listing() -> list[Paper]:
    return shipped_papers()


@pytest.fixture(scope="module")
def stats() -> CorpusStats:
    return shipped_stats()  # the listing's, built once per run (read-only; test_evidence and others share it)


def paper(pid: str, title: str, abstract: str) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract)


def keyword_hits(papers: list[Paper], neighbours: list[Paper], query: str) -> list[Hit]:
    """Hits of `papers` as retrieval makes them: BM25 from the real keyword index (built over them and real ICLR
    papers, for real idf), one dense similarity for all (so only the keyword side differs)."""
    index = KeywordIndex.build([*papers, *neighbours])
    found = index.search(query, n=len(papers) + len(neighbours))
    return [Hit(p, 0.5, dense_score=0.5, bm25_score=found.get(p.id)) for p in papers]


ABOUT = paper("about", "Certified defenses for image classifiers", (
    "Adversarial robustness of image classifiers is the subject of this paper. We show that adversarial training "
    "overfits adversarial examples of one strength. Our certified bound on adversarial robustness holds for every "
    "perturbation of the input. Adversarial attacks of every budget fail against it."))
PASSING = paper("passing", "Scaling laws for image classifiers", (
    "Image classifiers improve with data and compute in a predictable way. We fit scaling laws to 200 training "
    "runs, which also cover the adversarial robustness of a few models. The laws predict accuracy at ten times "
    "the compute. Larger models need less data for the same error."))


def test_a_paper_about_the_topic_outscores_one_mentioning_it_in_passing(listing: list[Paper],
                                                                         stats: CorpusStats) -> None:
    """Both hold the phrase, so the word evidence (presence only) cannot tell them apart; the keyword score, which
    counts how often the words occur, can, and so the model does."""
    topic = resolve(Topic.of("adversarial robustness"), stats)
    assert word_evidence(ABOUT, topic, stats) == word_evidence(PASSING, topic, stats) == 1.0
    hits = keyword_hits([ABOUT, PASSING], listing[:200], "adversarial robustness")
    rows = features([Candidate(h, 1.0, 0.9, False) for h in hits])
    assert rows[0][BM25] == 1.0 and 0.0 < rows[1][BM25] < 0.8
    assert MODEL.probability(rows[0]) > MODEL.probability(rows[1])


def test_a_head_term_in_the_title_raises_the_keyword_evidence(listing: list[Paper]) -> None:
    abstract = "We bound the error of message passing on deep graphs and propose a rewiring that removes it."
    titled = paper("titled", "On over-squashing in message passing networks", abstract)
    plain = paper("plain", "On message passing networks", abstract)
    hits = keyword_hits([titled, plain], listing[:200], "over-squashing")
    rows = features([Candidate(h, 0.6, 0.9, False) for h in hits])
    assert rows[0][BM25] == 1.0 and rows[1][BM25] < rows[0][BM25]


def test_no_keyword_match_is_no_keyword_evidence() -> None:
    hits = [Hit(paper(str(n), "T", "A."), 0.5, dense_score=0.5) for n in range(3)]  # dense-only candidates
    assert [row[BM25] for row in features([Candidate(h, 0.5, 0.5, False) for h in hits])] == [0.0, 0.0, 0.0]
    assert features([]) == []


def test_the_features_are_what_the_screening_knows(stats: CorpusStats) -> None:
    hits = [Hit(ABOUT, 0.5, dense_score=0.5, bm25_score=4.0), Hit(PASSING, 0.4, dense_score=0.4, bm25_score=1.0)]
    learnt = Feedback([Evidence(1.0, 1.0), Evidence(0.5, 0.8)], ("adversari",), True, Topic("t", ()))
    assert len(FEATURES) == 4
    assert feature_rows(hits, learnt) == [(1.0, 1.0, 0.0, 1.0), (0.5, 0.8, 0.0, 0.25)]
    learnt = Feedback(learnt.found, ("oversquash",), True, Topic("t", ()))  # neither holds the head term
    assert [row[FEATURES.index("no_head")] for row in feature_rows(hits, learnt)] == [1.0, 1.0]


def test_the_model_decides_jargon_questions_and_the_rule_lay_ones() -> None:
    hits = [Hit(ABOUT, 0.5, dense_score=0.5, bm25_score=4.0), Hit(PASSING, 0.4, dense_score=0.4, bm25_score=1.0)]
    found = [Evidence(0.1, 0.1), Evidence(1.0, 1.0)]
    everything = Model(intercept=20.0, coefficients=(0.0,) * len(FEATURES), relevant=0.5, possible=0.2)
    jargon = Feedback(found, ("adversari",), True, Topic("t", ()))
    lay = Feedback(found, ("adversari",), False, Topic("t", ()))
    assert verdicts(hits, jargon, DEFAULT_RULE, everything) == ["relevant", "relevant"]
    assert verdicts(hits, lay, DEFAULT_RULE, everything) == [DEFAULT_RULE.verdict(e.words, e.meaning) for e in found]
    assert verdicts(hits, lay, DEFAULT_RULE, everything) == ["not_relevant", "relevant"]


def test_a_paper_missing_a_side_of_a_two_sided_topic_is_at_most_possible() -> None:
    """"Certified adversarial robustness" read as two sides: the model's probability is no licence to list a paper
    holding one side only (a ceiling, not the no_head penalty), whatever the model says."""
    hits = [Hit(ABOUT, 0.5, dense_score=0.5, bm25_score=4.0), Hit(PASSING, 0.4, dense_score=0.4, bm25_score=1.0)]
    sides = (tuple(text_keys("adversarial")), tuple(text_keys("certified")))
    assert all(k in paper_keys(ABOUT) for k in sides[1]) and not any(k in paper_keys(PASSING) for k in sides[1])
    everything = Model(intercept=20.0, coefficients=(0.0,) * len(FEATURES), relevant=0.5, possible=0.2)
    learnt = Feedback([Evidence(1.0, 1.0), Evidence(1.0, 1.0)], sides[0], True, Topic("t", ()), sides)
    assert verdicts(hits, learnt, DEFAULT_RULE, everything) == ["relevant", "possible"]
    one_sided = Feedback(learnt.found, sides[0], True, Topic("t", ()))
    assert verdicts(hits, one_sided, DEFAULT_RULE, everything) == ["relevant", "relevant"]


def test_the_models_cuts() -> None:
    model = Model(intercept=0.0, coefficients=(1.0, 0.0, 0.0, 0.0), relevant=0.7, possible=0.4)
    assert model.probability((0.0, 0, 0, 0)) == pytest.approx(0.5)
    assert [model.verdict((x, 0, 0, 0)) for x in (-2.0, 0.0, 2.0)] == ["not_relevant", "possible", "relevant"]
    assert model.probability((1e6, 0, 0, 0)) == pytest.approx(1.0)  # no overflow


def test_the_shipped_model_reads_as_its_docstring_says() -> None:
    """More words, meaning or keyword evidence raise the probability; a missing head term lowers it; the possible
    band lies below the relevant cut."""
    signs = dict(zip(FEATURES, (np.sign(c) for c in MODEL.coefficients), strict=True))
    assert signs == {"words": 1, "meaning": 1, "no_head": -1, "bm25": 1}
    assert 0 < MODEL.possible < MODEL.relevant < 1
    assert MODEL.verdict((1.0, 1.0, 0.0, 1.0)) == "relevant" and MODEL.verdict((0.0, 0.0, 1.0, 0.0)) == "not_relevant"


def test_a_jargon_question_screened_offline_by_the_model(listing: list[Paper], stats: CorpusStats) -> None:
    """End to end on real papers: lottery ticket papers against graph network papers as close in meaning (one
    dense similarity for all) that never use the topic's words."""
    tickets = [p for p in listing if "lottery ticket" in p.title.lower()]
    others = [p for p in listing if "graph neural" in p.title.lower() and "prun" not in paper_text(p).lower()][:10]
    assert len(tickets) == 4 and len(others) == 10
    hits = keyword_hits([*tickets, *others], listing[:300], "lottery tickets")
    screened = {s.hit.paper.id: s.verdict for s in screen_offline(hits, Topic.of("lottery tickets"), stats)}
    assert all(screened[p.id] == "relevant" for p in tickets)
    assert not any(screened[p.id] == "relevant" for p in others)


# --- the refit script ------------------------------------------------------------------------------------------


def test_the_refit_script_reads_the_dev_sets_topic_questions_and_judgments() -> None:
    script = fit_script()
    questions, truth = script.read_devset()
    types = {q["metadata"]["type"] for q in questions}
    assert types == set(script.TYPES)  # no author-only or explain question: they have no topic to screen
    qrels = (ROOT / "data" / "devset" / "iclr2022" / "qrels" / "dev.tsv").read_text(encoding="utf-8").splitlines()
    judged = {tuple(line.split("\t")[:2]) for line in qrels[1:] if int(line.split("\t")[2]) > 0}
    assert {(q, p) for q, papers in truth.items() for p in papers} == judged


def test_the_refit_script_fits_a_separable_signal_and_round_trips_its_dump(tmp_path: Path) -> None:
    script = fit_script()
    rng = np.random.default_rng(0)
    questions = []
    for n in range(6):
        rows = rng.random((30, len(FEATURES)))
        rows[0, 3] = 0.99  # the one candidate under the ceiling: relevant by its features, and judged so
        papers = [f"q{n}-{i}" for i in range(30)]
        truth = {p for p, r in zip(papers, rows, strict=True) if r[3] > 0.6}  # relevant iff the keyword score is high
        questions.append(script.Question(f"q{n}", "topic", "t", truth, papers, rows, ["possible"] * 30, True,
                                         [i == 0 for i in range(30)]))
    _, coefficients = script.fit(questions, 1.0)
    assert int(np.argmax(coefficients)) == 3 and coefficients[3] > 2 * np.abs(coefficients[:3]).max()
    held = script.leave_one_out(questions, 1.0)
    assert np.mean([script.metrics(q, held[q.id])["F1"] for q in questions]) > 0.9
    assert all(held[q.id][0] != "relevant" for q in questions)  # the ceiling of screening.verdicts, as shipped
    script.save(questions, tmp_path / "rows.json")
    loaded = script.load(tmp_path / "rows.json")
    assert [(q.id, q.truth, q.papers, q.jargon, q.ceiling) for q in loaded] == [
        (q.id, q.truth, q.papers, q.jargon, q.ceiling) for q in questions]
    assert all(np.allclose(a.rows, b.rows) for a, b in zip(loaded, questions, strict=True))


def test_the_refit_script_dumps_what_the_chain_screens(iclr_settings: Any, tmp_path: Path) -> None:
    """Two questions through the real chain and store: one row of features per screened candidate, labelled by the
    judgments, with the verdicts the shipped screening gave them."""
    script = fit_script()
    folder = tmp_path / "devset"
    (folder / "qrels").mkdir(parents=True)
    (folder / "queries.jsonl").write_text(
        '{"_id": "tickets", "text": "which papers study lottery tickets?", "metadata": {"type": "topic"}}\n'
        '{"_id": "who", "text": "what did Michael Bronstein publish?", "metadata": {"type": "author"}}\n',
        encoding="utf-8")
    tickets = [p for p in read_listing(ICLR).papers if "lottery ticket" in p.title.lower()][:2]
    (folder / "qrels" / "dev.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"tickets\t{p.id}\t2\n" for p in tickets), encoding="utf-8")
    [question] = script.dump(iclr_settings, "iclr2022", folder)
    assert question.id == "tickets" and question.truth == {p.id for p in tickets}
    assert question.rows.shape == (len(question.papers), len(FEATURES)) and question.jargon
    assert {p.id for p in tickets} <= set(question.papers)
    assert all(question.shipped[question.papers.index(p.id)] == "relevant" for p in tickets)
