"""Benchmarks (`make bench`): what each cost is on this machine, in one run so ratios hold.

- index: build from scratch (texts/s), +10 short documents, re-index with nothing new;
- retrieval: 100 questions, median and p95;
- answers with the model: new questions and follow-ups (whose prompt shares the cached
  prefix), time to the first visible token and end to end, median and p90; prompt
  tokens per question and how many of them the KV cache already held;
- generation tokens/s against the machine's ceiling (memory read bandwidth ÷ the bytes of
  weights read per token, about the model file's size);
- cold start of `xuhui-qa serve` (process start → ready → first answer) and the serving
  process's peak RSS;
- a chart of latency by stage (eval/reports/bench-stages.png).

Timings on a shared 2-core machine are noisy: medians are reported. Results go to
eval/reports/bench.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.index import build_index  # noqa: E402
from app.models import assets  # noqa: E402
from app.models.embedder import embedder_from_settings  # noqa: E402
from app.service import build_service  # noqa: E402
from app.settings import Settings  # noqa: E402

TARGETS = {
    "index build from scratch": "≤ 45 s",
    "+10 short documents": "≤ 8 s",
    "cold start → first answer": "≤ 8 s after ready",
    "new question, end to end (median / p90)": "≤ 6 s / ≤ 8 s",
    "new question, first visible token (median)": "≤ 2 s",
    "peak RSS while serving": "≤ 3 GB",
}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def memory_bandwidth_gbs(threads: int = 2) -> float:
    """Read bandwidth: summing a 1 GiB array in `threads` slices at once, as the model's
    threads read its weights; best of 5 (GB/s). One thread alone reads less than two can,
    which made an earlier ceiling lower than the speed the model reached."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    data = np.ones(2**28, dtype=np.float32)
    slices = np.array_split(data, threads)
    best = float("inf")
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(5):
            started = time.perf_counter()
            list(pool.map(np.sum, slices))  # numpy releases the GIL while it sums
            best = min(best, time.perf_counter() - started)
    return data.nbytes / best / 1e9


def timed_answer(service, question: str, **options) -> dict:
    """One answer through the streaming path: first visible token, end to end, LLM calls."""
    calls = getattr(service.llm, "calls", [])
    before = len(calls)
    started = time.perf_counter()
    first = None
    answer = None
    for kind, payload in service.converse_stream(question, **options):
        if kind == "token" and first is None:
            first = time.perf_counter()
        elif kind == "answer":
            answer = payload
    ended = time.perf_counter()
    made = calls[before:]
    return {
        "answer": answer,
        "total_s": ended - started,
        "first_token_s": (first or ended) - started,
        "retrieval_s": answer.timings["retrieval_ms"] / 1000,
        "prompt_s": sum(c["first_token_s"] for c in made),
        "generate_s": sum(c["generate_s"] for c in made),
        "prompt_tokens": sum(c["prompt_tokens"] for c in made),
        "cached_tokens": sum(c["cached_tokens"] for c in made),
        "generated_tokens": sum(c["generated_tokens"] for c in made),
        "llm_calls": len(made),
    }


