"""The bilan as HTML (the page, the PDF's source, the static folder) and as a PDF.

One template, app/templates/bilan/document.html, lays the document out for all three;
WeasyPrint turns it into an A4 PDF (page numbers, table of contents, the period on every
page) with no browser, the charts drawn beforehand as SVG.
"""

from __future__ import annotations

import base64
import logging
import shutil
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from app.bilan import charts
from app.bilan.sections import shown_sections
from app.exports.grids import DECIMAL, PERCENT, Grid

STYLESHEET = "css/bilan.css"
NARROW_SPACE = "\u202f"


def number(value, fmt: str = "#,##0", kind: str = "count") -> str:
    """Return a figure written the French way (1 234 ; 12,5 ; +3,4 %); text as it is."""
    if value is None:
        return "—" if kind in ("change", "share", "average") else ""
    if isinstance(value, str):
        return value
    if fmt == PERCENT:
        text = f"{value * 100:+.1f}" if kind == "change" else f"{value * 100:.1f}"
        return text.replace(".", ",").replace("-", "−") + NARROW_SPACE + "%"
    if fmt == DECIMAL:
        text = f"{value:,.1f}"
    else:
        text = f"{round(value):,}"
    return text.replace(",", NARROW_SPACE).replace(".", ",").replace("-", "−")


def cell(grid: Grid, i: int, j: int) -> str:
    """Return one cell of a grid as the document prints it."""
    column = grid.columns[j]
    fmt = column.fmt
    if grid.row_formats and column.kind not in ("change", "share"):
        fmt = grid.row_formats[i]
    return number(grid.shown(i, j), fmt, column.kind)


def chart_keys(data: dict) -> list[str]:
    """Return the keys of the charts the document shows, without drawing them."""
    keys = [key for section in shown_sections(data) for key in section.present(data)
            if charts.grid_series(data["grids"][key]) is not None]
    return keys + (["trend"] if len(data["trend"]) >= 2 else [])


def draw_chart(data: dict, key: str) -> str | None:
    """Draw one of the document's charts as SVG (None: no such chart)."""
    if key not in chart_keys(data):
        return None
    with force_locale("fr"):
        if key == "trend":
            return charts.trend_chart(_("Visiteurs et entretiens par année"), data["trend"], {
                "visitors": _("Visiteurs"), "interviews": _("Entretiens")})
        return charts.grid_chart(data["grids"][key])


def draw_charts(data: dict) -> dict[str, str]:
    """Draw every chart the shown sections hold as SVG, keyed by grid (and "trend")."""
    drawn = {}
    with force_locale("fr"):
        for section in shown_sections(data):
            for key in section.present(data):
                svg = charts.grid_chart(data["grids"][key])
                if svg:
                    drawn[key] = svg
        trend = charts.trend_chart(_("Visiteurs et entretiens par année"), data["trend"], {
            "visitors": _("Visiteurs"), "interviews": _("Entretiens")})
    if trend:
        drawn["trend"] = trend
    return drawn


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _css() -> str:
    return (Path(current_app.static_folder) / STYLESHEET).read_text(encoding="utf-8")


def html(data: dict, mode: str = "pdf", drawn: dict[str, str] | None = None,
         **context) -> str:
    """Return the bilan as HTML: "page" (inside the app), "pdf" or "static" (standalone).

    Charts are images (SVG): inline data for the page and the PDF, files in assets/ for the
    static folder. As images, their styles and ids stay theirs, whatever the page's.
    """
    if mode == "page":
        # The page names its charts; the browser fetches them beside it (bilan.chart), so
        # the page shows at once and its charts come as they are drawn.
        sources = {key: url_for("bilan.chart", key=key, **context["query"])
                   for key in chart_keys(data)}
    elif mode == "static":
        drawn = draw_charts(data) if drawn is None else drawn
        sources = {key: f"assets/{key}.svg" for key in drawn}
    else:
        drawn = draw_charts(data) if drawn is None else drawn
        sources = {key: _data_uri(svg) for key, svg in drawn.items()}
    with force_locale("fr"):
        template = "bilan/page.html" if mode == "page" else "bilan/standalone.html"
        return render_template(template, data=data, sections=shown_sections(data), mode=mode,
                               charts=sources, cell=cell, number=number,
                               inline_css=Markup(_css()) if mode == "pdf" else None,
                               **context)


def pdf(data: dict, drawn: dict[str, str] | None = None) -> bytes:
    """Return the bilan as an A4 PDF."""
    from weasyprint import HTML

    # WeasyPrint logs a warning for each SVG style it leaves to the SVG renderer: hundreds
    # per document, none of them a fault.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html(data, "pdf", drawn),
                base_url=current_app.static_folder).write_pdf()


def write_pdf(data: dict, path: Path, drawn: dict[str, str] | None = None) -> Path:
    """Write the bilan's PDF to path; return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf(data, drawn))
    return path


def write_static(data: dict, folder: Path, pdf_name: str) -> list[Path]:
    """Write the static folder: index.html, its stylesheet and the PDF, no script at all."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "assets").mkdir(parents=True)
    shutil.copyfile(Path(current_app.static_folder) / STYLESHEET, folder / "assets" / "bilan.css")
    drawn = draw_charts(data)
    for key, svg in drawn.items():
        (folder / "assets" / f"{key}.svg").write_text(svg, encoding="utf-8")
    write_pdf(data, folder / pdf_name, drawn)
    index = folder / "index.html"
    index.write_text(html(data, "static", drawn, pdf_name=pdf_name), encoding="utf-8")
    return [index, folder / "assets", folder / pdf_name]
