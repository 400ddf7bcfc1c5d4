"""The director's dashboard: the figures layer's rows shaped into the dashboard's parts.

Every number here comes from the rows app.figures.flow and app.figures.interviews return,
the same rows the annual and periodic reports are built from: the two views of one
period cannot disagree (tests/test_figures_crosscheck.py proves it on drawn data).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from app import reference
from app.extensions import db
from app.figures import events, flow, history, interviews
from app.figures.locale import default_locale
from app.figures.read import read_side_by_side
from app.figures.scope import ResolvedScope, resolve
from app.models import (
    CHANNELS,
    PROFILE_CATEGORIES,
    EventType,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    Site,
    Theme,
)
from app.stats.calendar import opening_days, opening_days_all, opening_hours_span
from app.reference import RefRow
from app.stats.labels import DURATION_BINS, FIXED_DESTINATIONS, UNSTATED, duration_bin, fixed_labels


@dataclass(frozen=True)
class DashboardFilters:
    """What the director asked for: a date range, optionally one site and one pole."""

    start: date
    end: date
    site_code: str | None = None
    pole_code: str | None = None


# A reference row as the figures show it: a record of the one reference loader.
Ref = RefRow


def refs(model) -> dict[int, Ref]:
    """Return every row of a reference list by id, active or not (history points at both)."""
    return {row.id: row for row in reference.every(model)}


def ordered(rows: dict[int, Ref]) -> list[Ref]:
    """Return reference rows in their display order."""
    return sorted(rows.values(), key=lambda ref: (ref.position, ref.id))


def _profile_refs() -> dict[str, dict[int, Ref]]:
    by_category: dict[str, dict[int, Ref]] = {category: {} for category in PROFILE_CATEGORIES}
    for row in reference.every(ProfileOption):
        by_category.setdefault(row.category, {})[row.id] = row
    return by_category


def _breakdown(counts: dict, refs: dict[int, Ref], labels: dict[str, str], **extra) -> list[dict]:
    """List active rows (zeros included), inactive rows that have data, then the unstated."""
    rows = []
    for ref in sorted(refs.values(), key=lambda r: (r.position, r.id)):
        value = counts.get(ref.id, 0)
        if ref.active or value or any(table.get(ref.id) for table in extra.values()):
            rows.append({"code": ref.code, "label": ref.label, "value": value,
                         **{key: table.get(ref.id, 0) for key, table in extra.items()}})
    if counts.get(None) or any(table.get(None) for table in extra.values()):
        rows.append({"code": UNSTATED, "label": labels[UNSTATED], "value": counts.get(None, 0),
                     **{key: table.get(None, 0) for key, table in extra.items()}})
    return rows


def _fixed(codes, counts: dict, labels: dict[str, str]) -> list[dict]:
    return [{"code": code, "label": labels[code], "value": counts.get(code, 0)} for code in codes]


def _change(current: float | None, previous: float | None) -> float | None:
    if current is None or not previous:
        return None
    return round((current - previous) * 100 / previous, 1)


def _per_day(value: int, days: int) -> float | None:
    return round(value / days, 1) if days else None


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def dashboard_data(filters: DashboardFilters) -> dict:
    """Return every figure of the dashboard as JSON-ready data; raise InvalidFilter."""
    with default_locale():
        resolved = resolve(filters.start, filters.end, filters.site_code, filters.pole_code)
        return history.add_to_dashboard(_Dashboard(resolved).build(), resolved.scope)


class _Dashboard:
    """Read the period's rows from the figures layer, then roll them up into the parts."""

    def __init__(self, resolved: ResolvedScope):
        self.resolved = resolved
        self.scope = resolved.scope
        self.start, self.end = self.scope.start, self.scope.end
        self.site, self.pole = resolved.site, resolved.pole
        self.sites = [self.site] if self.site is not None else list(
            db.session.scalars(sa.select(Site).order_by(Site.position, Site.id)))
        self.labels = fixed_labels()
        self.poles = refs(Pole)
        self.pole_short = {row.id: row.short_label for row in reference.every(Pole)}
        self.partners = refs(Partner)
        self.options = _profile_refs()
        span = opening_hours_span(self.sites)
        self.hours = list(range(span[0], span[1] + 1)) if span else []

    def build(self) -> dict:
        scope, previous_scope = self.scope, self.scope.previous()
        rows = read_side_by_side({
            "by_weekday_hour": lambda: flow.arrivals_by_weekday_hour(scope),
            "by_day": lambda: flow.arrivals_by_day(scope),
            "destinations": lambda: flow.arrivals_by_destination(scope),
            "profile": lambda: flow.arrivals_by_profile(scope),
            "reorientations": lambda: flow.reorientations(scope),
            "interviews": lambda: interviews.interviews(scope),
            "durations": lambda: interviews.interviews_by_duration(scope),
            "interview_profile": lambda: interviews.interviews_by_profile(scope),
            "interviews_by_day": lambda: interviews.interviews_by_day(scope),
            "themes": lambda: interviews.interviews_by_theme(scope),
            "outcomes": lambda: interviews.interviews_by_outcome(scope),
            "previous_by_day": lambda: flow.arrivals_by_day(previous_scope),
            "previous_reorientations": lambda: flow.reorientations(previous_scope),
            "previous_interviews": lambda: interviews.interviews(previous_scope),
        })
        arrivals = self._arrival_sums(rows)
        interview_sums, interviews_by_day = self._interview_sums(rows)
        sums = arrivals["sums"]
        flows = self._rare_flows(rows["destinations"], rows["reorientations"])
        previous_by_day = {row["date"]: row["persons"] for row in rows["previous_by_day"]}
        previous_reoriented = sum(row["persons"] for row in rows["previous_reorientations"])
        previous_interviews = sum(row["count"] for row in rows["previous_interviews"])
        open_sites = [site for site in self.sites if site.active or self.site is not None]
        totals = {
            "visitors": sums["total"],
            "arrival_entries": sums["entries"],
            "reorientations": flows["reorientations"]["total"],
            "interviews": interview_sums["total"],
            "opening_days": len(opening_days_all(open_sites, scope.start, scope.end)),
        }
        previous_totals = {
            "visitors": sum(previous_by_day.values()),
            "reorientations": previous_reoriented,
            "interviews": previous_interviews,
            "opening_days": len(opening_days_all(open_sites, previous_scope.start,
                                                 previous_scope.end)),
        }
        return {
            "filters": {
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "start_label": format_date(self.start, "long"),
                "end_label": format_date(self.end, "long"),
                "site": self.site.code if self.site else None,
                "site_label": self.site.label if self.site else _("Tous les sites"),
                "pole": self.pole.code if self.pole else None,
                "pole_label": self.pole.label if self.pole else _("Tous les pôles"),
            },
            "totals": totals,
            "attendance": self._attendance(arrivals["by_day"], interviews_by_day),
            "heatmap": self._heatmap(arrivals["cells"]),
            "destinations": self._destinations(sums),
            **flows,
            "interviews": self._interviews(
                interview_sums,
                {row["theme"]: row["count"] for row in rows["themes"]},
                {row["outcome"]: row["count"] for row in rows["outcomes"]}),
            "profile": self._profile(sums, interview_sums),
            "per_opening_day": self._per_opening_day(totals, sums, interview_sums),
            "year_on_year": self._year_on_year(totals, previous_totals, arrivals["by_day"],
                                               previous_by_day),
            "events": events.section(scope),
        }

    # -- the figures layer's rows, summed by what each part shows

    def _arrival_sums(self, rows: dict) -> dict:
        """Sum the period's arrivals by hour, site, day, destination and profile."""
        sums: dict = defaultdict(int)
        by_day: dict[date, int] = defaultdict(int)
        cells: dict[tuple[int, int], int] = defaultdict(int)
        hours = set(self.hours)
        for row in rows["by_weekday_hour"]:
            persons = row["persons"]
            sums["total"] += persons
            sums["entries"] += row["entries"]
            sums[("hour", row["hour"] if row["hour"] in hours else "other")] += persons
            sums[("site", row["site"])] += persons
            cells[row["weekday"], row["hour"]] += persons
        for row in rows["by_day"]:
            by_day[row["date"]] += row["persons"]
        for row in rows["destinations"]:
            persons = row["persons"]
            if row["kind"] == "pole":
                sums[("pole", row["pole"])] += persons
                if row["gender"] is not None:
                    sums[("gender_pole", row["gender"], row["pole"])] += persons
            else:
                sums[("destination", row["kind"])] += persons
        for row in rows["profile"]:
            if row["option"] is not None:
                sums[(row["category"], row["option"])] += row["persons"]
        return {"sums": sums, "by_day": dict(by_day), "cells": cells}

    def _interview_sums(self, rows: dict) -> tuple[dict, dict[date, int]]:
        """Sum the period's interviews by pole, partner, channel, duration, site and profile."""
        sums: dict = defaultdict(int)
        for row in rows["interviews"]:
            count = row["count"]
            sums["total"] += count
            sums["minutes"] += row["minutes"]
            for name in ("pole", "partner", "channel", "site"):
                sums[(name, row[name])] += count
            if row["gender"] is not None:
                sums[("gender_pole", row["gender"], row["pole"])] += count
        for row in rows["durations"]:
            sums[("duration", duration_bin(row["minutes"]))] += row["count"]
        for row in rows["interview_profile"]:
            if row["option"] is not None:
                sums[(row["category"], row["option"])] += row["count"]
        by_day: dict[date, int] = defaultdict(int)
        for row in rows["interviews_by_day"]:
            by_day[row["date"]] += row["count"]
        return sums, dict(by_day)

    # -- the parts

    def _attendance(self, visitors: dict, interviews: dict) -> dict:
        """Return visitors and interviews per day, ISO week and month of the period."""
        series: dict[str, dict[str, dict]] = {"day": {}, "week": {}, "month": {}}
        for day in _dates(self.start, self.end):
            iso_year, week, _weekday = day.isocalendar()
            keys = {"day": day.isoformat(), "week": f"{iso_year}-W{week:02d}",
                    "month": day.strftime("%Y-%m")}
            for grain, key in keys.items():
                point = series[grain].get(key)
                if point is None:
                    point = series[grain][key] = {"period": key, "label": self._period_label(
                        grain, day, iso_year, week), "visitors": 0, "interviews": 0}
                point["visitors"] += visitors.get(day, 0)
                point["interviews"] += interviews.get(day, 0)
        return {grain: list(points.values()) for grain, points in series.items()}

    def _period_label(self, grain: str, day: date, iso_year: int, week: int) -> str:
        if grain == "day":
            # Ten years are 3,650 labels: the names are formatted once, not once a day.
            pattern = self._names("pattern", 0, day)
            return pattern % {"weekday": self._names("EEE", day.weekday(), day),
                              "day": day.day, "month": self._names("MMM", day.month, day),
                              "year": day.year}
        if grain == "week":
            return _("sem. %(week)d (%(year)d)", week=week, year=iso_year)
        return format_date(day, "MMMM yyyy")

    def _names(self, pattern: str, key: int, day: date) -> str:
        cache = self.__dict__.setdefault("_name_cache", {})
        if (pattern, key) not in cache:
            # The day label's pattern is translated once (gettext without variables
            # leaves the placeholders to fill).
            cache[pattern, key] = (_("%(weekday)s %(day)d %(month)s %(year)d")
                                   if pattern == "pattern" else format_date(day, pattern))
        return cache[pattern, key]

    def _heatmap(self, cells: dict[tuple[int, int], int]) -> dict:
        hours = sorted(set(self.hours) | {hour for _weekday, hour in cells})
        weekdays = {int(key) for site in self.sites
                    for key, value in (site.opening_hours or {}).items() if value}
        weekdays |= {weekday for (weekday, _hour), value in cells.items() if value}
        monday = date(2024, 1, 1)  # any Monday: only its weekday names are used
        return {
            "hours": [{"hour": hour, "label": _("%(hour)dh", hour=hour)} for hour in hours],
            "rows": [{"weekday": weekday,
                      "label": format_date(monday + timedelta(days=weekday), "EEEE"),
                      "values": [cells.get((weekday, hour), 0) for hour in hours]}
                     for weekday in sorted(weekdays)],
            "max": max(cells.values(), default=0),
        }

    def _shown_poles(self, *used: set) -> list[Ref]:
        """Return the active poles and the inactive ones that still have figures."""
        return [ref for ref in ordered(self.poles)
                if ref.active or any(ref.id in ids for ids in used)]

    def _destinations(self, sums: dict) -> list[dict]:
        used = {pole_id for pole_id in self.poles if sums[("pole", pole_id)]}
        rows = [{"code": ref.code, "label": ref.label, "value": sums[("pole", ref.id)]}
                for ref in self._shown_poles(used)]
        return rows + [{"code": kind, "label": self.labels[kind],
                        "value": sums[("destination", kind)]} for kind in FIXED_DESTINATIONS]

    def _rare_flows(self, destinations: list[dict], reorientations: list[dict]) -> dict:
        """Return the reorientation flows and the partner and event-type details."""
        by_partner: dict[int | None, int] = defaultdict(int)
        by_event_type: dict[int | None, int] = defaultdict(int)
        for row in destinations:
            if row["kind"] == "partner":
                by_partner[row["partner"]] += row["persons"]
            elif row["kind"] == "event":
                by_event_type[row["event_type"]] += row["persons"]
        flows: dict[tuple[int | None, str, int | None], int] = defaultdict(int)
        from_interviews = 0
        for row in reorientations:
            target = ("pole", row["pole"]) if row["kind"] == "pole" else ("partner", row["partner"])
            flows[(row["from_pole"], *target)] += row["persons"]
            from_interviews += row["persons"] if row["from_interview"] else 0
        return {
            "partners_out": [row for row in _breakdown(by_partner, self.partners, self.labels)
                             if row["value"]],
            "event_types": _breakdown(by_event_type, refs(EventType), self.labels),
            "reorientations": self._reorientations(flows, from_interviews),
        }

    def _reorientations(self, flows: dict, from_interviews: int) -> dict:
        """Return the flows from a pole to a pole or a partner, as a list and a matrix."""
        listed = []
        for (from_id, kind, target_id), persons in flows.items():
            source = self.poles.get(from_id)
            target = (self.poles if kind == "pole" else self.partners).get(target_id)
            listed.append({
                "from": source.code if source else UNSTATED,
                "from_label": source.label if source else self.labels[UNSTATED],
                "to": (target.code if kind == "pole" else f"partner:{target.code}")
                if target else kind,
                "to_label": target.label if target else self.labels[kind],
                "to_kind": kind,
                "count": persons,
            })
        listed.sort(key=lambda flow: (-flow["count"], flow["from"], flow["to"]))
        poles = self._shown_poles({key[0] for key in flows},
                                  {key[2] for key in flows if key[1] == "pole"})
        columns = [{"code": ref.code, "label": ref.label,
                    "short": self.pole_short.get(ref.id) or ref.label} for ref in poles]
        columns.append({"code": "partner", "label": self.labels["partner"],
                        "short": self.labels["partner"]})
        column_of = {ref.id: index for index, ref in enumerate(poles)}
        matrix = {ref.id: [0] * len(columns) for ref in poles}
        for (from_id, kind, target_id), persons in flows.items():
            if from_id in matrix:
                index = column_of.get(target_id, -1) if kind == "pole" else -1
                matrix[from_id][index] += persons
        total = sum(flows.values())
        return {
            "total": total,
            "at_reception": total - from_interviews,
            "from_interviews": from_interviews,
            "flows": listed,
            "columns": columns,
            "rows": [{"code": ref.code, "label": ref.label,
                      "short": self.pole_short.get(ref.id) or ref.label,
                      "values": matrix[ref.id], "total": sum(matrix[ref.id])} for ref in poles],
        }

    def _interviews(self, sums: dict, themes: dict, outcomes: dict) -> dict:
        """Return interviews per pole, partner, channel, duration, theme and outcome."""
        def by(kind, keys):
            return {key: sums[(kind, key)] for key in keys}

        total = sums["total"]
        bins = [code for code, _upper in DURATION_BINS]
        return {
            "total": total,
            "minutes": sums["minutes"],
            "average_duration": round(sums["minutes"] / total, 1) if total else None,
            "by_pole": _breakdown(by("pole", self.poles), self.poles, self.labels),
            "by_partner": [row for row in _breakdown(by("partner", self.partners),
                                                     self.partners, self.labels)
                           if row["value"]],
            "by_theme": [row for row in _breakdown(themes, refs(Theme), self.labels)
                         if row["value"]],
            "by_outcome": _breakdown(outcomes, refs(Outcome), self.labels),
            "by_channel": _fixed(CHANNELS, by("channel", CHANNELS), self.labels),
            "duration": _fixed(bins, by("duration", bins), self.labels),
        }

    def _profile(self, arrivals: dict, interviews: dict) -> dict:
        """Return the public's profile: arrivals (persons) and interviews, side by side."""
        categories = {}
        for category in PROFILE_CATEGORIES:
            counts = []
            for sums in (arrivals, interviews):
                values = {option_id: sums[(category, option_id)]
                          for option_id in self.options[category]}
                # Whoever was not described in this category.
                values[None] = sums["total"] - sum(values.values())
                counts.append(values)
            rows = _breakdown(counts[0], self.options[category], self.labels,
                              interviews=counts[1])
            categories[category] = [{"code": row["code"], "label": row["label"],
                                     "arrivals": row["value"], "interviews": row["interviews"]}
                                    for row in rows]
        splits = []
        for sums in (arrivals, interviews):
            per_pole = {}
            for pole_id in self.poles:
                split = {gender_id: sums[("gender_pole", gender_id, pole_id)]
                         for gender_id in self.options["gender"]}
                split[None] = sums[("pole", pole_id)] - sum(split.values())
                per_pole[pole_id] = split
            splits.append(per_pole)
        seen = {gender_id for per_pole in splits for split in per_pole.values()
                for gender_id, value in split.items() if value}
        genders: list[int | None] = [ref.id for ref in ordered(self.options["gender"])
                                     if ref.active or ref.id in seen]
        labels = [{"code": self.options["gender"][g].code,
                   "label": self.options["gender"][g].label} for g in genders]
        if None in seen:
            genders.append(None)
            labels.append({"code": UNSTATED, "label": self.labels[UNSTATED]})
        used = {pole_id for per_pole in splits for pole_id, split in per_pole.items()
                if any(split.values())}
        poles = [{"code": ref.code, "label": ref.label,
                  "arrivals": [splits[0][ref.id][g] for g in genders],
                  "interviews": [splits[1][ref.id][g] for g in genders]}
                 for ref in self._shown_poles(used)
                 if self.pole is None or ref.id == self.pole.id]
        return {"categories": categories,
                "gender_by_pole": {"genders": labels, "poles": poles}}

    def _per_opening_day(self, totals: dict, sums: dict, interview_sums: dict) -> dict:
        """Return visitors and interviews per opening day, overall and per site."""
        sites = []
        for site in self.sites:
            if self.site is not None:
                visitors, interviews = totals["visitors"], totals["interviews"]
            else:
                visitors, interviews = sums[("site", site.id)], interview_sums[("site", site.id)]
            # A site with no activity in the period is not a row of zeros.
            if not (visitors or interviews or self.site):
                continue
            days = len(opening_days(site, self.start, self.end))
            sites.append({"code": site.code, "label": site.label, "opening_days": days,
                          "visitors": visitors, "visitors_per_day": _per_day(visitors, days),
                          "interviews": interviews,
                          "interviews_per_day": _per_day(interviews, days)})
        days = totals["opening_days"]
        return {
            "opening_days": days,
            "visitors_per_day": _per_day(totals["visitors"], days),
            "interviews_per_day": _per_day(totals["interviews"], days),
            "by_site": sites,
        }

    def _year_on_year(self, totals: dict, previous: dict, visitors_by_day: dict,
                      previous_by_day: dict) -> dict:
        """Compare the period with the same dates a year earlier, with the change in %."""
        current = {key: totals[key] for key in previous}
        previous = dict(previous)
        for figures in (current, previous):
            figures["visitors_per_day"] = _per_day(figures["visitors"], figures["opening_days"])
            figures["interviews_per_day"] = _per_day(figures["interviews"],
                                                     figures["opening_days"])
        names = {
            "visitors": _("Visiteurs (personnes)"),
            "reorientations": _("Réorientations"),
            "interviews": _("Entretiens"),
            "opening_days": _("Jours d'ouverture"),
            "visitors_per_day": _("Visiteurs par jour d'ouverture"),
            "interviews_per_day": _("Entretiens par jour d'ouverture"),
        }
        months: dict[str, dict] = {}
        for day in _dates(self.start, self.end):
            key = day.strftime("%Y-%m")
            if key not in months:
                months[key] = {"period": key, "label": format_date(day, "MMMM yyyy"),
                               "current": 0, "previous": 0}
            months[key]["current"] += visitors_by_day.get(day, 0)
        for day, visitors in previous_by_day.items():
            # The month it stands for in the chosen period (29 February included).
            months[f"{day.year + 1:04d}-{day.month:02d}"]["previous"] += visitors
        if not previous["visitors"]:
            # A year with no data is no line at zero on the chart: nothing to compare with.
            for month in months.values():
                month["previous"] = None
        previous_scope = self.scope.previous()
        return {
            "previous_start": previous_scope.start.isoformat(),
            "previous_end": previous_scope.end.isoformat(),
            "previous_start_label": format_date(previous_scope.start, "long"),
            "previous_end_label": format_date(previous_scope.end, "long"),
            "figures": [{"code": code, "label": label, "current": current[code],
                         "previous": previous[code],
                         "change_pct": _change(current[code], previous[code])}
                        for code, label in names.items()],
            "months": list(months.values()),
        }
