"""Which sites an account may see and act on: the one answer every view and API asks.

Today an admin and a director span the network; agents and counsellors work at their own
site. The regional network (issue 10) refines this here, and only here: site directors,
network directors, counsellors serving several sites.
"""

from __future__ import annotations

NETWORK_ROLES = ("admin", "director")


def spans_network(user) -> bool:
    """Tell whether the account sees and acts on every site."""
    return user.role in NETWORK_ROLES


def site_ids_of(user) -> frozenset[int] | None:
    """Return the ids of the sites the account works at, or None for every site."""
    if spans_network(user):
        return None
    return frozenset({user.site_id})


def may_act_on(user, site_id: int) -> bool:
    """Tell whether the account may see or record anything at the site."""
    sites = site_ids_of(user)
    return sites is None or site_id in sites
