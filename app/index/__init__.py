"""Index: chunks → a hybrid index that is built once and searched read-only.

In: the corpus folder (through `app.ingest` and `app.chunk`) and an `Embedder`. Out: a
`HybridIndex` (chunk and sentence vectors in FAISS, BM25 over jieba tokens, the
documents), saved as a complete build folder and swapped into service atomically.
`build` runs ingest → chunk → embed, `cache` keeps vectors by content hash so only new
texts are embedded, `store` saves and loads builds, `hybrid` scores a query.
"""

from app.index.build import build_index
from app.index.hybrid import HybridIndex, tokenize
from app.index.store import load_index, save_index

__all__ = ["HybridIndex", "build_index", "load_index", "save_index", "tokenize"]
