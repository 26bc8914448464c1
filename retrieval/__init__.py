"""Hybrid retrieval of similar process profiles (dense + BM25) on chromadb.

Depends on the domain only; the application feeds it profiles from storage.
"""
