"""The events' sheets of the reports (issue 9), built from app/figures/events.py's rows.

Sessions and attendance per type are counts of sessions and headcounts of public sessions,
printed whole in both editions; the splits of the attendance by gender, age band and status
describe persons and take the publication edition's small-cell rules like every profile table.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _

from app import vocabulary
from app.exports.figures import MONTHS
from app.exports.grids import (
    PERCENT,
    Chart,
    Column,
    Grid,
    Sheet,
    change,
    count_grid,
    derived_status,
)
from app.figures import events as event_figures
from app.models import SPLIT_CATEGORIES
from app.privacy.suppression import PRIMARY, SECONDARY, Status, is_small, suppress_vector
from app.stats.labels import UNSTATED, fixed_labels

TYPE_GRID = "event_sessions_by_type"
REACH_GRID = "events_reach"


def _plain_grid(key: str, title: str, corner: str, rows: list[tuple[str, str]],
                columns: list[Column], values: list[list], *, total_row: bool = False,
                chart: Chart | None = None, note: str = "", threshold: int | None = None,
                derived: dict[str, tuple[str, ...]] | None = None,
                fixed_totals: dict[str, Status] | None = None,
                parts: tuple[str, ...] = ()) -> Grid:
    """Build a grid of several measures; in the publication edition, suppress its counts.

    Each count column is suppressed with its total (the total row), its total taking the
    state another grid decided (fixed_totals); a derived column (a rate, a change) is
    hidden where any of its sources is. `parts` names a column then the columns that add up
    to it in each row (attendance in the centre and outside).
    """
    status = [[None] * len(columns) for _row in values]
    grid = Grid(key, title, corner, rows, columns, values, status, threshold,
                total_row=total_row, chart=chart, note=note)
    if threshold is None:
        return grid
    derived = derived or {}
    items = len(rows) - (1 if total_row else 0)
    for j, column in enumerate(columns):
        if column.kind != "count" or column.code in derived:
            continue
        vector = [values[i][j] or 0 for i in range(items)]
        if total_row:
            decided = (fixed_totals or {}).get(column.code, ...)
            statuses = suppress_vector(vector, threshold) if decided is ... else \
                suppress_vector(vector, threshold, total=decided is not None)
        else:
            statuses = [PRIMARY if is_small(v, threshold) else None for v in vector]
        for i, state in enumerate(statuses):
            status[i][j] = state
    if parts:
        _protect_parts(grid, [grid.col(code) for code in parts], items)
    for code, sources in derived.items():
        j = grid.col(code)
        for i in range(len(rows)):
            status[i][j] = derived_status(*(status[i][grid.col(c)] for c in sources))
    return grid


def _protect_parts(grid: Grid, linked: list[int], items: int) -> None:
    """Hide cells until no hidden cell follows from its row (whole = parts) or its column."""
    status, values = grid.status, grid.values
    changed = True
    while changed:
        changed = False
        for i in range(len(grid.rows)):
            if any(status[i][j] for j in linked):
                for j in linked:
                    if status[i][j] is None and values[i][j]:
                        status[i][j], changed = SECONDARY, True
        for j in linked:
            hidden = [i for i in range(items) if status[i][j]]
            if len(hidden) == 1 and (not grid.total_row or status[-1][j] is None):
                shown = [i for i in range(items) if status[i][j] is None and values[i][j]]
                if shown:
                    status[min(shown, key=lambda i: values[i][j])][j] = SECONDARY
                else:
                    status[-1][j] = SECONDARY
                changed = True


def total_status(grid: Grid, code: str) -> Status:
    """Return the state of a count column's total, for another grid to take as decided."""
    return grid.status[-1][grid.col(code)]


def _refs(data: dict, name: str) -> dict[int, dict]:
    return {row["id"]: row for row in data["refs"][name]}


def _ordered(found: list[dict], refs: dict[int, dict]) -> list[dict]:
    return sorted(found, key=lambda r: (refs[r["key"]]["position"], r["key"])
                  if r["key"] in refs else (10**6, 0))


