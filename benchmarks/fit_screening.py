"""Refit the offline screening model (assistant/sets/screening_model.py) on the dev set, with honest validation.

    python benchmarks/fit_screening.py --store DIR [--collection iclr2022] [--dump rows.json] [--l2 4]
        [--questions DIR[:SPLIT] ...]   (judged sets to fit on instead of the dev set, pooled)

1. Dump: every dev set question with a topic (types topic, lay, count, decision_topic, author_topic of
   data/devset/iclr2022) is answered through the chain (service.ask, offline), and the candidates it screens are
   recorded; each candidate gets its screening_model.FEATURES row and its label (judged > 0 in qrels/dev.tsv;
   unjudged = not relevant: the dev judgments are complete).
2. Fit: L2-regularised logistic regression (numpy, Newton steps; the intercept is not penalised), each question
   weighted alike (a question with 200 candidates must not outweigh one with 30).
3. Validate: leave one question out. The model AND its two thresholds are fitted on the other questions (relevant:
   the cut with the best mean set F1; possible: the cut below it with the best mean F-beta of relevant + possible,
   POSSIBLE_BETA, a recall-leaning net), then applied to the left-out one. Printed per question type next to the
   in-sample figures, the hand-tuned rule's and screen_offline's as shipped, then the constants to paste into
   screening_model.MODEL.
A cut is screening.verdicts': the model's thresholds, then the ceiling of a paper missing a side of a two-sided
topic (screening.misses_a_side, recorded in the dump). The model decides only the questions in the papers' own
words (Feedback.jargon, as screening.verdicts does): it is fitted and validated on those, and the rule's verdicts
stand for the others in every table.

The candidates do not depend on the model (the widening of lay questions uses the rule's feedback, not the
verdicts), so one dump serves every fit.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _common import ROOT

from assistant import service
from assistant.answering import chain as answering
from assistant.sets.evidence import capped, names_nothing, resolve
from assistant.sets.metrics import COUNT_TOLERANCE, prf
from assistant.sets.screening import DEFAULT_RULE, feature_rows, feedback, misses_a_side
from assistant.sets.screening_model import FEATURES, MODEL, Model
from assistant.settings import Settings

DEVSET = ROOT / "data" / "devset" / "iclr2022"
TYPES = ("topic", "lay", "count", "decision_topic", "author_topic")  # the set questions that have a topic
# The possible cut maximises F-beta of relevant + possible, recall counting beta times as much: 4 gives a net as wide
# as the rule's (dev: recall with the possible ones 0.83, the rule's 0.85).
POSSIBLE_BETA = 4.0
GRID = np.round(np.concatenate([[0.01, 0.02, 0.03, 0.04], np.arange(0.05, 0.96, 0.025)]), 3)  # the cuts tried


@dataclass
class Question:
    id: str
    type: str
    text: str
    truth: set[str]  # judged relevant paper ids
    papers: list[str]  # the screened candidates' ids, in order
    rows: np.ndarray  # (candidates, features)
    shipped: list[str]  # the verdicts screen_offline gives as shipped
    jargon: bool  # a question in the papers' own words: the model's (the rule decides the others)
    ceiling: list[bool]  # the candidate misses a side of a two-sided topic: at most possible (screening.verdicts)


def read_devset(folder: Path = DEVSET, split: str = "dev") -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
    """The questions with a topic (TYPES) and the judged-relevant papers of each (qrels/SPLIT.tsv)."""
    rows = [json.loads(line) for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line]
    questions = [r for r in rows if r.get("metadata", {}).get("type") in TYPES]
    truth: dict[str, set[str]] = defaultdict(set)
    for line in (folder / "qrels" / f"{split}.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        query, paper, grade = line.split("\t")
        if int(grade) > 0:
            truth[query].add(paper)
    return questions, truth


def dump(
    settings: Settings, collection: str, folder: Path = DEVSET, split: str = "dev", prefix: str = ""
) -> list[Question]:
    """Every question's screened candidates, their features, labels and shipped verdicts. The chain is run as is;
    its screen_offline is wrapped to record what it was given (the last call with a topic is the answer's). `prefix`
    goes before each question's id (several sets pooled keep their ids apart)."""
    questions, truth = read_devset(folder, split)
    recorded: list[tuple[Any, ...]] = []
    real = answering.screen_offline

    def recording(hits: Any, topic: Any, stats: Any, *args: Any, **kw: Any) -> Any:
        screened = real(hits, topic, stats, *args, **kw)
        if topic.keys:
            recorded.append((list(hits), topic, stats, [s.verdict for s in screened], kw.get("listing_keys")))
        return screened

    answering.screen_offline = recording  # type: ignore[assignment]
    out = []
    try:
        for q in questions:
            recorded.clear()
            service.ask(q["text"], [], settings, collection=collection)
            if not recorded:
                print(f"  {q['_id']}: no screening with a topic, skipped", file=sys.stderr)
                continue
            hits, topic, stats, shipped, listing_keys = recorded[-1]
            if names_nothing(topic, stats):
                continue
            learnt = feedback(hits, resolve(topic, stats), stats, listing_keys=listing_keys)
            rows = np.array(feature_rows(hits, learnt), dtype=float).reshape(-1, len(FEATURES))
            out.append(Question(f"{prefix}{q['_id']}", q["metadata"]["type"], q["text"], truth.get(q["_id"], set()),
                                [h.paper.id for h in hits], rows, shipped, learnt.jargon,
                                [misses_a_side(h.paper, learnt) for h in hits]))
    finally:
        answering.screen_offline = real  # type: ignore[assignment]
    return out


# --- fitting -----------------------------------------------------------------------------------------------------


def fit(questions: Sequence[Question], l2: float) -> tuple[float, np.ndarray]:
    """(intercept, coefficients) of an L2-regularised logistic regression, each question's candidates weighted
    to one question's worth (mean size), by Newton's method (a few steps: the problem is convex and small)."""
    x = np.vstack([q.rows for q in questions])
    y = np.concatenate([[float(p in q.truth) for p in q.papers] for q in questions])
    mean = x.shape[0] / len(questions)
    w = np.concatenate([np.full(len(q.papers), mean / len(q.papers)) for q in questions])
    xb = np.hstack([np.ones((x.shape[0], 1)), x])
    penalty = np.diag([0.0] + [l2] * x.shape[1])
    beta = np.zeros(xb.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(xb @ beta, -60, 60)))
        gradient = xb.T @ (w * (p - y)) + penalty @ beta
        hessian = (xb * (w * p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(beta[0]), beta[1:]


def probabilities(q: Question, intercept: float, coefficients: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-np.clip(intercept + q.rows @ coefficients, -60, 60))))


