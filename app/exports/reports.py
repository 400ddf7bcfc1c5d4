"""Whole reports: the annual activity report, the weekly and monthly summaries, and a
partner's own report, as sheets of grids ready to be written to a workbook and a twin."""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _

from app import vocabulary
from app.exports import events as event_sheets
from app.exports.figures import Figures
from app.exports.history import add_imported
from app.exports.floor import floor_sheets
from app.exports.grids import (
    DECIMAL,
    INTEGER,
    PERCENT,
    Chart,
    Column,
    Grid,
    Report,
    Sheet,
    change,
    derived_status,
    ratio,
)
from app.models import PROFILE_CATEGORIES
from app.privacy.suppression import suppress_vector

EDITIONS = ("internal", "public")


def edition_label(edition: str) -> str:
    """Return the edition's name as the report prints it."""
    return _("Interne (tous les chiffres)") if edition == "internal" else _(
        "Publication (petits effectifs masqués)")



def _filters(data: dict, edition: str, threshold: int | None) -> list[tuple[str, str]]:
    site = data["site"]["label"] if data["site"] else _("Réseau (tous les sites)")
    rows = [
        (_("Période"), _("du %(start)s au %(end)s", start=f"{data['start']:%d/%m/%Y}",
                         end=f"{data['end']:%d/%m/%Y}")),
        (_("Site"), site),
        (_("Édition"), edition_label(edition)),
        (_("Généré le"), f"{data['generated_at']:%d/%m/%Y %H:%M}"),
    ]
    if data.get("partner"):
        rows.insert(2, (_("Partenaire"), data["partner"]["label"]))
    if provisional(data):
        rows.insert(1, (_("Statut"), _("Provisoire : la période n'est pas terminée, données au "
                                       "%(day)s", day=f"{data_as_of(data):%d/%m/%Y}")))
    return rows


def data_as_of(data: dict):
    """Return the last day the figures of a report count (its end, or the day compiled)."""
    return min(data["end"], data["generated_at"].date())


def provisional(data: dict) -> bool:
    """Tell whether the report's period had not ended when it was compiled."""
    return data["end"] >= data["generated_at"].date()


def _legend(threshold: int | None) -> str:
    if threshold is None:
        return ""
    return _("Secret statistique : « <%(limit)d » signale un effectif de 1 à %(threshold)d ; "
             "« s », une case masquée pour qu'aucune autre ne puisse être recalculée.",
             limit=threshold + 1, threshold=threshold)


def _key_figures(current: Figures, previous: Figures | None) -> list[dict]:
    """List the summary's figures: code, label, value, status, format (current and previous)."""

    def figures(f: Figures) -> dict:
        out = {}
        if f.data["flows"]:
            out["visitors"] = (f.visitors, f.visitors_status, INTEGER)
            dest = f.destinations
            for code, _label in f.destination_rows:
                i, j = dest.row(code), dest.count_columns()[-1]
                out[f"destination:{code}"] = (dest.values[i][j], dest.status[i][j], INTEGER)
        out["interviews"] = (f.interviews_total, f.interviews_status, INTEGER)
        out["average_duration"] = (ratio(f.minutes_total, f.interviews_total),
                                   derived_status(f.interviews_status), DECIMAL)
        out["reorientations"] = (f.reorientations_total, f.reorientations_status, INTEGER)
        if f.data["flows"]:
            days = f.data["network_opening_days"]
            out["opening_days"] = (days, None, INTEGER)
            out["visitors_per_day"] = (ratio(f.visitors, days), derived_status(f.visitors_status),
                                       DECIMAL)
            out["interviews_per_day"] = (ratio(f.interviews_total, days),
                                         derived_status(f.interviews_status), DECIMAL)
        return out

    labels = {
        "visitors": _("Visiteurs accueillis (personnes)"),
        "interviews": _("Entretiens"),
        "average_duration": _("Durée moyenne d'un entretien (min)"),
        "reorientations": _("Réorientations (personnes)"),
        "opening_days": _("Jours d'ouverture"),
        "visitors_per_day": _("Visiteurs par jour d'ouverture (moyenne)"),
        "interviews_per_day": _("Entretiens par jour d'ouverture (moyenne)"),
    }
    for code, label in current.destination_rows if current.data["flows"] else []:
        labels[f"destination:{code}"] = _("Orientés vers : %(destination)s", destination=label)
    now = figures(current)
    before = figures(previous) if previous is not None else {}
    return [{"code": code, "label": labels[code], "now": now[code],
             "before": before.get(code, (None, None, now[code][2]))} for code in now]


