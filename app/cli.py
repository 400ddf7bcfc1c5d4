"""Flask commands: seed the reference data, manage accounts."""

from __future__ import annotations

import os
import secrets

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.access import NETWORK_ROLES
from app.extensions import db
from app.models import ROLES, Partner, Pole, Site, User
from app.models.users import LoginThrottle
from app.seed import seed_reference
from app.security import hash_password

users_cli = AppGroup("users", help="Manage staff accounts.")


def begin_write() -> None:
    """Start the session's next transaction holding the write lock (SQLite BEGIN IMMEDIATE).

    Commands run beside the scheduler. A deferred transaction that reads, then writes, fails
    at once with "database is locked" when another process committed in between (busy_timeout
    does not help there: PITFALLS); an immediate one waits its turn. Hash before calling this.
    """
    db.session.rollback()
    db.session.connection(execution_options={"sqlite_immediate": True})


def _main_site() -> Site:
    """Return the network's main site (the home site of a network-wide account)."""
    site = db.session.scalar(sa.select(Site).where(Site.parent_id.is_(None))
                             .order_by(Site.active.desc(), Site.position, Site.id))
    if site is None:
        raise click.ClickException("no site: run `flask seed` first")
    return site


def _by_code(model, code: str | None, what: str):
    if code is None:
        return None
    row = db.session.scalar(sa.select(model).where(model.code == code))
    if row is None:
        raise click.BadParameter(f"unknown {what} code {code!r}")
    return row


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--site", "site_code", help="Site code, e.g. marseille (a site director's site; "
              "default for network roles: the main site).")
@click.option("--also-site", "other_codes", multiple=True,
              help="Another site the account serves (rotating counsellors); repeat.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--pole", "pole_code", help="Counsellor's pole code.")
@click.option("--partner", "partner_code", help="Counsellor's partner institution code.")
@click.option("--name", "display_name", default="", help="Name shown in the staff UI.")
def create_user(username, role, site_code, other_codes, password, pole_code, partner_code,
                display_name):
    """Create a staff account."""
    if site_code is None and role not in NETWORK_ROLES:
        raise click.BadParameter(f"a {role} works at a site: give its code", param_hint="--site")
    if len(password) < 10:
        raise click.BadParameter("at least 10 characters", param_hint="--password")
    password_hash = hash_password(password)
    begin_write()
    if db.session.scalar(sa.select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} already exists")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=password_hash,
        # The operator chose it: the person chooses their own at first login.
        must_change_password=True,
        role=role,
        site=_by_code(Site, site_code, "site") if site_code else _main_site(),
        other_sites=[_by_code(Site, code, "site") for code in other_codes],
        pole=_by_code(Pole, pole_code, "pole"),
        partner=_by_code(Partner, partner_code, "partner"),
    )
    db.session.add(user)
    db.session.commit()
    where = "every site" if role in NETWORK_ROLES else ", ".join(
        [user.site.code, *(site.code for site in user.other_sites)])
    click.echo(f"Created {role} {username!r} for {where}.")


@users_cli.command("ensure-admin")
@click.option("--username", default="admin")
@click.option("--site", "site_code", default="marseille")
def ensure_admin(username, site_code):
    """Create the first admin if there is none (password from AFFLUENCE_ADMIN_PASSWORD)."""
    if db.session.scalar(sa.select(User).where(User.role == "admin")):
        click.echo("An admin account exists already.")
        return
    password = os.environ.get("AFFLUENCE_ADMIN_PASSWORD")
    generated = not password
    password = password or secrets.token_urlsafe(12)
    password_hash = hash_password(password)
    begin_write()
    db.session.add(User(username=username, display_name="Administrateur",
                        password_hash=password_hash, role="admin",
                        must_change_password=generated,
                        site=_by_code(Site, site_code, "site")))
    db.session.commit()
    if generated:
        click.echo("=" * 60)
        click.echo(f"First admin account: {username}")
        click.echo(f"Password (shown once, write it down): {password}")
        click.echo("=" * 60)
    else:
        click.echo(f"First admin account {username!r} created with AFFLUENCE_ADMIN_PASSWORD.")


@users_cli.command("reset-password")
@click.argument("username")
def reset_password(username):
    """Give an account a new generated password (printed once), to change at next login.

    For the administrator who lost theirs: also forgets its login failures and closes its
    sessions.
    """
    password = secrets.token_urlsafe(12)
    password_hash = hash_password(password)
    begin_write()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no account named {username!r}")
    user.password_hash = password_hash
    user.must_change_password = True
    user.session_version += 1
    db.session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.username == LoginThrottle.key_for(username)))
    db.session.commit()
    click.echo(f"New password for {username} (shown once, to be changed at the next login): "
               f"{password}")


@users_cli.command("unlock")
@click.argument("username")
def unlock(username):
    """Forget an account's recent login failures, from every source."""
    begin_write()
    removed = db.session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.username == LoginThrottle.key_for(username))).rowcount
    db.session.commit()
    click.echo(f"{username}: {removed} throttled source(s) cleared.")


@users_cli.command("list")
def list_users():
    """List the accounts."""
    for user in db.session.scalars(sa.select(User).order_by(User.username)):
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.username:20} {user.role:11} {user.site.code}{state}")


@click.command("seed")
@with_appcontext
def seed_command():
    """Seed or refresh the reference data (idempotent, keeps administrators' edits)."""
    seed_reference()
    click.echo("Reference data is up to date.")


def register(app: Flask) -> None:
    """Attach every command group to the app."""
    from app.backup import backup_cli
    from app.figures.cli import retention_cli, stats_cli
    from app.network.cli import sites_cli
    from app.reporting.cli import demo_cli, report_cli, scheduler_cli
    from app.history.cli import history_cli

    for command in (users_cli, seed_command, report_cli, demo_cli, scheduler_cli, backup_cli,
                    stats_cli, retention_cli, history_cli, sites_cli):
        app.cli.add_command(command)
