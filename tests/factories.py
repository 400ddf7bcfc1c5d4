"""Test and benchmark data, shared by tests/ and bench/: single arrivals, reorientations and
interviews stored as the capture services store them (`Builder`), and whole demo years in
bulk for the benchmarks (`demo_years`)."""

from __future__ import annotations

import time
import uuid
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    EventType,
    FlowEntry,
    Interview,
    InterviewOutcome,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    Site,
    Theme,
    User,
)
from app.timeutil import local_day_and_hour, parse_instant


class Builder:
    """Store arrivals, reorientations and interviews as the capture services would."""

    def __init__(self, app):
        self.app = app
        self.counsellor_id = None

    def _ref(self, model, code, **where):
        return db.session.scalar(sa.select(model).filter_by(code=code, **where)).id

    def _profile(self, profile: dict | None) -> dict:
        return {f"{category}_id": self._ref(ProfileOption, code, category=category)
                for category, code in (profile or {}).items()}

    def entry(self, at: str, destination: str = "emploi", *, party: int = 1,
              kind: str = "arrival", from_pole: str | None = None, site: str = "marseille",
              deleted: bool = False, profile: dict | None = None, event: str | None = None,
              interview_id=None) -> FlowEntry:
        """Store one flow entry at an ISO instant with its offset, e.g. 2025-06-02T10:00+02:00."""
        with self.app.app_context():
            instant = parse_instant(at)
            day, hour = local_day_and_hour(instant)
            values = {"destination_kind": destination}
            if destination.startswith("partner:"):
                values = {"destination_kind": "partner", "destination_partner_id":
                          self._ref(Partner, destination.removeprefix("partner:"))}
            elif destination not in ("documentation", "cyber", "event", "desk"):
                values = {"destination_kind": "pole",
                          "destination_pole_id": self._ref(Pole, destination)}
            row = FlowEntry(
                id=uuid.uuid4(), kind=kind, occurred_at=instant, local_date=day, local_hour=hour,
                site_id=self._ref(Site, site), party_size=party, payload_digest="test",
                from_pole_id=self._ref(Pole, from_pole) if from_pole else None,
                event_type_id=self._ref(EventType, event) if event else None,
                deleted_at=instant if deleted else None, interview_id=interview_id,
                **values, **self._profile(profile))
            db.session.add(row)
            db.session.commit()
            db.session.refresh(row)
            db.session.expunge(row)  # readable after its session is gone
            return row

    def reorientation(self, at: str, from_pole: str, to: str, **kwargs) -> FlowEntry:
        return self.entry(at, to, kind="reorientation", from_pole=from_pole, **kwargs)

    def interview(self, at: str, pole: str = "emploi", *, partner: str = "france-travail",
                  duration: int = 30, channel: str = "in_person", site: str = "marseille",
                  themes=(), outcomes=(), profile: dict | None = None, deleted: bool = False,
                  reoriented_to: str | None = None) -> uuid.UUID:
        with self.app.app_context():
            if self.counsellor_id is None:
                user = User(username=f"c-{uuid.uuid4().hex[:6]}", password_hash="x",
                            role="counsellor", site_id=self._ref(Site, "marseille"))
                db.session.add(user)
                db.session.flush()
                self.counsellor_id = user.id
            instant = parse_instant(at)
            day, hour = local_day_and_hour(instant)
            interview = Interview(
                id=uuid.uuid4(), started_at=instant, local_date=day, local_hour=hour,
                duration_min=duration, channel=channel, site_id=self._ref(Site, site),
                pole_id=self._ref(Pole, pole), partner_id=self._ref(Partner, partner),
                counsellor_id=self.counsellor_id, payload_digest="test",
                deleted_at=instant if deleted else None, **self._profile(profile))
            interview.themes = [db.session.get(Theme, self._ref(Theme, code)) for code in themes]
            interview.outcomes = [InterviewOutcome(outcome_id=self._ref(Outcome, code))
                                  for code in outcomes]
            db.session.add(interview)
            db.session.commit()
            interview_id = interview.id
        if reoriented_to:
            self.reorientation(at, pole, reoriented_to, site=site, interview_id=interview_id)
        return interview_id


def demo_years(app, plan: list[tuple[int, str, str | None]]) -> None:
    """Migrate and seed; write each (year, profile, site code) of plan that is not there yet.

    The demo generator writes with the rollup triggers removed, then they are put back and
    the rollups rebuilt in one pass (what `flask stats rebuild` costs, printed).
    """
    from flask_migrate import upgrade

    from app.demo import generate_year
    from app.figures import rollups
    from app.seed import seed_reference

    with app.app_context():
        upgrade()
        seed_reference()
        missing = []
        for year, profile, site_code in plan:
            where = [FlowEntry.local_date.between(date(year, 1, 1), date(year, 12, 31))]
            if site_code:
                site_id = db.session.scalar(sa.select(Site.id).where(Site.code == site_code))
                where.append(FlowEntry.site_id == site_id)
            if not db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry)
                                     .where(*where)):
                missing.append((year, profile, site_code))
            db.session.rollback()
        if not missing:
            return
        dialect = db.engine.dialect.name
        with db.engine.begin() as conn:
            for statement in rollups.drop_trigger_ddl(dialect):
                conn.exec_driver_sql(statement)
        try:
            for year, profile, site_code in missing:
                summary = generate_year(year, profile, seed=year, site_code=site_code)
                print(f"  built {site_code or profile} {year}: {summary.arrivals:,} arrivals, "
                      f"{summary.interviews:,} interviews in {summary.seconds:.1f} s", flush=True)
        finally:
            with db.engine.begin() as conn:
                for statement in rollups.trigger_ddl(dialect):
                    conn.exec_driver_sql(statement)
        started = time.perf_counter()
        with db.engine.begin() as conn:
            written = rollups.rebuild(conn)
        print(f"  rollups rebuilt in {time.perf_counter() - started:.1f} s "
              f"({sum(written.values()):,} rows)", flush=True)
        with db.engine.begin() as conn:
            # Fresh planner statistics, as any maintained database has them.
            conn.exec_driver_sql("ANALYZE")
