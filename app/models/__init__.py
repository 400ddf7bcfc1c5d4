"""Every model, importable from one place (Alembic and the services import from here)."""

from app.models.audit import AuditEvent, JobRun
from app.models.history import HISTORY_MEASURES, HistoryBatch, HistoryMonth
from app.models.bilan import BilanForeword, ReportDelivery, ReportStamp, ReportSubscription
from app.models.floor import (
    PRESENCE_STATUSES, SCORES, CounsellorPresence, OccupancyCount, OccupancyRound, PresenceChange,
    RoundSchedule, SatisfactionAnswer, Space,
)
from app.models.events import EVENT_LOCATIONS, EVENT_STATUSES, SPLIT_CATEGORIES, Event, EventAttendanceSplit, event_partners, event_poles
from app.models.flow import DESTINATION_KINDS, ENTRY_KINDS, FlowEntry
from app.models.network import SiteClosure, SiteDestination, site_poles, user_sites
from app.models.interviews import CHANNELS, Interview, InterviewOutcome, interview_themes
from app.models.reference import (
    PROFILE_CATEGORIES,
    EventType,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    ReceptionPoint,
    Site,
    Theme,
)
from app.models.rollups import ROLLUPS, TABLES as ROLLUP_TABLES, RetentionRun, rollup_pause
from app.models.users import ROLES, User

__all__ = [
    "AuditEvent", "JobRun", "DESTINATION_KINDS", "ENTRY_KINDS", "FlowEntry", "CHANNELS",
    "Interview", "InterviewOutcome", "interview_themes", "PROFILE_CATEGORIES", "EventType",
    "Outcome", "Partner", "Pole", "ProfileOption", "ReceptionPoint", "Site", "Theme",
    "ROLES", "User", "ROLLUPS", "ROLLUP_TABLES", "RetentionRun", "rollup_pause",
    "HISTORY_MEASURES", "HistoryBatch", "HistoryMonth",
    "BilanForeword", "ReportDelivery", "ReportStamp", "ReportSubscription",
    "PRESENCE_STATUSES", "SCORES", "CounsellorPresence", "OccupancyCount", "OccupancyRound",
    "PresenceChange", "RoundSchedule", "SatisfactionAnswer", "Space",
    "EVENT_LOCATIONS", "EVENT_STATUSES", "SPLIT_CATEGORIES", "Event", "EventAttendanceSplit",
    "event_partners", "event_poles",
]
__all__ += ["SiteClosure", "SiteDestination", "site_poles", "user_sites"]  # issue 10
