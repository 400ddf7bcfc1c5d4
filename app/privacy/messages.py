"""The guard's refusal, said in the user's language (the guard itself has no Flask)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import ngettext

from app.privacy.guard import Finding
from app.vocabulary import GUARD_KINDS

# The words for each kind live in the one vocabulary, with every other label.
KIND_LABELS = GUARD_KINDS


def refusal_message(findings: Sequence[Finding]) -> str:
    """Name each kind of personal data found and where; never quote the text itself."""
    parts = " ; ".join(
        _("%(what)s (caractères %(start)d à %(end)d)", what=KIND_LABELS[f.kind],
          start=f.start + 1, end=f.end)
        for f in findings
    )
    return ngettext("Donnée personnelle détectée : %(parts)s. Retirez-la avant d'enregistrer.",
                    "Données personnelles détectées : %(parts)s. Retirez-les avant d'enregistrer.",
                    len(findings), parts=parts)
