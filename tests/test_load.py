"""A short run of benchmarks/load_test.py against the real app (the small listing, offline answers, no rate
limit): concurrent gradio_client sessions with zero failed requests, latency recorded, memory not growing per
request. The full run (16 clients x 60 s on the ICLR listing) is `python benchmarks/load_test.py`; its last figures
are in docs/reliability.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import benchmark_module


def test_four_clients_for_ten_seconds_without_a_failure_or_memory_growth(small_app: Any) -> None:
    load_test = benchmark_module("load_test")
    result = load_test.run_load(small_app.url, small_app.proc.pid, clients=4, seconds=10.0, seed=1, timeout=60.0,
                                warmup_seconds=5.0)
    load_test.print_result(result)
    assert result.failures == 0, result.errors
    assert result.requests >= 8 and set(result.by_endpoint) >= {"/ask", "/search"}
    assert 0 < result.p50_ms <= result.p95_ms <= result.max_ms
    # Memory: a run this short only catches a gross leak (keeping each answer and its sources is some 50 KiB a
    # request); the benchmark's longer run gives the figure (docs/reliability.md).
    assert result.rss_growth_kib_per_100_requests < 4096, result
    assert result.rss_end_mib - result.rss_start_mib < 16, result
    assert small_app.proc.poll() is None


@pytest.mark.slow  # hundreds of sessions through the app
def test_the_sessions_kept_in_memory_are_bounded(small_store: Path) -> None:
    """Gradio keeps each session's state (~0.1 MB) until 10,000 sessions by default; the app keeps at most
    ui_max_sessions, dropping the least recently used, so one-time visitors cannot grow its memory without bound."""
    import gradio as gr
    from fastapi import FastAPI
    from gradio_client import Client

    from assistant import web
    from assistant.settings import Settings

    from .servers import serving_in_thread

    settings = Settings(store_dir=small_store, llm="offline", auto_ingest=False, collection="iclr2022",
                        ui_rate_limit=0, ui_max_sessions=3)
    demo = web.build_app(settings)
    site = gr.mount_gradio_app(FastAPI(), demo, path="/papers", **web.serve_kwargs(settings))
    with serving_in_thread(site) as url:
        clients = [Client(f"{url}/papers/", verbose=False) for _ in range(6)]
        for client in clients:
            assert client.predict("graph neural networks", api_name="/search")["results"]
        kept = list(demo.state_holder.session_data)
        assert len(kept) == 3 and kept == [c.session_hash for c in clients[-3:]]  # the most recent ones
