"""The pure listing parsers (assistant/listings/): real listing text in, papers and skipped records out."""

from __future__ import annotations

import json
import re
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import ListingError
from assistant.listings import (
    FORMATS,
    ListingDefaults,
    default_pdf_url,
    default_url,
    detect_format,
    format_papers_cool,
    is_openreview_id,
    iter_papers,
    known_ids,
    normalize_decision,
    parse_listing,
    split_lines,
    split_names,
    split_venue,
    strip_buttons,
    summarize_skips,
    title_key,
    title_slug_id,
    unify_ids,
)
from assistant.types import Paper, SkippedRecord
from assistant.web.render import bibtex

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seeds" / "iclr2022-first25.txt"
ICLR = ROOT / "data" / "iclr2022" / "accepted.jsonl"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "listings"


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # not read_text: it would turn CRLF into LF


@pytest.fixture(scope="module")
def seed() -> list[Paper]:
    result = parse_listing(_text(SEED), "seed.txt")
    assert result.format == "papers.cool" and result.skipped == []
    return result.papers


@pytest.fixture(scope="module")
def iclr() -> list[Paper]:
    result = parse_listing(_text(ICLR), "accepted.jsonl")
    assert result.format == "jsonl" and result.skipped == []
    return result.papers


def _fixture(name: str, **kwargs: object) -> tuple[list[Paper], list[SkippedRecord]]:
    result = parse_listing(_text(FIXTURES / name), name, **kwargs)  # type: ignore[arg-type]
    return result.papers, result.skipped


# ------------------------------------------------------------------------------------------------------------------
# The seed listing (papers.cool copied text)
# ------------------------------------------------------------------------------------------------------------------
def test_seed_has_exactly_25_papers_with_their_titles(seed: list[Paper]) -> None:
    headings = re.findall(r"^#(\d+) (.+?) \[PDF", _text(SEED), flags=re.M)
    assert len(seed) == 25 == len(headings)
    assert [p.title for p in seed] == [title for _, title in headings]
    assert seed[0].title == ("The Hidden Convex Optimization Landscape of Regularized Two-Layer ReLU Networks: an "
                             "Exact Characterization of Optimal Solutions")  # its heading ends in [PDF1]
    assert seed[19].title == "Understanding over-squashing and bottlenecks on graphs via curvature"
    assert seed[23].title == ("iLQR-VAE : control-based learning of input-driven dynamics with applications to "
                              "neural data")


def test_seed_titles_are_the_same_papers_as_the_full_listing(seed: list[Paper], iclr: list[Paper]) -> None:
    keys = {title_key(p.title): p for p in iclr}
    assert all(title_key(p.title) in keys for p in seed)
    assert all(keys[title_key(p.title)].decision == "Oral" for p in seed)  # the seed is the page's first 25 (orals)


def test_seed_authors(seed: list[Paper]) -> None:
    assert seed[15].title.startswith("Einops")
    assert seed[15].authors == ("Alex Rogozhnikov",)  # 'Author:' (singular) line
    assert seed[0].authors == ("Yifei Wang", "Jonathan Lacotte", "Mert Pilanci")
    assert seed[1].authors == ("Ananya Kumar", "Aditi Raghunathan", "Robbie Jones", "Tengyu Ma", "Percy Liang")
    assert all(p.authors and all(a and ";" not in a and a == a.strip() for a in p.authors) for p in seed)
    assert sum(len(p.authors) == 1 for p in seed) == _text(SEED).count("\nAuthor: ")


def test_seed_abstracts_keep_latex_and_text(seed: list[Paper]) -> None:
    s4 = seed[3]
    assert s4.title == "Efficiently Modeling Long Sequences with Structured State Spaces"
    assert s4.abstract is not None
    assert r"\( x'(t) = Ax(t) + Bu(t), y(t) = Cx(t) + Du(t) \)" in s4.abstract
    assert "$10000$" in s4.abstract and r"91\% accuracy" in s4.abstract
    assert seed[15].abstract and seed[15].abstract.startswith("Tensor computations underlie modern scientific")
    paragraphs = [block.split("\n")[-1] for block in _text(SEED).split("\n\n") if block.strip()]
    for paper in seed:
        assert paper.abstract in paragraphs  # each abstract is its paragraph of the file, unchanged
        assert "Authors:" not in paper.abstract and "[PDF" not in paper.abstract


