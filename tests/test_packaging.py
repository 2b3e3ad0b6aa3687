"""The built wheel is the product: it carries the prompts and the default listing, and an installed `assistant`
answers from any folder (no checkout beside it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import OVERSQUASHING_ID, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: setuptools and wheel come pinned with the test tools, so building downloads nothing.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("paper_assistant-*.whl")
    return built


def test_the_wheel_holds_every_module_the_prompts_and_the_listing(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "assistant").rglob("*.py")}
    assert modules <= names, f"not packaged: {sorted(modules - names)} (add new subpackages to pyproject.toml)"
    static = {p.relative_to(ROOT).as_posix() for p in (ROOT / "assistant" / "web" / "static").iterdir()}
    assert static and static <= names, f"not packaged: {sorted(static - names)} (package-data in pyproject.toml)"
    prompts = {f"assistant/shipped_prompts/{p.name}" for p in (ROOT / "prompts").glob("*.md")}
    assert prompts and prompts <= names
    assert {"assistant/shipped_listing/accepted.jsonl", "assistant/shipped_listing/accepted.embeddings.npz"} <= names
    assert {"assistant/retrieval/glossary.jsonl", "assistant/retrieval/glossary.npz"} <= names  # and its vectors


def test_an_installed_wheel_answers_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "XDG_DATA_HOME": str(tmp_path / "data"), "ASSISTANT_LLM": "offline"}
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--json", "which papers study over-squashing?"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "assistant.retrieval.glossary" not in done.stderr  # the shipped glossary vectors match the shipped glossary
    answer = json.loads(done.stdout)
    assert OVERSQUASHING_ID in [c["id"] for c in answer["citations"]]
    assert (tmp_path / "data" / "paper-assistant" / "vectorstore").is_dir()  # the store went to the user's data dir
    assert not (elsewhere / "vectorstore").exists()
    # The code that ran is the installed copy, not the checkout's.
    where = subprocess.run([sys.executable, "-c", "import assistant; print(assistant.__file__)"], cwd=elsewhere,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target))
    # The page's CSS and JavaScript come from the installed package's files.
    css = subprocess.run([sys.executable, "-c", "from assistant.web import assets; print(len(assets.stylesheet()))"],
                         cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout
    assert int(css) > 1000
