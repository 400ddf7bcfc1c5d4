"""Reports: the files in REPORTS_DIR, the runs that wrote them, and compiling by hand."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app import jobs
from app.access import site_ids_of, spans_network
from app.figures.maintenance import retention_runs  # noqa: F401  (the Reports page lists them)
from app.extensions import db
from app.models import FlowEntry, Interview, JobRun, Partner, Site
from app.timeutil import local_today

JOB_KINDS = ("weekly", "monthly", "annual", "backup", "raw", "partner")
MAX_RAW_DAYS = 366
# Extensions the report writers produce; anything else in REPORTS_DIR is not offered.
REPORT_SUFFIXES = (".xlsx", ".json", ".csv", ".zip", ".pdf")


@dataclass(frozen=True)
class ReportFile:
    """A file of REPORTS_DIR offered for download, with the run that wrote it if known."""

    name: str
    size: int
    modified: datetime
    job: str | None
    period: str | None
    manual: bool


@dataclass(frozen=True)
class RunRow:
    """A JobRun as the Reports page shows it."""

    id: int
    job: str
    period: str
    manual: bool
    status: str
    started_at: datetime
    finished_at: datetime | None
    error: str
    files: list[str]

    @property
    def seconds(self) -> float | None:
        """Return how long the run took, if it finished."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def split_job(job: str, period_key: str) -> tuple[str, str, bool]:
    """Return (job kind, period as shown, manual?) from a JobRun's job and period_key."""
    manual = job.endswith(jobs.MANUAL_SUFFIX)
    kind = job.removesuffix(jobs.MANUAL_SUFFIX)
    period = period_key.rsplit("#", 1)[0] if manual else period_key
    return kind, period, manual


