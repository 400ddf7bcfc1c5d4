"""The count grids of one period, pivoted from the queries' rows.

In the publication edition a figure that several tables show (a site's yearly total, a
month's total, interviews per pole...) is decided once, as a list with its total, and
every grid that shows it takes that decision as fixed: a total is never hidden in one
sheet and shown in another, so no sheet undoes another's protection.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from functools import cached_property

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.exports.grids import Chart, Grid, count_grid
from app.models import CHANNELS, PROFILE_CATEGORIES
from app.privacy.suppression import suppress_vector
from app.stats.labels import (
    DURATION_BINS,
    FIXED_DESTINATIONS,
    NO_POINT,
    UNSTATED,
    duration_bin,
    fixed_labels,
)

MONTHS = (_l("janvier"), _l("février"), _l("mars"), _l("avril"), _l("mai"), _l("juin"),
          _l("juillet"), _l("août"), _l("septembre"), _l("octobre"), _l("novembre"),
          _l("décembre"))
WEEKDAYS = (_l("lundi"), _l("mardi"), _l("mercredi"), _l("jeudi"), _l("vendredi"),
            _l("samedi"), _l("dimanche"))


def _label(row: dict) -> str:
    return row["label"]


def _visible(refs: list[dict], used: set) -> list[dict]:
    """Keep the active reference rows and the inactive ones the figures still point at."""
    return [row for row in refs if row["active"] or row["id"] in used]


class Figures:
    """The count grids of one period, built on demand in dependency order."""

    # Each margin (a list of totals several grids show) is suppressed once; the grids that
    # show it take it as fixed.

    def __init__(self, data: dict, threshold: int | None):
        self.data = data
        self.t = threshold
        self.refs = data["refs"]
        self.labels = fixed_labels()
        self.sites = data["scope_sites"]
        self.site_index = {row["id"]: k for k, row in enumerate(self.sites)}
        self.site_columns = [(row["code"], row["label"]) for row in self.sites]
        self.multi = len(self.sites) > 1

    # ------------------------------------------------------------------ helpers

    def margin(self, values: list[int], grand_status=...) -> list:
        """Suppress a list of totals once; grand_status is its total's status if already decided."""
        if self.t is None:
            return [None] * (len(values) + 1)
        if grand_status is ...:
            return suppress_vector(values, self.t)
        return suppress_vector(values, self.t, total=grand_status is not None)

    def site_margin(self, totals: list[int]) -> list:
        """Return the statuses of per-site totals and their sum, as the site grids take them."""
        if not self.multi:
            return self.margin(totals)[-1:]
        return self.margin(totals)

    def site_cells(self, keyed: dict, rows: list) -> list[list[int]]:
        """Return the per-site cells of the rows from counts keyed by (row, site id)."""
        return [[keyed.get((row, site["id"]), 0) for site in self.sites] for row in rows]

    # ------------------------------------------------------------------ arrivals

    @cached_property
    def arrivals(self) -> dict:
        """Roll the per-day-and-hour rows up into months, weekdays, hours and points."""
        month, weekday, hour, day = (defaultdict(int) for _ in range(4))
        point = defaultdict(int)
        for row in self.data["arrivals_by_day"]:
            persons, site, when = row["persons"], row["site"], row["date"]
            month[(when.month, site)] += persons
            weekday[(when.weekday(), site)] += persons
            hour[(row["hour"], site)] += persons
            day[(when, site)] += persons
            point[("month", when.month, row["point"], site)] += persons
            point[("weekday", when.weekday(), row["point"], site)] += persons
            point[("hour", row["hour"], row["point"], site)] += persons
        return {"month": month, "weekday": weekday, "hour": hour, "day": day, "point": point}

    @cached_property
    def site_totals(self) -> list[int]:
        """Return the persons received at each site of the report."""
        totals = defaultdict(int)
        for (_month, site), persons in self.arrivals["month"].items():
            totals[site] += persons
        return [totals[row["id"]] for row in self.sites]

    @cached_property
    def visitors(self) -> int:
        """Return the persons received in all."""
        return sum(self.site_totals)

    @cached_property
    def sites_margin(self) -> list:
        """Return the statuses of the per-site totals and of the grand total."""
        return self.site_margin(self.site_totals)

    @property
    def visitors_status(self):
        """Return the status of the grand total of persons."""
        return self.sites_margin[-1]

    def _attendance(self, key: str, title: str, corner: str, part: str, rows, chart: Chart):
        cells = self.site_cells(self.arrivals[part], [code for code, _label in rows])
        totals = [sum(row) for row in cells]
        return count_grid(key, title, corner, [(str(c), label) for c, label in rows],
                          self.site_columns, cells, self.t,
                          row_margin=self.margin(totals, self.visitors_status),
                          col_margin=self.sites_margin, shares=True, chart=chart)

    @cached_property
    def attendance_month(self) -> Grid:
        """Build persons per month and site."""
        return self._attendance(
            "attendance_by_month", _("Visiteurs par mois (personnes)"), _("Mois"), "month",
            [(m, str(MONTHS[m - 1]).capitalize()) for m in range(1, 13)],
            Chart("bar", _("Visiteurs par mois"), ["total"], _("Personnes")))

    @cached_property
    def attendance_weekday(self) -> Grid:
        """Build persons per weekday and site."""
        return self._attendance(
            "attendance_by_weekday", _("Visiteurs par jour de la semaine (personnes)"),
            _("Jour"), "weekday", [(d, str(WEEKDAYS[d]).capitalize()) for d in range(7)],
            Chart("bar", _("Visiteurs par jour de la semaine"), ["total"], _("Personnes")))

    @cached_property
    def hours(self) -> list[int]:
        """Return the hours shown: the sites' opening hours and any hour that has arrivals."""
        every = {hour for hour, _site in self.arrivals["hour"]}
        span = self.data.get("opening_hours_span")
        if span:
            every.update(range(span[0], span[1] + 1))
        every = every or set(range(9, 18))
        return list(range(min(every), max(every) + 1))

    @cached_property
    def attendance_hour(self) -> Grid:
        """Build persons per Paris hour of arrival and site."""
        return self._attendance(
            "attendance_by_hour", _("Visiteurs par heure d'arrivée (heure de Paris)"),
            _("Heure"), "hour", [(h, _("%(hour)dh", hour=h)) for h in self.hours],
            Chart("bar", _("Visiteurs par heure d'arrivée"), ["total"], _("Personnes")))

    @cached_property
    def attendance_day(self) -> Grid:
        """Build persons per day of the period, for the weekly and monthly summaries."""
        start, end = self.data["start"], self.data["end"]
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        rows = [(d.isoformat(), f"{str(WEEKDAYS[d.weekday()]).capitalize()} {d:%d/%m/%Y}")
                for d in days]
        cells = [[self.arrivals["day"].get((d, s["id"]), 0) for s in self.sites] for d in days]
        return count_grid("attendance_by_day", _("Visiteurs par jour (personnes)"), _("Jour"),
                          rows, self.site_columns, cells, self.t, shares=False,
                          chart=Chart("bar", _("Visiteurs par jour"), ["total"], _("Personnes")))

    def points_of(self, site: dict) -> list[tuple]:
        """Return the (id, code, label) of a site's reception points shown in the report."""
        used = {key[2] for key in self.arrivals["point"] if key[3] == site["id"]}
        points = [(row["id"], row["code"], row["label"]) for row in self.refs["points"]
                  if row["site_id"] == site["id"] and (row["active"] or row["id"] in used)]
        if None in used:
            points.append((None, NO_POINT, self.labels[NO_POINT]))
        return points

    @cached_property
    def point_grids(self) -> list[Grid]:
        """Build month, weekday and hour per reception point, for sites with several points."""
        # A site's points add up to the site's column of the per-site grids, which these
        # grids take as fixed row totals.
        grids = []
        site_grids = {"month": self.attendance_month, "weekday": self.attendance_weekday,
                      "hour": self.attendance_hour}
        for site in self.sites:
            points = self.points_of(site)
            if len(points) < 2:
                continue
            k = self.site_index[site["id"]]
            totals = [sum(v for key, v in self.arrivals["point"].items()
                          if key[0] == "month" and key[2] == pid and key[3] == site["id"])
                      for pid, _code, _label in points]
            point_margin = self.margin(totals, self.sites_margin[k] if self.multi
                                       else self.visitors_status)
            columns = [(code, label) for _pid, code, label in points]
            for part, source in site_grids.items():
                rows = [code for code, _label in source.rows if code != "total"]
                cells = [[self.arrivals["point"].get((part, int(r), pid, site["id"]), 0)
                          for pid, _code, _label in points] for r in rows]
                site_code = site["code"]
                grids.append(count_grid(
                    f"attendance_by_{part}_{site_code}_points",
                    _("%(title)s — %(site)s, par point d'accueil", title=source.title,
                      site=site["label"]),
                    source.corner, [r for r in source.rows if r[0] != "total"], columns, cells,
                    self.t, row_margin=source.column_statuses(site_code) if self.multi
                    else source.margin(),
                    col_margin=point_margin))
        return grids

    # ------------------------------------------------------------------ destinations

    @cached_property
    def destination_rows(self) -> list[tuple[str, str]]:
        """Return the destinations shown: the poles, then the other places."""
        used = {row["pole"] for row in self.data["arrivals_by_destination"] if row["pole"]}
        poles = [(row["code"], row["label"]) for row in _visible(self.refs["poles"], used)]
        return poles + [(code, self.labels[code]) for code in FIXED_DESTINATIONS]

    def destination_code(self, row: dict) -> str:
        """Return the destinations grid's row code of a query row."""
        if row["kind"] == "pole":
            return self.pole_codes.get(row["pole"], UNSTATED)
        return row["kind"]

    @cached_property
    def pole_codes(self) -> dict[int, str]:
        """Return pole codes by id."""
        return {row["id"]: row["code"] for row in self.refs["poles"]}

    @cached_property
    def destination_cells(self) -> dict:
        """Return persons keyed by (destination code, site id)."""
        cells = defaultdict(int)
        for row in self.data["arrivals_by_destination"]:
            cells[(self.destination_code(row), row["site"])] += row["persons"]
        return cells

    @cached_property
    def destinations_margin(self) -> list:
        """Return the statuses of persons per destination and of their total."""
        codes = [code for code, _label in self.destination_rows]
        totals = [sum(self.destination_cells.get((code, s["id"]), 0) for s in self.sites)
                  for code in codes]
        return self.margin(totals, self.visitors_status)

    @cached_property
    def destinations(self) -> Grid:
        """Build persons per destination and site."""
        codes = [code for code, _label in self.destination_rows]
        return count_grid(
            "arrivals_by_destination", _("Orientations à l'accueil (personnes)"),
            _("Destination"), self.destination_rows, self.site_columns,
            self.site_cells(self.destination_cells, codes), self.t,
            row_margin=self.destinations_margin, col_margin=self.sites_margin, shares=True,
            chart=Chart("bar", _("Orientations à l'accueil"), ["total"], _("Personnes")))

    def _breakdown_by_site(self, key: str, title: str, corner: str, rows: list[tuple],
                           cells: dict, parent: str) -> Grid:
        """A grid that details one row of the destinations grid, per site."""
        codes = [code for code, _label in rows]
        matrix = self.site_cells(cells, codes)
        parent_statuses = self.destinations.row_statuses(parent)
        margin = self.margin([sum(r) for r in matrix], parent_statuses[-1])
        return count_grid(key, title, corner, rows, self.site_columns, matrix, self.t,
                          row_margin=margin, col_margin=parent_statuses, shares=True,
                          chart=Chart("bar", title, ["total"], _("Personnes")))

    def _detail(self, kind: str, key: str, refs: list[dict], *, keep_inactive: bool) -> tuple:
        """Return the rows and per-site cells detailing one kind of destination, by code."""
        codes = {row["id"]: row["code"] for row in refs}
        cells, used = defaultdict(int), set()
        for row in self.data["arrivals_by_destination"]:
            if row["kind"] == kind:
                cells[(codes.get(row[key], UNSTATED), row["site"])] += row["persons"]
                used.add(row[key])
        shown = _visible(refs, used) if keep_inactive else [r for r in refs if r["id"] in used]
        rows = [(row["code"], row["label"]) for row in shown]
        if None in used:
            rows.append((UNSTATED, self.labels[UNSTATED]))
        return rows, cells

    @cached_property
    def events(self) -> Grid:
        """Build persons sent to events, per event type and site."""
        rows, cells = self._detail("event", "event_type", self.refs["event_types"],
                                   keep_inactive=True)
        return self._breakdown_by_site(
            "events_by_type", _("Participation aux événements par type (personnes)"),
            _("Type d'événement"), rows, cells, "event")

    @cached_property
    def partners_out(self) -> Grid:
        """Build persons sent to outside organisations, per organisation and site."""
        # Only the organisations visitors were sent to: the list of partners is long.
        rows, cells = self._detail("partner", "partner", self.refs["partners"],
                                   keep_inactive=False)
        return self._breakdown_by_site(
            "arrivals_by_partner", _("Visiteurs orientés vers un organisme extérieur (personnes)"),
            _("Organisme"), rows, cells, "partner")

    # ------------------------------------------------------------------ reorientations

    @cached_property
    def reorientations(self) -> Grid:
        """Build the reorientation flows: pole of origin × pole or partner."""
        cells = defaultdict(int)
        from_used, to_poles, to_partners = set(), set(), set()
        for row in self.data["reorientations"]:
            target = ("pole", row["pole"]) if row["kind"] == "pole" else ("partner", row["partner"])
            cells[(row["from_pole"], target)] += row["persons"]
            from_used.add(row["from_pole"])
            (to_poles if target[0] == "pole" else to_partners).add(target[1])
        poles = _visible(self.refs["poles"], from_used | to_poles)
        rows = [(p["id"], p["code"], p["label"]) for p in poles]
        if None in from_used:
            rows.append((None, UNSTATED, self.labels[UNSTATED]))
        columns = [(("pole", p["id"]), p["code"], p["label"]) for p in poles]
        columns += [(("partner", p["id"]), f"partner:{p['code']}", p["label"])
                    for p in self.refs["partners"] if p["id"] in to_partners]
        matrix = [[cells.get((rid, cid), 0) for cid, _c, _l in columns] for rid, _c, _l in rows]
        grid = count_grid(
            "reorientations", _("Réorientations : pôle de départ × destination (personnes)"),
            _("Depuis \\ vers"), [(code, label) for _id, code, label in rows],
            [(code, label) for _id, code, label in columns], matrix, self.t,
            chart=Chart("bar", _("Réorientations par pôle de départ"), ["total"],
                        _("Personnes")))
        grid.note = _("Lignes : pôle d'où le visiteur est réorienté ; colonnes : pôle ou "
                      "organisme vers lequel il est envoyé.")
        return grid

    @property
    def reorientations_status(self):
        """Return the status of the total of reorientations."""
        grid = self.reorientations
        return grid.status[-1][grid.count_columns()[-1]] if grid.rows else None

    @property
    def reorientations_total(self) -> int:
        """Return the persons reoriented in all."""
        return sum(row["persons"] for row in self.data["reorientations"])

    # ------------------------------------------------------------------ interviews

    @cached_property
    def interview_rows(self) -> list[dict]:
        """Return the interview rows grouped by site, pole, partner, channel, gender."""
        return self.data["interviews"]

    @cached_property
    def interviews_total(self) -> int:
        """Return the number of interviews."""
        return sum(row["count"] for row in self.interview_rows)

    @cached_property
    def minutes_total(self) -> int:
        """Return the minutes of all interviews."""
        return sum(row["minutes"] for row in self.interview_rows)

    @cached_property
    def interview_poles(self) -> list[dict]:
        """Return the poles shown in the interview grids."""
        used = {row["pole"] for row in self.interview_rows}
        return _visible(self.refs["poles"], used)

    def _by(self, key: str, refs: list[dict]) -> list[int]:
        counts = defaultdict(int)
        for row in self.interview_rows:
            counts[row[key]] += row["count"]
        return [counts[ref["id"]] for ref in refs]

    @cached_property
    def poles_margin(self) -> list:
        """Return the statuses of interviews per pole and of their total."""
        return self.margin(self._by("pole", self.interview_poles))

    @property
    def interviews_status(self):
        """Return the status of the number of interviews."""
        return self.poles_margin[-1]

    @cached_property
    def interview_partners(self) -> list[dict]:
        """Return the partners shown in the interview grids."""
        used = {row["partner"] for row in self.interview_rows}
        if self.data["partner"] is not None:
            return [row for row in self.refs["partners"] if row["id"] == self.data["partner"]["id"]]
        return [row for row in self.refs["partners"]
                if (row["active"] and row["seconds_counsellors"]) or row["id"] in used]

    @cached_property
    def partners_margin(self) -> list:
        """Return the statuses of interviews per partner and of their total."""
        return self.margin(self._by("partner", self.interview_partners), self.interviews_status)

    def _interview_matrix(self, row_key, row_ids, col_key, col_ids) -> list[list[int]]:
        counts = defaultdict(int)
        for row in self.interview_rows:
            counts[(row[row_key], row[col_key])] += row["count"]
        return [[counts.get((r, c), 0) for c in col_ids] for r in row_ids]

    def _pole_columns(self) -> list[tuple[str, str]]:
        return [(p["code"], p.get("short_label") or p["label"]) for p in self.interview_poles]

    @cached_property
    def interviews_by_pole(self) -> Grid:
        """Build interviews per pole and channel."""
        poles = self.interview_poles
        matrix = self._interview_matrix("pole", [p["id"] for p in poles], "channel", CHANNELS)
        channel_margin = self.margin([sum(r[k] for r in matrix) for k in range(len(CHANNELS))],
                                     self.interviews_status)
        return count_grid(
            "interviews_by_pole", _("Entretiens par pôle et par canal"), _("Pôle"),
            [(p["code"], p["label"]) for p in poles],
            [(c, self.labels[c]) for c in CHANNELS], matrix, self.t,
            row_margin=self.poles_margin, col_margin=channel_margin, shares=True,
            chart=Chart("bar", _("Entretiens par pôle"), ["total"], _("Entretiens")))

    @cached_property
    def interviews_by_partner(self) -> Grid:
        """Build interviews per partner and pole."""
        partners, poles = self.interview_partners, self.interview_poles
        matrix = self._interview_matrix("partner", [p["id"] for p in partners], "pole",
                                        [p["id"] for p in poles])
        return count_grid(
            "interviews_by_partner", _("Entretiens par partenaire et par pôle"),
            _("Partenaire"), [(p["code"], p["label"]) for p in partners], self._pole_columns(),
            matrix, self.t, row_margin=self.partners_margin,
            col_margin=self.poles_margin if len(poles) > 1 else self.poles_margin[-1:],
            shares=True,
            chart=Chart("bar", _("Entretiens par partenaire"), ["total"], _("Entretiens")))

    @cached_property
    def interviews_by_duration(self) -> Grid:
        """Build interviews per duration bin and pole."""
        poles = self.interview_poles
        index = {p["id"]: k for k, p in enumerate(poles)}
        matrix = [[0] * len(poles) for _ in DURATION_BINS]
        bins = {code: k for k, (code, _upper) in enumerate(DURATION_BINS)}
        for row in self.data["interviews_by_duration"]:
            if row["pole"] in index:
                matrix[bins[duration_bin(row["minutes"])]][index[row["pole"]]] += row["count"]
        margin = self.margin([sum(r) for r in matrix], self.interviews_status)
        return count_grid(
            "interviews_by_duration", _("Entretiens par durée et par pôle"), _("Durée"),
            [(code, self.labels[code]) for code, _upper in DURATION_BINS], self._pole_columns(),
            matrix, self.t, row_margin=margin,
            col_margin=self.poles_margin if len(poles) > 1 else self.poles_margin[-1:],
            shares=True,
            chart=Chart("bar", _("Entretiens par durée"), ["total"], _("Entretiens")))

    @cached_property
    def interview_sites_margin(self) -> list:
        """Return the statuses of interviews per site and of their total."""
        counts = defaultdict(int)
        for row in self.data["interviews_by_day"]:
            counts[row["site"]] += row["count"]
        totals = [counts[s["id"]] for s in self.sites]
        margin = self.margin(totals, self.interviews_status)
        return margin if self.multi else margin[-1:]

    @cached_property
    def interviews_by_month(self) -> Grid:
        """Build interviews per month and site."""
        cells = defaultdict(int)
        for row in self.data["interviews_by_day"]:
            cells[(row["date"].month, row["site"])] += row["count"]
        matrix = self.site_cells(cells, list(range(1, 13)))
        margin = self.margin([sum(r) for r in matrix], self.interviews_status)
        return count_grid(
            "interviews_by_month", _("Entretiens par mois"), _("Mois"),
            [(str(m), str(MONTHS[m - 1]).capitalize()) for m in range(1, 13)],
            self.site_columns, matrix, self.t, row_margin=margin,
            col_margin=self.interview_sites_margin, shares=True,
            chart=Chart("bar", _("Entretiens par mois"), ["total"], _("Entretiens")))

    def _multi_valued(self, key: str, title: str, corner: str, refs: list[dict], rows_key: str,
                      label) -> Grid:
        counts = defaultdict(int)
        for row in self.data[rows_key]:
            counts[row[key]] += row["count"]
        shown = _visible(refs, set(counts))
        grid = count_grid(f"interviews_by_{key}", title, corner,
                          [(r["code"], label(r)) for r in shown], [("count", _("Entretiens"))],
                          [[counts.get(r["id"], 0)] for r in shown], self.t,
                          row_totals=False, col_totals=False)
        grid.note = _("Un entretien peut en compter plusieurs : ces nombres ne s'additionnent "
                      "pas.")
        return grid

    @cached_property
    def interviews_by_theme(self) -> Grid:
        """Build interviews per theme (no total: themes overlap)."""
        poles = {p["id"]: p.get("short_label") or p["label"] for p in self.refs["poles"]}
        order = {p["id"]: (p["position"], p["id"]) for p in self.refs["poles"]}
        # Themes belong to poles: list them pole by pole.
        themes = sorted(self.refs["themes"], key=lambda r: (order.get(r["pole_id"], (0, 0)),
                                                           r["position"], r["id"]))
        return self._multi_valued(
            "theme", _("Entretiens par thème de la question"), _("Thème"), themes,
            "interviews_by_theme", lambda r: f"{poles.get(r['pole_id'], '')} · {r['label']}")

    @cached_property
    def interviews_by_outcome(self) -> Grid:
        """Build interviews per outcome (no total: outcomes overlap)."""
        return self._multi_valued("outcome", _("Suites données aux entretiens"), _("Suite"),
                                  self.refs["outcomes"], "interviews_by_outcome", _label)

    # ------------------------------------------------------------------ profile

    def _profile_counts(self, rows_key: str, value_key: str, category: str) -> dict:
        counts = defaultdict(int)
        for row in self.data[rows_key]:
            if row["category"] == category:
                counts[row["option"]] += row[value_key]
        return counts

    def profile_options(self, category: str) -> list[tuple]:
        """Return the (id, code, label) rows of a profile category, unstated last."""
        used = set(self._profile_counts("arrivals_by_profile", "persons", category))
        used |= set(self._profile_counts("interviews_by_profile", "count", category))
        options = [(o["id"], o["code"], o["label"])
                   for o in _visible(self.refs["profile"].get(category, []), used)]
        return options + [(None, UNSTATED, self.labels[UNSTATED])]

    @cached_property
    def profile(self) -> dict[str, Grid]:
        """Build the public's profile, one grid per category: visitors and interviews."""
        titles = {"status": _("Situation des visiteurs"), "age_band": _("Âge des visiteurs"),
                  "gender": _("Genre des visiteurs"), "first_visit": _("Première visite")}
        grids = {}
        for category in PROFILE_CATEGORIES:
            options = self.profile_options(category)
            columns, cells_by_column, margin = [], [], []
            if self.data["flows"]:
                persons = self._profile_counts("arrivals_by_profile", "persons", category)
                columns.append(("visitors", _("Visiteurs (personnes)")))
                cells_by_column.append([persons.get(oid, 0) for oid, _c, _l in options])
                margin.append(self.visitors_status)
            counts = self._profile_counts("interviews_by_profile", "count", category)
            columns.append(("interviews", _("Entretiens")))
            cells_by_column.append([counts.get(oid, 0) for oid, _c, _l in options])
            margin.append(self.interviews_status)
            cells = [list(row) for row in zip(*cells_by_column)]
            grids[category] = count_grid(
                f"profile_{category}", titles[category], _("Profil"),
                [(code, label) for _id, code, label in options], columns, cells, self.t,
                row_totals=False, col_margin=margin, shares=True,
                chart=Chart("bar", titles[category], [c for c, _l in columns]))
        return grids

    def _gender_columns(self) -> tuple[list, list]:
        options = self.profile_options("gender")
        return options, [(code, label) for _id, code, label in options]

    @cached_property
    def gender_by_destination(self) -> Grid:
        """Build persons per destination and gender."""
        options, columns = self._gender_columns()
        index = {oid: k for k, (oid, _c, _l) in enumerate(options)}
        rows = self.destination_rows
        position = {code: k for k, (code, _label) in enumerate(rows)}
        matrix = [[0] * len(options) for _ in rows]
        for row in self.data["arrivals_by_destination"]:
            code = self.destination_code(row)
            if code in position:
                matrix[position[code]][index.get(row["gender"], len(options) - 1)] += \
                    row["persons"]
        return count_grid(
            "gender_by_destination", _("Genre des visiteurs par orientation (personnes)"),
            _("Destination"), rows, columns, matrix, self.t,
            row_margin=self.destinations_margin,
            col_margin=self.profile["gender"].column_statuses("visitors"),
            chart=Chart("bar", _("Genre par orientation"), [c for c, _l in columns]))

    @cached_property
    def gender_by_pole(self) -> Grid:
        """Build interviews per pole and gender."""
        options, columns = self._gender_columns()
        poles = self.interview_poles
        index = {oid: k for k, (oid, _c, _l) in enumerate(options)}
        pole_index = {p["id"]: k for k, p in enumerate(poles)}
        matrix = [[0] * len(options) for _ in poles]
        for row in self.interview_rows:
            matrix[pole_index[row["pole"]]][index.get(row["gender"], len(options) - 1)] += \
                row["count"]
        return count_grid(
            "gender_by_pole", _("Genre des personnes reçues en entretien, par pôle"), _("Pôle"),
            [(p["code"], p["label"]) for p in poles], columns, matrix, self.t,
            row_margin=self.poles_margin,
            col_margin=self.profile["gender"].column_statuses("interviews"),
            chart=Chart("bar", _("Genre par pôle (entretiens)"), [c for c, _l in columns]))
