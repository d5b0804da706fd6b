"""One contract for every retrieval backend: the in-process FAISS + BM25 one and Milvus
(Milvus Lite here, the same client and collections as a Milvus server)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest

from app.domain import Chunk, Document
from app.index.backend import DocumentRows, Where, document_version
from app.index.faiss_backend import FaissBackend
from app.index.milvus_backend import MilvusBackend, lexical_words

pytestmark = pytest.mark.unit
DIM = 8
_names = itertools.count()


@pytest.fixture(scope="module")
def milvus_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("milvus") / "contract.db"


@pytest.fixture(params=["faiss", "milvus"])
def backend(request, milvus_file):
    if request.param == "faiss":
        made = FaissBackend(DIM)
    else:  # one Milvus Lite file for the module, fresh collections for each test
        made = MilvusBackend(str(milvus_file), DIM, name=f"t{next(_names)}")
    yield made
    made.close()


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def document(doc_id: str, kind: str = "work_report") -> Document:
    return Document(doc_id=doc_id, title=doc_id, kind=kind, text="", source_file=f"{doc_id}.txt")


def chunk(doc_id: str, n: int, text: str, years: list[int]) -> Chunk:
    return Chunk(
        chunk_id=f"{doc_id}-{n}",
        doc_id=doc_id,
        title=doc_id,
        heading_path=[],
        text=text,
        start=n * 100,
        end=n * 100 + len(text),
        years=years,
        phase="review",
    )


def rows(doc: Document, chunks: list[Chunk], vectors, tokens, sentences=None) -> DocumentRows:
    sentences = sentences or []
    return DocumentRows(
        version=document_version("fake", doc, chunks),
        document=doc,
        chunks=chunks,
        tokens=tokens,
        chunk_vectors=np.stack(vectors),
        sentences=[(i, start, end) for i, start, end, _ in sentences],
        sentence_vectors=(
            np.stack([v for *_, v in sentences]) if sentences else np.zeros((0, DIM), np.float32)
        ),
    )


@pytest.fixture
def library(backend):
    """Two reports and a news article, bound in the build's order."""
    report = document("report2024")
    news = document("news", kind="news")
    report_chunks = [
        chunk("report2024", 0, "新增跨国公司地区总部11家。人工智能产业规模增长。", [2023]),
        chunk("report2024", 1, "2024年目标：地区生产总值增长5%。", [2024]),
    ]
    news_chunks = [chunk("news", 0, "徐汇区重点项目开工。", [2022])]
    report_rows = rows(
        report,
        report_chunks,
        [unit(1, 0, 0), unit(0, 1, 0)],
        [["跨国公司", "总部", "人工智能"], ["目标", "生产总值"]],
        sentences=[
            (0, 0, 13, unit(1, 0.2, 0)),
            (0, 13, 25, unit(0, 0, 1)),
            (1, 0, 17, unit(0, 1, 0)),
        ],
    )
    news_rows = rows(news, news_chunks, [unit(0.9, 0.1, 0)], [["重点项目", "开工"]])
    backend.put(report_rows)
    backend.put(news_rows)
    chunks = report_chunks + news_chunks
    spans = [(0, 0, 13), (0, 13, 25), (1, 0, 17)]
    versions = {"report2024": report_rows.version, "news": news_rows.version}
    backend.bind(versions, chunks, spans, {"report2024": "work_report", "news": "news"})
    return backend, report_rows, news_rows


def test_dense_search_finds_the_nearest_chunks_in_build_positions_with_their_products(library):
    backend, *_ = library
    hits = backend.search_chunks(unit(1, 0, 0), 3)
    assert [p for p, _ in hits] == [0, 2, 1]
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert hits[1][1] == pytest.approx(float(unit(1, 0, 0) @ unit(0.9, 0.1, 0)), abs=1e-5)
    assert len(backend.search_chunks(unit(1, 0, 0), 1)) == 1


def test_sentences_are_found_by_their_span_position(library):
    backend, *_ = library
    assert backend.search_sentences(unit(0, 0, 1), 1)[0][0] == 1
    assert [p for p, _ in backend.search_sentences(unit(0, 1, 0), 3)][0] == 2
    vectors = backend.sentence_vectors([2, 0])
    assert np.allclose(vectors[0], unit(0, 1, 0), atol=1e-6)
    assert np.allclose(vectors[1], unit(1, 0.2, 0), atol=1e-6)


def test_lexical_search_ranks_chunks_sharing_the_words_and_leaves_out_the_rest(library):
    backend, *_ = library
    hits = backend.search_lexical(["跨国公司", "总部"], 10)
    assert [p for p, _ in hits] == [0]
    assert hits[0][1] > 0
    assert backend.search_lexical(["不存在的词"], 10) == []
    assert backend.search_lexical([], 10) == []


def test_every_search_stays_within_the_filter(library):
    backend, *_ = library
    news_only = Where(kinds=frozenset({"news"}))
    assert [p for p, _ in backend.search_chunks(unit(1, 0, 0), 3, news_only)] == [2]
    year_2024 = Where(years=frozenset({2024}))
    assert [p for p, _ in backend.search_chunks(unit(1, 0, 0), 3, year_2024)] == [1]
    assert [p for p, _ in backend.search_sentences(unit(1, 0, 0), 3, year_2024)] == [2]
    report = Where(doc_ids=frozenset({"report2024"}))
    assert {p for p, _ in backend.search_chunks(unit(1, 0, 0), 3, report)} == {0, 1}
    assert backend.search_lexical(["重点项目"], 10, report) == []
    assert [p for p, _ in backend.search_lexical(["重点项目"], 10, news_only)] == [2]


