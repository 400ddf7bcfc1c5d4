"""Administration: accounts, reference lists and the audit journal, as an admin sees them."""

from __future__ import annotations

import html
import re
import uuid
from contextlib import contextmanager
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AuditEvent,
    EventType,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    ReceptionPoint,
    Theme,
    User,
)
from app.privacy.guard import check_text
from app.seed import seed_reference
from app.timeutil import utcnow
from tests.conftest import PASSWORD, Auth

GENERATED = re.compile(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>")


@contextmanager
def database(app):
    """Open a short application context to read or arrange rows directly."""
    with app.app_context():
        yield db.session
        db.session.remove()


def user_row(app, username: str) -> dict:
    with database(app) as session:
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            return {}
        return {"id": user.id, "role": user.role, "site": user.site.code, "active": user.active,
                "pole": user.pole and user.pole.code, "partner": user.partner and user.partner.code,
                "display_name": user.display_name, "hash": user.password_hash,
                "session_version": user.session_version, "locked_until": user.locked_until}


def audit_events(app, action: str | None = None) -> list[dict]:
    with database(app) as session:
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return [{"action": e.action, "user_id": e.user_id, "target_type": e.target_type,
                 "target_id": e.target_id, "changes": e.changes, "at": e.at}
                for e in session.scalars(query)]


def post(auth: Auth, url: str, data: dict | None = None, **kwargs):
    """Submit a form the way the browser does, with the page's CSRF token."""
    return auth.client.post(url, data={**(data or {}), "csrf_token": auth.token}, **kwargs)


def new_session(app, username: str, password: str = PASSWORD) -> Auth:
    """Log the account in on another device (its own cookie jar)."""
    other = Auth(app.test_client())
    response = other.login(username, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return other


def chooses_own_password(app, username: str, password: str) -> bool:
    """Log in with a password an admin gave: the account is sent to choose its own (issue 7)."""
    response = Auth(app.test_client()).login(username, password)
    return response.status_code == 302 and response.headers["Location"].startswith("/mot-de-passe")


def text(response) -> str:
    """Return the page as a reader sees its characters (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def admin(logged_in):
    auth, user = logged_in("admin")
    return auth


@pytest.fixture
def admin_user(logged_in):
    return logged_in("admin")


def account_form(**overrides) -> dict:
    data = {"username": f"agent-{uuid.uuid4().hex[:6]}", "display_name": "Camille Accueil",
            "role": "agent", "site": "marseille", "pole": "", "partner": "",
            "password": "un-mot-de-passe-solide"}
    data.update(overrides)
    return data


# ---------------------------------------------------------------- accounts: list

def test_accounts_list_filters_by_role_site_and_state(app, admin, make_user):
    agent = make_user("agent", site="marseille")
    counsellor = make_user("counsellor", site="gap", pole="emploi", partner="france-travail")
    gone = make_user("director")
    with database(app) as session:
        session.get(User, gone.id).active = False
        session.commit()

    everyone = text(admin.client.get("/admin/comptes"))
    agents = text(admin.client.get("/admin/comptes?role=agent"))
    at_gap = text(admin.client.get("/admin/comptes?site=gap"))
    inactive = text(admin.client.get("/admin/comptes?state=desactives"))

    assert all(u.username in everyone for u in (agent, counsellor, gone))
    assert agent.username in agents and counsellor.username not in agents
    assert counsellor.username in at_gap and agent.username not in at_gap
    assert gone.username in inactive and agent.username not in inactive
    assert '<span class="badge badge-off">Désactivé</span>' in inactive
    assert 'role="status">1 compte</p>' in inactive


# ---------------------------------------------------------------- accounts: create

def test_created_account_logs_in_with_its_initial_password(app, admin):
    form = account_form(username="accueil-rdc", password="dix-caracteres-ok")

    response = post(admin, "/admin/comptes/nouveau", form, follow_redirects=True)

    assert response.status_code == 200
    assert "Compte « accueil-rdc » créé." in text(response)
    stored = user_row(app, "accueil-rdc")
    assert (stored["role"], stored["site"], stored["display_name"]) == (
        "agent", "marseille", "Camille Accueil")
    assert stored["hash"].startswith("$argon2id$")
    assert chooses_own_password(app, "accueil-rdc", "dix-caracteres-ok")


def test_generated_password_is_shown_once_and_works(app, admin):
    response = post(admin, "/admin/comptes/nouveau",
                    account_form(username="accueil-1", password=""))

    assert response.status_code == 200
    assert "il ne sera plus jamais affiché" in text(response)
    assert response.headers["Cache-Control"] == "no-store"
    password = GENERATED.search(text(response)).group(1)
    assert chooses_own_password(app, "accueil-1", password)
    edit_page = text(admin.client.get(f"/admin/comptes/{user_row(app, 'accueil-1')['id']}"))
    assert password not in edit_page


def test_counsellor_needs_a_pole_and_a_partner(app, admin):
    response = post(admin, "/admin/comptes/nouveau",
                    account_form(username="conseil-1", role="counsellor"))

    page = text(response)
    assert response.status_code == 400
    assert "Indiquez le pôle du conseiller ou de la conseillère." in page
    assert "Indiquez la structure partenaire qui le ou la détache." in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="pole-hint pole-error"' in page
    assert user_row(app, "conseil-1") == {}

    ok = post(admin, "/admin/comptes/nouveau", account_form(
        username="conseil-1", role="counsellor", pole="emploi", partner="mission-locale"))
    assert ok.status_code == 302
    assert (user_row(app, "conseil-1")["pole"], user_row(app, "conseil-1")["partner"]) == (
        "emploi", "mission-locale")


def test_pole_and_partner_are_dropped_for_other_roles(app, admin):
    post(admin, "/admin/comptes/nouveau", account_form(
        username="direction-1", role="director", pole="emploi", partner="cio"))
    assert (user_row(app, "direction-1")["pole"], user_row(app, "direction-1")["partner"]) == (
        None, None)


@pytest.mark.parametrize("overrides, field, message", [
    ({"username": "Admin-Dup"}, "username", "Cet identifiant est déjà utilisé."),
    ({"username": "é t é"}, "username", "lettres sans accents"),
    ({"username": ""}, "username", "Indiquez un identifiant."),
    ({"site": "atlantis"}, "site", "Site inconnu ou désactivé"),
    ({"role": "superuser"}, "role", "Choisissez un rôle dans la liste."),
    ({"password": "court"}, "password", "au moins 10 caractères"),
    ({"password": " " * 12}, "password", "que d'espaces"),
    ({"role": "counsellor", "pole": "astrologie", "partner": "cio"}, "pole",
     "Pôle inconnu ou désactivé"),
])
def test_bad_account_input_is_refused_next_to_its_field(app, admin, make_user, overrides, field,
                                                        message):
    make_user("agent", username="admin-dup")
    before = len(audit_events(app))

    response = post(admin, "/admin/comptes/nouveau", account_form(**overrides))

    page = text(response)
    assert response.status_code == 400
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert error and message in error.group(1)
    assert f'id="{field}"' in page and 'aria-invalid="true"' in page
    assert len(audit_events(app)) == before


def test_username_taken_at_the_same_moment_is_refused_not_a_500(app, admin, make_user,
                                                                monkeypatch):
    make_user("agent", username="accueil-2")
    # Another administrator created it between the form's check and the insert.
    monkeypatch.setattr("app.admin.services.username_taken", lambda username: False)

    response = post(admin, "/admin/comptes/nouveau", account_form(username="accueil-2"))

    assert response.status_code == 400
    assert "Cet identifiant est déjà utilisé." in text(response)
    assert audit_events(app) == []


def test_deactivated_partner_is_no_longer_offered_to_new_counsellors(app, admin):
    with database(app) as session:
        session.scalar(sa.select(Partner).where(Partner.code == "afij")).active = False
        session.commit()

    page = text(admin.client.get("/admin/comptes/nouveau"))
    response = post(admin, "/admin/comptes/nouveau", account_form(
        username="conseil-afij", role="counsellor", pole="emploi", partner="afij"))

    assert 'value="afij"' not in page and 'value="mission-locale"' in page
    assert response.status_code == 400
    assert "Partenaire inconnu ou désactivé" in text(response)


# ---------------------------------------------------------------- accounts: edit

def test_edit_changes_role_and_site_and_is_audited(app, admin_user, make_user):
    admin, me = admin_user
    counsellor = make_user("counsellor", pole="emploi", partner="cio")

    response = post(admin, f"/admin/comptes/{counsellor.id}", {
        "display_name": "Dominique", "role": "agent", "site": "gap", "pole": "emploi",
        "partner": "cio"}, follow_redirects=True)

    assert f"Compte « {counsellor.username} » mis à jour." in text(response)
    stored = user_row(app, counsellor.username)
    assert (stored["role"], stored["site"], stored["pole"], stored["partner"]) == (
        "agent", "gap", None, None)
    [event] = audit_events(app, "user.update")
    assert event["user_id"] == me.id and event["target_id"] == str(counsellor.id)
    assert event["changes"] == {"display_name": ["Counsellor Test", "Dominique"],
                                "role": ["counsellor", "agent"], "site": ["marseille", "gap"],
                                "pole": ["emploi", None], "partner": ["cio", None]}


def test_username_cannot_be_changed(app, admin, make_user):
    agent = make_user("agent")
    post(admin, f"/admin/comptes/{agent.id}", {"username": "autre-nom", "role": "agent",
                                               "site": "marseille", "display_name": "X"})
    assert user_row(app, agent.username)["display_name"] == "X"
    assert user_row(app, "autre-nom") == {}


def test_role_change_applies_at_the_next_request(app, admin, make_user):
    director = make_user("director")
    device = new_session(app, director.username)
    assert device.client.get("/admin/comptes").status_code == 403

    post(admin, f"/admin/comptes/{director.id}", {"role": "admin", "site": "marseille",
                                                  "display_name": "D"})

    assert device.client.get("/admin/comptes").status_code == 200


def test_admin_cannot_demote_themself(app, admin_user):
    admin, me = admin_user

    response = post(admin, f"/admin/comptes/{me.id}", {"role": "director", "site": "marseille",
                                                       "display_name": "Moi"})

    assert response.status_code == 400
    assert ("Vous ne pouvez pas retirer votre propre rôle d'administration."
            in text(response))
    assert user_row(app, me.username)["role"] == "admin"
    assert audit_events(app, "user.update") == []


def test_admin_cannot_deactivate_themself(app, admin_user):
    admin, me = admin_user
    page = text(admin.client.get(f"/admin/comptes/{me.id}"))

    response = post(admin, f"/admin/comptes/{me.id}/desactiver")

    assert "Vous ne pouvez pas désactiver votre propre compte." in page
    assert f"/admin/comptes/{me.id}/desactiver" not in page
    assert response.status_code == 409
    assert "Vous ne pouvez pas désactiver votre propre compte." in text(response)
    assert user_row(app, me.username)["active"] is True
    assert admin.client.get("/admin/comptes").status_code == 200


def test_unknown_account_is_404(admin):
    assert admin.client.get("/admin/comptes/999999").status_code == 404
    assert post(admin, "/admin/comptes/999999/desactiver").status_code == 404


# ---------------------------------------------------------------- accounts: deactivate, reset

def test_deactivated_user_is_logged_out_at_once_and_cannot_log_in(app, admin_user, make_user):
    admin, me = admin_user
    agent = make_user("agent")
    tablet = new_session(app, agent.username)
    assert tablet.client.get("/accueil-du-jour").status_code == 200

    response = post(admin, f"/admin/comptes/{agent.id}/desactiver", follow_redirects=True)

    assert "désactivé : ses sessions sont fermées" in text(response)
    page = tablet.client.get("/accueil-du-jour")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    api = tablet.client.get("/api/v1/counts")
    assert api.status_code == 401 and api.json["error"] == "unauthenticated"
    refused = Auth(app.test_client()).login(agent.username)
    assert refused.status_code == 401
    assert "Ce compte est désactivé" in text(refused)
    [event] = audit_events(app, "user.deactivate")
    assert event["user_id"] == me.id and event["changes"]["active"] == [True, False]


def test_reactivated_user_logs_in_again_but_old_sessions_stay_closed(app, admin, make_user):
    agent = make_user("agent")
    tablet = new_session(app, agent.username)
    post(admin, f"/admin/comptes/{agent.id}/desactiver")

    response = post(admin, f"/admin/comptes/{agent.id}/reactiver", follow_redirects=True)

    assert f"Compte « {agent.username} » réactivé." in text(response)
    assert tablet.client.get("/accueil-du-jour").status_code == 302
    assert new_session(app, agent.username).client.get("/accueil-du-jour").status_code == 200
    assert [e["action"] for e in audit_events(app)][-2:] == ["user.deactivate", "user.reactivate"]


def test_password_reset_shows_a_new_password_revokes_sessions_and_unlocks(app, admin, make_user):
    agent = make_user("agent")
    tablet = new_session(app, agent.username)
    with database(app) as session:
        row = session.get(User, agent.id)
        row.locked_until = utcnow() + timedelta(minutes=10)
        row.failed_logins = 3
        session.commit()

    response = post(admin, f"/admin/comptes/{agent.id}/mot-de-passe")

    page = text(response)
    assert response.status_code == 200
    assert "Mot de passe réinitialisé" in page and response.headers["Cache-Control"] == "no-store"
    password = GENERATED.search(page).group(1)
    old_cookie = tablet.client.get("/accueil-du-jour")
    assert old_cookie.status_code == 302 and "/login" in old_cookie.headers["Location"]
    assert Auth(app.test_client()).login(agent.username, PASSWORD).status_code == 401
    assert chooses_own_password(app, agent.username, password)
    [event] = audit_events(app, "user.password_reset")
    assert set(event["changes"]) == {"session_version", "locked_until", "failed_logins"}
    assert event["changes"]["failed_logins"] == [3, 0]


def test_admin_resetting_their_own_password_stays_logged_in(app, admin_user):
    admin, me = admin_user
    other_device = new_session(app, me.username)

    response = post(admin, f"/admin/comptes/{me.id}/mot-de-passe")

    assert GENERATED.search(text(response))
    assert admin.client.get("/admin/comptes").status_code == 200
    assert other_device.client.get("/admin/comptes").status_code == 302


def test_audit_trail_never_holds_a_password_or_hash(app, admin, make_user):
    agent = make_user("agent")
    post(admin, "/admin/comptes/nouveau",
         account_form(username="secret-1", password="tres-secret-123"))
    reset = post(admin, f"/admin/comptes/{agent.id}/mot-de-passe")
    generated = GENERATED.search(text(reset)).group(1)

    dumped = repr(audit_events(app))
    journal = text(admin.client.get("/admin/journal"))

    for secret in ("tres-secret-123", generated, "$argon2", "password_hash"):
        assert secret not in dumped and secret not in journal
    assert "Compte créé" in journal and "Mot de passe réinitialisé" in journal


# ---------------------------------------------------------------- access

def _admin_urls(app, user_id: int, pole_id: int) -> list[tuple[str, str]]:
    values = {"user_id": user_id, "kind": "poles", "row_id": pole_id}
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("admin."):
                continue
            url = url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})
            for method in sorted(rule.methods & {"GET", "POST"}):
                urls.append((method, url))
    return urls


@pytest.mark.parametrize("role", ["agent", "counsellor", "director"])
def test_every_admin_page_is_refused_to_other_roles(app, logged_in, make_user, role):
    target = make_user("agent")
    with database(app) as session:
        pole_id = session.scalar(sa.select(Pole.id).where(Pole.code == "emploi"))
    auth, _user = logged_in(role, pole="emploi", partner="cio")
    urls = _admin_urls(app, target.id, pole_id)
    assert len(urls) >= 15

    for method, url in urls:
        response = (auth.client.get(url) if method == "GET"
                    else post(auth, url, {"label": "Piraté", "role": "admin", "site": "marseille"}))
        assert response.status_code == 403, (method, url)
    assert user_row(app, target.username)["active"] is True
    assert audit_events(app) == []


def test_admin_pages_send_anonymous_visitors_to_login(app, make_user):
    client = app.test_client()
    target = make_user("agent")
    for method, url in _admin_urls(app, target.id, 1):
        response = client.get(url) if method == "GET" else client.post(url, data={})
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert user_row(app, target.username)["active"] is True


def test_admin_pages_render_for_an_admin(app, admin, make_user):
    agent = make_user("agent")
    with database(app) as session:
        pole_id = session.scalar(sa.select(Pole.id).where(Pole.code == "emploi"))
    for method, url in _admin_urls(app, agent.id, pole_id):
        if method == "GET":
            response = admin.client.get(url)
            assert response.status_code == 200, url
            assert '<html lang="fr">' in text(response)


# ---------------------------------------------------------------- reference lists

KINDS = ["sites", "points", "poles", "partners", "themes", "outcomes", "profile-options",
         "event-types"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_reference_list_shows_its_rows(admin, kind):
    response = admin.client.get(f"/admin/listes/{kind}")
    assert response.status_code == 200
    expected = {"sites": "Centre associé de Gap", "points": "Accueil 1er étage",
                "poles": "Créer son activité", "partners": "Mission Locale de Marseille",
                "themes": "Micro-entreprise", "outcomes": "Second entretien proposé",
                "profile-options": "45 à 54 ans", "event-types": "Forum de recrutement"}
    assert expected[kind] in text(response)


def test_unknown_list_or_row_is_404(admin):
    assert admin.client.get("/admin/listes/dragons").status_code == 404
    assert admin.client.get("/admin/listes/dragons/nouveau").status_code == 404
    assert admin.client.get("/admin/listes/poles/999999").status_code == 404
    assert post(admin, "/admin/listes/poles/999999/desactiver").status_code == 404


def test_added_pole_is_listed_customised_and_audited(app, admin_user):
    admin, me = admin_user

    response = post(admin, "/admin/listes/poles/nouveau", {
        "code": "vie-pro", "label": "Changer sa vie professionnelle", "short_label": "Vie pro",
        "position": ""}, follow_redirects=True)

    assert "« Changer sa vie professionnelle » ajouté." in text(response)
    with database(app) as session:
        pole = session.scalar(sa.select(Pole).where(Pole.code == "vie-pro"))
        assert (pole.short_label, pole.active, pole.customised, pole.position) == (
            "Vie pro", True, True, 4)
    [event] = audit_events(app, "reference.create")
    assert event["user_id"] == me.id and event["target_type"] == "pole"
    assert event["changes"]["code"] == [None, "vie-pro"]


@pytest.mark.parametrize("code, message", [
    ("Mission Locale", "Lettres minuscules sans accents"),
    ("éte", "Lettres minuscules sans accents"),
    ("-debut", "Lettres minuscules sans accents"),
    ("", "Indiquez un code."),
    ("emploi", "Ce code existe déjà dans la liste."),
    ("x" * 65, "64 caractères au plus."),
])
def test_bad_code_is_refused_next_to_the_field(app, admin, code, message):
    response = post(admin, "/admin/listes/poles/nouveau", {"code": code, "label": "Test"})

    assert response.status_code == 400
    error = re.search(r'<p class="field-error" id="code-error">([^<]*)</p>', text(response))
    assert error and message in error.group(1)
    with database(app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Pole)) == 4


def test_code_taken_at_the_same_moment_is_refused_not_a_500(app, admin, monkeypatch):
    monkeypatch.setattr("app.admin.services.code_taken", lambda *args: False)

    response = post(admin, "/admin/listes/partners/nouveau", {"code": "cci", "label": "CCI bis"})

    assert response.status_code == 400
    assert "Ce code existe déjà dans la liste." in text(response)
    assert admin.client.get("/admin/listes/partners").status_code == 200
    assert audit_events(app) == []


def test_label_is_required(admin):
    response = post(admin, "/admin/listes/event-types/nouveau", {"code": "salon", "label": "  "})
    assert response.status_code == 400
    assert "Indiquez un libellé." in text(response)


def test_profile_option_codes_are_unique_within_their_category(app, admin):
    taken = post(admin, "/admin/listes/profile-options/nouveau",
                 {"code": "autre", "label": "Autre genre", "category": "gender"})
    free = post(admin, "/admin/listes/profile-options/nouveau",
                {"code": "autre", "label": "Âge non précisé", "category": "age_band"})

    assert taken.status_code == 400 and "Ce code existe déjà dans la liste." in text(taken)
    assert free.status_code == 302
    with database(app) as session:
        option = session.scalar(sa.select(ProfileOption).where(
            ProfileOption.category == "age_band", ProfileOption.code == "autre"))
        assert option.label == "Âge non précisé"


def test_reception_point_belongs_to_a_known_site(app, admin):
    bad = post(admin, "/admin/listes/points/nouveau",
               {"code": "gap-etage", "label": "Accueil étage", "site": "atlantis"})
    good = post(admin, "/admin/listes/points/nouveau",
                {"code": "gap-etage", "label": "Accueil étage", "site": "gap", "floor": "1er"})

    assert bad.status_code == 400 and "Site inconnu ou désactivé" in text(bad)
    assert good.status_code == 302
    listing = text(admin.client.get("/admin/listes/points"))
    assert "Accueil étage" in listing and "Centre associé de Gap" in listing
    with database(app) as session:
        point = session.scalar(sa.select(ReceptionPoint).where(ReceptionPoint.code == "gap-etage"))
        assert (point.site.code, point.floor) == ("gap", "1er")


def test_theme_needs_a_known_pole_and_can_move_to_another(app, admin):
    bad = post(admin, "/admin/listes/themes/nouveau",
               {"code": "numerique", "label": "Métiers du numérique", "pole": "astrologie"})
    assert bad.status_code == 400 and "Pôle inconnu ou désactivé" in text(bad)
    post(admin, "/admin/listes/themes/nouveau",
         {"code": "numerique", "label": "Métiers du numérique", "pole": "orientation"})
    with database(app) as session:
        theme_id = session.scalar(sa.select(Theme.id).where(Theme.code == "numerique"))

    post(admin, f"/admin/listes/themes/{theme_id}",
         {"label": "Métiers du numérique", "pole": "emploi", "position": "3", "active": "y"})

    with database(app) as session:
        theme = session.get(Theme, theme_id)
        assert (theme.pole.code, theme.position) == ("emploi", 3)


def test_outcome_target_is_chosen_at_creation_only(app, admin):
    post(admin, "/admin/listes/outcomes/nouveau",
         {"code": "orientation-cap", "label": "Orienté vers Cap emploi", "target_kind": "partner"})
    with database(app) as session:
        outcome = session.scalar(sa.select(Outcome).where(Outcome.code == "orientation-cap"))
        outcome_id = outcome.id
        assert outcome.target_kind == "partner"

    post(admin, f"/admin/listes/outcomes/{outcome_id}",
         {"label": "Orienté vers Cap emploi", "target_kind": "pole", "active": "y"})

    with database(app) as session:
        assert session.get(Outcome, outcome_id).target_kind == "partner"


def test_edit_keeps_the_code_marks_customised_and_survives_reseeding(app, admin_user):
    admin, me = admin_user
    with database(app) as session:
        pole = session.scalar(sa.select(Pole).where(Pole.code == "emploi"))
        pole_id = pole.id
    form = text(admin.client.get(f"/admin/listes/poles/{pole_id}"))

    response = post(admin, f"/admin/listes/poles/{pole_id}", {
        "code": "travail", "label": "Trouver un emploi", "short_label": "Emploi",
        "position": "0", "active": "y"}, follow_redirects=True)
    with database(app):
        seed_reference()

    assert 'name="code"' not in form and "<code>emploi</code>" in form
    assert "« Trouver un emploi » mis à jour." in text(response)
    with database(app) as session:
        pole = session.get(Pole, pole_id)
        assert (pole.code, pole.label, pole.position, pole.customised) == (
            "emploi", "Trouver un emploi", 0, True)
    [event] = audit_events(app, "reference.update")
    assert event["user_id"] == me.id
    assert event["changes"] == {"label": ["Trouver son emploi", "Trouver un emploi"],
                                "position": [2, 0]}


def test_unchanged_edit_writes_nothing(app, admin):
    with database(app) as session:
        pole = session.scalar(sa.select(Pole).where(Pole.code == "formation"))
        pole_id, values = pole.id, {"label": pole.label, "short_label": pole.short_label,
                                    "position": str(pole.position), "active": "y"}

    response = post(admin, f"/admin/listes/poles/{pole_id}", values, follow_redirects=True)

    assert "Aucune modification." in text(response)
    assert audit_events(app) == []
    with database(app) as session:
        assert session.get(Pole, pole_id).customised is False


def test_bad_order_is_refused(admin, app):
    with database(app) as session:
        pole_id = session.scalar(sa.select(Pole.id).where(Pole.code == "formation"))
    response = post(admin, f"/admin/listes/poles/{pole_id}",
                    {"label": "Formation", "position": "-4", "active": "y"})
    assert response.status_code == 400
    assert "Un nombre entre 0 et 9999." in text(response)


def test_deactivated_partner_keeps_its_history_but_is_no_longer_offered(app, logged_in, make_user):
    agent, _user = logged_in("agent")
    before = {"id": str(uuid.uuid4()), "kind": "arrival", "occurred_at": utcnow().isoformat(),
              "reception_point": "marseille-rdc", "destination": "partner:cci"}
    assert agent.post_json("/api/v1/entries", {"entries": [before]}).json["results"][0][
        "status"] == "created"
    admin = new_session(app, make_user("admin").username)
    with database(app) as session:
        cci_id = session.scalar(sa.select(Partner.id).where(Partner.code == "cci"))

    response = post(admin, f"/admin/listes/partners/{cci_id}/desactiver", follow_redirects=True)

    assert "désactivé : il n'est plus proposé" in text(response)
    assert f'<tr id="row-{cci_id}" class="row-inactive">' in text(response)
    after = dict(before, id=str(uuid.uuid4()))
    result = agent.post_json("/api/v1/entries", {"entries": [after]}).json["results"][0]
    assert result["status"] == "rejected"
    counts = agent.client.get("/api/v1/counts?site=marseille").json
    assert counts["by_destination"]["partner:cci"] == 1
    with database(app) as session:
        partner = session.get(Partner, cci_id)
        assert (partner.active, partner.customised) == (False, True)
    assert audit_events(app, "reference.deactivate")[0]["changes"] == {"active": [True, False]}

    post(admin, f"/admin/listes/partners/{cci_id}/reactiver")
    again = dict(before, id=str(uuid.uuid4()))
    assert agent.post_json("/api/v1/entries", {"entries": [again]}).json["results"][0][
        "status"] == "created"


def test_partner_public_contacts_are_one_per_line_and_let_through_by_the_guard(app, admin):
    with database(app) as session:
        partner_id = session.scalar(sa.select(Partner.id).where(Partner.code == "mission-locale"))
    note = "Rappeler la Mission Locale au 04 91 00 12 34 ou écrire à accueil@ml-marseille.example"
    assert check_text(note)

    response = post(admin, f"/admin/listes/partners/{partner_id}", {
        "label": "Mission Locale de Marseille", "description": "Jeunes de 16 à 25 ans",
        "seconds_counsellors": "y", "position": "1", "active": "y",
        "public_contacts": ("04 91 00 12 34\r\n\r\n  accueil@ml-marseille.example  \r\n"
                            "04 91 00 12 34"),
    }, follow_redirects=True)

    assert response.status_code == 200
    with database(app) as session:
        partner = session.get(Partner, partner_id)
        contacts = list(partner.public_contacts)
    assert contacts == ["04 91 00 12 34", "accueil@ml-marseille.example"]
    assert check_text(note, allow=contacts) == []
    listing = text(admin.client.get("/admin/listes/partners"))
    assert "accueil@ml-marseille.example" in listing
    form = text(admin.client.get(f"/admin/listes/partners/{partner_id}"))
    assert "04 91 00 12 34\naccueil@ml-marseille.example</textarea>" in form


def test_partner_contact_lines_are_bounded(app, admin):
    with database(app) as session:
        partner_id = session.scalar(sa.select(Partner.id).where(Partner.code == "cio"))
    response = post(admin, f"/admin/listes/partners/{partner_id}", {
        "label": "CIO", "position": "2", "active": "y", "public_contacts": "x" * 201})
    assert response.status_code == 400
    assert "Ligne 1 trop longue : 200 caractères au plus." in text(response)


def test_unticking_active_in_the_form_deactivates(app, admin):
    with database(app) as session:
        type_id = session.scalar(sa.select(EventType.id).where(EventType.code == "forum"))
    post(admin, f"/admin/listes/event-types/{type_id}",
         {"label": "Forum de recrutement", "position": "5"})
    with database(app) as session:
        assert session.get(EventType, type_id).active is False
    listing = text(admin.client.get("/admin/listes/event-types"))
    assert f"/admin/listes/event-types/{type_id}/reactiver" in listing


def test_reference_index_counts_active_and_deactivated_rows(app, admin):
    with database(app) as session:
        session.scalar(sa.select(Pole).where(Pole.code == "creation")).active = False
        session.commit()
    page = text(admin.client.get("/admin/listes"))
    assert "3 valeurs actives · 1 désactivée" in page


# ---------------------------------------------------------------- journal

INLINE_TAG = re.compile(r"</?(?:span|del|ins|strong|time|abbr|code|a)\b[^>]*>")


def _read(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", INLINE_TAG.sub("", fragment)).split())


def words(response) -> str:
    """Return the page's text as a reader reads it: no tags, single spaces."""
    return _read(re.sub(r"<script.*?</script>", " ", text(response), flags=re.S))


def journal_items(response) -> list[str]:
    """Return each journal entry as one line of words."""
    entries = re.findall(r'<li class="journal-entry">(.*?)</li>\s*(?=<li class="journal-entry|</ol>)',
                         text(response), re.S)
    return [_read(entry) for entry in entries]


def test_journal_says_who_did_what_to_which_target_in_words(app, admin_user, make_user):
    admin, me = admin_user
    agent = make_user("agent")
    post(admin, f"/admin/comptes/{agent.id}", {"role": "director", "site": "marseille",
                                               "display_name": "Claude"})
    post(admin, "/admin/listes/event-types/nouveau", {"code": "salon", "label": "Salon"})

    entries = journal_items(admin.client.get("/admin/journal"))
    only_lists = journal_items(admin.client.get("/admin/journal?what=lists"))

    assert len(entries) == 2 and len(only_lists) == 1
    assert "Valeur ajoutée à une liste · Types d'événement : Salon" in entries[0]
    assert f"Compte modifié · Compte de Claude ({agent.username})" in entries[1]
    assert "Rôle : Agent d'accueil → Direction" in entries[1]
    assert me.username in entries[1]
    assert "Salon" in only_lists[0]
    for raw in ("user.update", "reference.create", "event_type", "display_name"):
        assert raw not in " ".join(entries)


def test_an_interview_correction_reads_in_words_in_paris_time(app, logged_in, make_user):
    from tests.test_interviews import at, post_form, record

    session, _user = logged_in("counsellor", pole="emploi", partner="france-travail")
    own = record(session, started_at=at(1, time(14, 5)))
    post_form(session, f"/entretiens/{own}/modifier", {
        "duration_min": "45", "channel": "phone", "themes": ["cv-candidature", "entretien-embauche"],
        "outcomes": ["reorientation"], "target_reorientation": "formation"})
    admin = new_session(app, make_user("admin").username)

    [entry] = journal_items(admin.client.get("/admin/journal"))

    assert "Entretien corrigé · Entretien du" in entry and "14:05, Emploi, par" in entry
    assert "Durée : 30 min → 45 min" in entry
    assert "Canal : Sur place → Téléphone" in entry
    assert "CV et candidatures, Préparer un entretien d'embauche" in entry
    assert "Réorienté vers un autre pôle (Choisir sa formation)" in entry
    for raw in ("update", own, "duration_min", "in_person", "+00:00", "T12:05", "T13:05"):
        assert raw not in entry, raw


def test_the_journal_filters_by_who_what_when_and_site(app, admin_user, make_user):
    admin, me = admin_user
    gap_agent = make_user("agent", site="gap")
    other_admin = make_user("admin")
    now = utcnow()
    with database(app) as session:
        session.add_all([
            AuditEvent(user_id=me.id, action="user.update", target_type="user",
                       target_id=str(gap_agent.id), at=now - timedelta(days=3),
                       changes={"display_name": ["a", "b"]}),
            AuditEvent(user_id=other_admin.id, action="reference.update", target_type="pole",
                       target_id="1", at=now, changes={"position": [1, 2]}),
        ])
        session.commit()
    from app.timeutil import local_today

    three_days_ago = (local_today() - timedelta(days=3)).isoformat()
    yesterday = (local_today() - timedelta(days=1)).isoformat()

    by_who = journal_items(admin.client.get(f"/admin/journal?who={other_admin.id}"))
    by_what = journal_items(admin.client.get("/admin/journal?what=accounts"))
    by_when = journal_items(admin.client.get(f"/admin/journal?start={three_days_ago}&end={yesterday}"))
    at_gap = journal_items(admin.client.get("/admin/journal?site=gap"))
    nonsense = admin.client.get("/admin/journal?who=zz&what=zz&start=zz&site=atlantis")

    assert len(by_who) == 1 and "Valeur de liste modifiée" in by_who[0]
    assert len(by_what) == 1 and "Compte modifié" in by_what[0]
    assert len(by_when) == 1 and "Compte modifié" in by_when[0]
    assert len(at_gap) == 1 and gap_agent.username in at_gap[0]
    assert nonsense.status_code == 200 and len(journal_items(nonsense)) == 2


def test_the_journal_speaks_english_to_an_english_admin(app, admin_user, make_user):
    admin, me = admin_user
    agent = make_user("agent")
    post(admin, f"/admin/comptes/{agent.id}/desactiver")
    with admin.client.session_transaction() as session:
        session["lang"] = "en"

    response = admin.client.get("/admin/journal")
    [entry] = journal_items(response)

    assert "1 entry" in words(response)
    assert "Account deactivated · Account of" in entry
    assert "Active: yes → no" in entry and "Open sessions: closed" in entry
    assert re.search(r"\d\d/\d\d/20\d\d, \d\d:\d\d", entry)      # en-GB: day/month/year
    assert " :" not in words(response)


def test_journal_is_paginated(app, admin_user):
    admin, me = admin_user
    now = utcnow()
    with database(app) as session:
        for minute in range(60):
            session.add(AuditEvent(user_id=me.id, action="user.update", target_type="user",
                                   target_id=str(me.id), at=now - timedelta(minutes=minute),
                                   changes={"display_name": [f"n{minute}", f"n{minute + 1}"]}))
        session.commit()

    first = text(admin.client.get("/admin/journal"))
    second = text(admin.client.get("/admin/journal?page=2"))

    assert "60 entrées" in first and "Page 1 sur 2" in first and "Page 2 sur 2" in second
    assert first.count("<del>") == 50 and second.count("<del>") == 10
    assert ">n0<" in first and ">n59<" in second and ">n59<" not in first
    assert admin.client.get("/admin/journal?page=zzz").status_code == 200

