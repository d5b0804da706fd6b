"""OCR for scanned pages: a page image → its text lines in reading order.

`OcrEngine` is the seam: `read(image) -> list[OcrLine]` (a PIL image in, positioned
lines out). `RapidOcrEngine` runs the PaddleOCR Chinese detection and recognition
models that the `rapidocr-onnxruntime` wheel ships (nothing is downloaded).
`TesseractEngine` runs Debian's `tesseract` with `chi_sim`; it was measured and is kept
for comparison (`eval/formats_bench.py`), not used by default: see the README for the
figures. The lines go through the same paragraph rejoining as a PDF's text layer.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.errors import UnreadableDocumentError


@dataclass
class OcrLine:
    x0: float
    x1: float
    top: float
    text: str


class OcrEngine(Protocol):
    name: str

    def read(self, image) -> list[OcrLine]: ...


class RapidOcrEngine:
    """PaddleOCR's Chinese models through onnxruntime, as the rapidocr wheel ships them."""

    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._ocr = RapidOCR()

    def read(self, image) -> list[OcrLine]:
        import numpy as np

        result, _ = self._ocr(np.asarray(image.convert("RGB")))
        lines = []
        for box, text, _score in result or []:
            xs = [p[0] for p in box]
            ys = [p[1] for p in box]
            lines.append(OcrLine(min(xs), max(xs), min(ys), text))
        return lines


class TesseractEngine:
    """Debian's tesseract with the simplified-Chinese model, line by line (TSV output)."""

    name = "tesseract"

    def __init__(self, language: str = "chi_sim") -> None:
        if shutil.which("tesseract") is None:
            raise UnreadableDocumentError("tesseract is not installed")
        self.language = language

    def read(self, image) -> list[OcrLine]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "page.png"
            image.save(path)
            out = subprocess.run(
                ["tesseract", str(path), "-", "-l", self.language, "--psm", "3", "tsv"],
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            ).stdout
        words: dict[tuple[str, str, str], list[tuple[float, float, float, str]]] = {}
        for row in out.splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) < 12 or not cells[11].strip():
                continue
            key = (cells[2], cells[3], cells[4])  # block, paragraph, line
            left, top, width = float(cells[6]), float(cells[7]), float(cells[8])
            words.setdefault(key, []).append((left, left + width, top, cells[11]))
        return [
            OcrLine(
                min(w[0] for w in ws),
                max(w[1] for w in ws),
                min(w[2] for w in ws),
                "".join(w[3] for w in ws),
            )
            for ws in words.values()
        ]


def available() -> bool:
    """Whether the packaged OCR engine is installed (without loading its models)."""
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@functools.cache
def default_engine() -> OcrEngine | None:
    """The packaged OCR engine, or None when it is not installed."""
    try:
        return RapidOcrEngine()
    except ImportError:
        return None
