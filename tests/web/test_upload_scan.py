"""A scanned report uploaded through the API: OCR progress is reported, then it answers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.documents import CHROMIUM, print_pdf, report_html, scan_pdf
from tests.fakes import ChoosingLLM
from tests.web.test_web import TOKEN, make_client

pytestmark = pytest.mark.slow


def test_a_scanned_pdf_upload_shows_ocr_progress_and_then_answers(
    settings, fake_embedder, tmp_path
):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    pdf = print_pdf(report_html(REPO / "corpus", table=True), tmp_path / "report.pdf")
    scan = scan_pdf(pdf, tmp_path / "scan.pdf")
    llm = ChoosingLLM(("2025年目标4", "2025年区级一般公共预算收入增速的目标是4%。", 0.95))
    client, service = make_client(settings, fake_embedder, llm)
    with client:
        response = client.post(
            "/api/admin/documents",
            files={"file": ("扫描件.pdf", scan.read_bytes(), "application/pdf")},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 202, response.text
        job_id = response.json()["job"]["job_id"]
        messages = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            job = client.get(f"/api/jobs/{job_id}").json()
            messages.append(job["message"])
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert job["status"] == "done", job
        assert any("by OCR" in m for m in messages), messages  # "扫描件.pdf: page 1/2, 1 by OCR"

        docs = {d["doc_id"]: d for d in client.get("/api/documents").json()["documents"]}
        scanned = docs["扫描件"]
        assert scanned["kind"] == "work_report" and scanned["reviewed_years"] == [2025]

        answer = client.post(
            "/api/ask", json={"question": "2025年区级一般公共预算收入增速的目标是多少？"}
        ).json()
        assert not answer["refused"], llm.prompts[-1][-1]["content"]
        assert "4" in answer["answer"]
        cited = [c for c in answer["citations"] if c["doc_id"] == "扫描件"]
        assert cited and "2025年目标4" in cited[0]["text"]
