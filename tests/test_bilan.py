"""The bilan d'activité: its PDF read back against the JSON twin, its pages, its editions,
the foreword, the static folder and the command."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.bilan import render, services
from app.bilan.sections import SECTIONS, Section, shown_sections
from app.exports.service import write_annual_report
from tests.conftest import Auth
from tests.factories import Builder

YEAR = 2025
A4 = (595.28, 841.89)


def _text(value) -> str:
    """Normalise spaces and signs the way the checks compare them."""
    return re.sub(r"[\s\u202f\u00a0]+", " ", str(value)).replace("−", "-").strip()


def pages_text(content: bytes) -> list[str]:
    return [_text(page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


@pytest.fixture
def year_of_data(app):
    """A small year at two sites, the year before at one, with counts under 11 here and there."""
    build = Builder(app)
    for day in range(1, 29):
        build.entry(f"{YEAR}-03-{day:02d}T10:00+01:00", "emploi", party=1 + day % 3)
        build.entry(f"{YEAR}-06-{day:02d}T15:00+02:00", "documentation")
        if day % 4 == 0:
            build.entry(f"{YEAR}-06-{day:02d}T11:00+02:00", "formation", site="gap")
            build.reorientation(f"{YEAR}-06-{day:02d}T11:30+02:00", "emploi", "creation")
        build.entry(f"{YEAR - 1}-05-{day:02d}T10:00+02:00", "emploi")
        build.interview(f"{YEAR}-{day % 12 + 1:02d}-10T11:00+02:00", "emploi",
                        duration=20 + day)
    for day in range(1, 6):
        build.interview(f"{YEAR - 2}-04-{day:02d}T11:00+02:00", "orientation")
    return build


@pytest.mark.parametrize("edition", ["internal", "public"])
def test_pdf_figures_are_the_twins(app_ctx, year_of_data, tmp_path, edition):
    twin_path = write_annual_report(YEAR, None, edition, tmp_path)[1]
    twin = json.loads(twin_path.read_text())
    data = services.gather(YEAR, None, edition, today=date(YEAR + 1, 3, 1))
    text = " ".join(pages_text(render.pdf(data)))
    summary = twin["tables"]["summary"]
    assert summary["rows"][0]["label"] == "Visiteurs accueillis (personnes)"
    checked = 0
    for key in ("summary", "interviews_by_pole", "arrivals_by_destination",
                "attendance_by_month", "attendance_by_weekday", "reorientations",
                "interviews_by_partner", "gender_by_pole", "year_on_year"):
        for row in twin["tables"][key]["rows"]:
            line = _expected_line(data["grids"][key], row)
            if len(data["grids"][key].columns) > 11:
                # The widest tables wrap their row labels: the row's figures stay together.
                line = line.removeprefix(_text(row["label"])).strip()
            assert line in text, f"{key}: {line!r} not in the PDF"
            checked += 1
    assert checked > 60
    if edition == "public":
        assert "<11" in text and twin["suppression"]["small"] == "<11"
    else:
        assert "<11" not in text


def _expected_line(grid, twin_row: dict) -> str:
    """A twin's row as the PDF must print it: its label, then each value the French way."""
    i = grid.row(twin_row["code"])
    values = []
    for j, (code, value) in enumerate(twin_row["values"].items()):
        column = grid.columns[j]
        assert column.code == code
        fmt = column.fmt
        if grid.row_formats and column.kind not in ("change", "share"):
            fmt = grid.row_formats[i]
        values.append(render.number(value, fmt, column.kind))
    return _text(" ".join([twin_row["label"], *values]))


def test_pdf_is_a4_numbered_with_contents_and_the_period_on_every_page(app_ctx, year_of_data):
    data = services.gather(YEAR, None, "internal", today=date(YEAR + 1, 3, 1))
    content = render.pdf(data)
    reader = PdfReader(io.BytesIO(content))
    texts = pages_text(content)
    total = len(texts)
    assert total > 5
    for number, (page, text) in enumerate(zip(reader.pages, texts), start=1):
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=1)
        assert f"Page {number} / {total}" in text
        assert "du 01/01/2025 au 31/12/2025" in text, f"page {number} lacks the period"
    # The contents list each section shown with the page it starts on.
    contents = texts[1]
    assert contents.startswith("Sommaire")
    for section in shown_sections(data):
        title = _text(section.title)
        start = next(n for n, text in enumerate(texts, start=1)
                     if n > 2 and text.startswith(title))
        assert re.search(re.escape(title) + r" ?\.+ ?" + str(start) + r"\b", contents), title
    assert "Provisoire" not in " ".join(texts)


