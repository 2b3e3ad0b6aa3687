"""Data flows one way: faces -> service -> pipeline -> backends -> base, and inside the pipeline answering ->
retrieval -> sets -> query and analysis -> words. Every module and subpackage of assistant/
has a layer here and in the README's "How it works" diagram, and no import (a lazy one inside a function counts)
reaches a higher layer. A new module fails the first test until it is placed, so the diagram stays true. No
module is over 500 lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import imported_modules, module_name

PACKAGE = ROOT / "assistant"
LAYERS: dict[str, tuple[str, ...]] = {
    "faces": ("__main__", "cli", "web"),
    "service": ("service", "evaluation", "doctor", "langchain"),
    "pipeline": ("answering", "retrieval", "sets", "query", "analysis", "ingest", "words"),
    "backends": ("store", "embeddings", "chunking", "keyword_index", "listings", "llm", "prompts", "citations"),
    "base": ("__init__", "types", "errors", "settings", "shipped", "files", "hashing", "text", "links", "redaction",
             "events", "code_links"),
}
# Inside the pipeline, its packages in order too (higher first; a package imports its own modules and lower ones):
# the answers, then retrieval, the set answers' screening, the query plan and the analyses, then the words they share.
PIPELINE: dict[str, int] = {"answering": 4, "retrieval": 3, "sets": 2, "query": 1, "analysis": 1, "ingest": 1,
                            "words": 0}
RANK = {unit: rank for rank, units in enumerate(reversed(LAYERS.values())) for unit in units}


def units() -> set[str]:
    """The top-level modules and subpackages of assistant/."""
    found = {p.stem for p in PACKAGE.glob("*.py")}
    return found | {p.parent.name for p in PACKAGE.glob("*/__init__.py")}


def unit_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "assistant":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def upward_imports(path: Path) -> list[str]:
    here = unit_of(module_name(path)) or "__init__"
    modules = imported_modules(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    return sorted({f"{here} -> {there}" for m in modules if (there := unit_of(m)) in RANK and RANK[there] > RANK[here]})


def pipeline_upward_imports(path: Path) -> list[str]:
    return pipeline_upward_imports_of(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def pipeline_upward_imports_of(source: str, module: str, is_package: bool = False) -> list[str]:
    here = unit_of(module) or "__init__"
    if here not in PIPELINE:
        return []
    modules = imported_modules(source, module, is_package)
    return sorted({f"{here} -> {there}" for m in modules
                   if (there := unit_of(m)) in PIPELINE and there != here and PIPELINE[there] >= PIPELINE[here]})


def test_every_module_has_a_layer() -> None:
    assert units() - set(RANK) == set(), "place the new module in LAYERS and in the README diagram"
    assert set(RANK) - units() == set(), "a module in LAYERS is gone: take it out (and out of the README)"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path: Path) -> None:
    assert upward_imports(path) == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_pipeline_package_imports_one_above_it(path: Path) -> None:
    assert pipeline_upward_imports(path) == []


def test_every_pipeline_unit_has_a_rank() -> None:
    assert set(PIPELINE) == set(LAYERS["pipeline"])


def test_the_check_sees_an_upward_import() -> None:
    late = PACKAGE / "store" / "reads.py"
    source = late.read_text(encoding="utf-8") + "\n\ndef _late():\n    from ..service import services\n"
    modules = imported_modules(source, "assistant.store.reads")
    assert "assistant.service" in modules and RANK["service"] > RANK["store"]


def test_the_check_sees_an_import_up_the_pipeline() -> None:
    late = PACKAGE / "words" / "terms.py"
    source = late.read_text(encoding="utf-8") + "\n\ndef _late():\n    from ..sets.screening import screen_offline\n"
    modules = imported_modules(source, "assistant.words.terms")
    assert "assistant.sets.screening" in modules and PIPELINE["sets"] > PIPELINE["words"]
    assert "words -> sets" in pipeline_upward_imports_of(source, "assistant.words.terms")


def test_the_readme_diagram_names_every_module() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    diagram = readme.split("## How it works", 1)[1].split("```", 2)[1]
    named = set(re.findall(r"[a-z_]+(?=\.py|/)", diagram))
    pipeline_modules = {p.stem for unit in PIPELINE for p in (PACKAGE / unit).glob("*.py")} - {"__init__"}
    missing = ({u for u in units() if u not in ("__init__", "__main__")} | pipeline_modules) - named
    assert not missing, f"the README's 'How it works' diagram does not name: {sorted(missing)}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_500_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 500, "split it along one of its jobs"
