"""Helpers the test modules share: checks of an answer, a small real store of made-up papers, and reading a
module's imports (the layering checks). Fixtures live in conftest.py; servers in servers.py, the scripted LLM in
openai_stub.py, the retriever double in retriever_double.py, the browser's helpers in browser.py."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.events import AnswerEvent, FinalAnswer, StreamReset, TextDelta
from assistant.listings import read_listing
from assistant.query.author_index import AuthorIndex
from assistant.settings import Settings
from assistant.store import PaperStore, open_store
from assistant.types import Answer, Chunk, Paper
from assistant.words.terms import CorpusStats

from .conftest import ICLR, ROOT

# --- answers ------------------------------------------------------------------------------------------------------
QUOTED = re.compile(r"\u201c(.+?)\u201d")


def collect(events: Iterator[AnswerEvent]) -> tuple[list[str], list[StreamReset], Answer]:
    """Deltas since the last reset, the resets, and the final answer (asserting the event protocol)."""
    deltas: list[str] = []
    resets: list[StreamReset] = []
    final = None
    for event in events:
        assert final is None, "nothing may follow the final answer"
        if isinstance(event, TextDelta):
            deltas.append(event.text)
        elif isinstance(event, StreamReset):
            resets.append(event)
            deltas = []
        else:
            assert isinstance(event, FinalAnswer)
            final = event.answer
    assert final is not None
    assert "".join(deltas) == final.text
    return deltas, resets, final


def assert_citations_valid(result: Answer) -> None:
    """Every [n] in the text names a source; every structured citation is that source."""
    numbers = [int(n) for body in re.findall(r"\[([\d,\s\-]+)\]", result.text) for n in re.findall(r"\d+", body)]
    assert all(1 <= n <= len(result.sources) for n in numbers), (numbers, len(result.sources))
    for c in result.citations:
        source = result.sources[c.n - 1].paper
        assert (c.id, c.title, c.url) == (source.id, source.title, source.url)


def assert_quotes_are_verbatim(result: Answer) -> None:
    """The offline answer never says what the abstracts do not: every quote is in the cited paper's abstract."""
    for line in result.text.splitlines():
        for quoted in QUOTED.findall(line):
            numbers = [int(n) for n in re.findall(r"\[(\d+)\]", line)]
            abstracts = [" ".join((result.sources[n - 1].paper.abstract or "").split()) for n in numbers]
            assert any(quoted.rstrip(" \u2026") in a for a in abstracts), quoted


# --- a small real store of made-up papers ---------------------------------------------------------------------------
MODEL = "test-model"
DIM = 8


def paper(i: int, abstract: str = "about graphs") -> Paper:
    return Paper(id=f"p{i}", title=f"Paper {i}", abstract=f"{abstract} {i}", year=2022)


def item(p: Paper, n_chunks: int = 2) -> tuple[Paper, list[Chunk], np.ndarray]:
    rng = np.random.default_rng(abs(hash(p.content_hash)) % 2**32)
    vectors = rng.normal(size=(n_chunks, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return p, [Chunk(p.id, j, f"{p.title} part {j}", 5) for j in range(n_chunks)], vectors


def embedded(folder: Path) -> PaperStore:
    return open_store(Settings(store_dir=folder, auto_ingest=False))


def build_listing(store: PaperStore, name: str, papers: list[Paper], keep: set[str] | None = None) -> int:
    with store.build(name, MODEL) as build:
        build.copy(keep or set())
        build.add([item(p) for p in papers])
        return build.commit()


# --- imports --------------------------------------------------------------------------------------------------------
def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module `source` (the text of `module`, e.g. assistant.web.page) imports, relative imports resolved,
    `from pkg import name` counted as both `pkg` and `pkg.name` (the name may be a module). `is_package`: the
    source is the package's __init__.py, whose relative imports start from the package itself."""
    package = module if is_package else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# --- the shipped listing, read once per test run (several modules' fixtures share it; treat it as read-only) ----


@lru_cache(maxsize=1)
def _shipped() -> tuple[Paper, ...]:
    return tuple(read_listing(ICLR).papers)


def shipped_papers() -> list[Paper]:
    """The shipped ICLR 2022 listing's papers (a new list; the papers are frozen)."""
    return list(_shipped())


@lru_cache(maxsize=1)
def shipped_stats() -> CorpusStats:
    return CorpusStats.build(_shipped())


@lru_cache(maxsize=1)
def shipped_index() -> AuthorIndex:
    return AuthorIndex.build(_shipped())


def benchmark_module(name: str) -> Any:
    """benchmarks/<name>.py as a module, its folder on sys.path (it imports its sibling _common, as when run)."""
    folder = ROOT / "benchmarks"
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