def test_seed_venue_line_gives_venue_and_year_and_ids_are_title_slugs(seed: list[Paper]) -> None:
    assert {(p.venue, p.year) for p in seed} == {("ICLR", 2022)}
    assert all(p.decision is None and p.url is None for p in seed)
    assert len({p.id for p in seed}) == 25
    assert seed[19].id.startswith("t-understanding-over-squashing-and-bottlenecks-on-graphs")
    assert all(p.id == title_slug_id(p.title) for p in seed)


# ------------------------------------------------------------------------------------------------------------------
# The full ICLR 2022 listing (JSONL)
# ------------------------------------------------------------------------------------------------------------------
def test_iclr_jsonl_has_1095_papers_one_title_only(iclr: list[Paper]) -> None:
    assert len(iclr) == 1095 == len({p.id for p in iclr})
    title_only = [p for p in iclr if p.abstract is None]
    assert [p.id for p in title_only] == ["rlYiXFdSy70"]
    assert parse_listing(_text(ICLR), "accepted.jsonl").title_only == 1
    assert Counter(p.decision for p in iclr) == {"Poster": 866, "Spotlight": 174, "Oral": 55}


def test_iclr_jsonl_ids_link_to_openreview(iclr: list[Paper]) -> None:
    raw = [json.loads(line) for line in _text(ICLR).splitlines()]
    assert [p.id for p in iclr] == [r["id"] for r in raw]
    paper = next(p for p in iclr if p.id == "7UmjRGzp-A")
    assert paper.url == "https://openreview.net/forum?id=7UmjRGzp-A"
    assert paper.pdf_url == "https://openreview.net/pdf?id=7UmjRGzp-A"
    assert paper.keywords == ("Graph neural networks", "Geometric deep learning", "Differential geometry",
                              "Ricci curvature")
    assert all(is_openreview_id(p.id) for p in iclr)


def test_same_paper_from_both_formats_gets_one_id(seed: list[Paper], iclr: list[Paper]) -> None:
    both = seed + iclr
    unified = unify_ids(both, known_ids(both))
    assert len(unified) == 1095  # the 25 seed papers merged into their JSONL records
    by_id = {p.id: p for p in unified}
    merged = by_id["7UmjRGzp-A"]
    assert merged.title == seed[19].title
    assert merged.abstract == seed[19].abstract  # the first source's text wins...
    assert merged.decision == "Oral" and merged.keywords  # ...and the gaps are filled from the JSONL
    assert merged.url == "https://openreview.net/forum?id=7UmjRGzp-A"
    seed_only = unify_ids(seed, known_ids(iclr))  # the ingest's case: ids known from the store
    assert seed_only[19].id == "7UmjRGzp-A" and all(is_openreview_id(p.id) for p in seed_only)


# ------------------------------------------------------------------------------------------------------------------
# papers.cool variants
# ------------------------------------------------------------------------------------------------------------------
def test_papers_cool_variants() -> None:
    papers, skipped = _fixture("cool_variants.txt")
    by_title = {p.title: p for p in papers}
    assert list(by_title) == ["Bracketed PDF1 Title", "A Related Paper", "No Brackets At All", "Bare Buttons Title",
                              "Title Only Paper"]
    assert by_title["A Related Paper"].authors == ("Grace Hopper", "Alan Turing", "Edsger Dijkstra")  # commas
    assert by_title["No Brackets At All"].authors == ("Alex Rogozhnikov",)
    first = by_title["Bracketed PDF1 Title"]
    assert first.abstract and r"\( x'(t) = Ax(t) + Bu(t) \)" in first.abstract and "``quotes''" in first.abstract
    assert (first.venue, first.year, first.decision) == ("NeurIPS", 2021, "Oral")  # Subject line
    related = by_title["A Related Paper"]
    assert (related.venue, related.year, related.decision) == ("ICLR", 2022, "Spotlight")  # Subject beats header
    assert (by_title["No Brackets At All"].venue, by_title["No Brackets At All"].year) == ("NeurIPS", 2021)
    assert by_title["Bare Buttons Title"].decision == "Poster"  # 'Accept (Poster)'
    assert by_title["Bare Buttons Title"].abstract == ("Buttons copied without brackets. The abstract continues on "
                                                       "a second line.\n\nSecond paragraph of the abstract.")
    assert by_title["Title Only Paper"].abstract is None
    assert [(s.line, s.reason.split(":")[0]) for s in skipped] == [(42, "missing title")]


