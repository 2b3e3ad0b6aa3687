"""Set answers (issue 9): the offline set answer's latency at 1k papers, and LLM screening's round trips.

    python benchmarks/set_answers.py [--store DIR] [--rounds N] [--delay S] [--store-100k DIR]

1. Offline: every set question of the dev set (data/devset/iclr2022, list and count types) answered through the
   chain on the shipped ICLR 2022 listing (1,095 papers), after one warm-up pass (the per-paper caches fill once per
   listing). Baseline in the same run: the top-8 hybrid search of the same questions (what the answer cost before,
   retrieval alone), so the ratio survives a noisy machine.
2. LLM screening of 100 candidates against the scripted OpenAI-compatible server (tests/openai_stub.py) answering
   each call after --delay seconds (a model's round trip): the screening time divided by that delay is the number
   of round trips it costs (batches of settings.screen_batch, settings.screen_concurrency at once), and the same
   for the whole set answer (screening plus the call that names the groups).
3. With --store-100k: the same offline set answers over the generated 100k-chunk store of
   benchmarks/search_latency.py (50,000 papers of real ICLR sentences), one timed pass, with its own top-8 baseline.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import ICLR_LISTING, ROOT, bench_settings, print_machine, stats_ms

from assistant import service
from assistant.answering.chain import AnswerChain, answer
from assistant.answering.collection import collection_info
from assistant.llm import make_llm
from assistant.prompts import load_prompts
from assistant.sets.screening import Topic, screen_offline
from assistant.sets.screening_llm import screen_with_llm
from tests.openai_stub import OpenAIStub, Reply

DEVSET = ROOT / "data" / "devset" / "iclr2022" / "queries.jsonl"
_BLOCK = re.compile(r'<paper n="(\d+)"[^>]*>\nTitle: (.*?)\n', re.DOTALL)


def set_questions() -> list[str]:
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if r.get("metadata", {}).get("type") not in (None, "explain")]


def offline_latency(settings: Any, questions: list[str], rounds: int) -> dict[str, Any]:
    retriever = service.services(settings).retriever(settings.collection)
    for question in questions:  # warm-up: snapshot, idf table, per-paper caches, sklearn import
        answer(question, [], retriever, settings)
        retriever.search(question)
    answers, searches, sizes = [], [], []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            result = answer(question, [], retriever, settings)
            answers.append((time.perf_counter() - started) * 1000)
            sizes.append(len(result.matches))
            started = time.perf_counter()
            retriever.search(question)
            searches.append((time.perf_counter() - started) * 1000)
    a, s = stats_ms(answers), stats_ms(searches)
    return {"set_answer": a, "top8_search_baseline": s, "ratio_p50": round(a["p50_ms"] / s["p50_ms"], 2),
            "papers_per_answer_mean": round(sum(sizes) / len(sizes), 1), "questions": len(questions)}


def verdicts(body: dict[str, Any]) -> str:
    """The scripted model: every paper relevant, quoted by its title (valid: the title is in the paper)."""
    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    if "<groups>" in prompt:
        return json.dumps({str(n): f"Theme {n}" for n in range(1, prompt.count('<group n="') + 1)})
    return json.dumps([{"n": int(n), "verdict": "relevant", "quote": t} for n, t in _BLOCK.findall(prompt)])


def llm_round_trips(settings: Any, delay: float) -> dict[str, Any]:
    retriever = service.services(settings).retriever(settings.collection)
    hits = retriever.candidates("diffusion models", limit=100, floor=0.0)[:100]
    topic = Topic.of("diffusion models")
    info = collection_info(retriever)
    stats = info.stats
    # Long chunks: the stub streams each reply at once after `delay` (a model's generation time), so the figure is
    # round trips, not the client's parsing of thousands of 6-character deltas.
    with OpenAIStub(default=Reply(fn=verdicts, delay=delay, chunk_chars=4000)) as stub:
        llm_settings = settings.with_overrides(llm="openai", llm_model=stub.model, openai_base_url=stub.base_url,
                                               llm_retries=0, llm_timeout=60.0, llm_first_token_timeout=30.0)
        llm = make_llm(llm_settings)
        assert llm is not None
        prompts = load_prompts(llm_settings.prompts_dir)
        offline = screen_offline(hits, topic, stats, listing_keys=info.keys)
        started = time.perf_counter()
        screened = screen_with_llm(llm, prompts.screen, hits, topic, offline, llm_settings.screen_batch,
                                   llm_settings.screen_concurrency, llm_settings.context_tokens)
        screening = time.perf_counter() - started
        calls = len(stub.chat_requests)
        chain = AnswerChain(retriever, llm_settings.with_overrides(candidates=100, set_floor=0.0), llm, prompts)
        started = time.perf_counter()
        result = chain.answer("which papers study diffusion models?")
        whole = time.perf_counter() - started
    return {
        "candidates": len(hits), "delay_s": delay, "screen_batch": llm_settings.screen_batch,
        "screen_concurrency": llm_settings.screen_concurrency, "screening_calls": calls,
        "screening_s": round(screening, 3), "screening_round_trips": round(screening / delay, 2),
        "llm_verdicts": sum(1 for s in screened.screened if s.judge == "llm"),
        "set_answer_s": round(whole, 3), "set_answer_round_trips": round(whole / delay, 2),
        "set_answer_papers": len(result.matches), "set_answer_mode": result.mode,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=None, help="store folder (default: a temporary one)")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the questions")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds the scripted model takes per call")
    parser.add_argument("--store-100k", type=Path, default=None,
                        help="also time the offline set answers over benchmarks/search_latency.py's generated "
                             "100k-chunk store in this folder (collection 'synthetic'; build it with that script)")
    args = parser.parse_args()
    print_machine()
    store = args.store or Path(tempfile.mkdtemp(prefix="bench-sets-"))
    settings = bench_settings(store, collection="iclr2022")
    if not service.open_store(settings).has_listing("iclr2022"):
        service.ingest([ICLR_LISTING], settings, "iclr2022")
    results = {"offline": offline_latency(settings, set_questions(), args.rounds),
               "llm": llm_round_trips(settings, args.delay)}
    if args.store_100k is not None:
        large = bench_settings(args.store_100k, collection="synthetic")
        if not service.open_store(large).has_listing("synthetic"):
            parser.error(f"no 'synthetic' listing in {args.store_100k}: run benchmarks/search_latency.py first")
        results["offline_100k_chunks"] = offline_latency(large, set_questions(), 1)
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
