"""Back the database up and restore it: SQLite's online backup, pg_dump/pg_restore.

SQLite: ``VACUUM INTO`` writes a consistent, compact copy from one read transaction, so
writers go on meanwhile (never copy the file: PITFALLS). After it, a PASSIVE checkpoint
only: TRUNCATE and RESTART wait for every reader and block new writers while they wait,
which is how the first backup after ``make run`` made ``flask users create`` fail with
"database is locked" (the command's own read snapshot was one of the readers waited for,
while it waited for the checkpoint's write lock: a deadlock broken only by busy_timeout).

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --single-transaction``,
with the client of the server's major version when Debian installed several
(``/usr/lib/postgresql/<major>/bin``): an older pg_dump refuses a newer server.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

Which = Callable[[str], str | None]
DEBIAN_CLIENTS = Path("/usr/lib/postgresql")


class BackupUnavailable(Exception):
    """This host cannot back this database up or restore it; the message says what to do."""


class RestoreRefused(Exception):
    """The file is not a backup this database can take back; the message says why."""


# ---------------------------------------------------------------- SQLite


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupUnavailable("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def backup_sqlite(url: sa.URL, final: Path) -> Path:
    """Write a consistent copy of the SQLite database to final (atomically)."""
    partial = final.with_name(f".{final.name}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(_sqlite_path(url), timeout=10)
    try:
        source.execute("VACUUM INTO ?", (str(partial),))
        # PASSIVE: copy what it can now, never wait for readers, never block a writer.
        source.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        source.close()
    os.replace(partial, final)
    return final


def _check_sqlite_backup(path: Path) -> None:
    try:
        copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            tables = {name for (name,) in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            copy.close()
    except sqlite3.DatabaseError as error:
        raise RestoreRefused(f"{path.name} is not a SQLite database ({error})") from None
    if verdict != "ok":
        raise RestoreRefused(f"{path.name} is damaged: {verdict}")
    if not {"alembic_version", "users", "job_runs"} <= tables:
        raise RestoreRefused(f"{path.name} is not an Affluence database")


def restore_sqlite(url: sa.URL, path: Path) -> None:
    """Replace the SQLite database's content with the backup's, through the backup API.

    The backup API writes pages inside one transaction of the live database, so other
    connections see either the old content or the new, never a mix, and the WAL stays valid
    (copying a file over a live WAL database corrupts it).
    """
    _check_sqlite_backup(path)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(_sqlite_path(url), timeout=30)
    try:
        source.backup(target)
        target.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        target.close()
        source.close()


# ---------------------------------------------------------------- PostgreSQL


def _major(version_text: str) -> int | None:
    found = re.search(r"(\d+)(?:\.\d+)?", version_text)
    return int(found.group(1)) if found else None


def server_major(url: sa.URL) -> int:
    """Return the PostgreSQL server's major version."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
    finally:
        engine.dispose()


def _require_some_client(tool: str, which: Which, clients_dir: Path | None) -> None:
    # Before connecting to learn the server's version: a host without any client says so.
    clients_dir = clients_dir or DEBIAN_CLIENTS
    if which(tool) is None and not any(clients_dir.glob(f"*/bin/{tool}")):
        raise BackupUnavailable(
            f"{tool} not found on this host: install the PostgreSQL client of the server's "
            "version (Debian: postgresql-client-<major>) or use the server's own backups")


def pg_client(tool: str, major: int, which: Which = shutil.which,
              clients_dir: Path | None = None) -> str:
    """Return the path of pg_dump or pg_restore able to talk to a server of major version."""
    clients_dir = clients_dir or DEBIAN_CLIENTS
    matching = clients_dir / str(major) / "bin" / tool
    if matching.is_file() and os.access(matching, os.X_OK):
        return str(matching)
    found = which(tool)
    if found is None:
        raise BackupUnavailable(
            f"{tool} {major} not found on this host: install postgresql-client-{major} "
            "or use the server's own backups")
    completed = subprocess.run([found, "--version"], capture_output=True, text=True,
                               timeout=30, check=False)
    client = _major(completed.stdout)
    if client is None or client < major:
        raise BackupUnavailable(
            f"{found} is version {client}, older than the server ({major}): install "
            f"postgresql-client-{major} (it lands in {clients_dir}/{major}/bin)")
    return found


def _libpq(url: sa.URL) -> tuple[str, dict]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # never on the command line, where ps shows it
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def backup_postgres(url: sa.URL, final: Path, which: Which = shutil.which,
                    clients_dir: Path | None = None) -> Path:
    """Write a pg_dump custom-format archive of the database to final (atomically)."""
    _require_some_client("pg_dump", which, clients_dir)
    pg_dump = pg_client("pg_dump", server_major(url), which, clients_dir)
    partial = final.with_name(f".{final.name}.partial")
    dsn, env = _libpq(url)
    completed = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
         f"--dbname={dsn}"],
        env=env, capture_output=True, text=True, timeout=3600, check=False)
    if completed.returncode != 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"pg_dump failed: {completed.stderr.strip()[-1000:]}")
    os.replace(partial, final)
    return final