def reports_dir() -> Path:
    """Return REPORTS_DIR, created if missing."""
    path = Path(current_app.config["REPORTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _writers_of_files() -> dict[str, JobRun]:
    """Map each file name to the latest successful run that wrote it."""
    runs = db.session.scalars(sa.select(JobRun).where(JobRun.status == "success")
                              .order_by(JobRun.finished_at.desc(), JobRun.id.desc()))
    writers: dict[str, JobRun] = {}
    for run in runs:
        for name in run.files or []:
            writers.setdefault(name, run)
    return writers


def list_report_files() -> list[ReportFile]:
    """List the downloadable report files, newest first (backups and partial files excluded)."""
    root = reports_dir()
    writers = _writers_of_files()
    files = []
    with os.scandir(root) as entries:
        for entry in entries:
            # Dot names are runs still writing (staging) or partial files.
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            if not entry.name.lower().endswith(REPORT_SUFFIXES):
                continue
            stat = entry.stat(follow_symlinks=False)
            run = writers.get(entry.name)
            kind, period, manual = split_job(run.job, run.period_key) if run else (None, None, False)
            files.append(ReportFile(entry.name, stat.st_size,
                                    datetime.fromtimestamp(stat.st_mtime, timezone.utc),
                                    kind, period, manual))
    files.sort(key=lambda f: (f.modified, f.name), reverse=True)
    return files


def find_report_file(name: str) -> ReportFile | None:
    """Return the listed file of that exact name, or None (never a path outside the list)."""
    return next((f for f in list_report_files() if f.name == name), None)


@dataclass(frozen=True)
class Report:
    """One report as the director sees it: a workbook and its JSON twin, written together."""

    stem: str
    job: str | None
    period: str | None
    manual: bool
    modified: datetime
    files: list[ReportFile]


def list_reports(limit: int = 60, user=None) -> tuple[list[Report], int]:
    """Group the report files by name without extension, newest first; return (shown, hidden)."""
    groups: dict[str, list[ReportFile]] = {}
    for file in list_report_files():
        if user is not None and not file_visible_to(user, file.name):
            continue
        groups.setdefault(Path(file.name).stem, []).append(file)
    reports = []
    for stem, files in groups.items():
        files.sort(key=lambda f: REPORT_SUFFIXES.index(Path(f.name).suffix.lower()))
        known = next((f for f in files if f.job), files[0])
        reports.append(Report(stem, known.job, known.period, known.manual,
                              max(f.modified for f in files), files))
    reports.sort(key=lambda r: (r.modified, r.stem), reverse=True)
    return reports[:limit], max(0, len(reports) - limit)


@dataclass(frozen=True)
class BackupSummary:
    """How many backups are kept and which is the latest."""

    count: int
    latest_name: str | None
    latest_at: datetime | None
    latest_size: int


def backups_summary() -> BackupSummary:
    """Describe the backups kept in REPORTS_DIR/backups (not downloadable from the web)."""
    folder = reports_dir() / jobs.BACKUP_DIR
    backups = sorted((p for p in folder.glob("affluence-*") if p.is_file()),
                     key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    if not backups:
        return BackupSummary(0, None, None, 0)
    latest = backups[-1]
    stat = latest.stat()
    return BackupSummary(len(backups), latest.name,
                         datetime.fromtimestamp(stat.st_mtime, timezone.utc), stat.st_size)


def recent_runs(limit: int = 30) -> list[RunRow]:
    """Return the latest runs, newest first."""
    runs = db.session.scalars(sa.select(JobRun).order_by(JobRun.started_at.desc(),
                                                         JobRun.id.desc()).limit(limit))
    rows = []
    for run in runs:
        kind, period, manual = split_job(run.job, run.period_key)
        rows.append(RunRow(run.id, kind, period, manual, run.status, run.started_at,
                           run.finished_at, run.error or "", list(run.files or [])))
    return rows


# ---------------------------------------------------------------------------- choices


def year_choices() -> list[int]:
    """Return the years that hold data, and the current one, newest first."""
    this_year = local_today().year
    years = {this_year, this_year - 1}
    for model in (FlowEntry, Interview):
        first, last = db.session.execute(
            sa.select(sa.func.min(model.local_date), sa.func.max(model.local_date))).one()
        if first and last:
            years.update(range(first.year, last.year + 1))
    return sorted(years, reverse=True)


def site_choices(user=None) -> list[tuple[str, str]]:
    """Return (code, label) of the sites (those user sees, if given), main site first."""
    ids = site_ids_of(user) if user is not None else None
    query = sa.select(Site).order_by(Site.parent_id.is_not(None), Site.position)
    if ids is not None:
        query = query.where(Site.id.in_(ids))
    return [(s.code, s.label) for s in db.session.scalars(query)]


def file_visible_to(user, name: str) -> bool:
    """Tell whether the account may see a report file: network files need the network."""
    if spans_network(user):
        return True
    # Files are named affluence_<kind>_<period>_<site code or "reseau">[_<edition>].
    codes = {code for code, _label in site_choices(user)}
    return bool(codes & set(Path(name).stem.split("_")))


def partner_choices() -> list[tuple[str, str]]:
    """Return (code, label) of the partners that second counsellors."""
    return [(p.code, p.label) for p in db.session.scalars(
        sa.select(Partner).where(Partner.seconds_counsellors).order_by(Partner.position))]


def site_exists(code: str | None) -> bool:
    """Tell whether code names a site (None, meaning every site, is fine)."""
    return code is None or code in dict(site_choices())


def partner_exists(code: str) -> bool:
    """Tell whether code names a partner that seconds counsellors."""
    return code in dict(partner_choices())


# ---------------------------------------------------------------------------- runs by hand


def run_annual(year: int, site_code: str | None, editions: list[str],
               progress: jobs.Progress | None = None,
               formats: tuple[str, ...] = ("xlsx",)) -> jobs.RunOutcome:
    """Compile the annual report now (workbook, PDF or static folder), as a manual run."""
    period = jobs.year_period(year)
    label = "/".join([str(year), site_code or "reseau"] + (editions if len(editions) == 1 else [])
                     + [fmt for fmt in formats if fmt != "xlsx"])
    # The workbook is the body's default: asked for alone, it is not named.
    options = {} if tuple(formats) == ("xlsx",) else {"formats": tuple(formats)}
    return jobs.run_manual("annual", label, lambda out: jobs.annual_body(
        period, out, progress=progress, site_code=site_code, editions=editions, **options))


def run_period(job: str, period: jobs.Period) -> jobs.RunOutcome:
    """Compile the weekly or monthly report of period now, as a manual run."""
    body = jobs.default_specs()[job].body
    return jobs.run_manual(job, period.key, lambda out: body(period, out))


def run_raw(start: date, end: date, site_code: str | None, fmt: str = "xlsx",
            progress=None) -> jobs.RunOutcome:
    """Write the raw export of start..end now (xlsx or csv), as a manual run."""
    label = f"{start.isoformat()}..{end.isoformat()}"
    if site_code:
        label += f"/{site_code}"
    if fmt != "xlsx":
        label += f"/{fmt}"
    return jobs.run_manual("raw", label, lambda out: jobs.raw_body(start, end, site_code, out,
                                                                   fmt, progress))


def run_partner(partner_code: str, year: int) -> jobs.RunOutcome:
    """Write a partner's activity report for year now, as a manual run."""
    return jobs.run_manual("partner", f"{year}/{partner_code}",
                           lambda out: jobs.partner_body(partner_code, year, out))


def run_backup() -> jobs.RunOutcome:
    """Back the database up now, as a manual run."""
    day = jobs.day_period(local_today())
    return jobs.run_manual("backup", day.key, lambda out: jobs.backup_body(day, out))


def run_detached(task: Callable[[], jobs.RunOutcome], wait_seconds: float) -> jobs.RunOutcome | None:
    """Run task in its own thread and app context; return its outcome if done within wait."""
    # The thread has no request context, so its reads open plain BEGIN transactions: inside
    # a POST request they would be BEGIN IMMEDIATE and hold SQLite's write lock for the whole
    # compile, stalling the reception tablets.
    app = current_app._get_current_object()
    result: dict[str, jobs.RunOutcome] = {}
    # End the request's own transaction first: in a POST it holds SQLite's write lock,
    # which the run needs to claim its row.
    db.session.rollback()

    def target():
        with app.app_context():
            try:
                result["outcome"] = task()
            finally:
                db.session.remove()

    thread = threading.Thread(target=target, name="manual-report", daemon=False)
    thread.start()
    thread.join(wait_seconds)
    return result.get("outcome")

