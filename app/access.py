"""Which sites an account may see and act on: the one answer every view and API asks.

An admin and a network director span the network. A site director sees their own site;
agents and counsellors work at their home site and at the other sites their account lists
(partners' counsellors rotate between centres). Every site check asks here.
"""

from __future__ import annotations

NETWORK_ROLES = ("admin", "network-director")
# A network director does everything a director does, over every site: a view open to
# directors opens to them too (app.security.role_required asks holds_role).
IMPLIED_ROLES = {"network-director": ("director",)}


def holds_role(user, *roles: str) -> bool:
    """Tell whether the account holds one of roles, directly or through its own role."""
    return user.role in roles or any(role in roles for role in IMPLIED_ROLES.get(user.role, ()))


def spans_network(user) -> bool:
    """Tell whether the account sees and acts on every site."""
    return user.role in NETWORK_ROLES


def site_ids_of(user) -> frozenset[int] | None:
    """Return the ids of the sites the account works at, or None for every site."""
    if spans_network(user):
        return None
    return frozenset({user.site_id, *user.extra_site_ids})


def may_act_on(user, site_id: int) -> bool:
    """Tell whether the account may see or record anything at the site."""
    sites = site_ids_of(user)
    return sites is None or site_id in sites


def scope_site_ids(user, asked: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """Narrow the sites a figure was asked for to those the account sees (None: all)."""
    sites = site_ids_of(user)
    if sites is None:
        return asked
    if asked is None:
        return tuple(sorted(sites))
    return tuple(site_id for site_id in asked if site_id in sites)
