"""Benchmarks (`make bench`): index build, search latency, answer latency, memory.

Timings on a shared 2-core machine are noisy: medians are reported, and ratios
measured in the same run. Results go to eval/reports/bench.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.index import build_index  # noqa: E402
from app.models.embedder import embedder_from_settings  # noqa: E402
from app.service import build_service  # noqa: E402
from app.settings import Settings  # noqa: E402


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", default=str(REPO / "eval" / "dev.jsonl"))
    parser.add_argument(
        "--llm-questions", type=int, default=8, help="New questions timed with the LLM."
    )
    parser.add_argument(
        "--skip-build", action="store_true", help="Do not time a build from scratch."
    )
    parser.add_argument("--out", default=str(REPO / "eval" / "reports" / "bench.md"))
    args = parser.parse_args()
    settings = Settings(show_progress=False)
    questions = [
        json.loads(line)["question"]
        for line in Path(args.questions).read_text().splitlines()
        if line
    ]
    rows: list[tuple[str, str]] = []

    if not args.skip_build:
        with tempfile.TemporaryDirectory() as tmp:
            cold = settings.model_copy(update={"index_dir": Path(tmp) / "index"})
            embedder = embedder_from_settings(cold)
            started = time.perf_counter()
            embedder.warm_up()
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            index = build_index(cold, embedder)
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            build_index(cold, embedder)  # everything cached: re-index cost
            rebuild_s = time.perf_counter() - started
            shutil.rmtree(tmp, ignore_errors=True)
        rows += [
            ("embedder load", f"{load_s:.1f} s"),
            (
                "index build from scratch",
                f"{build_s:.1f} s ({index.manifest.n_chunks} chunks, {len(index.sentence_spans)} sentences)",
            ),
            ("re-index with nothing new", f"{rebuild_s:.1f} s"),
        ]

    service = build_service(settings)
    service.search("warm up")
    samples = []
    for question in (questions * 2)[:50]:
        started = time.perf_counter()
        service.search(question)
        samples.append(time.perf_counter() - started)
    rows.append(("search latency (median of 50)", f"{median_ms(samples)} ms"))

    samples = []
    for question in questions[:20]:
        started = time.perf_counter()
        service.ask(question, mode="extractive")
        samples.append(time.perf_counter() - started)
    rows.append(("extractive answer latency (median of 20)", f"{median_ms(samples)} ms"))

    if args.llm_questions:
        started = time.perf_counter()
        service.ask(questions[0])  # loads the model and evaluates the fixed prompt prefix
        first_s = time.perf_counter() - started
        samples = []
        for question in questions[1 : 1 + args.llm_questions]:
            started = time.perf_counter()
            service.ask(question)
            samples.append(time.perf_counter() - started)
        rows.append(("LLM answer, first question (model load + prompt prefix)", f"{first_s:.1f} s"))
        rows.append(
            (
                f"LLM answer, new question (median of {len(samples)})",
                f"{statistics.median(samples):.1f} s",
            )
        )
    rows.append(("peak RSS of this process", f"{rss_mb():.0f} MB"))

    text = "\n".join(
        [
            "# Benchmarks",
            "",
            f"Machine: {Settings().threads} threads. Medians of one run.",
            "",
            "| what | result |",
            "|---|---|",
        ]
        + [f"| {name} | {value} |" for name, value in rows]
    )
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
