"""The one typed settings object. Every field is described; values come from (lowest to highest priority):
defaults, a `.env` file, environment variables (`ASSISTANT_<FIELD>`, plus the usual `OPENAI_API_KEY` /
`OPENAI_BASE_URL`), then CLI flags via `Settings.with_overrides`."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError
from .shipped import CHECKOUT, default_listing, default_store_dir, prompts_dir

ROOT = CHECKOUT  # the repo in a checkout (defaults under it are shown relative to it)
log = logging.getLogger(__name__)
DEFAULT_LISTING = default_listing()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        # Unknown fields are an error (a typo such as `top_kk=3` must not be dropped silently); by-name population
        # lets `with_overrides` re-validate fields that also have env aliases (openai_api_key, openai_base_url).
        env_prefix="ASSISTANT_", env_file=".env", dotenv_filtering="match_prefix", extra="forbid",
        validate_default=True, populate_by_name=True,
    )

    # --- store -------------------------------------------------------------------------------------------
    store_dir: Path = Field(
        default_store_dir(), description="Folder of the embedded (persistent) Chroma store (in a checkout: "
        "vectorstore/; an installed wheel: ~/.local/share/paper-assistant/vectorstore)."
    )
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (`chroma run`), e.g. http://127.0.0.1:8000. Unset: embedded store."
    )
    collection: str = Field("iclr2022", description="Collection (listing) that questions go to by default.")
    default_listing: Path = Field(DEFAULT_LISTING, description="Listing ingested on first run when the store is empty.")
    auto_ingest: bool = Field(True, description="Ingest the default listing on first run if its collection is missing.")

    # --- chunking and embeddings ---------------------------------------------------------------------------
    chunk_tokens: int = Field(200, ge=32, le=2000, description="Chunk size in tiktoken (cl100k_base) tokens.")
    chunk_overlap: int = Field(40, ge=0, le=500, description="Tokens shared by consecutive chunks of one abstract.")
    embedder: Literal["minilm", "openai"] = Field(
        "minilm", description="`minilm`: packaged all-MiniLM-L6-v2 int8 ONNX, offline. `openai`: an OpenAI-compatible "
        "embeddings endpoint (see embedding_*)."
    )
    embedding_model: str = Field(
        "text-embedding-3-small", description="Model name for the `openai` embedder (ignored by `minilm`)."
    )
    embedding_base_url: str | None = Field(
        None, description="Base URL of the embeddings endpoint; defaults to openai_base_url."
    )
    embedding_batch: int = Field(32, ge=1, le=1024, description="Texts embedded per batch during ingest.")
    embedding_threads: int = Field(0, ge=0, description="ONNX Runtime intra-op threads (0: one per core).")

    # --- retrieval -------------------------------------------------------------------------------------------
    search_mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="Retrieval mode.")
    fusion: Literal["scaled", "score", "rrf"] = Field(
        "scaled",
        description="Hybrid fusion: `scaled` (raw cosine + BM25 divided by its best score; tuned on SciFact), "
        "`score` (min-max normalised scores; best with dense_weight 0.5), or `rrf` (reciprocal-rank fusion).",
    )
    dense_weight: float = Field(
        0.7, ge=0.0, le=1.0, description="Weight of the dense side in score fusion (0.7 tuned for `scaled` + MiniLM)."
    )
    bm25_idf_floor: float = Field(
        0.4, ge=0.0, le=5.0, description="`scaled` fusion divides BM25 by max(the query's best BM25 score, this x the "
        "sum of the query terms' idf), so a weak lexical match (a question in lay words) is not stretched to 1 and "
        "does not outvote the dense side; 0 divides by the best score alone (tuned on SciFact train, "
        "docs/benchmarks.md).",
    )
    rrf_k: int = Field(60, ge=1, description="k of reciprocal-rank fusion.")
    fusion_candidates: int = Field(
        100, ge=10, le=2000, description="Papers each side (dense, BM25) ranks before fusion for a search or an "
        "explain answer (at least the k asked for)."
    )
    bm25_k1: float = Field(1.2, gt=0, description="BM25 k1.")
    bm25_b: float = Field(0.75, ge=0, le=1, description="BM25 b.")
    bm25_stem: bool = Field(True, description="English stemming for BM25 (author names are matched unstemmed too).")
    bm25_title_weight: int = Field(
        2, ge=1, le=5, description="Times a paper's title counts in its BM25 text (title words weigh more)."
    )
    top_k: int = Field(8, ge=1, le=100, description="Results a search returns (CLI `search`, the app's search) "
                       "unless the request asks for another number.")
    top_n: int = Field(
        8, ge=1, le=100, description="Papers the post-retrieval stage passes on to an explain answer (the best of "
        "the fused ranking, fewer when they exceed context_tokens); a question that only filters (\"what did X "
        "publish?\") lists up to 3 x this."
    )
    candidates: int = Field(
        200, ge=10, le=5000, description="Most candidates the post-retrieval stage passes on to a list or count "
        "question (\"which papers...?\", \"how many...?\") for screening; a filter-only question (\"what did X "
        "publish?\") takes every paper that passes the filter."
    )
    set_floor: float = Field(
        0.2, ge=0.0, le=1.0, description="Fused score below which a paper is not a candidate of a list or count "
        "question (calibrated on the dev set, see docs/benchmarks.md)."
    )
    glossary: bool = Field(
        True, description="Read a question in everyday words as the field's term it describes "
        "(assistant/retrieval/glossary.jsonl: \"a small model imitating a big one\" -> knowledge distillation) for "
        "retrieval and screening."
    )
    screen_batch: int = Field(
        20, ge=1, le=100, description="Abstracts per LLM screening call of a set question (fewer when they exceed "
        "context_tokens)."
    )
    screen_concurrency: int = Field(
        5, ge=1, le=32, description="LLM screening calls of one question in flight at once (5 x screen_batch 20: "
        "100 candidates screened in one round trip)."
    )
    set_group_min: int = Field(
        6, ge=2, le=1000, description="Smallest set of matching papers that the answer groups into themes."
    )
    set_max_groups: int = Field(6, ge=2, le=20, description="Most themes a set answer is grouped into.")

    # --- LLM -------------------------------------------------------------------------------------------------
    llm: Literal["auto", "offline", "openai"] = Field(
        "auto", description="`auto`: the OpenAI-compatible endpoint when llm_model, an API key or a base URL is set, "
        "else offline. "
        "`offline`: the extractive answerer. `openai`: always the endpoint."
    )
    llm_model: str | None = Field(
        None, description="Chat model name at the endpoint (e.g. gpt-4o-mini, llama3.1). Unset with a key or base URL: "
        "gpt-4o-mini on api.openai.com, else the first model the endpoint lists at /v1/models."
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ASSISTANT_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="API key of the OpenAI-compatible endpoint. Never logged or shown.",
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("ASSISTANT_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
        description="Base URL of the endpoint (e.g. http://127.0.0.1:11434/v1 for Ollama). Unset: api.openai.com.",
    )
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before an LLM request is abandoned.")
    llm_first_token_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the first streamed token.")
    llm_retries: int = Field(2, ge=0, le=10, description="Retries on connection errors, 429 and 5xx.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    llm_max_tokens: int = Field(800, ge=16, description="Upper bound on answer tokens.")
    context_tokens: int = Field(6000, ge=500, description="Token budget for numbered abstracts in one prompt.")
    prompts_dir: Path = Field(prompts_dir(), description="Folder of prompt templates.")

    # --- limits and UI -------------------------------------------------------------------------------------
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted.")
    max_history_turns: int = Field(20, ge=0, description="Turns of chat history kept for follow-ups.")
    ui_auth: SecretStr | None = Field(  # secret: repr() and logs show ********** (the passwords are in it)
        None, description="Optional login for the UI and API as `user:password[,user2:password2]`."
    )
    ui_root_path: str = Field("", description="Path prefix when served behind a reverse proxy (e.g. /papers).")
    forwarded_allow_ips: str = Field(
        "", description="Reverse proxies whose X-Forwarded-For names the client (for the rate limit and login "
        "throttle): comma-separated addresses or networks, e.g. `127.0.0.1` or `10.0.0.0/8`; `*` trusts any peer. "
        "Empty (default): the header is ignored, since any client can send it."
    )
    ui_session_hours: float = Field(
        12.0, gt=0, le=24 * 365, description="How long a login lasts (with `ui_auth`): this many hours after logging "
        "in, the session ends and the user logs in again."
    )
    ui_frame_ancestors: str = Field(
        "*", description="Pages that may show the app in an iframe: `*` (default) any page, so a wiki embed works "
        "with no setup; else space-separated origins such as `https://wiki.lab.example` (the app itself always may)."
    )
    ui_concurrency: int = Field(2, ge=1, description="Requests answered at once; the rest wait in the queue.")
    ui_queue_size: int = Field(64, ge=1, description="Requests that may wait in the queue before new ones are refused.")
    ui_rate_limit: int = Field(30, ge=0, description="Requests a client may make per minute (0: no limit).")
    ui_max_sessions: int = Field(
        1000, ge=1, description="Browser and API sessions kept in memory (about 0.1 MB each); beyond this the least "
        "recently used are dropped, so memory stays bounded however many visitors come."
    )

    @field_validator("chroma_url", "openai_base_url", "embedding_base_url")
    @classmethod
    def _an_http_url(cls, value: str | None) -> str | None:
        """An endpoint must be an http(s) URL with a host: anything else used to fail only at the first request,
        as "the endpoint ://? could not be reached". The value is not repeated (it may hold a key)."""
        if not value:
            return value
        try:
            parts = urlsplit(value.strip())
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL with a host, such as http://127.0.0.1:8000 or "
                             "https://api.example.com/v1 (the value is not shown: it may hold a key)")
        return value.strip()

    @field_validator("ui_frame_ancestors")
    @classmethod
    def _origins(cls, value: str) -> str:
        """`*` or origins (scheme://host[:port], nothing after): a path or a quote would break the header it goes
        into, and a typo would silently stop the wiki embed."""
        items = value.split()
        if items == ["*"]:
            return "*"
        for item in items:
            parts = urlsplit(item)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or \
                    parts.query or parts.fragment or "'" in item or ";" in item:
                raise ValueError("give `*` or origins separated by spaces, such as https://wiki.lab.example")
        if not items:
            raise ValueError("give `*` (any page) or the wiki's origin, such as https://wiki.lab.example")
        return " ".join(item.rstrip("/") for item in items)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with CLI flags applied (None means the flag was not given), validated like any other source: an
        unknown name or a value out of range raises pydantic's ValidationError naming the field."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if not given:
            return self
        return type(self).model_validate({**dict(self), **given})

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Settings from the defaults, `.env` and the environment, with CLI flags on top; every invalid value (an
        unknown `.env` name, a number out of range, a flag of the wrong type) becomes one ConfigError naming the
        setting and its env var, so faces can show it as a one-line error."""
        for name in unknown_env_vars(os.environ):
            log.warning("%s names no setting and is ignored (see the README's settings table)", name)
        try:
            return cls().with_overrides(**overrides)
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(exc)) from None

    @property
    def llm_enabled(self) -> bool:
        """`auto` uses the endpoint as soon as anything names one: a model, an API key or a base URL."""
        if self.llm == "offline":
            return False
        return self.llm == "openai" or bool(self.llm_model or self.openai_api_key or self.openai_base_url)


