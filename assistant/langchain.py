"""A Python API for other tools: the listing's hybrid retrieval as a LangChain retriever.

    from assistant.langchain import PaperRetriever
    retriever = PaperRetriever(collection="iclr2022", k=5)
    docs = retriever.invoke("which papers study over-squashing?")
    docs[0].metadata["id"], docs[0].metadata["url"]

Each Document is one paper: its text is the passage that matched best (else the abstract), its metadata the paper's
id, title, authors, decision, URL and the fused score. It goes through the service like the app and the CLI, so it
sees the same store, settings (environment and `.env`) and filters.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from . import service
from .settings import Settings
from .types import Filters, Hit, SearchMode


class PaperRetriever(BaseRetriever):
    """The papers of one collection that best match a query, as LangChain Documents (one per paper)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    collection: str | None = Field(None, description="Collection to search; None: the settings' default.")
    k: int = Field(8, ge=1, le=1000, description="Papers returned per query.")
    mode: SearchMode | None = Field(None, description="hybrid, dense or bm25; None: the settings' search_mode.")
    filters: Filters | None = Field(None, description="Decision, author, keyword, year or id filters.")
    settings: Settings = Field(default_factory=Settings, description="Store, model and retrieval settings.")

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = service.search(query, self.settings, k=self.k, mode=self.mode, filters=self.filters,
                              collection=self.collection)
        return [hit_document(hit) for hit in hits]


def hit_document(hit: Hit) -> Document:
    """One search hit as a Document; metadata values are plain JSON types (Chroma and LangChain stores accept them)."""
    paper = hit.paper
    metadata: dict[str, Any] = {
        "id": paper.id,
        "title": paper.title,
        "authors": list(paper.authors),
        "decision": paper.decision,
        "url": paper.url,
        "score": hit.score,
    }
    return Document(page_content=hit.passage or paper.abstract or paper.title, metadata=metadata, id=paper.id)
