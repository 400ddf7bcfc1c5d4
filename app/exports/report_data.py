"""The reports' figures: aggregate queries that return plain rows, never one row per visitor.

Every query groups in SQL by ids and by the Paris day and hour stored on each row, and
leaves deleted rows out. Labels are looked up afterwards, so renaming a reference row
never splits a series. Months and weekdays are derived from the grouped days in Python,
which keeps the SQL the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    PROFILE_CATEGORIES,
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
    interview_themes,
)
from app.stats.calendar import opening_days, opening_days_all, opening_hours_span
from app.timeutil import one_year_earlier, to_local, utcnow


class UnknownReference(LookupError):
    """A site or partner code names no row."""


def build_annual_data(start: date, end: date, site_code: str | None) -> dict:
    """Return the figures of the period and, under "previous", of the year before."""
    data = period_data(start, end, site_code)
    data["previous"] = period_data(one_year_earlier(start), one_year_earlier(end), site_code)
    return data


def period_data(start: date, end: date, site_code: str | None, *,
                partner_code: str | None = None) -> dict:
    """Return the aggregated figures of one period, for one site or the whole network."""
    # With partner_code, only the interviews that partner's counsellors held count, with
    # the reorientations those interviews produced, and no reception figures.
    site = _site(site_code)
    partner = _partner(partner_code)
    refs = reference_rows()
    flows = partner is None
    query = _Queries(start, end, site, partner)
    data = {
        "start": start,
        "end": end,
        "site": {"code": site.code, "label": site.label} if site else None,
        "partner": ({"code": partner.code, "label": partner.label, "id": partner.id}
                    if partner else None),
        "generated_at": to_local(utcnow()),
        "flows": flows,
        "refs": refs,
        "arrivals_by_day": query.arrivals_by_day() if flows else [],
        "arrivals_by_destination": query.arrivals_by_destination() if flows else [],
        "arrivals_by_profile": query.arrivals_by_profile() if flows else [],
        "reorientations": query.reorientations(),
        "interviews": query.interviews(),
        "interviews_by_day": query.interviews_by_day(),
        "interviews_by_duration": query.interviews_by_duration(),
        "interviews_by_profile": query.interviews_by_profile(),
        "interviews_by_theme": query.interviews_by_theme(),
        "interviews_by_outcome": query.interviews_by_outcome(),
    }
    data["scope_sites"] = _scope_sites(data, site)
    data["opening_days"], data["network_opening_days"] = _opening_days(data, start, end)
    data["opening_hours_span"] = opening_hours_span(
        [_SiteHours(row["opening_hours"]) for row in data["scope_sites"]])
    return data


def site_info(code: str | None) -> dict | None:
    """Return the code and label of the site a report covers (None: the whole network)."""
    site = _site(code)
    return {"code": site.code, "label": site.label} if site else None


def _site(code: str | None) -> Site | None:
    if not code:
        return None
    site = db.session.scalar(sa.select(Site).where(Site.code == code))
    if site is None:
        raise UnknownReference(f"site inconnu : {code}")
    return site


def _partner(code: str | None) -> Partner | None:
    if not code:
        return None
    partner = db.session.scalar(sa.select(Partner).where(Partner.code == code))
    if partner is None:
        raise UnknownReference(f"partenaire inconnu : {code}")
    return partner


def _ref_rows(model, *extra) -> list[dict]:
    columns = [model.id, model.code, model.label, model.position, model.active, *extra]
    rows = db.session.execute(sa.select(*columns).order_by(model.position, model.id)).all()
    return [row._asdict() for row in rows]


def reference_rows() -> dict:
    """Return every reference row (active or not) as plain dicts, in display order."""
    profile = {category: [] for category in PROFILE_CATEGORIES}
    for row in _ref_rows(ProfileOption, ProfileOption.category):
        profile.setdefault(row.pop("category"), []).append(row)
    return {
        "sites": _ref_rows(Site, Site.opening_hours),
        "points": _ref_rows(ReceptionPoint, ReceptionPoint.site_id),
        "poles": _ref_rows(Pole, Pole.short_label),
        "partners": _ref_rows(Partner, Partner.seconds_counsellors),
        "event_types": _ref_rows(EventType),
        "themes": _ref_rows(Theme, Theme.pole_id),
        "outcomes": _ref_rows(Outcome),
        "profile": profile,
    }


def _scope_sites(data: dict, site: Site | None) -> list[dict]:
    """Return the sites the report covers: the one asked for, else active ones and any with data."""
    if site is not None:
        return [row for row in data["refs"]["sites"] if row["id"] == site.id]
    with_data = {row["site"] for row in data["arrivals_by_day"]}
    with_data |= {row["site"] for row in data["interviews_by_day"]}
    return [row for row in data["refs"]["sites"] if row["active"] or row["id"] in with_data]


class _SiteHours:
    """The bit of a Site the opening-day calendar reads."""

    def __init__(self, opening_hours):
        self.opening_hours = opening_hours


def _opening_days(data: dict, start: date, end: date) -> tuple[dict[str, int], int]:
    sites = data["scope_sites"]
    per_site = {row["code"]: len(opening_days(_SiteHours(row["opening_hours"]), start, end))
                for row in sites}
    network = len(opening_days_all([_SiteHours(row["opening_hours"]) for row in sites], start, end))
    return per_site, network


class _Queries:
    """The aggregate queries of one period, one site (or all) and one partner (or all)."""

    def __init__(self, start: date, end: date, site: Site | None, partner: Partner | None):
        self.start, self.end, self.site, self.partner = start, end, site, partner

    def _flow_where(self, kind: str) -> list:
        clauses = [FlowEntry.kind == kind, FlowEntry.deleted_at.is_(None),
                   FlowEntry.local_date >= self.start, FlowEntry.local_date <= self.end]
        if self.site is not None:
            clauses.append(FlowEntry.site_id == self.site.id)
        return clauses

    def _interview_where(self) -> list:
        clauses = [Interview.deleted_at.is_(None),
                   Interview.local_date >= self.start, Interview.local_date <= self.end]
        if self.site is not None:
            clauses.append(Interview.site_id == self.site.id)
        if self.partner is not None:
            clauses.append(Interview.partner_id == self.partner.id)
        return clauses

    @staticmethod
    def _rows(statement, names: tuple[str, ...]) -> list[dict]:
        return [dict(zip(names, row)) for row in db.session.execute(statement)]

    def arrivals_by_day(self) -> list[dict]:
        """Sum persons per site, reception point, Paris day and Paris hour."""
        keys = (FlowEntry.site_id, FlowEntry.reception_point_id, FlowEntry.local_date,
                FlowEntry.local_hour)
        return self._rows(
            sa.select(*keys, sa.func.sum(FlowEntry.party_size))
            .where(*self._flow_where("arrival")).group_by(*keys),
            ("site", "point", "date", "hour", "persons"))

    def arrivals_by_destination(self) -> list[dict]:
        """Sum persons per site, destination (kind, pole, partner, event type) and gender."""
        keys = (FlowEntry.site_id, FlowEntry.destination_kind, FlowEntry.destination_pole_id,
                FlowEntry.destination_partner_id, FlowEntry.event_type_id, FlowEntry.gender_id)
        return self._rows(
            sa.select(*keys, sa.func.sum(FlowEntry.party_size))
            .where(*self._flow_where("arrival")).group_by(*keys),
            ("site", "kind", "pole", "partner", "event_type", "gender", "persons"))

    def arrivals_by_profile(self) -> list[dict]:
        """Sum persons per combination of the four profile parts."""
        keys = (FlowEntry.status_id, FlowEntry.age_band_id, FlowEntry.gender_id,
                FlowEntry.first_visit_id)
        return self._rows(
            sa.select(*keys, sa.func.sum(FlowEntry.party_size))
            .where(*self._flow_where("arrival")).group_by(*keys),
            (*PROFILE_CATEGORIES, "persons"))

    def reorientations(self) -> list[dict]:
        """Sum persons sent on, per pole of origin and destination (pole or partner)."""
        keys = (FlowEntry.from_pole_id, FlowEntry.destination_kind, FlowEntry.destination_pole_id,
                FlowEntry.destination_partner_id)
        statement = (sa.select(*keys, sa.func.sum(FlowEntry.party_size))
                     .where(*self._flow_where("reorientation")).group_by(*keys))
        if self.partner is not None:
            # Only the reorientations this partner's interviews produced.
            statement = statement.join(Interview, Interview.id == FlowEntry.interview_id).where(
                Interview.partner_id == self.partner.id, Interview.deleted_at.is_(None))
        return self._rows(statement, ("from_pole", "kind", "pole", "partner", "persons"))

    def interviews(self) -> list[dict]:
        """Count interviews and minutes per site, pole, partner, channel and gender."""
        keys = (Interview.site_id, Interview.pole_id, Interview.partner_id, Interview.channel,
                Interview.gender_id)
        return self._rows(
            sa.select(*keys, sa.func.count(), sa.func.sum(Interview.duration_min))
            .where(*self._interview_where()).group_by(*keys),
            ("site", "pole", "partner", "channel", "gender", "count", "minutes"))

    def interviews_by_day(self) -> list[dict]:
        """Count interviews per site and Paris day."""
        keys = (Interview.site_id, Interview.local_date)
        return self._rows(
            sa.select(*keys, sa.func.count()).where(*self._interview_where()).group_by(*keys),
            ("site", "date", "count"))

    def interviews_by_duration(self) -> list[dict]:
        """Count interviews per pole and duration in minutes (the report bins them)."""
        keys = (Interview.pole_id, Interview.duration_min)
        return self._rows(
            sa.select(*keys, sa.func.count()).where(*self._interview_where()).group_by(*keys),
            ("pole", "minutes", "count"))

    def interviews_by_profile(self) -> list[dict]:
        """Count interviews per combination of the four profile parts."""
        keys = (Interview.status_id, Interview.age_band_id, Interview.gender_id,
                Interview.first_visit_id)
        return self._rows(
            sa.select(*keys, sa.func.count()).where(*self._interview_where()).group_by(*keys),
            (*PROFILE_CATEGORIES, "count"))

    def interviews_by_theme(self) -> list[dict]:
        """Count interviews per theme (an interview may have several)."""
        theme = interview_themes.c.theme_id
        return self._rows(
            sa.select(theme, sa.func.count())
            .join(Interview, Interview.id == interview_themes.c.interview_id)
            .where(*self._interview_where()).group_by(theme),
            ("theme", "count"))

    def interviews_by_outcome(self) -> list[dict]:
        """Count interviews per outcome (an interview may have several)."""
        return self._rows(
            sa.select(InterviewOutcome.outcome_id, sa.func.count())
            .join(Interview, Interview.id == InterviewOutcome.interview_id)
            .where(*self._interview_where()).group_by(InterviewOutcome.outcome_id),
            ("outcome", "count"))


# ---------------------------------------------------------------------- raw export

PROFILE_COLUMNS = tuple(name for category in PROFILE_CATEGORIES
                        for name in (category, f"{category}_label"))
RAW_COLUMNS = {
    "arrivals": ("date", "site", "site_label", "reception_point", "reception_point_label",
                 "destination_kind", "destination", "destination_label", "event_type",
                 "event_type_label", "persons", *PROFILE_COLUMNS),
    "reorientations": ("date", "site", "site_label", "reception_point",
                       "reception_point_label", "from_pole", "from_pole_label",
                       "destination_kind", "destination", "destination_label", "persons",
                       "from_interview", *PROFILE_COLUMNS),
    "interviews": ("date", "site", "site_label", "pole", "pole_label", "partner",
                   "partner_label", "channel", "duration_min", "themes", "themes_labels",
                   "outcomes", "outcomes_labels", *PROFILE_COLUMNS),
}
# Rows are read from the database in batches of this size, never all at once.
RAW_BATCH = 2000


class _Lookup:
    """Codes and labels of every reference row, by id, for the raw export."""

    def __init__(self):
        refs = reference_rows()
        self.by = {name: {row["id"]: (row["code"], row["label"]) for row in refs[name]}
                   for name in ("sites", "points", "poles", "partners", "event_types",
                                "themes", "outcomes")}
        self.profile = {row["id"]: (row["code"], row["label"])
                        for rows in refs["profile"].values() for row in rows}
        self.order = {name: {row["id"]: (row["position"], row["id"]) for row in refs[name]}
                      for name in ("themes", "outcomes")}

    def pair(self, name: str, key) -> tuple:
        """Return the code and label of a reference row, or two Nones."""
        return self.by[name].get(key, (None, None)) if key is not None else (None, None)

    def profile_pairs(self, ids) -> tuple:
        """Return code and label of each profile part, flattened."""
        return tuple(v for key in ids
                     for v in (self.profile.get(key, (None, None)) if key else (None, None)))

    def many(self, name: str, joined: str | None) -> tuple[str, str]:
        """Turn "3,1" (ids aggregated in SQL) into codes and labels in reference order."""
        if not joined:
            return "", ""
        ids = sorted({int(x) for x in joined.split(",")},
                     key=lambda k: self.order[name].get(k, (0, k)))
        pairs = [self.by[name].get(k, (str(k), str(k))) for k in ids]
        return " ; ".join(p[0] for p in pairs), " ; ".join(p[1] for p in pairs)


def _destination(lookup: _Lookup, kind: str, pole_id, partner_id) -> tuple:
    if kind == "pole":
        return lookup.pair("poles", pole_id)
    if kind == "partner":
        code, label = lookup.pair("partners", partner_id)
        return (f"partner:{code}" if code else None), label
    return kind, None


def raw_rows(kind: str, start: date, end: date, site_code: str | None):
    """Yield the raw export's rows of one kind: arrivals, reorientations or interviews."""
    # Dates only, never a time of day; no free text and no counsellor. Rows stream from
    # the database in batches.
    site = _site(site_code)
    lookup = _Lookup()
    profile = (FlowEntry.status_id, FlowEntry.age_band_id, FlowEntry.gender_id,
               FlowEntry.first_visit_id)
    if kind in ("arrivals", "reorientations"):
        entry_kind = "arrival" if kind == "arrivals" else "reorientation"
        statement = sa.select(
            FlowEntry.local_date, FlowEntry.site_id, FlowEntry.reception_point_id,
            FlowEntry.destination_kind, FlowEntry.destination_pole_id,
            FlowEntry.destination_partner_id, FlowEntry.event_type_id, FlowEntry.from_pole_id,
            FlowEntry.party_size, FlowEntry.interview_id, *profile,
        ).where(FlowEntry.kind == entry_kind, FlowEntry.deleted_at.is_(None),
                FlowEntry.local_date >= start, FlowEntry.local_date <= end)
        if site is not None:
            statement = statement.where(FlowEntry.site_id == site.id)
        # The random UUID as tie-breaker keeps a day's rows in no telling order.
        statement = statement.order_by(FlowEntry.local_date, FlowEntry.id)
        for row in db.session.execute(statement.execution_options(yield_per=RAW_BATCH)):
            (day, site_id, point_id, dest_kind, pole_id, partner_id, event_id, from_pole,
             persons, interview_id, *profile_ids) = row
            head = (day, *lookup.pair("sites", site_id), *lookup.pair("points", point_id))
            destination = (dest_kind, *_destination(lookup, dest_kind, pole_id, partner_id))
            if kind == "arrivals":
                yield (*head, *destination, *lookup.pair("event_types", event_id), persons,
                       *lookup.profile_pairs(profile_ids))
            else:
                yield (*head, *lookup.pair("poles", from_pole), *destination, persons,
                       interview_id is not None, *lookup.profile_pairs(profile_ids))
        return
    themes = (sa.select(sa.func.aggregate_strings(
        sa.cast(interview_themes.c.theme_id, sa.String), ","))
        .where(interview_themes.c.interview_id == Interview.id).scalar_subquery())
    outcomes = (sa.select(sa.func.aggregate_strings(
        sa.cast(InterviewOutcome.outcome_id, sa.String), ","))
        .where(InterviewOutcome.interview_id == Interview.id).scalar_subquery())
    statement = sa.select(
        Interview.local_date, Interview.site_id, Interview.pole_id, Interview.partner_id,
        Interview.channel, Interview.duration_min, themes, outcomes, Interview.status_id,
        Interview.age_band_id, Interview.gender_id, Interview.first_visit_id,
    ).where(Interview.deleted_at.is_(None), Interview.local_date >= start,
            Interview.local_date <= end)
    if site is not None:
        statement = statement.where(Interview.site_id == site.id)
    statement = statement.order_by(Interview.local_date, Interview.id)
    for row in db.session.execute(statement.execution_options(yield_per=RAW_BATCH)):
        (day, site_id, pole_id, partner_id, channel, minutes, theme_ids, outcome_ids,
         *profile_ids) = row
        yield (day, *lookup.pair("sites", site_id), *lookup.pair("poles", pole_id),
               *lookup.pair("partners", partner_id), channel, minutes,
               *lookup.many("themes", theme_ids), *lookup.many("outcomes", outcome_ids),
               *lookup.profile_pairs(profile_ids))
