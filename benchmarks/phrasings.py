"""Phrasings (issue 9): does a set answer hold up when the same topic is asked in other words around it?

    python benchmarks/phrasings.py [--store DIR] [--questions DIR] [--show-failures]

Every `topic` question of a judged set (default the dev set, data/devset/iclr2022) is read by the plan
(`topic_of`), and its topic asked again in each of the framings below ("tell me which papers cover {t}", "{t} for
my reading group", "roughly how many papers deal with {t}?", ...). Each framing's mean set F1 against the
judgments is printed beside the plain topic's (the baseline of the same run): a framing that loses the intent or
leaves its own words in the topic scores below it. The store is built from the shipped listing when --store is not
given (or is empty).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from _common import ICLR_LISTING, ROOT, bench_settings, print_machine

from assistant import service
from assistant.evaluation import EvalQuery, read_qrels, read_queries
from assistant.query.plan import topic_of
from assistant.sets.metrics import prf

FRAMINGS = (
    "{t}", "which papers are about {t}?", "I'm looking for papers on {t}", "any work on {t}?", "show me {t} papers",
    "papers related to {t}", "Can you list the papers dealing with {t}?", "is there research on {t}?",
    "give me everything on {t}", "papers that focus on {t}", "list all {t} work", "what did people publish on {t}?",
    "{t}?? which papers", "I need a list of papers about {t} for my reading group",
    "Find me ICLR papers that discuss {t}.", "Which accepted papers tackle {t}, if any?",
    "hey, got anything about {t}?", "Papers on {t}, please.", "Could you find work related to {t} at ICLR 2022?",
    "what are all the papers on {t}", "tell me which papers cover {t}", "do we have papers about {t}",
    "{t} papers from this conference", "search: {t}", "topic: {t}", "find {t}", "papers on the topic of {t}",
    "works in the area of {t}", "papers in the field of {t}", "I want to read about {t}",
    "what should I read on {t}?", "how many {t} papers are there?", "number of papers about {t}",
    "count {t} papers", "what's the count of papers on {t}", "how much work is there on {t}?",
    "roughly how many papers deal with {t}?", "are there many papers on {t}?", "is {t} popular at ICLR 2022?",
    "what papers should I cite for {t}", "recent advances in {t}",
)


def judged(folder: Path) -> tuple[list[EvalQuery], dict[str, set[str]]]:
    """The set's topic questions and each one's relevant papers (the evaluation's own readers)."""
    queries = read_queries(folder / "queries.jsonl")
    qrels = read_qrels(folder / "qrels" / "dev.tsv")
    truth = {qid: {paper for paper, grade in papers.items() if grade > 0} for qid, papers in qrels.items()}
    return [q for q in queries.values() if q.type == "topic"], truth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="store folder holding the shipped listing (default: a new one)")
    parser.add_argument("--questions", type=Path, default=ROOT / "data" / "devset" / "iclr2022")
    parser.add_argument("--show-failures", action="store_true", help="print each phrasing scoring under 0.2")
    args = parser.parse_args()
    print_machine()
    store = args.store or Path(tempfile.mkdtemp(prefix="phrasings-"))
    settings = bench_settings(store)
    if not (store / "chroma.sqlite3").exists() and not any(store.glob("*/chroma.sqlite3")):
        service.ingest([ICLR_LISTING], settings)
    topics, truth = judged(args.questions)
    scores: dict[str, list[float]] = defaultdict(list)
    started = time.perf_counter()
    for row in topics:
        topic = topic_of(row.text)
        for framing in FRAMINGS:
            question = framing.format(t=topic)
            answer = service.ask(question, [], settings)
            f1 = prf({m.hit.paper.id for m in answer.relevant}, truth.get(row.id, set()))[2]
            scores[framing].append(f1)
            if args.show_failures and f1 < 0.2:
                print(f"  {f1:.2f} {question!r} -> {answer.intent} {answer.topic!r}")
    plain = sum(scores["{t}"]) / len(scores["{t}"])
    print(f"{len(topics)} topics x {len(FRAMINGS)} framings, {time.perf_counter() - started:.0f} s")
    print(f"{'mean F1':>8} {'ratio':>6}  framing")
    for framing in FRAMINGS:
        mean = sum(scores[framing]) / len(scores[framing])
        print(f"{mean:8.3f} {mean / plain if plain else 0.0:6.2f}  {framing}")
    framed = [sum(scores[f]) / len(scores[f]) for f in FRAMINGS[1:]]
    print(f"all framings: mean F1 {sum(framed) / len(framed):.3f} (plain topic {plain:.3f}); "
          f"framings under 0.9 of plain: {sum(1 for m in framed if m < 0.9 * plain)} of {len(framed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
