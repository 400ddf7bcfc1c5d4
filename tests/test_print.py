"""The annual workbook on paper: converted to PDF by LibreOffice (headless), as a director
printing it would, and read back."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.exports.service import write_annual_report
from tests.test_bilan import YEAR, year_of_data  # noqa: F401 (fixture)

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _to_pdf(xlsx, out_dir) -> bytes:
    """Convert a workbook with LibreOffice, headless, in a profile of its own."""
    assert SOFFICE, "LibreOffice is missing: scripts/ensure-libreoffice.sh installs it"
    profile = out_dir / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(xlsx)],
                   check=True, capture_output=True, timeout=240)
    return (out_dir / (xlsx.stem + ".pdf")).read_bytes()


@pytest.fixture
def printed(app_ctx, year_of_data, tmp_path):
    xlsx = write_annual_report(YEAR, None, "internal", tmp_path)[0]
    content = _to_pdf(xlsx, tmp_path)
    reader = PdfReader(io.BytesIO(content))
    texts = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    return load_workbook(xlsx), reader, texts


def test_the_workbook_prints_on_a_few_pages_with_the_summary_whole_on_page_one(printed):
    workbook, reader, texts = printed
    sheets = len(workbook.sheetnames)
    # One page per sheet, a few more for the long tables (was 56 portrait pages).
    assert sheets <= len(texts) <= sheets + 8, len(texts)
    summary = workbook["Synthèse"]
    labels = [row[0].value for row in summary.iter_rows(min_row=1) if row[0].value]
    assert texts[0].startswith("Bilan d'activité 2025 — Synthèse")
    for label in labels:
        assert label in texts[0], f"{label!r} not on page one"
    # Page one holds the summary only: the next sheet starts on page two.
    second = workbook.sheetnames[1]
    assert f"— {second}" not in texts[0]
    assert texts[1].startswith(f"Bilan d'activité 2025 — {second}")


def test_every_sheet_has_a_print_setup(printed):
    workbook, reader, _texts = printed
    for ws in workbook.worksheets:
        assert ws.page_setup.paperSize == int(ws.PAPERSIZE_A4), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth == 1, ws.title
        assert ws.print_title_rows, ws.title
    assert workbook["Synthèse"].page_setup.fitToHeight == 1
    # Wide sheets (a column per site, a chart beside) print in landscape.
    assert workbook["Fréquentation par mois"].page_setup.orientation == "landscape"
    landscape = [page for page in reader.pages if page.mediabox.width > page.mediabox.height]
    assert landscape
