"""The same question answered by 1 and by 8 concurrent clients: throughput (answers/s) and latency p50/p95.

Clients are threads of one process sharing one set of services, as the Gradio app's workers do. Each request is
the full path: `service.ask` when the service has it (its query-vector cache then serves the repeated question:
no embedding after the first), else the answer chain (`answering.answer`) over a retriever without that cache;
offline answerer unless `--llm` is given (an LLM endpoint measures the endpoint, not us). `--what search` times
`Retriever.search` alone with the query-vector cache bypassed (every request embeds its question).

    python benchmarks/concurrency.py [--workdir /tmp/assistant-bench] [--requests 48] [--what answer|search]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

from _common import ICLR_LISTING, QUESTIONS, bench_settings, print_machine, stats_ms, write_json

from assistant import service
from assistant.answering import chain as answering
from assistant.settings import Settings

QUESTION = QUESTIONS[0]


def request_fn(settings: Settings, what: str) -> tuple[Callable[[], object], str]:
    """The unit of work one client repeats, and a label saying what it is."""
    retriever = service.services(settings).timing_retriever(settings.collection)
    if what == "search":
        return (lambda: retriever.search(QUESTION, k=settings.top_k)), "search"
    ask = getattr(service, "ask", None)
    if ask is not None:
        return (lambda: ask(QUESTION, [], settings)), "service.ask"
    return (lambda: answering.answer(QUESTION, [], cast(Any, retriever), settings)), "answering.answer"


def run(fn: Callable[[], object], clients: int, requests: int) -> dict[str, Any]:
    latencies: list[float] = []
    lock = threading.Lock()

    def one(_: int) -> None:
        t = time.perf_counter()
        fn()
        with lock:
            latencies.append((time.perf_counter() - t) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    return {"clients": clients, "requests": requests, "wall_s": round(wall, 2),
            "throughput_per_s": round(requests / wall, 2), **stats_ms(latencies)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/assistant-bench"))
    parser.add_argument("--listing", type=Path, default=ICLR_LISTING)
    parser.add_argument("--requests", type=int, default=48, help="requests per run (each client count)")
    parser.add_argument("--what", choices=["answer", "search"], default="answer")
    parser.add_argument("--llm", action="store_true", help="use the configured LLM endpoint instead of offline")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    info = print_machine()
    overrides: dict[str, Any] = {"collection": "iclr2022"}
    if args.llm:
        overrides["llm"] = Settings().llm
    settings = bench_settings(args.workdir / "store-1k", **overrides)
    service.ingest([args.listing], settings, "iclr2022")  # idempotent: reuses search_latency's store
    fn, label = request_fn(settings, args.what)
    fn()  # warm-up: loads the index, the model and the prompts
    results = {str(c): run(fn, c, args.requests) for c in (1, 8)}
    print(f"{label} of {QUESTION!r}, {args.requests} requests per run")
    for c, r in results.items():
        print(f"  {c} client(s): {r['throughput_per_s']:.2f}/s, p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms")
    one, eight = results["1"], results["8"]
    print(f"8 vs 1 clients: throughput {eight['throughput_per_s'] / one['throughput_per_s']:.2f}x, "
          f"p95 {eight['p95_ms'] / one['p95_ms']:.2f}x")
    write_json(args.json, {"machine": info, "what": label, "question": QUESTION, "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