def summary_grid(current: Figures, previous: Figures | None, current_label: str,
                 previous_label: str) -> Grid:
    """Build the key figures beside the previous year's, with the change."""
    rows, values, status, formats = [], [], [], []
    for figure in _key_figures(current, previous):
        (value, state, fmt), (old, old_state, _fmt) = figure["now"], figure["before"]
        rows.append((figure["code"], figure["label"]))
        values.append([value, old, change(value, old)])
        status.append([state, old_state, derived_status(state, old_state)])
        formats.append(fmt)
    columns = [Column("current", current_label), Column("previous", previous_label),
               Column("change", _("Évolution"), PERCENT, "change")]
    return Grid("summary", _("Chiffres clés"), _("Indicateur"), rows, columns, values, status,
                current.t, row_formats=formats)


def year_on_year_grid(current: Figures, previous: Figures, labels: tuple[str, str]) -> Grid:
    """Build visitors and interviews per month, this year beside last year."""
    rows, values, status = [], [], []
    now_a, old_a = current.attendance_month, previous.attendance_month
    now_i, old_i = current.interviews_by_month, previous.interviews_by_month
    for i, (code, label) in enumerate(now_a.rows):
        row_values, row_status = [], []
        if current.data["flows"]:
            j, k = now_a.count_columns()[-1], old_a.count_columns()[-1]
            a, b = now_a.values[i][j], old_a.values[i][k]
            sa_, sb = now_a.status[i][j], old_a.status[i][k]
            row_values += [a, b, change(a, b)]
            row_status += [sa_, sb, derived_status(sa_, sb)]
        j, k = now_i.count_columns()[-1], old_i.count_columns()[-1]
        a, b = now_i.values[i][j], old_i.values[i][k]
        sa_, sb = now_i.status[i][j], old_i.status[i][k]
        row_values += [a, b, change(a, b)]
        row_status += [sa_, sb, derived_status(sa_, sb)]
        rows.append((code, label))
        values.append(row_values)
        status.append(row_status)
    columns = []
    if current.data["flows"]:
        columns += [Column("visitors", _("Visiteurs %(year)s", year=labels[0])),
                    Column("visitors_previous", _("Visiteurs %(year)s", year=labels[1])),
                    Column("visitors_change", _("Évolution"), PERCENT, "change")]
    columns += [Column("interviews", _("Entretiens %(year)s", year=labels[0])),
                Column("interviews_previous", _("Entretiens %(year)s", year=labels[1])),
                Column("interviews_change", _("Évolution"), PERCENT, "change")]
    series = ["visitors", "visitors_previous"] if current.data["flows"] else [
        "interviews", "interviews_previous"]
    return Grid("year_on_year", _("Comparaison avec l'année précédente, mois par mois"),
                _("Mois"), rows, columns, values, status, current.t, total_row=True,
                chart=Chart("line", _("Évolution mensuelle"), series))


