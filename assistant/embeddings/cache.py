"""`EmbeddingCache`: vectors keyed by (model id, sha256 of the text), saved as a compressed .npz, so a listing whose
chunks were embedded once (e.g. the default listing, shipped with the product) ingests in seconds."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..files import write_atomically
from .base import Embedder, l2_normalise

log = logging.getLogger(__name__)

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
        write_atomically(Path(path), buffer.getvalue())

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
