"""Embeddings from any OpenAI-compatible /v1/embeddings endpoint. Its failures become one EmbeddingError that says
what to fix and never holds the key (assistant/redaction.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ConfigError, EmbeddingError
from ..redaction import endpoint_label, redact
from .base import l2_normalise

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
        self.endpoint = endpoint_label(base_url)  # no path or query: they may hold the key
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


def _openai_client(base_url: str | None, api_key: str, timeout: float, retries: int) -> Any:
    try:
        import openai
    except ImportError:
        raise ConfigError("The openai embedder needs the openai package. Fix: pip install openai") from None
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=retries)