def test_papers_cool_crlf_equals_lf() -> None:
    crlf = _text(FIXTURES / "cool_crlf.txt")
    assert "\r\n" in crlf
    assert parse_listing(crlf, "a.txt").papers == parse_listing(crlf.replace("\r\n", "\n"), "b.txt").papers
    seed_text = _text(SEED)
    for line_end in ("\r\n", "\r"):
        assert parse_listing(seed_text.replace("\n", line_end), "s").papers == parse_listing(seed_text, "s").papers


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("Plain [PDF] [Copy] [Kimi1]", "Plain"),
        ("With Number [PDF1] [Copy] [Kimi12]", "With Number"),
        ("Related [REL]", "Related"),
        ("Bare PDF Copy Kimi3", "Bare"),
        ("Learning the PDF", "Learning the PDF"),  # one bare word is part of the title
        ("[Re] Reproducing X [PDF]", "[Re] Reproducing X"),
        ("No Buttons", "No Buttons"),
    ],
)
def test_title_buttons_are_stripped(heading: str, title: str) -> None:
    assert strip_buttons(heading) == title


def test_authors_line_after_abstract_is_reported_not_merged() -> None:
    text = "#1 First\n\nAuthors: A\n\nAbstract one.\n\nSecond Title Without Hash\n\nAuthors: B\n\nAbstract two.\n"
    result = parse_listing(text, "x.txt")
    assert result.papers == [] and len(result.skipped) == 1
    assert result.skipped[0].line == 1 and "missing '#N Title' line" in result.skipped[0].reason
    assert "line 9" in result.skipped[0].reason


def test_label_lines_and_escaped_abstract_paragraphs() -> None:
    text = ("#1 A Paper\n\nAuthors: A ; B\n\nFirst paragraph.\n\n Authors: this paragraph is abstract text\n\n"
            "Keywords: graphs ; curvature\nID: local:42\nURL: https://example.org/p\n")
    (paper,) = parse_listing(text, "x.txt").papers
    assert paper.authors == ("A", "B")
    assert paper.abstract == "First paragraph.\n\nAuthors: this paragraph is abstract text"
    assert paper.keywords == ("graphs", "curvature")
    assert (paper.id, paper.url, paper.pdf_url) == ("local:42", "https://example.org/p", None)


# ------------------------------------------------------------------------------------------------------------------
# JSON, JSONL, CSV, BEIR
# ------------------------------------------------------------------------------------------------------------------
def test_jsonl_malformed_records_are_reported_and_the_rest_read() -> None:
    papers, skipped = _fixture("malformed.jsonl")
    assert [(s.line, s.reason.split(":")[0]) for s in skipped] == [
        (2, "invalid JSON"), (3, "missing title"), (4, "wrong type"), (5, "wrong type"),
        (9, "duplicate id AAAAAAAAA1 with different content (first at line 1)"), (10, "wrong type")]
    assert "'title' must be text, got a number" in skipped[2].reason
    assert "'authors' must be a list of names or a string, got an object" in skipped[3].reason
    assert str(skipped[0]).startswith("malformed.jsonl:2: invalid JSON")
    ids = [p.id for p in papers]
    assert ids == ["AAAAAAAAA1", "AAAAAAAAA6", "AAAAAAAAA7", "AAAAAAAA11", "AAAAAAAA13",
                   title_slug_id("Plain Id Paper")]
    assert papers[0].abstract == "First." and papers[0].decision == "Oral"  # the first of the duplicates is kept
    assert summarize_skips(skipped) == [("wrong type", 3), ("invalid JSON", 1), ("missing title", 1),
                                        ("duplicate id with different content", 1)]


