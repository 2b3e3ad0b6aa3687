"""The OpenReview notes format (assistant/listings/openreview.py) and the format registry it plugs into: real
export-shaped files in, papers out; detection among every other format; `assistant ingest` into a real Chroma store."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from assistant import cli, service
from assistant.errors import ListingError
from assistant.listings import (
    ACCEPTED_FORMATS,
    FORMATS,
    Head,
    detect_format,
    get_format,
    parse_listing,
    read_listing,
    registered,
    split_lines,
)
from assistant.listings.registry import by_rank
from assistant.types import Paper, SkippedRecord
from assistant.web import render

from .conftest import ICLR, ROOT, make_settings

FIXTURES = ROOT / "tests" / "fixtures"
NOTES = FIXTURES / "listings" / "openreview_notes.json"
BROKEN = FIXTURES / "listings" / "openreview_broken.json"
HOSTILE_TITLE = "<script>alert('note')</script> Robust <b>Graph</b> Sketches"


def _notes() -> list[dict[str, Any]]:
    notes = json.loads(NOTES.read_text(encoding="utf-8"))["notes"]
    assert isinstance(notes, list)
    return notes


def _by_id(papers: list[Paper]) -> dict[str, Paper]:
    return {p.id: p for p in papers}


# ------------------------------------------------------------------------------------------------------------------
# Parse
# ------------------------------------------------------------------------------------------------------------------
def test_an_api_v2_export_maps_every_field() -> None:
    result = read_listing(NOTES)
    assert result.format == "openreview" and result.skipped == [] and len(result.papers) == 5
    papers = _by_id(result.papers)
    oral = papers["aB3dE5fG7h"]
    assert oral.title == "Sparse Mixtures of Tide Experts for Coastal Forecasting"
    assert oral.authors == ("Ines Marlow", "Tomas Reyes")
    assert oral.abstract == ("We route each coastal station to a few tide experts.\n\n"
                             "The sparse mixture halves forecast error on storm surges.")
    assert oral.keywords == ("mixture of experts", "forecasting")  # the repeated keyword kept once
    assert (oral.venue, oral.year, oral.decision) == ("ICLR", 2022, "Oral")
    assert oral.url == "https://openreview.net/forum?id=aB3dE5fG7h"
    assert oral.pdf_url == "https://openreview.net/pdf/3f2a9c0d41be5e7a8c6b1d0e9f4a2b7c8d5e6f10.pdf"
    assert [papers[i].decision for i in ("Kq9LmN2pQr", "Zt4Xw8Yv1U", "Hs6Jk0Lm3N")] == ["Spotlight", "Poster",
                                                                                          "Poster"]


def test_a_note_without_abstract_is_a_title_only_paper() -> None:
    result = read_listing(NOTES)
    assert result.title_only == 1
    paper = _by_id(result.papers)["Zt4Xw8Yv1U"]
    assert paper.abstract is None and paper.title == "A Title-Only Note Without Its Abstract"


def test_a_venue_without_a_year_takes_the_publication_date_and_no_decision() -> None:
    tmlr = _by_id(read_listing(NOTES).papers)["Pr5Qs7Tu9V"]  # venue 'TMLR', pdate 2022-04-15
    assert (tmlr.venue, tmlr.year, tmlr.decision) == ("TMLR", 2022, None)


def test_markup_in_a_note_stays_text_and_a_hostile_pdf_is_not_linked() -> None:
    paper = _by_id(read_listing(NOTES).papers)["Hs6Jk0Lm3N"]
    assert paper.title == HOSTILE_TITLE and paper.authors == ("<img src=x onerror=alert(1)>Mallory",)
    assert paper.pdf_url == "https://openreview.net/pdf?id=Hs6Jk0Lm3N"  # its pdf was 'javascript:alert(3)'
    assert paper.url == "https://openreview.net/forum?id=Hs6Jk0Lm3N"


@pytest.mark.parametrize("shape", ["bare list", "one line", "one note per line", "v1 values"])
def test_other_shapes_of_the_same_notes_read_the_same(shape: str) -> None:
    notes = _notes()
    if shape == "bare list":
        text = json.dumps(notes, indent=1)
    elif shape == "one line":
        text = json.dumps({"count": len(notes), "notes": notes})
    elif shape == "one note per line":
        text = "".join(json.dumps(n) + "\n" for n in notes)
    else:  # API v1: content values not wrapped in {"value": ...}
        text = json.dumps({"notes": [{**n, "content": {k: v["value"] for k, v in n["content"].items()}}
                                     for n in notes]})
    result = parse_listing(text, "export.json")
    assert result.format == "openreview" and result.skipped == []
    assert result.papers == read_listing(NOTES).papers


def test_ids_that_do_not_look_like_openreview_ids_are_not_linked() -> None:
    note = {"id": "1", "forum": "javascript:alert(1)", "content": {"title": {"value": "Odd Ids"}}}
    (paper,) = parse_listing(json.dumps({"notes": [note]}), "odd.json").papers
    assert paper.id.startswith("t-odd-ids-") and paper.url is None and paper.pdf_url is None
    forum_only = {"forum": "Mn3Op5Qr7S", "content": {"title": {"value": "Forum Only"}}}
    (paper,) = parse_listing(json.dumps([forum_only]), "forum.json").papers
    assert paper.id == "Mn3Op5Qr7S" and paper.url == "https://openreview.net/forum?id=Mn3Op5Qr7S"


def test_submitted_and_venue_id_only_notes() -> None:
    notes = [{"id": "Ab1Cd2Ef3G", "content": {"title": {"value": "Under Review"},
                                               "venue": {"value": "Submitted to ICLR 2024"}}},
             {"id": "Hi4Jk5Lm6N", "content": {"title": {"value": "Only A Venue Id"},
                                               "venueid": {"value": "NeurIPS.cc/2023/Conference"}}}]
    submitted, venue_id_only = parse_listing(json.dumps({"notes": notes}), "n.json").papers
    assert (submitted.venue, submitted.year, submitted.decision) == ("ICLR", 2024, None)
    assert (venue_id_only.venue, venue_id_only.year, venue_id_only.decision) == ("NeurIPS", 2023, None)


# ------------------------------------------------------------------------------------------------------------------
# Malformed exports: file and line on every skip, strict mode an error naming them
# ------------------------------------------------------------------------------------------------------------------
def test_a_broken_note_is_skipped_with_file_line_and_column_and_the_rest_is_read() -> None:
    result = read_listing(BROKEN)
    assert [p.title for p in result.papers] == ["Before the Broken Note", "After the Broken Note"]
    assert [(s.path, s.line) for s in result.skipped] == [(str(BROKEN), 6), (str(BROKEN), 7), (str(BROKEN), 9)]
    bad_json, wrong_type, no_title = (s.reason for s in result.skipped)
    assert bad_json.startswith("invalid JSON: Expecting ',' delimiter (column ")
    assert wrong_type == "wrong type: 'authors' must be a list of names or a string, got a number"
    assert no_title.startswith("missing title")


def test_strict_mode_names_the_file_and_line_of_the_first_bad_note() -> None:
    with pytest.raises(ListingError) as info:
        read_listing(BROKEN, strict=True)
    assert str(info.value).startswith(f"{BROKEN}:6: invalid JSON") and info.value.line == 6


GOOD_NOTE = {"id": "Gd0Nt1Gd2N", "content": {"title": {"value": "A Good Note"}}}


@pytest.mark.parametrize(("bad", "reason"), [
    ({"id": "Ab1Cd2Ef3G", "content": "a string"}, "wrong type: 'content' must be an object, got str"),
    ({"id": "Ab1Cd2Ef3G", "forum": "Ab1Cd2Ef3G"}, "missing content"),
    ({"forum": "Ab1Cd2Ef3G", "content": {"title": {"value": ["a", "list"]}}}, "wrong type: 'title' must be text"),
    ({"id": "Ab1Cd2Ef3G", "content": {"title": {"no value": "x"}}}, "wrong type: 'title' must be text, got an obj"),
    (["not", "a", "note"], "wrong type: expected a JSON object"),
])
def test_wrong_note_shapes_are_skipped_with_their_reason(bad: object, reason: str) -> None:
    result = parse_listing(json.dumps({"notes": [GOOD_NOTE, bad]}), "shapes.json")
    assert result.format == "openreview" and len(result.papers) == 1
    assert [(s.line, s.reason.startswith(reason)) for s in result.skipped] == [(1, True)], result.skipped


def test_a_cut_off_minified_export_names_the_file_line_and_column() -> None:
    text = json.dumps({"notes": _notes()})
    cut = text[: text.index('"Hs6Jk0Lm3N"')]  # inside the fourth note
    result = parse_listing(cut, "cut.json")
    assert len(result.papers) == 3
    (skip,) = result.skipped
    assert (skip.path, skip.line) == ("cut.json", 1) and "ends inside this record" in skip.reason


def test_an_export_with_no_notes_is_an_error_naming_the_format() -> None:
    with pytest.raises(ListingError, match=r"^empty\.json: no papers found \(read as openreview\)"):
        parse_listing('{"count": 0, "notes": []}', "empty.json")


# ------------------------------------------------------------------------------------------------------------------
# Detection: the registry's sniffs
# ------------------------------------------------------------------------------------------------------------------
def _claims(text: str) -> list[str]:
    """The formats whose sniff claims `text`, in the order detection asks them."""
    return [f.name for f in by_rank() if f.sniff(Head(split_lines(text)))]


def test_the_registry_lists_openreview_beside_the_other_formats() -> None:
    assert {"papers.cool", "json", "jsonl", "csv", "beir", "openreview"} == set(FORMATS)
    assert [f.name for f in registered()] == list(FORMATS) and get_format("openreview", "x").name == "openreview"
    assert "OpenReview API v2 notes export" in ACCEPTED_FORMATS and "BEIR corpus.jsonl" in ACCEPTED_FORMATS


@pytest.mark.parametrize("shape", ["pretty", "minified", "bare list", "per line"])
def test_sniff_picks_openreview_first_for_every_shape_of_an_export(shape: str) -> None:
    notes = _notes()
    text = {"pretty": NOTES.read_text(encoding="utf-8"), "minified": json.dumps({"notes": notes}),
            "bare list": json.dumps(notes, indent=2), "per line": "\n".join(json.dumps(n) for n in notes)}[shape]
    claims = _claims(text)
    assert claims[0] == "openreview", claims
    assert detect_format(split_lines(text), "x")[0] == "openreview"


def _listing_fixtures() -> list[Path]:
    files = [p for p in sorted((FIXTURES / "listings").iterdir()) if not p.name.startswith("openreview")]
    return [*files, FIXTURES / "beir_tiny" / "corpus.jsonl", ICLR]


@pytest.mark.parametrize("path", _listing_fixtures(), ids=lambda p: p.name)
def test_openreview_does_not_claim_any_other_listing(path: Path) -> None:
    try:
        result = read_listing(path)
    except ListingError:
        return  # empty, binary...: no format claims it, openreview neither
    assert result.format not in ("", "openreview") and result.papers, result.format
    text = path.read_bytes().decode(result.encoding.split("+")[0], errors="replace")
    assert "openreview" not in _claims(text)


def test_records_that_merely_have_a_content_field_stay_json() -> None:
    text = json.dumps([{"title": "Plain", "content": {"kind": "text"}, "abstract": "x"}])
    assert parse_listing(text, "plain.json").format == "json"


# ------------------------------------------------------------------------------------------------------------------
# `assistant ingest` into a real Chroma store
# ------------------------------------------------------------------------------------------------------------------
def test_assistant_ingest_indexes_an_export_searchable_with_inert_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    code = cli.main(["ingest", "-q", str(NOTES), "--store", str(store), "--collection", "orv2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "read 5 papers" in out and "added 5," in out
    settings = make_settings(store)
    stored = _by_id([s.paper for s in service.services(settings).store.iter_papers("orv2")])
    assert stored == _by_id(read_listing(NOTES).papers)
    (hit, *_) = service.search("tide experts for coastal storm surge forecasts", settings, k=3, collection="orv2")
    assert hit.paper.id == "aB3dE5fG7h" and hit.paper.decision == "Oral"
    (hostile, *_) = service.search("robust graph sketches", settings, k=3, collection="orv2")
    assert hostile.paper.title == HOSTILE_TITLE
    card = render.source_card(hostile, 1)
    assert html.escape(HOSTILE_TITLE) in card and "<script" not in card and "<img" not in card
    links = re.findall(r'href="([^"]*)"', card)  # the abstract's <a href=...> is text, escaped: not a link
    assert links and all(link.startswith("https://openreview.net/") for link in links), links


def test_assistant_ingest_strict_names_the_broken_note_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    code = cli.main(["ingest", "-q", "--strict", str(BROKEN), "--store", str(store), "--collection", "broken"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: {BROKEN}:6: invalid JSON") and "Traceback" not in err, err
    assert "broken" not in [c["name"] for c in service.stats(make_settings(store))["collections"]]


# ------------------------------------------------------------------------------------------------------------------
# The registry is the extension point: a new format is one ListingFormat, registered
# ------------------------------------------------------------------------------------------------------------------
def test_a_registered_format_is_detected_parsed_and_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.listings import BadRecord, Item, ListingDefaults, ListingFormat, register, registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))  # restored after the test

    def adapt(title: str, defaults: ListingDefaults) -> Paper:
        if not title.strip():
            raise BadRecord("missing title: an empty line after '%titles'")
        return Paper(id=title.strip().lower(), title=title.strip(), venue=defaults.venue)

    def parse(lines, path, defaults, adapter):
        for number, line in enumerate(lines, 1):
            if number > 1:
                try:
                    item: Item = adapter(line.rstrip("\n"), defaults)
                except BadRecord as exc:
                    item = SkippedRecord(path, number, str(exc))
                yield number, item

    register(ListingFormat[str](name="titles", description="a '%titles' file (one title per line)",
                                sniff=lambda head: head.first.strip() == "%titles", parse=parse, adapter=adapt,
                                rank=50))
    result = parse_listing("%titles\nFirst Paper\n\nSecond Paper\n", "t.txt")
    assert result.format == "titles" and [p.title for p in result.papers] == ["First Paper", "Second Paper"]
    assert [(s.path, s.line) for s in result.skipped] == [("t.txt", 3)]
    with pytest.raises(ListingError, match=r"Accepted: .*, or a '%titles' file"):
        parse_listing("nothing to see\n", "n.bin")
