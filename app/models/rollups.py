"""Daily rollups: the figures of the visitor flow and the interviews, summed by Paris day.

Each rollup is declared once here (its keys and measures, as expressions over the raw row);
the table, the database triggers that keep it current and the rebuild query are all made
from that declaration (app/figures/rollups.py), so they cannot drift from one another.

A key that the raw row leaves empty (no reception point, no pole...) is stored as 0: SQL
treats NULLs as distinct in a unique key, and an upsert on a NULL key would add a row per
write instead of adding to the one there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.reference import PROFILE_CATEGORIES
from app.models.types import UTCDateTime, now_utc

NONE = 0  # the key of "not stated" in every rollup


@dataclass(frozen=True)
class Rollup:
    """One summary table: its keys and measures as SQL over the raw row it sums.

    `source` says which raw rows feed it: "flow" (flow_entries, as {r}), "interview"
    (interviews, as {r}), or "theme"/"outcome" (the association row as {t}, joined to its
    interview as {i}).
    """

    table: str
    source: str
    keys: tuple[tuple[str, str], ...]
    measures: tuple[tuple[str, str], ...]
    where: str = "1 = 1"

    # Several declarations may fill one table, each its own part (the profile categories):
    # rebuilds and checks then read and write only the rows of their part.
    part: str | None = None
    # With a monthly twin, a read of whole months sums 12 rows a year instead of 365.
    monthly: bool = True
    # Keys of the monthly twin beyond the month (the weekday keeps the heatmap exact), and
    # keys it leaves out (what only day-by-day reads ask for).
    monthly_extra: tuple[tuple[str, str], ...] = ()
    monthly_drop: tuple[str, ...] = ()

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(name for name, _expr in self.keys)

    @property
    def measure_names(self) -> tuple[str, ...]:
        return tuple(name for name, _expr in self.measures)


def _opt(column: str, alias: str = "{r}") -> str:
    return f"COALESCE({alias}.{column}, 0)"


_INTERVIEW_KEYS = (("local_date", "{i}.local_date"), ("site_id", "{i}.site_id"),
                   ("pole_id", "{i}.pole_id"), ("partner_id", "{i}.partner_id"))

ROLLUPS: tuple[Rollup, ...] = (
    # Arrivals by hour and reception point: attendance per day, hour, weekday, point.
    Rollup("flow_hourly", "flow",
           keys=(("local_date", "{r}.local_date"), ("site_id", "{r}.site_id"),
                 ("reception_point_id", _opt("reception_point_id")),
                 ("local_hour", "{r}.local_hour"),
                 ("destination_pole_id", _opt("destination_pole_id"))),
           measures=(("persons", "{r}.party_size"), ("entries", "1")),
           where="{r}.kind = 'arrival'",
           monthly_extra=(("weekday", "WEEKDAY_OF({r}.local_date)"),),
           monthly_drop=("reception_point_id",)),
    # Each day's arrivals and reorientations, narrow: the day-by-day series of long ranges.
    Rollup("flow_day", "flow",
           keys=(("local_date", "{r}.local_date"), ("site_id", "{r}.site_id"),
                 ("kind", "{r}.kind"),
                 ("destination_pole_id", _opt("destination_pole_id"))),
           measures=(("persons", "{r}.party_size"), ("entries", "1")),
           monthly=False),
    # Every flow entry by destination: orientations, reorientation flows, gender per pole.
    Rollup("flow_daily", "flow",
           keys=(("local_date", "{r}.local_date"), ("site_id", "{r}.site_id"),
                 ("kind", "{r}.kind"), ("destination_kind", "{r}.destination_kind"),
                 ("destination_pole_id", _opt("destination_pole_id")),
                 ("destination_partner_id", _opt("destination_partner_id")),
                 ("event_type_id", _opt("event_type_id")),
                 ("from_pole_id", _opt("from_pole_id")),
                 ("from_interview", "CASE WHEN {r}.interview_id IS NULL THEN 0 ELSE 1 END"),
                 ("gender_id", _opt("gender_id"))),
           measures=(("persons", "{r}.party_size"), ("entries", "1"))),
    # The arrivals' profile, one category at a time: a row a category and option, where
    # every category together would be close to a row per arrival.
    *(Rollup("flow_profile_daily", "flow",
             keys=(("local_date", "{r}.local_date"), ("site_id", "{r}.site_id"),
                   ("destination_pole_id", _opt("destination_pole_id")),
                   ("category", f"'{category}'"), ("option_id", _opt(f"{category}_id"))),
             measures=(("persons", "{r}.party_size"),),
             where="{r}.kind = 'arrival'", part=category)
      for category in PROFILE_CATEGORIES),
    Rollup("interview_daily", "interview",
           keys=(*((n, e.replace("{i}", "{r}")) for n, e in _INTERVIEW_KEYS),
                 ("channel", "{r}.channel"), ("gender_id", _opt("gender_id"))),
           measures=(("interviews", "1"), ("minutes", "{r}.duration_min"))),
    # Each day's interviews per pole, narrow: the day-by-day series of long ranges.
    Rollup("interview_day", "interview",
           keys=(("local_date", "{r}.local_date"), ("site_id", "{r}.site_id"),
                 ("pole_id", "{r}.pole_id")),
           measures=(("interviews", "1"),), monthly=False),
    Rollup("interview_duration_daily", "interview",
           keys=(*((n, e.replace("{i}", "{r}")) for n, e in _INTERVIEW_KEYS),
                 ("duration_min", "{r}.duration_min")),
           measures=(("interviews", "1"),)),
    *(Rollup("interview_profile_daily", "interview",
             keys=(*((n, e.replace("{i}", "{r}")) for n, e in _INTERVIEW_KEYS),
                   ("category", f"'{category}'"), ("option_id", _opt(f"{category}_id"))),
             measures=(("interviews", "1"),), part=category)
      for category in PROFILE_CATEGORIES),
    Rollup("interview_theme_daily", "theme",
           keys=(*_INTERVIEW_KEYS, ("theme_id", "{t}.theme_id")),
           measures=(("interviews", "1"),)),
    Rollup("interview_outcome_daily", "outcome",
           keys=(*_INTERVIEW_KEYS, ("outcome_id", "{t}.outcome_id"),
                 ("target_pole_id", _opt("target_pole_id", "{t}")),
                 ("target_partner_id", _opt("target_partner_id", "{t}"))),
           measures=(("interviews", "1"),)),
)



def _monthly_twin(rollup: Rollup) -> Rollup:
    keys = [("local_month", f"MONTH_OF({expr})") if name == "local_date" else (name, expr)
            for name, expr in rollup.keys if name not in rollup.monthly_drop]
    return Rollup(f"{rollup.table}_monthly", rollup.source, (*keys, *rollup.monthly_extra),
                  rollup.measures, rollup.where, part=rollup.part, monthly=False)


DAILY = ROLLUPS
ROLLUPS = (*DAILY, *(_monthly_twin(rollup) for rollup in DAILY if rollup.monthly))
# The monthly twin of each daily table, by the daily table's name.
MONTHLY: dict[str, Rollup] = {rollup.table: _monthly_twin(rollup)
                              for rollup in DAILY if rollup.monthly}

_TYPES = {"local_date": sa.Date, "local_month": sa.Date, "weekday": sa.SmallInteger,
          "kind": sa.String(16), "category": sa.String(16), "destination_kind": sa.String(16),
          "channel": sa.String(16), "local_hour": sa.SmallInteger,
          "from_interview": sa.SmallInteger, "duration_min": sa.SmallInteger}


def _table(rollup: Rollup) -> sa.Table:
    columns = [sa.Column(name, _TYPES.get(name, sa.Integer), primary_key=True, autoincrement=False)
               for name in rollup.key_names]
    columns += [sa.Column(name, sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                          nullable=False, server_default="0")
                for name in rollup.measure_names]
    return sa.Table(rollup.table, db.metadata, *columns,
                    sa.Index(f"ix_{rollup.table}_day_site", rollup.key_names[0], "site_id"),
                    info={"rollup": True})


TABLES: dict[str, sa.Table] = {}
for _rollup in ROLLUPS:
    if _rollup.table not in TABLES:
        TABLES[_rollup.table] = _table(_rollup)


class RetentionRun(db.Model):
    """Raw rows removed by the retention command; their figures stay in the rollups."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Raw rows dated before this day are gone; rebuilds and checks start from it.
    before: Mapped[date] = mapped_column(sa.Date)
    flow_entries: Mapped[int] = mapped_column(default=0)
    interviews: Mapped[int] = mapped_column(default=0)
    run_by: Mapped[str] = mapped_column(sa.String(120), default="")


# While a transaction holds a row here, the rollup triggers stand aside (retention).
rollup_pause = sa.Table("rollup_pause", db.metadata,
                        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                        info={"rollup": True})
