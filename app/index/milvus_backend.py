"""The Milvus retrieval backend: a library's vectors and BM25 index in Milvus, shared by
every replica of the service.

`XUHUI_MILVUS_URI` is a file path (Milvus Lite, embedded: tests, one machine) or an
http:// address (Milvus Standalone or Distributed); both are spoken to by `pymilvus`.

Two collections (named by `XUHUI_MILVUS_COLLECTION` and the vectors' dimension):
- `<name>_chunks_<dim>`: one row per chunk of a document version: its vector, its BM25
  tokens, its doc id, kind and years. The tokens are ours (jieba's, as the in-process
  BM25 has them), each written as an ASCII word (`w` and 12 hex digits of its hash), so
  Milvus's standard analyzer, which would cut Chinese into single characters on a server
  and not in Milvus Lite, splits them back into exactly these words;
- `<name>_sentences_<dim>`: one row per indexed sentence: its vector, chunk and offset.

A build writes only the document versions not stored yet and searches only the versions
it lists, filtered in Milvus (`version in [...]`): rows of a newer build are invisible to
a replica serving an older one, and the swap to a new build is the build folder's one
atomic step. This is as safe as a collection per build behind a switched alias, and
costs one document's rows per changed document instead of the whole library's.

Milvus computes BM25 per segment (and Milvus Lite returns negated distances): lexical
hits are ranked, and their score is only their rank turned positive.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterable
from typing import Any

import numpy as np

from app.domain import Chunk
from app.errors import BackendUnavailable
from app.index.backend import DocumentRows, Hit, Where

log = logging.getLogger(__name__)

MAX_TEXT = 65535  # Milvus's longest VARCHAR
MAX_LIMIT = 16384  # Milvus's largest top-k (and offset + limit of a query)
MAX_YEARS = 64
_BATCH = 512


class _Guarded:
    """The Milvus client with a time limit on every call to the server (pymilvus retries an
    unreachable server for minutes otherwise), and its failures as BackendUnavailable."""

    TIMED = {
        "create_collection", "delete", "flush", "get", "has_collection", "load_collection",
        "query", "query_iterator", "search", "upsert",
    }  # fmt: skip

    def __init__(self, client, uri: str, timeout_s: float) -> None:
        self._client, self._uri, self._timeout_s = client, uri, timeout_s

    def __getattr__(self, name: str):
        method = getattr(self._client, name)
        if name not in self.TIMED:
            return method

        def call(*args, **kwargs):
            import grpc
            from pymilvus.exceptions import MilvusException

            try:
                return method(*args, timeout=self._timeout_s, **kwargs)
            except MilvusException as exc:
                raise BackendUnavailable(
                    f"Milvus at {self._uri} did not answer {name}: {exc.message}"
                ) from exc
            except grpc.RpcError as exc:  # past the time limit, or the connection broke
                code = exc.code() if isinstance(exc, grpc.Call) else None
                raise BackendUnavailable(
                    f"Milvus at {self._uri} did not answer {name} within "
                    f"{self._timeout_s:g} s ({getattr(code, 'name', 'gRPC error')})"
                ) from exc

        return call


def lexical_words(tokens: list[str]) -> str:
    """Our BM25 tokens as one text of ASCII words the standard analyzer keeps whole."""
    return " ".join("w" + hashlib.blake2b(t.encode(), digest_size=6).hexdigest() for t in tokens)


def _quoted(values: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


class MilvusBackend:
    """Chunk and sentence vectors and BM25 in two Milvus collections."""

    kind = "milvus"

    def __init__(
        self,
        uri: str,
        dim: int,
        *,
        name: str = "xuhui",
        token: str = "",
        vector_index: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException

        self.uri = uri
        self.dim = dim
        self.chunks_name = f"{name}_chunks_{dim}"
        self.sentences_name = f"{name}_sentences_{dim}"
        try:
            client = MilvusClient(uri=uri, token=token, timeout=timeout_s)
        except MilvusException as exc:
            raise BackendUnavailable(f"Milvus at {uri} cannot be reached: {exc.message}") from exc
        self.client = _Guarded(client, uri, timeout_s)
        # Milvus Lite (a file) searches exactly; a server builds its own index (HNSW).
        self.vector_index = vector_index or ("AUTOINDEX" if "://" in uri else "FLAT")
        self._dense_params: dict = {"metric_type": "IP"}
        if self.vector_index == "HNSW":
            self._dense_params["params"] = {"ef": 64}
        self._lock = threading.Lock()
        self._versions: list[str] = []
        self._position: dict[str, int] = {}
        self._sentence_row: dict[tuple[str, int], int] = {}
        self._sentence_key: list[str] = []
        self._docs: set[str] = set()
        self._written = False  # rows written since the last flush
        self._known: set[str] | None = None  # the stored versions, once read
        self._ensure_collections()

    # ------------------------------------------------------------------ schema

    def _ensure_collections(self) -> None:
        """Create the two collections if they are missing, and load them for search (a
        collection a restarted Milvus holds is released until loaded)."""
        # Milvus Lite answers the index-build wait's timestamp call with "not implemented",
        # which its gRPC server logs as an error although creation succeeds.
        grpc_log = logging.getLogger("grpc._server")
        level = grpc_log.level
        if self.vector_index == "FLAT":
            grpc_log.setLevel(logging.CRITICAL)
        try:
            self._create_collections()
        finally:
            grpc_log.setLevel(level)
        for name in (self.chunks_name, self.sentences_name):
            self.client.load_collection(name)
            if "://" not in self.uri:  # Milvus Lite reopens unsealed rows unsealed
                self.client.flush(name)

    def _create_collections(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        client = self.client
        if not client.has_collection(self.chunks_name):
            schema = client.create_schema(auto_id=False)
            self._common_fields(schema, DataType)
            schema.add_field(
                "tokens",
                DataType.VARCHAR,
                max_length=MAX_TEXT,
                enable_analyzer=True,
                analyzer_params={"tokenizer": "standard"},
            )
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            # the chunk's place in its document version: 0 is written last (`put`)
            schema.add_field("ordinal", DataType.INT64)
            schema.add_function(
                Function(
                    name="bm25",
                    function_type=FunctionType.BM25,
                    input_field_names=["tokens"],
                    output_field_names=["sparse"],
                )
            )
            index = client.prepare_index_params()
            index.add_index("vector", **self._vector_index())
            index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
            client.create_collection(
                self.chunks_name, schema=schema, index_params=index, consistency_level="Strong"
            )
        if not client.has_collection(self.sentences_name):
            schema = client.create_schema(auto_id=False)
            self._common_fields(schema, DataType)
            schema.add_field("start", DataType.INT64)
            index = client.prepare_index_params()
            index.add_index("vector", **self._vector_index())
            client.create_collection(
                self.sentences_name, schema=schema, index_params=index, consistency_level="Strong"
            )

    def _vector_index(self) -> dict:
        spec = {"index_type": self.vector_index, "metric_type": "IP"}
        if self.vector_index == "HNSW":
            spec["params"] = {"M": 16, "efConstruction": 200}
        return spec

    def _common_fields(self, schema, types) -> None:
        schema.add_field("pk", types.VARCHAR, is_primary=True, max_length=200)
        schema.add_field("version", types.VARCHAR, max_length=64)
        schema.add_field("doc_id", types.VARCHAR, max_length=512)
        schema.add_field("kind", types.VARCHAR, max_length=64)
        schema.add_field("years", types.ARRAY, element_type=types.INT64, max_capacity=MAX_YEARS)
        schema.add_field("chunk_id", types.VARCHAR, max_length=64)
        schema.add_field("vector", types.FLOAT_VECTOR, dim=self.dim)

    # ------------------------------------------------------------------ writes

    def put(self, rows: DocumentRows) -> None:
        if self._known is None:  # read once; kept up to date by put and remove
            self._known = self.stored_versions()
        if rows.version in self._known:
            return
        kind = rows.document.kind

        def common(chunk: Chunk, vector: np.ndarray) -> dict[str, Any]:
            return {
                "version": rows.version,
                "doc_id": chunk.doc_id,
                "kind": kind,
                "years": sorted({*chunk.years, *chunk.mentioned_years})[:MAX_YEARS],
                "chunk_id": chunk.chunk_id,
                "vector": np.asarray(vector, dtype=np.float32).tolist(),
            }

        chunk_rows = [
            {
                "pk": f"{rows.version}:{chunk.chunk_id}",
                "tokens": lexical_words(tokens)[:MAX_TEXT] or " ",
                "ordinal": ordinal,
                **common(chunk, vector),
            }
            for ordinal, (chunk, tokens, vector) in enumerate(
                zip(rows.chunks, rows.tokens, rows.chunk_vectors, strict=True)
            )
        ]
        sentence_rows = [
            {
                "pk": f"{rows.version}:{rows.chunks[i].chunk_id}:{start}",
                "start": start,
                **common(rows.chunks[i], vector),
            }
            for (i, start, _), vector in zip(rows.sentences, rows.sentence_vectors, strict=True)
        ]
        # Upserted by their keys (made of the version): rows a build killed half-way left
        # are written over. Sentences first, then the chunks from the last: the first chunk,
        # by which a version counts as stored (`stored_versions`), is written last of all.
        self._insert(self.sentences_name, sentence_rows)
        self._insert(self.chunks_name, chunk_rows[::-1])
        self._known.add(rows.version)

    def _insert(self, collection: str, rows: list[dict]) -> None:
        for start in range(0, len(rows), _BATCH):
            self.client.upsert(collection, rows[start : start + _BATCH])
        self._written = True

    def remove(self, versions: Iterable[str]) -> None:
        versions = list(versions)
        if self._known is not None:
            self._known.difference_update(versions)
        for start in range(0, len(versions), 200):
            expression = f"version in {_quoted(versions[start : start + 200])}"
            self.client.delete(self.chunks_name, filter=expression)
            self.client.delete(self.sentences_name, filter=expression)

    def stored_versions(self) -> set[str]:
        """The versions stored whole: those whose first chunk, written last, is there."""
        found: set[str] = set()
        iterator = self.client.query_iterator(
            self.chunks_name, batch_size=4096, filter="ordinal == 0", output_fields=["version"]
        )
        try:
            while batch := iterator.next():
                found.update(row["version"] for row in batch)
        finally:
            iterator.close()
        return found

    def bind(
        self,
        versions: dict[str, str],
        chunks: list[Chunk],
        spans: list[tuple[int, int, int]],
        kinds: dict[str, str] | None = None,
    ) -> None:
        if self._written:  # sealed segments are indexed; Milvus Lite scans unsealed ones
            for name in (self.chunks_name, self.sentences_name):
                self.client.flush(name)
            self._written = False
        with self._lock:
            self._versions = sorted(set(versions.values()))
            self._docs = set(versions)
            self._position = {c.chunk_id: i for i, c in enumerate(chunks)}
            self._sentence_row = {
                (chunks[i].chunk_id, a): row for row, (i, a, _) in enumerate(spans)
            }
            self._sentence_key = [
                f"{versions[chunks[i].doc_id]}:{chunks[i].chunk_id}:{a}" for i, a, _ in spans
            ]

    def counts(self) -> tuple[int, int]:
        expression = self._filter(None)
        return tuple(
            int(
                self.client.query(name, filter=expression, output_fields=["count(*)"])[0][
                    "count(*)"
                ]
            )
            for name in (self.chunks_name, self.sentences_name)
        )

    # ------------------------------------------------------------------ searches

    def _filter(self, where: Where | None) -> str | None:
        """The search's filter expression; None when it admits nothing (a document this
        build does not hold is never written into an expression)."""
        terms = [f"version in {_quoted(self._versions)}"]
        if where and where.doc_ids and not where.doc_ids & self._docs:
            return None
        if where and where.years:
            terms.append(f"array_contains_any(years, {sorted(where.years)})")
        if where and where.doc_ids:
            terms.append(f"doc_id in {_quoted(sorted(where.doc_ids & self._docs))}")
        if where and where.kinds:
            terms.append(f"kind in {_quoted(sorted(where.kinds))}")
        return " and ".join(terms)

    def _search(self, name: str, data: list, field: str, k: int, where, params, fields) -> list:
        expression = self._filter(where)
        if not self._versions or k <= 0 or expression is None:
            return []
        found = self.client.search(
            name,
            data=data,
            anns_field=field,
            limit=min(k, MAX_LIMIT),
            filter=expression,
            search_params=params,
            output_fields=fields,
        )
        return list(found[0]) if found else []

    def _dense(self, name: str, vector: np.ndarray, k: int, where, fields: list[str]) -> list:
        data = [np.asarray(vector, dtype=np.float32).tolist()]
        return self._search(name, data, "vector", k, where, self._dense_params, fields)

    def search_chunks(self, vector: np.ndarray, k: int, where: Where | None = None) -> list[Hit]:
        hits = self._dense(self.chunks_name, vector, k, where, ["chunk_id"])
        return [
            (self._position[h["entity"]["chunk_id"]], float(h["distance"]))
            for h in hits
            if h["entity"]["chunk_id"] in self._position
        ]

    def search_sentences(self, vector: np.ndarray, k: int, where: Where | None = None) -> list[Hit]:
        out = []
        for h in self._dense(self.sentences_name, vector, k, where, ["chunk_id", "start"]):
            row = self._sentence_row.get((h["entity"]["chunk_id"], int(h["entity"]["start"])))
            if row is not None:
                out.append((row, float(h["distance"])))
        return out

    def search_lexical(self, tokens: list[str], k: int, where: Where | None = None) -> list[Hit]:
        if not tokens:
            return []
        hits = self._search(
            self.chunks_name,
            [lexical_words(tokens)],
            "sparse",
            k,
            where,
            {"metric_type": "BM25"},
            ["chunk_id"],
        )
        positions = [
            self._position[h["entity"]["chunk_id"]]
            for h in hits
            if h["entity"]["chunk_id"] in self._position
        ]
        return [(p, float(len(positions) - rank)) for rank, p in enumerate(positions)]

    def sentence_vectors(self, rows: list[int]) -> np.ndarray:
        keys = [self._sentence_key[row] for row in rows]
        found = {
            r["pk"]: r["vector"]
            for r in self.client.get(self.sentences_name, ids=keys, output_fields=["vector"])
        }
        return np.array([found[key] for key in keys], dtype=np.float32)

    def problem(self) -> str | None:
        try:
            self.client.has_collection(self.chunks_name)
        except BackendUnavailable as exc:
            return str(exc)
        return None

    def close(self) -> None:
        self.client.close()