def opening_days_grid(f: Figures) -> Grid:
    """Opening days per site, with visitors and interviews per opening day."""
    visitors = f.site_totals
    interviews_by_site = defaultdict(int)
    for row in f.data["interviews_by_day"]:
        interviews_by_site[row["site"]] += row["count"]
    interviews = [interviews_by_site[s["id"]] for s in f.sites]
    v_status = f.sites_margin[:-1] if f.multi else f.sites_margin
    i_status = f.interview_sites_margin[:-1] if f.multi else f.interview_sites_margin
    rows, values, status = [], [], []
    for k, site in enumerate(f.sites):
        days = f.data["opening_days"][site["code"]]
        rows.append((site["code"], site["label"]))
        values.append([days, visitors[k], ratio(visitors[k], days), interviews[k],
                       ratio(interviews[k], days)])
        status.append([None, v_status[k], derived_status(v_status[k]), i_status[k],
                       derived_status(i_status[k])])
    if f.multi:
        days = f.data["network_opening_days"]
        rows.append(("total", _("Réseau (jours où au moins un site est ouvert)")))
        values.append([days, f.visitors, ratio(f.visitors, days), f.interviews_total,
                       ratio(f.interviews_total, days)])
        status.append([None, f.visitors_status, derived_status(f.visitors_status),
                       f.interviews_status, derived_status(f.interviews_status)])
    columns = [Column("opening_days", _("Jours d'ouverture")),
               Column("visitors", _("Visiteurs (personnes)")),
               Column("visitors_per_day", _("Visiteurs par jour"), DECIMAL, "average"),
               Column("interviews", _("Entretiens")),
               Column("interviews_per_day", _("Entretiens par jour"), DECIMAL, "average")]
    grid = Grid("opening_days", _("Moyennes par jour d'ouverture"), _("Site"), rows, columns,
                values, status, f.t, total_row=f.multi,
                chart=Chart("bar", _("Visiteurs par jour d'ouverture"), ["visitors_per_day"]))
    grid.note = _("Jours d'ouverture : jours de la semaine où le site ouvre, moins les jours "
                  "fériés et les fermetures du site.")
    return grid


def consolidation_grid(f: Figures) -> Grid:
    """The regional consolidation: the common indicators, one column per centre and the total.

    Counts hide as in the other tables of the edition (the visitors and interviews per site
    share their statuses); a rate or share hides with a count it is computed from.
    """
    compared = f.data["network"]
    by_code = {row["code"]: row for row in compared["sites"]}
    centres = [by_code[site["code"]] for site in f.sites if site["code"] in by_code]
    every = centres + [compared["total"]]
    # Only a report over several sites has this sheet: a status per site, then the total's.
    v_status, i_status, t = f.sites_margin, f.interview_sites_margin, f.t
    reoriented = [row["reorientations"] for row in centres]
    r_status = (suppress_vector(reoriented, t) if t is not None
                else [None] * (len(reoriented) + 1))
    specs = [
        # code, label, format, value of a column, its status
        ("visitors", _("Visiteurs (personnes)"), INTEGER,
         lambda row: row["visitors"], lambda k: v_status[k]),
        ("opening_days", _("Jours d'ouverture"), INTEGER,
         lambda row: row["opening_days"], lambda k: None),
        ("visitors_per_day", _("Visiteurs par jour d'ouverture"), DECIMAL,
         lambda row: row["visitors_per_day"], lambda k: derived_status(v_status[k])),
        ("interviews", _("Entretiens"), INTEGER,
         lambda row: row["interviews"], lambda k: i_status[k]),
        ("interviews_per_100", _("Entretiens pour 100 visiteurs"), DECIMAL,
         lambda row: row["interviews_per_100"], lambda k: derived_status(v_status[k], i_status[k])),
        ("reorientations", _("Réorientations"), INTEGER,
         lambda row: row["reorientations"], lambda k: r_status[k]),
        ("reorientation_rate", _("Taux de réorientation"), PERCENT,
         lambda row: _fraction(row["reorientation_rate"]),
         lambda k: derived_status(v_status[k], r_status[k])),
        ("events_attendance", _("Participants aux événements"), INTEGER,
         lambda row: row["events_attendance"], lambda k: None),
        ("first_visit_share", _("Part des premières visites"), PERCENT,
         lambda row: _fraction(row["first_visit_share"]), lambda k: derived_status(v_status[k])),
        ("women_share", _("Part des femmes"), PERCENT,
         lambda row: _fraction(row["women_share"]), lambda k: derived_status(v_status[k])),
    ]
    rows, values, status, formats = [], [], [], []
    for code, label, fmt, value, state in specs:
        if code == "events_attendance" and all(value(row) is None for row in every):
            continue  # no events figures yet (issue 9's module): no row of blanks
        rows.append((code, label))
        values.append([value(row) for row in every])
        status.append([state(k) for k in range(len(every))])
        formats.append(fmt)
    columns = [Column(row["code"], row["city"] or row["label"]) for row in centres]
    columns.append(Column("total", _("Réseau"), kind="total"))
    grid = Grid("consolidation", _("Consolidation régionale"), _("Indicateur"), rows, columns,
                values, status, t, row_formats=formats)
    grid.note = _("Une colonne par centre et le total du réseau. Moyennes par jour d'ouverture "
                  "de chaque centre (ses horaires, ses fermetures, les jours fériés) ; les "
                  "parts se calculent sur les visiteurs dont le profil est renseigné.")
    return grid


