"""Figures of the past years: monthly aggregates imported from the history workbook.

Imported months only fill the months of a site that have no captured data: as soon as a
site has an arrival or an interview captured in a month, that month's captured figures
count and its imported ones are set aside (captured_wins lists them). Imported figures
count whole calendar months only; a period that cuts a month counts that month's
captured figures alone.

The bilan, the dashboard and the reports read the past years here:
- ``imported_totals(scope)``: the imported figures of a scope's whole months;
- ``imported_by_month(scope)``: visitors and interviews per imported month;
- ``yearly_totals(site_ids, pole_id)``: every year the database knows, captured and
  imported side by side (the trend).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from app import reference
from app.extensions import db
from app.figures.read import whole_months
from app.figures.scope import Scope
from app.models import EventType, HistoryMonth, Pole, Site
from app.models.rollups import TABLES


def _month(day) -> date:
    return day if isinstance(day, date) else date.fromisoformat(str(day)[:10])


def captured_months(site_ids=None, first: date | None = None,
                    last: date | None = None) -> set[tuple[int, date]]:
    """Return the (site id, first day of month) pairs with captured arrivals or interviews."""
    pairs: set[tuple[int, date]] = set()
    for name, measure in (("flow_hourly_monthly", "persons"),
                          ("interview_daily_monthly", "interviews")):
        table = TABLES[name]
        query = sa.select(table.c.site_id, table.c.local_month).group_by(
            table.c.site_id, table.c.local_month).having(sa.func.sum(table.c[measure]) > 0)
        if site_ids is not None:
            query = query.where(table.c.site_id.in_(site_ids))
        if first is not None:
            query = query.where(table.c.local_month >= first)
        if last is not None:
            query = query.where(table.c.local_month <= last)
        pairs |= {(site_id, _month(month)) for site_id, month in db.session.execute(query)}
    return pairs


def _stored(site_ids, first: date | None, last: date | None, *conditions) -> list:
    """Return the stored figures as plain rows (attribute access, no ORM objects: fast)."""
    query = sa.select(HistoryMonth.site_id, HistoryMonth.month, HistoryMonth.measure,
                      HistoryMonth.destination, HistoryMonth.pole_id,
                      HistoryMonth.event_type_id, HistoryMonth.value).where(*conditions)
    if site_ids is not None:
        query = query.where(HistoryMonth.site_id.in_(site_ids))
    if first is not None:
        query = query.where(HistoryMonth.month >= first)
    if last is not None:
        query = query.where(HistoryMonth.month <= last)
    return list(db.session.execute(query))


def _monthly(scope: Scope, first: date, last: date) -> list:
    """Return the stored figures summed per site, month and measure (a pole: its share)."""
    conditions = [HistoryMonth.month >= first, HistoryMonth.month <= last]
    if scope.site_ids is not None:
        conditions.append(HistoryMonth.site_id.in_(scope.site_ids))
    if scope.pole_id is not None:
        conditions += [HistoryMonth.measure.in_(("orientations", "interviews")),
                       HistoryMonth.pole_id == scope.pole_id]
    query = sa.select(HistoryMonth.site_id, HistoryMonth.month, HistoryMonth.measure,
                      sa.func.max(HistoryMonth.pole_id).label("pole_id"),
                      # PostgreSQL sums a bigint as numeric (Decimal): cast back.
                      sa.cast(sa.func.sum(HistoryMonth.value), sa.BigInteger).label("value")
                      ).where(*conditions)
    return [row for row in db.session.execute(query.group_by(
        HistoryMonth.site_id, HistoryMonth.month, HistoryMonth.measure))
            if row.value is not None]


def _in_scope(row, pole_id: int | None) -> tuple[str, int] | None:
    """Return what a stored figure adds to a scope with a pole: (visitors|interviews, value)."""
    if pole_id is None:
        return None
    if row.measure == "orientations" and row.pole_id == pole_id:
        return "visitors", row.value
    if row.measure == "interviews" and row.pole_id == pole_id:
        return "interviews", row.value
    return None


class _Imported:
    """The imported rows of a scope's whole months, split into counted and set aside."""

    def __init__(self, scope: Scope, *, monthly: bool = False):
        # monthly: sums per site, month and measure only (no breakdown), read in SQL.
        self.scope = scope
        self.counted: list = []
        self.set_aside: set[tuple[int, date]] = set()
        months = whole_months(scope.start, scope.end) if scope.partner_id is None else None
        if months is None:
            return
        rows = _monthly(scope, *months) if monthly else _stored(scope.site_ids, *months)
        if not rows:
            return
        captured = captured_months(scope.site_ids, *months)
        for row in rows:
            if (row.site_id, row.month) in captured:
                self.set_aside.add((row.site_id, row.month))
            else:
                self.counted.append(row)

    def measures(self):
        """Yield (row, measure, value) as the scope counts them (a pole: its own share)."""
        for row in self.counted:
            if self.scope.pole_id is None:
                yield row, row.measure, row.value
            else:
                share = _in_scope(row, self.scope.pole_id)
                if share is not None:
                    yield row, share[0], share[1]