def test_jsonl_aliases_links_and_types() -> None:
    papers, _ = _fixture("malformed.jsonl")
    by_id = {p.id: p for p in papers}
    null_abstract = by_id["AAAAAAAAA6"]
    assert null_abstract.abstract is None and null_abstract.authors == ("C", "D")
    alias = by_id["AAAAAAAA11"]  # forum / summary / author / status / venue / tags
    assert (alias.title, alias.abstract, alias.authors) == ("Alias Paper", "via aliases", ("G", "H"))
    assert (alias.venue, alias.year, alias.decision, alias.keywords) == ("ICLR", 2022, "Spotlight", ("t1", "t2"))
    linked = by_id["AAAAAAAA13"]  # id taken from an openreview URL
    assert linked.pdf_url == "https://openreview.net/pdf?id=AAAAAAAA13"
    plain = by_id[title_slug_id("Plain Id Paper")]  # an id that is no OpenReview id: the title slug is used
    assert plain.url is None and plain.year == 2020


def test_strict_mode_raises_at_the_first_skip_naming_file_and_line() -> None:
    with pytest.raises(ListingError, match=r"^malformed\.jsonl:2: invalid JSON") as info:
        parse_listing(_text(FIXTURES / "malformed.jsonl"), "malformed.jsonl", strict=True)
    assert info.value.line == 2
    assert parse_listing(_text(ICLR), "accepted.jsonl", strict=True).skipped == []


def test_control_characters_are_stripped() -> None:
    papers, _ = _fixture("malformed.jsonl")
    paper = next(p for p in papers if p.id == "AAAAAAAAA7")
    assert paper.title == "Control Char Paper"  # BEL, an ANSI colour sequence and a bidi override removed
    assert paper.authors == ("EF",) and paper.abstract == "bell here"
    raw = "#1 Bell\x07 and\x1b[1m Bold \u202eTitle\n\nAuthors: A\x00B\n\nText\x0b with\x0c breaks\x7f.\n"
    (cool,) = parse_listing(raw, "c.txt").papers
    assert (cool.title, cool.authors, cool.abstract) == ("Bell and Bold Title", ("AB",), "Text with breaks.")


# Invisible characters that split words for search and hide in names and BibTeX (issue 10, item 8).
INVISIBLE = {"zero-width space": "\u200b", "soft hyphen": "\u00ad", "word joiner": "\u2060", "BOM": "\ufeff",
             "zero-width joiner": "\u200d", "invisible times": "\u2062", "tag character": "\U000e0041"}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_format_characters_are_stripped_from_every_field_at_ingest(char: str) -> None:
    record = {"id": "Invisible01", "title": f"Dif{char}fusion Mo{char}dels", "authors": [f"Ada{char} Love{char}lace"],
              "keywords": [f"gen{char}erative"], "abstract": f"We{char} study dif{char}fusion.", "venue": "ICLR 2022"}
    csv_text = f"title,authors,abstract\nDif{char}fusion Mo{char}dels,Ada{char} Love{char}lace,We{char} study.\n"
    cool_text = f"#1 Dif{char}fusion Mo{char}dels\n\nAuthors: Ada{char} Love{char}lace\n\nWe{char} study.\n"
    escaped, raw = json.dumps(record) + "\n", json.dumps(record, ensure_ascii=False) + "\n"
    for text, name in ((escaped, "i.jsonl"), (raw, "u.jsonl"), (csv_text, "i.csv"), (cool_text, "i.txt")):
        (paper,) = parse_listing(text, name).papers
        assert (paper.title, paper.authors) == ("Diffusion Models", ("Ada Lovelace",)), name
        assert paper.abstract is not None and paper.abstract.startswith("We study"), name
        assert char not in "".join([paper.title, *paper.authors, *paper.keywords, paper.abstract or ""])
        assert char not in bibtex([paper])


def test_joiners_inside_non_latin_words_and_emoji_are_kept() -> None:
    persian = "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627"  # the ZWNJ is part of the spelling
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    record = {"id": "Joiners001", "title": f"{family} families", "authors": [persian]}
    (paper,) = parse_listing(json.dumps(record) + "\n", "j.jsonl").papers
    assert paper.title == f"{family} families" and paper.authors == (persian,)


