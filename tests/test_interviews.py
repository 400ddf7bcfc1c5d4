"""Interview pages: who may see what, my day, corrections within 7 Paris days, audit trail."""

from __future__ import annotations

import json
import re
import uuid
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.interviews.services import paris_instant
from app.models import AuditEvent, FlowEntry, Interview, Theme
from app.timeutil import local_today, utcnow
from tests.conftest import Auth, csrf_from
from tests.test_interviews_api import interview as api_interview

SECRET_NOTE = "Projet de reconversion vers le paysagisme, très motivée"


def interview(**overrides) -> dict:
    """Return a valid interview payload (the API tests' one, with a gender-only profile)."""
    return api_interview(**{"profile": {"gender": "femme"}, **overrides})


def at(days_ago: int, clock: time) -> str:
    """Return the instant of a Paris wall-clock time, days_ago Paris days before today."""
    return paris_instant(local_today() - timedelta(days=days_ago), clock).isoformat()


def record(session, **overrides) -> str:
    item = interview(**overrides)
    result = session.post_json("/api/v1/interviews", {"interviews": [item]}).json["results"][0]
    assert result["status"] == "created", result
    return item["id"]


def row(app, interview_id: str) -> Interview:
    with app.app_context():
        found = db.session.get(Interview, uuid.UUID(interview_id))
        db.session.expunge(found)
        return found


def audits(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return rows


def form_fields(html: str) -> dict:
    """Return what the browser would post from the page's interview form (no JavaScript)."""
    form = html[html.index('<form method="post" class="iform"'):html.index("</form>", html.index('class="iform"'))]
    data: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
        kind = attrs.get("type", "text")
        if kind in ("radio", "checkbox") and " checked" not in tag:
            continue
        if "name" in attrs:
            data.setdefault(attrs["name"], []).append(attrs.get("value", ""))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        selected = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body)
        data[name] = [selected.group(1) if selected else ""]
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = [body]
    return data


def post_form(session, url: str, changes: dict):
    page = session.client.get(url)
    assert page.status_code == 200
    data = form_fields(page.get_data(as_text=True))
    data.update({key: value if isinstance(value, list) else [value] for key, value in changes.items()})
    return session.client.post(url, data=data)


@pytest.fixture
def counsellor(logged_in):
    return logged_in("counsellor", pole="emploi", partner="france-travail")


# --------------------------------------------------------------------------------------
# Who may see what


ROUTES = [
    # method, path (with {own} for the counsellor's interview), roles allowed
    ("GET", "/entretiens/nouveau", {"counsellor"}),
    ("POST", "/entretiens/nouveau", {"counsellor"}),
    ("GET", "/entretiens/ma-journee", {"counsellor"}),
    ("GET", "/entretiens/corrections", {"counsellor"}),
    ("GET", "/entretiens/{own}/modifier", {"counsellor"}),
    ("POST", "/entretiens/{own}/modifier", {"counsellor"}),
    ("GET", "/entretiens/{own}/supprimer", {"counsellor"}),
    ("GET", "/entretiens/", {"director"}),
    ("POST", "/api/v1/interviews", {"counsellor"}),
    ("POST", "/entretiens/{own}/supprimer", {"counsellor"}),
]


def test_every_interview_route_is_listed_in_the_role_matrix(app):
    rules = {(method, rule.rule) for rule in app.url_map.iter_rules()
             if rule.rule.startswith(("/entretiens", "/api/v1/interviews"))
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(method, re.sub(r"\{own\}", "<uuid:interview_id>", path)) for method, path, _ in ROUTES}
    assert rules == listed