def imported_by_month(scope: Scope, imported: _Imported | None = None
                      ) -> dict[date, dict[str, int]]:
    """Return visitors, interviews, events and attendance per imported month of the scope.

    Months with captured data are left out (captured data win).
    """
    months: dict[date, dict[str, int]] = {}
    for row, measure, value in (imported or _Imported(scope, monthly=True)).measures():
        month = months.setdefault(row.month, {"visitors": 0, "interviews": 0, "events": 0,
                                              "attendance": 0})
        if measure in month:
            month[measure] += value
    return dict(sorted(months.items()))


def imported_totals(scope: Scope, imported: _Imported | None = None) -> dict:
    """Return the imported figures of the scope's whole months, marked as such.

    Keys: visitors, interviews, orientations (by destination code or pole code),
    interviews_by_pole (pole code), events and attendance (event type code), months
    (YYYY-MM counted), sites (codes), captured_wins ({site, month} set aside because
    captured data exist there).
    """
    imported = imported or _Imported(scope)
    totals = {"imported": True, "visitors": 0, "interviews": 0, "orientations": defaultdict(int),
              "interviews_by_pole": defaultdict(int), "events": defaultdict(int),
              "attendance": defaultdict(int)}
    months, sites = set(), set()
    for row, measure, value in imported.measures():
        months.add(row.month)
        sites.add(row.site_id)
        if measure in ("visitors", "interviews"):
            totals[measure] += value
        if row.measure == "orientations":
            code = row.destination if row.pole_id is None else _code(Pole, row.pole_id)
            totals["orientations"][code] += row.value
        elif row.measure == "interviews":
            totals["interviews_by_pole"][_code(Pole, row.pole_id)] += row.value
        elif row.measure in ("events", "attendance"):
            totals[row.measure][_code(EventType, row.event_type_id)] += row.value
    for name in ("orientations", "interviews_by_pole", "events", "attendance"):
        totals[name] = dict(totals[name])
    totals["months"] = [f"{month:%Y-%m}" for month in sorted(months)]
    totals["sites"] = sorted(_code(Site, site_id) for site_id in sites)
    totals["captured_wins"] = [{"site": _code(Site, site_id), "month": f"{month:%Y-%m}"}
                               for site_id, month in sorted(imported.set_aside)]
    return totals


def _code(model, row_id: int | None) -> str:
    row = reference.by_id(model, row_id)
    return row.code if row is not None else str(row_id)


def _captured_by_year(site_ids, pole_id: int | None) -> dict[int, dict[str, int]]:
    years: dict[int, dict[str, int]] = defaultdict(lambda: {"visitors": 0, "interviews": 0})
    for name, measure, pole_column, figure in (
            ("flow_hourly_monthly", "persons", "destination_pole_id", "visitors"),
            ("interview_daily_monthly", "interviews", "pole_id", "interviews")):
        table = TABLES[name]
        query = sa.select(table.c.local_month, sa.func.sum(table.c[measure])).group_by(
            table.c.local_month)
        if site_ids is not None:
            query = query.where(table.c.site_id.in_(site_ids))
        if pole_id is not None:
            query = query.where(table.c[pole_column] == pole_id)
        for month, value in db.session.execute(query):
            years[_month(month).year][figure] += int(value or 0)
    return years


def yearly_totals(site_ids=None, pole_id: int | None = None) -> list[dict]:
    """Return visitors and interviews per calendar year, captured and imported, every year known.

    Each row: year, visitors, interviews (the sums), visitors_captured, visitors_imported,
    interviews_captured, interviews_imported, imported_months (site-months imported and
    counted) and imported (True when any imported figure counts in the year).
    """
    captured = _captured_by_year(site_ids, pole_id)
    imported: dict[int, dict[str, int]] = defaultdict(lambda: {"visitors": 0, "interviews": 0})
    imported_months: dict[int, set] = defaultdict(set)
    wanted = ("visitors", "interviews") if pole_id is None else ("orientations", "interviews")
    query = sa.select(HistoryMonth.site_id, HistoryMonth.month, HistoryMonth.measure,
                      sa.func.sum(HistoryMonth.value)).where(HistoryMonth.measure.in_(wanted))
    if site_ids is not None:
        query = query.where(HistoryMonth.site_id.in_(site_ids))
    if pole_id is not None:
        query = query.where(HistoryMonth.pole_id == pole_id)
    rows = db.session.execute(query.group_by(HistoryMonth.site_id, HistoryMonth.month,
                                             HistoryMonth.measure)).all()
    if rows:
        set_aside = captured_months(site_ids)
        for site_id, month, measure, value in rows:
            month = _month(month)
            if (site_id, month) in set_aside:
                continue
            figure = "visitors" if measure == "orientations" else measure
            imported[month.year][figure] += int(value)
            imported_months[month.year].add((site_id, month))
    years = sorted(year for year in set(captured) | set(imported)
                   if captured[year]["visitors"] or captured[year]["interviews"]
                   or imported[year]["visitors"] or imported[year]["interviews"])
    out = []
    for year in range(years[0], years[-1] + 1) if years else []:
        now, old = captured[year], imported[year]
        out.append({
            "year": year,
            "visitors": now["visitors"] + old["visitors"],
            "interviews": now["interviews"] + old["interviews"],
            "visitors_captured": now["visitors"], "visitors_imported": old["visitors"],
            "interviews_captured": now["interviews"], "interviews_imported": old["interviews"],
            "imported_months": len(imported_months[year]),
            "imported": bool(imported_months[year]),
        })
    return out


