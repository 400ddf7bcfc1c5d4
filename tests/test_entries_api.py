"""The tablet API: idempotent capture, per-entry results, counts by Paris day."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, FlowEntry
from app.timeutil import utcnow
from tests.conftest import Auth


def entry(**overrides) -> dict:
    base = {
        "id": str(uuid.uuid4()),
        "kind": "arrival",
        "occurred_at": utcnow().isoformat(),
        "reception_point": "marseille-rdc",
        "destination": "emploi",
    }
    base.update(overrides)
    return base


def stored(app) -> list[FlowEntry]:
    with app.app_context():
        rows = db.session.scalars(sa.select(FlowEntry).order_by(FlowEntry.occurred_at)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.fixture
def agent(logged_in):
    session, _user = logged_in("agent")
    return session


def test_batch_is_stored_once_each_and_counted_in_persons(app, agent):
    batch = [entry(destination="emploi", party_size=3),
             entry(destination="documentation", profile={"gender": "femme", "age_band": "16-25"}),
             entry(destination="partner:mission-locale")]

    response = agent.post_json("/api/v1/entries", {"entries": batch})

    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["created"] * 3
    assert [r["id"] for r in response.json["results"]] == [e["id"] for e in batch]
    counts = agent.client.get("/api/v1/counts?site=marseille").json
    assert counts["total"] == 5
    assert counts["by_destination"]["emploi"] == 3
    assert counts["by_destination"]["documentation"] == 1
    assert counts["by_destination"]["partner:mission-locale"] == 1
    profiled = [row for row in stored(app) if row.destination_kind == "documentation"][0]
    with app.app_context():
        row = db.session.get(FlowEntry, profiled.id)
        assert (row.gender.code, row.age_band.code, row.status) == ("femme", "16-25", None)


def test_replayed_batch_answers_duplicate_and_stores_nothing_more(app, agent):
    batch = [entry(), entry(destination="cyber")]
    agent.post_json("/api/v1/entries", {"entries": batch})

    replay = agent.post_json("/api/v1/entries", {"entries": batch + batch})

    assert [r["status"] for r in replay.json["results"]] == ["duplicate"] * 4
    assert len(stored(app)) == 2
    assert agent.client.get("/api/v1/counts").json["total"] == 2


def test_same_id_twice_in_one_batch_is_stored_once(app, agent):
    one = entry()
    results = agent.post_json("/api/v1/entries", {"entries": [one, one]}).json["results"]
    assert [r["status"] for r in results] == ["created", "duplicate"]
    assert len(stored(app)) == 1


def test_same_id_with_two_payloads_in_one_batch_keeps_the_first_and_flags_the_second(app, agent):
    first = entry(destination="emploi")
    results = agent.post_json("/api/v1/entries", {"entries": [first, dict(first, destination="cyber")]}).json
    assert [r["status"] for r in results["results"]] == ["created", "rejected"]
    assert results["results"][1]["field"] == "id"
    [row] = stored(app)
    assert row.destination_kind == "pole"


def test_same_id_with_other_payload_is_a_conflict_and_keeps_the_first(app, agent):
    first = entry(destination="emploi")
    agent.post_json("/api/v1/entries", {"entries": [first]})

    clash = dict(first, destination="formation")
    result = agent.post_json("/api/v1/entries", {"entries": [clash]}).json["results"][0]

    assert result["status"] == "rejected"
    assert result["field"] == "id" and "conflit" in result["error"]
    [row] = stored(app)
    assert row.destination_kind == "pole"
    assert agent.client.get("/api/v1/counts").json["by_destination"] == {
        "orientation": 0, "formation": 0, "emploi": 1, "creation": 0,
        "documentation": 0, "cyber": 0, "event": 0, "desk": 0}


@pytest.mark.parametrize("overrides, field, reason", [
    ({"id": "not-a-uuid"}, "id", "UUID"),
    ({"kind": "departure"}, "kind", "arrival"),
    ({"occurred_at": "2026-03-01T10:00:00"}, "occurred_at", "fuseau"),
    ({"occurred_at": "yesterday"}, "occurred_at", "ISO 8601"),
    ({"occurred_at": (utcnow() + timedelta(hours=2)).isoformat()}, "occurred_at", "futur"),
    ({"occurred_at": (utcnow() - timedelta(days=40)).isoformat()}, "occurred_at", "ancienne"),
    ({"reception_point": "nowhere"}, "reception_point", "inconnu"),
    ({"reception_point": "gap-accueil"}, "reception_point", "votre site"),
    ({"destination": "moon"}, "destination", "inconnue"),
    ({"destination": "partner:nobody"}, "destination", "organisme inconnu"),
    ({"destination": None}, "destination", "obligatoire"),
    ({"party_size": 0}, "party_size", "entre 1 et"),
    ({"party_size": "3"}, "party_size", "entier"),
    ({"party_size": True}, "party_size", "entier"),
    ({"from_pole": "emploi"}, "from_pole", "réorientations"),
    ({"kind": "reorientation"}, "from_pole", "pôle de départ"),
    ({"kind": "reorientation", "from_pole": "emploi"}, "destination", "identique"),
    ({"kind": "reorientation", "from_pole": "emploi", "destination": "cyber"}, "destination", "pôle ou un organisme"),
    ({"profile": {"gender": "martian"}}, "profile.gender", "inconnu"),
    ({"profile": {"name": "Dupont"}}, "profile.name", "catégorie inconnue"),
    ({"profile": "femme"}, "profile", "objet"),
    ({"event_type": "atelier"}, "event_type", "event"),
    ({"destination": "event", "event_type": "rave"}, "event_type", "inconnu"),
])
def test_a_bad_entry_is_rejected_by_name_and_the_others_are_kept(app, agent, overrides, field, reason):
    good_before, good_after = entry(), entry(destination="desk")
    bad = entry(**overrides)

    results = agent.post_json("/api/v1/entries", {"entries": [good_before, bad, good_after]}).json["results"]

    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["field"] == field
    assert results[1]["error"].startswith(f"{field}:") and reason in results[1]["error"]
    assert len(stored(app)) == 2


@pytest.mark.parametrize("instant, reason", [
    ("0001-01-01T00:00:00+01:00", "ancienne"),   # converting it to UTC overflows
    ("9999-12-31T23:59:59-01:00", "futur"),      # so does this one
    ("0001-01-01T00:00:00Z", "ancienne"),
    ("9999-12-31T23:59:59Z", "futur"),
])
def test_an_out_of_range_timestamp_is_rejected_alone_and_the_batch_is_stored(app, agent, instant, reason):
    good = [entry(), entry(destination="cyber"), entry(destination="desk"), entry(party_size=2)]
    poison = entry(occurred_at=instant)

    response = agent.post_json("/api/v1/entries", {"entries": [*good[:2], poison, *good[2:]]})

    assert response.status_code == 200
    results = response.json["results"]
    assert [r["status"] for r in results] == ["created", "created", "rejected", "created", "created"]
    assert results[2]["id"] == poison["id"] and results[2]["field"] == "occurred_at"
    assert results[2]["error"].startswith("occurred_at:") and reason in results[2]["error"]
    assert len(stored(app)) == 4
    assert agent.client.get("/api/v1/counts").json["total"] == 5


def test_an_unforeseen_error_in_one_entry_is_that_entrys_rejection(app, agent, monkeypatch):
    from app.reception import services

    real = services.parse_entry

    def fragile(raw, author, now):
        if raw.get("destination") == "cyber":
            raise OverflowError("date value out of range")
        return real(raw, author, now)

    monkeypatch.setattr(services, "parse_entry", fragile)
    response = agent.post_json("/api/v1/entries", {"entries": [entry(), entry(destination="cyber")]})

    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["created", "rejected"]
    assert response.json["results"][1]["field"] == "entry"
    assert len(stored(app)) == 1


@pytest.mark.parametrize("bad_id", [42, 4.5, True, {"uuid": "x"}, ["a"], None])
def test_a_rejected_item_with_a_non_string_id_answers_a_null_id(client, agent, bad_id):
    import jsonschema_rs

    response = agent.post_json("/api/v1/entries", {"entries": [entry(id=bad_id), entry()]})

    assert response.status_code == 200
    first, second = response.json["results"]
    assert first == {"id": None, "status": "rejected", "field": "id", "error": first["error"]}
    assert second["status"] == "created"
    document = client.get("/api/v1/openapi.json").json
    result_schema = {**document["components"]["schemas"]["Result"]}
    validator = jsonschema_rs.validator_for(result_schema)
    assert validator.is_valid(first) and validator.is_valid(second)


def test_the_document_describes_the_entry_the_api_validates(client, agent):
    """The schema served is the validator: its limits are the API's limits."""
    from app.reception.services import ENTRY_SCHEMA

    document = client.get("/api/v1/openapi.json").json
    served = document["components"]["schemas"]["Entry"]
    assert served == ENTRY_SCHEMA.schema
    party = served["properties"]["party_size"]
    at_limit, over = entry(party_size=party["maximum"]), entry(party_size=party["maximum"] + 1)
    statuses = [r["status"] for r in agent.post_json("/api/v1/entries", {"entries": [at_limit, over]}).json["results"]]
    assert statuses == ["created", "rejected"]
    kinds = served["properties"]["kind"]["enum"]
    results = agent.post_json("/api/v1/entries", {"entries": [entry(kind=k) for k in kinds]}).json["results"]
    assert "kind" not in {r.get("field") for r in results}


