"""Hostile listings end to end: every file of tests/fixtures/listings (and a few made here) goes through `assistant
ingest` into a store that already holds a listing. Each ends as an error or as counted skips that name file and
line; a failed ingest leaves the store exactly as it was, and one that skips adds exactly the readable papers.

The parsers' own behaviour on these inputs (encodings, streaming memory, property-based fuzzing, round trips) is
proven in test_listings.py and test_listing_files.py; this file proves the whole path through the CLI and the store.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant import cli, service
from assistant.settings import Settings
from assistant.store import PaperStore

from .conftest import ICLR, ROOT
from .store_audit import audit, fingerprint

pytestmark = pytest.mark.slow  # subprocesses (ingests killed or run as real processes)

FIXTURES = ROOT / "tests" / "fixtures" / "listings"
BASE = "base"


@dataclass(frozen=True)
class Case:
    """A hostile input and how its ingest must end: `error` (exit 2, message naming `where`) or `skips` (exit 0,
    each skipped line named, `papers` papers added)."""

    name: str
    ends: str  # "error" | "skips" | "ok"
    where: tuple[str, ...] = ()  # ":LINE" suffixes (or a message fragment for errors without a line)
    papers: int = 0


CASES = [
    Case("empty.txt", "error", ("the file is empty",)),
    Case("blank.txt", "error", ("the listing is empty",)),
    Case("binary.bin", "error", ("looks like a binary file",)),
    Case("truncated.jsonl", "skips", (":2",), 1),
    Case("truncated_array.json", "skips", (":12",), 2),
    Case("broken_array.json", "skips", (":3",), 2),
    Case("malformed.jsonl", "skips", (":2", ":3", ":4", ":5", ":9", ":10"), 6),
    Case("listing.csv", "skips", (":5", ":6"), 3),
    Case("cool_variants.txt", "skips", (":42",), 5),
    Case("latin1.txt", "ok", (), 1),
    Case("utf16_bom.jsonl", "ok", (), 1),
    Case("utf8_bom.csv", "ok", (), 1),
    Case("control_chars.txt", "ok", (), 1),
    Case("mixed_endings.jsonl", "ok", (), 4),
    Case("cool_crlf.txt", "ok", (), 2),
    Case("array.json", "ok", (), 3),
    Case("wrapper.json", "ok", (), 2),
    Case("beir_corpus.jsonl", "ok", (), 3),
    Case("openreview_notes.json", "ok", (), 5),
    Case("openreview_broken.json", "skips", (":6", ":7", ":9"), 2),
    # made by `made_here` below
    Case("all_bad.jsonl", "error", (":1",)),
    Case("listing.jsonl.gz", "error", ("gzip-compressed",)),
    Case("not_there.jsonl", "error", ("file not found",)),
    Case("a_folder", "error", ("folder, not a listing",)),
    Case("prose.txt", "error", ("no papers found",)),
    Case("wrong_types.json", "skips", (":3", ":4", ":5", ":6"), 1),
    Case("dup_ids.jsonl", "skips", (":3",), 2),
    Case("html_fields.jsonl", "ok", (), 1),
]


def made_here(folder: Path) -> None:
    """Hostile inputs that are easier to make than to keep as fixtures."""
    (folder / "all_bad.jsonl").write_text('{"id": "B1", "title": ""}\n{not json\n{"title": 5}\n', encoding="utf-8")
    with gzip.open(folder / "listing.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write('{"id": "GZ", "title": "Compressed", "abstract": "x"}\n')
    (folder / "a_folder").mkdir()
    (folder / "prose.txt").write_text("Dear colleagues,\nplease find the papers attached.\n", encoding="utf-8")
    wrong = [
        {"id": "W1", "title": "Fine Record", "authors": ["A"], "abstract": "ok"},
        {"id": "W2", "title": ["a", "list"], "abstract": "title is a list"},
        {"id": "W3", "title": "Authors Number", "authors": 7, "abstract": "x"},
        {"id": "W4", "title": "Abstract Object", "abstract": {"text": "nested"}},
        {"id": "W5", "title": "Year Word", "year": "twenty", "abstract": "x", "keywords": {"k": 1}},
    ]
    (folder / "wrong_types.json").write_text("[\n" + ",\n".join(json.dumps(r) for r in wrong) + "\n]\n",
                                             encoding="utf-8")
    dups = [
        {"id": "D1", "title": "Duplicated Paper", "abstract": "first version"},
        {"id": "D2", "title": "Other Paper", "abstract": "fine"},
        {"id": "D1", "title": "Duplicated Paper", "abstract": "a different second version"},
        {"id": "D2", "title": "Other Paper", "abstract": "fine"},  # identical repeat: one paper, no skip
    ]
    (folder / "dup_ids.jsonl").write_text("".join(json.dumps(r) + "\n" for r in dups), encoding="utf-8")
    html = {"id": "H1", "title": "<script>alert(1)</script> Title", "authors": ["<b>Bold</b>"],
            "abstract": "<img src=x onerror=alert(2)> and {{template}} ${x}"}
    (folder / "html_fields.jsonl").write_text(json.dumps(html) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for case in CASES:
        if (FIXTURES / case.name).exists():
            (folder / case.name).write_bytes((FIXTURES / case.name).read_bytes())
    made_here(folder)
    return folder


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding five real papers in the collection `base`."""
    folder = tmp_path_factory.mktemp("hostile-store")
    lines = ICLR.read_text(encoding="utf-8").splitlines()[:5]
    listing = folder / "base.jsonl"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    service.ingest([listing], Settings(store_dir=folder / "store", auto_ingest=False), BASE)
    return folder / "store"


