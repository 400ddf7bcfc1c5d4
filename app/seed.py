"""Reference data of the Marseille Cité des Métiers, seeded idempotently.

A row an administrator edited (``customised``) is never overwritten; a missing row is added.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import EventType, Outcome, Partner, Pole, ProfileOption, ReceptionPoint, Site, Theme

WEEK_10_18 = {str(day): ["10:00", "18:00"] for day in range(6)}  # Monday to Saturday

SITES = [
    # code, label, city, parent, opening hours, interview weekdays
    ("marseille", "Cité des Métiers de Marseille", "Marseille", None, WEEK_10_18, [0, 1, 2, 3, 4]),
    ("gap", "Centre associé de Gap", "Gap", "marseille",
     {str(d): ["09:00", "17:00"] for d in range(5)}, [1, 3]),
    ("istres", "Centre associé d'Istres", "Istres", "marseille",
     {str(d): ["09:00", "17:00"] for d in range(5)}, [0, 2, 4]),
    ("martigues", "Centre associé de Martigues", "Martigues", "marseille",
     {str(d): ["09:00", "17:00"] for d in range(5)}, [0, 2, 4]),
    ("aubagne", "Centre associé d'Aubagne", "Aubagne", "marseille",
     {str(d): ["09:00", "17:00"] for d in range(5)}, [1, 3]),
    ("la-garde", "Centre associé de La Garde", "La Garde", "marseille",
     {str(d): ["09:00", "17:00"] for d in range(5)}, [0, 2, 4]),
    ("sisteron", "Centre associé de Sisteron", "Sisteron", "marseille",
     {str(d): ["09:00", "16:00"] for d in range(4)}, [1]),
    ("antibes", "Centre associé d'Antibes", "Antibes", "marseille",
     {str(d): ["09:00", "17:00"] for d in range(5)}, [0, 2, 4]),
]

RECEPTION_POINTS = [
    # code, site, label, floor
    ("marseille-rdc", "marseille", "Accueil rez-de-chaussée", "Rez-de-chaussée"),
    ("marseille-1", "marseille", "Accueil 1er étage", "1er étage"),
    ("marseille-2", "marseille", "Accueil 2e étage", "2e étage"),
] + [
    (f"{code}-accueil", code, "Accueil", "Rez-de-chaussée")
    for code, *_rest in SITES[1:]
]

POLES = [
    ("orientation", "S'orienter, se reconvertir", "Orientation"),
    ("formation", "Choisir sa formation", "Formation"),
    ("emploi", "Trouver son emploi", "Emploi"),
    ("creation", "Créer son activité", "Création"),
]

PARTNERS = [
    # code, label, description, seconds counsellors
    ("france-travail", "France Travail (ex-Pôle emploi)", "Rapprochement offre et demande d'emploi", True),
    ("mission-locale", "Mission Locale de Marseille", "Insertion des jeunes de 16 à 25 ans", True),
    ("cio", "CIO – Rectorat d'Aix-Marseille", "Information sur les études et les formations", True),
    ("afpa", "AFPA", "Formation professionnelle des adultes", True),
    ("cidff", "CIDFF", "Droits des femmes et des familles, autonomie professionnelle", True),
    ("cnam", "CNAM", "Formation supérieure d'adultes et apprentissage", True),
    ("fongecif", "Transitions Pro PACA (ex-Fongecif)", "Projets de transition des salariés", True),
    ("afij", "AFIJ", "Insertion des jeunes diplômés et des étudiants", True),
    ("metierama", "Métierama", "Découverte des métiers pour les jeunes", True),
    ("plie", "PLIE MPM Centre (Emergences)", "Accompagnement renforcé vers l'emploi", True),
    ("cite", "Cité des Métiers (équipe propre)", "Salariés de la Cité", True),
    ("cci", "CCI", "Chambre de commerce et d'industrie", False),
    ("cma", "Chambre de métiers et de l'artisanat", "Artisanat et création d'entreprise", False),
    ("apec", "APEC", "Cadres et jeunes diplômés", False),
    ("cap-emploi", "Cap emploi", "Emploi des personnes en situation de handicap", False),
    ("maison-emploi", "Maison de l'emploi", "Services de l'emploi du territoire", False),
]

PROFILE_OPTIONS = {
    "status": [
        ("scolaire", "Collégien·ne, lycéen·ne"),
        ("etudiant", "Étudiant·e"),
        ("demandeur-emploi", "Demandeur·se d'emploi"),
        ("salarie", "Salarié·e"),
        ("independant", "Indépendant·e, chef·fe d'entreprise"),
        ("inactif", "Sans activité"),
        ("retraite", "Retraité·e"),
        ("autre", "Autre situation"),
    ],
    "age_band": [
        ("moins-16", "Moins de 16 ans"),
        ("16-25", "16 à 25 ans"),
        ("26-44", "26 à 44 ans"),
        ("45-54", "45 à 54 ans"),
        ("55-plus", "55 ans et plus"),
    ],
    "gender": [
        ("femme", "Femme"),
        ("homme", "Homme"),
        ("autre", "Autre"),
    ],
    "first_visit": [
        ("oui", "Première visite"),
        ("non", "Déjà venu·e"),
    ],
}

EVENT_TYPES = [
    ("atelier", "Atelier"),
    ("info-metiers", "Info métiers"),
    ("info-collective", "Information collective"),
    ("journee-thematique", "Journée thématique"),
    ("semaine-metiers", "Semaine des métiers"),
    ("forum", "Forum de recrutement"),
    ("visite-groupe", "Visite de groupe"),
]

THEMES = {
    "orientation": [
        ("bilan-competences", "Bilan de compétences"),
        ("reconversion", "Reconversion professionnelle"),
        ("decouverte-metiers", "Découverte des métiers"),
        ("choix-etudes", "Choix d'études"),
        ("vae", "Validation des acquis (VAE)"),
        ("cep", "Conseil en évolution professionnelle"),
        ("handicap-orientation", "Orientation et handicap"),
    ],
    "formation": [
        ("financement-formation", "Financement de la formation"),
        ("cpf", "Compte personnel de formation"),
        ("apprentissage", "Apprentissage, alternance"),
        ("recherche-formation", "Recherche d'une formation"),
        ("formation-distance", "Formation à distance"),
        ("remise-a-niveau", "Remise à niveau, savoirs de base"),
    ],
    "emploi": [
        ("cv-candidature", "CV et candidatures"),
        ("recherche-emploi", "Techniques de recherche d'emploi"),
        ("entretien-embauche", "Préparer un entretien d'embauche"),
        ("mobilite-internationale", "Mobilité à l'étranger"),
        ("droits-chomage", "Droits et indemnisation"),
        ("job-etudiant", "Job étudiant, saisonnier"),
        ("egalite-pro", "Égalité professionnelle, mixité des métiers"),
    ],
    "creation": [
        ("statut-juridique", "Statut juridique de l'entreprise"),
        ("financement-creation", "Financer son projet"),
        ("micro-entreprise", "Micro-entreprise"),
        ("etude-marche", "Étude de marché"),
        ("reprise-entreprise", "Reprise d'entreprise"),
        ("entrepreneuriat-feminin", "Entrepreneuriat au féminin"),
    ],
}

OUTCOMES = [
    # code, label, target kind
    ("information", "Information donnée", None),
    ("documentation", "Orienté vers la documentation", None),
    ("atelier", "Atelier ou événement proposé", None),
    ("orientation-organisme", "Orienté vers un organisme", "partner"),
    ("rdv-organisme", "Rendez-vous pris dans un organisme", "partner"),
    ("second-entretien", "Second entretien proposé", None),
    ("reorientation", "Réorienté vers un autre pôle", "pole"),
]


# English labels of the rows above, by code; proper names without one stay as they are.
ENGLISH = {
    "sites": {
        "marseille": "Cité des Métiers, Marseille",
        **{code: f"{city} associated centre" for code, _label, city, *_rest in SITES[1:]},
    },
    "points": {
        "marseille-rdc": "Ground-floor desk",
        "marseille-1": "First-floor desk",
        "marseille-2": "Second-floor desk",
        **{f"{code}-accueil": "Reception desk" for code, *_rest in SITES[1:]},
    },
    "poles": {
        "orientation": ("Choosing a path, changing career", "Guidance"),
        "formation": ("Choosing a training course", "Training"),
        "emploi": ("Finding a job", "Jobs"),
        "creation": ("Starting a business", "Business"),
    },
    "partners": {
        "cio": "CIO – Aix-Marseille education authority",
        "afpa": "AFPA (adult vocational training)",
        "cidff": "CIDFF (women's and families' rights)",
        "fongecif": "Transitions Pro PACA (career transitions)",
        "cite": "Cité des Métiers (own staff)",
        "cci": "Chamber of Commerce and Industry",
        "cma": "Chamber of Trades and Crafts",
        "cap-emploi": "Cap emploi (disability and employment)",
        "maison-emploi": "Employment centre",
    },
    "profile_options": {
        "status": {
            "scolaire": "Pupil (secondary school)", "etudiant": "Student",
            "demandeur-emploi": "Job seeker", "salarie": "Employee",
            "independant": "Self-employed, business owner", "inactif": "Not working",
            "retraite": "Retired", "autre": "Other situation",
        },
        "age_band": {
            "moins-16": "Under 16", "16-25": "16 to 25", "26-44": "26 to 44",
            "45-54": "45 to 54", "55-plus": "55 and over",
        },
        "gender": {"femme": "Woman", "homme": "Man", "autre": "Other"},
        "first_visit": {"oui": "First visit", "non": "Has been before"},
    },
    "event_types": {
        "atelier": "Workshop", "info-metiers": "Job information session",
        "info-collective": "Group information session", "journee-thematique": "Themed day",
        "semaine-metiers": "Jobs week", "forum": "Recruitment fair",
        "visite-groupe": "Group visit",
    },
    "themes": {
        "bilan-competences": "Skills assessment",
        "reconversion": "Career change",
        "decouverte-metiers": "Discovering jobs",
        "choix-etudes": "Choosing studies",
        "vae": "Accreditation of prior experience (VAE)",
        "cep": "Career development advice",
        "handicap-orientation": "Guidance and disability",
        "financement-formation": "Funding a course",
        "cpf": "Personal training account (CPF)",
        "apprentissage": "Apprenticeship, work-study",
        "recherche-formation": "Finding a course",
        "formation-distance": "Distance learning",
        "remise-a-niveau": "Refresher, basic skills",
        "cv-candidature": "CV and applications",
        "recherche-emploi": "Job-search techniques",
        "entretien-embauche": "Preparing a job interview",
        "mobilite-internationale": "Working abroad",
        "droits-chomage": "Unemployment rights and benefits",
        "job-etudiant": "Student and seasonal jobs",
        "egalite-pro": "Workplace equality, gender balance in jobs",
        "statut-juridique": "Legal form of the business",
        "financement-creation": "Funding the project",
        "micro-entreprise": "Micro-enterprise",
        "etude-marche": "Market research",
        "reprise-entreprise": "Taking over a business",
        "entrepreneuriat-feminin": "Women's entrepreneurship",
    },
    "outcomes": {
        "information": "Information given",
        "documentation": "Sent to the documentation area",
        "atelier": "Workshop or event offered",
        "orientation-organisme": "Referred to an organisation",
        "rdv-organisme": "Appointment made with an organisation",
        "second-entretien": "Second interview offered",
        "reorientation": "Referred to another pole",
    },
}


def _upsert(model, key: dict, values: dict, position: int) -> object:
    """Add the row if missing; refresh it only while no administrator has edited it."""
    row = db.session.scalar(sa.select(model).filter_by(**key))
    if row is None:
        row = model(**key, **values, position=position)
        db.session.add(row)
    elif not row.customised:
        for name, value in values.items():
            setattr(row, name, value)
        row.position = position
    return row


def seed_reference() -> None:
    """Insert or refresh the Marseille reference data; never overwrite an admin's change."""
    sites = {}
    for position, (code, label, city, parent, hours, days) in enumerate(SITES):
        sites[code] = _upsert(
            Site, {"code": code},
            {"label": label, "label_en": ENGLISH["sites"].get(code), "city": city,
             "opening_hours": hours, "interview_days": days, "parent": sites.get(parent)},
            position,
        )
    db.session.flush()
    for position, (code, site, label, floor) in enumerate(RECEPTION_POINTS):
        _upsert(ReceptionPoint, {"code": code},
                {"label": label, "label_en": ENGLISH["points"].get(code), "floor": floor,
                 "site_id": sites[site].id}, position)
    poles = {}
    for position, (code, label, short) in enumerate(POLES):
        label_en, short_en = ENGLISH["poles"].get(code, (None, None))
        poles[code] = _upsert(Pole, {"code": code},
                              {"label": label, "label_en": label_en, "short_label": short,
                               "short_label_en": short_en}, position)
    for position, (code, label, description, seconds) in enumerate(PARTNERS):
        _upsert(Partner, {"code": code},
                {"label": label, "label_en": ENGLISH["partners"].get(code),
                 "description": description, "seconds_counsellors": seconds},
                position)
    for category, options in PROFILE_OPTIONS.items():
        english = ENGLISH["profile_options"].get(category, {})
        for position, (code, label) in enumerate(options):
            _upsert(ProfileOption, {"category": category, "code": code},
                    {"label": label, "label_en": english.get(code)}, position)
    for position, (code, label) in enumerate(EVENT_TYPES):
        _upsert(EventType, {"code": code},
                {"label": label, "label_en": ENGLISH["event_types"].get(code)}, position)
    db.session.flush()
    for pole_code, themes in THEMES.items():
        for position, (code, label) in enumerate(themes):
            _upsert(Theme, {"code": code}, {"label": label, "label_en": ENGLISH["themes"].get(code),
                                            "pole_id": poles[pole_code].id}, position)
    for position, (code, label, target) in enumerate(OUTCOMES):
        _upsert(Outcome, {"code": code}, {"label": label, "label_en": ENGLISH["outcomes"].get(code),
                                          "target_kind": target}, position)
    seed_floor(sites, poles)
    db.session.commit()


# issue 11: the spaces occupancy rounds count at Marseille, and the rounds' schedule.
SPACES = [
    # code, label, English label, capacity, pole of the waiting area
    ("documentation", "Espace documentation", "Documentation area", 40, None),
    ("cyber", "Cyber info", "Cyber room", 26, None),
    ("decouverte-metiers", "Coin découverte des métiers", "Job-discovery corner", 12, None),
] + [
    (f"attente-{code}", f"Attente – {short}", f"Waiting – {ENGLISH['poles'][code][1]}", 8, code)
    for code, _label, short in POLES
]


def seed_floor(sites: dict, poles: dict) -> None:
    """Seed Marseille's spaces and an hourly round schedule for every site."""
    from app.models import RoundSchedule, Space

    db.session.flush()
    for position, (code, label, label_en, capacity, pole) in enumerate(SPACES):
        _upsert(Space, {"code": code},
                {"label": label, "label_en": label_en, "capacity": capacity,
                 "site_id": sites["marseille"].id,
                 "pole_id": poles[pole].id if pole else None}, position)
    for site in sites.values():
        if db.session.get(RoundSchedule, site.id) is None:
            db.session.add(RoundSchedule(site_id=site.id, every_minutes=60, first_hour=10,
                                         last_hour=17))
