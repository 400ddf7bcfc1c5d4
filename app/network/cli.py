"""`flask sites`: what the site calendar screens do, for scripts (issue 10)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from app.network import services
from app.network.services import NetworkRefused

sites_cli = AppGroup("sites", help="Set a site's opening hours, closures and services.")


def _site(code: str):
    site = services.site_by_code(code)
    if site is None:
        raise click.BadParameter(f"unknown site code {code!r}", param_hint="CODE")
    return site


def _refused(error: NetworkRefused, hints: dict[str, str]) -> click.BadParameter:
    return click.BadParameter(error.reason, param_hint=hints.get(error.field, error.field))


@sites_cli.command("hours")
@click.argument("code")
@click.option("--weekday", required=True, help="mon, tue, wed, thu, fri, sat or sun.")
@click.option("--ranges", "ranges", multiple=True,
              help="Opening range HH:MM-HH:MM; repeat for several. None: closed that day.")
@click.option("--counselling/--no-counselling", default=None,
              help="Whether counsellors hold interviews that day.")
def hours(code, weekday, ranges, counselling):
    """Set a site's opening ranges for one weekday."""
    site = _site(code)
    hints = {"weekday": "--weekday", "ranges": "--ranges", "interview_days": "--counselling"}
    try:
        index = services.weekday_index(weekday)
        parsed = services.parse_ranges(ranges)
        services.set_day(None, site, index, parsed)
        if counselling is not None:
            week = {day["weekday"]: [list(r) for r in day["ranges"]]
                    for day in services.weekly_hours(site)}
            days = {int(d) for d in (site.interview_days or ())}
            days = days | {index} if counselling else days - {index}
            services.set_week(None, site, week, days)
    except NetworkRefused as error:
        raise _refused(error, hints) from None
    shown = services.ranges_text(parsed) or "closed"
    click.echo(f"{site.code} {services.WEEKDAYS[index]}: {shown}")


@sites_cli.command("close")
@click.argument("code")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--reason", required=True, help="Why the site closes (shown in the reports).")
def close(code, start, end, reason):
    """Close a site from one date to another (inclusive), with the reason."""
    site = _site(code)
    try:
        closure = services.add_closure(None, site, start.date(), end.date(), reason)
    except NetworkRefused as error:
        raise _refused(error, {"start": "--from", "end": "--to", "reason": "--reason"}) from None
    days = (closure.end_date - closure.start_date).days + 1
    click.echo(f"{site.code} closed {closure.start_date}..{closure.end_date} "
               f"({days} day{'s' if days > 1 else ''}): {closure.reason}")


@sites_cli.command("reopen")
@click.argument("code")
@click.option("--on", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="A day of the closure to remove.")
def reopen(code, day):
    """Remove the closure that covers a day."""
    site = _site(code)
    closure = next((c for c in site.closures if c.covers(day.date())), None)
    if closure is None:
        raise click.BadParameter(f"no closure covers {day.date()}", param_hint="--on")
    services.remove_closure(None, site, closure.id)
    click.echo(f"{site.code} reopened {closure.start_date}..{closure.end_date}")


@sites_cli.command("services")
@click.argument("code")
@click.option("--offer", required=True,
              help="Comma-separated pole codes and destinations (documentation, cyber, event, "
                   "desk, partner), or 'all'.")
def offer(code, offer):
    """Set the poles and destinations a site offers."""
    site = _site(code)
    codes = None if offer.strip().lower() == "all" else offer.split(",")
    try:
        result = services.set_services(None, site, codes)
    except NetworkRefused as error:
        raise _refused(error, {"offer": "--offer"}) from None
    click.echo(f"{site.code} offers " + ("everything" if result.everything
                                         else ", ".join(result.codes())))


@sites_cli.command("show")
@click.argument("code")
def show(code):
    """Print a site's week, closures and services."""
    site = _site(code)
    for day in services.weekly_hours(site):
        text = services.ranges_text(day["ranges"]) or "closed"
        click.echo(f"{day['key']}: {text}{'  (counselling)' if day['counselling'] else ''}")
    for closure in site.closures:
        if closure.end_date >= date.today().replace(month=1, day=1):
            click.echo(f"closed {closure.start_date}..{closure.end_date}: {closure.reason}")
    result = services.offer_of(site.id)
    click.echo("offers " + ("everything" if result.everything else ", ".join(result.codes())))
