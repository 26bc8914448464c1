"""Our embedders as a langchain ``Embeddings`` (for langchain vector stores and chains)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from .embedders import Embedder


class LangChainEmbeddings(Embeddings):
    """Adapter so our embedders plug into langchain components."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.encode([text])[0].tolist()
