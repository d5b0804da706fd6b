"""PDF pages → text in reading order: columns one after the other, tables as rows.

pdfplumber gives every line with its position. A page whose text leaves an empty
vertical band in its middle is read as two columns (what spans both, a title, comes
first). Ruled tables become row sentences at their place. Visual lines are rejoined
into paragraphs: a line that runs to the column's right edge continues on the next.
A page with no text layer (a scan) is rendered and read by OCR (`app.ingest.ocr`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.errors import UnreadableDocumentError
from app.ingest.tables import row_sentences

PAGE_BREAK = "\f"
GUTTER_MIN = 8.0  # points of empty band between two columns
MIN_PAGE_CHARS = 20  # fewer characters than this: the page is an image
OCR_DPI = 300


@dataclass
class Line:
    """One visual line (or one table row, which is never joined) with its position."""

    x0: float
    x1: float
    top: float
    text: str
    row: bool = False


def find_gutters(
    chars: list[dict], width: float, min_items: int = 40, crossing_share: float = 0.1
) -> list[float]:
    """The x of each empty vertical band between columns of text (none: one column).

    `chars` are boxes with "x0", "x1" and "top": characters of a text layer, or OCR
    lines. A band may be crossed by a few lines (a title, a date line): at most
    `crossing_share` of the page's lines, counted by their top. Every column must hold
    a tenth of the text, so an indent or a gap inside a table is no gutter."""
    import numpy as np

    if len(chars) < min_items:
        return []
    tops = sorted({round(c["top"]) for c in chars})
    row_of = {top: n for n, top in enumerate(tops)}
    size = int(width) + 2
    cover = np.zeros((len(tops), size), dtype=bool)
    for c in chars:
        cover[row_of[round(c["top"])], max(int(c["x0"]) + 1, 0) : min(int(c["x1"]), size)] = True
    crossing = cover.sum(axis=0)
    left = int(min(c["x0"] for c in chars)) + 1
    right = int(max(c["x1"] for c in chars)) - 1
    open_x = crossing[left:right] <= len(tops) * crossing_share
    gutters: list[float] = []
    start = None
    for offset, is_open in enumerate([*open_x, False]):
        if is_open and start is None:
            start = offset
        elif not is_open and start is not None:
            if offset - start >= GUTTER_MIN:
                gutters.append(float(left + (start + offset) // 2))
            start = None
    # Drop gutters that leave a column with little text.
    while gutters:
        edges = [-1.0, *gutters, width + 1]
        shares = [
            sum(1 for c in chars if lo <= (c["x0"] + c["x1"]) / 2 < hi) / len(chars)
            for lo, hi in zip(edges, edges[1:], strict=False)
        ]
        thinnest = min(range(len(shares)), key=shares.__getitem__)
        if shares[thinnest] >= 0.1:
            break
        gutters.pop(min(thinnest, len(gutters) - 1))
    return gutters


def paragraphs(lines: list[Line]) -> list[str]:
    """Rejoin visual lines of one column: a line that reaches the right edge goes on."""
    if not lines:
        return []
    right = max((line.x1 for line in lines if not line.row), default=0.0)
    left = min(line.x0 for line in lines)
    sizes = [(line.x1 - line.x0) / max(len(line.text), 1) for line in lines if line.text]
    char = sorted(sizes)[len(sizes) // 2] if sizes else 10.0
    out: list[str] = []
    joining = False
    for line in lines:
        indented = line.x0 - left > char * 1.5
        if joining and not line.row and not indented:
            out[-1] += line.text
        else:
            out.append(line.text)
        joining = not line.row and line.x1 >= right - char * 1.5
    return out


def _page_lines(page, table_finder=True) -> list[Line]:
    tables = page.find_tables() if table_finder else []
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        return not any(
            b[0] <= obj.get("x0", 0) <= b[2] and b[1] <= obj.get("top", 0) <= b[3] for b in boxes
        )

    plain = page.filter(outside) if boxes else page
    lines = [
        Line(float(d["x0"]), float(d["x1"]), float(d["top"]), d["text"].strip())
        for d in plain.extract_text_lines(return_chars=False)
        if d["text"].strip()
    ]
    for table in tables:
        x0, top, x1, _ = table.bbox
        for n, text in enumerate(row_sentences(table.extract())):
            lines.append(Line(x0, x1, top + n * 0.01, text, row=True))
    return sorted(lines, key=lambda line: (line.top, line.x0))


def _column_boxes(gutters: list[float], width: float) -> list[tuple[float, float]]:
    edges = [0.0, *gutters, width]
    return list(zip(edges, edges[1:], strict=False))


def page_text(page) -> str:
    """One page's text in reading order, one paragraph a line."""
    chars = [c for c in page.chars if c["text"].strip()]
    width, height = float(page.width), float(page.height)
    gutters = find_gutters(chars, width)
    if not gutters:
        return "\n".join(paragraphs(_page_lines(page)))
    # What crosses a gutter near the top (a title, a date line) is read first.
    spanning = [
        c for c in chars if any(c["x0"] < g < c["x1"] for g in gutters) and c["top"] < height * 0.4
    ]
    head_bottom = max((float(c["bottom"]) for c in spanning), default=0.0) + 1
    parts = []
    if spanning:
        parts.append(paragraphs(_page_lines(page.crop((0, 0, width, head_bottom)))))
    for x0, x1 in _column_boxes(gutters, width):
        parts.append(paragraphs(_page_lines(page.crop((x0, head_bottom, x1, height)))))
    return "\n".join(p for part in parts for p in part)


