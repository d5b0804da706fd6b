"""Read a document file (.txt .md .html .pdf .docx) into plain text, and nothing else."""

from __future__ import annotations

from pathlib import Path

from app.errors import UnreadableDocumentError

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
    """Visible text of an HTML page, one block element a line."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text_file(path), "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer", "header", "form"]):
        tag.decompose()
    return soup.get_text("\n")


def read_pdf(path: Path) -> str:
    """Text layer of a PDF, pages separated by blank lines."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise UnreadableDocumentError(f"{path.name}: broken PDF ({exc})") from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise UnreadableDocumentError(f"{path.name}: the PDF has no text layer (scanned image?)")
    return text


def read_docx(path: Path) -> str:
    """Paragraph text of a Word document; headings keep their own lines."""
    from docx import Document as DocxDocument

    try:
        doc = DocxDocument(str(path))
    except Exception as exc:  # python-docx raises many types for a damaged zip
        raise UnreadableDocumentError(f"{path.name}: broken .docx ({exc})") from exc
    return "\n".join(p.text for p in doc.paragraphs)


def load(path: Path) -> str:
    """Extract the text of one supported file; raise UnreadableDocumentError otherwise."""
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
        text = read_pdf(path)
    elif suffix == ".docx":
        text = read_docx(path)
    else:
        text = read_text_file(path)
    if not text.strip():
        raise UnreadableDocumentError(f"{path.name}: the file is empty")
    return text