def _session_columns() -> list[Column]:
    return [Column("sessions", _("Séances")), Column("attendance", _("Participants"))]


def by_type_grid(data: dict, threshold: int | None = None) -> Grid:
    """Sessions, attendance in and outside the centre, places and fill rate per event type."""
    rows_in = data["events"]["sessions"]
    types = _refs(data, "event_types")
    found = _ordered(event_figures.totals(rows_in, "type"), types)
    where = {(r["type"], r["location"]): 0 for r in rows_in}
    for row in rows_in:
        where[(row["type"], row["location"])] += row["attendance"] or 0
    rows, values = [], []
    for r in found:
        ref = types.get(r["key"], {"code": str(r["key"]), "label": "–"})
        rows.append((ref["code"], ref["label"]))
        values.append([r["sessions"], r["attendance"], where.get((r["key"], "centre"), 0),
                       where.get((r["key"], "outside"), 0), r["capacity"], r["fill_rate"]])
    whole = (event_figures.totals(rows_in) or [None])[0]
    rows.append(("total", _("Total")))
    values.append([whole["sessions"], whole["attendance"], sum(v[2] for v in values),
                   sum(v[3] for v in values), whole["capacity"], whole["fill_rate"]]
                  if whole else [0, 0, 0, 0, 0, None])
    columns = [*_session_columns(), Column("in_centre", _("dont dans le centre")),
               Column("outside", _("dont hors les murs")),
               Column("capacity", _("Places (événements saisis avec capacité)")),
               Column("fill_rate", _("Taux de remplissage"), PERCENT, "share")]
    return _plain_grid(TYPE_GRID, _("Séances et participants par type d'événement"),
                       _("Type d'événement"), rows, columns, values, total_row=True,
                       chart=Chart("bar", _("Participants par type d'événement"), ["attendance"],
                                   _("Personnes")),
                       note=_("Taux de remplissage : participants des séances dont la capacité "
                              "est connue, sur leurs places. Une séance sans fréquentation "
                              "saisie compte pour une séance, sans participants."),
                       threshold=threshold, derived={"fill_rate": ("attendance", "capacity")},
                       parts=("attendance", "in_centre", "outside"))


def location_grid(data: dict, threshold: int | None, totals_from: Grid) -> Grid:
    """Sessions and attendance in the centre and outside it."""
    found = {r["key"]: r for r in event_figures.totals(data["events"]["sessions"], "location")}
    rows, values = [], []
    for code, label in vocabulary.EVENT_LOCATIONS.items():
        r = found.get(code, {"sessions": 0, "attendance": 0})
        rows.append((code, str(label)))
        values.append([r["sessions"], r["attendance"]])
    rows.append(("total", _("Total")))
    values.append([sum(v[0] for v in values), sum(v[1] for v in values)])
    return _plain_grid("event_sessions_by_location", _("Dans le centre et hors les murs"),
                       _("Lieu"), rows, _session_columns(), values, total_row=True,
                       threshold=threshold,
                       fixed_totals={code: total_status(totals_from, code)
                                     for code in ("sessions", "attendance")})