def describe_validation_error(exc: ValidationError) -> str:
    """pydantic's report as one line a user can act on (values are not echoed: they may be secrets)."""
    problems = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "settings"
        if error["type"] == "extra_forbidden":
            problems.append(f"{name!r} is not a setting (check the spelling in .env or the flag)")
        else:
            env = name.upper() if name.upper().startswith("ASSISTANT_") else f"ASSISTANT_{name.upper()}"
            problems.append(f"{name} ({env}): {error['msg'].removeprefix('Value error, ')}")
    return "Invalid settings: " + "; ".join(problems) + ". The README's settings table lists every setting."


def unknown_env_vars(environ: Mapping[str, str]) -> list[str]:
    """ASSISTANT_* variables of the environment that name no setting (pydantic-settings ignores them silently, so
    the faces warn: a typo such as ASSISTANT_TOP_KK would otherwise change nothing without a word)."""
    known = {f"ASSISTANT_{name.upper()}" for name in Settings.model_fields}
    return sorted(k for k in environ if k.upper().startswith("ASSISTANT_") and k.upper() not in known)


def describe_settings() -> list[tuple[str, str, str, str]]:
    """(field, env var, default, description) for every setting: the README table is made from this."""
    rows = []
    for name, f in Settings.model_fields.items():
        env = f"ASSISTANT_{name.upper()}"
        if isinstance(f.validation_alias, AliasChoices):
            env = " / ".join(str(c) for c in f.validation_alias.choices)
        default = f.default
        if isinstance(default, Path) and default.is_relative_to(ROOT):
            default = default.relative_to(ROOT)
        shown = "unset" if default is None else (f'"{default}"' if default == "" else str(default))
        rows.append((name, env, shown, f.description or ""))
    return rows


def settings_table() -> str:
    """The README's configuration table (`python -m assistant.settings` prints it)."""
    lines = ["| setting | env var | default | what it does |", "|---|---|---|---|"]
    for name, env, default, description in describe_settings():
        envs = " / ".join(f"`{e}`" for e in env.split(" / "))
        lines.append(f"| `{name}` | {envs} | `{default}` | {description} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(settings_table())