@pytest.mark.parametrize("role", ["anonymous", "agent", "counsellor", "director", "admin"])
def test_role_matrix(app, make_user, role):
    owner = make_user("counsellor", pole="emploi", partner="france-travail")
    owner_session = Auth(app.test_client())
    owner_session.login(owner.username)
    own = record(owner_session)
    session = owner_session if role == "counsellor" else Auth(app.test_client())
    if role not in ("anonymous", "counsellor"):
        session.login(make_user(role).username)
    token = session.token or csrf_from(session.client.get("/login").get_data(as_text=True))

    answers = {}
    for method, path, allowed in ROUTES:  # the delete comes last: the others need the interview
        url = path.format(own=own)
        if method == "GET":
            response = session.client.get(url)
        elif url.startswith("/api/"):
            response = session.client.post(url, json={"interviews": []}, headers={"X-CSRFToken": token})
        else:
            response = session.client.post(url, data={"csrf_token": token})
        location = response.headers.get("Location", "")
        if role in allowed:
            answers[(method, path)] = "ok" if response.status_code in (200, 302, 422) and "/login" not in location \
                else response.status_code
        elif role == "anonymous":
            answers[(method, path)] = "login" if response.status_code == 401 or "/login" in location \
                else response.status_code
        else:
            answers[(method, path)] = "forbidden" if response.status_code == 403 else response.status_code

    expected = {(method, path): "ok" if role in allowed else "login" if role == "anonymous" else "forbidden"
                for method, path, allowed in ROUTES}
    assert answers == expected
    assert (row(app, own).deleted_at is not None) == (role == "counsellor")


def test_a_counsellor_never_reaches_a_colleagues_interview(app, counsellor, make_user):
    session, _user = counsellor
    colleague = make_user("counsellor", pole="emploi", partner="france-travail")
    other = Auth(app.test_client())
    other.login(colleague.username)
    theirs = record(other, duration_min=25)

    assert session.client.get(f"/entretiens/{theirs}/modifier").status_code == 403
    assert session.client.post(f"/entretiens/{theirs}/modifier",
                               data={"csrf_token": session.token, "duration_min": "90"}).status_code == 403
    assert session.client.post(f"/entretiens/{theirs}/supprimer",
                               data={"csrf_token": session.token}).status_code == 403
    assert theirs not in session.client.get("/entretiens/corrections").get_data(as_text=True)
    assert theirs not in session.client.get("/entretiens/ma-journee").get_data(as_text=True)
    kept = row(app, theirs)
    assert (kept.duration_min, kept.deleted_at) == (25, None)
    assert audits(app) == []


def test_an_unknown_interview_is_a_404(counsellor):
    session, _user = counsellor
    assert session.client.get(f"/entretiens/{uuid.uuid4()}/modifier").status_code == 404
    assert session.client.get("/entretiens/not-a-uuid/modifier").status_code == 404


# --------------------------------------------------------------------------------------
# The 7-day window, in Paris days


def test_corrections_cover_today_and_the_six_paris_days_before(app, counsellor):
    session, _user = counsellor
    # Just after midnight in Paris on the oldest day still open; just before midnight on
    # the first day closed. In UTC both fall on the day before, whatever the season.
    oldest_open = record(session, started_at=at(6, time(0, 30)))
    first_closed = record(session, started_at=at(7, time(23, 30)))

    listing = session.client.get("/entretiens/corrections").get_data(as_text=True)

    assert f"/entretiens/{oldest_open}/modifier" in listing
    assert f"/entretiens/{first_closed}/modifier" not in listing
    assert session.client.get(f"/entretiens/{oldest_open}/modifier").status_code == 200
    assert session.client.get(f"/entretiens/{first_closed}/modifier").status_code == 403
    assert session.client.post(f"/entretiens/{first_closed}/supprimer",
                               data={"csrf_token": session.token}).status_code == 403
    assert row(app, first_closed).deleted_at is None


def test_a_correction_cannot_move_an_interview_out_of_the_window(app, counsellor):
    session, _user = counsellor
    own = record(session, started_at=at(2, time(10, 0)))
    too_old = (local_today() - timedelta(days=7)).isoformat()

    response = post_form(session, f"/entretiens/{own}/modifier", {"started_date": too_old})

    assert response.status_code == 422
    assert "au-delà des 7 derniers jours" in response.get_data(as_text=True)
    assert row(app, own).local_date == local_today() - timedelta(days=2)
    assert audits(app) == []


# --------------------------------------------------------------------------------------
# Corrections and their audit trail