def test_huge_abstract_is_accepted() -> None:
    abstract = ("word " * 20_000).strip()
    assert len(abstract) >= 99_999
    line = json.dumps({"id": "HugeAbstr1", "title": "Huge", "abstract": abstract})
    (paper,) = parse_listing(line + "\n", "huge.jsonl").papers
    assert paper.abstract == abstract
    (cool,) = parse_listing(f"#1 Huge\n\nAuthors: A\n\n{abstract}\n", "huge.txt").papers
    assert cool.abstract == abstract
    csv_text = f'title,abstract\nHuge,"{abstract} ' + "x" * 200_000 + '"\n'  # above csv's default field limit
    (row,) = parse_listing(csv_text, "huge.csv").papers
    assert row.abstract and len(row.abstract) == 300_000


def test_csv_listing() -> None:
    papers, skipped = _fixture("listing.csv")
    assert [p.title for p in papers] == ["CSV Paper One", "CSV Paper Two", "CSV Title Only"]
    one, two, title_only = papers
    assert one.authors == ("Ann A", "Bob B") and one.keywords == ("graphs", "curvature")
    assert (one.id, one.year, one.decision) == ("CCCCCCCCC1", 2022, "Oral")
    assert two.authors == ("Carl C", "Dora D") and two.decision == "Poster"
    assert two.abstract == "An abstract, with a comma and a newline inside quotes."
    assert two.id == title_slug_id("CSV Paper Two") and title_only.abstract is None
    # line numbers count the quoted newline of row 3, so row 4 is line 5
    assert [(s.line, s.reason.split(":")[0]) for s in skipped] == [(5, "missing title"), (6, "malformed CSV row")]


def test_csv_without_title_column_is_an_error_naming_the_header() -> None:
    with pytest.raises(ListingError, match="no 'title' column") as info:
        parse_listing("name,abstract\nx,y\n", "bad.csv")
    assert info.value.line == 1


def test_beir_corpus_keeps_ids_verbatim() -> None:
    result = parse_listing(_text(FIXTURES / "beir_corpus.jsonl"), "corpus.jsonl")
    assert result.format == "beir"
    assert [p.id for p in result.papers] == ["4983", "5836", "7912"]
    assert result.papers[0].abstract == "Alterations of the architecture."
    assert all(p.url is None for p in result.papers) and result.title_only == 1


def test_json_array_wrapper_and_broken_arrays() -> None:
    papers, skipped = _fixture("array.json")
    assert [p.title for p in papers] == ["Array One", "Array Two", "Array Three"] and skipped == []
    papers, skipped = _fixture("wrapper.json")
    assert [(p.id, p.venue, p.year) for p in papers] == [("GGGGGGGGG1", "ICLR", 2023), ("GGGGGGGGG2", "ICLR", 2024)]
    assert papers[0].authors == ("N One", "N Two") and papers[0].decision == "Accept: notable-top-5%"
    assert skipped == []
    papers, skipped = _fixture("broken_array.json")
    assert [p.title for p in papers] == ["Before", "After"]
    assert [(s.line, s.reason.split(":")[0]) for s in skipped] == [(3, "invalid JSON")]
    papers, skipped = _fixture("truncated_array.json")
    assert [p.title for p in papers] == ["Array One", "Array Two"]
    assert len(skipped) == 1 and skipped[0].line == 12 and "ends inside this record" in skipped[0].reason


def test_truncated_jsonl_reports_the_cut_line() -> None:
    papers, skipped = _fixture("truncated.jsonl")
    assert [p.title for p in papers] == ["Complete Record"]
    assert skipped[0].line == 2 and "cut off" in skipped[0].reason


def test_duplicates_within_a_file() -> None:
    rec = {"id": "DupDupDup1", "title": "Dup", "abstract": "same"}
    same = parse_listing("\n".join([json.dumps(rec)] * 3), "d.jsonl")
    assert len(same.papers) == 1 and same.skipped == []
    changed = parse_listing(json.dumps(rec) + "\n" + json.dumps({**rec, "abstract": "other"}), "d.jsonl")
    assert [p.abstract for p in changed.papers] == ["same"]
    assert changed.skipped[0].reason == "duplicate id DupDupDup1 with different content (first at line 1)"
    cool = parse_listing("#1 Same Title\n\nOne.\n\n#2 same title!\n\nTwo.\n", "d.txt")  # one title key, one id
    assert [p.abstract for p in cool.papers] == ["One."] and cool.skipped[0].line == 5


