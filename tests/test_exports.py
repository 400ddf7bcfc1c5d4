"""Excel exports and their JSON twins, checked cell by cell against independent counts."""

from __future__ import annotations

import codecs
import csv
import io
import json
import random
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

import holidays
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.exports.excel import annual_workbook
from app.figures.period import build_annual_data
from app.exports.service import (
    write_annual_report,
    write_partner_report,
    write_period_report,
    write_raw_export,
)
from app.extensions import db
from app.models import (
    CHANNELS,
    EventType,
    FlowEntry,
    Interview,
    InterviewOutcome,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    ReceptionPoint,
    Site,
    Theme,
    User,
    interview_themes,
)
from app.timeutil import local_day_and_hour
from tests.test_suppression import determined_cells

YEAR = 2025
MONTHS = ["Janvier", "Février", "Mars", "Avril", "Mai", "Juin", "Juillet", "Août", "Septembre",
          "Octobre", "Novembre", "Décembre"]
WEEKDAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]
MARKS = ("<11", "s")


# ---------------------------------------------------------------------- generated data


def _by_code(model):
    return {row.code: row for row in db.session.scalars(sa.select(model))}


def _uuid(rng) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class Generator:
    """Insert seeded random arrivals, reorientations and interviews with bulk inserts."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.sites = _by_code(Site)
        self.points = list(db.session.scalars(sa.select(ReceptionPoint)))
        self.poles = list(_by_code(Pole).values())
        self.partners = list(_by_code(Partner).values())
        self.events = list(_by_code(EventType).values())
        self.themes = list(_by_code(Theme).values())
        self.outcomes = list(_by_code(Outcome).values())
        self.options = defaultdict(list)
        for option in db.session.scalars(sa.select(ProfileOption)):
            self.options[option.category].append(option.id)
        self.counsellor = User(username=f"c-{seed}", password_hash="x", role="counsellor",
                               site_id=self.sites["marseille"].id)
        db.session.add(self.counsellor)
        db.session.flush()

    def instant(self, first: date, last: date) -> datetime:
        start = datetime(first.year, first.month, first.day, tzinfo=timezone.utc)
        span = (last - first).days * 86400
        return start + timedelta(seconds=self.rng.randrange(span))

    def profile(self) -> dict:
        return {f"{c}_id": (self.rng.choice(self.options[c]) if self.rng.random() < 0.75 else None)
                for c in ("status", "age_band", "gender", "first_visit")}

    def flow(self, n: int, first: date, last: date, *, sites=None, big_parties=True) -> list[dict]:
        rng, rows = self.rng, []
        points = [p for p in self.points if sites is None or p.site_id in sites]
        for _ in range(n):
            at = self.instant(first, last)
            day, hour = local_day_and_hour(at)
            point = rng.choice(points)
            kind = "reorientation" if rng.random() < 0.12 else "arrival"
            from_pole = rng.choice(self.poles) if kind == "reorientation" else None
            if kind == "arrival":
                dest = rng.choice(["pole", "pole", "pole", "documentation", "cyber", "event",
                                   "desk", "partner"])
            else:
                dest = rng.choice(["pole", "pole", "partner"])
            pole = None
            if dest == "pole":
                pole = rng.choice([p for p in self.poles if p is not from_pole]).id
            rows.append({
                "id": _uuid(rng), "kind": kind, "occurred_at": at, "local_date": day,
                "local_hour": hour, "site_id": point.site_id, "reception_point_id": point.id,
                "destination_kind": dest, "destination_pole_id": pole,
                "destination_partner_id": rng.choice(self.partners).id if dest == "partner"
                else None,
                "event_type_id": (rng.choice(self.events).id if rng.random() < 0.9 else None)
                if dest == "event" else None,
                "from_pole_id": from_pole.id if from_pole else None,
                "party_size": rng.choice([1, 1, 1, 1, 2, 3] + ([12] if big_parties else [])),
                "payload_digest": "x", "received_at": at,
                "deleted_at": at if rng.random() < 0.03 else None,
                **self.profile(),
            })
        db.session.execute(sa.insert(FlowEntry), rows)
        return rows

    def interviews(self, n: int, first: date, last: date, *, partners=None, sites=None,
                   note: str = "") -> list[dict]:
        rng, rows, themes, outcomes = self.rng, [], [], []
        partners = partners or [p for p in self.partners if p.seconds_counsellors]
        site_ids = sites or [s.id for s in self.sites.values()]
        for _ in range(n):
            at = self.instant(first, last)
            day, hour = local_day_and_hour(at)
            pole = rng.choice(self.poles)
            interview_id = _uuid(rng)
            rows.append({
                "id": interview_id, "started_at": at, "local_date": day, "local_hour": hour,
                "duration_min": rng.choice([5, 15, 16, 30, 31, 45, 46, 60, 61, 90]),
                "channel": rng.choice(CHANNELS), "site_id": rng.choice(site_ids),
                "pole_id": pole.id, "partner_id": rng.choice(partners).id,
                "counsellor_id": self.counsellor.id, "note": note, "payload_digest": "x",
                "deleted_at": at if rng.random() < 0.03 else None, **self.profile(),
            })
            for theme in rng.sample(self.themes, rng.randint(0, 2)):
                themes.append({"interview_id": interview_id, "theme_id": theme.id})
            for outcome in rng.sample(self.outcomes, rng.randint(1, 2)):
                outcomes.append({"interview_id": interview_id, "outcome_id": outcome.id})
        db.session.execute(sa.insert(Interview), rows)
        if themes:
            db.session.execute(interview_themes.insert(), themes)
        db.session.execute(sa.insert(InterviewOutcome), outcomes)
        return rows


def generate_two_years(seed=7, flows=2500, interviews=600) -> Generator:
    """A year and the year before, plus a few days either side that must not count."""
    gen = Generator(seed)
    gen.flow(flows, date(YEAR - 1, 1, 1), date(YEAR + 1, 1, 10))
    gen.interviews(interviews, date(YEAR - 1, 1, 1), date(YEAR + 1, 1, 10), note="Notes libres")
    db.session.commit()
    return gen


# ---------------------------------------------------------------------- independent counts


def _live_flow(kind="arrival", first=date(YEAR, 1, 1), last=date(YEAR, 12, 31), site=None):
    clauses = [FlowEntry.kind == kind, FlowEntry.deleted_at.is_(None),
               FlowEntry.local_date.between(first, last)]
    if site is not None:
        clauses.append(FlowEntry.site_id == site)
    return clauses


def persons(*extra, kind="arrival", first=date(YEAR, 1, 1), last=date(YEAR, 12, 31), site=None):
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(FlowEntry.party_size), 0))
        .where(*_live_flow(kind, first, last, site), *extra)) or 0


def interview_count(*extra, first=date(YEAR, 1, 1), last=date(YEAR, 12, 31)):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Interview)
        .where(Interview.deleted_at.is_(None), Interview.local_date.between(first, last), *extra))


def site_id(code):
    return db.session.scalar(sa.select(Site.id).where(Site.code == code))


# ---------------------------------------------------------------------- reading workbooks


class Table:
    """A grid read back from a sheet: header labels and rows of values by label."""

    def __init__(self, title, header, rows, cells):
        self.title = title
        self.header = header
        self.rows = rows
        self.cells = cells

    def value(self, row_label, column_label):
        return self.rows[row_label][self.header.index(column_label) - 1]

    def column(self, column_label, include_total=False):
        j = self.header.index(column_label) - 1
        return {label: values[j] for label, values in self.rows.items()
                if include_total or label != "Total"}

    def items(self):
        return [label for label in self.rows if label != "Total"]


def read_table(ws, title) -> Table:
    """Find a grid by its title; read its header and rows until the blank row after it."""
    lines = list(ws.iter_rows())
    start = next(k for k, line in enumerate(lines) if line[0].value == title)
    header = [c.value for c in lines[start + 1] if c.value is not None]
    rows, cells = {}, {}
    for line in lines[start + 2:]:
        values = [c.value for c in line[:len(header)]]
        if values[0] is None or line[0].font.italic:  # blank line, or the grid's note
            break
        rows[values[0]] = values[1:]
        cells[values[0]] = line[:len(header)]
    return Table(title, header, rows, cells)


def numbers(values) -> list:
    return [v for v in values if not isinstance(v, str) and v is not None]


def open_report(path):
    return load_workbook(path)


# ---------------------------------------------------------------------- the annual report


def test_annual_totals_equal_independent_counts(app_ctx, tmp_path):
    generate_two_years()
    paths = write_annual_report(YEAR, None, "internal", tmp_path)
    assert [p.name for p in paths] == ["affluence_annuel_2025_reseau_internal.xlsx",
                                       "affluence_annuel_2025_reseau_internal.json"]
    wb = open_report(paths[0])
    assert wb.sheetnames[0] == "Synthèse"

    visitors = persons()
    summary = read_table(wb["Synthèse"], "Chiffres clés")
    assert summary.header[1:] == ["2025", "2024", "Évolution"]
    assert summary.value("Visiteurs accueillis (personnes)", "2025") == visitors
    previous = persons(first=date(YEAR - 1, 1, 1), last=date(YEAR - 1, 12, 31))
    assert summary.value("Visiteurs accueillis (personnes)", "2024") == previous
    assert summary.value("Visiteurs accueillis (personnes)", "Évolution") == pytest.approx(
        (visitors - previous) / previous)
    assert summary.value("Entretiens", "2025") == interview_count()
    assert summary.value("Réorientations (personnes)", "2025") == persons(kind="reorientation")
    assert summary.value("Orientés vers : Documentation", "2025") == persons(
        FlowEntry.destination_kind == "documentation")
    minutes = db.session.scalar(sa.select(sa.func.sum(Interview.duration_min)).where(
        Interview.deleted_at.is_(None), Interview.local_date.between(date(YEAR, 1, 1),
                                                                      date(YEAR, 12, 31))))
    assert summary.value("Durée moyenne d'un entretien (min)", "2025") == pytest.approx(
        minutes / interview_count())

    # Months: each site's column equals its count, rows add up to the total.
    months = read_table(wb["Fréquentation par mois"], "Visiteurs par mois (personnes)")
    assert months.items() == MONTHS
    for site in db.session.scalars(sa.select(Site)):
        column = months.column(site.label, include_total=True)
        assert column["Total"] == persons(site=site.id)
        assert sum(column[m] for m in MONTHS) == column["Total"]
    for k, month in enumerate(MONTHS, start=1):
        first = date(YEAR, k, 1)
        last = (date(YEAR, k + 1, 1) if k < 12 else date(YEAR + 1, 1, 1)) - timedelta(days=1)
        assert months.value(month, "Total") == persons(first=first, last=last)
    assert months.value("Total", "Total") == visitors
    assert months.value("Total", "Part") == 1

    # Weekdays and hours add up to the same total, each equal to its own count.
    by_day = dict(db.session.execute(
        sa.select(FlowEntry.local_date, sa.func.sum(FlowEntry.party_size))
        .where(*_live_flow()).group_by(FlowEntry.local_date)).all())
    expected_weekdays = Counter()
    for day, count in by_day.items():
        expected_weekdays[WEEKDAYS[day.weekday()]] += count
    weekdays = read_table(wb["Jours de la semaine"],
                          "Visiteurs par jour de la semaine (personnes)")
    assert weekdays.column("Total") == {d: expected_weekdays[d] for d in WEEKDAYS}
    hours = read_table(wb["Heures d'arrivée"], "Visiteurs par heure d'arrivée (heure de Paris)")
    by_hour = dict(db.session.execute(
        sa.select(FlowEntry.local_hour, sa.func.sum(FlowEntry.party_size))
        .where(*_live_flow()).group_by(FlowEntry.local_hour)).all())
    for label, value in hours.column("Total").items():
        assert value == by_hour.get(int(label.rstrip("h")), 0)
    assert sum(hours.column("Total").values()) == visitors

    # Reception points of Marseille add up to Marseille's column.
    points = read_table(wb["Points d'accueil"], "Visiteurs par mois (personnes) — Cité des "
                        "Métiers de Marseille, par point d'accueil")
    for point in db.session.scalars(sa.select(ReceptionPoint).join(Site).where(
            Site.code == "marseille")):
        assert points.value("Total", point.label) == persons(
            FlowEntry.reception_point_id == point.id)
    assert points.column("Total") == {m: months.value(m, "Cité des Métiers de Marseille")
                                      for m in MONTHS}

    # Orientations per destination, events per type, outside organisations.
    orientations = read_table(wb["Orientations"], "Orientations à l'accueil (personnes)")
    for pole in db.session.scalars(sa.select(Pole)):
        assert orientations.value(pole.label, "Total") == persons(
            FlowEntry.destination_kind == "pole", FlowEntry.destination_pole_id == pole.id)
    assert orientations.value("Cyber info", "Centre associé de Gap") == persons(
        FlowEntry.destination_kind == "cyber", site=site_id("gap"))
    assert orientations.value("Total", "Total") == visitors
    events = read_table(wb["Événements"], "Participation aux événements par type (personnes)")
    for event in db.session.scalars(sa.select(EventType)):
        assert events.value(event.label, "Total") == persons(FlowEntry.event_type_id == event.id)
    assert events.value("Non précisé", "Total") == persons(
        FlowEntry.destination_kind == "event", FlowEntry.event_type_id.is_(None))
    assert events.value("Total", "Total") == orientations.value("Événement", "Total")
    outside = read_table(wb["Orientations"],
                         "Visiteurs orientés vers un organisme extérieur (personnes)")
    assert outside.value("Total", "Total") == orientations.value("Organisme extérieur", "Total")

    # Reorientation flows: from pole × to pole or partner.
    flows = read_table(wb["Réorientations"],
                       "Réorientations : pôle de départ × destination (personnes)")
    poles = {p.code: p for p in db.session.scalars(sa.select(Pole))}
    assert flows.value(poles["emploi"].label, poles["formation"].label) == persons(
        FlowEntry.from_pole_id == poles["emploi"].id,
        FlowEntry.destination_pole_id == poles["formation"].id, kind="reorientation")
    assert flows.value(poles["emploi"].label, poles["emploi"].label) == 0
    assert flows.value("Total", "Total") == persons(kind="reorientation")

    # Interviews per pole, channel, partner, theme, outcome and duration.
    by_pole = read_table(wb["Entretiens par pôle"], "Entretiens par pôle et par canal")
    for pole in poles.values():
        assert by_pole.value(pole.label, "Total") == interview_count(Interview.pole_id == pole.id)
    assert by_pole.value("Total", "Visio") == interview_count(Interview.channel == "video")
    by_partner = read_table(wb["Entretiens par partenaire"],
                            "Entretiens par partenaire et par pôle")
    cio = db.session.scalar(sa.select(Partner).where(Partner.code == "cio"))
    assert by_partner.value(cio.label, "Total") == interview_count(Interview.partner_id == cio.id)
    assert by_partner.value(cio.label, "Emploi") == interview_count(
        Interview.partner_id == cio.id, Interview.pole_id == poles["emploi"].id)
    themes = read_table(wb["Thèmes et suites"], "Entretiens par thème de la question")
    theme = db.session.scalar(sa.select(Theme).where(Theme.code == "cv-candidature"))
    assert themes.value(f"Emploi · {theme.label}", "Entretiens") == db.session.scalar(
        sa.select(sa.func.count()).select_from(interview_themes)
        .join(Interview, Interview.id == interview_themes.c.interview_id)
        .where(interview_themes.c.theme_id == theme.id, Interview.deleted_at.is_(None),
               Interview.local_date.between(date(YEAR, 1, 1), date(YEAR, 12, 31))))
    assert "Total" not in themes.rows  # an interview may have several themes
    durations = read_table(wb["Durées et canaux"], "Entretiens par durée et par pôle")
    assert durations.value("15 min ou moins", "Total") == interview_count(
        Interview.duration_min <= 15)
    assert durations.value("Plus de 60 min", "Total") == interview_count(
        Interview.duration_min > 60)
    assert durations.value("Total", "Total") == interview_count()

    # The public's profile, and the gender split per pole.
    women = db.session.scalar(sa.select(ProfileOption.id).where(
        ProfileOption.category == "gender", ProfileOption.code == "femme"))
    gender = read_table(wb["Profil des publics"], "Genre des visiteurs")
    assert gender.value("Femme", "Visiteurs (personnes)") == persons(FlowEntry.gender_id == women)
    assert gender.value("Non précisé", "Entretiens") == interview_count(
        Interview.gender_id.is_(None))
    assert gender.value("Total", "Visiteurs (personnes)") == visitors
    split = read_table(wb["Genre par pôle"], "Genre des personnes reçues en entretien, par pôle")
    assert split.value(poles["creation"].label, "Femme") == interview_count(
        Interview.gender_id == women, Interview.pole_id == poles["creation"].id)

    # Year on year, month by month.
    yoy = read_table(wb["Année précédente"], "Comparaison avec l'année précédente, mois par mois")
    assert yoy.value("Mars", "Visiteurs 2024") == persons(first=date(YEAR - 1, 3, 1),
                                                          last=date(YEAR - 1, 3, 31))
    assert yoy.value("Total", "Entretiens 2025") == interview_count()

    # Native charts, frozen headers, number formats.
    assert wb["Fréquentation par mois"]._charts
    assert wb["Fréquentation par mois"].freeze_panes is not None
    total_cell = months.cells["Total"][months.header.index("Total")]
    assert total_cell.number_format == "#,##0"
    assert months.cells["Janvier"][months.header.index("Part")].number_format == "0.0%"


def test_filters_and_edition_are_written_at_the_top(app_ctx, tmp_path):
    generate_two_years(flows=200, interviews=40)
    path = write_annual_report(YEAR, "gap", "public", tmp_path)[0]
    assert path.name == "affluence_annuel_2025_gap_public.xlsx"
    wb = open_report(path)
    top = {row[0]: row[1] for row in wb["Synthèse"].iter_rows(min_row=2, max_row=7,
                                                              values_only=True)}
    assert top["Période"] == "du 01/01/2025 au 31/12/2025"
    assert top["Site"] == "Centre associé de Gap"
    assert top["Édition"].startswith("Publication")
    assert datetime.strptime(top["Généré le"], "%d/%m/%Y %H:%M")
    for ws in wb.worksheets[1:]:
        line, legend = ws["A2"].value, ws["A3"].value
        assert "Période : du 01/01/2025 au 31/12/2025" in line
        assert "Site : Centre associé de Gap" in line and "Édition : Publication" in line
        assert "« <11 » signale un effectif de 1 à 10" in legend


def test_a_site_report_counts_only_that_site(app_ctx, tmp_path):
    generate_two_years(flows=800, interviews=150)
    wb = open_report(write_annual_report(YEAR, "marseille", "internal", tmp_path)[0])
    summary = read_table(wb["Synthèse"], "Chiffres clés")
    marseille = site_id("marseille")
    assert summary.value("Visiteurs accueillis (personnes)", "2025") == persons(site=marseille)
    assert summary.value("Entretiens", "2025") == interview_count(Interview.site_id == marseille)
    months = read_table(wb["Fréquentation par mois"], "Visiteurs par mois (personnes)")
    assert months.header == ["Mois", "Cité des Métiers de Marseille", "Part"]


def test_dst_and_midnight_boundaries_land_on_the_paris_day_and_hour(app_ctx, tmp_path):
    gen = Generator(1)
    point = db.session.scalar(sa.select(ReceptionPoint).where(
        ReceptionPoint.code == "marseille-rdc"))
    instants = [
        datetime(2025, 3, 30, 0, 30, tzinfo=timezone.utc),   # 01:30 CET, before the change
        datetime(2025, 3, 30, 1, 30, tzinfo=timezone.utc),   # 03:30 CEST: 02h never exists
        datetime(2025, 10, 26, 0, 30, tzinfo=timezone.utc),  # 02:30 CEST
        datetime(2025, 10, 26, 1, 30, tzinfo=timezone.utc),  # 02:30 CET, the hour again
        datetime(2025, 6, 30, 22, 30, tzinfo=timezone.utc),  # 00:30 on Tuesday 1 July
        datetime(2024, 12, 31, 23, 30, tzinfo=timezone.utc),  # 00:30 on 1 January 2025
        datetime(2025, 12, 31, 23, 30, tzinfo=timezone.utc),  # 00:30 in 2026: not counted
        datetime(2025, 12, 31, 22, 59, tzinfo=timezone.utc),  # 23:59 on 31 December
    ]
    rows = []
    for at in instants:
        day, hour = local_day_and_hour(at)
        rows.append({"id": _uuid(gen.rng), "kind": "arrival", "occurred_at": at,
                     "local_date": day, "local_hour": hour, "site_id": point.site_id,
                     "reception_point_id": point.id, "destination_kind": "desk",
                     "party_size": 1, "payload_digest": "x", "received_at": at})
    db.session.execute(sa.insert(FlowEntry), rows)
    db.session.commit()
    wb = open_report(write_annual_report(YEAR, "marseille", "internal", tmp_path)[0])
    site = "Cité des Métiers de Marseille"
    hours = read_table(wb["Heures d'arrivée"], "Visiteurs par heure d'arrivée (heure de Paris)")
    counts = hours.column(site)
    assert counts["0h"] == 2  # 1 January and 1 July
    assert counts["1h"] == 1
    assert counts["2h"] == 2  # both 02:30 of the October night
    assert counts["3h"] == 1
    assert counts["23h"] == 1
    months = read_table(wb["Fréquentation par mois"], "Visiteurs par mois (personnes)")
    counts = months.column(site, include_total=True)
    assert (counts["Janvier"], counts["Mars"], counts["Juin"], counts["Juillet"],
            counts["Octobre"], counts["Décembre"]) == (1, 2, 0, 1, 2, 1)
    assert counts["Total"] == 7
    weekdays = read_table(wb["Jours de la semaine"],
                          "Visiteurs par jour de la semaine (personnes)").column(site)
    # 30 March and 26 October 2025 are Sundays; 1 July a Tuesday; 1 January and
    # 31 December Wednesdays.
    assert weekdays["Dimanche"] == 4 and weekdays["Mardi"] == 1 and weekdays["Mercredi"] == 2


def test_opening_days_and_averages_per_opening_day(app_ctx, tmp_path):
    generate_two_years(flows=600, interviews=100)
    wb = open_report(write_annual_report(YEAR, None, "internal", tmp_path)[0])
    grid = read_table(wb["Jours d'ouverture"], "Moyennes par jour d'ouverture")
    public_holidays = holidays.country_holidays("FR", years=YEAR)
    days = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
    marseille_days = sum(1 for d in days if d.weekday() < 6 and d not in public_holidays)
    gap_days = sum(1 for d in days if d.weekday() < 5 and d not in public_holidays)
    marseille = "Cité des Métiers de Marseille"
    assert grid.value(marseille, "Jours d'ouverture") == marseille_days
    assert grid.value("Centre associé de Gap", "Jours d'ouverture") == gap_days
    visitors = persons(site=site_id("marseille"))
    assert grid.value(marseille, "Visiteurs (personnes)") == visitors
    assert grid.value(marseille, "Visiteurs par jour") == pytest.approx(visitors / marseille_days)
    summary = read_table(wb["Synthèse"], "Chiffres clés")
    assert summary.value("Jours d'ouverture", "2025") == marseille_days  # Mon-Sat covers all
    assert summary.value("Visiteurs par jour d'ouverture (moyenne)", "2025") == pytest.approx(
        persons() / marseille_days)


# ---------------------------------------------------------------------- publication edition


def _all_tables(wb) -> list[tuple[str, Table]]:
    """Read every grid of every sheet (a title row followed by a header row)."""
    found = []
    for ws in wb.worksheets:
        lines = list(ws.iter_rows(values_only=True))
        for k, line in enumerate(lines[:-1]):
            nxt = lines[k + 1]
            if (line[0] and all(v is None for v in line[1:]) and nxt[0] and nxt[1]
                    and isinstance(nxt[1], str) and k > 0 and lines[k - 1][0] is None):
                found.append((ws.title, read_table(ws, line[0])))
    return found


def _count_columns(table: Table) -> list[str]:
    skip = ("Part", "Évolution", "Taux de remplissage")  # shares, changes and rates
    return [h for h in table.header[1:] if h not in skip and "par jour" not in h
            and "Durée moyenne" not in h and h != "Jours d'ouverture"]


# The regional consolidation (issue 10) holds a figure per row: only these rows are counts.
CONSOLIDATION_COUNTS = {"Visiteurs (personnes)", "Entretiens", "Réorientations",
                        "Participants aux événements"}


def _is_count(sheet: str, label: str, header: str, counts: list[str]) -> bool:
    return header in counts and (sheet != "Consolidation régionale"
                                 or label in CONSOLIDATION_COUNTS)


def test_public_edition_hides_small_counts_and_leaves_nothing_recomputable(app_ctx, tmp_path):
    gen = Generator(3)
    gen.flow(1500, date(YEAR - 1, 1, 1), date(YEAR, 12, 31))
    # A small site: almost every count there is small.
    gen.flow(25, date(YEAR, 1, 1), date(YEAR, 12, 31), sites={site_id("sisteron")},
             big_parties=False)
    gen.interviews(300, date(YEAR - 1, 1, 1), date(YEAR, 12, 31))
    db.session.commit()
    internal = open_report(write_annual_report(YEAR, None, "internal", tmp_path)[0])
    public = open_report(write_annual_report(YEAR, None, "public", tmp_path)[0])
    internal_tables = dict(((s, t.header[0], tuple(t.rows)), t) for s, t in _all_tables(internal))
    tables = _all_tables(public)
    assert len(tables) >= 20
    hidden_somewhere = 0
    for sheet, table in tables:
        twin = internal_tables[(sheet, table.header[0], tuple(table.rows))]
        counts = _count_columns(table)
        for label, values in table.rows.items():
            for header, value, original in zip(table.header[1:], values, twin.rows[label]):
                if isinstance(value, str):
                    # Hidden: a small count shows "<11", anything else "s".
                    assert value in MARKS, (sheet, label, header, value)
                    if _is_count(sheet, label, header, counts):
                        assert value == ("<11" if 1 <= original <= 10 else "s")
                        assert original != 0 or value == "s"
                    hidden_somewhere += 1
                else:
                    # Shown: exactly the internal figure, never a count from 1 to 10.
                    assert value == original, (sheet, label, header)
                    if _is_count(sheet, label, header, counts) and \
                            sheet not in ("Synthèse", "Jours d'ouverture"):
                        assert not 1 <= value <= 10, (sheet, label, header, value)
        # Percentages of hidden counts are hidden too.
        if "Part" in table.header:
            for label in table.rows:
                j = table.header.index("Part")
                count = table.rows[label][j - 2]
                if isinstance(count, str):
                    assert table.rows[label][j - 1] == "s"
        # No hidden cell of a table with totals can be recomputed from what it shows.
        if "Total" in table.rows:
            columns = [h for h in counts if h in table.header]
            totals_col = "Total" in columns
            matrix = [[twin.value(label, h) for h in columns] for label in table.rows]
            status = [[isinstance(table.value(label, h), str) or None for h in columns]
                      for label in table.rows]
            if any(any(row) for row in status):
                assert not determined_cells(matrix, status, row_totals=totals_col), (
                    sheet, table.header[0])
    assert hidden_somewhere > 50

    # A figure several sheets show is hidden everywhere or nowhere.
    sisteron = "Centre associé de Sisteron"
    shown = {read_table(public[name], title).value("Total", sisteron) for name, title in (
        ("Fréquentation par mois", "Visiteurs par mois (personnes)"),
        ("Jours de la semaine", "Visiteurs par jour de la semaine (personnes)"),
        ("Heures d'arrivée", "Visiteurs par heure d'arrivée (heure de Paris)"),
        ("Orientations", "Orientations à l'accueil (personnes)"),
    )}
    assert len(shown) == 1
    orientations = read_table(public["Orientations"], "Orientations à l'accueil (personnes)")
    events = read_table(public["Événements"], "Participation aux événements par type (personnes)")
    assert [orientations.value("Événement", h) for h in events.header[1:-1]] == [
        events.value("Total", h) for h in events.header[1:-1]]


def test_publication_threshold_comes_from_the_configuration(app, app_ctx, tmp_path):
    gen = Generator(5)
    gen.flow(400, date(YEAR, 1, 1), date(YEAR, 12, 31), big_parties=False)
    db.session.commit()
    app.config["SMALL_CELL_THRESHOLD"] = 5
    try:
        wb = open_report(write_annual_report(YEAR, None, "public", tmp_path)[0])
    finally:
        app.config["SMALL_CELL_THRESHOLD"] = 10
    months = read_table(wb["Fréquentation par mois"], "Visiteurs par mois (personnes)")
    values = [v for row in months.rows.values() for v in row]
    assert "<6" in values and "<11" not in values
    assert any(isinstance(v, int) and 6 <= v <= 10 for v in values)


# ---------------------------------------------------------------------- safety of text


def test_text_from_data_is_never_written_as_a_formula(app_ctx, tmp_path):
    gen = Generator(9)
    partner = db.session.scalar(sa.select(Partner).where(Partner.code == "cio"))
    partner.label = '=HYPERLINK("http://evil.example","Cliquez")'
    theme = db.session.scalar(sa.select(Theme).where(Theme.code == "cv-candidature"))
    theme.label = "+CV\x0b et candidatures"
    site = db.session.scalar(sa.select(Site).where(Site.code == "gap"))
    site.label = "@Gap"
    db.session.commit()
    gen.flow(300, date(YEAR, 1, 1), date(YEAR, 12, 31))
    gen.interviews(120, date(YEAR, 1, 1), date(YEAR, 12, 31), partners=[partner])
    db.session.commit()

    path = write_annual_report(YEAR, None, "internal", tmp_path)[0]
    wb = open_report(path)
    by_partner = read_table(wb["Entretiens par partenaire"],
                            "Entretiens par partenaire et par pôle")
    label = '=HYPERLINK("http://evil.example","Cliquez")'
    cell = by_partner.cells[label][0]
    assert cell.value == label and cell.data_type == "s"
    assert by_partner.value(label, "Total") == interview_count(Interview.partner_id == partner.id)
    themes = read_table(wb["Thèmes et suites"], "Entretiens par thème de la question")
    assert "Emploi · +CV et candidatures" in themes.rows  # control character stripped
    months = read_table(wb["Fréquentation par mois"], "Visiteurs par mois (personnes)")
    assert "@Gap" in months.header
    formulas = [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []

    raw = open_report(write_raw_export(date(YEAR, 1, 1), date(YEAR, 12, 31), None, tmp_path)[0])
    cells = [c for ws in raw.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert any(c.value == label and c.data_type == "s" for c in cells)


# ---------------------------------------------------------------------- raw export


def test_raw_export_has_one_row_per_entry_dates_only_and_no_free_text(app_ctx, tmp_path):
    generate_two_years(flows=700, interviews=150)
    paths = write_raw_export(date(YEAR, 1, 1), date(YEAR, 12, 31), None, tmp_path)
    assert [p.name for p in paths] == ["affluence_brut_2025-01-01_2025-12-31_reseau.xlsx",
                                       "affluence_brut_2025-01-01_2025-12-31_reseau.json"]
    wb = open_report(paths[0])
    assert wb.sheetnames == ["Arrivées", "Réorientations", "Entretiens"]
    arrivals_count = db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry).where(
        *_live_flow()))
    reorientations_count = db.session.scalar(sa.select(sa.func.count()).select_from(
        FlowEntry).where(*_live_flow("reorientation")))
    expected = {"Arrivées": arrivals_count, "Réorientations": reorientations_count,
                "Entretiens": interview_count()}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        header = [h.lower() for h in rows[0]]
        assert not [h for h in header if any(word in h for word in (
            "heure", "conseill", "note", "commentaire", "utilisateur", "saisi par"))]
        assert len(rows) - 1 == expected[ws.title]
        dates = [row[0] for row in rows[1:]]
        assert all(d.hour == d.minute == d.second == 0 for d in dates)
        assert min(dates).date() >= date(YEAR, 1, 1) and max(dates).date() <= date(YEAR, 12, 31)
        first = next(ws.iter_rows(min_row=2, max_row=2))[0]
        assert "h" not in first.number_format
    text = "".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    assert "Notes libres" not in text and "c-7" not in text
    arrivals = list(wb["Arrivées"].iter_rows(values_only=True))
    persons_column = arrivals[0].index("Personnes")
    assert sum(row[persons_column] for row in arrivals[1:]) == persons()

    twin = json.loads(paths[1].read_text(encoding="utf-8"))
    assert twin["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert len(twin["sheets"]["arrivals"]["rows"]) == arrivals_count
    assert len(twin["sheets"]["interviews"]["rows"]) == interview_count()
    assert "note" not in twin["sheets"]["interviews"]["columns"]
    assert "counsellor" not in json.dumps(twin["sheets"]["interviews"]["columns"])
    assert twin["visitors"] == persons()
    assert twin["interviews"] == interview_count()
    assert "Notes libres" not in paths[1].read_text(encoding="utf-8")


def test_raw_export_as_csv_opens_in_excel_and_never_runs_a_formula(app_ctx, tmp_path):
    generate_two_years(flows=400, interviews=80)
    pole = db.session.scalar(sa.select(Pole).where(Pole.code == "emploi"))
    pole.label = "=1+1 Emploi"
    db.session.commit()
    steps = []
    paths = write_raw_export(date(YEAR, 1, 1), date(YEAR, 12, 31), None, tmp_path, "csv",
                             lambda *args: steps.append(args))
    names = [p.name for p in paths]
    assert names == [f"affluence_brut_2025-01-01_2025-12-31_reseau_{kind}.csv"
                     for kind in ("arrivals", "reorientations", "interviews")] + [
        "affluence_brut_2025-01-01_2025-12-31_reseau.json"]
    raw = paths[0].read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)  # Excel reads the accents as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Date", "Site (code)", "Site"]
    assert len(rows) - 1 == db.session.scalar(
        sa.select(sa.func.count()).select_from(FlowEntry).where(*_live_flow()))
    persons_column = rows[0].index("Personnes")
    assert sum(int(row[persons_column]) for row in rows[1:]) == persons()
    labels = {cell for row in rows[1:] for cell in row}
    assert "'=1+1 Emploi" in labels and "=1+1 Emploi" not in labels
    interviews = list(csv.reader(io.StringIO(paths[2].read_text("utf-8-sig")), delimiter=";"))
    assert len(interviews) - 1 == interview_count()
    assert steps and steps[-1][1] == steps[-1][2] == sum(
        len(list(csv.reader(io.StringIO(p.read_text("utf-8-sig"))))) - 1 for p in paths[:3])
    assert json.loads(paths[3].read_text("utf-8"))["visitors"] == persons()


# ---------------------------------------------------------------------- partner report


def test_partner_report_holds_only_that_partners_interviews(app_ctx, tmp_path):
    gen = Generator(11)
    partners = _by_code(Partner)
    cidff, afpa = partners["cidff"], partners["afpa"]
    gen.interviews(180, date(YEAR, 1, 1), date(YEAR, 12, 31), partners=[cidff])
    gen.interviews(220, date(YEAR, 1, 1), date(YEAR, 12, 31), partners=[afpa])
    db.session.commit()
    paths = write_partner_report("cidff", YEAR, tmp_path)
    assert paths[0].name == "affluence_partenaire_cidff_2025_public.xlsx"
    wb = open_report(paths[0])
    text = " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                    for v in row if v is not None)
    assert "CIDFF" in text and afpa.label not in text
    summary = read_table(wb["Synthèse"], "Chiffres clés")
    expected = interview_count(Interview.partner_id == cidff.id)
    assert summary.value("Entretiens", "2025") == expected
    assert "Visiteurs accueillis (personnes)" not in summary.rows
    by_pole = read_table(wb["Entretiens par pôle"], "Entretiens par pôle et par canal")
    assert by_pole.value("Total", "Total") == expected
    twin = json.loads(paths[1].read_text(encoding="utf-8"))
    assert twin["interviews"] == expected
    assert twin["interviews_by_partner"] == {"cidff": {"label": cidff.label, "count": expected}}
    assert twin["edition"] == "public"


# ---------------------------------------------------------------------- JSON twin


@pytest.mark.parametrize("edition", ["internal", "public"])
def test_json_twin_holds_the_workbook_figures(app_ctx, tmp_path, edition):
    generate_two_years(seed=13, flows=1200, interviews=250)
    xlsx, twin_path = write_annual_report(YEAR, None, edition, tmp_path)
    twin = json.loads(twin_path.read_text(encoding="utf-8"))
    wb = open_report(xlsx)
    for key in ("period", "site", "edition", "visitors", "arrivals_by_destination",
                "reorientations", "interviews", "interviews_by_pole", "interviews_by_partner"):
        assert key in twin
    assert twin["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert twin["site"] is None and twin["edition"] == edition
    summary = read_table(wb["Synthèse"], "Chiffres clés")
    assert twin["visitors"] == summary.value("Visiteurs accueillis (personnes)", "2025")
    assert twin["interviews"] == summary.value("Entretiens", "2025")
    if edition == "internal":
        assert twin["visitors"] == persons() and twin["interviews"] == interview_count()
    orientations = read_table(wb["Orientations"], "Orientations à l'accueil (personnes)")
    assert {v["label"]: v["persons"] for v in twin["arrivals_by_destination"].values()} == \
        orientations.column("Total")
    assert twin["arrivals_by_destination"]["documentation"]["label"] == "Documentation"
    by_pole = read_table(wb["Entretiens par pôle"], "Entretiens par pôle et par canal")
    assert twin["interviews_by_pole"]["emploi"] == {
        "label": "Trouver son emploi", "count": by_pole.value("Trouver son emploi", "Total")}
    by_partner = read_table(wb["Entretiens par partenaire"],
                            "Entretiens par partenaire et par pôle")
    assert {v["label"]: v["count"] for v in twin["interviews_by_partner"].values()} == \
        by_partner.column("Total")
    flows = read_table(wb["Réorientations"],
                       "Réorientations : pôle de départ × destination (personnes)")
    for flow in twin["reorientations"]:
        assert flows.value(flow["from_label"], flow["to_label"]) == flow["count"]
    listed = {(f["from_label"], f["to_label"]) for f in twin["reorientations"]}
    for label in flows.items():
        for header in flows.header[1:-1]:
            if (label, header) not in listed:
                assert flows.value(label, header) == 0
    # Every table of the twin holds the same values as the workbook, cell by cell.
    tables = {table.title: table for _sheet, table in _all_tables(wb)}
    assert len(tables) == len(twin["tables"])
    for grid in twin["tables"].values():
        table = tables[grid["title"]]
        assert table.header[1:] == [c["label"] for c in grid["columns"]]
        assert list(table.rows) == [r["label"] for r in grid["rows"]]
        for row in grid["rows"]:
            expected = [row["values"][c["code"]] for c in grid["columns"]]
            assert table.rows[row["label"]] == [
                pytest.approx(v) if isinstance(v, float) else v for v in expected]
    if edition == "public":
        hidden = [v for g in twin["tables"].values() for r in g["rows"]
                  for v in r["values"].values() if isinstance(v, str)]
        assert "<11" in hidden
        assert set(hidden) <= set(MARKS)
        assert twin["suppression"] == {"threshold": 10, "small": "<11", "secondary": "s"}


# ---------------------------------------------------------------------- weekly and monthly


def test_weekly_summary_sits_beside_its_comparison_weeks(app_ctx, tmp_path):
    gen = Generator(17)
    gen.flow(900, date(YEAR - 1, 2, 20), date(YEAR, 3, 20))
    gen.flow(400, date(YEAR, 3, 3), date(YEAR, 3, 10))
    gen.interviews(200, date(YEAR - 1, 2, 20), date(YEAR, 3, 20))
    db.session.commit()
    week = (date(2025, 3, 3), date(2025, 3, 9))
    before = ("Semaine précédente", date(2025, 2, 24), date(2025, 3, 2))
    last_year = ("Même semaine en 2024", date(2024, 3, 4), date(2024, 3, 10))
    paths = write_period_report("hebdo", *week, None, tmp_path, compare=[before, last_year])
    assert [p.name for p in paths] == ["affluence_hebdo_2025-S10_reseau.xlsx",
                                       "affluence_hebdo_2025-S10_reseau.json"]
    wb = open_report(paths[0])
    summary = read_table(wb["Synthèse"], "Chiffres clés")
    label = "Visiteurs accueillis (personnes)"
    assert summary.value(label, "Période") == persons(first=week[0], last=week[1])
    assert summary.value(label, "Semaine précédente") == persons(first=before[1], last=before[2])
    assert summary.value(label, "Même semaine en 2024") == persons(first=last_year[1],
                                                                   last=last_year[2])
    days = read_table(wb["Jours"], "Visiteurs par jour (personnes)")
    assert len(days.items()) == 7
    assert days.value("Lundi 03/03/2025", "Total") == persons(first=week[0], last=week[0])
    assert days.value("Total", "Total") == persons(first=week[0], last=week[1])
    twin = json.loads(paths[1].read_text(encoding="utf-8"))
    assert twin["visitors"] == persons(first=week[0], last=week[1])
    assert [c["label"] for c in twin["compare"]] == ["Semaine précédente",
                                                     "Même semaine en 2024"]
    assert twin["compare"][1]["figures"]["visitors"] == persons(first=last_year[1],
                                                                last=last_year[2])

    month = write_period_report("mensuel", date(2025, 3, 1), date(2025, 3, 31), "gap", tmp_path)
    assert month[0].name == "affluence_mensuel_2025-03_gap.xlsx"
    monthly = read_table(open_report(month[0])["Synthèse"], "Chiffres clés")
    assert monthly.value(label, "Période") == persons(
        first=date(2025, 3, 1), last=date(2025, 3, 31), site=site_id("gap"))


# ---------------------------------------------------------------------- the pure builder


def test_the_workbook_builder_never_touches_the_database(app_ctx):
    generate_two_years(flows=300, interviews=60)
    data = build_annual_data(date(YEAR, 1, 1), date(YEAR, 12, 31), None)
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        content = annual_workbook(data, "public", 10)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []
    assert content[:2] == b"PK"


def test_unknown_edition_or_site_is_refused(app_ctx, tmp_path):
    with pytest.raises(ValueError):
        write_annual_report(YEAR, None, "draft", tmp_path)
    with pytest.raises(LookupError):
        write_annual_report(YEAR, "nowhere", "internal", tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("edition", ["internal", "public"])
def test_a_year_without_activity_still_gives_a_whole_report(app_ctx, tmp_path, edition):
    xlsx, twin_path = write_annual_report(YEAR, None, edition, tmp_path)
    wb = open_report(xlsx)
    summary = read_table(wb["Synthèse"], "Chiffres clés")
    assert summary.value("Visiteurs accueillis (personnes)", "2025") == 0
    assert summary.value("Visiteurs par jour d'ouverture (moyenne)", "2025") == 0
    assert summary.value("Visiteurs accueillis (personnes)", "Évolution") is None
    twin = json.loads(twin_path.read_text(encoding="utf-8"))
    assert twin["visitors"] == 0 and twin["interviews"] == 0 and twin["reorientations"] == []
    partner = write_partner_report("cio", YEAR, tmp_path)
    assert json.loads(partner[1].read_text(encoding="utf-8"))["interviews"] == 0
    raw = write_raw_export(date(YEAR, 1, 1), date(YEAR, 12, 31), "gap", tmp_path)
    raw_twin = json.loads(raw[1].read_text(encoding="utf-8"))
    assert raw_twin["sheets"]["arrivals"]["rows"] == [] and raw_twin["visitors"] == 0
    assert raw_twin["site"] == {"code": "gap", "label": "Centre associé de Gap"}
    assert [ws.max_row for ws in open_report(raw[0]).worksheets] == [1, 1, 1]
