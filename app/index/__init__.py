"""Index: chunks → a hybrid index that is built once and searched read-only.

In: the corpus folder (through `app.ingest` and `app.chunk`) and an `Embedder`. Out: a
`HybridIndex` (the documents and chunks, with chunk and sentence vectors and BM25 over
jieba tokens in a retrieval backend), saved as a complete build folder and swapped into
service atomically. `build` runs ingest → chunk → embed, `cache` keeps vectors by content
hash so only new texts are embedded, `store` saves and loads builds, `hybrid` scores a
query, `backend` is the seam to where vectors live (`faiss_backend` in this process,
`milvus_backend` in Milvus).
"""

from app.index.build import build_index
from app.index.hybrid import HybridIndex, tokenize
from app.index.store import Opening, load_index, save_index

__all__ = ["HybridIndex", "Opening", "build_index", "load_index", "save_index", "tokenize"]