# ------------------------------------------------------------------------------------------------------------------
# Helpers: detection, ids, decisions, names
# ------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("first_lines", "fmt"),
    [
        ('[{"title": "x"}]', "json"),
        ('{\n "papers": []\n}', "json"),
        ('{"papers": [{"title": "x"}]}', "json"),
        ('{"title": "x", "abstract": "y"}', "jsonl"),
        ('{"_id": "1", "title": "x", "text": "y"}', "beir"),
        ("title,authors\nx,y", "csv"),
        ("Title\tAuthors\nx\ty", "csv"),
        ("\ufeffICLR.2022\n\nTotal: 3\n\n#1 A paper [PDF]", "papers.cool"),
        ("#1 A paper", "papers.cool"),
    ],
)
def test_detect_format(first_lines: str, fmt: str) -> None:
    detected, lines = detect_format(split_lines(first_lines), "x")
    assert detected == fmt
    assert "".join(lines).replace("\n", "") == first_lines.lstrip("\ufeff").replace("\n", "")


@pytest.mark.parametrize("text", ["", "\n \n\t\n", "just some prose\nwith no listing in it\n", "[]", "# notes\n"])
def test_empty_or_unknown_text_is_a_listing_error(text: str) -> None:
    expected = r"^notes\.md(:1)?: (the listing is empty|cannot tell the listing format|no papers found)"
    with pytest.raises(ListingError, match=expected) as info:
        parse_listing(text, "notes.md")
    assert "papers.cool" in str(info.value) and "JSONL" in str(info.value)  # says what is accepted


@pytest.mark.parametrize(
    ("raw", "decision"),
    [("Oral", "Oral"), ("oral", "Oral"), ("Accept (Oral)", "Oral"), ("ICLR 2022 Oral", "Oral"),
     ("Accept (spotlight)", "Spotlight"), ("POSTER", "Poster"), ("Accept (Poster)", "Poster"),
     ("Reject", "Reject"), ("  ", None), (None, None), ("Moral hazard", "Moral hazard")],
)
def test_normalize_decision(raw: str | None, decision: str | None) -> None:
    assert normalize_decision(raw) == decision


def test_split_names_and_venues() -> None:
    assert split_names("A ; B ; C") == ("A", "B", "C")
    assert split_names("A, B and C") == ("A", "B", "C")
    assert split_names("A, B, and C") == ("A", "B", "C")
    assert split_names("Smith, J.", allow_comma=False) == ("Smith, J.",)
    assert split_venue("ICLR.2022") == ("ICLR", 2022, None)
    assert split_venue("ICLR 2022 Poster") == ("ICLR", 2022, "Poster")
    assert split_venue("NeurIPS") == ("NeurIPS", None, None)


def test_title_key_and_slug() -> None:
    assert title_key("Über-Squashing:  A Study!") == title_key("uber squashing - a STUDY") == "uber squashing a study"
    slug = title_slug_id("Understanding over-squashing and bottlenecks on graphs via curvature")
    assert re.fullmatch(r"t-understanding-over-squashing-and-bottlenecks-on-graphs-[a-z-]*[0-9a-f]{8}", slug)
    assert len(slug) <= 2 + 60 + 9
    assert title_slug_id("Understanding Over-Squashing and Bottlenecks on Graphs via Curvature.") == slug
    assert title_slug_id("Another title") != slug and len(title_slug_id("x" * 500)) < 80
    assert re.fullmatch(r"t-[0-9a-f]{8}", title_slug_id("深度学习"))  # no ASCII left: hash only, still distinct
    assert title_slug_id("深度学习") != title_slug_id("机器学习")
    assert not is_openreview_id(title_slug_id("A")) and not is_openreview_id("4983")
    assert is_openreview_id("7UmjRGzp-A") and not is_openreview_id("abstract") and not is_openreview_id("my-own-id")


