"""The `assistant` command. Thin: parses flags into settings and calls the service functions; assistant errors
become one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from . import service
from .errors import AssistantError
from .events import AnswerEvent, FinalAnswer, StreamReset, TextDelta, final_answer
from .settings import Settings
from .types import Answer, Filters, IngestSummary

Handler = Callable[[argparse.Namespace, Settings], int]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, help="store folder (default: vectorstore/ or ASSISTANT_STORE_DIR)")
    parser.add_argument("--chroma-url", help="use a Chroma server instead of the store folder")
    parser.add_argument("--collection", help="collection (listing) name (default: iclr2022)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--decision", action="append", help="Oral, Spotlight or Poster (repeatable)")
    parser.add_argument("--author", help="only papers with an author whose name holds these words (accents folded)")
    parser.add_argument("--keyword", help="only papers with a keyword containing this")
    parser.add_argument("--year", type=int, help="only papers of this year")


def filters_from(args: argparse.Namespace) -> Filters:
    return Filters(
        decision=tuple(d.capitalize() for d in (args.decision or ())),
        author=args.author,
        keyword=args.keyword,
        year=args.year,
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from env/.env, with the flags given on the command line on top."""
    return Settings.load(
        store_dir=args.store, chroma_url=args.chroma_url, collection=args.collection,
        search_mode=getattr(args, "mode", None),
    )


def _progress_bar(desc: str) -> Callable[[int, int], None]:
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=desc, unit="paper", file=sys.stderr)
        bar["bar"].n = done
        bar["bar"].refresh()
        if done >= total:
            bar["bar"].close()

    return update


def print_summary(s: IngestSummary) -> None:
    print(
        f"{s.collection}: read {s.read} papers ({s.title_only} title-only), skipped {s.skipped}, added {s.added}, "
        f"updated {s.updated}, unchanged {s.unchanged}, removed {s.removed}, {s.chunks} chunks written, "
        f"{s.seconds:.1f} s"
    )
    for rec in s.skipped_records[:20]:
        print(f"  skipped {rec}", file=sys.stderr)
    if len(s.skipped_records) > 20:
        print(f"  ... and {len(s.skipped_records) - 20} more skipped", file=sys.stderr)
    for note in s.notes:
        print(f"  note: {note}", file=sys.stderr)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    summary = service.ingest(
        args.paths, settings, strict=args.strict, replace=args.replace,
        progress=None if args.quiet else _progress_bar("embedding"), save_cache=args.save_embeddings,
    )
    print_summary(summary)
    return 0


QUESTION_COMMANDS = frozenset({"ask", "chat", "search", "summarize"})


def first_run(settings: Settings) -> None:
    """A question on a store without the default listing indexes it first, as the app does: `assistant ask` works
    on a fresh clone or a fresh install. Only for the default collection (another name must be ingested)."""
    if settings.collection != Settings.model_fields["collection"].default:
        return
    if service.ensure_default_listing(settings, progress=_progress_bar("indexing the default listing")):
        print(f"indexed the default listing {settings.default_listing.name} (first run)", file=sys.stderr)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    found = service.search_with_reading(" ".join(args.query), settings, k=args.k, filters=filters_from(args))
    hits = found.hits
    if args.json:
        print(json.dumps([service.hit_to_dict(h) for h in hits], ensure_ascii=False, indent=2))
        return 0
    if found.reading:  # "Reading ‘Chelsea Fin’ as Chelsea Finn. Filtered: by Chelsea Finn."
        print(found.reading)
    for rank, hit in enumerate(hits, 1):
        p = hit.paper
        badge = f" [{p.decision}]" if p.decision else ""
        print(f"{rank:2}. {p.title}{badge}  ({hit.score:.3f})\n    {', '.join(p.authors)}\n    {p.url or p.id}")
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    info = service.stats(settings)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"store: {info['store']}\nembedder: {info['embedder']}")
    for c in info["collections"]:
        if "error" in c:
            print(f"  {c['collection']}: unreadable: {c['error']}")
            continue
        print(f"  {c['collection']}: {c['papers']} papers, {c['chunks']} chunks, model {c['embedding_model']}")
    if not info["collections"]:
        print("  no collections yet: `assistant ingest PATH`")
    return 0


def print_answer_stream(events: Iterable[AnswerEvent]) -> Answer:
    """Stream an answer's text to stdout; on a reset (the LLM failed midway) start again on a new line."""
    result: Answer | None = None
    for event in events:
        if isinstance(event, TextDelta):
            print(event.text, end="", flush=True)
        elif isinstance(event, StreamReset):
            print(f"\n[{event.notice}]\n", flush=True)
        elif isinstance(event, FinalAnswer):
            result = event.answer
    print()
    if result is None:
        raise AssistantError("the answer stream ended without an answer")
    return result