def test_a_correction_is_audited_field_by_field_without_the_note_text(app, counsellor):
    session, user = counsellor
    own = record(session, note="Premier contact, projet flou", started_at=at(1, time(14, 5)))

    response = post_form(session, f"/entretiens/{own}/modifier", {
        "duration_min": "45", "channel": "phone", "themes": ["cv-candidature", "entretien-embauche"],
        "gender": "", "age_band": "16-25", "note": SECRET_NOTE,
    })

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/entretiens/corrections")
    corrected = row(app, own)
    assert (corrected.duration_min, corrected.channel, corrected.note) == (45, "phone", SECRET_NOTE)
    assert corrected.updated_at is not None
    [event] = audits(app)
    assert (event.user_id, event.action, event.target_type, event.target_id) == (
        user.id, "update", "interview", own)
    assert abs(event.at - utcnow()) < timedelta(minutes=1)
    assert event.changes == {
        "duration_min": [30, 45],
        "channel": ["in_person", "phone"],
        "themes": [["cv-candidature"], ["cv-candidature", "entretien-embauche"]],
        "profile.gender": ["femme", None],
        "profile.age_band": [None, "16-25"],
        "note": {"changed": True},
    }
    assert "paysagisme" not in json.dumps(event.changes) and "flou" not in json.dumps(event.changes)
    # The start was not touched: its seconds are kept, so it is not reported as changed.
    assert corrected.started_at == row(app, own).started_at


def test_saving_without_changes_records_nothing(app, counsellor):
    session, _user = counsellor
    own = record(session)
    response = post_form(session, f"/entretiens/{own}/modifier", {})
    assert response.status_code == 302
    assert audits(app) == []
    assert row(app, own).updated_at is None


def test_a_correction_keeps_references_deactivated_since(app, counsellor):
    session, _user = counsellor
    own = record(session, themes=["cv-candidature", "job-etudiant"])
    with app.app_context():
        theme = db.session.scalar(sa.select(Theme).where(Theme.code == "job-etudiant"))
        theme.active = False
        db.session.commit()

    response = post_form(session, f"/entretiens/{own}/modifier", {"duration_min": "35"})

    assert response.status_code == 302
    [event] = audits(app)
    assert event.changes == {"duration_min": [30, 35]}
    assert "job-etudiant" not in session.client.get("/entretiens/nouveau").get_data(as_text=True)