def test_no_table_row_or_chart_is_cut_by_a_page(app, app_ctx, year_of_data):
    from weasyprint import HTML

    data = services.gather(YEAR, None, "public", today=date(YEAR + 1, 3, 1))
    document = HTML(string=render.html(data, "pdf"), base_url=app.static_folder).render()
    pages_of: dict[int, set[int]] = {}
    kinds: dict[int, str] = {}
    headers = set()  # header rows are repeated on each page a long table runs over
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            if getattr(box, "element_tag", None) == "thead":
                headers.update(id(row) for row in box.element)
            elif getattr(box, "element_tag", None) in ("tr", "figure") \
                    and id(box.element) not in headers:
                pages_of.setdefault(id(box.element), set()).add(number)
                kinds[id(box.element)] = box.element_tag
    assert sum(1 for kind in kinds.values() if kind == "figure") >= 5
    assert sum(1 for kind in kinds.values() if kind == "tr") >= 100
    cut = [kinds[key] for key, pages in pages_of.items() if len(pages) > 1]
    assert cut == []


def test_a_year_not_over_is_marked_provisional_with_the_date_of_its_data(app_ctx,
                                                                          year_of_data):
    data = services.gather(YEAR, None, "internal", today=date(YEAR, 12, 2))
    texts = pages_text(render.pdf(data))
    assert "Provisoire" in texts[0] and "chiffres arrêtés au 02/12/2025" in texts[0]
    assert all("provisoire, données au 02/12/2025" in text for text in texts)


def test_trend_covers_every_year_the_database_knows(app_ctx, year_of_data):
    data = services.gather(YEAR, None, "internal", today=date(YEAR + 1, 3, 1))
    assert [(row["year"], row["visitors"], row["interviews"]) for row in data["trend"]] == [
        (YEAR - 2, 0, 5), (YEAR - 1, 28, 0),
        (YEAR, data["twin"]["visitors"], data["twin"]["interviews"])]
    public = services.gather(YEAR, None, "public", today=date(YEAR + 1, 3, 1))
    assert public["trend"][0]["interviews"] == "<11"


def test_a_section_joins_by_one_line_and_shows_only_with_its_figures(app_ctx, year_of_data,
                                                                     monkeypatch):
    data = services.gather(YEAR, None, "internal", today=date(YEAR + 1, 3, 1))
    keys = [section.key for section in shown_sections(data)]
    assert keys[:2] == ["key_figures", "attendance"] and keys[-2:] == ["trend", "method"]
    assert "centres" in keys  # two sites had visitors
    extra = Section("extra", "Extra", "bilan/sections/grids.html", ("extra",))
    monkeypatch.setattr("app.bilan.sections.SECTIONS", [*SECTIONS, extra])
    assert "extra" not in [s.key for s in shown_sections(data)]
    data["grids"]["extra"] = data["grids"]["interviews_by_pole"]
    assert "extra" in [s.key for s in shown_sections(data)]
    assert 'id="extra"' in render.html(data, "static")


def test_events_satisfaction_occupancy_and_the_centres_join_the_bilan(app_ctx):
    from app.demo import generate_year

    generate_year(YEAR, "marseille", seed=5, scale=0.05)
    generate_year(YEAR, "marseille", seed=6, scale=0.05, site_code="gap")
    data = services.gather(YEAR, None, "public", today=date(YEAR + 1, 3, 1))
    keys = [section.key for section in shown_sections(data)]
    for key in ("events", "centres", "satisfaction", "occupancy"):
        assert key in keys, keys
    text = " ".join(pages_text(render.pdf(data)))
    for title in ("Séances et participants par type d'événement", "Consolidation régionale",
                  "Satisfaction des visiteurs", "Occupation des espaces"):
        assert title in text, title


