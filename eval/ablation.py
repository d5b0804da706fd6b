"""What each retrieval mechanism adds, measured on a question set (recall@1 and @5).

Rows, each adding one mechanism to the one before:
1. plain: the raw files cut into 500-character pieces, e5 + FAISS only;
2. cleaned section chunks, dense only (no BM25, no year awareness, no sentence vectors);
3. + BM25 over jieba tokens, fused by reciprocal rank;
4. + year awareness (review/plan years of each section);
5. + sentence-level vectors (the service as shipped).
Needs the built index (`make index`); the plain baseline embeds its own pieces.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.eval.metrics import load_questions, recall_at_k  # noqa: E402
from app.index import Opening, load_index  # noqa: E402
from app.models.embedder import embed_one  # noqa: E402
from app.retrieve.retriever import Retriever  # noqa: E402
from app.service import build_service  # noqa: E402
from app.settings import Settings  # noqa: E402


def plain_baseline(settings: Settings, embedder, items: list[dict]) -> list[list[str]]:
    pieces = []
    for path in sorted(settings.corpus_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        pieces += [text[i : i + 500] for i in range(0, len(text), 500)]
    vectors = embedder.embed_batch(pieces, kind="passage")
    out = []
    for item in items:
        scores = vectors @ embed_one(embedder, item["question"], kind="query")
        out.append([pieces[i] for i in np.argsort(-scores)[:10]])
    return out


def main() -> int:
    questions = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "eval" / "dev.jsonl"
    items = load_questions(questions)
    base = Settings(show_progress=False)
    service = build_service(base)
    rows = [
        (
            "1. plain 500-char pieces of the raw files, dense only",
            plain_baseline(base, service.embedder, items),
        )
    ]
    variants = [
        (
            "2. cleaned section chunks, dense only",
            {"lexical_weight": 0, "year_boost": 0, "sentence_weight": 0},
        ),
        ("3. + BM25 (jieba), reciprocal-rank fusion", {"year_boost": 0, "sentence_weight": 0}),
        ("4. + year awareness", {"sentence_weight": 0}),
        ("5. + sentence vectors (as shipped)", {}),
    ]
    for name, overrides in variants:
        settings = base.model_copy(update=overrides)
        index = load_index(settings.index_dir, Opening.of(settings))
        retriever = Retriever(index, service.embedder, settings)
        rows.append(
            (
                name,
                [
                    [p.chunk.text for p in retriever.search(i["question"], k=10).passages]
                    for i in items
                ],
            )
        )
    english = [i for i in items if i.get("type") == "english"]
    lines = ["| retrieval | recall@1 | recall@5 | english recall@5 |", "|---|---|---|---|"]
    for name, retrieved in rows:
        r1 = recall_at_k(items, retrieved, 1)["score"]
        r5 = recall_at_k(items, retrieved, 5)["score"]
        en = [r for i, r in zip(items, retrieved, strict=True) if i.get("type") == "english"]
        e5 = recall_at_k(english, en, 5)["score"] if english else 0.0
        lines.append(f"| {name} | {r1:.3f} | {r5:.3f} | {e5:.3f} |")
    text = "\n".join(lines)
    print(text)
    out = REPO / "eval" / "reports" / "ablation.md"
    out.write_text(f"# Retrieval ablation on {questions.name}\n\n{text}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
