"""The floor's sheets of the reports (issue 11): poles per hour, occupancy, satisfaction.

Built from the rows app.figures.period gathered (poles, occupancy and satisfaction
figures); satisfaction counts are suppressed in the publication edition like every count
of visitors, and the twin reads its keys from these same grids.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _

from app.exports.figures import MONTHS
from app.vocabulary import SATISFACTION_SCORES
from app.exports.grids import DECIMAL, INTEGER, PERCENT, Chart, Column, Grid, Sheet, count_grid
from app.privacy.suppression import PRIMARY, SECONDARY, is_small

NOT_SAID = "non-precise"


def _labels() -> dict[int, str]:
    return {score: f"{score} – {label}" for score, label in SATISFACTION_SCORES.items()}


def _refs(data: dict, key: str) -> dict[int, dict]:
    return {row["id"]: row for row in data["refs"][key]}


def pole_hours_grid(data: dict, threshold: int | None) -> Grid:
    """Per pole and hour: persons sent, interviews, average wait at the end of the hour, short hours."""
    poles = _refs(data, "poles")
    sums: dict[tuple, dict] = defaultdict(lambda: {"sent": 0, "interviews": 0, "waiting": 0,
                                                   "days": 0, "short": 0})
    for row in data["pole_hours"]:
        cell = sums[(row["pole"], row["hour"])]
        cell["sent"] += row["sent"]
        cell["interviews"] += row["interviews"]
        cell["waiting"] += row["waiting"]
        cell["days"] += 1
        cell["short"] += 1 if row["short"] else 0
    keys = sorted(sums, key=lambda key: (poles[key[0]]["position"] if key[0] in poles else 99,
                                         key[0] or 0, key[1]))
    rows, values, status = [], [], []
    for pole_id, hour in keys:
        cell = sums[(pole_id, hour)]
        pole = poles.get(pole_id, {"code": "?", "label": "?"})
        rows.append((f"{pole['code']}:{hour}", f"{pole['label']} · {hour} h"))
        values.append([cell["sent"], cell["interviews"],
                       cell["waiting"] / cell["days"] if cell["days"] else None, cell["short"]])
        hidden = [PRIMARY if threshold is not None and is_small(v, threshold) else None
                  for v in (cell["sent"], cell["interviews"], cell["short"])]
        # An average wait could give back a hidden count: hidden with it.
        status.append(hidden[:2] + [SECONDARY if any(hidden[:2]) else None, hidden[2]])
    columns = [Column("sent", _("Orientés vers le pôle (personnes)")),
               Column("interviews", _("Entretiens")),
               Column("waiting", _("Attente estimée en fin d'heure (moyenne par jour)"), DECIMAL, "average"),
               Column("short_hours", _("Heures sans conseiller disponible avec attente"))]
    grid = Grid("pole_hours", _("Pôles par heure : orientés, entretiens, attente"), _("Pôle · heure"),
                rows, columns, values, status, threshold)
    grid.note = _("Attente estimée : personnes orientées vers le pôle dans les 90 minutes "
                  "précédentes, moins les entretiens commencés depuis (jamais moins de zéro). "
                  "Dernière colonne : nombre de jours où, à la fin de cette heure, des visiteurs "
                  "attendaient et aucun conseiller du pôle n'était disponible.")
    return grid


def _spaces(data: dict, used: set) -> list[dict]:
    return [row for row in data["refs"]["spaces"] if row["active"] or row["id"] in used]


def occupancy_grids(data: dict) -> list[Grid]:
    """Average and peak occupancy per space and hour, and each space's use against its capacity."""
    by_hour = {(row["space"], row["hour"]): row for row in data["occupancy_by_hour"]}
    by_space = {row["space"]: row for row in data["occupancy_by_space"]}
    # The spaces some round counted: a space never counted has no figure to give.
    spaces = [s for s in _spaces(data, set(by_space)) if s["id"] in by_space]
    if not spaces:
        return []
    hours = sorted({hour for _space, hour in by_hour})
    rows = [(s["code"], s["label"]) for s in spaces]
    grids = []
    for key, title, measure, fmt in (
            ("occupancy_average", _("Occupation moyenne par espace et par heure (personnes)"),
             "average", DECIMAL),
            ("occupancy_peak", _("Occupation maximale par espace et par heure (personnes)"),
             "peak", INTEGER)):
        values = [[by_hour[(s["id"], h)][measure] if (s["id"], h) in by_hour else None
                   for h in hours] for s in spaces]
        grids.append(Grid(key, title, _("Espace"), rows,
                          [Column(f"h{h}", _("%(hour)d h", hour=h), fmt, "average") for h in hours],
                          values, [[None] * len(hours) for _s in spaces]))
    summary_values, summary_status = [], []
    for s in spaces:
        row = by_space.get(s["id"])
        capacity = s["capacity"]
        average = row["average"] if row else None
        peak = row["peak"] if row else None
        summary_values.append([capacity, row["rounds"] if row else 0, average, peak,
                               average / capacity if capacity and average is not None else None,
                               peak / capacity if capacity and peak is not None else None])
        summary_status.append([None] * 6)
    summary = Grid("occupancy_by_space", _("Occupation des espaces et capacité"), _("Espace"), rows,
                   [Column("capacity", _("Places")), Column("rounds", _("Tournées")),
                    Column("average", _("Moyenne (personnes)"), DECIMAL, "average"),
                    Column("peak", _("Maximum (personnes)"), INTEGER, "average"),
                    Column("average_use", _("Taux d'occupation moyen"), PERCENT, "share"),
                    Column("peak_use", _("Taux d'occupation maximal"), PERCENT, "share")],
                   summary_values, summary_status,
                   chart=Chart("bar", _("Occupation moyenne et maximale"), ["average", "peak"]))
    summary.note = _("Cyber info : le taux d'occupation rapporte les personnes comptées aux "
                     "postes (26 à Marseille). Tournées : comptages faits par l'accueil.")
    return [summary, *grids]