def test_a_correction_with_personal_data_in_the_note_changes_nothing(app, counsellor):
    session, _user = counsellor
    own = record(session, note="Bilan à prévoir")

    response = post_form(session, f"/entretiens/{own}/modifier",
                         {"duration_min": "50", "note": "Écrire à camille.roux@orange.fr"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Donnée personnelle détectée : une adresse e-mail (caractères 10 à 31)" in page
    kept = row(app, own)
    assert (kept.duration_min, kept.note) == (30, "Bilan à prévoir")
    assert audits(app) == []


def test_a_correction_error_is_shown_next_to_its_field(app, counsellor):
    session, _user = counsellor
    own = record(session)

    response = post_form(session, f"/entretiens/{own}/modifier",
                         {"outcomes": ["information", "rdv-organisme"], "duration_min": "abc"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="err-duration_min"[^>]*>Durée : un nombre entier de minutes\.<', page)


def test_a_missing_target_is_named_next_to_the_outcome(app, counsellor):
    session, _user = counsellor
    own = record(session)

    response = post_form(session, f"/entretiens/{own}/modifier",
                         {"outcomes": ["information", "rdv-organisme"]})

    assert response.status_code == 422
    assert re.search(r'id="err-target_rdv_organisme"[^>]*>précisez vers quel organisme<',
                     response.get_data(as_text=True))


def test_the_reorientation_follows_corrections_and_deletion(app, counsellor):
    session, user = counsellor

    def reorientations():
        return session.client.get("/api/v1/counts").json["reorientations"]

    own = record(session)
    assert reorientations() == 0

    post_form(session, f"/entretiens/{own}/modifier",
              {"outcomes": ["information", "reorientation"], "target_reorientation": "formation"})
    assert reorientations() == 1
    with app.app_context():
        flow = db.session.scalar(sa.select(FlowEntry).where(FlowEntry.interview_id == uuid.UUID(own)))
        assert (flow.from_pole.code, flow.destination_pole.code) == ("emploi", "formation")

    post_form(session, f"/entretiens/{own}/modifier",
              {"pole": "creation", "themes": ["micro-entreprise"], "target_reorientation": "orientation"})
    with app.app_context():
        flow = db.session.scalar(sa.select(FlowEntry).where(FlowEntry.interview_id == uuid.UUID(own)))
        assert (flow.from_pole.code, flow.destination_pole.code) == ("creation", "orientation")
    assert reorientations() == 1

    post_form(session, f"/entretiens/{own}/modifier", {"outcomes": ["information"]})
    assert reorientations() == 0

    post_form(session, f"/entretiens/{own}/modifier",
              {"outcomes": ["reorientation"], "target_reorientation": "formation"})
    assert reorientations() == 1

    response = session.client.post(f"/entretiens/{own}/supprimer", data={"csrf_token": session.token})
    assert response.status_code == 302
    assert reorientations() == 0
    assert [e.changes.get("outcomes") for e in audits(app) if e.action == "update"][-1] == [
        ["information"], ["reorientation:formation"]]


def test_deleting_is_soft_audited_and_a_replay_does_not_bring_it_back(app, counsellor):
    session, user = counsellor
    item = interview(duration_min=40)
    session.post_json("/api/v1/interviews", {"interviews": [item]})

    confirm = session.client.get(f"/entretiens/{item['id']}/supprimer")
    assert confirm.status_code == 200
    assert "Supprimer cet entretien ?" in confirm.get_data(as_text=True)
    response = session.client.post(f"/entretiens/{item['id']}/supprimer", data={"csrf_token": session.token})

    assert response.status_code == 302
    gone = row(app, item["id"])
    assert gone.deleted_at is not None and gone.deleted_by_id == user.id
    [event] = audits(app)
    assert (event.action, event.user_id, event.target_id) == ("delete", user.id, item["id"])
    assert event.changes["deleted_at"][0] is None
    replay = session.post_json("/api/v1/interviews", {"interviews": [item]}).json["results"][0]
    assert replay["status"] == "duplicate"
    assert row(app, item["id"]).deleted_at is not None
    assert item["id"] not in session.client.get("/entretiens/corrections").get_data(as_text=True)
    assert session.client.get(f"/entretiens/{item['id']}/modifier").status_code == 404


# --------------------------------------------------------------------------------------
# My day


def test_my_day_counts_todays_interviews_and_minutes_per_pole(app, counsellor, make_user):
    session, _user = counsellor
    record(session, duration_min=30, started_at=at(0, time(0, 10)))
    record(session, duration_min=45)
    record(session, pole="formation", themes=["cpf"], duration_min=20)
    record(session, duration_min=60, started_at=at(1, time(23, 50)))  # yesterday in Paris
    deleted = record(session, duration_min=90)
    session.client.post(f"/entretiens/{deleted}/supprimer", data={"csrf_token": session.token})
    colleague = make_user("counsellor", pole="emploi", partner="france-travail")
    other = Auth(app.test_client())
    other.login(colleague.username)
    record(other, duration_min=15)

    page = session.client.get("/entretiens/ma-journee").get_data(as_text=True)

    assert re.search(r'data-testid="day-count">3<', page)
    assert re.search(r'data-testid="day-minutes">95<', page)
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>', page)
    assert rows == [("Choisir sa formation", "1", "20"), ("Trouver son emploi", "2", "75")]
    assert page.count('data-testid="interview-card"') == 3


def test_my_day_says_when_there_is_nothing_yet(counsellor):
    session, _user = counsellor
    page = session.client.get("/entretiens/ma-journee").get_data(as_text=True)
    assert "Aucun entretien enregistré aujourd'hui." in page
    assert re.search(r'data-testid="day-count">0<', page)


# --------------------------------------------------------------------------------------
# The form without JavaScript


def test_the_form_opens_with_the_counsellors_defaults(counsellor):
    session, _user = counsellor
    page = session.client.get("/entretiens/nouveau").get_data(as_text=True)
    assert 'id="pole-emploi" value="emploi" checked' in page
    assert '<option selected value="france-travail">' in page
    assert 'id="channel-in_person" value="in_person" checked' in page
    assert 'id="duration_min" name="duration_min" value="30"' in page
    assert 'id="gender-none" value="" checked' in page
    assert 'data-pole="emploi"' in page and 'id="theme-cv-candidature"' in page


def test_the_form_records_an_interview_and_a_resubmission_is_a_no_op(app, counsellor):
    session, _user = counsellor
    page = session.client.get("/entretiens/nouveau").get_data(as_text=True)
    data = form_fields(page)
    data.update({"themes": ["cv-candidature"], "outcomes": ["rdv-organisme"],
                 "target_rdv_organisme": ["cidff"], "gender": ["homme"], "duration_min": ["20"]})

    first = session.client.post("/entretiens/nouveau", data=data)
    again = session.client.post("/entretiens/nouveau", data=data, follow_redirects=True)

    assert first.status_code == 302
    assert "Cet entretien était déjà enregistré." in again.get_data(as_text=True)
    with app.app_context():
        [stored] = db.session.scalars(sa.select(Interview)).all()
        assert (stored.duration_min, stored.gender.code) == (20, "homme")
        assert [(o.outcome.code, o.target_partner.code) for o in stored.outcomes] == [("rdv-organisme", "cidff")]
        assert stored.local_date == local_today()


def test_the_form_refuses_a_note_with_a_phone_number_and_keeps_nothing(app, counsellor):
    session, _user = counsellor
    data = form_fields(session.client.get("/entretiens/nouveau").get_data(as_text=True))
    data["note"] = ["Joignable au +33 6 12 34 56 78 le soir"]

    response = session.client.post("/entretiens/nouveau", data=data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="err-note"[^>]*>Donnée personnelle détectée : un numéro de téléphone', page)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Interview)) == 0


# --------------------------------------------------------------------------------------
# The director's list


def test_the_director_reads_every_interview_with_filters(app, make_user, logged_in):
    sessions = []
    for site in ("marseille", "gap"):
        user = make_user("counsellor", site=site, pole="emploi", partner="france-travail")
        session = Auth(app.test_client())
        session.login(user.username)
        sessions.append(session)
    record(sessions[0], duration_min=30, note="Atelier CV conseillé")
    record(sessions[0], pole="formation", themes=["cpf"], duration_min=20)
    record(sessions[1], duration_min=50, channel="video")
    director, _user = logged_in("network-director")

    everything = director.client.get("/entretiens/").get_data(as_text=True)
    training = director.client.get("/entretiens/?pole=formation").get_data(as_text=True)
    video = director.client.get("/entretiens/?channel=video&site=gap").get_data(as_text=True)

    assert re.search(r"<strong>3 entretiens</strong>,\s*<strong>100 minutes</strong>", everything)
    assert "Atelier CV conseillé" in everything and "Gap" in everything
    assert re.search(r"<strong>1 entretien</strong>,\s*<strong>20 minutes</strong>", training)
    assert re.search(r"<strong>1 entretien</strong>,\s*<strong>50 minutes</strong>", video)
    assert "/modifier" not in everything and "/supprimer" not in everything


@pytest.mark.parametrize("query, field, message", [
    ("du=2026-13-45", "du", "Date invalide"),
    ("du=2026-03-10&au=2026-03-01", "au", "La date de fin précède la date de début."),
    ("pole=astrologie", "pole", ""),
    ("page=0", None, "Page : à partir de 1."),
])
def test_a_bad_filter_is_a_400_naming_the_field(logged_in, query, field, message):
    director, _user = logged_in("director")
    response = director.client.get(f"/entretiens/?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    if field:
        assert re.search(rf'<p class="field-error" id="err-{field}">{re.escape(message)}', page)
    else:
        assert message in page
