"""A short run of benchmarks/load_test.py against the real app (the small listing, offline answers, no rate
limit): concurrent gradio_client sessions with zero failed requests, latency recorded, memory not growing per
request. The full run (16 clients x 60 s on the ICLR listing) is `python benchmarks/load_test.py`; its last figures
are in docs/reliability.md."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

from .conftest import ROOT


def load_test_module() -> Any:
    spec = importlib.util.spec_from_file_location("load_test", ROOT / "benchmarks" / "load_test.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_test"] = module
    spec.loader.exec_module(module)
    return module


def test_four_clients_for_ten_seconds_without_a_failure_or_memory_growth(small_app: Any) -> None:
    load_test = load_test_module()
    result = load_test.run_load(small_app.url, small_app.proc.pid, clients=4, seconds=10.0, seed=1, timeout=60.0)
    load_test.print_result(result)
    assert result.failures == 0, result.errors
    assert result.requests >= 8 and set(result.by_endpoint) >= {"/ask", "/search"}
    assert 0 < result.p50_ms <= result.p95_ms <= result.max_ms
    # Memory: no growth per request (allocator noise aside) and no step over the run.
    assert result.rss_growth_kib_per_100_requests < 2048, result
    assert result.rss_end_mib - result.rss_start_mib < 64, result
    assert small_app.proc.poll() is None
