"""`assistant doctor`: what is configured and whether it works, one check a line.

Checks, in order: the model files (sha256 of the packaged ONNX model, tokenizer and tiktoken ranks), the store
(a Chroma server's heartbeat when one is set) and every listing in it (counts read back), then the LLM endpoint
when one is configured (reachable, key accepted, model found, time to the first streamed token). A check that
fails says how to fix it; nothing printed contains the API key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Literal

from .errors import AssistantError
from .settings import Settings

Status = Literal["ok", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    status: Status
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def run_checks(settings: Settings) -> list[Check]:
    """Every check, each isolated: one failing does not hide the others."""
    return list(_checks(settings))


def _checks(settings: Settings) -> Iterator[Check]:
    yield _guarded("model files", lambda: _model_files(settings))
    yield _guarded("tokenizer ranks", _tiktoken_ranks)
    store_checks = _guarded_many("store", lambda: _store(settings))
    yield from store_checks
    yield _guarded("llm", lambda: _llm(settings))


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except AssistantError as exc:
        return Check(name, "fail", str(exc))
    except Exception as exc:  # noqa: BLE001 - a doctor reports every failure instead of dying on the first
        return Check(name, "fail", f"{type(exc).__name__}: {_redacted(str(exc))}")


def _guarded_many(name: str, checks: Callable[[], list[Check]]) -> list[Check]:
    try:
        return checks()
    except AssistantError as exc:
        return [Check(name, "fail", str(exc))]
    except Exception as exc:  # noqa: BLE001 - as above
        return [Check(name, "fail", f"{type(exc).__name__}: {_redacted(str(exc))}")]


def _redacted(text: str) -> str:
    from .redaction import redact

    return redact(text, None)[:300]


# --- the checks -------------------------------------------------------------------------------------------------
def _model_files(settings: Settings) -> Check:
    if settings.embedder != "minilm":
        return Check("model files", "skip", f"embedder is {settings.embedder!r}: no packaged model in use")
    from .embeddings import MiniLMFiles

    files = MiniLMFiles.packaged()
    files.verify()
    return Check("model files", "ok", f"all-MiniLM-L6-v2 int8 ONNX, tokenizer and config match their sha256 "
                                      f"({files.model.parent})")


def _tiktoken_ranks() -> Check:
    from .chunking import count_tokens, ensure_tiktoken_offline

    folder = ensure_tiktoken_offline()
    count_tokens("doctor")
    return Check("tokenizer ranks", "ok", f"tiktoken cl100k_base from the packaged ranks, sha256 checked ({folder})")


def _store(settings: Settings) -> list[Check]:
    from .store import open_store

    store = open_store(settings)
    where = f"Chroma server {settings.chroma_url}" if settings.chroma_url else f"embedded store {settings.store_dir}"
    names = store.listings()
    checks = [Check("store", "ok", f"{where}: {len(names)} listing(s)")]
    for name in names:
        checks.append(_guarded(f"listing {name}", lambda name=name: _listing(store, name)))  # type: ignore[misc]
    if settings.collection not in names:
        # On a fresh clone the default listing is not in yet: the app ingests it on first run, which is no fault.
        status: Status = "skip" if settings.auto_ingest else "fail"
        hint = "the app ingests it on first run" if settings.auto_ingest else "run `assistant ingest FILE`"
        checks.append(Check(f"listing {settings.collection}", status,
                            f"the default collection {settings.collection!r} is not in the store yet ({hint})"))
    return checks


def _listing(store: object, name: str) -> Check:
    info = store.listing_info(name)  # type: ignore[attr-defined]
    papers, chunks = info.get("papers"), info.get("chunks")
    return Check(f"listing {name}", "ok", f"{papers} papers, {chunks} chunks")


def _llm(settings: Settings) -> Check:
    if not settings.llm_enabled:
        why = "ASSISTANT_LLM=offline" if settings.llm == "offline" else "no ASSISTANT_LLM_MODEL, key or base URL set"
        return Check("llm", "skip", f"offline answers ({why})")
    from langchain_core.messages import HumanMessage

    from .llm import make_llm
    from .redaction import endpoint_label

    llm = make_llm(settings)
    assert llm is not None
    started = time.monotonic()
    first: float | None = None
    for _piece in llm.stream([HumanMessage("Reply with the single word: ready")]):
        if first is None:
            first = time.monotonic() - started
    where = endpoint_label(settings.openai_base_url)
    return Check("llm", "ok", f"{llm.model_name!r} at {where} answered; first token after {(first or 0) * 1000:.0f} ms")


def format_checks(checks: list[Check]) -> str:
    width = max((len(c.name) for c in checks), default=0)
    return "\n".join(f"{c.status:<4}  {c.name:<{width}}  {c.detail}" for c in checks)
