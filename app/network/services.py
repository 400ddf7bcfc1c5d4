"""Each centre as it really runs: its opening hours, counselling days, closures and the
services it offers. The admin screens and the `flask sites` commands both write here."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app import reference
from app.extensions import db
from app.models import AuditEvent, Pole, Site, SiteClosure, SiteDestination, User
from app.models.network import OFFERED_DESTINATIONS
from app.offers import Offer, offer_of
from app.stats.calendar import day_ranges

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3])(?:[:hH]([0-5]\d)?)?$")  # 9:30, 09h30, 9h, 9
MAX_RANGES = 4
MAX_CLOSURE_DAYS = 366


class NetworkRefused(ValueError):
    """A calendar or service change is refused; field names the input and reason why."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


# ---------------------------------------------------------------- reading


def site_by_code(code: str) -> Site | None:
    """Return the site with that code, active or not."""
    return db.session.scalar(sa.select(Site).where(Site.code == code))


def sites_overview() -> list[Site]:
    """Return every site, main site first, then the centres in their order."""
    return list(db.session.scalars(sa.select(Site).order_by(
        Site.active.desc(), Site.parent_id.is_not(None), Site.position, Site.id)))


def weekly_hours(site) -> list[dict]:
    """Return the site's week: per weekday its ranges and whether interviews are held."""
    hours = site.opening_hours or {}
    counselling = {int(day) for day in (site.interview_days or ())}
    return [{"weekday": index, "key": key, "ranges": day_ranges(hours.get(str(index))),
             "counselling": index in counselling}
            for index, key in enumerate(WEEKDAYS)]


def ranges_text(ranges) -> str:
    """Return ranges as the form shows them: "10:00-12:30, 13:30-18:00"."""
    return ", ".join(f"{start}-{end}" for start, end in ranges)


# ---------------------------------------------------------------- parsing


def _time(text: str, field: str) -> str:
    match = _TIME.match(text.strip())
    if match is None:
        raise NetworkRefused(field, _("heure « %(text)s » : HH:MM attendu", text=text.strip()))
    return f"{int(match.group(1)):02d}:{match.group(2) or '00'}"


def parse_ranges(texts, field: str = "ranges") -> list[list[str]]:
    """Parse "10:00-12:30" ranges (several, comma separated or repeated) into sorted pairs."""
    pieces = [piece.strip() for text in texts for piece in re.split(r"[,;]", text or "")]
    pieces = [piece for piece in pieces if piece and piece.lower() not in ("fermé", "ferme",
                                                                         "closed", "-")]
    ranges = []
    for piece in pieces:
        parts = re.split(r"\s*[-–à]\s*", piece)
        if len(parts) != 2:
            raise NetworkRefused(field, _("« %(text)s » : plage HH:MM-HH:MM attendue",
                                          text=piece))
        start, end = _time(parts[0], field), _time(parts[1], field)
        if end <= start:
            raise NetworkRefused(field, _("« %(text)s » : la fin précède le début", text=piece))
        ranges.append([start, end])
    ranges.sort()
    for before, after in zip(ranges, ranges[1:]):
        if after[0] < before[1]:
            raise NetworkRefused(field, _("les plages %(a)s et %(b)s se chevauchent",
                                          a="-".join(before), b="-".join(after)))
    if len(ranges) > MAX_RANGES:
        raise NetworkRefused(field, _("%(n)d plages par jour au plus", n=MAX_RANGES))
    return ranges


def weekday_index(key: str) -> int:
    """Return the weekday index (Monday 0) of mon..sun (or 0..6)."""
    key = (key or "").strip().lower()[:3]
    if key in WEEKDAYS:
        return WEEKDAYS.index(key)
    if key.isdigit() and 0 <= int(key) <= 6:
        return int(key)
    raise NetworkRefused("weekday", _("jour « %(key)s » : mon, tue, wed, thu, fri, sat ou sun",
                                      key=key))


# ---------------------------------------------------------------- writing


def _audit(actor: User | None, action: str, site: Site, changes: dict) -> None:
    db.session.add(AuditEvent(user_id=actor.id if actor else None, action=action,
                              target_type="site", target_id=str(site.id), changes=changes))


def _week_text(site) -> dict[str, str]:
    """Return the week as the journal shows it: "mon 09:00-12:30, 13:30-17:00 · tue …"."""
    days = weekly_hours(site)
    return {"opening_hours": " · ".join(f"{day['key']} {ranges_text(day['ranges'])}"
                                        for day in days if day["ranges"]) or "—",
            "interview_days": ", ".join(day["key"] for day in days if day["counselling"]) or "—"}


