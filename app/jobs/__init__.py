"""Scheduled jobs: what each writes, for which period, run exactly once per period.

- :mod:`app.jobs.periods`: weeks, months, years, days as Paris dates;
- :mod:`app.jobs.bodies`: what each job writes (reports, backups);
- :mod:`app.jobs.runs`: the exactly-once claim, staging, publishing, crash recovery;
- :mod:`app.jobs.scheduler`: cron rules, the periods due (derived from them), catch-up and
  the APScheduler process.

The names below are the ones the rest of the app uses.
"""

from app.jobs.bodies import (
    BACKUP_DIR,
    Body,
    Progress,
    annual_body,
    backup_body,
    backup_database,
    monthly_body,
    partner_body,
    raw_body,
    rotate_backups,
    weekly_body,
)
from app.jobs.periods import (
    Period,
    day_period,
    month_period,
    parse_month,
    parse_week,
    same_week_last_year,
    shift_month,
    week_of,
    week_period,
    year_period,
)
from app.jobs.runs import (
    MANUAL_SUFFIX,
    RunOutcome,
    Skipped,
    claim,
    clean_staging,
    expire_stale_manual_runs,
    manual_key,
    process_gone,
    run_manual,
    run_once,
)
from app.jobs.scheduler import (
    JobSpec,
    build_scheduler,
    catch_up,
    default_specs,
    due_backups,
    due_months,
    due_weeks,
    due_years,
    fire_times,
    run_scheduler,
)
from app.timeutil import utcnow

__all__ = [
    "BACKUP_DIR", "Body", "Progress", "annual_body", "backup_body", "backup_database",
    "monthly_body", "partner_body", "raw_body", "rotate_backups", "weekly_body", "Period",
    "day_period", "month_period", "parse_month", "parse_week", "same_week_last_year",
    "shift_month", "week_of", "week_period", "year_period", "MANUAL_SUFFIX", "RunOutcome",
    "Skipped", "claim", "clean_staging", "expire_stale_manual_runs", "manual_key",
    "process_gone", "run_manual", "run_once", "JobSpec", "build_scheduler", "catch_up",
    "default_specs", "due_backups", "due_months", "due_weeks", "due_years", "fire_times",
    "run_scheduler", "utcnow",
]