@pytest.mark.parametrize("path, method, statuses", [
    ("/api/v1/entries", "post", {"200", "400", "401", "403", "413"}),
    ("/api/v1/interviews", "post", {"200", "400", "401", "403", "413"}),
    ("/api/v1/entries/{id}/undo", "post", {"200", "400", "401", "403", "404", "409"}),
    ("/api/v1/counts", "get", {"200", "400", "401", "403", "404"}),
    ("/api/v1/csrf", "get", {"200", "401", "403"}),
])
def test_every_error_answer_is_documented(client, path, method, statuses):
    operation = client.get("/api/v1/openapi.json").json["paths"][path][method]
    assert statuses <= set(operation["responses"])
    for status in statuses - {"200"}:
        content = operation["responses"][status]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_batch_limit_in_the_document_is_the_configured_one(app, client):
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/entries"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["entries"]["maxItems"] == app.config["MAX_BATCH"]


def test_a_batch_is_one_insert_and_reads_no_reference_table(app, agent):
    """Reference codes come from the per-process cache; the ORM does not split the insert."""
    import re

    from app.reference import KINDS

    agent.post_json("/api/v1/entries", {"entries": [entry()]})  # the lists are read once here
    statements: list[str] = []

    def collect(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", collect)
    try:
        batch = [entry(destination="cyber", profile={"gender": "femme"}), entry(party_size=3),
                 entry(destination="partner:afpa", profile={"age_band": "16-25", "first_visit": "oui"}),
                 entry(kind="reorientation", from_pole="emploi", destination="formation")]
        batch += [entry(destination="desk") for _ in range(6)]
        results = agent.post_json("/api/v1/entries", {"entries": batch}).json["results"]
    finally:
        sa.event.remove(engine, "before_cursor_execute", collect)

    assert [r["status"] for r in results] == ["created"] * 10
    assert len([s for s in statements if s.lstrip().upper().startswith("INSERT")]) == 1
    reference_tables = re.compile(r"\bFROM\s+\"?(" + "|".join(KINDS) + r")\b", re.I)
    assert [s for s in statements if reference_tables.search(s)] == []
    if engine.dialect.name == "sqlite":
        # The account is read without the write lock; the lock is taken for the insert only.
        begins = [i for i, s in enumerate(statements) if s.startswith("BEGIN")]
        assert [statements[i] for i in begins] == ["BEGIN", "BEGIN IMMEDIATE"]
        assert statements[begins[1] + 1].lstrip().upper().startswith("INSERT")


def test_a_batch_aborted_by_a_deadlock_is_written_again(app, agent, monkeypatch):
    """Concurrent batches can meet on the same rollup rows; PostgreSQL aborts one of them."""
    from app import capture

    class Deadlock(Exception):
        sqlstate = "40P01"

    real, calls = capture.insert_new, []

    def deadlocked_once(model, rows):
        calls.append(len(rows))
        if len(calls) == 1:
            real(model, rows)  # written, then lost with the aborted transaction
            raise sa.exc.OperationalError("INSERT", {}, Deadlock("deadlock detected"))
        return real(model, rows)

    monkeypatch.setattr(capture, "insert_new", deadlocked_once)
    batch = [entry(), entry(destination="cyber")]
    response = agent.post_json("/api/v1/entries", {"entries": batch})

    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["created", "created"]
    assert calls == [2, 2]
    assert len(stored(app)) == 2


def test_a_non_object_entry_is_rejected_alone(agent):
    results = agent.post_json("/api/v1/entries", {"entries": ["hello", entry()]}).json["results"]
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert results[0]["field"] == "entry"


@pytest.mark.parametrize("body, field", [
    ("not json", "body"),
    ([], "body"),
    ({"items": []}, "entries"),
    ({"entries": {"id": 1}}, "entries"),
])
def test_a_malformed_body_is_a_400_naming_the_field(agent, body, field):
    if isinstance(body, str):
        response = agent.client.post("/api/v1/entries", data=body, headers={
            **agent.headers(), "Content-Type": "application/json"})
    else:
        response = agent.post_json("/api/v1/entries", body)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert response.json["message"].startswith(field)


def test_a_batch_over_the_limit_is_refused_whole(app, agent):
    response = agent.post_json("/api/v1/entries", {"entries": [entry() for _ in range(501)]})
    assert response.status_code == 413
    assert response.json["field"] == "entries"
    assert stored(app) == []


def test_counts_give_the_persons_of_each_reception_point(agent):
    agent.post_json("/api/v1/entries", {"entries": [
        entry(party_size=3), entry(reception_point="marseille-1"),
        entry(kind="reorientation", from_pole="emploi", destination="formation")]})
    counts = agent.client.get("/api/v1/counts").json
    assert counts["by_point"]["marseille-rdc"] == 3
    assert counts["by_point"]["marseille-1"] == 1
    assert counts["by_point"]["marseille-2"] == 0
    assert sum(counts["by_point"].values()) == counts["total"] == 4


def test_reorientations_are_counted_apart_from_visitors(agent):
    agent.post_json("/api/v1/entries", {"entries": [
        entry(destination="orientation"),
        entry(kind="reorientation", from_pole="orientation", destination="formation", party_size=2),
        entry(kind="reorientation", from_pole="emploi", destination="partner:afpa"),
    ]})
    counts = agent.client.get("/api/v1/counts").json
    assert counts["total"] == 1
    assert counts["reorientations"] == 3
    assert counts["by_destination"]["formation"] == 0


def test_event_entries_keep_their_type(app, agent):
    agent.post_json("/api/v1/entries", {"entries": [entry(destination="event", event_type="forum")]})
    with app.app_context():
        row = db.session.scalar(sa.select(FlowEntry))
        assert row.event_type.code == "forum"


def test_days_are_counted_in_paris_time_across_dst(app, agent, monkeypatch):
    # 29 March 2026: clocks go from 02:00 to 03:00 in Paris.
    late_utc = "2026-03-28T23:30:00+00:00"      # 00:30 on the 29th in Paris (UTC+1)
    after_change = "2026-03-29T01:15:00+00:00"  # 03:15 on the 29th in Paris (UTC+2)
    previous_day = "2026-03-28T22:59:00+00:00"  # 23:59 on the 28th in Paris
    from app import capture

    monkeypatch.setattr(capture, "MAX_QUEUE_AGE", timedelta(days=100000))
    agent.post_json("/api/v1/entries", {"entries": [
        entry(occurred_at=late_utc), entry(occurred_at=after_change), entry(occurred_at=previous_day)]})
    assert agent.client.get("/api/v1/counts?date=2026-03-29").json["total"] == 2
    assert agent.client.get("/api/v1/counts?date=2026-03-28").json["total"] == 1
    hours = sorted((row.local_date.isoformat(), row.local_hour) for row in stored(app))
    assert hours == [("2026-03-28", 23), ("2026-03-29", 0), ("2026-03-29", 3)]


def test_counts_reject_a_bad_date_and_an_unknown_site(agent):
    bad = agent.client.get("/api/v1/counts?date=21/11/2026")
    assert bad.status_code == 400 and bad.json["field"] == "date"
    empty = agent.client.get("/api/v1/counts?date=")
    assert empty.status_code == 400 and empty.json["field"] == "date"
    assert empty.json["message"].startswith("date:")
    unknown = agent.client.get("/api/v1/counts?site=atlantis")
    assert unknown.status_code == 404 and unknown.json["field"] == "site"


def test_an_agent_cannot_read_another_sites_counts(agent):
    assert agent.client.get("/api/v1/counts?site=gap").status_code == 403


def test_a_site_director_reads_only_their_sites_counts(logged_in):
    director, _ = logged_in("director", site="gap")
    assert director.client.get("/api/v1/counts?site=gap").status_code == 200
    assert director.client.get("/api/v1/counts?site=marseille").status_code == 403


def test_a_network_director_reads_any_sites_counts(logged_in):
    director, _ = logged_in("network-director")
    assert director.client.get("/api/v1/counts?site=gap").status_code == 200


def test_without_a_session_the_api_answers_json_401_never_a_login_page(client):
    response = client.post("/api/v1/entries", json={"entries": [entry()]},
                           headers={"X-CSRFToken": "left-over-from-yesterday"})
    assert response.status_code == 401
    assert response.json["error"] == "unauthenticated"
    counts = client.get("/api/v1/counts")
    assert counts.status_code == 401 and counts.is_json
    assert counts.json["error"] == "unauthenticated"


def test_a_missing_csrf_token_is_a_json_400(agent):
    response = agent.client.post("/api/v1/entries", json={"entries": [entry()]})
    assert response.status_code == 400
    assert response.json == {"error": "csrf", "field": "X-CSRFToken",
                             "message": response.json["message"]}


def test_a_counsellor_may_not_log_arrivals(logged_in):
    counsellor, _ = logged_in("counsellor")
    response = counsellor.post_json("/api/v1/entries", {"entries": [entry()]})
    assert response.status_code == 403 and response.is_json


def test_entries_queued_overnight_go_through_after_a_new_login(app, client, make_user):
    """The tablet kept yesterday evening's taps; the session and its token are gone."""
    user = make_user("agent")
    evening = (utcnow() - timedelta(hours=14)).isoformat()
    queued = [entry(occurred_at=evening), entry(occurred_at=evening, destination="cyber")]
    old = Auth(client)
    old.login(user.username)
    stale_token = old.token
    client.delete_cookie("session", domain="localhost")  # the session cookie expired overnight

    # The session is gone: a JSON 401, and nothing is stored.
    expired = client.post("/api/v1/entries", json={"entries": queued}, headers={"X-CSRFToken": stale_token})
    assert expired.status_code == 401 and expired.is_json
    assert stored(app) == []
    # The agent logs in again; the page's old token no longer matches the new session...
    fresh = Auth(client)
    fresh.login(user.username)
    refused = client.post("/api/v1/entries", json={"entries": queued}, headers={"X-CSRFToken": stale_token})
    assert refused.status_code == 400 and refused.json["error"] == "csrf"
    # ...so it fetches a fresh one, and the queue goes through.
    token = client.get("/api/v1/csrf").json["csrf_token"]
    sent = client.post("/api/v1/entries", json={"entries": queued}, headers={"X-CSRFToken": token})
    assert [r["status"] for r in sent.json["results"]] == ["created", "created"]
    evening_day = stored(app)[0].local_date.isoformat()
    assert client.get(f"/api/v1/counts?date={evening_day}").json["total"] == 2


def test_concurrent_replays_of_one_batch_store_each_entry_once(app, make_user):
    """Four tablets' worth of retries racing each other: the database arbitrates."""
    user = make_user("agent")
    batch = [entry(destination="formation") for _ in range(50)]
    sessions = []
    for _ in range(4):
        session = Auth(app.test_client())
        session.login(user.username)
        sessions.append(session)
    barrier = threading.Barrier(len(sessions))
    statuses: list[str] = []
    errors: list[int] = []

    def send(session):
        barrier.wait()
        response = session.post_json("/api/v1/entries", {"entries": batch})
        if response.status_code != 200:
            errors.append(response.status_code)
            return
        statuses.extend(r["status"] for r in response.json["results"])

    threads = [threading.Thread(target=send, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert statuses.count("created") == 50
    assert statuses.count("duplicate") == 150
    assert len(stored(app)) == 50


def test_undo_soft_deletes_and_records_who_and_when(app, logged_in):
    agent, user = logged_in("agent")
    tapped = entry(destination="emploi", party_size=2)
    agent.post_json("/api/v1/entries", {"entries": [tapped]})

    response = agent.post_json(f"/api/v1/entries/{tapped['id']}/undo", {})

    assert response.json == {"id": tapped["id"], "status": "undone"}
    assert agent.client.get("/api/v1/counts").json["total"] == 0
    [row] = stored(app)
    assert row.deleted_at is not None and row.deleted_by_id == user.id
    with app.app_context():
        audit = db.session.scalar(sa.select(AuditEvent))
        assert (audit.action, audit.user_id, audit.target_id) == ("undo", user.id, tapped["id"])
    again = agent.post_json(f"/api/v1/entries/{tapped['id']}/undo", {})
    assert again.json["status"] == "already_undone"
    # A replay of the undone entry does not bring it back.
    agent.post_json("/api/v1/entries", {"entries": [tapped]})
    assert agent.client.get("/api/v1/counts").json["total"] == 0


def test_undo_is_refused_after_the_window(app, agent):
    tapped = entry()
    agent.post_json("/api/v1/entries", {"entries": [tapped]})
    with app.app_context():
        row = db.session.get(FlowEntry, uuid.UUID(tapped["id"]))
        row.occurred_at = row.received_at = utcnow() - timedelta(minutes=11)
        db.session.commit()
    response = agent.post_json(f"/api/v1/entries/{tapped['id']}/undo", {})
    assert response.status_code == 409
    assert "Délai" in response.json["message"]
    assert agent.client.get("/api/v1/counts").json["total"] == 1


def test_only_the_author_may_undo(app, logged_in, make_user):
    author, _ = logged_in("agent")
    tapped = entry()
    author.post_json("/api/v1/entries", {"entries": [tapped]})
    colleague = Auth(app.test_client())
    colleague.login(make_user("agent").username)

    assert colleague.post_json(f"/api/v1/entries/{tapped['id']}/undo", {}).status_code == 403
    assert colleague.post_json(f"/api/v1/entries/{uuid.uuid4()}/undo", {}).status_code == 404
    assert author.client.get("/api/v1/counts").json["total"] == 1
