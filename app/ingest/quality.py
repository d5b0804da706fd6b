"""Quality findings per document, and near-duplicate detection that keeps the best copy."""

from __future__ import annotations

import re
from collections import Counter

from app.domain import Document, QualityNote
from app.text.cjk import HAN, HAN_CHAR
from app.text.instructions import addresses_the_assistant
from app.text.sentences import split_sentences

SHINGLE = 6
DUPLICATE_JACCARD = 0.5
_SPACED_CJK = re.compile(f"[{HAN}] +[{HAN}\\d]|\\d +[{HAN}]")


def common_characters(documents: list[Document], top: int = 40) -> dict[str, float]:
    """The corpus's most frequent Chinese characters with their relative frequency."""
    counts: Counter[str] = Counter()
    for doc in documents:
        counts.update(HAN_CHAR.findall(doc.text))
    total = sum(counts.values()) or 1
    return {char: n / total for char, n in counts.most_common(top)}


def missing_character_notes(
    doc: Document, reference: dict[str, float], min_expected: float = 25.0
) -> list[QualityNote]:
    """Flag frequent characters that never occur although the document is long enough."""
    n_cjk = len(HAN_CHAR.findall(doc.text))
    notes = []
    for char, freq in reference.items():
        expected = freq * n_cjk
        if expected >= min_expected and char not in doc.text:
            notes.append(
                QualityNote(
                    code="missing_character",
                    message=f"the common character '{char}' never occurs "
                    f"(about {expected:.0f} expected): probably lost in scraping",
                    params={"char": char, "expected": round(expected)},
                )
            )
    return notes


def raw_layout_notes(raw: str) -> list[QualityNote]:
    """Findings about the raw text before cleaning: OCR spacing, broken or endless lines."""
    notes = []
    spaced = len(_SPACED_CJK.findall(raw))
    if spaced >= 20:
        notes.append(
            QualityNote(
                "spaced_characters",
                f"{spaced} spaces between Chinese characters (OCR or newspaper layout); removed",
                "info",
                {"count": spaced},
            )
        )
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if lines:
        broken = sum(1 for line in lines if not re.search(r"[。！？!?…”」)）]$", line))
        if len(lines) >= 20 and broken / len(lines) > 0.5:
            notes.append(
                QualityNote(
                    "broken_lines",
                    f"{broken} of {len(lines)} lines end mid-sentence; rejoined",
                    "info",
                    {"broken": broken, "total": len(lines)},
                )
            )
        longest = max(len(line) for line in lines)
        if longest > 5000:
            notes.append(
                QualityNote(
                    "no_paragraphs",
                    f"a line of {longest} characters: no paragraph breaks; headings recovered "
                    "from the text",
                    "info",
                    {"longest": longest},
                )
            )
    return notes


def _shingles(text: str) -> set[str]:
    compact = re.sub(r"\s+", "", text)
    return {compact[i : i + SHINGLE] for i in range(max(len(compact) - SHINGLE + 1, 1))}


def _jaccard(sa: set[str], sb: set[str]) -> float:
    return len(sa & sb) / (len(sa | sb) or 1)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' character shingles."""
    return _jaccard(_shingles(a), _shingles(b))


def drop_near_duplicates(documents: list[Document]) -> tuple[list[Document], list[str]]:
    """Keep the most complete copy of each near-duplicate group; say what was dropped."""
    # Longest first: a copy that lost characters in scraping is the shorter one.
    ranked = sorted(documents, key=lambda d: len(d.text), reverse=True)
    shingles = {d.doc_id: _shingles(d.text) for d in ranked}  # once a document, not a pair
    kept: list[Document] = []
    log: list[str] = []
    for doc in ranked:
        twin = next(
            (
                k
                for k in kept
                if _jaccard(shingles[k.doc_id], shingles[doc.doc_id]) >= DUPLICATE_JACCARD
            ),
            None,
        )
        if twin is None:
            kept.append(doc)
            continue
        reason = (
            f"{doc.doc_id} ('{doc.title}', {len(doc.text)} chars) is a near-duplicate of "
            f"{twin.doc_id} ({len(twin.text)} chars); kept the more complete copy"
        )
        twin.dropped_duplicates.append(doc.doc_id)
        twin.quality.append(
            QualityNote(
                "duplicate_dropped",
                reason,
                "info",
                {"dropped": f"{doc.doc_id}（{doc.title}）", "chars": len(doc.text)},
            )
        )
        log.append(reason)
    order = {d.doc_id: i for i, d in enumerate(documents)}
    return sorted(kept, key=lambda d: order[d.doc_id]), log


def chrome_note(dropped: list[str]) -> QualityNote:
    """Say how many lines of page chrome were dropped, with the first few as examples."""
    examples = " | ".join(line[:30] for line in dropped[:3])
    return QualityNote(
        "chrome_dropped",
        f"{len(dropped)} line(s) of page chrome dropped (navigation, index fields, footers): "
        f"{examples}",
        "info",
        {"lines": len(dropped), "examples": examples},
    )


def instruction_note(text: str) -> QualityNote | None:
    """Say which sentences of the text are addressed to the assistant (never candidates,
    never figures), with the first as an example; None when none is."""
    flagged = [s.text for s in split_sentences(text) if addresses_the_assistant(s.text)]
    if not flagged:
        return None
    example = flagged[0][:60]
    return QualityNote(
        "instructions",
        f"{len(flagged)} sentence(s) addressed to an AI assistant, not about the district "
        f"(never used to answer): {example}",
        "warning",
        {"sentences": len(flagged), "example": example},
    )
