"""The one place an embedder is chosen: `make_embedder(settings)`, each backend imported only when chosen, with an
LRU cache of query vectors in front of it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from ..errors import ConfigError
from ..settings import Settings
from .base import Embedder


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
    from .minilm import MiniLMEmbedder

    return QueryCachingEmbedder(MiniLMEmbedder(threads=threads, batch_size=batch_size))


@lru_cache(maxsize=4)
def _shared_openai(
    model: str, base_url: str | None, api_key: str | None, timeout: float, retries: int, batch_size: int
) -> Embedder:
    from .openai_embedder import OpenAIEmbedder

    embedder = OpenAIEmbedder(model, base_url, api_key, timeout=timeout, retries=retries, batch_size=batch_size)
    return QueryCachingEmbedder(embedder)