def by_month_grid(data: dict, threshold: int | None = None,
                  totals_from: Grid | None = None) -> Grid:
    """Sessions and attendance per month, beside the same month a year earlier."""
    now = {r["key"]: r for r in event_figures.totals(data["events"]["sessions"], "month")}
    previous = data.get("previous")
    before = ({r["key"].month: r for r in event_figures.totals(previous["events"]["sessions"],
                                                                "month")}
              if previous else {})
    months, day = [], data["start"].replace(day=1)
    while day <= data["end"]:
        months.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    rows, values = [], []
    for month in months:
        current, old = now.get(month), before.get(month.month)
        attendance = current["attendance"] if current else 0
        old_attendance = old["attendance"] if old else (0 if previous else None)
        label = f"{MONTHS[month.month - 1]} {month.year}"
        rows.append((month.isoformat()[:7], label))
        values.append([current["sessions"] if current else 0, attendance,
                       old["sessions"] if old else (0 if previous else None), old_attendance,
                       change(attendance, old_attendance)])
    rows.append(("total", _("Total")))
    values.append([sum(v[0] for v in values), sum(v[1] for v in values),
                   sum(v[2] or 0 for v in values) if previous else None,
                   sum(v[3] or 0 for v in values) if previous else None, None])
    values[-1][4] = change(values[-1][1], values[-1][3])
    columns = [*_session_columns(), Column("sessions_previous", _("Séances un an plus tôt")),
               Column("attendance_previous", _("Participants un an plus tôt")),
               Column("change", _("Évolution"), PERCENT, "change")]
    if previous is None:
        columns, values = columns[:2], [v[:2] for v in values]
    return _plain_grid("event_sessions_by_month", _("Événements par mois, comparés à l'année "
                                                    "précédente"), _("Mois"), rows, columns,
                       values, total_row=True,
                       chart=Chart("line", _("Participants aux événements par mois"),
                                   ["attendance", "attendance_previous"], _("Personnes")),
                       threshold=threshold,
                       derived={"change": ("attendance", "attendance_previous")},
                       fixed_totals={code: total_status(totals_from, code)
                                     for code in ("sessions", "attendance")}
                       if totals_from is not None and threshold is not None else None)


def breakdown_grid(data: dict, key: str, ref_name: str, grid_key: str, title: str,
                   corner: str, threshold: int | None = None) -> Grid:
    """Sessions and attendance per pole, partner or site (an event counts under each of its)."""
    refs = _refs(data, ref_name)
    found = _ordered(event_figures.totals(data["events"]["sessions"], key), refs)
    rows, values = [], []
    for r in found:
        if r["key"] is None:
            rows.append((UNSTATED, fixed_labels()[UNSTATED]))
        else:
            rows.append((refs[r["key"]]["code"], refs[r["key"]]["label"]))
        values.append([r["sessions"], r["attendance"]])
    note = "" if key == "site" else _("Un événement de plusieurs pôles ou partenaires compte "
                                      "pour chacun : la colonne ne s'additionne pas.")
    return _plain_grid(grid_key, title, corner, rows, _session_columns(), values, note=note,
                       threshold=threshold)


def split_grids(data: dict, threshold: int | None, totals_from: Grid | None = None) -> list[Grid]:
    """Attendance per gender, age band and status, with the part nobody split."""
    attendance = sum(r["attendance"] or 0 for r in data["events"]["sessions"])
    labels = fixed_labels()
    grids = []
    for category in SPLIT_CATEGORIES:
        options = data["refs"]["profile"][category]
        counts = {row["option"]: row["persons"] for row in data["events"]["splits"]
                  if row["category"] == category}
        shown = [row for row in options if row["active"] or row["id"] in counts]
        rows = [(row["code"], row["label"]) for row in shown] + [(UNSTATED, labels[UNSTATED])]
        cells = [[counts.get(row["id"], 0)] for row in shown]
        cells.append([max(0, attendance - sum(counts.values()))])
        title = _("Participants aux événements : %(category)s",
                  category=str(vocabulary.PROFILE_CATEGORIES[category]).lower())
        grids.append(count_grid(f"event_attendance_by_{category}", title,
                                str(vocabulary.PROFILE_CATEGORIES[category]), rows,
                                [("attendance", _("Participants"))], cells, threshold,
                                shares=True,
                                col_margin=[total_status(totals_from, "attendance")]
                                if totals_from is not None and threshold is not None else None,
                                note=_("Répartitions saisies après chaque événement, souvent "
                                       "partielles : le reste est « non précisé ».")))
    return grids


