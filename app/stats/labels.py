"""Codes and labels shared by the dashboard and the exported reports, so both agree.

The words themselves live in app.vocabulary; this module keeps the names the statistics
code imports.
"""

from __future__ import annotations

from app import vocabulary
from app.vocabulary import DURATION_BINS, FIXED_DESTINATIONS, NO_POINT, UNSTATED

__all__ = ["DURATION_BINS", "FIXED_DESTINATIONS", "NO_POINT", "UNSTATED", "duration_bin",
           "fixed_labels"]


def fixed_labels() -> dict[str, str]:
    """Return the labels of destinations, channels, duration bins and the unstated value."""
    tables = (vocabulary.DESTINATIONS, vocabulary.CHANNELS, vocabulary.DURATION_BIN_LABELS,
              vocabulary.OTHER)
    labels = {code: str(label) for table in tables for code, label in table.items()}
    labels.pop("pole")  # a pole is named by its own reference row
    return labels


def duration_bin(minutes: int) -> str:
    """Return the code of the duration bin a number of minutes falls in."""
    for code, upper in DURATION_BINS:
        if upper is None or minutes <= upper:
            return code
    return DURATION_BINS[-1][0]