def restore_postgres(url: sa.URL, path: Path, which: Which = shutil.which,
                     clients_dir: Path | None = None) -> None:
    """Replace the database's objects and rows with the archive's, in one transaction."""
    with path.open("rb") as handle:
        if handle.read(5) != b"PGDMP":
            raise RestoreRefused(f"{path.name} is not a pg_dump custom-format archive")
    _require_some_client("pg_restore", which, clients_dir)
    pg_restore = pg_client("pg_restore", server_major(url), which, clients_dir)
    dsn, env = _libpq(url)
    completed = subprocess.run(
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", f"--dbname={dsn}", str(path)],
        env=env, capture_output=True, text=True, timeout=3600, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"pg_restore failed (nothing changed): "
                           f"{completed.stderr.strip()[-1000:]}")


# ---------------------------------------------------------------- either engine


def backup_name(url: sa.URL, stamp: str) -> str:
    """Return the file name of a backup made at stamp."""
    suffix = "sqlite3" if url.get_backend_name() == "sqlite" else "pgdump"
    return f"affluence-{stamp}.{suffix}"


def create_backup(url: sa.URL, target_dir: Path, stamp: str, which: Which = shutil.which,
                  clients_dir: Path | None = None) -> Path:
    """Write a consistent backup of the database into target_dir; return its path."""
    target_dir.mkdir(parents=True, exist_ok=True)
    final = target_dir / backup_name(url, stamp)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return backup_sqlite(url, final)
    if backend == "postgresql":
        return backup_postgres(url, final, which, clients_dir)
    raise BackupUnavailable(f"no backup method for {backend}")


def restore_backup(url: sa.URL, path: Path, which: Which = shutil.which,
                   clients_dir: Path | None = None) -> None:
    """Put the database back as the backup at path holds it."""
    if not path.is_file():
        raise RestoreRefused(f"{path} does not exist")
    backend = url.get_backend_name()
    if backend == "sqlite":
        restore_sqlite(url, path)
    elif backend == "postgresql":
        restore_postgres(url, path, which, clients_dir)
    else:
        raise BackupUnavailable(f"no restore method for {backend}")


def rotate_backups(target_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; return the deleted paths."""
    backups = sorted(p for p in target_dir.glob("affluence-*") if p.is_file())
    # Names carry the ISO date, so name order is age order.
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


# ---------------------------------------------------------------- commands

backup_cli = AppGroup("backup", help="Back the database up, or restore a backup.")


def _stamp() -> str:
    from app.timeutil import to_local, utcnow

    # Sorts among the nightly names (affluence-2025-03-11...), so rotation keeps order.
    return to_local(utcnow()).strftime("%Y-%m-%dT%H%M%S")


def _counts() -> dict[str, int]:
    from app.extensions import db
    from app.models import FlowEntry, Interview, User

    counts = {name: db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for name, model in (("accounts", User), ("entries", FlowEntry),
                                  ("interviews", Interview))}
    db.session.rollback()
    return counts


def _default_dir() -> Path:
    from flask import current_app

    return Path(current_app.config["REPORTS_DIR"]) / "backups"


@backup_cli.command("create")
@click.option("--dir", "target", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into; REPORTS_DIR/backups when omitted.")
def create_command(target):
    """Write a consistent backup of the database now and print its path."""
    from app.extensions import db

    try:
        path = create_backup(db.engine.url, target or _default_dir(), _stamp())
    except BackupUnavailable as unavailable:
        raise click.ClickException(str(unavailable)) from None
    click.echo(str(path))


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--no-safety-copy", is_flag=True,
              help="Do not back the current database up before replacing it.")
def restore_command(file, yes, no_safety_copy):
    """Replace the database's content with FILE's (stop the web app and scheduler first)."""
    from app.extensions import db

    url = db.engine.url
    if not yes:
        click.confirm(f"Every row of {url.render_as_string(hide_password=True)} will be "
                      f"replaced by {file.name}'s. Are the web app and the scheduler "
                      "stopped?", abort=True)
    db.session.remove()
    try:
        if not no_safety_copy:
            safety = create_backup(url, _default_dir(), f"{_stamp()}-before-restore")
            click.echo(f"Current database saved first to {safety}")
        db.engine.dispose()  # no pooled connection keeps the old content open
        restore_backup(url, file)
    except (BackupUnavailable, RestoreRefused) as refused:
        raise click.ClickException(str(refused)) from None
    db.engine.dispose()
    counts = _counts()
    click.echo(f"Restored {file.name}: " + ", ".join(f"{n} {k}" for k, n in counts.items())
               + ". Run `flask --app wsgi db upgrade` if it predates the code.")