def bench_index(settings: Settings, rows: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cold = settings.model_copy(update={"index_dir": Path(tmp) / "index"})
        embedder = embedder_from_settings(cold)
        started = time.perf_counter()
        embedder.warm_up()
        rows.append(("embedder load", f"{time.perf_counter() - started:.1f} s", ""))
        started = time.perf_counter()
        index = build_index(cold, embedder)
        build_s = time.perf_counter() - started
        texts = index.manifest.n_chunks + len(index.sentence_spans)
        rows.append(
            (
                "index build from scratch",
                f"{build_s:.1f} s ({texts} texts, {texts / build_s:.1f} texts/s)",
                TARGETS["index build from scratch"],
            )
        )
        rows.append(
            (
                "of which the figures table",
                f"{index.manifest.figures_seconds:.1f} s ({index.manifest.n_figures} figures)",
                "",
            )
        )
        corpus = Path(tmp) / "corpus"
        shutil.copytree(settings.corpus_dir, corpus)
        for n in range(10):
            (corpus / f"bench-note-{n}.txt").write_text(
                f"徐汇区2025年第{n + 1}号工作简报\n2025年工作回顾\n"
                f"全年新建口袋公园{n + 3}座,新增公共泊位{120 + n}个,完成旧住房改造{n + 2}万平方米。\n",
                encoding="utf-8",
            )
        more = cold.model_copy(update={"corpus_dir": corpus})
        started = time.perf_counter()
        build_index(more, embedder)
        rows.append(
            (
                "+10 short documents",
                f"{time.perf_counter() - started:.1f} s",
                TARGETS["+10 short documents"],
            )
        )
        started = time.perf_counter()
        build_index(more, embedder)
        rows.append(("re-index with nothing new", f"{time.perf_counter() - started:.1f} s", ""))


def ask_over_http(base: str, question: str) -> dict:
    request = urllib.request.Request(
        base + "/api/ask",
        data=json.dumps({"question": question}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


def serve_once(question: str) -> tuple[float, float, int]:
    """Start `xuhui-qa serve`, wait for /readyz, ask: (ready s, first answer s, peak RSS KB)."""
    from tests.servers import free_port, start_serve

    port = free_port()
    database = Path(tempfile.mkdtemp()) / "serve.sqlite3"
    env = {**os.environ, "XUHUI_SHOW_PROGRESS": "false", "XUHUI_DATABASE": str(database)}
    started = time.perf_counter()
    process = start_serve(port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        ready = None
        while time.perf_counter() - started < 300:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                    if response.status == 200:
                        ready = time.perf_counter() - started
                        break
            except OSError:
                time.sleep(0.2)
        ask_over_http(base, question)
        first = time.perf_counter() - started
        for extra in ("2025年徐汇区全年收储土地多少亩？", "2023年徐汇新增绿地多少公顷？"):
            ask_over_http(base, extra)
        status = Path(f"/proc/{process.pid}/status").read_text()
        peak_kb = int(
            next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    return ready, first, peak_kb


def bench_serving(settings: Settings, question: str, rows: list) -> None:
    """`xuhui-qa serve` from process start: ready, model warm, first answer; its peak RSS.

    Twice: the first start after set-up, which evaluates the prompt prefix and keeps it
    (`index/cache/llm`), and a restart, which loads it."""
    for kept in (settings.index_dir / "cache" / "llm").glob("prefix-*.state"):
        kept.unlink()
    ready, first, _ = serve_once(question)
    rows.append(("first start → ready (index and embedder loaded)", f"{ready:.1f} s", ""))
    rows.append(
        (
            "first start → first answer (prompt prefix evaluated)",
            f"{first:.1f} s ({first - ready:.1f} s after ready)",
            "",
        )
    )
    ready, first, peak_kb = serve_once(question)
    rows.append(("restart → ready", f"{ready:.1f} s", ""))
    rows.append(
        (
            "restart → first answer (prompt prefix loaded)",
            f"{first:.1f} s ({first - ready:.1f} s after ready)",
            TARGETS["cold start → first answer"],
        )
    )
    rows.append(
        ("peak RSS while serving", f"{peak_kb / 1024:.0f} MB", TARGETS["peak RSS while serving"])
    )


def bench_forms(service, rows: list) -> None:
    """New questions of every form (`eval/forms-own.jsonl`, written for the router, and open
    questions from `eval/open.jsonl`), timed through the streaming path, by form: the median
    end to end and to the first thing shown (a token, or the whole answer when nothing
    streams: a Chinese open answer is made by code, all at once)."""
    own = [
        json.loads(line)
        for line in (REPO / "eval/forms-own.jsonl").read_text().splitlines()
        if line
    ]
    opened = [
        json.loads(line) for line in (REPO / "eval/open.jsonl").read_text().splitlines() if line
    ]
    asked = [(item["form"], item["question"]) for item in own]
    zh = [i for i in opened if i["key_points"] and i["lang"] == "zh"][:4]
    en = [i for i in opened if i["key_points"] and i["lang"] == "en"][:3]
    asked += [("open (zh)", i["question"]) for i in zh] + [("open (en)", i["question"]) for i in en]
    by_form: dict[str, list[dict]] = {}
    for form, question in asked:
        by_form.setdefault(form, []).append(timed_answer(service, question))
    for form, samples in by_form.items():
        rows.append(
            (
                f"{form}, end to end / first shown (median, n={len(samples)})",
                f"{statistics.median(s['total_s'] for s in samples):.1f} s / "
                f"{statistics.median(s['first_token_s'] for s in samples):.1f} s",
                "≤ 15 s / ≤ 3 s"
                if form.startswith("open")
                else "≤ 6 s"
                if form == "series"
                else "",
            )
        )


def summary(samples: list[dict], key: str) -> str:
    values = [s[key] for s in samples]
    return f"{statistics.median(values):.1f} s / {percentile(values, 0.9):.1f} s"


def chart(stages: dict[str, dict[str, float]], path: Path) -> None:
    """Median seconds per stage, one bar per kind of question."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = list(stages)
    names = ["retrieval", "prompt evaluation", "generation", "checks and other"]
    colours = ["#4c78a8", "#f58518", "#54a24b", "#bab0ac"]
    fig, ax = plt.subplots(figsize=(7, 3))
    for i, kind in enumerate(kinds):
        left = 0.0
        for name, colour in zip(names, colours, strict=True):
            width = stages[kind][name]
            ax.barh(i, width, left=left, color=colour, label=name if i == 0 else None)
            left += width
    ax.set_yticks(range(len(kinds)), kinds)
    ax.set_xlabel("seconds (median per stage)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=4, fontsize=8, frameon=False)
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def stage_medians(samples: list[dict]) -> dict[str, float]:
    other = [
        max(s["total_s"] - s["retrieval_s"] - s["prompt_s"] - s["generate_s"], 0) for s in samples
    ]
    return {
        "retrieval": statistics.median(s["retrieval_s"] for s in samples),
        "prompt evaluation": statistics.median(s["prompt_s"] for s in samples),
        "generation": statistics.median(s["generate_s"] for s in samples),
        "checks and other": statistics.median(other),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--llm-questions", type=int, default=12, help="New questions timed.")
    parser.add_argument("--followups", type=int, default=8, help="Two-turn conversations timed.")
    parser.add_argument("--skip-build", action="store_true", help="Do not time index builds.")
    parser.add_argument("--skip-serve", action="store_true", help="Do not time a cold start.")
    parser.add_argument("--out", default=str(REPO / "eval" / "reports" / "bench.md"))
    args = parser.parse_args()
    settings = Settings(show_progress=False)
    dev = [json.loads(line) for line in (REPO / "eval/dev.jsonl").read_text().splitlines() if line]
    conversations = [
        json.loads(line)
        for line in (REPO / "eval/conversations.jsonl").read_text().splitlines()
        if line
    ]
    rows: list[tuple[str, str, str]] = []
    started_run = time.strftime("%Y-%m-%d %H:%M")

    if not args.skip_build:
        bench_index(settings, rows)
    if not args.skip_serve:
        bench_serving(settings, dev[0]["question"], rows)

    scratch = settings.model_copy(update={"database": Path(tempfile.mkdtemp()) / "bench.sqlite3"})
    service = build_service(scratch)
    questions = [item["question"] for item in dev]
    service.search("warm up")
    samples = []
    for question in (questions * 2)[:100]:
        started = time.perf_counter()
        service.search(question)
        samples.append((time.perf_counter() - started) * 1000)
    rows.append(
        (
            "retrieval, 100 questions (median / p95)",
            f"{statistics.median(samples):.0f} ms / {percentile(samples, 0.95):.0f} ms",
            "",
        )
    )

    service.warm_up_model()  # as the server does at start-up
    new = [timed_answer(service, q) for q in questions[1 : 1 + args.llm_questions]]
    follow = []
    for item in conversations[: args.followups]:
        first = timed_answer(service, item["history"][0])
        follow.append(
            timed_answer(service, item["question"], conversation_id=first["answer"].conversation_id)
        )
    bench_forms(service, rows)
    rows += [
        (
            f"new question, end to end (median / p90, n={len(new)})",
            summary(new, "total_s"),
            TARGETS["new question, end to end (median / p90)"],
        ),
        (
            "new question, first visible token (median / p90)",
            summary(new, "first_token_s"),
            TARGETS["new question, first visible token (median)"],
        ),
        (f"follow-up, end to end (median / p90, n={len(follow)})", summary(follow, "total_s"), ""),
        ("follow-up, first visible token (median / p90)", summary(follow, "first_token_s"), ""),
    ]
    prompt = statistics.median(s["prompt_tokens"] for s in new)
    cached = statistics.median(s["cached_tokens"] for s in new)
    calls = statistics.median(s["llm_calls"] for s in new)
    rows.append(
        (
            "prompt tokens per new question (median)",
            f"{prompt:.0f}, of which {cached:.0f} already in the KV cache; {calls:.0f} model call(s)",
            "",
        )
    )
    generated = sum(s["generated_tokens"] for s in new + follow)
    generating = sum(s["generate_s"] for s in new + follow)
    rate = generated / generating if generating else 0.0
    bandwidth = memory_bandwidth_gbs(settings.threads)
    model_path = assets.gguf_path(settings.models_dir, settings.llm_model)
    model_gb = model_path.stat().st_size / 1e9 if model_path.is_file() else float("nan")
    ceiling = bandwidth / model_gb
    rows.append(
        (
            "generation speed",
            f"{rate:.1f} tokens/s; ceiling {ceiling:.1f} tokens/s "
            f"({bandwidth:.1f} GB/s read ÷ {model_gb:.2f} GB of weights per token): {rate / ceiling:.0%}",
            "",
        )
    )

    stages = {"new question": stage_medians(new), "follow-up": stage_medians(follow)}
    chart_path = Path(args.out).with_name("bench-stages.png")
    chart(stages, chart_path)
    stage_lines = [
        f"| {kind} | " + " | ".join(f"{v:.2f}" for v in values.values()) + " |"
        for kind, values in stages.items()
    ]
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            f"Run {started_run} · `make bench` · {settings.threads} threads, model "
            f"`{settings.llm_model}`, embedder `{settings.embedder}`. Medians of one run; "
            "ratios hold within it.",
            "",
            "| what | result | target |",
            "|---|---|---|",
            *[f"| {name} | {value} | {target} |" for name, value, target in rows],
            "",
            "## Latency by stage (median seconds)",
            "",
            f"![latency by stage]({chart_path.name})",
            "",
            "| question | retrieval | prompt evaluation | generation | checks and other |",
            "|---|---|---|---|---|",
            *stage_lines,
            "",
        ]
    )
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
