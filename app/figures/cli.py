"""Commands: rebuild and check the rollups, apply retention."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from app.figures import maintenance

stats_cli = AppGroup("stats", help="Look after the daily rollups the figures are read from.")
retention_cli = AppGroup("retention", help="Remove old raw rows; their figures stay.")


def _day(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected a date YYYY-MM-DD") from None


@stats_cli.command("rebuild")
@click.option("--from", "start", callback=_day, help="First day to rebuild (YYYY-MM-DD).")
@click.option("--to", "end", callback=_day, help="Last day to rebuild (YYYY-MM-DD).")
def rebuild_command(start, end):
    """Recompute the rollups from raw rows."""
    written = maintenance.rebuild(start, end)
    for table, rows in written.items():
        click.echo(f"{table}: {rows} rows")


@stats_cli.command("check")
@click.option("--from", "start", callback=_day, help="First day to check (YYYY-MM-DD).")
@click.option("--to", "end", callback=_day, help="Last day to check (YYYY-MM-DD).")
def check_command(start, end):
    """Compare the rollups with a recount of raw rows; exit 1 on any drift."""
    drifts = maintenance.check(start, end)
    for drift in drifts[:50]:
        click.echo(f"{drift.table} {drift.key}: stored {drift.stored}, "
                   f"recounted {drift.recounted}")
    if len(drifts) > 50:
        click.echo(f"... and {len(drifts) - 50} more")
    click.echo(f"drift: {len(drifts)} rows")
    if drifts:
        raise SystemExit(1)


@retention_cli.command("apply")
@click.option("--older-than", "years", type=click.IntRange(min=1), required=True,
              help="Remove raw rows older than this many years.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed, remove nothing.")
def retention_command(years, dry_run):
    """Remove raw rows older than N years; the reports' figures for those years stay."""
    summary = maintenance.apply_retention(years, dry_run=dry_run, run_by="cli")
    verb = "would remove" if summary.dry_run else "removed"
    click.echo(f"{verb} {summary.flow_entries} flow entries and {summary.interviews} "
               f"interviews dated before {summary.before.isoformat()}")
