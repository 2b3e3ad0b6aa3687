"""Load test of the real app: N concurrent gradio_client sessions for S seconds against `python app.py` on
127.0.0.1 (offline answers), each looping over ask / search / summarize / similar with questions a user might ask.
Reports requests, failures, latency p50/p95/max per endpoint and overall, and the app process's resident memory at
the start and end of the run, with its growth per 100 requests (a least-squares slope over samples every 2 s).

    python benchmarks/load_test.py                       # 16 clients x 60 s, launches the app on the ICLR listing
    python benchmarks/load_test.py --clients 4 --seconds 10 --json /tmp/load.json
    python benchmarks/load_test.py --url http://127.0.0.1:7860/ --pid 12345   # an app that is already running

The launched app runs with ASSISTANT_UI_RATE_LIMIT=0: the default limit (30 requests a minute per client) would
refuse most of this load by design. The loop is bounded: no request starts after the deadline, and each has a
timeout. Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common, also when the tests load this file by path
from _common import ICLR_LISTING, ROOT, percentile  # noqa: E402  (after the sys.path line above)
from _common import QUESTIONS as BENCH_QUESTIONS  # noqa: E402

QUESTIONS = [*BENCH_QUESTIONS[:9], "which of the oral papers are about robustness?"]  # one with an implied filter
OPERATIONS = (("/ask", 45), ("/search", 35), ("/summarize", 10), ("/similar", 10))
SAMPLE_SECONDS = 2.0
VARIANTS = 20  # each question also comes with one of this many suffixes: 210 distinct questions in all


@dataclass
class Outcome:
    op: str
    ms: float
    ok: bool
    error: str = ""


@dataclass
class LoadResult:
    clients: int
    seconds: float
    requests: int = 0
    failures: int = 0  # measured requests and warm-up ones
    warmup_requests: int = 0
    throughput_per_s: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    by_endpoint: dict[str, dict[str, float]] = field(default_factory=dict)
    rss_start_mib: float = 0.0
    rss_end_mib: float = 0.0
    rss_max_mib: float = 0.0
    rss_growth_kib_per_100_requests: float = 0.0
    rss_growth_second_half_kib_per_100_requests: float = 0.0
    errors: list[str] = field(default_factory=list)
    rss_samples: list[tuple[int, int]] = field(default_factory=list)  # (requests done, RSS KiB) every 2 s


# --- memory of the app process ------------------------------------------------------------------------------------
def rss_kib(pid: int) -> int:
    """Resident memory of a process (Linux /proc), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def slope(points: list[tuple[int, int]]) -> float:
    """Least-squares slope of y over x (0 when x does not vary)."""
    if len(points) < 2:
        return 0.0
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return 0.0 if sxx == 0 else sum((x - mx) * (y - my) for x, y in points) / sxx


# --- one client session --------------------------------------------------------------------------------------------
def request_args(op: str, rng: random.Random, paper_ids: list[str]) -> tuple[Any, ...]:
    question = rng.choice(QUESTIONS)
    if rng.random() < 0.5:
        question = f"{question} ({rng.randrange(VARIANTS)})"  # not only repeated questions
    if op == "/summarize":
        return (question.split("?")[0],)
    if op == "/similar":
        return (rng.choice(paper_ids),)
    return (question,)


def check(op: str, result: Any) -> None:
    """A request counts as answered only with a well-formed, non-empty result."""
    if op in ("/ask", "/summarize"):
        if not result.get("answer") or not result.get("sources"):
            raise ValueError(f"empty answer: {str(result)[:200]}")
    elif not result.get("results"):
        raise ValueError(f"no results: {str(result)[:200]}")


def client_session(url: str, index: int, deadline: float, seed: int, timeout: float, paper_ids: list[str],
                   outcomes: list[Outcome], lock: threading.Lock, auth: tuple[str, str] | None) -> None:
    from gradio_client import Client

    rng = random.Random(seed * 1000 + index)
    client = Client(url, verbose=False, auth=auth)
    ops, weights = zip(*OPERATIONS, strict=True)
    while time.monotonic() < deadline:
        op = rng.choices(ops, weights)[0]
        started = time.perf_counter()
        try:
            result = client.submit(*request_args(op, rng, paper_ids), api_name=op).result(timeout=timeout)
            check(op, result)
            outcome = Outcome(op, (time.perf_counter() - started) * 1000, True)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported, none stops the run
            outcome = Outcome(op, (time.perf_counter() - started) * 1000, False, f"{type(exc).__name__}: {exc}")
        with lock:
            outcomes.append(outcome)


