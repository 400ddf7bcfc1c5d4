"""Commands: compile reports by hand, generate demo data, run the scheduler."""

from __future__ import annotations

import logging
import sys
import click
from flask import current_app
from flask.cli import AppGroup

from app import jobs
from app.reporting import services
from app.timeutil import local_today

report_cli = AppGroup("report", help="Compile activity reports by hand.")
demo_cli = AppGroup("demo", help="Generate realistic demo data.")
scheduler_cli = AppGroup("scheduler", help="Run the report scheduler (one process).")


class _ProgressBar:
    """Adapt a progress(label, done, total) callback to a click bar made on first call."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.done = 0

    def __call__(self, *args) -> None:
        *_label, done, total = args
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
        if done < self.done:  # a new pass (the next edition) starts again from zero
            self.close()
            self(*args)
            return
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
            self.done = 0


def _report(outcome: jobs.RunOutcome) -> None:
    """Print the paths written, or fail the command with the run's error."""
    root = current_app.config["REPORTS_DIR"]
    if outcome.status == "success":
        for name in outcome.files:
            click.echo(f"{root}/{name}" if not name.startswith("/") else name)
        click.echo(f"Run #{outcome.run_id} ({outcome.job} {outcome.period_key}): "
                   f"{len(outcome.files)} file(s).", err=True)
    elif outcome.status == "skipped":
        click.echo(f"Run #{outcome.run_id}: {outcome.error}")
    else:
        raise click.ClickException(f"run #{outcome.run_id} {outcome.status}: {outcome.error}")


def _check_site(code: str | None) -> None:
    if not services.site_exists(code):
        raise click.BadParameter(f"unknown site code {code!r}", param_hint="--site")


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise click.BadParameter("between 2000 and 2100", param_hint="--year")


@report_cli.command("annual")
@click.option("--year", type=int, required=True, help="Calendar year, e.g. 2025.")
@click.option("--site", "site_code", help="Site code; all sites when omitted.")
@click.option("--edition", type=click.Choice(["internal", "public"]),
              help="One edition; both when omitted.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf", "html"]), default="xlsx",
              show_default=True,
              help="xlsx: workbook and JSON twin; pdf: the bilan as a PDF; html: the bilan's "
                   "static folder (index.html, assets, PDF) and its zip.")
def annual_command(year, site_code, edition, fmt):
    """Compile the annual activity report and print the paths written."""
    _check_site(site_code)
    _check_year(year)
    editions = [edition] if edition else ["internal", "public"]
    bar = _ProgressBar(f"Bilan {year}")
    try:
        outcome = services.run_annual(year, site_code, editions, progress=bar, formats=(fmt,))
    finally:
        bar.close()
    _report(outcome)


@report_cli.command("weekly")
@click.option("--week", help="ISO week, e.g. 2025-W10; the last complete week when omitted.")
def weekly_command(week):
    """Compile the weekly summary (beside the week before and the same week last year)."""
    try:
        period = jobs.parse_week(week) if week else jobs.due_weeks(jobs.utcnow(), 1)[-1]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    _report(services.run_period("weekly", period))


@report_cli.command("monthly")
@click.option("--month", help="Month, e.g. 2025-03; the last complete month when omitted.")
def monthly_command(month):
    """Compile the monthly report (beside the month before and the same month last year)."""
    try:
        period = jobs.parse_month(month) if month else jobs.due_months(jobs.utcnow(), 1)[-1]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    _report(services.run_period("monthly", period))


@report_cli.command("raw")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--site", "site_code", help="Site code; all sites when omitted.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx",
              show_default=True, help="csv: a file per kind, UTF-8 with BOM, much faster.")
def raw_command(start, end, site_code, fmt):
    """Write the raw export (one row per arrival, reorientation, interview)."""
    start, end = start.date(), end.date()
    if end < start:
        raise click.BadParameter("before --start", param_hint="--end")
    _check_site(site_code)
    bar = _ProgressBar("Export")
    try:
        outcome = services.run_raw(start, end, site_code, fmt, bar)
    finally:
        bar.close()
    _report(outcome)


@report_cli.command("partner")
@click.option("--partner", "partner_code", required=True, help="Partner code, e.g. cidff.")
@click.option("--year", type=int, required=True)
def partner_command(partner_code, year):
    """Write a partner's own activity report for a year."""
    if not services.partner_exists(partner_code):
        raise click.BadParameter(f"unknown partner code {partner_code!r} (or it seconds no "
                                 "counsellor)", param_hint="--partner")
    _check_year(year)
    _report(services.run_partner(partner_code, year))


@report_cli.command("backup")
def backup_command():
    """Back the database up now (into REPORTS_DIR/backups, with rotation)."""
    _report(services.run_backup())


@demo_cli.command("generate")
@click.option("--year", type=int, default=lambda: local_today().year - 1, show_default="last year")
@click.option("--profile", type=click.Choice(["marseille", "villette"]),
              default="marseille", show_default=True)
@click.option("--seed", type=int, help="Random seed; the year when omitted (same data again).")
@click.option("--site", "site_code", help="Site code; the main site when omitted.")
@click.option("--replace", is_flag=True, help="Delete the site's data for that year first.")
@click.option("--history", "history_out", is_flag=False, flag_value="historique_2005-2015.xlsx",
              default=None, help="Instead, write the history template filled for 2005-2015 "
              "(to this path; historique_2005-2015.xlsx when no path is given).")
def demo_generate(year, profile, seed, site_code, replace, history_out):
    """Write a realistic year of arrivals, reorientations and interviews."""
    from app.demo import DemoError, generate_year, write_history_template

    if history_out:
        return click.echo(f"{history_out}: {write_history_template(history_out)}")

    _check_year(year)
    try:
        summary = generate_year(year, profile, seed=seed, site_code=site_code, replace=replace)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from None
    if summary.replaced:
        click.echo(f"Deleted {summary.replaced:,} earlier rows of {summary.site} in {year}.")
    click.echo(
        f"{summary.site} {year} ({profile}, {summary.opening_days} opening days): "
        f"{summary.arrivals:,} arrivals for {summary.visitors:,} visitors, "
        f"{summary.reorientations:,} reorientations, {summary.interviews:,} interviews, "
        f"{summary.events:,} events written in {summary.seconds:.1f} s."
    )


@scheduler_cli.command("run")
def scheduler_run():
    """Run the scheduler in the foreground (one process per deployment; catches up first)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    jobs.run_scheduler(current_app._get_current_object(), echo=click.echo)


@scheduler_cli.command("catch-up")
@click.option("--retry-failed", is_flag=True, help="Also run again the periods that failed.")
def scheduler_catch_up(retry_failed):
    """Run the due periods that have no run yet, then exit (for cron-driven deployments)."""
    outcomes = jobs.catch_up(retry_failed=retry_failed)
    for outcome in outcomes:
        click.echo(f"{outcome.job} {outcome.period_key}: {outcome.status} "
                   f"{' '.join(outcome.files)}{outcome.error}")
    if not outcomes:
        click.echo("Nothing due.")