def print_references(answer: Answer) -> None:
    mode = f"LLM {answer.model}" if answer.mode == "llm" else "offline mode (no LLM configured)"
    if answer.notice:
        print(f"notice: {answer.notice}", file=sys.stderr)
    for c in answer.citations:
        print(f"  [{c.n}] {c.title}  {c.url or c.id}")
    others = answer.uncited_sources()
    if others:
        print(f"  also retrieved: {'; '.join(h.paper.title for h in others[:5])}")
    print(f"  ({mode})", file=sys.stderr)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    question = " ".join(args.question)
    if args.json:
        answer = service.ask(question, [], settings, filters_from(args))
        print(json.dumps(service.answer_to_dict(answer), ensure_ascii=False, indent=2))
        return 0
    print_references(print_answer_stream(service.ask_stream(question, [], settings, filters_from(args))))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    history: list[Answer] = []
    print("Ask about the papers; follow-ups use the conversation. Empty line or Ctrl-D to leave, /new to start over.")
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        if question == "/new":
            history.clear()
            continue
        try:
            answer = print_answer_stream(service.ask_stream(question, history, settings, filters_from(args)))
        except AssistantError as exc:  # one bad turn does not end the conversation
            print(f"error: {exc}", file=sys.stderr)
            continue
        print_references(answer)
        history = (history + [answer])[-settings.max_history_turns :]


def cmd_summarize(args: argparse.Namespace, settings: Settings) -> int:
    filters = filters_from(args)
    if not (args.query or args.ids or not filters.is_empty()):
        raise AssistantError("say which papers: --query TEXT, --ids ID..., or a filter such as --decision Oral")
    query = " ".join(args.query) if args.query else None
    events = service.summarize_stream(settings, query=query, ids=args.ids, filters=filters)
    if args.json:
        print(json.dumps(service.answer_to_dict(final_answer(events)), ensure_ascii=False, indent=2))
        return 0
    print_references(print_answer_stream(events))
    return 0


def cmd_delete(args: argparse.Namespace, settings: Settings) -> int:
    freed = service.delete_listing(settings, args.name)
    print(f"deleted collection {args.name}" + (f", {freed / 2**20:.1f} MiB freed" if freed else ""))
    return 0


def cmd_tidy(args: argparse.Namespace, settings: Settings) -> int:
    tidied = service.tidy(settings, args.folder)
    if tidied.removed_folders is None:  # the embedded store: also what failed ingests left
        print(f"tidied {tidied.folder}: {tidied.freed / 2**20:.1f} MiB freed")
    else:
        print(f"removed {tidied.removed_folders} unused index folder(s) from {tidied.folder}, "
              f"{tidied.freed / 2**20:.1f} MiB freed")
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    checks = service.doctor(settings)
    if args.json:
        print(json.dumps([c.as_dict() for c in checks], indent=2))
    else:
        print(service.format_checks(checks))
    return 1 if any(c.status == "fail" for c in checks) else 0


def _add_doctor_parser(sub: Any) -> None:
    p = sub.add_parser("doctor", help="what is configured and whether it works: model files, store, listings, LLM")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    _common(p)
    p.set_defaults(handler=cmd_doctor)


# --- eval (owned by the evaluation work, issue 5) ----------------------------------------------------------------
def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from . import evaluation

    qs = evaluation.load_question_set(args.beir_dir, args.queries, args.qrels, args.corpus, args.split)
    modes = evaluation.MODES if args.eval_mode == "all" else (args.eval_mode,)
    report = evaluation.run_eval(
        qs, settings, modes, collection=args.collection, store_given=args.store is not None, by_type=args.by_type,
        answers=args.answers, limit=args.limit, progress=None if args.json else _progress_bar("indexing corpus"),
        sets=False if args.no_sets else None,
    )
    print(json.dumps(report.to_dict(), indent=2) if args.json else evaluation.format_report(report))
    return 0