# --- the run -----------------------------------------------------------------------------------------------------
def warm_up(url: str, auth: tuple[str, str] | None) -> list[str]:
    """One of each request (loads the index, the model, the prompts); returns paper ids for `similar`."""
    from gradio_client import Client

    client = Client(url, verbose=False, auth=auth)
    ids = [r["id"] for q in QUESTIONS for r in client.predict(q, api_name="/search")["results"][:3]]
    for question in QUESTIONS:
        client.predict(question, api_name="/ask")
    client.predict(QUESTIONS[0], api_name="/summarize")
    client.predict(ids[0], api_name="/similar")
    return ids


def run_load(url: str, pid: int, clients: int = 16, seconds: float = 60.0, seed: int = 0, timeout: float = 120.0,
             auth: tuple[str, str] | None = None, warmup_seconds: float = 15.0) -> LoadResult:
    """Warm up (one request of each kind, then the same load for `warmup_seconds`, so that worker threads, their
    allocator arenas and the bounded caches are in place), then measure the load for `seconds`."""
    paper_ids = warm_up(url, auth)
    warmup: list[Outcome] = []
    if warmup_seconds > 0:
        concurrent_load(url, pid, clients, warmup_seconds, seed + 1, timeout, auth, paper_ids, warmup)
    outcomes: list[Outcome] = []
    rss_start = rss_kib(pid)
    started = time.monotonic()
    samples = concurrent_load(url, pid, clients, seconds, seed, timeout, auth, paper_ids, outcomes)
    result = summarise(outcomes, samples, clients, time.monotonic() - started, rss_start)
    result.warmup_requests = len(warmup)
    result.failures += sum(not o.ok for o in warmup)
    result.errors = sorted({o.error for o in warmup + outcomes if not o.ok})[:10]
    return result


Samples = list[tuple[int, int]]  # (requests done, app RSS KiB)


def concurrent_load(url: str, pid: int, clients: int, seconds: float, seed: int, timeout: float,
                    auth: tuple[str, str] | None, paper_ids: list[str], outcomes: list[Outcome]) -> Samples:
    """`clients` sessions until the deadline; returns (requests done, app RSS KiB) sampled every 2 s."""
    lock = threading.Lock()
    samples: list[tuple[int, int]] = []
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client_session, daemon=True,
                                args=(url, i, deadline, seed, timeout, paper_ids, outcomes, lock, auth))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        with lock:
            samples.append((len(outcomes), rss_kib(pid)))
        time.sleep(SAMPLE_SECONDS)
    samples.append((len(outcomes), rss_kib(pid)))
    return samples


