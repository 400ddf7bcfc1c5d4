"""`flask history`: write the template, import a filled workbook (what the admin screen does)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from app.history import services
from app.history.importer import ImportRefused
from app.history.spec import SHEET_BY_KIND
from app.history.template import build_template

history_cli = AppGroup("history", help="Bring in the past years' monthly figures.")


@history_cli.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def template_command(out: Path):
    """Write the empty history template (xlsx) to OUT."""
    out.write_bytes(build_template())
    click.echo(str(out))


def echo_preview(result: services.Preview) -> None:
    """Print what an import adds, replaces and leaves to captured data."""
    click.echo(f"Période : {result.first_month or '–'} à {result.last_month or '–'} ; "
               f"{result.total} chiffres : {result.added} ajoutés, {result.replaced} remplacés, "
               f"{result.unchanged} inchangés.")
    for kind, counts in result.by_sheet.items():
        click.echo(f"  {SHEET_BY_KIND[kind].name} : {counts['added']} ajoutés, "
                   f"{counts['replaced']} remplacés, {counts['unchanged']} inchangés")
    for row in result.by_site_year:
        click.echo(f"  {row['site']} {row['year']} : {row['months']} mois, "
                   f"{row['visitors']} visiteurs, {row['interviews']} entretiens")
    for row in result.replacements[:services.LISTED]:
        click.echo(f"  remplacé : {row['sheet']} ligne {row['row']}, {row['site']} {row['month']} "
                   f"{row['what']} {row['measure']} : {row['before']} → {row['after']}")
    if result.captured:
        months = ", ".join(f"{c['site']} {c['month']}" for c in result.captured[:services.LISTED])
        click.echo(f"Données saisies prioritaires : {len(result.captured)} mois ont déjà des "
                   f"données saisies dans l'application ; leurs chiffres importés sont gardés "
                   f"mais ne comptent pas ({months}).")


@history_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and preview; store nothing.")
def import_command(file: Path, dry_run: bool):
    """Import a filled history workbook: all rows or none (exit code 1 on any bad row)."""
    with force_locale("fr"):
        try:
            result = services.import_file(file.read_bytes(), file.name, source="cli",
                                          dry_run=dry_run)
        except ImportRefused as refused:
            for fault in refused.faults:
                click.echo(str(fault), err=True)
            click.echo(f"Import refusé : {len(refused.faults)} erreur(s) ; rien n'a été "
                       f"enregistré.", err=True)
            sys.exit(1)
        echo_preview(result)
        if dry_run:
            click.echo("Essai (--dry-run) : rien n'a été enregistré.")
        else:
            click.echo(f"Importé : {result.added} ajoutés, {result.replaced} remplacés.")