def open_store(store_dir: Path) -> PaperStore:
    return service.services(Settings(store_dir=store_dir, auto_ingest=False)).store


def run_ingest(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`assistant ingest ...` through the console script's entry point, in this process."""
    code = cli.main(["ingest", "-q", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def collection_for(case: Case) -> str:
    return "c-" + "".join(ch if ch.isalnum() else "-" for ch in case.name).strip("-")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_listing_ends_in_a_named_error_or_counted_skips(
    case: Case, inputs: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = inputs / case.name
    before = fingerprint(open_store(store_dir))
    target = BASE if case.ends == "error" else collection_for(case)
    code, out, err = run_ingest(capsys, str(path), "--store", str(store_dir), "--collection", target)
    store = open_store(store_dir)
    if case.ends == "error":
        assert code == 2, (out, err)
        assert err.startswith(f"error: {path}") and err.count("\n") == 1, err  # one line, no traceback
        assert all(w in err for w in case.where), err
        assert fingerprint(store) == before  # nothing written, no collection created
        return
    assert code == 0, err
    skipped = [line for line in err.splitlines() if line.strip().startswith("skipped ")]
    assert [line.split()[1].removeprefix(str(path)).rstrip(":") for line in skipped] == list(case.where), err
    assert f"read {case.papers} papers" in out and f"skipped {len(case.where)}," in out
    assert f"added {case.papers}," in out
    after = fingerprint(store)
    assert {k: v for k, v in after.items() if k != target} == before  # other listings untouched
    found = audit(store, target, Settings(store_dir=store_dir))
    assert len(found.papers) == case.papers and found.incomplete == [] and found.stale == 0


@pytest.mark.parametrize("case", [c for c in CASES if c.ends == "skips"], ids=lambda c: c.name)
def test_strict_mode_turns_the_first_skip_into_an_error_and_writes_nothing(
    case: Case, inputs: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = inputs / case.name
    before = fingerprint(open_store(store_dir))
    code, _, err = run_ingest(capsys, str(path), "--strict", "--store", str(store_dir), "--collection", BASE)
    assert code == 2 and err.startswith(f"error: {path}{case.where[0]}: ") and "strict mode" in err, err
    assert fingerprint(open_store(store_dir)) == before


def test_control_characters_and_markup_are_stored_as_plain_text(
    inputs: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Control characters are stripped before anything is stored; markup is kept verbatim (it is data, escaped
    wherever it is shown: test_render.py, test_app_browser.py)."""
    for name in ("control_chars.txt", "html_fields.jsonl"):
        run_ingest(capsys, str(inputs / name), "--store", str(store_dir), "--collection", "c-plain-text")
    papers = {s.paper.title: s.paper for s in open_store(store_dir).iter_papers("c-plain-text")}
    text = json.dumps([p.__dict__ for p in papers.values()], default=list)
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in "".join(papers) + text.replace("\\n", ""))
    assert "\\u0007" not in text and "\\u001b" not in text and "\\u0000" not in text
    assert "<script>alert(1)</script> Title" in papers


def test_a_latin1_listing_is_read_and_the_user_is_told(inputs: Path, store_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_ingest(capsys, str(inputs / "latin1.txt"), "--store", str(store_dir), "--collection", "c-l1")
    assert code == 0 and "note:" in err and "latin1.txt" in err and "Latin-1" in err, err
    (paper,) = [s.paper for s in open_store(store_dir).iter_papers("c-l1")]
    assert paper.title.startswith("Über die Größe") and "José Núñez" in paper.authors


def test_one_bad_file_among_good_ones_fails_the_whole_ingest_through_the_console_script(
    inputs: Path, store_dir: Path
) -> None:
    """The real `assistant` command in its own process: exit status 2, one line naming the bad file, and the good
    file's papers are not half-ingested either."""
    before = fingerprint(open_store(store_dir))
    command = [sys.executable, "-m", "assistant", "ingest", "-q", str(inputs / "array.json"),
               str(inputs / "binary.bin"), "--store", str(store_dir), "--collection", BASE]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "ASSISTANT_AUTO_INGEST": "false"})
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {inputs / 'binary.bin'}: ") and "Traceback" not in done.stderr
    store = open_store(store_dir)
    store.reopen()  # another process wrote (or, here, did not write) to the store
    assert fingerprint(store) == before


def test_every_case_is_accounted_for(inputs: Path) -> None:
    """No fixture file is left out of the table (a new hostile fixture must say how it ends)."""
    fixtures = {p.name for p in FIXTURES.iterdir() if not p.name.startswith(".")}
    assert fixtures <= {c.name for c in CASES}

