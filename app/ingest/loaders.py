"""Read a document file (.txt .md .html .pdf .docx) into plain text, and nothing else.

HTML goes through trafilatura's main-content extraction (navigation, headers and
footers of the site are left out); DOCX keeps paragraphs and tables in their order;
PDFs are read by `app.ingest.pdf` (columns, tables, OCR of scanned pages). Tables of
every format come out as row sentences (`app.ingest.tables`), and radical code points
that PDF printers leave are folded into ideographs.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
from pathlib import Path

from app.errors import DocumentTooLargeError, UnreadableDocumentError
from app.ingest.pdf import PAGE_BREAK
from app.ingest.tables import row_sentences, text_tables_to_rows
from app.text.cjk import fold_radicals

__all__ = ["PAGE_BREAK", "SUPPORTED_SUFFIXES", "check", "check_unpacked", "load", "too_large"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
_TEXT_ENCODINGS = ("utf-8-sig", "gb18030", "big5")


def read_text_file(path: Path) -> str:
    """Decode a text file, trying UTF-8 first and then the common Chinese encodings."""
    raw = path.read_bytes()
    for encoding in _TEXT_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableDocumentError(f"{path.name}: not UTF-8, GB18030 or Big5 text")


def read_html(path: Path) -> str:
    """The main content of an HTML page (trafilatura), tables as Markdown rows; the whole
    visible text when trafilatura finds no main content."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    page = read_text_file(path)
    text = trafilatura.extract(
        page, output_format="markdown", include_tables=True, favor_recall=True
    )
    if text and text.strip():
        return text
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer", "header", "form"]):
        tag.decompose()
    return soup.get_text("\n")


def read_pdf(path: Path, progress: Callable | None = None) -> str:
    """Text of a PDF in reading order; scanned pages through the packaged OCR engine."""
    from app.ingest import ocr, pdf

    return pdf.read_pdf(path, ocr=ocr.default_engine(), progress=progress)


MAX_RATIO = 200  # text and XML compress ~10:1; a member far beyond that is a bomb
MAX_UNPACKED = 100_000_000
# Word's XML takes 10-50 bytes a character of text (runs, their properties); a .docx whose
# XML is larger than this for the most text a document may hold has more text than that.
XML_BYTES_PER_CHAR = 32


def too_large(name: str, chars: int, max_chars: int) -> DocumentTooLargeError:
    """The error for a document of `chars` characters of text, over the cap."""
    return DocumentTooLargeError(
        f"{name}: {chars:,} characters of text, more than the {max_chars:,} one document may "
        "hold (XUHUI_MAX_DOCUMENT_CHARS); split it, or raise the limit"
    )


def check_unpacked(
    archive: zipfile.ZipFile, max_bytes: int = MAX_UNPACKED, max_chars: int | None = None
) -> None:
    """Refuse a zip whose members would unpack past max_bytes, or compress suspiciously
    well, or whose XML is larger than `max_chars` characters of text can make, judged from
    its directory before anything is unpacked."""
    total = xml = 0
    for info in archive.infolist():
        total += info.file_size
        if info.filename.endswith((".xml", ".rels")):
            xml += info.file_size
        if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableDocumentError(
                f"'{info.filename}' unpacks to {info.file_size / 1e6:.0f} MB from "
                f"{info.compress_size / 1e3:.0f} KB: refused as a zip bomb"
            )
    if total > max_bytes:
        raise UnreadableDocumentError(
            f"the file unpacks to {total / 1e6:.0f} MB, more than the {max_bytes / 1e6:.0f} MB allowed"
        )
    if max_chars is not None and xml > max_chars * XML_BYTES_PER_CHAR:
        raise DocumentTooLargeError(
            f"its text unpacks to {xml / 1e6:.1f} MB of XML, more than "
            f"{max_chars * XML_BYTES_PER_CHAR / 1e6:.1f} MB: more text than the {max_chars:,} "
            "characters one document may hold (XUHUI_MAX_DOCUMENT_CHARS)"
        )


def read_docx(path: Path, max_chars: int | None = None) -> str:
    """Paragraphs and tables of a Word document in their order; a table as row sentences.
    The zip is checked for its unpacked size first (a zip bomb, or more text than
    `max_chars`, is refused, not read)."""
    from docx import Document as DocxDocument
    from docx.table import Table

    try:
        with zipfile.ZipFile(path) as archive:
            check_unpacked(archive, max_chars=max_chars)
    except zipfile.BadZipFile as exc:
        raise UnreadableDocumentError(f"{path.name}: broken .docx ({exc})") from exc
    except UnreadableDocumentError as exc:
        raise type(exc)(f"{path.name}: {exc}") from exc
    try:
        doc = DocxDocument(str(path))
        parts: list[str] = []
        for block in doc.iter_inner_content():
            if isinstance(block, Table):
                rows = [[cell.text for cell in row.cells] for row in block.rows]
                parts.extend(row_sentences(rows))
            else:
                parts.append(block.text)
    except Exception as exc:  # python-docx raises many types for a damaged zip
        raise UnreadableDocumentError(f"{path.name}: broken .docx ({exc})") from exc
    return "\n".join(parts)


def load(path: Path, progress: Callable | None = None, max_chars: int | None = None) -> str:
    """Extract the text of one supported file; raise UnreadableDocumentError otherwise.

    `progress(page, pages, ocr_pages)` follows a PDF page by page (OCR is slow); a .docx
    whose XML is larger than `max_chars` characters can make is refused unread."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableDocumentError(
            f"{path.name}: unsupported type '{suffix}' (supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    if not path.is_file():
        raise UnreadableDocumentError(f"{path}: no such file")
    if suffix in (".html", ".htm"):
        text = read_html(path)
    elif suffix == ".pdf":
        text = read_pdf(path, progress)
    elif suffix == ".docx":
        text = read_docx(path, max_chars)
    else:
        text = read_text_file(path)
    if not text.strip():
        raise UnreadableDocumentError(f"{path.name}: the file is empty")
    return text_tables_to_rows(fold_radicals(text))


def check(path: Path, max_chars: int | None = None) -> None:
    """Make sure a file will yield text, cheaply: a PDF is opened, not OCR'd; the other
    formats are read. Raises UnreadableDocumentError otherwise, DocumentTooLargeError
    when its text (a PDF's text layer) is longer than `max_chars`."""
    if path.suffix.lower() == ".pdf":
        from app.ingest import ocr, pdf

        pdf.check_pdf(path, ocr_available=ocr.available())
        chars = pdf.text_layer_chars(path) if max_chars is not None else 0
    else:
        chars = len(load(path, max_chars=max_chars))
    if max_chars is not None and chars > max_chars:
        raise too_large(path.name, chars, max_chars)
