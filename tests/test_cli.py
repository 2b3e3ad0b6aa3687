"""The `assistant` command: in-process through `cli.main(argv)` (pallets/click style: same parsing, handlers and
error edge, without a process start), and as a real process where the process itself matters (the module entry
point and exit status, a real `chroma run` server)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from assistant import cli

from .conftest import ICLR, OVERSQUASHING_ID, ROOT, make_settings


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli_main(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `assistant ARGS` in this process and return its exit status and output."""

    def run(*args: str) -> Result:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, **(env or {})},
    )


def test_search_json_finds_oversquashing_in_top3(iclr_store, cli_main) -> None:
    out = cli_main("search", "--json", "which papers study over-squashing?", "--store", str(iclr_store), "--k", "5")
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)
    assert OVERSQUASHING_ID in [r["id"] for r in results[:3]]
    assert set(results[0]) == {"id", "title", "authors", "score", "decision", "url"}
    assert results[0]["url"].startswith("https://openreview.net/forum?id=")


def test_stats_lists_collections(iclr_store, cli_main) -> None:
    out = cli_main("stats", "--json", "--store", str(iclr_store))
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    (iclr,) = [c for c in info["collections"] if c["collection"] == "iclr2022"]
    assert iclr["papers"] == 1095 and iclr["chunks"] > 1095
    assert "MiniLM" in info["embedder"]


def test_a_missing_collection_is_a_one_line_error(tmp_path, cli_main) -> None:
    out = cli_main("search", "anything", "--store", str(tmp_path / "empty"), "--collection", "nope")
    assert out.returncode == 2
    assert out.stderr.startswith("error: collection 'nope' does not exist") and "assistant ingest" in out.stderr


@pytest.mark.slow
def test_the_real_process_exits_with_one_line_and_status_2(tmp_path) -> None:
    out = run_cli("search", "anything", "--store", str(tmp_path / "empty"), "--collection", "nope")
    assert out.returncode == 2
    assert out.stderr.startswith("error: collection 'nope' does not exist") and "Traceback" not in out.stderr


@pytest.mark.slow  # indexes the whole listing
def test_a_first_question_on_an_empty_store_indexes_the_default_listing(tmp_path, cli_main) -> None:
    out = cli_main("search", "--json", "over-squashing", "--store", str(tmp_path / "fresh"), "--k", "3")
    assert out.returncode == 0, out.stderr
    assert "indexed the default listing accepted.jsonl (first run)" in out.stderr
    assert OVERSQUASHING_ID in [r["id"] for r in json.loads(out.stdout)]
    again = cli_main("search", "--json", "over-squashing", "--store", str(tmp_path / "fresh"), "--k", "3")
    assert "first run" not in again.stderr


def test_invalid_settings_are_one_line_errors(tmp_path, cli_main, monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "0")
    out = cli_main("stats", "--store", str(tmp_path))
    assert out.returncode == 2
    assert out.stderr.startswith("error: Invalid settings: top_k (ASSISTANT_TOP_K)") and out.stderr.count("\n") == 1


def test_ingest_reports_counts_and_skips(tmp_path, cli_main) -> None:
    listing = tmp_path / "two.jsonl"
    lines = ICLR.read_text(encoding="utf-8").splitlines()[:2]
    listing.write_text("\n".join([lines[0], "{broken", lines[1]]) + "\n", encoding="utf-8")
    out = cli_main("ingest", str(listing), "--store", str(tmp_path / "s"), "--collection", "two", "-q")
    assert out.returncode == 0, out.stderr
    assert "read 2 papers" in out.stdout and "skipped 1" in out.stdout and "added 2" in out.stdout
    assert "two.jsonl:2" in out.stderr


@pytest.mark.server
def test_the_same_search_against_a_chroma_server(chroma_server) -> None:
    env = {"ASSISTANT_CHROMA_URL": chroma_server}
    ingested = run_cli("ingest", str(ICLR), "--collection", "iclr2022", "-q", env=env)
    assert ingested.returncode == 0, ingested.stderr
    assert "read 1095 papers" in ingested.stdout
    out = run_cli("search", "--json", "which papers study over-squashing?", env=env)
    assert out.returncode == 0, out.stderr
    assert OVERSQUASHING_ID in [r["id"] for r in json.loads(out.stdout)[:3]]
    again = run_cli("ingest", str(ICLR), "--collection", "iclr2022", "-q", env=env)
    assert "added 0" in again.stdout and "unchanged 1095" in again.stdout


@pytest.mark.server
def test_tidy_frees_what_chroma_leaves_of_a_dropped_generation_on_a_server(chroma_server, tmp_path) -> None:
    """Chroma 1.5 keeps a dropped collection's index folder on the server's disk (chroma-core/chroma#1309); each
    update drops a generation, so `assistant tidy` run on the server's folder frees that space, and the server
    serves on."""
    env = {"ASSISTANT_CHROMA_URL": chroma_server}
    assert run_cli("ingest", str(ICLR), "--collection", "tidy", "-q", env=env).returncode == 0
    fewer = tmp_path / "fewer.jsonl"
    fewer.write_text("".join(ICLR.read_text(encoding="utf-8").splitlines(keepends=True)[1:]), encoding="utf-8")
    shutil.copy(ICLR.with_suffix(".embeddings.npz"), fewer.with_suffix(".embeddings.npz"))
    update = run_cli("ingest", str(fewer), "--collection", "tidy", "--replace", "-q", env=env)
    assert update.returncode == 0 and "removed 1" in update.stdout, update.stderr
    tidied = run_cli("tidy", str(chroma_server.data))
    assert tidied.returncode == 0, tidied.stderr
    assert re.search(r"removed [1-9]\d* unused index folder", tidied.stdout), tidied.stdout
    assert "removed 0 unused" in run_cli("tidy", str(chroma_server.data)).stdout
    out = run_cli("search", "--json", "which papers study over-squashing?", "--collection", "tidy", env=env)
    assert out.returncode == 0 and OVERSQUASHING_ID in [r["id"] for r in json.loads(out.stdout)[:3]], out.stderr


def test_tidy_says_when_a_folder_is_not_a_chroma_folder(tmp_path, cli_main) -> None:
    out = cli_main("tidy", str(tmp_path))
    assert out.returncode == 2 and "is not a Chroma folder" in out.stderr


def test_a_chroma_server_that_is_down_is_a_clear_error(tmp_path, cli_main, monkeypatch) -> None:
    from .servers import free_port

    monkeypatch.setenv("ASSISTANT_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    out = cli_main("stats")
    assert out.returncode == 2
    assert "cannot reach the Chroma server" in out.stderr and "chroma run" in out.stderr


def test_settings_flag_overrides_env(tmp_path) -> None:
    settings = make_settings(tmp_path).with_overrides(collection="other", store_dir=None)
    assert settings.collection == "other" and settings.store_dir == tmp_path



def test_the_cli_reaches_the_store_only_through_the_service() -> None:
    """A face stays thin: cli.py imports neither the store nor the retrieval (delete and tidy go through
    service.delete_listing and service.tidy), and does not reach the store through the services object either."""
    from .helpers import imported_modules
    from .test_web_package import reaches_below_the_service

    source = (ROOT / "assistant" / "cli.py").read_text(encoding="utf-8")
    modules = imported_modules(source, "assistant.cli")
    assert "assistant.service" in modules and not reaches_below_the_service(modules), modules
    assert ".store." not in source  # e.g. service.services(settings).store.tidy_all()
