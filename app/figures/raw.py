"""The raw export: one row per arrival, reorientation or interview, without free text.

Dates only, never a time of day; no note and no counsellor. Rows stream from the database
in batches. This is the one place that reads raw rows for a report (the figures come from
the rollups): after retention has removed old raw rows, their days are simply absent.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.figures.period import _site, reference_rows
from app.models import PROFILE_CATEGORIES, FlowEntry, Interview, InterviewOutcome, interview_themes


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


def raw_row_count(start: date, end: date, site_code: str | None) -> int:
    """Return how many rows the raw export of the period holds (for a progress bar)."""
    site = _site(site_code)
    total = 0
    for model in (FlowEntry, Interview):
        statement = sa.select(sa.func.count()).select_from(model).where(
            model.deleted_at.is_(None), model.local_date >= start, model.local_date <= end)
        if site is not None:
            statement = statement.where(model.site_id == site.id)
        total += db.session.scalar(statement)
    return total
