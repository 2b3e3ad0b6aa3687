"""Listing files (assistant/listings/files.py): real files on disk, every encoding and every way a file can be bad."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant.errors import ListingError
from assistant.listings import iter_listing, read_listing, read_listings, sniff_encoding, title_slug_id
from assistant.types import Paper, SkippedRecord

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seeds" / "iclr2022-first25.txt"
ICLR = ROOT / "data" / "iclr2022" / "accepted.jsonl"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "listings"
OVERSQUASHING = "7UmjRGzp-A"


# ------------------------------------------------------------------------------------------------------------------
# The shipped data
# ------------------------------------------------------------------------------------------------------------------
def test_shipped_listing_reads_1095_papers_with_venue_from_its_folder() -> None:
    result = read_listing(ICLR)
    assert (len(result.papers), result.title_only, result.skipped) == (1095, 1, [])
    assert (result.format, result.encoding, result.notes) == ("jsonl", "utf-8", [])
    assert {(p.venue, p.year) for p in result.papers} == {("ICLR", 2022)}  # from 'iclr2022/' (records lack them)


def test_shipped_files_match_their_provenance_note() -> None:
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for path in (ICLR, SEED):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"`{path.relative_to(ROOT / 'data').as_posix()}`" in readme and digest in readme
    assert not list((ROOT / "data").rglob("*scifact*")) and not list((ROOT / "data").rglob("corpus.jsonl"))


def test_seed_and_listing_read_together_are_one_paper_each() -> None:
    seed = read_listing(SEED)
    assert len(seed.papers) == 25 and seed.papers[19].id == title_slug_id(seed.papers[19].title)
    both = read_listings([SEED, ICLR])
    assert len(both.papers) == 1095 and both.format == "papers.cool+jsonl"
    by_id = {p.id: p for p in both.papers}
    merged = by_id[OVERSQUASHING]
    assert merged.title == seed.papers[19].title and merged.abstract == seed.papers[19].abstract
    assert merged.decision == "Oral" and merged.url == f"https://openreview.net/forum?id={OVERSQUASHING}"
    assert not any(p.id.startswith("t-") for p in both.papers)  # every seed paper took its OpenReview id
    assert any("25 paper(s) appeared in more than one file" in note for note in both.notes)
    reverse = read_listings([ICLR, SEED])
    assert {p.id for p in reverse.papers} == set(by_id)
    jsonl_first = {p.id: p for p in reverse.papers}[OVERSQUASHING]
    assert jsonl_first.abstract != merged.abstract and "$k$-hop" not in (jsonl_first.abstract or "")


def test_crlf_copy_of_the_seed_reads_the_same(tmp_path: Path) -> None:
    crlf = tmp_path / "seed-crlf.txt"
    crlf.write_bytes(SEED.read_bytes().replace(b"\n", b"\r\n"))
    assert read_listing(crlf).papers == read_listing(SEED).papers


# ------------------------------------------------------------------------------------------------------------------
# Encodings
# ------------------------------------------------------------------------------------------------------------------
def test_latin1_file_falls_back_and_says_so() -> None:
    result = read_listing(FIXTURES / "latin1.txt")
    (paper,) = result.papers
    assert paper.title == "Über die Größe von Modellen"
    assert paper.authors == ("José Núñez", "François Noël") and paper.abstract == "Café, naïve, façade: ½ of résumés."
    assert result.encoding == "utf-8+latin-1"
    assert result.notes and "latin1.txt: 3 line(s) were not valid UTF-8 (first at line 1)" in result.notes[0]


def test_one_bad_byte_in_a_utf8_file_spoils_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "mostly-utf8.jsonl"
    good = json.dumps({"id": "Utf8Good01", "title": "Zoë’s café", "abstract": "naïve"}, ensure_ascii=False)
    bad = json.dumps({"id": "Utf8Bad001", "title": "Stray BYTE", "abstract": "x"}).replace("BYTE", "\udce9")
    path.write_bytes(good.encode() + b"\n" + good.replace("Good01", "Good02").encode() + b"\n"
                     + bad.encode("utf-8", "surrogateescape") + b"\n")
    result = read_listing(path)
    assert [p.title for p in result.papers] == ["Zoë’s café", "Zoë’s café", "Stray é"]
    assert "first at line 3" in result.notes[0] and "1 line(s)" in result.notes[0]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_unicode_encodings_read_the_same_as_utf8(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"seed-{encoding}.txt"
    path.write_bytes(SEED.read_text(encoding="utf-8").encode(encoding))  # utf-16-le/-be: no BOM
    result = read_listing(path)
    assert result.papers == read_listing(SEED).papers and result.skipped == []
    assert result.encoding == {"utf-16": "utf-16", "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be",
                               "utf-32": "utf-32", "utf-8-sig": "utf-8-sig"}[encoding]


def test_bom_fixtures() -> None:
    utf16 = read_listing(FIXTURES / "utf16_bom.jsonl")
    assert utf16.encoding == "utf-16" and [p.title for p in utf16.papers] == ["Ünïcode UTF-16 Paper"]
    assert utf16.papers[0].authors == ("Zoë",)
    csv_bom = read_listing(FIXTURES / "utf8_bom.csv")
    assert (csv_bom.encoding, csv_bom.format) == ("utf-8-sig", "csv")
    assert csv_bom.papers[0].title == "BOM CSV Paper" and csv_bom.papers[0].authors == ("Ann", "Bob")


def test_sniff_encoding() -> None:
    assert sniff_encoding(codecs.BOM_UTF8 + b"x", "f") == "utf-8-sig"
    assert sniff_encoding("#1 Title\n".encode("utf-16-le"), "f") == "utf-16-le"
    assert sniff_encoding("caf\xe9".encode("latin-1"), "f") == "utf-8"  # lines that fail UTF-8 fall back later


# ------------------------------------------------------------------------------------------------------------------
# Files that are not listings
# ------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.txt", r"the file is empty \(0 bytes\)"),
        ("blank.txt", r"the listing is empty"),
        ("binary.bin", r"this looks like a binary file \(it has NUL bytes\)"),
    ],
)
def test_empty_and_binary_files_are_clear_errors(name: str, message: str) -> None:
    path = FIXTURES / name
    with pytest.raises(ListingError, match=rf"^{re.escape(str(path))}: {message}") as info:
        read_listing(path)
    assert "JSONL" in str(info.value) and "CSV" in str(info.value)  # the hint lists the formats accepted


def test_compressed_missing_and_folder_paths(tmp_path: Path) -> None:
    packed = tmp_path / "listing.jsonl.gz"
    packed.write_bytes(gzip.compress(ICLR.read_bytes()[:5000]))
    with pytest.raises(ListingError, match="gzip-compressed file: decompress it first"):
        read_listing(packed)
    with pytest.raises(ListingError, match=r"nope\.jsonl: file not found\. Fix: check the path"):
        read_listing(tmp_path / "nope.jsonl")
    with pytest.raises(ListingError, match="this is a folder"):
        read_listing(tmp_path)
    with pytest.raises(ListingError, match="no listing files were given"):
        read_listings([])
    empty_list = tmp_path / "empty.json"
    empty_list.write_text("[]\n", encoding="utf-8")
    with pytest.raises(ListingError, match=r"empty\.json: no papers found \(read as json\)"):
        read_listing(empty_list)


def test_control_characters_including_a_raw_nul_are_stripped_not_binary() -> None:
    result = read_listing(FIXTURES / "control_chars.txt")
    (paper,) = result.papers
    assert paper.title == "Control Chars In Title" and paper.authors == ("Bell Person", "Nul Person")
    assert paper.abstract == "Abstract with vertical tab, form feed, DEL and bidi override."


# ------------------------------------------------------------------------------------------------------------------
# Bad records: counted, named by file and line, the rest read
# ------------------------------------------------------------------------------------------------------------------
def test_malformed_records_name_file_and_line() -> None:
    path = FIXTURES / "malformed.jsonl"
    result = read_listing(path)
    assert len(result.papers) == 6 and result.title_only == 1
    assert [str(s).split(": ")[0] for s in result.skipped] == [f"{path}:{n}" for n in (2, 3, 4, 5, 9, 10)]
    with pytest.raises(ListingError, match=rf"^{re.escape(str(path))}:2: invalid JSON.*strict mode") as info:
        read_listing(path, strict=True)
    assert (info.value.path, info.value.line) == (str(path), 2)
    with pytest.raises(ListingError, match=r"malformed\.jsonl:2:"):
        read_listings([SEED, path], strict=True)


def test_mixed_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    result = read_listing(FIXTURES / "mixed_endings.jsonl")
    assert [p.title for p in result.papers] == ["LF line", "CRLF line", "CR line", "last line"]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"title": "one"}\r\n{"title": "two"}\r{"title": \n{"title": "four"}\n')
    mixed = read_listing(path)
    assert [p.title for p in mixed.papers] == ["one", "two", "four"]
    assert [(s.line, s.reason.split(":")[0]) for s in mixed.skipped] == [(3, "invalid JSON")]


@pytest.mark.parametrize(
    ("name", "titles", "line"),
    [("truncated.jsonl", ["Complete Record"], 2), ("truncated_array.json", ["Array One", "Array Two"], 12)],
)
def test_file_cut_mid_record(name: str, titles: list[str], line: int) -> None:
    result = read_listing(FIXTURES / name)
    assert [p.title for p in result.papers] == titles
    (skip,) = result.skipped
    assert skip.line == line and "cut off" in skip.reason


def test_truncated_seed_keeps_every_complete_paper(tmp_path: Path) -> None:
    data = SEED.read_bytes()
    cut = tmp_path / "cut.txt"
    cut.write_bytes(data[: data.index(b"#21 ") + 60])  # mid-title of paper 21
    papers = read_listing(cut).papers
    assert [p.title for p in papers[:20]] == [p.title for p in read_listing(SEED).papers[:20]]
    assert len(papers) == 21 and papers[20].abstract is None  # the cut paper is kept, title-only


# ------------------------------------------------------------------------------------------------------------------
# Streaming
# ------------------------------------------------------------------------------------------------------------------
def test_iter_listing_streams_papers_and_skips() -> None:
    stream = iter_listing(FIXTURES / "malformed.jsonl")
    items = list(stream)
    assert stream.format == "jsonl"
    assert sum(isinstance(i, Paper) for i in items) == 6 and sum(isinstance(i, SkippedRecord) for i in items) == 6
    with pytest.raises(ListingError, match="file not found"):
        iter_listing(FIXTURES / "missing.jsonl")  # raised at once, before iterating


def _write_big_listing(path: Path, size: int) -> int:
    """Records of the shipped listing repeated with fresh ids and titles until the file has `size` bytes."""
    lines = ICLR.read_text(encoding="utf-8").splitlines()
    count = 0
    with path.open("w", encoding="utf-8") as f:
        while f.tell() < size:
            for line in lines:
                rec = re.sub(r'^\{"id": "[^"]+", "title": "', f'{{"id": "Big{count:07d}", "title": "{count} ', line)
                f.write(rec + "\n")
                count += 1
    return count


@pytest.mark.slow  # a 100 MB file
@pytest.mark.timeout(300)
def test_a_100_mb_listing_is_read_with_bounded_memory(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    records = _write_big_listing(big, 100 * 2**20)
    assert big.stat().st_size >= 100 * 2**20
    script = textwrap.dedent(f"""
        import json, resource, sys
        from assistant.listings import iter_listing, read_listing
        from assistant.types import Paper
        read_listing({str(SEED)!r})  # warm up: imports and a small parse
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        count = sum(isinstance(item, Paper) for item in iter_listing(sys.argv[1]))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"count": count, "grew_kib": after - before}}))
    """)
    out = subprocess.run([sys.executable, "-c", script, str(big)], capture_output=True, text=True, cwd=ROOT,
                         timeout=280, check=True)
    report = json.loads(out.stdout)
    assert report["count"] == records
    # Reading the file whole would need more than 100 MB; streaming keeps only the ids seen (for duplicates).
    assert report["grew_kib"] < 40 * 1024, report
