"""The guard's refusal, said in the user's language (the guard itself has no Flask)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from flask_babel import ngettext

from app.privacy.guard import Finding

KIND_LABELS = {
    "email": _l("une adresse e-mail"),
    "phone": _l("un numéro de téléphone"),
    "nir": _l("un numéro de sécurité sociale"),
    "iban": _l("un IBAN"),
    "rib": _l("un RIB"),
    "france_travail_id": _l("un identifiant France Travail"),
    "caf_number": _l("un numéro d'allocataire CAF"),
    "passport": _l("un numéro de passeport"),
    "residence_permit": _l("un numéro de titre de séjour"),
    "plate": _l("une plaque d'immatriculation"),
    "social": _l("un compte de réseau social"),
    "address": _l("une adresse postale"),
    "birth_date": _l("une date de naissance"),
    "name": _l("un nom de personne"),
}


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
