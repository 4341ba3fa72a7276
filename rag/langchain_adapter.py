"""LangChain retriever adapter over the same Engine, for users' own chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from rag.serialize import hit_json
from rag.types import Filters


class PolicyRetriever(BaseRetriever):
    """Hybrid retrieval as a LangChain BaseRetriever; metadata carries the citation fields."""

    engine: Any  # rag.pipeline.Engine (Any keeps pydantic from inspecting it)
    k: int = 5
    filters: Filters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        hits = self.engine.search(query, k=self.k, filters=self.filters)
        docs = self.engine.index.documents
        out = []
        for hit in hits:
            meta = hit_json(hit, docs)
            text = meta.pop("text")
            out.append(LCDocument(page_content=text, metadata=meta))
        return out
