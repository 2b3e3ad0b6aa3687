"""Helpers shared by the benchmark scripts: the machine, timing statistics, a `chroma run` server, settings.

Each script runs from a fresh clone: `python benchmarks/NAME.py` (the repository root goes on sys.path)."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from assistant.evaluation import percentile  # noqa: E402  (after the sys.path line above)
from assistant.settings import Settings  # noqa: E402
from tests.servers import chroma_command, free_port, serving  # noqa: E402  (free_port: for the scripts too)

SHARED = ROOT.parent / "shared" / "data"  # the team's data folder beside the repository (SciFact lives there)
ICLR_LISTING = ROOT / "data" / "iclr2022" / "accepted.jsonl"
QUESTIONS = [  # questions a user might ask of the ICLR listing: the latency benchmarks' query set
    "which papers study over-squashing in graph neural networks?",
    "contrastive learning for sentence embeddings",
    "how do vision transformers compare with convolutional networks on small datasets?",
    "offline reinforcement learning with conservative value estimates",
    "diffusion models for image generation",
    "privacy attacks on federated learning",
    "why does sharpness-aware minimization improve generalization?",
    "neural architecture search without training",
    "equivariant networks for molecules",
    "robustness of language models to adversarial prompts",
    "meta-learning few-shot classification",
    "pruning neural networks at initialization (lottery ticket)",
    "uncertainty estimation with deep ensembles",
    "tokenization-free language models over bytes",
    "continual learning without catastrophic forgetting",
    "graph transformers positional encodings",
    "implicit bias of gradient descent in overparameterized models",
    "efficient attention for long sequences",
    "self-supervised learning for speech",
    "causal discovery from observational data",
]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gib = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        ram_gib = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "ram_gib": round(ram_gib, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def print_machine() -> dict[str, Any]:
    info = machine()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    return info


def stats_ms(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(samples, 50), 2), "p95_ms": round(percentile(samples, 95), 2),
            "mean_ms": round(sum(samples) / max(len(samples), 1), 2), "n": len(samples)}


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_settings(store_dir: Path, **overrides: Any) -> Settings:
    """Settings for a benchmark store: no first-run ingest, offline answers, no .env influence on paths."""
    values: dict[str, Any] = {"store_dir": store_dir, "auto_ingest": False, "llm": "offline", "chroma_url": None}
    values.update(overrides)
    return Settings(**values)


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """`chroma run --path PATH` on 127.0.0.1 and a free port, stopped on exit; yields its URL."""
    port = free_port()
    with serving(chroma_command(path, port), port, path.parent / f"chroma-{port}.log"):
        yield f"http://127.0.0.1:{port}"


def write_json(path: Path | None, data: Any) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")
