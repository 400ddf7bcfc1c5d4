"""What a site offers: its poles and other destinations (issue 10).

Tablets, interview forms and pickers show only these; every feature asks here, so the
answer is the same on each screen. A site without a list offers everything active.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from app import reference
from app.extensions import db
from app.models import Pole, Site
from app.models.network import OFFERED_DESTINATIONS


@dataclass(frozen=True)
class Offer:
    """What a site offers: pole codes and other destinations (all: no list set)."""

    everything: bool
    poles: tuple[str, ...]
    destinations: tuple[str, ...]

    def codes(self) -> tuple[str, ...]:
        """Return every offered code: poles first, then the other destinations."""
        return self.poles + self.destinations


def offer_of(site_id: int) -> Offer:
    """Return what a site offers (every active pole and destination when no list is set)."""
    site = db.session.get(Site, site_id)
    if site is None or site.offers_all_services:
        return Offer(True, tuple(p.code for p in reference.active(Pole)), OFFERED_DESTINATIONS)
    poles = {pole.id for pole in site.offered_poles}
    kinds = {row.destination_kind for row in site.offered_destinations}
    return Offer(False, tuple(p.code for p in reference.active(Pole) if p.id in poles),
                 tuple(kind for kind in OFFERED_DESTINATIONS if kind in kinds))


def offered_codes(site_ids) -> set[str]:
    """Return the codes offered by at least one of the sites (None: every site)."""
    ids = site_ids if site_ids is not None else [site.id for site in reference.active(Site)]
    codes: set[str] = set()
    for site_id in ids:
        codes.update(offer_of(site_id).codes())
    return codes


def config_version(config: dict) -> str:
    """Return a short digest of what a screen shows: it changes when an admin edits it."""
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
