"""The figures table's extraction against figures labelled by hand (`eval/figures-gold.jsonl`:
every figure of 112 sentences of five documents), by halves of the sentences.

A table row matches a labelled figure when it stands in the same sentence with the same
value and unit; it matches in full when its period (year or span) and phase are the
labelled ones too. Precision counts the table's rows in the labelled sentences; recall,
the labelled figures. The indicator, kind and qualifier are reported as the share of
matched rows that agree. `python eval/figures_extraction.py [--report FILE]`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from collections import defaultdict
from pathlib import Path

from app.chunk import chunk_document
from app.figures.extract import FigureRow
from app.figures.table import FigureTable, likeness, load_synonyms
from app.ingest.pipeline import ingest
from app.settings import Settings
from app.text.numbers import han_value, normalise_digits

ROOT = Path(__file__).resolve().parent


def half(sentence: str) -> str:
    """A sentence's half, fixed by its text: A chooses settings, B is held out."""
    return "AB"[hashlib.sha256(sentence.encode()).digest()[0] % 2]


def _value(value: str) -> str:
    value = normalise_digits(re.sub(r"\s+", "", value or ""))
    if value and not value[0].isdigit() and not value.startswith("第") and value != "首位":
        number = han_value(value)
        return str(number) if number is not None else value
    return value


def _unit(unit: str | None) -> str:
    return normalise_digits(re.sub(r"\s+", "", unit or ""))


def _locate(doc_text: str, sentence: str) -> tuple[int, int] | None:
    """The sentence's offsets in the document, found with all whitespace ignored."""
    kept = [(i, c) for i, c in enumerate(doc_text) if not c.isspace()]
    squeezed = "".join(c for _, c in kept)
    target = re.sub(r"\s+", "", sentence)
    at = squeezed.find(target)
    if at < 0:
        return None
    return kept[at][0], kept[at + len(target) - 1][0] + 1


def score(gold: list[dict], table: FigureTable, texts: dict[str, list[tuple[str, str]]]) -> dict:
    """Matches of rows to labelled figures, per sentence, one to one."""
    by_sentence: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for g in gold:
        by_sentence[(g["doc"], g["sentence"])].append(g)
    rows_by_doc: dict[str, list[FigureRow]] = defaultdict(list)
    for row in table.rows:
        rows_by_doc[row.doc_id].append(row)
    result = {h: defaultdict(int) for h in ("all", "A", "B")}
    unlocated, misses, extras = [], [], []
    for (source, sentence), labelled in by_sentence.items():
        # A file may hold several documents (a listing page): the sentence is in one.
        places = [(doc, _locate(text, sentence)) for doc, text in texts[source]]
        places = [(doc, place) for doc, place in places if place is not None]
        if not places:
            unlocated.append(sentence[:40])
            continue
        doc, (a, b) = places[0]
        rows = [r for r in rows_by_doc[doc] if a <= r.offset + r.start < b]
        free = list(rows)
        for h in ("all", half(sentence)):
            result[h]["gold"] += len(labelled)
            result[h]["rows"] += len(rows)
        for g in labelled:
            same = [
                r
                for r in free
                if _value(r.value) == _value(g["value"]) and _unit(r.unit) == _unit(g["unit"])
            ]
            if not same:
                misses.append(g)
                continue
            full = [r for r in same if r.span == g["year"] and r.phase == g["phase"]]
            row = (full or same)[0]
            free.remove(row)
            for h in ("all", half(sentence)):
                counts = result[h]
                counts["figure"] += 1
                counts["full"] += bool(full)
                counts["indicator"] += likeness(g["indicator"], row.indicator) >= 0.5
                counts["kind"] += row.kind == g["kind"]
                counts["qualifier"] += row.qualifier == g["qualifier"]
        extras.extend(free)
    return {"counts": result, "unlocated": unlocated, "misses": misses, "extras": extras}


def render(outcome: dict, rows: int, seconds: float) -> str:
    lines = [
        "# The figures table: extraction against a hand-labelled sample",
        "",
        f"{rows} rows from the shipped corpus, extracted in {seconds:.1f} s. The sample is "
        "`eval/figures-gold.jsonl`: every figure of 112 sentences from the five shipped "
        "documents, labelled by hand. A row matches a labelled figure by sentence, value "
        "and unit; in full, also by period and phase. Half A of the sentences chose the "
        "extraction's rules; half B is held out.",
        "",
        "| sentences | labelled | rows | precision | recall | precision (full) | recall (full) "
        "| indicator agrees | kind agrees | qualifier agrees |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for h in ("all", "A", "B"):
        c = outcome["counts"][h]
        m = max(c["figure"], 1)
        lines.append(
            f"| {h} | {c['gold']} | {c['rows']} | {c['figure'] / max(c['rows'], 1):.2f} | "
            f"{c['figure'] / max(c['gold'], 1):.2f} | {c['full'] / max(c['rows'], 1):.2f} | "
            f"{c['full'] / max(c['gold'], 1):.2f} | {c['indicator'] / m:.2f} | "
            f"{c['kind'] / m:.2f} | {c['qualifier'] / m:.2f} |"
        )
    lines += ["", f"Sentences not found in the documents: {len(outcome['unlocated'])}.", ""]
    lines += ["## Labelled figures the table misses", ""]
    for g in outcome["misses"]:
        lines.append(f"- {g['value']}{g['unit'] or ''} ({g['indicator']}): {g['sentence'][:60]}")
    lines += ["", "## Rows in the sample's sentences that no label has", ""]
    for r in outcome["extras"]:
        lines.append(f"- {r.written} ({r.indicator}): {r.sentence[:60]}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "figures-gold.jsonl")
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "figures.md")
    args = parser.parse_args()
    settings = Settings()
    ingested = ingest(settings.corpus_dir, settings.subject_terms)
    chunks = [
        c
        for d in ingested.documents
        for c in chunk_document(d, settings.chunk_size, settings.chunk_overlap)
    ]
    documents = {d.doc_id: d for d in ingested.documents}
    started = time.perf_counter()
    synonyms = load_synonyms(settings.prompts_dir / "indicator-synonyms.tsv")
    table = FigureTable.build(chunks, documents, synonyms)
    seconds = time.perf_counter() - started
    # The labels name a source file; rows, the document (a file may hold several).
    texts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for d in ingested.documents:
        texts[Path(d.source_file).name].append((d.doc_id, d.text))
    gold = [json.loads(line) for line in args.gold.open(encoding="utf-8") if line.strip()]
    outcome = score(gold, table, texts)
    text = render(outcome, len(table), seconds)
    args.report.write_text(text, encoding="utf-8")
    print(text.split("## Labelled")[0])


if __name__ == "__main__":
    main()