def test_unify_ids_leaves_explicit_ids_and_ambiguous_titles_alone() -> None:
    slug = Paper(id=title_slug_id("Shared Title"), title="Shared Title")
    beir = Paper(id="4983", title="Shared Title", abstract="x")
    assert unify_ids([slug], known_ids([beir]))[0].id == "4983"
    assert unify_ids([slug], known_ids([beir]))[0].url is None  # a BEIR id gets no OpenReview link
    other = Paper(id="OtherIdAB1", title="Shared title")
    assert known_ids([beir, other]) == {}  # two ids for one title: nothing to map onto
    explicit = Paper(id="MyIdMyId12", title="Shared Title")
    assert unify_ids([explicit], {"shared title": "4983"})[0].id == "MyIdMyId12"


# ------------------------------------------------------------------------------------------------------------------
# Streaming and bounded memory
# ------------------------------------------------------------------------------------------------------------------
def _endless_jsonl(counter: list[int]) -> Iterator[str]:
    n = 0
    while True:
        n += 1
        counter[0] = n
        yield json.dumps({"id": f"Strm{n:06d}", "title": f"Streamed paper {n}", "abstract": "text " * 300}) + "\n"


def test_parsers_stream_lazily() -> None:
    pulled = [0]
    items = iter_papers(_endless_jsonl(pulled), "endless.jsonl")
    first = next(items)
    assert isinstance(first, Paper) and first.title == "Streamed paper 1" and pulled[0] <= 2
    for _ in range(998):
        next(items)
    assert pulled[0] <= 1000  # one line in, one paper out: nothing read ahead


@pytest.mark.slow  # large generated files
@pytest.mark.parametrize("fmt", ["jsonl", "papers.cool", "json"])
def test_memory_stays_bounded_while_streaming(fmt: str) -> None:
    def lines() -> Iterator[str]:
        yield "[\n" if fmt == "json" else ""
        for n in range(600):  # about 6 MB of text, in records of 10 kB
            abstract = f"Abstract {n} " + "lorem ipsum dolor " * 550
            if fmt == "papers.cool":
                yield from (f"#{n} Paper number {n} [PDF] [Copy]\n", "\n", "Authors: A ; B\n", "\n", abstract + "\n")
            else:
                rec = json.dumps({"title": f"Paper number {n}", "authors": ["A", "B"], "abstract": abstract})
                yield rec + (",\n" if fmt == "json" else "\n")
        yield "]\n" if fmt == "json" else ""

    tracemalloc.start()
    try:
        count = sum(1 for item in iter_papers(lines(), "big", fmt) if isinstance(item, Paper))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 600
    # Memory follows one record (plus the ids seen, for duplicates), not the file: well under its 6 MB.
    assert peak < 1_500_000, f"peak {peak / 1e6:.1f} MB while streaming about 6 MB"


# ------------------------------------------------------------------------------------------------------------------
# Property-based: no unhandled exception on any text; papers.cool round trip
# ------------------------------------------------------------------------------------------------------------------
_STRUCTURE = st.sampled_from([
    "#1 Title [PDF] [Copy]", "#2", "#3 [PDF]", "Authors: A ; B", "Author: Smith, J", "Authors: A, B and C",
    "Subject: ICLR.2022 - Oral", "Subject: Machine Learning", "Keywords: k1 ; k2", "ID: SomeId1234", "URL:",
    "URL: https://openreview.net/forum?id=AbCdEfGh12", "PDF: x", "Venue: V", "Year: 2022", "Year: x", "Decision: oral",
    "ICLR.2022", "Total: 9", "", " ", " Authors: escaped", "\t#4 tabbed", "[", "{", "]", '{"title": "t"}', "title,a",
    '{"_id": 1, "title": "b"}', '"', "\x00", "\x1b[31m", "\u202e", "\r", "\ufeff",
])
_LINE = st.one_of(_STRUCTURE, st.text(max_size=40), _STRUCTURE.flatmap(lambda s: st.text(max_size=10).map(s.__add__)))
_LISTING_TEXT = st.lists(_LINE, max_size=30).map("\n".join)
_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)


def _parse_or_listing_error(text: str, fmt: str | None) -> list[Paper] | None:
    try:
        return parse_listing(text, "fuzz.txt", fmt).papers
    except ListingError as exc:
        assert exc.__cause__ is None, f"a parser crashed: {exc}"  # raised on purpose, not a wrapped crash
        return None


