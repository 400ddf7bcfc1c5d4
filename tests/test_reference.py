"""The one reference loader: cached per process, dropped whenever a list changes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import reference
from app.extensions import db
from app.models import Pole, ProfileOption, Site
from app.timeutil import utcnow
from tests.conftest import Auth


def tap(**overrides) -> dict:
    return {"id": str(uuid.uuid4()), "kind": "arrival", "occurred_at": utcnow().isoformat(),
            "reception_point": "marseille-rdc", "destination": "emploi", **overrides}


def session_of(app, make_user, role: str) -> Auth:
    auth = Auth(app.test_client())
    assert auth.login(make_user(role).username).status_code == 302
    return auth


@pytest.fixture
def agent(app, make_user):
    return session_of(app, make_user, "agent")


@pytest.fixture
def admin(app, make_user):
    return session_of(app, make_user, "admin")


def pole_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Pole.id).where(Pole.code == code))


def test_rows_come_by_code_and_by_id_in_display_order(app_ctx):
    poles = reference.active_by_code(Pole)
    assert list(poles)[:4] == ["orientation", "formation", "emploi", "creation"]
    emploi = poles["emploi"]
    assert reference.by_id("poles", emploi.id) is emploi
    assert reference.by_code(Site, "gap").label == "Centre associé de Gap"
    assert "femme" in reference.active_by_code(ProfileOption, "gender")
    with pytest.raises(AttributeError):
        emploi.label = "changed"  # records are shared between requests: read-only


def test_a_record_equals_its_orm_row(app_ctx):
    row = db.session.scalar(sa.select(Pole).where(Pole.code == "emploi"))
    assert reference.by_code(Pole, "emploi") == row
    assert row in [reference.by_code(Pole, "emploi")]
    assert reference.by_code(Pole, "formation") != row


def test_a_pole_deactivated_by_an_admin_is_refused_at_the_next_tap(app, agent, admin):
    assert agent.post_json("/api/v1/entries", {"entries": [tap()]}).json["results"][0]["status"] == "created"

    response = admin.client.post(f"/admin/listes/poles/{pole_id(app, 'emploi')}/desactiver",
                                 data={"csrf_token": admin.token})
    assert response.status_code in (302, 303)

    result = agent.post_json("/api/v1/entries", {"entries": [tap()]}).json["results"][0]
    assert (result["status"], result["field"]) == ("rejected", "destination")
    # Reactivated: taken again at once, without waiting for the cache to age.
    admin.client.post(f"/admin/listes/poles/{pole_id(app, 'emploi')}/reactiver",
                      data={"csrf_token": admin.token})
    assert agent.post_json("/api/v1/entries", {"entries": [tap()]}).json["results"][0]["status"] == "created"


def test_a_change_written_by_another_process_is_seen_through_the_stamp(app, agent, monkeypatch):
    agent.post_json("/api/v1/entries", {"entries": [tap()]})  # lists cached
    with app.app_context():
        # Another process deactivates the pole: this one only sees the stamp file change.
        stamp = Path(app.instance_path) / "reference.stamp"
        cached = dict(reference._cache.lists)
        db.session.execute(sa.update(Pole).where(Pole.code == "emploi").values(active=False))
        db.session.commit()
        reference._cache.lists.update(cached)  # as if this process had not seen the write
        reference._cache.stamp_checked = 0.0
        assert stamp.exists()
    result = agent.post_json("/api/v1/entries", {"entries": [tap()]}).json["results"][0]
    assert result["status"] == "rejected"


def test_a_code_added_elsewhere_is_found_on_the_first_miss(app, agent):
    agent.post_json("/api/v1/entries", {"entries": [tap()]})
    with app.app_context():
        cached = dict(reference._cache.lists)
        db.session.add(Pole(code="vie-pro", label="Changer sa vie professionnelle", position=9))
        db.session.commit()
        reference._cache.lists.update(cached)  # another host wrote it: no stamp, no listener here
        reference._cache.stamp_seen.update({key: reference._stamp(reference._stamp_path())
                                            for key in cached})
        reference._cache.last_miss_reload.clear()
    result = agent.post_json("/api/v1/entries", {"entries": [tap(destination="vie-pro")]}).json["results"][0]
    assert result["status"] == "created"


@pytest.mark.parametrize("statement, writes", [
    ('INSERT INTO poles (code, label) VALUES (?, ?)', True),
    ('UPDATE "partners" SET active=?', True),
    ("DELETE FROM profile_options WHERE id = ?", True),
    ('TRUNCATE "flow_entries", "poles" CASCADE', True),
    ("INSERT INTO interview_themes (interview_id, theme_id) VALUES (?, ?)", False),
    ("INSERT INTO flow_entries (id) SELECT id FROM poles", False),
    ("SELECT * FROM poles", False),
    ("UPDATE users SET preferences=?", False),
])
def test_writes_to_reference_tables_are_recognised(statement, writes):
    assert reference.names_reference_table(statement) is writes
