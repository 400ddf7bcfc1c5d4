"""One word per concept: the labels of every code the app shows, in one place.

Destinations, channels, profile categories, roles, entry kinds, jobs, audit actions and
guard kinds are spelled here once (French msgids, English through the catalogue). Templates
receive them through the context processor (``vocabulary``); the browser reads them from
the page config that base.html renders (``page_config()``), so no template or script
retypes them. Reference rows (poles, themes...) carry their own label per language: see
``ReferenceMixin.label``.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.timeutil import local_today, offset_table

UNSTATED = "unstated"
NO_POINT = "no-point"

ROLES = {
    "agent": _l("Agent d'accueil"),
    "counsellor": _l("Conseiller·ère"),
    "director": _l("Direction"),
    "network-director": _l("Direction du réseau"),
    "admin": _l("Administration"),
    # issue 11: the exit kiosk's account, which can only take satisfaction answers
    "kiosk": _l("Borne de satisfaction"),
}

NAV_ITEMS = (
    # endpoint, label, roles that see it; endpoints of features not installed are skipped
    ("reception.index", _l("Accueil tablette"), ("agent", "director", "admin")),
    ("interviews.new", _l("Saisir un entretien"), ("counsellor",)),
    ("interviews.my_day", _l("Ma journée"), ("counsellor",)),
    ("interviews.index", _l("Entretiens"), ("director",)),
    ("stats.floor", _l("Tableau du jour"), ("agent", "counsellor", "director", "admin")),
    ("stats.dashboard", _l("Tableau de bord"), ("director", "admin")),
    ("reporting.index", _l("Rapports"), ("director", "admin")),
    ("admin.users", _l("Administration"), ("admin",)),
)

# Where a visitor is sent; "pole" and "partner" also name which one.
DESTINATIONS = {
    "pole": _l("Pôle"),
    "documentation": _l("Documentation"),
    "cyber": _l("Cyber info"),
    "event": _l("Événement"),
    "desk": _l("Réponse à l'accueil"),
    "partner": _l("Organisme extérieur"),
}
# The destinations that are not a reference row (statistics list them after the poles).
FIXED_DESTINATIONS = ("documentation", "cyber", "event", "desk", "partner")
# The destinations a tablet sends as their code alone: a pole or a partner names itself.
STANDALONE_DESTINATIONS = ("documentation", "cyber", "event", "desk")

ENTRY_KINDS = {
    "arrival": _l("Arrivée"),
    "reorientation": _l("Réorientation"),
}

CHANNELS = {
    "in_person": _l("Sur place"),
    "phone": _l("Téléphone"),
    "video": _l("Visio"),
}

# issue 11: a counsellor's status on the floor, and the exit kiosk's four-point scale.
PRESENCE_STATUSES = {
    "available": _l("Disponible"),
    "in_interview": _l("En entretien"),
    "away": _l("Absent·e"),
}
SATISFACTION_SCORES = {
    1: _l("Pas du tout satisfait·e"),
    2: _l("Peu satisfait·e"),
    3: _l("Satisfait·e"),
    4: _l("Très satisfait·e"),
}

PROFILE_CATEGORIES = {
    "status": _l("Situation"),
    "age_band": _l("Tranche d'âge"),
    "gender": _l("Genre"),
    "first_visit": _l("Première visite"),
}

# Upper bounds (inclusive, minutes) of the duration bins; the last bin is open.
DURATION_BINS = (("0-15", 15), ("15-30", 30), ("30-45", 45), ("45-60", 60), ("60+", None))
DURATION_BIN_LABELS = {
    "0-15": _l("15 min ou moins"),
    "15-30": _l("16 à 30 min"),
    "30-45": _l("31 à 45 min"),
    "45-60": _l("46 à 60 min"),
    "60+": _l("Plus de 60 min"),
}

OTHER = {
    UNSTATED: _l("Non précisé"),
    NO_POINT: _l("Sans point d'accueil"),
}

# What an outcome asks the counsellor to name.
OUTCOME_TARGETS = {
    "": _l("Aucune cible"),
    "partner": _l("Un partenaire"),
    "pole": _l("Un pôle"),
}

JOBS = {
    "weekly": _l("Synthèse hebdomadaire"),
    "monthly": _l("Rapport mensuel"),
    "annual": _l("Bilan d'activité annuel"),
    "backup": _l("Sauvegarde de la base"),
    "raw": _l("Export brut"),
    "partner": _l("Rapport partenaire"),
}
JOB_STATUSES = {
    "running": _l("En cours"),
    "success": _l("Réussi"),
    "failed": _l("Échec"),
    "skipped": _l("Non exécuté"),
}
# issue 12: honest reports, and reports e-mailed to their subscribers
JOB_STATUSES.update({
    "empty": _l("Aucune donnée"),
    "stale": _l("Périmé : à recompiler"),
})
DELIVERY_STATUSES = {
    "sending": _l("Envoi en cours"),
    "sent": _l("Envoyé"),
    "failed": _l("Échec, nouvel essai prévu"),
    "empty": _l("Aucune donnée, rien envoyé"),
}

# Kinds of personal data the note guard refuses, as the refusal names them.
GUARD_KINDS = {
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

# ---------------------------------------------------------------- the audit journal

# What an audit entry records, as a sentence head ("Entretien corrigé : durée …").
# Keyed by the stored action; interviews store the bare "update"/"delete".
AUDIT_ACTIONS = {
    "user.create": _l("Compte créé"),
    "user.update": _l("Compte modifié"),
    "user.deactivate": _l("Compte désactivé"),
    "user.reactivate": _l("Compte réactivé"),
    "user.password_reset": _l("Mot de passe réinitialisé"),
    "user.unlock": _l("Compte débloqué"),
    "user.password_change": _l("Mot de passe changé"),
    "reference.create": _l("Valeur ajoutée à une liste"),
    "reference.update": _l("Valeur de liste modifiée"),
    "reference.deactivate": _l("Valeur de liste désactivée"),
    "reference.reactivate": _l("Valeur de liste réactivée"),
    "update": _l("Entretien corrigé"),
    "delete": _l("Entretien supprimé"),
    "undo": _l("Saisie annulée à l'accueil"),
    # issue 12: the past years
    "history.import": _l("Historique importé"),
    # issue 10: each centre's calendar and services
    "site.hours": _l("Horaires d'un site modifiés"),
    "site.closure_add": _l("Fermeture d'un site ajoutée"),
    "site.closure_remove": _l("Fermeture d'un site supprimée"),
    "site.services": _l("Services d'un site modifiés"),
}
# Families of actions, for the journal's "what" filter.
AUDIT_FAMILIES = {
    "accounts": (_l("Comptes"), ("user.",)),
    "lists": (_l("Listes de référence"), ("reference.",)),
    "interviews": (_l("Entretiens corrigés ou supprimés"), ("update", "delete")),
    "reception": (_l("Saisies annulées à l'accueil"), ("undo",)),
    "history": (_l("Imports des années passées"), ("history.",)),
    "sites": (_l("Horaires, fermetures et services des sites"), ("site.",)),  # issue 10
}

AUDIT_TARGETS = {
    "user": _l("Compte"),
    "interview": _l("Entretien"),
    "flow_entry": _l("Saisie à l'accueil"),
    "site": _l("Site"),
    "reception_point": _l("Point d'accueil"),
    "pole": _l("Pôle"),
    "partner": _l("Partenaire"),
    "theme": _l("Thème"),
    "outcome": _l("Suite d'entretien"),
    "profile_option": _l("Profil du public"),
    "event_type": _l("Type d'événement"),
    "history_batch": _l("Import des années passées"),
    "space": _l("Espace"),  # issue 11
}

AUDIT_FIELDS = {
    "username": _l("identifiant"),
    "display_name": _l("nom affiché"),
    "role": _l("rôle"),
    "site": _l("site"),
    "pole": _l("pôle"),
    "partner": _l("partenaire"),
    "active": _l("actif"),
    "session_version": _l("sessions ouvertes"),
    "locked_until": _l("bloqué jusqu'à"),
    "failed_logins": _l("échecs de connexion"),
    "must_change_password": _l("mot de passe à choisir"),
    "code": _l("code"),
    "label": _l("libellé"),
    "label_en": _l("libellé anglais"),
    "short_label": _l("libellé court"),
    "short_label_en": _l("libellé court anglais"),
    "position": _l("ordre"),
    "city": _l("ville"),
    "parent": _l("site principal"),
    "floor": _l("étage"),
    "description": _l("description"),
    "seconds_counsellors": _l("détache des conseillers"),
    "public_contacts": _l("coordonnées publiques"),
    "category": _l("catégorie"),
    "target_kind": _l("cible"),
    # issue 10
    "opening_hours": _l("horaires"),
    "interview_days": _l("jours d'entretiens"),
    "closure": _l("fermeture"),
    "services": _l("services"),
    "other_sites": _l("autres sites servis"),
    "deleted_at": _l("annulée le"),
    "started_at": _l("début"),
    "duration_min": _l("durée"),
    "channel": _l("canal"),
    "profile.status": _l("situation"),
    "profile.age_band": _l("tranche d'âge"),
    "profile.gender": _l("genre"),
    "profile.first_visit": _l("première visite"),
    "themes": _l("thèmes"),
    "outcomes": _l("suites"),
    "note": _l("note"),
    # issue 12: the past years
    "file": _l("fichier"),
    "source": _l("origine"),
    "period": _l("période"),
    "rows_added": _l("chiffres ajoutés"),
    "rows_replaced": _l("chiffres remplacés"),
    "rows_unchanged": _l("chiffres inchangés"),
    "months_captured": _l("mois déjà saisis (les données saisies priment)"),
    "capacity": _l("places"),  # issue 11
}


# ---------------------------------------------------------------- events (issue 9)

NAV_ITEMS += (
    ("events.calendar", _l("Événements"), ("agent", "counsellor", "director", "admin")),
)
EVENT_STATUSES = {
    "planned": _l("Prévu"),
    "held": _l("Tenu"),
    "cancelled": _l("Annulé"),
}
EVENT_LOCATIONS = {
    "centre": _l("Dans le centre"),
    "outside": _l("Hors les murs"),
}
EVENT_REPEATS = {
    "none": _l("Une seule fois"),
    "weekly": _l("Chaque semaine, le même jour"),
}
# How the counts relate, said once: the dashboard and the workbook print these words.
REACH = {
    "floor_visitors": _l("Visiteurs accueillis (saisies de l'accueil)"),
    "floor_for_events": _l("dont venus pour un événement"),
    "attendance_in_centre": _l("Participants aux événements dans le centre"),
    "attendance_outside": _l("Participants aux événements hors les murs"),
    "in_centre_beyond_floor": _l("Participants dans le centre non passés par l'accueil"),
    "public_reached": _l("Public touché au total"),
}
REACH_EXPLAINED = _l(
    "Public touché = visiteurs accueillis + participants hors les murs + participants dans "
    "le centre au-delà des visiteurs venus pour un événement : une personne venue à un "
    "atelier par l'accueil n'est comptée qu'une fois.")
AUDIT_ACTIONS.update({
    "event.update": _l("Événement modifié"),
    "event.cancel": _l("Événement annulé"),
    "event.attendance": _l("Fréquentation d'un événement saisie"),
})
AUDIT_FAMILIES["events"] = (_l("Événements"), ("event.",))
AUDIT_TARGETS["event"] = _l("Événement")
AUDIT_FIELDS.update({"status": _l("statut"), "attendance": _l("participants")})


def label_of(table: dict, code, default=None) -> str:
    """Return the label of a code in one of the tables above, else the default or the code."""
    if code in table:
        return str(table[code])
    return str(default) if default is not None else str(code)


def in_language(french: str, english: str | None) -> str:
    """Return the English text on English pages when there is one, else the French text."""
    if english and is_english():
        return english
    return french


def is_english() -> bool:
    """Tell whether the page being built speaks English."""
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _strings(table: dict) -> dict[str, str]:
    return {code: str(label) for code, label in table.items()}


def page_config() -> dict:
    """Return what the browser needs of the vocabulary, in the page's language, and the clock."""
    locale = get_locale()
    return {
        "locale": str(locale) if locale else "fr",
        # The site's UTC offsets for a year (static/js/clock.js): days without Intl's cost.
        "clock": offset_table(local_today()),
        "labels": {
            "roles": _strings(ROLES),
            "destinations": _strings(DESTINATIONS),
            "entryKinds": _strings(ENTRY_KINDS),
            "channels": _strings(CHANNELS),
            "profileCategories": _strings(PROFILE_CATEGORIES),
            "guardKinds": _strings(GUARD_KINDS),
            "other": _strings(OTHER),
        },
    }


def template_vocabulary() -> dict:
    """Return the tables templates read, under the name ``vocabulary``."""
    return {
        "roles": ROLES, "destinations": DESTINATIONS, "entry_kinds": ENTRY_KINDS,
        "channels": CHANNELS, "profile_categories": PROFILE_CATEGORIES,
        "duration_bins": DURATION_BIN_LABELS, "other": OTHER, "outcome_targets": OUTCOME_TARGETS,
        "jobs": JOBS, "job_statuses": JOB_STATUSES, "guard_kinds": GUARD_KINDS,
        "audit_actions": AUDIT_ACTIONS, "audit_targets": AUDIT_TARGETS,
        "audit_fields": AUDIT_FIELDS,
        "presence_statuses": PRESENCE_STATUSES, "satisfaction_scores": SATISFACTION_SCORES,
        "event_statuses": EVENT_STATUSES, "event_locations": EVENT_LOCATIONS,
        "reach": REACH, "reach_explained": REACH_EXPLAINED,
    }