def _add_eval_parser(sub: Any) -> None:
    p = sub.add_parser("eval", help="retrieval quality (nDCG@10, recall, MRR) and latency on a BEIR question set")
    p.add_argument("beir_dir", nargs="?", type=Path, help="BEIR folder: queries.jsonl, qrels/SPLIT.tsv, corpus.jsonl")
    p.add_argument("--queries", type=Path, help="queries.jsonl (_id, text, metadata.type)")
    p.add_argument("--qrels", type=Path, help="judgments: query-id corpus-id score (tab-separated)")
    p.add_argument("--corpus", type=Path, help="corpus.jsonl to index first (else --collection must hold the papers)")
    p.add_argument("--split", default="test", help="qrels split of a BEIR folder (default test)")
    p.add_argument("--mode", dest="eval_mode", choices=["all", "hybrid", "dense", "bm25"], default="all")
    p.add_argument("--by-type", action="store_true", help="also split the figures by the queries' metadata.type")
    p.add_argument("--answers", action="store_true", help="also run the answer chain: citation validity, recall")
    p.add_argument("--no-sets", action="store_true", help="skip the set metrics (precision, recall, F1 and count "
                   "error of the answers to the typed questions other than explain, by the answer chain)")
    p.add_argument("--limit", type=int, help="only the first N queries (a quick look)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _common(p)
    p.set_defaults(handler=cmd_eval)
# --- end eval -------------------------------------------------------------------------------------------------


# --- topic map and comparison tables (issue 12) -------------------------------------------------------------------
def cmd_map(args: argparse.Namespace, settings: Settings) -> int:
    topic_map = service.topic_map(settings)
    if args.json:
        print(json.dumps(topic_map.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{len(topic_map.points)} papers in {len(topic_map.clusters)} topics ({topic_map.method}):")
    for cluster in topic_map.clusters:
        print(f"  {cluster.id:2}. {cluster.label}: {', '.join(cluster.terms)}")
    return 0


def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    from .web.tables import comparison_csv, comparison_markdown

    table = service.compare(args.ids, settings, columns=args.columns)
    if args.json:
        print(json.dumps(table.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(comparison_csv(table) if args.csv else comparison_markdown(table), end="")
    if table.notice:
        print(f"notice: {table.notice}", file=sys.stderr)
    if table.missing:
        print(f"not in the listing, left out: {', '.join(table.missing)}", file=sys.stderr)
    return 0


def _add_map_parsers(sub: Any) -> None:
    p = sub.add_parser("map", help="the topic map of a listing: every paper in 2D, clusters with their terms")
    p.add_argument("--json", action="store_true", help='print {"points": [...], "clusters": [...]}')
    _common(p)
    p.set_defaults(handler=cmd_map)

    p = sub.add_parser("compare", help="a comparison table of papers, every cell quoted from its abstract")
    p.add_argument("--ids", nargs="+", required=True, help="the papers (OpenReview ids), one row each")
    p.add_argument("--columns", nargs="+", help="columns (default: task, method, data, result, limitation); "
                   "any other, e.g. 'code available?'")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.add_argument("--csv", action="store_true", help="print CSV instead of Markdown")
    _common(p)
    p.set_defaults(handler=cmd_compare)
# --- end topic map and comparison tables ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Chat assistant over research-paper listings.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add listing files (papers.cool text, JSON/JSONL, CSV, BEIR) to a collection")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--strict", action="store_true", help="fail (and write nothing) if any record is skipped")
    p.add_argument("--replace", action="store_true", help="remove papers of the collection not in these files")
    p.add_argument("--save-embeddings", type=Path, help="also write the chunk embeddings to this .npz cache")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _common(p)
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("search", help="the papers that best match a query")
    p.add_argument("query", nargs="+")
    p.add_argument("--k", type=int, default=10, help="how many papers (default 10)")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"])
    p.add_argument("--json", action="store_true", help="print JSON")
    _filters(p)
    _common(p)
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("stats", help="collections, paper and chunk counts, embedding model")
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(handler=cmd_stats)

    p = sub.add_parser("ask", help="answer a question, citing the papers")
    p.add_argument("question", nargs="+")
    p.add_argument("--json", action="store_true", help="print the answer, citations and sources as JSON")
    _filters(p)
    _common(p)
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("chat", help="an interactive conversation (follow-ups use the history)")
    _filters(p)
    _common(p)
    p.set_defaults(handler=cmd_chat)

    p = sub.add_parser("summarize", help="a cited summary of a group of papers")
    p.add_argument("--query", nargs="+", help="the papers that best match this")
    p.add_argument("--ids", nargs="+", help="these papers (OpenReview ids)")
    p.add_argument("--json", action="store_true")
    _filters(p)
    _common(p)
    p.set_defaults(handler=cmd_summarize)

    p = sub.add_parser("delete", help="delete a collection")
    p.add_argument("name")
    _common(p)
    p.set_defaults(handler=cmd_delete)

    p = sub.add_parser("tidy", help="free the disk space of dropped collections in a Chroma folder (a server's "
                       "--path, run on its machine; the embedded store tidies itself)")
    p.add_argument("folder", nargs="?", type=Path, help="the Chroma folder (default: the embedded store)")
    _common(p)
    p.set_defaults(handler=cmd_tidy)

    _add_doctor_parser(sub)
    _add_eval_parser(sub)  # eval: see the block above
    _add_map_parsers(sub)  # map, compare: see the block above
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        settings = settings_from(args)
        if args.command in QUESTION_COMMANDS:
            first_run(settings)
        handler: Handler = args.handler
        return handler(args, settings)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