def satisfaction_grids(data: dict, threshold: int | None) -> list[Grid]:
    """Answers per month and score, per pole and score (and per site for the network)."""
    labels = _labels()
    scores = [(str(score), labels[score]) for score in (1, 2, 3, 4)]
    by_month, by_pole, by_site = defaultdict(int), defaultdict(int), defaultdict(int)
    for row in data["satisfaction"]:
        by_month[(row["month"].month, row["score"])] += row["answers"]
        by_pole[(row["pole"], row["score"])] += row["answers"]
        by_site[(row["site"], row["score"])] += row["answers"]
    months = [[by_month[(m, s)] for s in (1, 2, 3, 4)] for m in range(1, 13)]
    month_grid = count_grid(
        "satisfaction_by_month", _("Satisfaction : réponses par mois et par note"), _("Mois"),
        [(str(m), str(MONTHS[m - 1]).capitalize()) for m in range(1, 13)], scores, months,
        threshold, chart=Chart("bar", _("Réponses par mois"), ["total"]))
    # The other grids show the same score totals: they take the first grid's decision.
    score_margin = month_grid.status[-1]
    poles = data["refs"]["poles"]
    used = {pole for pole, _s in by_pole}
    pole_rows = [(p["code"], p["label"]) for p in poles if p["id"] in used]
    pole_ids = [p["id"] for p in poles if p["id"] in used]
    if None in used:
        pole_rows.append((NOT_SAID, _("Pôle non précisé")))
        pole_ids.append(None)
    pole_grid = count_grid(
        "satisfaction_by_pole", _("Satisfaction : réponses par pôle et par note"), _("Pôle"),
        pole_rows, scores, [[by_pole[(p, s)] for s in (1, 2, 3, 4)] for p in pole_ids],
        threshold, col_margin=score_margin, shares=False)
    grids = [month_grid, pole_grid]
    if len(data["scope_sites"]) > 1:
        sites = data["scope_sites"]
        grids.append(count_grid(
            "satisfaction_by_site", _("Satisfaction : réponses par site et par note"), _("Site"),
            [(s["code"], s["label"]) for s in sites], scores,
            [[by_site[(s["id"], score)] for score in (1, 2, 3, 4)] for s in sites], threshold,
            col_margin=score_margin))
    refused = defaultdict(int)
    for row in data["satisfaction_throttled"]:
        refused[row["month"].month] += row["taps"]
    throttled = count_grid(
        "satisfaction_throttled", _("Borne : appuis refusés (rafales), hors des réponses"),
        _("Mois de l'appui"), [(str(m), str(MONTHS[m - 1]).capitalize()) for m in range(1, 13)],
        [("taps", _("Appuis refusés"))], [[refused[m]] for m in range(1, 13)], None)
    throttled.note = _("Un appui trop rapproché du précédent sur la même borne (moins de "
                       "quelques secondes, ou plus de six par minute) est gardé et compté ici, "
                       "jamais dans les réponses.")
    return grids + ([throttled] if threshold is None else [])


def floor_sheets(data: dict, threshold: int | None, *, pole_hours: bool = True) -> list[Sheet]:
    """Return the report's floor sheets: poles per hour, occupancy, satisfaction.

    The poles per hour need the instants of the raw rows, which retention removes after some
    years while the rollups keep every other figure: the annual report, read again years
    later, leaves them out (pole_hours=False); the weekly and monthly reports carry them.
    """
    if not data.get("flows", True):
        return []
    sheets = []
    poles = pole_hours_grid(data, threshold) if pole_hours else None
    if poles is not None and poles.rows:
        sheets.append(Sheet(_("Pôles par heure"), [poles]))
    occupancy = occupancy_grids(data)
    if occupancy:
        sheets.append(Sheet(_("Occupation des espaces"), occupancy))
    return sheets + [Sheet(_("Satisfaction"), satisfaction_grids(data, threshold))]


def floor_twin(report) -> dict:
    """Return the twin's satisfaction and occupancy keys, read from the report's grids."""
    grids = {grid.key: grid for grid in report.grids()}
    out = {}
    month = grids.get("satisfaction_by_month")
    if month is not None:
        total = len(month.rows) - 1
        by_score = {code: month.shown(total, month.col(code)) for code in ("1", "2", "3", "4")}
        out["satisfaction"] = {"answers": month.shown(total, month.col("total")),
                               "by_score": by_score}
    summary = grids.get("occupancy_by_space")
    if summary is not None:
        average, peak, rounds = summary.col("average"), summary.col("peak"), summary.col("rounds")
        out["occupancy"] = {
            code: {"average": round(summary.values[i][average], 2)
                   if summary.values[i][average] is not None else None,
                   "peak": summary.values[i][peak]}
            for i, (code, _label) in enumerate(summary.rows) if summary.values[i][rounds]}
    return out
