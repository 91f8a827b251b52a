"""report.pdf opens and renders (pdftoppm, from Debian's poppler-utils), and reads as the case's history."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from audit.export.bundle import export_case
from tests.audit.test_export_cases import EXAMINER, NOW, Log, fresh_log


@pytest.fixture
def export_log(tmp_path: Path) -> Iterator[Log]:
    with fresh_log(tmp_path) as log:
        yield log


NEEDS_POPPLER = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="pdftoppm/pdftotext not installed: apt-get install -y poppler-utils (CI must install it)",
)


@pytest.fixture
def report(export_log: Log, tmp_path: Path) -> Path:
    bundle = export_case(export_log.engine, "C-1", key=export_log.key, now=NOW, actor=EXAMINER)
    path = tmp_path / "report.pdf"
    path.write_bytes(zipfile.ZipFile(io.BytesIO(bundle)).read("report.pdf"))
    return path


@NEEDS_POPPLER
def test_every_page_renders_to_a_non_blank_image(report: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(report), str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    for page in pages:
        with Image.open(page) as image:
            darkest, lightest = image.convert("L").getextrema()
        assert darkest < 100 and lightest > 200, f"{page.name} looks blank"


@NEEDS_POPPLER
def test_the_text_holds_the_cases_rules_dates_corrections_and_verification(report: Path) -> None:
    raw = subprocess.run(["pdftotext", str(report), "-"], capture_output=True, check=True, timeout=120).stdout
    text = "".join(raw.decode("utf-8").split())  # table cells wrap: compare without any whitespace
    for expected in ("Case history — C-1", "lm_ack_notice", "12 CFR 1024.41(b)(2)(i)(B)", "ei_written_notice",
                     "2026-03-18", "due 2026-06-08", "Corrections and voids", "occurred 2026-06-12",
                     '"occurred_at":"2026-06-05"', "Regulation F", "before 8:00 a.m.", "m-1 at 2026-06-21",
                     "12 of 12 events hash to their recorded hash", "proven included in the signed checkpoint",
                     "python verify.py"):
        assert "".join(expected.split()) in text, expected


def test_the_pdf_is_a_pdf_with_a_fixed_creation_date(report: Path) -> None:
    content = report.read_bytes()
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert b"/CreationDate (D:20000101000000+00'00')" in content