def set_week(actor: User | None, site: Site, week: dict[int, list], counselling: set[int]) -> None:
    """Replace the site's opening ranges per weekday and its counselling days; commit."""
    closed_counselling = [WEEKDAYS[day] for day in counselling if not week.get(day)]
    if closed_counselling:
        raise NetworkRefused("interview_days", _("entretiens un jour de fermeture : %(days)s",
                                                 days=", ".join(closed_counselling)))
    before = _week_text(site)
    site.opening_hours = {str(day): ranges for day, ranges in sorted(week.items()) if ranges}
    site.interview_days = sorted(counselling)
    site.customised = True  # seeding never overwrites an administrator's change
    after = _week_text(site)
    _audit(actor, "site.hours", site, {name: [before[name], after[name]] for name in after
                                       if before[name] != after[name]})
    db.session.commit()


def set_day(actor: User | None, site: Site, weekday: int, ranges: list) -> None:
    """Replace one weekday's opening ranges (an empty list closes that day); commit."""
    week = {int(key): day_ranges(value) for key, value in (site.opening_hours or {}).items()}
    week[weekday] = ranges
    counselling = {int(day) for day in (site.interview_days or ())}
    if not ranges:
        counselling.discard(weekday)
    set_week(actor, site, {day: [list(r) for r in value] for day, value in week.items()},
             counselling)


def add_closure(actor: User | None, site: Site, start: date, end: date, reason: str) -> SiteClosure:
    """Close the site from start to end (inclusive) for reason; commit."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise NetworkRefused("reason", _("motif obligatoire"))
    if len(reason) > 160:
        raise NetworkRefused("reason", _("160 caractères au plus"))
    if end < start:
        raise NetworkRefused("end", _("la date de fin précède la date de début"))
    if (end - start).days + 1 > MAX_CLOSURE_DAYS:
        raise NetworkRefused("end", _("%(n)d jours au plus", n=MAX_CLOSURE_DAYS))
    for other in site.closures:
        if other.start_date <= end and start <= other.end_date:
            raise NetworkRefused("start", _("chevauche la fermeture du %(start)s au %(end)s (%(reason)s)",
                                            start=other.start_date.isoformat(),
                                            end=other.end_date.isoformat(), reason=other.reason))
    closure = SiteClosure(site=site, start_date=start, end_date=end, reason=reason)
    db.session.add(closure)
    _audit(actor, "site.closure_add", site,
           {"closure": [None, f"{start.isoformat()}..{end.isoformat()} {reason}"]})
    db.session.commit()
    return closure


def remove_closure(actor: User | None, site: Site, closure_id: int) -> SiteClosure | None:
    """Remove one of the site's closures (the days count as open again); commit."""
    closure = db.session.get(SiteClosure, closure_id)
    if closure is None or closure.site_id != site.id:
        return None
    _audit(actor, "site.closure_remove", site, {"closure": [
        f"{closure.start_date.isoformat()}..{closure.end_date.isoformat()} {closure.reason}", None]})
    db.session.delete(closure)
    db.session.commit()
    return closure


def set_services(actor: User | None, site: Site, codes: list[str] | None) -> Offer:
    """Set the poles and destinations the site offers (None: everything); commit."""
    before = offer_of(site.id)
    # Emptied and flushed first: a kind offered again is a new row with the same key.
    site.offered_destinations.clear()
    db.session.flush()
    if codes is None:
        site.offers_all_services = True
        site.offered_poles = []
    else:
        poles, kinds, unknown = [], [], []
        for code in dict.fromkeys(code.strip() for code in codes if code.strip()):
            pole = reference.by_code(Pole, code)
            if pole is not None and pole.active:
                poles.append(db.session.get(Pole, pole.id))
            elif code in OFFERED_DESTINATIONS:
                kinds.append(code)
            else:
                unknown.append(code)
        if unknown:
            raise NetworkRefused("offer", _("service inconnu : %(codes)s", codes=", ".join(unknown)))
        if not poles and not kinds:
            raise NetworkRefused("offer", _("au moins un service"))
        site.offers_all_services = False
        site.offered_poles = poles
        site.offered_destinations.extend(SiteDestination(destination_kind=kind) for kind in kinds)
    db.session.flush()
    after = offer_of(site.id)
    _audit(actor, "site.services", site, {"services": [
        "*" if before.everything else ",".join(before.codes()),
        "*" if after.everything else ",".join(after.codes())]})
    db.session.commit()
    return after
