"""Write the reports to files: the workbook and its JSON twin, side by side.

Each file is written under a temporary name and renamed into place, so a Reports page
never lists a half-written file.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app import vocabulary
from app.exports.excel import RawWorkbook, render
from app.exports.reports import EDITIONS, annual_report, partner_report, period_report
from app.exports.twin import RawTwin, dump, report_twin
from app.figures.period import build_annual_data, period_data, site_info
from app.figures.raw import RAW_COLUMNS, raw_row_count, raw_rows
from app.models import PROFILE_CATEGORIES
from app.timeutil import one_year_earlier, to_local, utcnow

PERIOD_KINDS = ("hebdo", "mensuel")
Progress = Callable[[str, int, int], None] | None


def _safe(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", code).strip("-") or "x"


@contextlib.contextmanager
def _atomic(path: Path, mode: str, **options) -> Iterator:
    """Open a temporary file beside path; move it into place only once fully written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    if "b" not in mode:
        options.setdefault("encoding", "utf-8")
    try:
        with os.fdopen(handle, mode, **options) as f:
            yield f
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _write_pair(out_dir: Path, name: str, workbook: bytes, twin: dict) -> list[Path]:
    xlsx, json_path = Path(out_dir) / f"{name}.xlsx", Path(out_dir) / f"{name}.json"
    with _atomic(xlsx, "wb") as f:
        f.write(workbook)
    with _atomic(json_path, "w") as f:
        dump(twin, f)
    return [xlsx, json_path]


