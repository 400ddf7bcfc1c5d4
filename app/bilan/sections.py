"""The bilan's sections, in order: each names its template, its grids and when it shows.

A section whose figures are absent is left out, with its line in the table of contents:
events, the centres side by side, satisfaction or occupancy join the document when
their figures reach the data dict, each by one line here and one template in
app/templates/bilan/sections/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models import PROFILE_CATEGORIES


@dataclass(frozen=True)
class Section:
    """A part of the document: its key (the anchor), title, template and grids."""

    key: str
    title: object
    template: str
    grids: tuple[str, ...] = ()
    # When the section shows; by default, when any of its grids is in the data.
    when: Callable[[dict], bool] | None = None

    def shown(self, data: dict) -> bool:
        """Tell whether the section has something to show for this data."""
        if self.when is not None:
            return self.when(data)
        return any(key in data["grids"] for key in self.grids)

    def present(self, data: dict) -> list[str]:
        """Return the keys of its grids the data holds, in the section's order."""
        return [key for key in self.grids if key in data["grids"]]


def _several_sites(data: dict) -> bool:
    return len(data["sites"]) > 1 and "opening_days" in data["grids"]


def _points(data: dict) -> bool:
    return any(key.startswith("points") for key in data["grids"])


SECTIONS: list[Section] = [
    Section("foreword", _l("Avant-propos"), "bilan/sections/foreword.html",
            when=lambda data: bool(data["foreword"])),
    Section("key_figures", _l("Chiffres clés de l'année"), "bilan/sections/key_figures.html",
            ("summary", "year_on_year")),
    Section("attendance", _l("Fréquentation par mois, jour et heure"),
            "bilan/sections/grids.html",
            ("attendance_by_month", "attendance_by_weekday", "attendance_by_hour")),
    Section("orientations", _l("Orientations et réorientations entre pôles"),
            "bilan/sections/grids.html",
            ("arrivals_by_destination", "arrivals_by_partner", "reorientations")),
    Section("interviews", _l("Entretiens"), "bilan/sections/grids.html",
            ("interviews_by_pole", "interviews_by_month", "interviews_by_partner",
             "interviews_by_theme", "interviews_by_outcome", "interviews_by_duration")),
    Section("public", _l("Les publics accueillis"), "bilan/sections/grids.html",
            tuple(f"profile_{category}" for category in PROFILE_CATEGORIES)
            + ("gender_by_pole", "gender_by_destination")),
    Section("events", _l("Événements"), "bilan/sections/grids.html",
            ("event_sessions_by_type", "event_sessions_by_month", "event_sessions_by_location",
             "event_sessions_by_pole", "event_sessions_by_partner", "events_reach",
             "events_by_type")),
    Section("centres", _l("Les centres côte à côte"), "bilan/sections/grids.html",
            ("consolidation", "opening_days"), when=_several_sites),
    Section("satisfaction", _l("Satisfaction des visiteurs"), "bilan/sections/grids.html",
            ("satisfaction", "satisfaction_by_month", "satisfaction_by_pole",
             "satisfaction_by_site")),
    Section("occupancy", _l("Occupation des espaces"), "bilan/sections/grids.html",
            ("occupancy_by_space", "occupancy_average", "occupancy_peak")),
    Section("trend", _l("Évolution sur toutes les années connues"),
            "bilan/sections/trend.html", when=lambda data: True),
    Section("method", _l("Notes de méthode"), "bilan/sections/method.html",
            when=lambda data: True),
]


def shown_sections(data: dict) -> list[Section]:
    """Return the sections the data gives something to show, in order."""
    return [section for section in SECTIONS if section.shown(data)]
