"""Backups an operator can restore: back up, change, restore, figures as they were."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import backup
from app.extensions import db
from app.models import FlowEntry, Interview, User


def figures(app) -> dict:
    """Return what the director would notice: accounts, arrivals, interviews, visitors."""
    with app.app_context():
        counts = {
            "accounts": db.session.scalar(sa.select(sa.func.count()).select_from(User)),
            "entries": db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry)),
            "interviews": db.session.scalar(sa.select(sa.func.count()).select_from(Interview)),
            "visitors": db.session.scalar(sa.select(sa.func.coalesce(
                sa.func.sum(FlowEntry.party_size), 0))),
            "usernames": sorted(db.session.scalars(sa.select(User.username))),
        }
        db.session.remove()
        return counts


def _can_back_up(app) -> bool:
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return True
    return shutil.which("pg_dump") is not None or any(
        backup.DEBIAN_CLIENTS.glob("*/bin/pg_dump"))


def test_restore_puts_back_the_figures_of_the_backup(app, runner, make_user, tmp_path):
    if not _can_back_up(app):
        pytest.skip("no pg_dump on this host")
    from app.demo import generate_year

    make_user("director", username="directrice")
    with app.app_context():
        generate_year(2025, "marseille", seed=5, scale=0.02)
        db.session.remove()
    before = figures(app)
    assert before["entries"] > 0 and before["interviews"] > 0

    made = runner.invoke(args=["backup", "create", "--dir", str(tmp_path)])
    assert made.exit_code == 0, made.output
    path = Path(made.output.strip().splitlines()[-1])
    assert path.parent == tmp_path and path.stat().st_size > 0

    # Life goes on: an account is added, a day of arrivals is lost.
    make_user("agent", username="nouvel-agent")
    with app.app_context():
        db.session.execute(sa.delete(FlowEntry).where(
            FlowEntry.id.in_(sa.select(FlowEntry.id).limit(50).scalar_subquery())))
        db.session.commit()
        db.session.remove()
    changed = figures(app)
    assert changed != before

    restored = runner.invoke(args=["backup", "restore", str(path), "--yes"])

    assert restored.exit_code == 0, restored.output
    assert "Current database saved first to" in restored.output
    assert figures(app) == before
    assert f"{before['entries']} entries" in restored.output


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, make_user, tmp_path):
    make_user("director", username="reste-la")
    before = figures(app)
    with app.app_context():
        engine = db.engine.url.get_backend_name()
    bogus = tmp_path / ("notes.sqlite3" if engine == "sqlite" else "notes.pgdump")
    bogus.write_text("pas une sauvegarde\n")

    result = runner.invoke(args=["backup", "restore", str(bogus), "--yes",
                                 "--no-safety-copy"])

    assert result.exit_code != 0
    assert "not a" in result.output
    assert figures(app) == before


def test_a_backup_of_postgresql_without_any_client_says_what_to_install(tmp_path):
    url = sa.make_url("postgresql+psycopg://someone@db.invalid/affluence")
    with pytest.raises(backup.BackupUnavailable, match="postgresql-client"):
        backup.create_backup(url, tmp_path, "2025-03-11", which=lambda name: None,
                             clients_dir=tmp_path / "none")


def test_the_client_matching_the_server_is_preferred(tmp_path):
    matching = tmp_path / "16" / "bin" / "pg_dump"
    matching.parent.mkdir(parents=True)
    matching.write_text("#!/bin/sh\n")
    matching.chmod(0o755)
    assert backup.pg_client("pg_dump", 16, which=lambda name: "/usr/bin/pg_dump",
                            clients_dir=tmp_path) == str(matching)


def test_an_older_client_than_the_server_is_refused_clearly(tmp_path):
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.4'\n")
    old.chmod(0o755)
    with pytest.raises(backup.BackupUnavailable, match="older than the server"):
        backup.pg_client("pg_dump", 16, which=lambda name: str(old), clients_dir=tmp_path)