def _fraction(percent):
    return None if percent is None else percent / 100


def annual_report(data: dict, edition: str, threshold: int) -> Report:
    """Build the annual activity report of the data, in one edition."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}")
    t = threshold if edition == "public" else None
    now = Figures(data, t)
    before = Figures(data["previous"], t) if data.get("previous") else None
    year, last = str(data["start"].year), str(data["previous"]["start"].year) if before else ""
    summary = summary_grid(now, before, year, last or _("Année précédente"))
    sheets = [
        Sheet(_("Synthèse"), [summary]),
        Sheet(_("Fréquentation par mois"), [now.attendance_month]),
        Sheet(_("Jours de la semaine"), [now.attendance_weekday]),
        Sheet(_("Heures d'arrivée"), [now.attendance_hour]),
    ]
    if now.point_grids:
        sheets.append(Sheet(_("Points d'accueil"), now.point_grids))
    sheets += [
        Sheet(_("Orientations"), [now.destinations, now.partners_out]),
        Sheet(_("Réorientations"), [now.reorientations]),
        Sheet(_("Entretiens par pôle"), [now.interviews_by_pole, now.interviews_by_month]),
        Sheet(_("Entretiens par partenaire"), [now.interviews_by_partner]),
        Sheet(_("Thèmes et suites"), [now.interviews_by_theme, now.interviews_by_outcome]),
        Sheet(_("Durées et canaux"), [now.interviews_by_duration]),
        Sheet(_("Profil des publics"), [now.profile[c] for c in PROFILE_CATEGORIES]),
        Sheet(_("Genre par pôle"), [now.gender_by_pole, now.gender_by_destination]),
        Sheet(_("Événements"), [now.events]),
    ]
    sheets += event_sheets.annual_sheets(data, t)
    if before is not None:
        sheets.append(Sheet(_("Année précédente"), [year_on_year_grid(now, before,
                                                                      (year, last))]))
    sheets.append(Sheet(_("Jours d'ouverture"), [opening_days_grid(now)]))
    sheets += floor_sheets(data, t, pole_hours=False)  # issue 11
    if now.multi and now.data.get("network"):
        sheets.insert(1, Sheet(_("Consolidation régionale"), [consolidation_grid(now)]))
    title = _("Bilan d'activité %(year)s", year=year)
    report = Report("annual", title, _filters(data, edition, t), edition, t, sheets,
                    legend=_legend(t))
    report.twin = {"previous_period": _period(data.get("previous"))}
    add_imported(report, data, t)
    return report


def period_report(data: dict, kind: str, compare: list[tuple[str, dict]]) -> Report:
    """Build a weekly or monthly summary (internal: every figure) beside comparison periods."""
    now = Figures(data, None)
    others = [(label, Figures(other, None)) for label, other in compare]
    summary = compare_grid(now, others)
    sheets = [
        Sheet(_("Synthèse"), [summary]),
        Sheet(_("Jours"), [now.attendance_day]),
        Sheet(_("Heures d'arrivée"), [now.attendance_hour]),
        Sheet(_("Orientations"), [now.destinations]),
        Sheet(_("Réorientations"), [now.reorientations]),
        Sheet(_("Entretiens"), [now.interviews_by_pole, now.interviews_by_partner]),
        *event_sheets.summary_sheets(data),
    ]
    sheets += floor_sheets(data, None)  # issue 11
    if data.get("quality"):
        sheets.append(Sheet(_("Qualité des données"), [data_quality_grid(data["quality"])]))
    # One word per report, the one the Reports page and the journal use.
    titles = {"hebdo": str(vocabulary.JOBS["weekly"]), "mensuel": str(vocabulary.JOBS["monthly"])}
    report = Report(kind, titles.get(kind, _("Synthèse")), _filters(data, "internal", None),
                    "internal", None, sheets)
    report.twin = {"compare": [{"label": label, **_period(other)} for label, other in compare]}
    if data.get("quality"):
        report.twin["data_quality"] = data["quality"]
    return report


def data_quality_grid(quality: dict) -> Grid:
    """The data-quality panel of the dashboard, per centre (issue 10): what to check."""
    columns = [Column("silent_days", _("Jours d'ouverture sans arrivée")),
               Column("counselling_without_interview",
                      _("Jours d'entretiens avec arrivées, sans entretien")),
               Column("closed_day_arrivals", _("Jours de fermeture avec arrivées")),
               Column("stopped_points", _("Points d'accueil muets"))]
    rows, values, status = [], [], []
    for site in quality["sites"]:
        rows.append((site["code"], site["label"]))
        silent = site["opening_days"] if site["no_arrival"] else len(site["silent_days"])
        values.append([silent, len(site["counselling_without_interview"]),
                       len(site["closed_day_arrivals"]), len(site["stopped_points"])])
        status.append([None] * 4)
    grid = Grid("data_quality", _("Qualité des données"), _("Site"), rows, columns, values,
                status, None)
    details = []
    for site in quality["sites"]:
        days = [day.isoformat() for day in site["silent_days"][-5:]]
        if site["no_arrival"]:
            details.append(_("%(site)s : aucune arrivée sur la période.", site=site["label"]))
        elif days:
            details.append(_("%(site)s : sans arrivée le %(days)s.", site=site["label"],
                             days=", ".join(days)))
        for point in site["stopped_points"]:
            details.append(_("%(site)s : le point « %(point)s » n'envoie plus rien.",
                             site=site["label"], point=point["label"]))
    grid.note = " ".join(details) or _("Rien à signaler.")
    return grid


def compare_grid(now: Figures, others: list[tuple[str, Figures]]) -> Grid:
    """Build the key figures of a period beside each comparison period, with the change."""
    current = _key_figures(now, None)
    previous = [(label, {f["code"]: f["now"] for f in _key_figures(other, None)})
                for label, other in others]
    columns = [Column("current", _("Période"))]
    for k, (label, _figures) in enumerate(previous):
        columns += [Column(f"compare_{k}", label),
                    Column(f"change_{k}", _("Évolution"), PERCENT, "change")]
    rows, values, status = [], [], []
    for figure in current:
        value = figure["now"][0]
        row = [value]
        for _label, figures in previous:
            old = figures.get(figure["code"], (None,))[0]
            row += [old, change(value, old)]
        rows.append((figure["code"], figure["label"]))
        values.append(row)
        status.append([None] * len(row))
    grid = Grid("summary", _("Chiffres clés"), _("Indicateur"), rows, columns, values, status)
    grid.row_formats = [figure["now"][2] for figure in current]
    return grid


def partner_report(data: dict, edition: str, threshold: int) -> Report:
    """Build a partner's own report: aggregates of its counsellors' interviews."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}")
    t = threshold if edition == "public" else None
    now = Figures(data, t)
    before = Figures(data["previous"], t) if data.get("previous") else None
    last = str(data["previous"]["start"].year) if before else _("Année précédente")
    sheets = [
        Sheet(_("Synthèse"), [summary_grid(now, before, str(data["start"].year), last)]),
        Sheet(_("Entretiens par pôle"), [now.interviews_by_pole, now.interviews_by_month]),
        Sheet(_("Thèmes et suites"), [now.interviews_by_theme, now.interviews_by_outcome]),
        Sheet(_("Durées et canaux"), [now.interviews_by_duration]),
        Sheet(_("Profil des publics"), [now.profile[c] for c in PROFILE_CATEGORIES]),
        Sheet(_("Genre par pôle"), [now.gender_by_pole]),
        Sheet(_("Réorientations"), [now.reorientations]),
    ]
    title = _("Activité de %(partner)s à la Cité des Métiers — %(year)d",
              partner=data["partner"]["label"], year=data["start"].year)
    report = Report("partner", title, _filters(data, edition, t), edition, t, sheets,
                    legend=_legend(t))
    report.twin = {"previous_period": _period(data.get("previous")),
                   "partner": {"code": data["partner"]["code"],
                               "label": data["partner"]["label"]}}
    return report


def _period(data: dict | None) -> dict | None:
    if not data:
        return None
    return {"start": data["start"].isoformat(), "end": data["end"].isoformat()}
