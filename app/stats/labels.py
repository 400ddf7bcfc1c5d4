"""Codes and labels shared by the dashboard and the exported reports, so both agree."""

from __future__ import annotations

from flask_babel import gettext as _

UNSTATED = "unstated"
NO_POINT = "no-point"
FIXED_DESTINATIONS = ("documentation", "cyber", "event", "desk", "partner")
# Upper bounds (inclusive, minutes) of the duration bins; the last bin is open.
DURATION_BINS = (("0-15", 15), ("15-30", 30), ("30-45", 45), ("45-60", 60), ("60+", None))


def fixed_labels() -> dict[str, str]:
    """Return the labels of destinations, channels, duration bins and the unstated value."""
    return {
        "documentation": _("Documentation"), "cyber": _("Cyber info"), "event": _("Événement"),
        "desk": _("Réponse à l'accueil"), "partner": _("Organisme extérieur"),
        "in_person": _("En personne"), "phone": _("Téléphone"), "video": _("Visio"),
        "0-15": _("15 min ou moins"), "15-30": _("16 à 30 min"), "30-45": _("31 à 45 min"),
        "45-60": _("46 à 60 min"), "60+": _("Plus de 60 min"),
        UNSTATED: _("Non précisé"), NO_POINT: _("Sans point d'accueil"),
    }


def duration_bin(minutes: int) -> str:
    """Return the code of the duration bin a number of minutes falls in."""
    for code, upper in DURATION_BINS:
        if upper is None or minutes <= upper:
            return code
    return DURATION_BINS[-1][0]