def summarise(outcomes: list[Outcome], samples: list[tuple[int, int]], clients: int, elapsed: float,
              rss_start: int) -> LoadResult:
    latencies = [o.ms for o in outcomes]
    result = LoadResult(clients=clients, seconds=round(elapsed, 1), requests=len(outcomes),
                        failures=sum(not o.ok for o in outcomes))
    result.throughput_per_s = round(len(outcomes) / elapsed, 2) if elapsed else 0.0
    if latencies:
        result.p50_ms = round(percentile(latencies, 50), 1)
        result.p95_ms = round(percentile(latencies, 95), 1)
        result.max_ms = round(max(latencies), 1)
    for op, _ in OPERATIONS:
        mine = [o.ms for o in outcomes if o.op == op]
        if mine:
            failed = sum(not o.ok for o in outcomes if o.op == op)
            result.by_endpoint[op] = {"requests": len(mine), "failures": failed,
                                      "p50_ms": round(percentile(mine, 50), 1),
                                      "p95_ms": round(percentile(mine, 95), 1)}
    result.rss_start_mib = round(rss_start / 1024, 1)
    result.rss_end_mib = round(samples[-1][1] / 1024, 1)
    result.rss_max_mib = round(max(rss for _, rss in samples) / 1024, 1)
    result.rss_growth_kib_per_100_requests = round(100 * slope(samples), 1)
    result.rss_growth_second_half_kib_per_100_requests = round(100 * slope(samples[len(samples) // 2 :]), 1)
    result.rss_samples = samples
    result.errors = sorted({o.error for o in outcomes if not o.ok})[:10]
    return result


# --- new sessions ------------------------------------------------------------------------------------------------
def session_churn(url: str, pid: int, sessions: int, auth: tuple[str, str] | None = None,
                  threads: int = 8) -> dict[str, float]:
    """`sessions` visitors that come once (a fresh gradio_client session, one search) and never return: the app's
    memory per session, over the first and the second half (flat in the second half once old sessions are
    dropped: ASSISTANT_UI_MAX_SESSIONS)."""
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    def visit(i: int) -> None:
        Client(url, verbose=False, auth=auth).predict(QUESTIONS[i % len(QUESTIONS)], api_name="/search")

    half = sessions // 2
    rss = [rss_kib(pid)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for start in (0, half):
            list(pool.map(visit, range(start, start + half)))
            rss.append(rss_kib(pid))
    return {"sessions": 2 * half, "rss_start_mib": round(rss[0] / 1024, 1), "rss_end_mib": round(rss[2] / 1024, 1),
            "kib_per_session_first_half": round((rss[1] - rss[0]) / half, 1),
            "kib_per_session_second_half": round((rss[2] - rss[1]) / half, 1)}


# --- launching the app ----------------------------------------------------------------------------------------------
@contextlib.contextmanager
def launched_app(store: Path, listing: Path, log: Path, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """`python app.py` on a free port, offline answers, no rate limit; yields (url, pid) once it answers."""
    from tests.servers import free_port, serving

    port = free_port()
    env = {**os.environ, "ASSISTANT_LLM": "offline", "ASSISTANT_UI_RATE_LIMIT": "0", "PYTHONUNBUFFERED": "1",
           **(env or {})}
    command = [sys.executable, str(ROOT / "app.py"), "--store", str(store), "--listing", str(listing),
               "--collection", "iclr2022", "--port", str(port)]
    with serving(command, port, log, env=env, cwd=ROOT, timeout=600) as proc:
        yield f"http://127.0.0.1:{port}/", proc.pid


def print_result(result: LoadResult) -> None:
    print(f"{result.clients} clients for {result.seconds} s (after {result.warmup_requests} warm-up requests): "
          f"{result.requests} requests, {result.failures} failed, "
          f"{result.throughput_per_s}/s; latency p50 {result.p50_ms} ms, p95 {result.p95_ms} ms, "
          f"max {result.max_ms} ms")
    for op, figures in result.by_endpoint.items():
        print(f"  {op:11} {figures['requests']:5} requests, {figures['failures']} failed, "
              f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
    print(f"app memory (RSS): {result.rss_start_mib} MiB at start, {result.rss_end_mib} MiB at end, "
          f"{result.rss_max_mib} MiB max; growth {result.rss_growth_kib_per_100_requests} KiB per 100 requests "
          f"({result.rss_growth_second_half_kib_per_100_requests} KiB over the second half)")
    for error in result.errors:
        print(f"  error: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds of the same load before measuring")
    parser.add_argument("--url", help="an app already running (give its --pid too, for its memory)")
    parser.add_argument("--pid", type=int)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/assistant-bench"), help="store of a launched app")
    parser.add_argument("--listing", type=Path, default=ICLR_LISTING)
    parser.add_argument("--sessions", type=int, default=400,
                        help="then this many one-request visitors, for the memory each new session costs (0: none)")
    parser.add_argument("--max-sessions", type=int, help="ASSISTANT_UI_MAX_SESSIONS of the launched app")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.url and not args.pid:
        parser.error("--url needs --pid (the app's process id, to read its memory)")
    with contextlib.ExitStack() as stack:
        if args.url:
            url, pid = args.url, args.pid
        else:
            args.workdir.mkdir(parents=True, exist_ok=True)
            env = {"ASSISTANT_UI_MAX_SESSIONS": str(args.max_sessions)} if args.max_sessions else {}
            url, pid = stack.enter_context(launched_app(args.workdir / "store-1k", args.listing,
                                                        args.workdir / "load-test-app.log", env))
        print(f"load test: {args.clients} clients x {args.seconds:g} s against {url} (pid {pid}), load average "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
        result = run_load(url, pid, args.clients, args.seconds, args.seed, warmup_seconds=args.warmup)
        print_result(result)
        churn = session_churn(url, pid, args.sessions) if args.sessions > 1 else {}
    if churn:
        print(f"{churn['sessions']} one-request sessions: RSS {churn['rss_start_mib']} -> {churn['rss_end_mib']} MiB, "
              f"{churn['kib_per_session_first_half']} KiB per session over the first half, "
              f"{churn['kib_per_session_second_half']} KiB over the second")
    if args.json:
        args.json.write_text(json.dumps({"machine_load_avg_1m": os.getloadavg()[0], **asdict(result),
                                         "new_sessions": churn}, indent=2))
    return 1 if result.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
