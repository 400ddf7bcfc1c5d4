"""Job bodies: what each job writes for a period, into the staging folder it is given."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app import backup
from app.extensions import db
from app.jobs.periods import Period, same_week_last_year, shift_month, week_of
from app.jobs.runs import Skipped

# progress(label, steps done, steps in all), as app.exports.service calls it.
Progress = Callable[[str, int, int], None]
# A job body writes its files into out_dir and returns their paths.
Body = Callable[..., list[Path]]

BACKUP_DIR = "backups"


def _site_code() -> str | None:
    # None: the whole network (main site and associated centres).
    return current_app.config.get("REPORT_SITE_CODE")


def _as_list(written) -> list[Path]:
    # A writer may return one path or several.
    return [written] if isinstance(written, (str, Path)) else list(written)


def weekly_body(period: Period, out_dir: Path, progress: Progress | None = None) -> list[Path]:
    """Write the weekly summary, beside the week before and the same week last year."""
    from app.exports.service import write_period_report

    before = week_of(period.start - timedelta(days=7))
    last_year = same_week_last_year(period)
    return _as_list(write_period_report(
        "hebdo", period.start, period.end, _site_code(), out_dir,
        compare=[(f"Semaine précédente ({before.key})", before.start, before.end),
                 (f"Même semaine l'an dernier ({last_year.key})", last_year.start, last_year.end)],
    ))


def monthly_body(period: Period, out_dir: Path, progress: Progress | None = None) -> list[Path]:
    """Write the monthly report, beside the month before and the same month last year."""
    from app.exports.service import write_period_report

    before = shift_month(period, -1)
    last_year = shift_month(period, -12)
    return _as_list(write_period_report(
        "mensuel", period.start, period.end, _site_code(), out_dir,
        compare=[(f"Mois précédent ({before.key})", before.start, before.end),
                 (f"Même mois l'an dernier ({last_year.key})", last_year.start, last_year.end)],
    ))


def annual_body(period: Period, out_dir: Path, progress: Progress | None = None,
                site_code: str | None = None, editions: Iterable[str] = ("internal", "public"),
                formats: Iterable[str] = ("xlsx",)) -> list[Path]:
    """Write the annual activity report of the year, in each edition and format.

    xlsx: the workbook and its JSON twin; pdf: the bilan's PDF; html: the bilan's static
    folder (index.html, assets, PDF) and a zip of it.
    """
    from app.bilan import services as bilan
    from app.exports.service import write_annual_report

    site_code = site_code or _site_code()
    written: list[Path] = []
    for edition in editions:
        if "xlsx" in formats:
            written += _as_list(write_annual_report(period.start.year, site_code,
                                                    edition, out_dir, progress=progress))
        if "pdf" in formats:
            written.append(bilan.write_pdf(period.start.year, site_code, edition, out_dir))
        if "html" in formats:
            written += bilan.write_static(period.start.year, site_code, edition, out_dir)
    return written


def raw_body(start: date, end: date, site_code: str | None, out_dir: Path,
             fmt: str = "xlsx", progress=None) -> list[Path]:
    """Write the raw export (one row per arrival, reorientation, interview) of start..end."""
    from app.exports.service import write_raw_export

    return _as_list(write_raw_export(start, end, site_code, out_dir, fmt, progress))


def partner_body(partner_code: str, year: int, out_dir: Path) -> list[Path]:
    """Write a partner's own activity report for year."""
    from app.exports.service import write_partner_report

    return _as_list(write_partner_report(partner_code, year, out_dir))


def backup_body(period: Period, out_dir: Path, progress: Progress | None = None,
                which: Callable[[str], str | None] = shutil.which) -> list[Path]:
    """Back the database up into REPORTS_DIR/backups, keeping the latest BACKUP_KEEP copies."""
    target_dir = Path(current_app.config["REPORTS_DIR"]) / BACKUP_DIR
    written = backup_database(db.engine.url, target_dir, period.key, which=which)
    backup.rotate_backups(target_dir, int(current_app.config.get("BACKUP_KEEP", 14)))
    return [written]


def backup_database(url: sa.URL, target_dir: Path, stamp: str,
                    which: Callable[[str], str | None] = shutil.which) -> Path:
    """Write a consistent copy of the database named after stamp; raise Skipped if impossible."""
    try:
        return backup.create_backup(url, target_dir, stamp, which=which)
    except backup.BackupUnavailable as unavailable:
        raise Skipped(f"skipped: {unavailable}") from None


rotate_backups = backup.rotate_backups