def _steps(progress: Progress, total: int) -> Callable[[str], None]:
    done = 0

    def step(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(label, done, total)

    return step


def _threshold() -> int:
    return int(current_app.config.get("SMALL_CELL_THRESHOLD", 10))


def write_annual_report(year: int, site_code: str | None, edition: str, out_dir: Path,
                        progress: Progress = None) -> list[Path]:
    """Write the year's activity report (xlsx) and its JSON twin; return both paths."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}")
    step = _steps(progress, 4)
    start, end = date(year, 1, 1), date(year, 12, 31)
    with force_locale("fr"):
        data = period_data(start, end, site_code)
        step(_("Chiffres de l'année"))
        data["previous"] = period_data(one_year_earlier(start), one_year_earlier(end), site_code)
        step(_("Chiffres de l'année précédente"))
        report = annual_report(data, edition, _threshold())
        workbook = render(report)
        step(_("Classeur"))
        twin = report_twin(report, data)
        name = f"affluence_annuel_{year}_{_safe(site_code or 'reseau')}_{edition}"
        paths = _write_pair(out_dir, name, workbook, twin)
        step(_("Fichiers écrits"))
    return paths


def period_label(kind: str, start: date, end: date) -> str:
    """Name a period for a file: ISO week, month, or the two dates."""
    iso = start.isocalendar()
    if kind == "hebdo" and start.weekday() == 0 and end == start + timedelta(days=6):
        return f"{iso.year}-S{iso.week:02d}"
    next_month = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    if kind == "mensuel" and start.day == 1 and end == next_month - timedelta(days=1):
        return f"{start:%Y-%m}"
    return f"{start.isoformat()}_{end.isoformat()}"


def write_period_report(kind: str, start: date, end: date, site_code: str | None, out_dir: Path,
                        compare: list[tuple[str, date, date]] = ()) -> list[Path]:
    """Write a weekly or monthly summary beside its comparison periods, and its JSON twin."""
    if kind not in PERIOD_KINDS:
        raise ValueError(f"kind must be one of {PERIOD_KINDS}")
    if end < start:
        raise ValueError("end precedes start")
    with force_locale("fr"):
        data = period_data(start, end, site_code)
        others = [(label, period_data(first, last, site_code)) for label, first, last in compare]
        report = period_report(data, kind, others)
        workbook = render(report)
        twin = report_twin(report, data)
    name = f"affluence_{kind}_{period_label(kind, start, end)}_{_safe(site_code or 'reseau')}"
    return _write_pair(out_dir, name, workbook, twin)


def write_partner_report(partner_code: str, year: int, out_dir: Path,
                         edition: str = "public") -> list[Path]:
    """Write a partner's yearly report on its counsellors' interviews, and its JSON twin."""
    # The file leaves the centre for the partner's institution: small cells are hidden
    # unless the internal edition is asked for.
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}")
    start, end = date(year, 1, 1), date(year, 12, 31)
    with force_locale("fr"):
        data = period_data(start, end, None, partner_code=partner_code)
        data["previous"] = period_data(one_year_earlier(start), one_year_earlier(end), None,
                                       partner_code=partner_code)
        report = partner_report(data, edition, _threshold())
        workbook = render(report)
        twin = report_twin(report, data)
    name = f"affluence_partenaire_{_safe(partner_code)}_{year}_{edition}"
    return _write_pair(out_dir, name, workbook, twin)


def raw_headers() -> dict[str, list[str]]:
    """Return the French column headers of the raw export's sheets."""
    profile = [header for category in PROFILE_CATEGORIES
               for label in [str(vocabulary.PROFILE_CATEGORIES[category])]
               for header in (_("%(label)s (code)", label=label), label)]
    place = [_("Date"), _("Site (code)"), _("Site"), _("Point d'accueil (code)"),
             _("Point d'accueil")]
    destination = [_("Type de destination"), _("Destination (code)"), _("Destination")]
    return {
        "arrivals": place + destination + [_("Type d'événement (code)"),
                                           _("Type d'événement"), _("Personnes")] + profile,
        "reorientations": place + [_("Pôle de départ (code)"), _("Pôle de départ")]
        + destination + [_("Personnes"), _("Issue d'un entretien")] + profile,
        "interviews": [_("Date"), _("Site (code)"), _("Site"), _("Pôle (code)"), _("Pôle"),
                       _("Partenaire (code)"), _("Partenaire"), _("Canal"), _("Durée (min)"),
                       _("Thèmes (codes)"), _("Thèmes"), _("Suites (codes)"), _("Suites")]
        + profile,
    }


class _RawTotals:
    """The raw export's totals, counted while its rows stream by."""

    def __init__(self):
        self.visitors = 0
        self.destinations: dict[str, dict] = {}
        self.flows: dict[tuple, int] = defaultdict(int)
        self.interviews = 0
        self.poles: dict[str, dict] = {}
        self.partners: dict[str, dict] = {}

    @staticmethod
    def _add(table: dict, code, label, name: str, amount: int) -> None:
        entry = table.setdefault(code or "unstated", {"label": label or code, name: 0})
        entry[name] += amount

    def add(self, kind: str, row: dict) -> None:
        """Count one row of the export."""
        if kind == "arrivals":
            self.visitors += row["persons"]
            self._add(self.destinations, row["destination"], row["destination_label"],
                      "persons", row["persons"])
        elif kind == "reorientations":
            self.flows[(row["from_pole"], row["destination"])] += row["persons"]
        else:
            self.interviews += 1
            self._add(self.poles, row["pole"], row["pole_label"], "count", 1)
            self._add(self.partners, row["partner"], row["partner_label"], "count", 1)

    def footer(self) -> dict:
        """Return the totals as the twin's closing keys."""
        return {
            "visitors": self.visitors,
            "arrivals_by_destination": self.destinations,
            "reorientations": [{"from": a, "to": b, "count": n}
                               for (a, b), n in sorted(self.flows.items(), key=str)],
            "interviews": self.interviews,
            "interviews_by_pole": self.poles,
            "interviews_by_partner": self.partners,
        }


RAW_FORMATS = ("xlsx", "csv")
RAW_PROGRESS_STEP = 2000
# A cell a spreadsheet would read as a formula when the CSV is opened (PITFALLS: openpyxl).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """Return a CSV cell that Excel and LibreOffice show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _CsvFiles:
    """One CSV file per kind of row, UTF-8 with a BOM so that Excel reads the accents."""

    def __init__(self, out_dir: Path, name: str, stack: contextlib.ExitStack):
        self.out_dir, self.name, self.stack = out_dir, name, stack
        self.paths: list[Path] = []
        self.writer = None

    def start_sheet(self, kind: str, headers: list[str]) -> None:
        path = self.out_dir / f"{self.name}_{kind}.csv"
        stream = self.stack.enter_context(_atomic(path, "w", encoding="utf-8-sig", newline=""))
        self.writer = csv.writer(stream, delimiter=";")
        self.writer.writerow(headers)
        self.paths.append(path)

    def append(self, row) -> None:
        self.writer.writerow([csv_safe(value) for value in row])


def write_raw_export(start: date, end: date, site_code: str | None, out_dir: Path,
                     fmt: str = "xlsx", progress: Progress = None) -> list[Path]:
    """Write one row per arrival, reorientation and interview (no times, no free text).

    fmt is "xlsx" (one workbook, a sheet per kind) or "csv" (a file per kind, about ten
    times faster on a large year); the JSON twin comes with either. progress, if given,
    is called as progress(label, rows_done, rows_total).
    """
    if end < start:
        raise ValueError("end precedes start")
    if fmt not in RAW_FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {RAW_FORMATS}")
    site = site_info(site_code)
    name = f"affluence_brut_{start.isoformat()}_{end.isoformat()}_{_safe(site_code or 'reseau')}"
    out_dir = Path(out_dir)
    json_path = out_dir / f"{name}.json"
    totals = _RawTotals()
    total_rows = raw_row_count(start, end, site_code) if progress else 0
    done = 0
    with force_locale("fr"), contextlib.ExitStack() as stack:
        headers = raw_headers()
        titles = {"arrivals": _("Arrivées"), "reorientations": _("Réorientations"),
                  "interviews": _("Entretiens")}
        header = {"report": "raw", "period": {"start": start.isoformat(), "end": end.isoformat()},
                  "site": site, "edition": "internal",
                  "generated_at": to_local(utcnow()).isoformat(timespec="seconds")}
        # The twin is entered first, so it lands only once every file of the export has.
        stream = stack.enter_context(_atomic(json_path, "w"))
        twin = RawTwin(stream, header)
        target = RawWorkbook() if fmt == "xlsx" else _CsvFiles(out_dir, name, stack)
        for kind, columns in RAW_COLUMNS.items():
            if fmt == "xlsx":
                target.start_sheet(titles[kind], headers[kind])
            else:
                target.start_sheet(kind, headers[kind])
            twin.start_sheet(kind, list(columns))
            for row in raw_rows(kind, start, end, site_code):
                target.append(row)
                twin.append(row)
                totals.add(kind, dict(zip(columns, row)))
                done += 1
                if progress and done % RAW_PROGRESS_STEP == 0:
                    progress(kind, done, total_rows)
        twin.close(totals.footer())
        if fmt == "xlsx":
            xlsx = out_dir / f"{name}.xlsx"
            with _atomic(xlsx, "wb") as f:
                target.save(f)
            files = [xlsx]
        else:
            files = target.paths
        if progress:
            progress("done", total_rows, total_rows)
    return [*files, json_path]


__all__ = ["PERIOD_KINDS", "build_annual_data", "period_label", "write_annual_report",
           "write_partner_report", "write_period_report", "write_raw_export", "RAW_FORMATS"]
