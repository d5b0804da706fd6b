"""Eval: a question set → scores, results and a report.

In: a JSONL question set (`eval/dev.jsonl`'s format) and a `QAService`. Out: per-question
rows (JSONL) and a Markdown report. `metrics` holds each metric as a pure function
(recall@k, answer, citation and refusal accuracy, false refusals, latency), `runner`
asks every question and scores it, `report` writes the Markdown.
"""
