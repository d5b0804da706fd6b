import pytest

from app.errors import UnreadableDocumentError
from app.ingest import loaders

pytestmark = pytest.mark.unit


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with a Helvetica text line, written by hand (no PDF library needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def test_txt_in_gb18030_is_decoded(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes("徐汇区政府工作报告".encode("gb18030"))
    assert loaders.load(path) == "徐汇区政府工作报告"


def test_html_keeps_visible_text_only(tmp_path):
    path = tmp_path / "r.html"
    path.write_text(
        "<html><script>alert(1)</script><body><h1>徐汇</h1><p>新增绿地8公顷。</p></body></html>"
    )
    text = loaders.load(path)
    assert "新增绿地8公顷。" in text and "alert" not in text


def test_pdf_text_layer(tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(_minimal_pdf("Xuhui 2024 report"))
    assert "Xuhui 2024 report" in loaders.load(path)


def test_docx_paragraphs(tmp_path):
    from docx import Document

    doc = Document()
    doc.add_heading("2024年主要任务", level=1)
    doc.add_paragraph("固定资产投资总额增长10%。")
    path = tmp_path / "r.docx"
    doc.save(path)
    assert loaders.load(path).split("\n") == ["2024年主要任务", "固定资产投资总额增长10%。"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.pdf", b"%PDF-1.4 this is not a pdf", "PDF"),
        ("empty.txt", b"   \n", "empty"),
        ("broken.docx", b"not a zip", "docx"),
        ("notes.xlsx", b"x", "unsupported"),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableDocumentError, match=message):
        loaders.load(path)


def _image_pdf(path):
    """A one-page PDF holding only an image (a scan with no text layer)."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).rectangle((40, 40, 360, 160), outline=0, width=4)
    image.save(path, resolution=100)
    return path


def test_a_scan_without_an_ocr_engine_is_refused_with_the_reason(tmp_path, monkeypatch):
    from app.ingest import ocr, pdf

    path = _image_pdf(tmp_path / "scan.pdf")
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(UnreadableDocumentError, match="no OCR engine"):
        loaders.check(path)
    with pytest.raises(UnreadableDocumentError, match="no OCR engine"):
        pdf.read_pdf(path, ocr=None)


def test_a_scan_is_accepted_for_ocr_without_being_read(tmp_path, monkeypatch):
    from app.ingest import ocr

    monkeypatch.setattr(ocr, "default_engine", lambda: pytest.fail("OCR ran in the check"))
    loaders.check(_image_pdf(tmp_path / "scan.pdf"))  # no error: OCR happens when indexing


def test_scanned_pages_go_through_the_ocr_engine_seam(tmp_path):
    from app.ingest.ocr import OcrLine
    from app.ingest.pdf import read_pdf

    class FakeOcr:
        name = "fake"

        def read(self, image):
            return [OcrLine(10, 200, 10, "2025年工作回顾"), OcrLine(30, 390, 40, "新增绿地8公顷。")]

    pages = []
    text = read_pdf(
        _image_pdf(tmp_path / "scan.pdf"), ocr=FakeOcr(), progress=lambda *a: pages.append(a)
    )
    assert text == "2025年工作回顾\n新增绿地8公顷。"
    assert pages == [(1, 1, 1)]


def test_a_zip_bomb_in_the_corpus_is_refused_unread(tmp_path):
    import zipfile

    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document>" + b"\0" * 30_000_000)
    with pytest.raises(UnreadableDocumentError, match="zip bomb"):
        loaders.load(path)


def _long_docx(path, chars: int):
    """A real Word file of `chars` characters that deflate cannot shrink much."""
    import random

    from docx import Document

    rng = random.Random(0)
    doc = Document()
    for _ in range(chars // 500):
        doc.add_paragraph("".join(chr(0x4E00 + rng.randrange(20000)) for _ in range(500)))
    doc.save(path)
    return path


def test_a_docx_with_more_text_than_a_document_may_hold_is_refused_from_its_directory(
    tmp_path, monkeypatch
):
    import docx

    from app.errors import DocumentTooLargeError

    path = _long_docx(tmp_path / "long.docx", 60_000)
    monkeypatch.setattr(docx, "Document", lambda *a, **k: pytest.fail("the .docx was parsed"))
    with pytest.raises(DocumentTooLargeError, match="unpacks to"):
        loaders.load(path, max_chars=1000)


def test_a_text_with_more_characters_than_a_document_may_hold_fails_its_check(tmp_path):
    from app.errors import DocumentTooLargeError

    path = tmp_path / "long.txt"
    path.write_text("徐汇区新建口袋公园27座。" * 400, encoding="utf-8")  # 5,200 characters
    with pytest.raises(DocumentTooLargeError, match="5,200 characters"):
        loaders.check(path, max_chars=2000)
    loaders.check(path, max_chars=6000)  # within the cap it passes


def test_a_pdf_whose_text_layer_is_longer_than_a_document_may_hold_fails_its_check(tmp_path):
    from app.errors import DocumentTooLargeError

    path = tmp_path / "long.pdf"
    path.write_bytes(_minimal_pdf("Xuhui " * 300))
    with pytest.raises(DocumentTooLargeError, match="1,800 characters"):
        loaders.check(path, max_chars=1000)
    loaders.check(path, max_chars=5000)