def test_a_build_sees_only_the_versions_it_binds(library):
    backend, report_rows, news_rows = library
    newer = document("report2024")
    newer_chunks = [chunk("report2024", 5, "新增跨国公司地区总部12家。", [2024])]
    newer_rows = rows(newer, newer_chunks, [unit(1, 0, 0)], [["跨国公司", "总部"]])
    assert newer_rows.version != report_rows.version
    backend.put(newer_rows)
    # still bound to the older build: the newer rows are invisible to it
    assert {p for p, _ in backend.search_chunks(unit(1, 0, 0), 10)} == {0, 1, 2}
    assert backend.counts() == (3, 3)
    backend.bind({"report2024": newer_rows.version}, newer_chunks, [])
    assert backend.search_chunks(unit(1, 0, 0), 10) == [(0, pytest.approx(1.0, abs=1e-5))]
    assert backend.counts() == (1, 0)
    assert {report_rows.version, news_rows.version, newer_rows.version} <= (
        backend.stored_versions()
    )
    backend.remove([report_rows.version])
    assert report_rows.version not in backend.stored_versions()
    assert newer_rows.version in backend.stored_versions()


def test_putting_a_stored_version_again_changes_nothing(library):
    backend, report_rows, _ = library
    backend.put(report_rows)
    assert backend.counts() == (3, 3)


def test_both_backends_rank_the_same_library_alike(milvus_file):
    """The same rows on both: the same dense order, the same lexical order."""
    rng = np.random.default_rng(7)
    doc = document("big")
    words = ["总部", "人工智能", "绿地", "目标", "投资", "就业", "医疗", "教育"]
    chunks = [chunk("big", n, f"第{n}段", [2020 + n % 5]) for n in range(40)]
    vectors = [v / np.linalg.norm(v) for v in rng.standard_normal((40, DIM)).astype(np.float32)]
    tokens = [list(rng.choice(words, size=int(rng.integers(1, 6)))) for _ in range(40)]
    made = rows(doc, chunks, vectors, tokens)
    backends = [FaissBackend(DIM), MilvusBackend(str(milvus_file), DIM, name="same")]
    results = []
    for backend in backends:
        backend.put(made)
        backend.bind({"big": made.version}, chunks, [])
        query = vectors[3] + 0.3 * vectors[9]
        results.append(
            (
                [p for p, _ in backend.search_chunks(query / np.linalg.norm(query), 10)],
                [p for p, _ in backend.search_lexical(["人工智能", "医疗"], 40)],
            )
        )
    (faiss_dense, faiss_lexical), (milvus_dense, milvus_lexical) = results
    assert faiss_dense == milvus_dense
    assert set(faiss_lexical) == set(milvus_lexical)  # every chunk holding either word
    # the same best chunks, up to ties (equal BM25 scores come in either order)
    score = dict(backends[0].search_lexical(["人工智能", "医疗"], 40))
    assert [score[p] for p in milvus_lexical[:5]] == [score[p] for p in faiss_lexical[:5]]
    for backend in backends:
        backend.close()


def test_lexical_words_are_one_ascii_word_per_token():
    words = lexical_words(["跨国公司", "ai", "5.5%"]).split()
    assert len(words) == 3 and all(w.isascii() and w.isalnum() for w in words)
    assert lexical_words(["跨国公司"]) == words[0]


def test_a_document_the_build_does_not_hold_finds_nothing_and_breaks_no_filter(library):
    backend, *_ = library
    odd = Where(doc_ids=frozenset({'bad"\x01id\\', "' or 1==1"}))
    assert backend.search_chunks(unit(1, 0, 0), 3, odd) == []
    assert backend.search_lexical(["跨国公司"], 3, odd) == []


def test_a_version_written_half_way_is_not_taken_as_stored(milvus_file):
    backend = MilvusBackend(str(milvus_file), DIM, name=f"t{next(_names)}")
    doc = document("half")
    chunks = [chunk("half", n, f"第{n}段", [2024]) for n in range(3)]
    made = rows(doc, chunks, [unit(1, n, 0) for n in range(3)], [["总部"]] * 3)
    backend.put(made)
    assert made.version in backend.stored_versions()
    # a build killed before its last write: the first chunk (written last) is missing
    backend.client.delete(backend.chunks_name, filter="ordinal == 0")
    assert made.version not in backend.stored_versions()
    fresh = MilvusBackend(str(milvus_file), DIM, name=backend.chunks_name.split("_")[0])
    fresh.put(made)  # written again, whole
    fresh.bind({"half": made.version}, chunks, [])
    assert fresh.counts() == (3, 0)
    backend.close()


def test_an_unreachable_milvus_is_a_clear_error_soon():
    from app.errors import BackendUnavailable
    from tests.servers import free_port

    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match="Milvus at http://127.0.0.1"):
        MilvusBackend(f"http://127.0.0.1:{free_port()}", DIM, timeout_s=1)
    assert time.monotonic() - started < 30


def test_a_working_backend_reports_no_problem(library):
    backend, *_ = library
    assert backend.problem() is None


def test_a_milvus_call_past_its_time_limit_is_backend_unavailable():
    import grpc

    from app.errors import BackendUnavailable
    from app.index.milvus_backend import _Guarded

    class Deadline(grpc.RpcError, grpc.Call):
        def code(self):
            return grpc.StatusCode.DEADLINE_EXCEEDED

        def __getattr__(self, name):  # the rest of grpc.Call is not asked for
            raise AttributeError(name)

    class Client:
        def search(self, *args, timeout=None, **kwargs):
            assert timeout == 3
            raise Deadline()

    with pytest.raises(BackendUnavailable, match="within 3 s .DEADLINE_EXCEEDED"):
        _Guarded(Client(), "http://milvus:19530", 3).search("c", data=[])