def metrics(q: Question, verdicts: Sequence[str], beta: float = POSSIBLE_BETA) -> dict[str, float]:
    """The set metrics of set_eval.set_metrics, from the verdicts (the stated count is the relevant ones)."""
    relevant = {p for p, v in zip(q.papers, verdicts, strict=True) if v == "relevant"}
    possible = {p for p, v in zip(q.papers, verdicts, strict=True) if v == "possible"}
    p, r, f1 = prf(relevant, q.truth)
    _, r_all, _ = prf(relevant | possible, q.truth)
    p_all = len((relevant | possible) & q.truth) / len(relevant | possible) if relevant | possible else 0.0
    beta2 = beta**2
    net = (1 + beta2) * p_all * r_all / (beta2 * p_all + r_all) if p_all + r_all else 0.0
    within = abs(len(relevant) - len(q.truth)) <= COUNT_TOLERANCE * len(q.truth)
    return {"P": p, "R": r, "F1": f1, "R+poss": r_all, "Fb+poss": net, "<=15%": float(within),
            "listed": float(len(relevant)), "possible": float(len(possible))}


def cut(q: Question, probs: np.ndarray, relevant: float, possible: float) -> list[str]:
    """screening.verdicts on probabilities already computed (the threshold search tries many cuts): Model.verdict's
    cut, then the ceiling of a paper missing a side of a two-sided topic."""
    return [capped("relevant" if p >= relevant else "possible" if p >= possible else "not_relevant", ceiling)
            for p, ceiling in zip(probs, q.ceiling, strict=True)]