def ocr_tables(lines: list[Line]) -> list[Line]:
    """Find tables among OCR lines of one column: two or more consecutive visual rows of
    two or more boxes each (a box may hold cells split by a ruling read as "|"). Their
    rows become row sentences; the other lines are returned as they are."""
    if not lines:
        return lines
    ordered = sorted(lines, key=lambda line: line.top)
    # Boxes of one visual row differ in top by a few pixels; a CJK line is about as high
    # as a character is wide.
    sizes = sorted((b.x1 - b.x0) / len(b.text) for b in lines if b.text)
    tolerance = sizes[len(sizes) // 2] * 0.6
    rows: list[list[Line]] = []
    for line in ordered:
        if rows and line.top - rows[-1][0].top <= tolerance:
            rows[-1].append(line)
        else:
            rows.append([line])
    out: list[Line] = []
    n = 0
    while n < len(rows):
        m = n
        while m < len(rows) and len(rows[m]) >= 2:
            m += 1
        if m - n >= 2:
            table = [
                [
                    cell.strip()
                    for box in sorted(row, key=lambda b: b.x0)
                    for cell in box.text.split("|")
                ]
                for row in rows[n:m]
            ]
            x0 = min(b.x0 for row in rows[n:m] for b in row)
            x1 = max(b.x1 for row in rows[n:m] for b in row)
            top = rows[n][0].top
            out.extend(
                Line(x0, x1, top + k * 0.01, text, row=True)
                for k, text in enumerate(row_sentences(table))
            )
            n = m
        else:
            out.extend(rows[n])
            n += 1
    return out


def ocr_page_text(engine, image) -> str:
    """A scanned page read by OCR, columns one after the other, lines rejoined."""
    lines = [Line(o.x0, o.x1, o.top, o.text) for o in engine.read(image)]
    boxes = [{"x0": line.x0, "x1": line.x1, "top": line.top} for line in lines]
    width, height = image.size
    gutters = find_gutters(boxes, float(width), min_items=10)

    def read(part: list[Line]) -> list[str]:
        return paragraphs(sorted(ocr_tables(part), key=lambda line: (line.top, line.x0)))

    if not gutters:
        return "\n".join(read(lines))
    spanning = [
        line
        for line in lines
        if any(line.x0 < g < line.x1 for g in gutters) and line.top < height * 0.4
    ]
    head_bottom = max((line.top for line in spanning), default=-1.0)
    rest = [line for line in lines if line.top > head_bottom]
    parts = [[line for line in lines if line.top <= head_bottom]]
    for x0, x1 in _column_boxes(gutters, float(width)):
        parts.append([line for line in rest if x0 <= (line.x0 + line.x1) / 2 < x1])
    return "\n".join(p for part in parts for p in read(part))


@contextlib.contextmanager
def _open(path: Path) -> Iterator:
    """The PDF open with pdfplumber; any parser failure inside is a clear UnreadableDocumentError."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with pdfplumber.open(path) as pdf:
            yield pdf
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError, OSError, TypeError) as exc:
        raise UnreadableDocumentError(f"{path.name}: broken PDF ({exc})") from exc


def _no_text(path: Path, scanned: bool, ocr_available: bool) -> UnreadableDocumentError:
    if scanned and not ocr_available:
        return UnreadableDocumentError(
            f"{path.name}: the PDF is scanned images with no text layer, and no OCR "
            "engine is installed (run `make install`)"
        )
    return UnreadableDocumentError(f"{path.name}: the PDF has no readable text")


def read_pdf(path: Path, ocr=None, progress: Callable | None = None) -> str:
    """Text of a PDF in reading order, pages separated by PAGE_BREAK; image-only pages
    are read by the OCR engine `ocr` (an `app.ingest.ocr.OcrEngine`) when given.
    `progress(page, pages, ocr_pages)` is called after every page."""
    texts: list[str] = []
    scanned = 0
    with _open(path) as pdf:
        total = len(pdf.pages)
        for number, page in enumerate(pdf.pages, start=1):
            text = page_text(page)
            if len(text.strip()) < MIN_PAGE_CHARS and page.images:
                scanned += 1
                if ocr is not None:
                    image = page.to_image(resolution=OCR_DPI).original
                    text = ocr_page_text(ocr, image)
            texts.append(text)
            if progress is not None:
                progress(number, total, scanned)
    text = PAGE_BREAK.join(texts)
    if not text.strip():
        raise _no_text(path, scanned > 0, ocr is not None)
    return text


def text_layer_chars(path: Path) -> int:
    """Characters in a PDF's text layer, counted by pdfium (fast: nothing is laid out);
    scanned pages count none, as their text is known only once they are OCR'd."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        raise UnreadableDocumentError(f"{path.name}: not a readable PDF ({exc})") from exc
    try:
        total = 0
        for page in document:
            total += page.get_textpage().count_chars()
        return total
    finally:
        document.close()


def check_pdf(path: Path, ocr_available: bool) -> int:
    """Open a PDF and make sure it can be read, without reading it (OCR is slow): it has
    a text layer, or page images and an OCR engine. Returns the number of pages."""
    with _open(path) as pdf:
        pages = len(pdf.pages)
        text = any(len(p.chars) >= MIN_PAGE_CHARS for p in pdf.pages)
        images = any(p.images for p in pdf.pages)
    if text or (images and ocr_available):
        return pages
    raise _no_text(path, images, ocr_available)