def test_foreword_is_screened_and_printed(app, make_user, year_of_data):
    client = app.test_client()
    auth = Auth(client)
    auth.login(make_user("network-director").username)
    url = f"/rapports/bilan/avant-propos?year={YEAR}&site=&edition=internal"
    refused = client.post(url, data={"csrf_token": auth.token,
                                     "text": "Merci à Mme Martin, joignable au 06 12 34 56 78."})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Donnée" in page and "téléphone" in page.lower()
    with app.app_context():
        assert services.foreword(YEAR, None) == ""
    words = "Une année de travail avec France Travail et tous nos partenaires."
    saved = client.post(url, data={"csrf_token": auth.token, "text": words})
    assert saved.status_code == 302
    shown = client.get(f"/rapports/bilan/?year={YEAR}&edition=internal")
    assert shown.status_code == 200 and words in shown.get_data(as_text=True)
    # The page names its charts; each is drawn on the server when the browser asks.
    page = shown.get_data(as_text=True)
    charts = re.findall(r'src="(/rapports/bilan/graphique/[^"]+)"', page)
    assert len(charts) > 10
    svg = client.get(charts[0].replace("&amp;", "&"))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True).startswith("<svg")
    assert client.get(f"/rapports/bilan/graphique/nothing.svg?year={YEAR}").status_code == 404
    with app.app_context():
        data = services.gather(YEAR, None, "internal", today=date(YEAR + 1, 3, 1))
        assert words in " ".join(pages_text(render.pdf(data)))


def test_page_names_a_bad_choice_and_sends_the_pdf(app, make_user, year_of_data):
    client = app.test_client()
    Auth(client).login(make_user("admin").username)
    bad = client.get("/rapports/bilan/?year=1700&edition=draft")
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "(year)" in body and "(edition)" in body
    pdf = client.get(f"/rapports/bilan/pdf?year={YEAR}&site=gap&edition=public")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "bilan_2025_gap_public.pdf" in pdf.headers["Content-Disposition"]
    text = " ".join(pages_text(pdf.data))
    assert "Centre associé de Gap" in text


def test_a_site_director_reads_their_own_sites_bilan_only(app, make_user, year_of_data):
    client = app.test_client()
    Auth(client).login(make_user("director", site="gap").username)
    own = client.get(f"/rapports/bilan/?year={YEAR}")
    assert own.status_code == 200
    assert "Centre associé de Gap" in own.get_data(as_text=True)
    for other in (f"year={YEAR}&site=marseille", f"year={YEAR}&site="):
        refused = client.get(f"/rapports/bilan/pdf?{other}&edition=internal")
        assert refused.status_code == 400 and "(site)" in refused.get_data(as_text=True)


def test_command_writes_the_pdf_and_the_static_folder(app, runner, year_of_data, tmp_path):
    app.config["REPORTS_DIR"] = str(tmp_path)
    result = runner.invoke(args=["report", "annual", "--year", str(YEAR), "--edition", "public",
                                 "--format", "pdf"])
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.output.split() if line.startswith(str(tmp_path))]
    assert [p.name for p in written] == ["bilan_2025_reseau_public.pdf"]
    assert written[0].read_bytes().startswith(b"%PDF")
    result = runner.invoke(args=["report", "annual", "--year", str(YEAR), "--edition", "public",
                                 "--format", "html"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "bilan_2025_reseau_public"
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    charts = [name for name in files if name.endswith(".svg")]
    assert [name for name in files if name not in charts] == [
        "assets/bilan.css", "bilan_2025_reseau_public.pdf", "index.html"]
    assert len(charts) > 10 and all(name.startswith("assets/") for name in charts)
    index = (folder / "index.html").read_text()
    assert "<script" not in index.lower() and 'href="assets/bilan.css"' in index
    assert 'href="bilan_2025_reseau_public.pdf"' in index
    assert all(f'src="{name}"' in index for name in charts)
    assert "&lt;11" in index  # the public edition, small counts hidden
    assert (tmp_path / "bilan_2025_reseau_public.zip").is_file()
    # Compiled again, the folder replaces the earlier one.
    again = runner.invoke(args=["report", "annual", "--year", str(YEAR), "--edition", "public",
                                "--format", "html"])
    assert again.exit_code == 0, again.output
    assert (folder / "index.html").is_file()
    result = runner.invoke(args=["report", "annual", "--year", str(YEAR)])
    assert result.exit_code == 0
    assert sorted(Path(p).name for p in result.output.split() if p.startswith(str(tmp_path))) \
        == ["affluence_annuel_2025_reseau_internal.json",
            "affluence_annuel_2025_reseau_internal.xlsx",
            "affluence_annuel_2025_reseau_public.json",
            "affluence_annuel_2025_reseau_public.xlsx"]