def thresholds(
    questions: Sequence[Question], probs: Sequence[np.ndarray], beta: float = POSSIBLE_BETA
) -> tuple[float, float]:
    """The relevant cut with the best mean F1 over the questions, then the possible cut below it with the best
    mean F-beta (POSSIBLE_BETA) of relevant + possible."""
    def mean(metric: str, rel: float, pos: float) -> float:
        return float(np.mean([metrics(q, cut(q, p, rel, pos), beta)[metric]
                              for q, p in zip(questions, probs, strict=True)]))

    relevant = max(GRID, key=lambda t: mean("F1", t, t))
    possible = max((t for t in GRID if t <= relevant), key=lambda t: mean("Fb+poss", relevant, t))
    return float(relevant), float(possible)


def in_sample(
    questions: Sequence[Question], l2: float, beta: float = POSSIBLE_BETA
) -> tuple[Model, dict[str, list[str]]]:
    intercept, coefficients = fit(questions, l2)
    probs = [probabilities(q, intercept, coefficients) for q in questions]
    relevant, possible = thresholds(questions, probs, beta)
    model = Model(intercept, tuple(float(c) for c in coefficients), relevant, possible)
    return model, {q.id: cut(q, p, relevant, possible) for q, p in zip(questions, probs, strict=True)}


def leave_one_out(questions: Sequence[Question], l2: float, beta: float = POSSIBLE_BETA) -> dict[str, list[str]]:
    """Each question's verdicts from a model and thresholds fitted without it."""
    out = {}
    for i, held in enumerate(questions):
        rest = [q for j, q in enumerate(questions) if j != i]
        model, _ = in_sample(rest, l2, beta)
        out[held.id] = cut(held, probabilities(held, model.intercept, np.array(model.coefficients)), model.relevant,
                           model.possible)
    return out


def rule_verdicts(q: Question) -> list[str]:
    """The hand-tuned decision before the model (screening.Rule at its defaults, capped where a jargon question's
    head terms are missing), from the features it read (words, meaning, no_head)."""
    words, meaning, no_head = (FEATURES.index(f) for f in ("words", "meaning", "no_head"))
    return [capped(DEFAULT_RULE.verdict(float(r[words]), float(r[meaning])), bool(r[no_head])) for r in q.rows]


# --- report ------------------------------------------------------------------------------------------------------


def by_type(
    questions: Sequence[Question], verdicts: Callable[[Question], Sequence[str]]
) -> dict[str, dict[str, float]]:
    groups: dict[str, list[dict[str, float]]] = defaultdict(list)
    for q in questions:
        row = metrics(q, verdicts(q))
        groups[q.type].append(row)
        groups["all"].append(row)
    return {t: {k: float(np.mean([r[k] for r in rows])) for k in rows[0]} | {"n": float(len(rows))}
            for t, rows in sorted(groups.items())}


