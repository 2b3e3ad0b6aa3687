"""Set metrics for `assistant eval` (issue 9): how complete and how exact a set answer is.

A set question ("which papers...?", "how many...?") is judged by the papers its answer states as matching
(`Answer.relevant`) against every judged-relevant paper (qrels score > 0): precision, recall and F1, the same with the
"possibly relevant" group added (`Answer.possible`), and the count error of the number the answer states. In a
question set, every query whose `metadata.type` is set and is not "explain" is a set question.

Pure functions only; `evaluation.run_eval` wires them to the service.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..types import Answer

NOT_SET_TYPES = frozenset({"explain"})
COUNT_TOLERANCE = 0.15  # the target: a stated count within 15% of the truth
SET_METRICS = ("precision", "recall", "f1", "precision_with_possible", "recall_with_possible", "listed", "possible",
               "judged")
COUNT_METRICS = ("count_abs_error", "count_rel_error", "count_within_15pct", "count_equals_listed")
_STATED = re.compile(r"(?<![\[\d,])\b(\d{1,3}(?:,\d{3})+|\d+)\s+(?:[\w'\u2019-]+\s+){0,3}?(?:papers?|matches)\b",
                     re.IGNORECASE)
_NONE_STATED = re.compile(r"\b(?:no|none of the)\s+(?:[\w-]+\s+){0,2}?papers?\b", re.IGNORECASE)


def is_set_type(qtype: str | None) -> bool:
    """Typed queries other than explanations are set questions; untyped ones (SciFact claims) are not."""
    return qtype is not None and qtype not in NOT_SET_TYPES


def stated_count(text: str) -> int | None:
    """The number of papers an answer says match ("21 papers of ICLR 2022 match ...", "No papers ..." -> 0)."""
    found = _STATED.search(text)
    if found:
        return int(found.group(1).replace(",", ""))
    return 0 if _NONE_STATED.search(text) else None


def prf(found: set[str], truth: set[str]) -> tuple[float, float, float]:
    """Precision, recall, F1 of a set of paper ids. An empty answer has precision 0 (it states nothing true)."""
    hit = len(found & truth)
    precision = hit / len(found) if found else 0.0
    recall = hit / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def set_metrics(answer: Answer, judged: Mapping[str, int]) -> dict[str, float]:
    """One answer's set metrics; the count ones only when the answer states a number."""
    truth = {pid for pid, g in judged.items() if g > 0}
    relevant = {m.hit.paper.id for m in answer.relevant}
    possible = {m.hit.paper.id for m in answer.possible}
    p, r, f1 = prf(relevant, truth)
    p_all, r_all, _ = prf(relevant | possible, truth)
    out = {"precision": p, "recall": r, "f1": f1, "precision_with_possible": p_all, "recall_with_possible": r_all,
           "listed": float(len(relevant)), "possible": float(len(possible)), "judged": float(len(truth))}
    stated = stated_count(answer.text)
    if stated is not None and truth:
        out["count_abs_error"] = float(abs(stated - len(truth)))
        out["count_rel_error"] = abs(stated - len(truth)) / len(truth)
        out["count_within_15pct"] = 1.0 if abs(stated - len(truth)) <= COUNT_TOLERANCE * len(truth) else 0.0
        out["count_equals_listed"] = 1.0 if stated == len(relevant) else 0.0
    return out


def mean_by_type(per_query: Mapping[str, Mapping[str, float]], types: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Means per query type and over all set questions ("all"); `queries` and `counted` (answers stating a number)
    say how many each mean is over."""
    groups: dict[str, list[str]] = {}
    for qid in per_query:
        groups.setdefault(types[qid], []).append(qid)
    if groups:
        groups["all"] = list(per_query)
    return {qtype: _means([per_query[q] for q in ids]) for qtype, ids in sorted(groups.items())}


def _means(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    out = {"queries": float(len(rows))}
    out.update({m: sum(r[m] for r in rows) / len(rows) for m in SET_METRICS})
    counted = [r for r in rows if "count_abs_error" in r]
    out["counted"] = float(len(counted))
    if counted:
        out.update({m: sum(r[m] for r in counted) / len(counted) for m in COUNT_METRICS})
    return out


def format_sets(by_type: Mapping[str, Mapping[str, float]]) -> list[str]:
    """The set-metrics table of the text report, one question type a row."""
    header = ("type (queries)", "P", "R", "F1", "R+poss", "listed", "judged", "|count err|", "<=15%")
    lines = ["\nset answers (every typed question but explain): precision/recall/F1 of the papers stated as "
             "matching; R+poss adds the possibly relevant ones; count error of the number stated:",
             f"{header[0]:<22}" + "".join(f"{h:>12}" for h in header[1:])]
    for qtype, row in by_type.items():
        count = ("-", "-")
        if row.get("counted"):
            count = (f"{row['count_rel_error']:.1%}", f"{row['count_within_15pct']:.2f}")
        cells = [f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}",
                 f"{row['recall_with_possible']:.3f}", f"{row['listed']:.1f}", f"{row['judged']:.1f}", *count]
        lines.append(f"{qtype + ' (' + str(int(row['queries'])) + ')':<22}" + "".join(f"{c:>12}" for c in cells))
    return lines
