"""POST /api/v1/interviews: the conventions of /api/v1/entries, and no personal data."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.interviews.services import snapshot
from app.models import AuditEvent, FlowEntry, Interview, InterviewOutcome, Partner, Site, interview_themes
from app.timeutil import utcnow
from tests.conftest import Auth

PHONE_NOTE = "Rappeler la personne au 06 12 34 56 78 demain"


def interview(**overrides) -> dict:
    base = {
        "id": str(uuid.uuid4()),
        "started_at": utcnow().isoformat(),
        "duration_min": 30,
        "channel": "in_person",
        "pole": "emploi",
        "partner": "france-travail",
        "profile": {"gender": "femme", "age_band": "26-44"},
        "themes": ["cv-candidature"],
        "outcomes": ["information"],
        "note": "",
    }
    base.update(overrides)
    return base


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stored(app, interview_id: str) -> dict | None:
    """Return what is stored for an interview, by codes (see services.snapshot), or None."""
    with app.app_context():
        row = db.session.get(Interview, uuid.UUID(interview_id))
        if row is None:
            return None
        return {**snapshot(row), "note": row.note, "deleted": row.deleted_at is not None}


@pytest.fixture
def counsellor(logged_in):
    session, _user = logged_in("counsellor", pole="emploi", partner="france-travail")
    return session


def post(session, *items):
    return session.post_json("/api/v1/interviews", {"interviews": list(items)})


def test_a_batch_is_stored_with_its_themes_outcomes_and_profile(app, counsellor):
    first = interview(themes=["cv-candidature", "recherche-emploi"],
                      outcomes=["information", {"code": "rdv-organisme", "partner": "cidff"}])
    second = interview(pole="formation", themes=["cpf"], channel="phone", duration_min=15,
                       profile={"status": "salarie", "first_visit": "oui"})

    response = post(counsellor, first, second)

    assert response.status_code == 200
    assert response.json["results"] == [{"id": first["id"], "status": "created"},
                                         {"id": second["id"], "status": "created"}]
    row = stored(app, first["id"])
    assert row["themes"] == ["cv-candidature", "recherche-emploi"]
    assert row["outcomes"] == ["information", "rdv-organisme:cidff"]
    assert (row["profile.gender"], row["profile.age_band"], row["profile.status"]) == ("femme", "26-44", None)
    assert (row["pole"], row["partner"], row["site"]) == ("emploi", "france-travail", "marseille")
    other = stored(app, second["id"])
    assert (other["channel"], other["duration_min"], other["pole"]) == ("phone", 15, "formation")
    assert (other["profile.status"], other["profile.first_visit"]) == ("salarie", "oui")


def test_pole_partner_and_site_default_to_the_counsellors(app, counsellor):
    item = interview()
    for key in ("pole", "partner", "profile", "themes", "outcomes", "note"):
        item.pop(key)

    assert post(counsellor, item).json["results"][0]["status"] == "created"

    row = stored(app, item["id"])
    assert (row["pole"], row["partner"], row["site"]) == ("emploi", "france-travail", "marseille")
    assert (row["themes"], row["outcomes"], row["note"]) == ([], [], "")


def test_a_replayed_batch_answers_duplicate_and_stores_nothing_more(app, counsellor):
    batch = [interview(), interview(outcomes=[{"code": "reorientation", "pole": "creation"}])]
    post(counsellor, *batch)

    replay = post(counsellor, *batch, *batch)

    assert [r["status"] for r in replay.json["results"]] == ["duplicate"] * 4
    assert count(app, Interview) == 2
    assert count(app, interview_themes) == 2
    assert count(app, InterviewOutcome) == 2
    assert count(app, FlowEntry) == 1


def test_the_same_id_twice_in_one_batch_is_stored_once(app, counsellor):
    one = interview()
    assert [r["status"] for r in post(counsellor, one, one).json["results"]] == ["created", "duplicate"]
    assert count(app, Interview) == 1


def test_the_same_id_with_another_payload_in_one_batch_is_a_conflict(app, counsellor):
    first = interview(duration_min=30)
    results = post(counsellor, first, dict(first, duration_min=45)).json["results"]
    assert [(r["status"], r.get("field")) for r in results] == [("created", None), ("rejected", "id")]
    assert stored(app, first["id"])["duration_min"] == 30


def test_the_same_id_with_another_payload_is_a_conflict_and_keeps_the_first(app, counsellor):
    first = interview(duration_min=30)
    post(counsellor, first)

    result = post(counsellor, dict(first, duration_min=45)).json["results"][0]

    assert result["status"] == "rejected"
    assert result["field"] == "id" and "conflit" in result["error"]
    assert stored(app, first["id"])["duration_min"] == 30


def test_the_same_payload_from_another_counsellor_is_a_conflict(app, counsellor, make_user):
    item = interview()
    post(counsellor, item)
    colleague = make_user("counsellor", pole="emploi", partner="france-travail")
    other = Auth(app.test_client())
    other.login(colleague.username)

    result = post(other, item).json["results"][0]

    assert (result["status"], result["field"]) == ("rejected", "id")
    assert count(app, Interview) == 1


def test_a_note_with_personal_data_is_refused_naming_the_kind_and_nothing_is_kept(app, counsellor, caplog):
    good = interview()
    bad = interview(note=PHONE_NOTE, outcomes=[{"code": "reorientation", "pole": "formation"}])

    with caplog.at_level(logging.DEBUG):
        results = post(counsellor, good, bad).json["results"]

    assert [r["status"] for r in results] == ["created", "rejected"]
    assert results[1]["field"] == "note"
    assert results[1]["error"].startswith("note: ")
    assert "un numéro de téléphone" in results[1]["error"]
    first = PHONE_NOTE.index("06 12") + 1
    assert f"caractères {first} à {first + 13}" in results[1]["error"]
    assert "06 12 34 56 78" not in results[1]["error"]
    assert stored(app, bad["id"]) is None
    assert count(app, Interview) == 1
    assert count(app, FlowEntry) == 0
    assert count(app, AuditEvent) == 0
    assert "56 78" not in caplog.text and "Rappeler" not in caplog.text
    assert counsellor.client.get("/api/v1/counts").json["reorientations"] == 0


@pytest.mark.parametrize("note, kind", [
    ("Envoyer le CV à jean.dupont@gmail.com", "une adresse e-mail"),
    ("Habite au 12 rue Paradis, cherche un CAP", "une adresse postale"),
    ("Visiteuse née le 12/03/1985, reconversion", "une date de naissance"),
    ("Reçu Mme Martin pour un bilan", "un nom de personne"),
])
def test_other_personal_data_in_the_note_is_refused(app, counsellor, note, kind):
    result = post(counsellor, interview(note=note)).json["results"][0]
    assert (result["status"], result["field"]) == ("rejected", "note")
    assert kind in result["error"]
    assert count(app, Interview) == 0


def test_a_partners_own_phone_number_may_be_written_in_the_note(app, counsellor):
    with app.app_context():
        partner = db.session.scalar(sa.select(Partner).where(Partner.code == "mission-locale"))
        partner.public_contacts = ["04 91 55 00 00"]
        db.session.commit()
    note = "Orientée vers la Mission Locale (04 91 55 00 00) pour un accompagnement"

    result = post(counsellor, interview(note=note)).json["results"][0]

    assert result["status"] == "created"
    assert stored(app, result["id"])["note"] == note


def test_a_partners_name_the_name_model_takes_for_a_person_may_be_written(app, counsellor):
    with app.app_context():
        partner = db.session.scalar(sa.select(Partner).where(Partner.code == "mission-locale"))
        partner.label = "Léo Lagrange Méditerranée"
        db.session.commit()
    kept = post(counsellor, interview(
        note="Orientée vers Léo Lagrange Méditerranée pour l'animation")).json["results"][0]
    refused = post(counsellor, interview(
        note="Jean Dupont orienté vers Léo Lagrange Méditerranée")).json["results"][0]
    assert kept["status"] == "created"
    assert refused["status"] == "rejected" and refused["field"] == "note"


def test_an_ordinary_note_with_numbers_is_kept(app, counsellor):
    note = "Projet BTS MCO en alternance 2025, RNCP 38368, budget 1 500 €, 13001 Marseille"
    result = post(counsellor, interview(note=note)).json["results"][0]
    assert result["status"] == "created"
    assert stored(app, result["id"])["note"] == note


def test_a_reorientation_outcome_counts_in_the_visitor_flow(app, counsellor):
    item = interview(outcomes=["information", {"code": "reorientation", "pole": "creation"}],
                     profile={"gender": "homme"})

    post(counsellor, item)

    counts = counsellor.client.get("/api/v1/counts?site=marseille").json
    assert counts["reorientations"] == 1
    assert counts["total"] == 0  # an interview's visitor already arrived: not a new arrival
    with app.app_context():
        flow = db.session.scalar(sa.select(FlowEntry))
        assert flow.kind == "reorientation"
        assert flow.interview_id == uuid.UUID(item["id"])
        assert flow.reception_point_id is None
        assert (flow.site.code, flow.from_pole.code, flow.destination_pole.code) == (
            "marseille", "emploi", "creation")
        assert flow.gender.code == "homme"


@pytest.mark.parametrize("overrides, field, reason", [
    ({"id": "not-a-uuid"}, "id", "UUID"),
    ({"started_at": "2026-03-01T10:00:00"}, "started_at", "fuseau"),
    ({"started_at": "tomorrow"}, "started_at", "ISO 8601"),
    ({"started_at": (utcnow() + timedelta(hours=2)).isoformat()}, "started_at", "futur"),
    ({"started_at": (utcnow() - timedelta(days=40)).isoformat()}, "started_at", "trop ancienne"),
    ({"duration_min": 0}, "duration_min", "entre 1 et 480"),
    ({"duration_min": 481}, "duration_min", "entre 1 et 480"),
    ({"duration_min": "30"}, "duration_min", "nombre de minutes"),
    ({"duration_min": True}, "duration_min", "nombre de minutes"),
    ({"channel": "fax"}, "channel", "visio"),
    ({"channel": None}, "channel", "téléphone"),
    ({"site": "lyon"}, "site", "inconnu"),
    ({"pole": "astrologie"}, "pole", "inconnu"),
    ({"partner": "nobody"}, "partner", "inconnu"),
    ({"profile": {"gender": "martian"}}, "profile.gender", "inconnu"),
    ({"profile": {"name": "Dupont"}}, "profile.name", "catégorie inconnue"),
    ({"themes": "cv-candidature"}, "themes", "liste"),
    ({"themes": ["astrologie"]}, "themes", "thème inconnu"),
    ({"themes": ["cpf"]}, "themes", "ne relève pas du pôle"),
    ({"outcomes": ["miracle"]}, "outcomes", "suite inconnue"),
    ({"outcomes": ["information", "information"]}, "outcomes", "en double"),
    ({"outcomes": [42]}, "outcomes", "code"),
    ({"outcomes": ["rdv-organisme"]}, "outcomes.rdv-organisme", "quel organisme"),
    ({"outcomes": [{"code": "rdv-organisme", "partner": "nobody"}]}, "outcomes.rdv-organisme", "organisme inconnu"),
    ({"outcomes": ["reorientation"]}, "outcomes.reorientation", "quel pôle"),
    ({"outcomes": [{"code": "reorientation", "pole": "emploi"}]}, "outcomes.reorientation", "celui de l'entretien"),
    ({"outcomes": [{"code": "information", "pole": "emploi"}]}, "outcomes.information", "ne prend pas"),
    ({"note": "x" * 281}, "note", "280 caractères au plus"),
    ({"note": 12}, "note", "texte"),
    ({"visitor_name": "Dupont"}, "visitor_name", "champ inconnu"),
])
def test_a_bad_interview_is_rejected_by_field_and_the_others_are_kept(app, counsellor, overrides, field, reason):
    before, after = interview(), interview(pole="creation", themes=["micro-entreprise"])
    bad = interview(**overrides)

    results = post(counsellor, before, bad, after).json["results"]

    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["field"] == field
    assert results[1]["error"].startswith(f"{field}:") and reason in results[1]["error"]
    assert count(app, Interview) == 2


@pytest.mark.parametrize("instant, reason", [
    ("0001-01-01T00:00:00+01:00", "ancienne"),
    ("9999-12-31T23:59:59-01:00", "futur"),
])
def test_an_out_of_range_start_is_rejected_alone_and_the_batch_is_stored(app, counsellor, instant, reason):
    good = [interview() for _ in range(4)]
    poison = interview(started_at=instant)

    response = post(counsellor, *good[:2], poison, *good[2:])

    assert response.status_code == 200
    results = response.json["results"]
    assert [r["status"] for r in results] == ["created", "created", "rejected", "created", "created"]
    assert results[2]["field"] == "started_at" and reason in results[2]["error"]
    assert count(app, Interview) == 4


@pytest.mark.parametrize("bad_id", [7, {"id": 1}, None])
def test_a_rejected_interview_with_a_non_string_id_answers_a_null_id(counsellor, bad_id):
    results = post(counsellor, interview(id=bad_id)).json["results"]
    assert results[0]["id"] is None and results[0]["status"] == "rejected"


def test_a_counsellor_records_only_at_the_sites_their_account_lists(app, counsellor, make_user):
    # Partners' counsellors rotate: the account lists the sites, and nowhere else goes.
    result = post(counsellor, interview(site="gap")).json["results"][0]
    assert (result["status"], result["field"]) == ("rejected", "site")
    assert "vos sites" in result["error"]
    rotating = Auth(app.test_client())
    rotating.login(make_user("counsellor", pole="emploi", other_sites=("gap", "istres")).username)
    assert post(rotating, interview(site="gap")).json["results"][0]["status"] == "created"
    assert post(rotating, interview(site="istres")).json["results"][0]["status"] == "created"
    assert post(rotating, interview(site="aubagne")).json["results"][0]["status"] == "rejected"


def test_a_counsellor_without_a_pole_must_name_one(app, logged_in):
    session, _user = logged_in("counsellor")
    item = interview()
    item.pop("pole")
    result = post(session, item).json["results"][0]
    assert (result["status"], result["field"], result["error"]) == ("rejected", "pole", "pole: obligatoire")


def test_a_non_object_item_is_rejected_alone(counsellor):
    results = post(counsellor, "hello", interview()).json["results"]
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert results[0]["field"] == "interview"


@pytest.mark.parametrize("body, field", [
    ([], "body"),
    ({"entries": []}, "interviews"),
    ({"interviews": {"id": 1}}, "interviews"),
])
def test_a_malformed_body_is_a_400_naming_the_field(counsellor, body, field):
    response = counsellor.post_json("/api/v1/interviews", body)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_a_batch_over_the_limit_is_refused_whole(app, counsellor):
    response = post(counsellor, *[interview() for _ in range(app.config["MAX_BATCH"] + 1)])
    assert response.status_code == 413
    assert count(app, Interview) == 0


@pytest.mark.parametrize("role", ["agent", "director", "admin"])
def test_only_counsellors_may_post_interviews(app, logged_in, role):
    session, _user = logged_in(role)
    response = post(session, interview())
    assert response.status_code == 403
    assert response.is_json
    assert count(app, Interview) == 0


def test_without_a_session_the_api_answers_json_401(app, client):
    response = client.post("/api/v1/interviews", json={"interviews": [interview()]})
    assert response.status_code == 401
    assert response.is_json
    assert count(app, Interview) == 0


def test_the_same_batch_from_four_threads_is_stored_once(app, make_user):
    batch = [interview(outcomes=[{"code": "reorientation", "pole": "formation"}] if i % 5 == 0 else ["information"])
             for i in range(40)]
    user = make_user("counsellor", pole="emploi", partner="france-travail")
    sessions = []
    for _ in range(4):
        session = Auth(app.test_client())
        session.login(user.username)
        sessions.append(session)
    barrier = threading.Barrier(4)
    outcomes: list[list[str]] = []
    errors: list[BaseException] = []

    def send(session):
        try:
            barrier.wait()
            response = post(session, *batch)
            outcomes.append([r["status"] for r in response.json["results"]])
        except BaseException as exc:  # surfaced below: a thread must not fail silently
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(outcomes) == 4
    assert all(set(statuses) <= {"created", "duplicate"} for statuses in outcomes)
    assert sum(statuses.count("created") for statuses in outcomes) == 40
    assert count(app, Interview) == 40
    assert count(app, interview_themes) == 40
    assert count(app, InterviewOutcome) == 40
    assert count(app, FlowEntry) == 8
    assert sessions[0].client.get("/api/v1/counts").json["reorientations"] == 8


def test_the_duration_is_remembered_and_shown_so_and_the_channel_opens_on_sur_place(counsellor):
    post(counsellor, interview(channel="phone", duration_min=45))

    page = counsellor.client.get("/entretiens/nouveau").get_data(as_text=True)

    # A phone interview must not silently make the next one a phone interview (issue 13):
    # only a channel the counsellor pins in the page carries over.
    assert 'id="channel-in_person" value="in_person" checked' in page
    assert 'id="duration_min" name="duration_min" value="45"' in page
    assert 'id="duration-remembered"' in page


def test_the_endpoint_is_documented_in_openapi(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/interviews"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["interviews"][
        "items"] == {"$ref": "#/components/schemas/Interview"}
    schema = document["components"]["schemas"]["Interview"]
    assert {"id", "started_at", "duration_min", "channel", "pole", "partner", "profile", "themes",
            "outcomes", "note"} <= set(schema["properties"])
    assert schema["properties"]["note"]["maxLength"] == 280
