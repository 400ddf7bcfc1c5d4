"""Write the reports to files: the workbook and its JSON twin, side by side.

Each file is written under a temporary name and renamed into place, so a Reports page
never lists a half-written file.
"""

from __future__ import annotations

import contextlib
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

from app.exports.excel import RawWorkbook, render
from app.exports.reports import EDITIONS, annual_report, partner_report, period_report
from app.exports.twin import RawTwin, dump, report_twin
from app.figures.period import build_annual_data, period_data, site_info
from app.figures.raw import RAW_COLUMNS, raw_rows
from app.timeutil import one_year_earlier, to_local, utcnow

PERIOD_KINDS = ("hebdo", "mensuel")
Progress = Callable[[str, int, int], None] | None


def _safe(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", code).strip("-") or "x"


@contextlib.contextmanager
def _atomic(path: Path, mode: str) -> Iterator:
    """Open a temporary file beside path; move it into place only once fully written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, mode, **({"encoding": "utf-8"} if "b" not in mode else {})) as f:
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
    profile = [_("Situation (code)"), _("Situation"), _("Âge (code)"), _("Âge"),
               _("Genre (code)"), _("Genre"), _("Première visite (code)"), _("Première visite")]
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


def write_raw_export(start: date, end: date, site_code: str | None, out_dir: Path) -> list[Path]:
    """Write one row per arrival, reorientation and interview (no times, no free text)."""
    if end < start:
        raise ValueError("end precedes start")
    site = site_info(site_code)
    name = f"affluence_brut_{start.isoformat()}_{end.isoformat()}_{_safe(site_code or 'reseau')}"
    xlsx, json_path = Path(out_dir) / f"{name}.xlsx", Path(out_dir) / f"{name}.json"
    totals = _RawTotals()
    with force_locale("fr"):
        headers = raw_headers()
        titles = {"arrivals": _("Arrivées"), "reorientations": _("Réorientations"),
                  "interviews": _("Entretiens")}
        workbook = RawWorkbook()
        header = {"report": "raw", "period": {"start": start.isoformat(), "end": end.isoformat()},
                  "site": site, "edition": "internal",
                  "generated_at": to_local(utcnow()).isoformat(timespec="seconds")}
        with _atomic(json_path, "w") as stream:
            twin = RawTwin(stream, header)
            for kind, columns in RAW_COLUMNS.items():
                workbook.start_sheet(titles[kind], headers[kind])
                twin.start_sheet(kind, list(columns))
                for row in raw_rows(kind, start, end, site_code):
                    workbook.append(row)
                    twin.append(row)
                    totals.add(kind, dict(zip(columns, row)))
            twin.close(totals.footer())
            # Inside the twin's block: the twin lands only once the workbook has.
            with _atomic(xlsx, "wb") as f:
                workbook.save(f)
    return [xlsx, json_path]


__all__ = ["PERIOD_KINDS", "build_annual_data", "period_label", "write_annual_report",
           "write_partner_report", "write_period_report", "write_raw_export"]