@pytest.mark.slow  # fuzzes every parser
@_SETTINGS
@given(text=_LISTING_TEXT, fmt=st.sampled_from([None, *FORMATS]))
def test_parsers_raise_nothing_but_listing_error(text: str, fmt: str | None) -> None:
    papers = _parse_or_listing_error(text, fmt)
    for paper in papers or []:
        assert paper.title and paper.title == " ".join(paper.title.split()) and paper.id


@_SETTINGS
@given(text=st.text(max_size=300), fmt=st.sampled_from([None, *FORMATS]))
def test_parsers_raise_nothing_but_listing_error_on_any_text(text: str, fmt: str | None) -> None:
    _parse_or_listing_error(text, fmt)


@_SETTINGS
@given(text=_LISTING_TEXT)
def test_papers_cool_parse_format_parse_round_trips(text: str) -> None:
    papers = _parse_or_listing_error(text, "papers.cool")
    if not papers:
        return  # nothing to round-trip (formatting no papers gives a listing with no papers: an error to read)
    assert parse_listing(format_papers_cool(papers), "again.txt", "papers.cool").papers == papers


_WORD = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "S"], exclude_characters=";"),
                min_size=1, max_size=12)
_PHRASE = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)
_PAPER = st.builds(
    Paper,
    id=st.one_of(st.just(""), st.from_regex(r"[A-Za-z0-9_-]{10}", fullmatch=True), _WORD),
    title=_PHRASE.filter(lambda t: strip_buttons(t) == t and not t.startswith("#")),
    authors=st.lists(_PHRASE, max_size=4).map(tuple),
    abstract=st.one_of(st.none(), st.lists(_PHRASE, min_size=1, max_size=3).map("\n\n".join)),
    venue=st.one_of(st.none(), _PHRASE),
    year=st.one_of(st.none(), st.integers(1000, 9999)),
    decision=st.one_of(st.none(), st.sampled_from(["Oral", "Spotlight", "Poster", "Reject"])),
    keywords=st.lists(_PHRASE, max_size=3, unique=True).map(tuple),
    url=st.one_of(st.none(), st.just("https://example.org/x"), st.just("https://openreview.net/forum?id=AbCdEfGh12")),
    pdf_url=st.one_of(st.none(), st.just("https://example.org/x.pdf")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(papers=st.lists(_PAPER, max_size=5))
def test_format_papers_cool_reads_back_any_paper(papers: list[Paper]) -> None:
    shaped: dict[str, Paper] = {}
    for paper in map(_as_parsed, papers):
        shaped.setdefault(paper.id, paper)  # one paper per id, as the parsers give
    expected = list(shaped.values())
    if not expected:
        with pytest.raises(ListingError, match="no papers found"):
            parse_listing(format_papers_cool(expected), "formatted.txt", "papers.cool")
        return
    parsed = parse_listing(format_papers_cool(expected), "formatted.txt", "papers.cool")
    assert parsed.skipped == [] and parsed.papers == expected


def _as_parsed(paper: Paper) -> Paper:
    """A paper as a parser makes it: an empty id means 'no id known' (the title slug); missing links default."""
    if not paper.id:
        paper = replace(paper, id=title_slug_id(paper.title))
    return replace(paper, url=paper.url if paper.url else default_url(paper.id),
                   pdf_url=paper.pdf_url if paper.pdf_url else default_pdf_url(paper.id))


def test_format_papers_cool_of_the_real_listings_reads_back(seed: list[Paper], iclr: list[Paper]) -> None:
    for papers in (seed, iclr):
        text = format_papers_cool(papers)
        assert parse_listing(text, "x.txt").papers == papers
    assert format_papers_cool(seed).count("\nAuthors: ") + format_papers_cool(seed).count("\nAuthor: ") == 25


def test_defaults_apply_only_where_records_are_silent() -> None:
    line = json.dumps({"title": "T", "venue": "NeurIPS 2020"}) + "\n" + json.dumps({"title": "U"})
    papers = parse_listing(line, "x.jsonl", defaults=ListingDefaults("ICLR", 2022)).papers
    assert [(p.venue, p.year) for p in papers] == [("NeurIPS", 2020), ("ICLR", 2022)]
