"""Text embeddings behind one narrow interface, offline by default.

- `Embedder` (base.py): what retrieval and ingest program against; rows are float32 and unit length.
- `make_embedder(settings)` (factory.py): the one place an embedder is chosen, with an LRU cache of query vectors.
- `MiniLMEmbedder` (minilm.py): all-MiniLM-L6-v2 as an int8 ONNX model, run with onnxruntime; every file comes from a
  pinned PyPI package and is checked against its sha256 before use (packaged.py: `MiniLMFiles`).
- `OpenAIEmbedder` (openai_embedder.py): any OpenAI-compatible /v1/embeddings endpoint.
- `EmbeddingCache` (cache.py): vectors keyed by (model id, sha256 of the text), saved as a compressed .npz, so a
  listing whose chunks were embedded once (e.g. the default listing, shipped with the product) ingests in seconds.

The two backends are imported when first named (here, or by the factory when the settings choose one), not with the
package: a process that embeds with one never loads the other's module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .base import Embedder, l2_normalise
from .cache import EmbeddingCache, text_key
from .factory import QueryCachingEmbedder, make_embedder
from .packaged import MiniLMFiles, verify_file

if TYPE_CHECKING:
    from .minilm import MINILM_MAX_PIECES, MINILM_MODEL_ID, MiniLMEmbedder
    from .openai_embedder import OpenAIEmbedder

_BACKENDS = {
    "MiniLMEmbedder": "minilm", "MINILM_MODEL_ID": "minilm", "MINILM_MAX_PIECES": "minilm",
    "OpenAIEmbedder": "openai_embedder",
}

__all__ = [
    "MINILM_MAX_PIECES",
    "MINILM_MODEL_ID",
    "Embedder",
    "EmbeddingCache",
    "MiniLMEmbedder",
    "MiniLMFiles",
    "OpenAIEmbedder",
    "QueryCachingEmbedder",
    "l2_normalise",
    "make_embedder",
    "text_key",
    "verify_file",
]


def __getattr__(name: str) -> object:
    """A backend's names, importing its module on first use (PEP 562)."""
    if name not in _BACKENDS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_BACKENDS[name]}", __name__), name)
