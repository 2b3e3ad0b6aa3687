"""The web face's package (assistant/web/) stays thin and shows its parts: no module of it imports the store or the
retrieval (the face calls assistant.service), no module is over 500 lines, and the page's CSS and JavaScript are
real files that the app loads. Imports are read with `ast` from the source, so a lazy import inside a function
counts too."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.web import assets
from tests.conftest import ROOT
from tests.helpers import imported_modules, module_name

WEB = ROOT / "assistant" / "web"
# below the service: a face must not reach them (the store, and every package of the pipeline)
FORBIDDEN = ("assistant.store", "assistant.retrieval", "assistant.answering", "assistant.sets", "assistant.query",
             "assistant.analysis", "assistant.words", "assistant.ingest")
MAX_LINES = 500


def reaches_below_the_service(modules: set[str]) -> set[str]:
    return {m for m in modules for f in FORBIDDEN if m == f or m.startswith(f + ".")}


def web_modules() -> list[Path]:
    return sorted(WEB.rglob("*.py"))


@pytest.mark.parametrize("source", [
    "from ..store import PaperStore",
    "from .. import retrieval",
    "from assistant.store.reads import x",
    "import assistant.retrieval.hybrid",
    "from ..sets.screening import screen_offline",
    "from assistant.query import plan",
    "def late():\n    from ..retrieval import Retriever\n",  # a lazy import inside a function
])
def test_the_check_sees_every_way_of_importing_the_store_or_retrieval(source: str) -> None:
    modules = imported_modules(source, "assistant.web.page")
    assert reaches_below_the_service(modules), modules


def test_the_check_lets_the_service_and_the_web_modules_through() -> None:
    source = "from .. import service\nfrom ..types import Answer\nfrom .render import Turn\nimport gradio as gr\n"
    modules = imported_modules(source, "assistant.web.page")
    assert {"assistant.service", "assistant.types", "assistant.web.render"} <= modules
    assert not reaches_below_the_service(modules)


def test_no_web_module_imports_the_store_or_the_retrieval() -> None:
    assert len(web_modules()) >= 10
    for path in web_modules():
        modules = imported_modules(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
        assert not reaches_below_the_service(modules), f"{path.name} imports {reaches_below_the_service(modules)}"


def test_no_web_module_is_over_500_lines() -> None:
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in web_modules()}
    assert all(n <= MAX_LINES for n in sizes.values()), {name: n for name, n in sizes.items() if n > MAX_LINES}


def test_the_pages_css_and_javascript_are_static_files_the_app_loads() -> None:
    static = {p.name for p in (WEB / "static").iterdir()}
    assert set(assets.STYLESHEETS) <= static and {"sources.js", "map.js", "scroll_to_map.js"} <= static
    css = assets.stylesheet()
    for name in assets.STYLESHEETS:
        assert assets.read(name).strip() in css
    assert "#pa-sources" in css and ".pa-map-svg" in css and ".pa-group" in css  # page, map, sets
    assert "trigger('click'" in assets.read("sources.js") and "trigger('click'" in assets.read("map.js")
    no_python_strings = [p.name for p in web_modules() if '"""\n.pa-' in p.read_text(encoding="utf-8")]
    assert not no_python_strings, f"CSS kept as a Python string in {no_python_strings}"


@pytest.mark.slow  # a subprocess (a fresh interpreter is the only way to see what an import loads)
def test_rendering_loads_without_gradio() -> None:
    """The CLI renders comparison tables with assistant.web.tables: importing it must not start Gradio (seconds)."""
    import subprocess
    import sys

    code = ("import sys; import assistant.web.tables, assistant.web.render, assistant.web.render_sets; "
            "print('gradio' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""}, timeout=120)
    assert out.stdout.strip() == "False"