def print_table(name: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n{name}")
    cols = ("P", "R", "F1", "R+poss", "<=15%", "listed", "possible")
    print(f"{'type (n)':<20}" + "".join(f"{c:>9}" for c in cols))
    for qtype, row in table.items():
        print(f"{qtype + ' (' + str(int(row['n'])) + ')':<20}" + "".join(f"{row[c]:>9.3f}" for c in cols))


def save(questions: Sequence[Question], path: Path) -> None:
    path.write_text(json.dumps([{"id": q.id, "type": q.type, "text": q.text, "truth": sorted(q.truth),
                                 "papers": q.papers, "rows": q.rows.tolist(), "shipped": q.shipped, "jargon": q.jargon,
                                 "ceiling": q.ceiling}
                                for q in questions]), encoding="utf-8")


def load(path: Path) -> list[Question]:
    return [Question(r["id"], r["type"], r["text"], set(r["truth"]), r["papers"],
                     np.array(r["rows"], dtype=float).reshape(-1, len(FEATURES)), r["shipped"], r["jargon"],
                     r.get("ceiling") or [False] * len(r["papers"]))
            for r in json.loads(path.read_text(encoding="utf-8"))]


def report(questions: Sequence[Question], fitted_on: Sequence[Question], l2: float, beta: float) -> None:
    """In-sample and leave-one-question-out figures of a fit (the rule deciding the questions not fitted on), and
    its constants."""
    model, fitted = in_sample(fitted_on, l2, beta)
    print_table(f"l2={l2}: in sample", by_type(questions, lambda q: fitted.get(q.id) or rule_verdicts(q)))
    held = leave_one_out(fitted_on, l2, beta)
    print_table(f"l2={l2}: leave one question out", by_type(questions, lambda q: held.get(q.id) or rule_verdicts(q)))
    print(f"\nl2={l2}: MODEL = Model(\n    intercept={model.intercept:.3f},\n    coefficients=("
          + ", ".join(f"{c:.3f}" for c in model.coefficients) + f"),  # {', '.join(FEATURES)}\n"
          f"    relevant={model.relevant},\n    possible={model.possible},\n)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="a store holding the ICLR 2022 listing")
    parser.add_argument("--collection", default="iclr2022")
    parser.add_argument("--questions", nargs="+", default=[], metavar="DIR[:SPLIT]",
                        help="judged question sets to fit on (BEIR layout, default split dev); default: the dev set")
    parser.add_argument("--dump", type=Path, help="write the rows here (or read them, with --from-dump)")
    parser.add_argument("--from-dump", action="store_true", help="read the rows from --dump instead of asking")
    parser.add_argument("--beta", type=float, default=POSSIBLE_BETA, help="F-beta of the possible cut")
    parser.add_argument("--l2", type=float, nargs="+", default=[4.0],
                        help="L2 penalties to validate (4: the shipped fit)")
    args = parser.parse_args()
    if args.from_dump:
        questions = load(args.dump)
    else:
        if args.store is None:
            parser.error("--store is needed (or --from-dump with --dump)")
        settings = Settings(store_dir=args.store, llm="offline")
        sets = [(Path(d), split or "dev") for d, _, split in (q.partition(":") for q in args.questions)]
        prefixes = len(sets) > 1  # pooled sets: "heldout8/causal"
        questions = [q for folder, split in sets or [(DEVSET, "dev")]
                     for q in dump(settings, args.collection, folder, split, f"{folder.name}/" if prefixes else "")]
        if args.dump:
            save(questions, args.dump)
    print(f"{len(questions)} questions, {sum(len(q.papers) for q in questions)} candidates, "
          f"{sum(len(q.truth & set(q.papers)) for q in questions)} of {sum(len(q.truth) for q in questions)} "
          f"relevant papers among them")
    print_table("the hand-tuned rule (screening.Rule and the jargon cap)", by_type(questions, rule_verdicts))
    print_table("shipped (screen_offline as it is)", by_type(questions, lambda q: q.shipped))
    fitted_on = [q for q in questions if q.jargon]
    print(f"\nthe model is fitted on the {len(fitted_on)} questions in the papers' own words (jargon); "
          f"the rule decides the other {len(questions) - len(fitted_on)}")
    for l2 in args.l2:
        report(questions, fitted_on, l2, args.beta)
    print(f"\nshipped MODEL: {MODEL}")


if __name__ == "__main__":
    main()