def reach_grid(data: dict, threshold: int | None = None) -> Grid:
    """How the counts relate: floor visitors, event attendance, the public reached in all."""
    now = data["events"]["reach"]
    previous = data.get("previous")
    before = previous["events"]["reach"] if previous else None
    codes = ("floor_visitors", "floor_for_events", "attendance_in_centre", "attendance_outside",
             "in_centre_beyond_floor", "public_reached")
    rows = [(code, str(vocabulary.REACH[code])) for code in codes]
    values = [[now[code], before[code] if before else None,
               change(now[code], before[code]) if before else None] for code in codes]
    columns = [Column("current", _("Période")), Column("previous", _("Un an plus tôt")),
               Column("change", _("Évolution"), PERCENT, "change")]
    grid = _plain_grid(REACH_GRID, _("Public touché : comment les chiffres se rapportent"),
                       _("Indicateur"), rows, columns, values,
                       note=str(vocabulary.REACH_EXPLAINED), threshold=threshold,
                       derived={"change": ("current", "previous")})
    if threshold is not None:
        # The figures add up (the public reached is their sum): one hidden hides its column.
        for code in ("current", "previous"):
            j = grid.col(code)
            if any(grid.status[i][j] for i in range(len(rows))):
                for i in range(len(rows)):
                    grid.status[i][j] = grid.status[i][j] or (SECONDARY if values[i][j] else None)
        change_at = grid.col("change")
        for i in range(len(rows)):
            grid.status[i][change_at] = derived_status(grid.status[i][0], grid.status[i][1])
    return grid


def waiting_grid(data: dict) -> Grid:
    """The events over whose attendance nobody entered yet, named for the weekly meeting."""
    sites, types = _refs(data, "sites"), _refs(data, "event_types")
    rows, values = [], []
    for row in data["events"]["waiting"]:
        rows.append((str(row["event"]), f"{row['date']:%d/%m/%Y} · {row['title']}"))
        values.append([sites[row["site"]]["label"] if row["site"] in sites else "–",
                       types[row["type"]]["label"] if row["type"] in types else "–"])
    columns = [Column("site", _("Site"), kind="text"), Column("type", _("Type"), kind="text")]
    return _plain_grid("events_waiting", _("Fréquentations à saisir"),
                       str(vocabulary.DESTINATIONS["event"]), rows,
                       columns, values,
                       note=_("Aucune : toutes les fréquentations sont saisies.") if not rows
                       else _("Événements terminés dont la fréquentation n'est pas saisie."))


def annual_sheets(data: dict, threshold: int | None) -> list[Sheet]:
    """Return the annual report's events sheets."""
    by_type = by_type_grid(data, threshold)
    return [
        Sheet(_("Programme d'événements"), [
            by_type, by_month_grid(data, threshold, by_type),
            location_grid(data, threshold, by_type),
            breakdown_grid(data, "poles", "poles", "event_sessions_by_pole", _("Par pôle"),
                           _("Pôle"), threshold),
            breakdown_grid(data, "partners", "partners", "event_sessions_by_partner",
                           _("Par partenaire organisateur"), _("Partenaire"), threshold),
            breakdown_grid(data, "site", "sites", "event_sessions_by_site", _("Par site"),
                           _("Site"), threshold)]),
        Sheet(_("Participants aux événements"), split_grids(data, threshold, by_type)),
        Sheet(_("Public touché"), [reach_grid(data, threshold)]),
    ]


def summary_sheets(data: dict) -> list[Sheet]:
    """Return the weekly or monthly summary's events sheet."""
    by_type = by_type_grid(data)
    return [Sheet(_("Programme d'événements"), [by_type, location_grid(data, None, by_type),
                                                reach_grid(data), waiting_grid(data)])]


def twin_keys(report) -> dict:
    """Return the twin's events keys: {type code: {"sessions": n, "attendance": n}}, reach."""
    grids = {grid.key: grid for grid in report.grids()}
    if TYPE_GRID not in grids:
        return {}
    grid = grids[TYPE_GRID]
    sessions, attendance = grid.col("sessions"), grid.col("attendance")
    out = {"events_by_type": {code: {"sessions": grid.shown(i, sessions),
                                     "attendance": grid.shown(i, attendance)}
                              for i, (code, _label) in enumerate(grid.rows[:-1])}}
    if REACH_GRID in grids:
        reach = grids[REACH_GRID]
        out["events_reach"] = {code: reach.shown(i, 0) for i, (code, _l) in enumerate(reach.rows)}
    return out
