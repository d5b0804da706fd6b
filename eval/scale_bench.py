"""Scale bench (`make bench`): both retrieval backends on a synthetic library of ≥ 200,000
chunk rows, as a planning aid.

The library is made from the real index: every chunk is repeated with the district named
(徐汇 → each of Shanghai's other districts) and its years shifted, so the texts and words
are real reports' and the rows are many. Its vectors are the real chunk's vector plus
noise (cosine about 0.9 to it): embedding 200,000 texts on two cores would take an hour, and
near-duplicates are what makes approximate search miss. Nothing here is a measured fact
about any other district's reports.

For each backend (FAISS + BM25 in process; Milvus Lite searching exactly (FLAT); Milvus
Lite with the HNSW index a Milvus server builds by default): the time to write the rows,
the memory the process gained, dense and BM25 search p50/p95 over the dev questions, and
recall@10 against exact search (inner product over every vector; BM25 as rank_bm25
scores it). Calls to Milvus Lite get 600 s, not the service's time limit: this measures
how long they take. Then a projection on paper for 5 million rows on a Milvus Standalone server.

Writes its section into eval/reports/bench.md (between the `scale` markers) and a chart to
eval/reports/bench-scale.png.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.domain import Chunk  # noqa: E402
from app.index import load_index, tokenize  # noqa: E402
from app.index.backend import DocumentRows, document_version  # noqa: E402
from app.index.faiss_backend import FaissBackend  # noqa: E402
from app.index.milvus_backend import MilvusBackend  # noqa: E402
from app.models.embedder import embed_one, embedder_from_settings  # noqa: E402
from app.settings import Settings  # noqa: E402

DISTRICTS = [
    "黄浦", "静安", "长宁", "普陀", "虹口", "杨浦", "闵行", "宝山",
    "嘉定", "浦东", "金山", "松江", "青浦", "奉贤", "崇明", "徐汇",
]  # fmt: skip
YEAR = re.compile(r"(?<!\d)(20[0-3]\d)(?!\d)")
START, END = "<!-- scale: begin -->", "<!-- scale: end -->"
K = 10


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def shifted(text: str, district: str, years: int) -> str:
    text = text.replace("徐汇", district)
    return YEAR.sub(lambda m: str(int(m.group(1)) + years), text) if years else text


def synthetic_library(index, vectors: np.ndarray, rows: int, seed: int = 0):
    """`rows` chunk rows: the real chunks, district by district, then years shifted by one
    more each round; by document, with vectors near the real ones."""
    rng = np.random.default_rng(seed)
    by_doc: dict[str, list[int]] = {}
    for position, chunk in enumerate(index.chunks):
        by_doc.setdefault(chunk.doc_id, []).append(position)
    made, total, variant = [], 0, 0
    while total < rows:
        district, years = DISTRICTS[variant % len(DISTRICTS)], variant // len(DISTRICTS)
        for doc_id, positions in by_doc.items():
            if total >= rows:
                break
            positions = positions[: rows - total]
            doc = index.documents[doc_id]
            new_doc = replace(doc, doc_id=f"{doc_id}-{variant}", text="", quality=[])
            chunks, tokens = [], []
            for p in positions:
                real = index.chunks[p]
                text = shifted(real.text, district, years)
                chunks.append(
                    Chunk(
                        chunk_id=f"{real.chunk_id}-{variant}",
                        doc_id=new_doc.doc_id,
                        title=shifted(real.title, district, years),
                        heading_path=[shifted(h, district, years) for h in real.heading_path],
                        text=text,
                        start=real.start,
                        end=real.end,
                        years=[y + years for y in real.years],
                        phase=real.phase,
                        mentioned_years=[y + years for y in real.mentioned_years],
                    )
                )
                # the real chunk's tokens changed as its text was (jieba on 200,000 texts
                # would take longer than the bench)
                tokens.append([shifted(t, district, years) for t in index.tokens[p]])
            base = vectors[positions]
            noise = rng.standard_normal(base.shape).astype(np.float32)
            noise *= 0.5 / np.sqrt(base.shape[1])
            near = base if variant == 0 else base + noise
            near /= np.linalg.norm(near, axis=1, keepdims=True)
            made.append(
                DocumentRows(
                    version=document_version("scale", new_doc, chunks),
                    document=new_doc,
                    chunks=chunks,
                    tokens=tokens,
                    chunk_vectors=near.astype(np.float32),
                    sentences=[],
                    sentence_vectors=np.zeros((0, base.shape[1]), dtype=np.float32),
                )
            )
            total += len(chunks)
        variant += 1
    return made


def tied_recall(found: list[int], scores: np.ndarray, floor: float, wanted: int) -> float:
    """Recall@K against exact BM25 when scores tie: a hit counts if its exact score reaches
    the K-th best (near-duplicate rows share scores, so "the" exact top K is arbitrary)."""
    return sum(scores[p] >= floor for p in found[:K]) / wanted


def exact_lexical(scores: np.ndarray):
    """(scores, the K-th best positive score, how many hits can be right), or None when no
    row shares a word with the question."""
    positive = int((scores > 0).sum())
    if not positive:
        return None
    wanted = min(K, positive)
    floor = float(np.sort(scores)[-wanted]) - 1e-9
    return scores, floor, wanted


def exact_dense(all_vectors: np.ndarray, query: np.ndarray) -> list[int]:
    return list(np.argsort(-(all_vectors @ query), kind="stable")[:K])


def measure(name: str, make, library, queries, exact) -> dict:
    """Write the library into a fresh backend, then time and score its searches."""
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    backend = make()
    for rows in library:
        backend.put(rows)
    chunks = [c for rows in library for c in rows.chunks]
    versions = {rows.document.doc_id: rows.version for rows in library}
    kinds = {rows.document.doc_id: rows.document.kind for rows in library}
    backend.bind(versions, chunks, [], kinds)
    build_s = time.perf_counter() - started
    gained = rss_mb() - before
    dense_ms, lexical_ms, dense_recall, lexical_recall = [], [], [], []
    for (vector, tokens), (dense_truth, lexical_truth) in zip(queries, exact, strict=True):
        t = time.perf_counter()
        hits = backend.search_chunks(vector, K)
        dense_ms.append((time.perf_counter() - t) * 1000)
        dense_recall.append(len({p for p, _ in hits} & set(dense_truth)) / K)
        t = time.perf_counter()
        hits = backend.search_lexical(tokens, K)
        lexical_ms.append((time.perf_counter() - t) * 1000)
        if lexical_truth is not None:
            lexical_recall.append(tied_recall([p for p, _ in hits], *lexical_truth))
    backend.close()
    del backend
    return {
        "backend": name,
        "rows": len(chunks),
        "build_s": build_s,
        "memory_mb": gained,
        "dense_p50": statistics.median(dense_ms),
        "dense_p95": percentile(dense_ms, 0.95),
        "lexical_p50": statistics.median(lexical_ms),
        "lexical_p95": percentile(lexical_ms, 0.95),
        "dense_recall": statistics.mean(dense_recall),
        "lexical_recall": statistics.mean(lexical_recall) if lexical_recall else float("nan"),
    }


def projection(results: list[dict], dim: int) -> str:
    """5 million rows on a Milvus Standalone server, from the rows' sizes and Milvus's own
    sizing rules (HNSW keeps the raw vectors plus its graph in memory)."""
    rows = 5_000_000
    vector_gb = rows * dim * 4 / 1e9
    graph_gb = rows * 2 * 16 * 4 / 1e9  # HNSW, M = 16: about 2·M neighbour ids per row
    sparse_gb = rows * 60 * 8 / 1e9  # BM25: ~60 distinct tokens a chunk, (id, weight) each
    scalar_gb = rows * 400 / 1e9  # ids, version, doc id, kind, years, tokens' offsets
    total = vector_gb + graph_gb + sparse_gb + scalar_gb
    measured = next((r for r in results if "HNSW" in r["backend"]), None)
    per_row = (
        f"Milvus Lite with HNSW gained {measured['memory_mb'] * 2**20 / measured['rows']:.0f} "
        f"bytes of process memory a row here (raw vector {dim * 4} bytes)."
        if measured
        else ""
    )
    return "\n".join(
        [
            f"Projection, on paper, for {rows:,} chunk rows of {dim} dimensions on one Milvus "
            "Standalone server (HNSW, M = 16, the AUTOINDEX default; BM25 sparse index):",
            "",
            "| part | memory |",
            "|---|---|",
            f"| raw vectors ({dim} × 4 bytes a row) | {vector_gb:.1f} GB |",
            f"| HNSW graph (≈ 2·M ids of 4 bytes a row) | {graph_gb:.1f} GB |",
            f"| BM25 sparse vectors (≈ 60 tokens × 8 bytes a row) | {sparse_gb:.1f} GB |",
            f"| scalar fields (≈ 400 bytes a row) | {scalar_gb:.1f} GB |",
            f"| **total loaded** | **{total:.1f} GB**; with Milvus's advice of 1.5–2× headroom "
            f"for segments and compaction, a {2 * total:.0f} GB node |",
            "",
            per_row,
            "The sentence collection (≈ 5 sentences a chunk, vectors only) multiplies the vector "
            "and graph lines by about six, or stays on disk with Milvus's DiskANN index. An HNSW "
            "search visits about log(rows) graph layers, so its time grows slowly with the rows; "
            "this projection does not measure it, and the filter on document versions adds a "
            "scalar filter's cost to every search.",
        ]
    )


def chart(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["backend"].replace(", ", "\n").replace(" (", "\n(") for r in results]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    axes[0].bar(names, [r["build_s"] for r in results], color="#4c72b0")
    axes[0].set_title("write the rows (s)")
    width = 0.38
    x = np.arange(len(names))
    axes[1].bar(x - width / 2, [r["dense_p50"] for r in results], width, label="dense p50")
    axes[1].bar(x + width / 2, [r["lexical_p50"] for r in results], width, label="BM25 p50")
    axes[1].set_xticks(x, names)
    axes[1].set_title("search (ms)")
    axes[1].legend(fontsize=8)
    axes[2].bar(x - width / 2, [r["dense_recall"] for r in results], width, label="dense")
    axes[2].bar(x + width / 2, [r["lexical_recall"] for r in results], width, label="BM25")
    axes[2].set_xticks(x, names)
    axes[2].set_ylim(0, 1.05)
    axes[2].set_title(f"recall@{K} against exact")
    axes[2].legend(fontsize=8)
    for axis in axes:
        axis.tick_params(axis="x", labelsize=7)
    rows = results[0]["rows"]
    fig.suptitle(f"Retrieval backends on a synthetic library of {rows:,} chunk rows")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(results: list[dict], dim: int, questions: int, chart_name: str) -> str:
    rows = results[0]["rows"]
    lines = [
        START,
        "## Scale: a synthetic library (planning aid)",
        "",
        f"{rows:,} chunk rows made from the real index's chunks with the district and years "
        "changed, vectors near the real ones (`eval/scale_bench.py` says how); "
        f"{questions} dev questions, one process on this 2-core machine. Not a measurement of "
        "any real library.",
        "",
        "| backend | write rows | memory gained | dense p50 / p95 | BM25 p50 / p95 "
        f"| dense recall@{K} | BM25 recall@{K} |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['build_s']:.0f} s | {r['memory_mb']:.0f} MB "
            f"| {r['dense_p50']:.0f} / {r['dense_p95']:.0f} ms "
            f"| {r['lexical_p50']:.0f} / {r['lexical_p95']:.0f} ms "
            f"| {r['dense_recall']:.3f} | {r['lexical_recall']:.3f} |"
        )
    lines += [
        "",
        "Recall is against exact search over the same rows: the inner product with every "
        "vector, and BM25 as rank_bm25 scores the same tokens, a hit counting when its exact "
        f"score reaches the {K}th best (the library's near-duplicates tie). Milvus weighs BM25 "
        "with its own idf, per segment, and Milvus Lite is Milvus's embedded form in pure "
        "Python: its search times are no guide to a Milvus server's.",
        "",
        f"![scale]({chart_name})",
        "",
        projection(results, dim),
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000, help="Chunk rows to make.")
    parser.add_argument("--questions", type=int, default=100, help="Dev questions searched.")
    parser.add_argument("--out", default=str(REPO / "eval" / "reports" / "bench.md"))
    args = parser.parse_args()
    settings = Settings(show_progress=False)
    index = load_index(settings.index_dir)  # the shipped corpus's in-process build
    vectors = index.backend.dense.reconstruct_n(0, index.backend.dense.ntotal)
    dim = vectors.shape[1]
    print(f"making {args.rows:,} rows from {len(index.chunks)} real chunks", flush=True)
    library = synthetic_library(index, vectors, args.rows)
    all_vectors = np.concatenate([rows.chunk_vectors for rows in library])
    all_tokens = [t for rows in library for t in rows.tokens]
    embedder = embedder_from_settings(settings)
    items = [json.loads(line) for line in (REPO / "eval" / "dev.jsonl").open(encoding="utf-8")]
    texts = [item["question"] for item in items[: args.questions]]
    queries = [(embed_one(embedder, q, kind="query"), tokenize(q)) for q in texts]
    from rank_bm25 import BM25Okapi

    print("exact search for the ground truth", flush=True)
    bm25 = BM25Okapi(all_tokens)
    exact = []
    for vector, tokens in queries:
        exact.append((exact_dense(all_vectors, vector), exact_lexical(bm25.get_scores(tokens))))
    del bm25
    scratch = Path(tempfile.mkdtemp(prefix="xuhui-scale-"))
    try:
        makers = [
            ("FAISS + BM25 (in process)", lambda: FaissBackend(dim)),
            (
                "Milvus Lite, exact (FLAT)",
                lambda: MilvusBackend(str(scratch / "flat.db"), dim, name="scale", timeout_s=600),
            ),
            (
                "Milvus Lite, HNSW",
                lambda: MilvusBackend(
                    str(scratch / "hnsw.db"), dim, name="scale", vector_index="HNSW", timeout_s=600
                ),
            ),
        ]
        results = []
        for name, make in makers:
            print(f"measuring {name}", flush=True)
            results.append(measure(name, make, library, queries, exact))
            print(json.dumps(results[-1]), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out = Path(args.out)
    chart(results, out.parent / "bench-scale.png")
    write_section(out, report(results, dim, len(queries), "bench-scale.png"))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