def period_rows(scope: Scope) -> dict:
    """Return a report period's imported figures: by month, and the totals with captured_wins."""
    imported = _Imported(scope)
    return {"imported_by_month": imported_by_month(scope, imported),
            "imported": imported_totals(scope, imported)}


def has_history() -> bool:
    """Tell whether any imported month is stored."""
    return db.session.scalar(sa.select(sa.exists().where(HistoryMonth.id.isnot(None))))


def _ratio(value: int, days: int) -> float | None:
    return round(value / days, 1) if days else None


def _change(current, previous) -> float | None:
    if current is None or not previous:
        return None
    return round((current - previous) * 100 / previous, 1)


def add_to_dashboard(data: dict, scope: Scope) -> dict:
    """Add the imported months to a dashboard's figures, marked, and its history part.

    Totals, the month series and the year-on-year comparison gain the imported months
    of the period and of the year before; totals["imported"] and each month's
    "imported" flag say which figures are imported aggregates.
    """
    imported = _Imported(scope, monthly=True)
    now, before = imported_by_month(scope, imported), imported_by_month(scope.previous())
    current = {name: sum(month[name] for month in now.values()) for name in ("visitors", "interviews")}
    previous = {name: sum(month[name] for month in before.values())
                for name in ("visitors", "interviews")}
    totals = data["totals"]
    totals["visitors"] += current["visitors"]
    totals["interviews"] += current["interviews"]
    totals["imported"] = {**current, "months": len(now)}
    pod = data["per_opening_day"]
    pod["visitors_per_day"] = _ratio(totals["visitors"], pod["opening_days"])
    pod["interviews_per_day"] = _ratio(totals["interviews"], pod["opening_days"])
    for point in data["attendance"]["month"]:
        month = now.get(date.fromisoformat(point["period"] + "-01"))
        if month:
            point["visitors"] += month["visitors"]
            point["interviews"] += month["interviews"]
            point["imported"] = True
    yoy = data["year_on_year"]
    figures = {figure["code"]: figure for figure in yoy["figures"]}
    for name in ("visitors", "interviews"):
        figure = figures[name]
        figure["current"] = totals[name]
        if previous[name]:
            figure["previous"] = (figure["previous"] or 0) + previous[name]
        figure["imported"] = bool(current[name] or previous[name])
    for name, days_code in (("visitors_per_day", "visitors"), ("interviews_per_day", "interviews")):
        figure = figures[name]
        days = figures["opening_days"]
        figure["current"] = _ratio(figures[days_code]["current"], days["current"])
        figure["previous"] = _ratio(figures[days_code]["previous"] or 0, days["previous"]) \
            if figures[days_code]["previous"] is not None else None
        figure["imported"] = figures[days_code]["imported"]
    for figure in figures.values():
        figure["change_pct"] = _change(figure["current"], figure["previous"])
    months = {month["period"]: month for month in yoy["months"]}
    for day, month in now.items():
        if f"{day:%Y-%m}" in months:
            months[f"{day:%Y-%m}"]["current"] += month["visitors"]
            months[f"{day:%Y-%m}"]["imported"] = True
    for day, month in before.items():
        key = f"{day.year + 1:04d}-{day.month:02d}"
        if key in months:
            months[key]["previous"] = (months[key]["previous"] or 0) + month["visitors"]
            months[key]["imported"] = True
    data["history"] = {
        "current": {"captured_wins": [{"site": _code(Site, site_id), "month": f"{month:%Y-%m}"}
                                      for site_id, month in sorted(imported.set_aside)]},
        "months": [{"period": f"{day:%Y-%m}", **month} for day, month in now.items()],
        "previous_months": len(before),
        # The trend reads every month the database holds: only worth it with a history.
        "trend": yearly_totals(scope.site_ids, scope.pole_id)
        if scope.partner_id is None and has_history() else [],
    }
    return data
