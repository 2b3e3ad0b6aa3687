"""The LangChain retriever other tools import, over the shipped listing in a real store."""

from __future__ import annotations

from typing import Any

from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda

from assistant.langchain import PaperRetriever
from assistant.types import Filters
from tests.conftest import OVERSQUASHING_ID


def test_documents_carry_the_paper_in_their_metadata(iclr_settings: Any) -> None:
    retriever = PaperRetriever(settings=iclr_settings, collection="iclr2022", k=5)
    docs = retriever.invoke("which papers study over-squashing?")
    assert len(docs) == 5 and all(isinstance(d, Document) for d in docs)
    first = docs[0]
    assert first.metadata["id"] == OVERSQUASHING_ID == first.id
    assert first.metadata["url"] == f"https://openreview.net/forum?id={OVERSQUASHING_ID}"
    assert "squash" in first.page_content.lower()
    assert first.metadata["authors"] and isinstance(first.metadata["authors"], list)
    assert [d.metadata["score"] for d in docs] == sorted((d.metadata["score"] for d in docs), reverse=True)


def test_filters_and_modes_reach_the_search(iclr_settings: Any) -> None:
    orals = PaperRetriever(settings=iclr_settings, k=10, filters=Filters(decision=("Oral",)), mode="bm25")
    docs = orals.invoke("graph neural networks")
    assert docs and all(d.metadata["decision"] == "Oral" for d in docs)


def test_it_composes_in_an_lcel_chain(iclr_settings: Any) -> None:
    def titles_of(docs: list[Document]) -> list[str]:
        return [str(d.metadata["title"]) for d in docs]

    titles = PaperRetriever(settings=iclr_settings, k=3) | RunnableLambda(titles_of)
    out = titles.invoke("over-squashing in graph neural networks")
    assert len(out) == 3 and any("squash" in t.lower() for t in out)
