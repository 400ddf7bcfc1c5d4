"""Walk every route with every role: who gets in, who is turned away.

The matrix below is written by hand from the issues, not read from the decorators: a route
added without its line here fails test_every_route_is_in_the_matrix.
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import Auth

STAFF = ("agent", "counsellor", "director", "network-director", "admin")
ROLES = STAFF + ("kiosk",)  # issue 11: the exit kiosk reaches its page and its API only
EVERYONE = STAFF
PUBLIC = "public"

# endpoint -> roles allowed (PUBLIC: no login needed). Other roles must get 403;
# anonymous visitors are sent to the login page (HTML) or get a JSON 401 (API, .json twins).
MATRIX: dict[str, tuple[str, ...] | str] = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.set_language": PUBLIC,
    "main.service_worker": PUBLIC,
    "main.health": PUBLIC,
    "api.openapi": PUBLIC,
    "help.index": PUBLIC,
    "help.role_page": PUBLIC,
    "auth.logout_view": EVERYONE,
    "auth.change_password": ROLES,
    "main.home": ROLES,
    "main.start": EVERYONE,
    "reception.index": ("agent", "director", "admin"),
    "reception.tablet": ("agent", "director", "admin"),
    "reception_api.post_entries": ("agent", "director", "admin"),
    "reception_api.undo": ("agent", "director", "admin"),
    "reception_api.counts": EVERYONE,
    "api.csrf_token": ROLES,
    "guard.rules": EVERYONE,
    "admin.users": ("admin",),
    "admin.user_create": ("admin",),
    "admin.user_edit": ("admin",),
    "admin.user_deactivate": ("admin",),
    "admin.user_reactivate": ("admin",),
    "admin.user_reset_password": ("admin",),
    "admin.user_unlock": ("admin",),
    "admin.reference_index": ("admin",),
    "admin.reference_list": ("admin",),
    "admin.reference_create": ("admin",),
    "admin.reference_edit": ("admin",),
    "admin.reference_deactivate": ("admin",),
    "admin.reference_reactivate": ("admin",),
    "admin.journal": ("admin",),
    "interviews.new": ("counsellor",),
    "interviews.my_day": ("counsellor",),
    "interviews.recent": ("counsellor",),
    "interviews.edit": ("counsellor",),
    "interviews.delete": ("counsellor",),
    "interviews_api.post_interviews": ("counsellor",),
    "interviews.index": ("director",),
    "stats.floor": EVERYONE,
    "stats.floor_json": EVERYONE,
    "stats.dashboard": ("director", "admin"),
    "stats.dashboard_json": ("director", "admin"),
    "reporting.index": ("director", "admin"),
    "reporting.download": ("director", "admin"),
    "reporting.compile_annual": ("director", "admin"),
    "reporting.compile_raw": ("director", "admin"),
    # issue 12: the past years
    "history.history_index": ("admin",),
    "history.history_template": ("admin",),
    "history.history_preview": ("admin",),
    "history.history_confirm": ("admin",),
    "history.history_discard": ("admin",),
    # issue 12: the bilan d'activité
    "bilan.page": ("director", "admin"),
    "bilan.pdf": ("director", "admin"),
    "bilan.chart": ("director", "admin"),
    "bilan.save_foreword": ("director", "admin"),
    "reporting.subscribe": ("director", "admin"),
    "reporting.unsubscribe": ("director", "admin"),
    # issue 11: the floor, live
    "floor.kiosk": ("kiosk",),
    "floor_api.post_satisfaction": ("kiosk",),
    "floor_api.post_occupancy": ("agent", "director", "admin"),
    "floor_api.poles_status": ("agent", "counsellor", "director", "admin"),
    "floor_api.get_presence": ("counsellor",),
    "floor_api.post_presence": ("counsellor",),
    "floor.round_schedules": ("admin",),
    # events (issue 9): the director and admins plan; staff of a site enter attendance
    "events_api.post_events": ("director", "admin"),
    "events_api.put_attendance": EVERYONE,
    "events_api.list_events": EVERYONE,
    "events.calendar": EVERYONE,
    "events.waiting": EVERYONE,
    "events.attendance": EVERYONE,
    "events.new": ("director", "admin"),
    "events.edit": ("director", "admin"),
    "events.cancel": ("director", "admin"),
    "reporting.compile_partner": ("network-director", "admin"),  # a partner serves the network
    # issue 10: the site calendar screens
    "network.sites": ("admin",),
    "network.site": ("admin",),
    "network.save_hours": ("admin",),
    "network.add_closure": ("admin",),
    "network.remove_closure": ("admin",),
    "network.save_services": ("admin",),
}
# A network director is a director over every site: a route open to directors opens to them.
MATRIX = {endpoint: (allowed + ("network-director",)
                     if isinstance(allowed, tuple) and "director" in allowed else allowed)
          for endpoint, allowed in MATRIX.items()}

# Values for URL parameters, per parameter name.
SAMPLES = {
    "code": "marseille-rdc",
    "closure_id": "1",
    "entry_id": str(uuid.uuid4()),
    "interview_id": str(uuid.uuid4()),
    "filename": "css/app.css",
    "kind": "poles",
    "slug": "accueil",
    "name": "affluence_annuel_2025_marseille_internal.xlsx",
}


def routes(app):
    """Yield every (rule, method) pair the app answers."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def url_for_rule(rule) -> str:
    url = rule.rule
    for name in rule.arguments:
        value = SAMPLES.get(name, "1")
        url = url.replace(f"<{name}>", value)
        for converter in ("int", "path", "string", "uuid"):
            url = url.replace(f"<{converter}:{name}>", value)
    return url


def test_every_route_is_in_the_matrix(app):
    missing = sorted({rule.endpoint for rule, _ in routes(app)} - set(MATRIX))
    assert missing == [], f"routes without an access rule in the matrix: {missing}"


def request(session_client, method, url, token):
    if method == "GET":
        return session_client.get(url)
    return session_client.open(url, method=method, data={"csrf_token": token or ""},
                               headers={"X-CSRFToken": token or ""})


@pytest.mark.parametrize("role", ROLES + ("anonymous",))
def test_each_role_reaches_only_its_routes(app, make_user, role):
    client = app.test_client()
    token = None
    if role != "anonymous":
        session = Auth(client)
        session.login(make_user(role).username)
        token = session.token
    failures = []
    for rule, method in routes(app):
        allowed = MATRIX[rule.endpoint]
        if rule.endpoint == "auth.logout_view":
            continue  # logging out would end the walk; covered in test_auth
        url = url_for_rule(rule)
        response = request(client, method, url, token)
        status = response.status_code
        if allowed == PUBLIC or (role != "anonymous" and role in allowed):
            if status in (401, 403) or status >= 500 or (status == 302 and "/login" in response.location):
                failures.append(f"{role} refused at {method} {url}: {status}")
        elif role == "anonymous":
            # The pages' JSON twins answer like the API: fetch() must never see a login page.
            is_api = url.startswith("/api/") or url.endswith(".json")
            expected_ok = (status == 401 and response.is_json) if is_api else (
                status == 302 and "/login" in response.location)
            if not expected_ok:
                failures.append(f"anonymous not sent to login at {method} {url}: {status}")
        elif status != 403:
            failures.append(f"{role} not refused at {method} {url}: {status}")
    assert failures == []


@pytest.mark.parametrize("role, landing", [
    ("agent", "/accueil/"),
    ("counsellor", "/entretiens/nouveau"),
    ("director", "/statistiques/tableau-de-bord"),
    ("network-director", "/statistiques/tableau-de-bord"),
    ("admin", "/admin/comptes"),
    ("kiosk", "/borne"),
])
def test_after_login_each_role_lands_on_the_page_it_works_on(app, make_user, role, landing):
    session = Auth(app.test_client())
    session.login(make_user(role).username)
    home = session.client.get("/")
    assert home.status_code == 302 and home.location == landing
    assert session.client.get(landing).status_code in (200, 302)


# ---------------------------------------------------------------- site isolation (issue 10)

# What would betray another site's data in a page or a JSON answer.
MARSEILLE_MARKS = ("Cité des Métiers de Marseille", '"marseille"', "marseille-rdc")
# The privacy guard's word lists name cities (Marseille among them): not a site's data.
NOT_SITE_DATA = {"guard.rules"}


@pytest.mark.parametrize("role", ["agent", "counsellor", "director"])
def test_site_bound_accounts_reach_no_other_sites_data_on_any_route(app, make_user, role):
    """Walk every GET route the role may open, asking for Marseille as a Gap account."""
    kwargs = {"pole": "emploi", "partner": "cio"} if role == "counsellor" else {}
    session = Auth(app.test_client())
    session.login(make_user(role, site="gap", **kwargs).username)
    leaks = []
    for rule, method in routes(app):
        allowed = MATRIX[rule.endpoint]
        if method != "GET" or allowed == PUBLIC or role not in allowed \
                or rule.endpoint in NOT_SITE_DATA:
            continue
        url = url_for_rule(rule)
        url += ("&" if "?" in url else "?") + "site=marseille"
        response = session.client.get(url)
        if response.status_code != 200:
            continue  # refused (403), invalid (400), unknown (404) or sent on (302)
        body = response.get_data(as_text=True)
        found = [mark for mark in MARSEILLE_MARKS if mark in body]
        if found:
            leaks.append(f"{role} of gap sees {found} at {url}")
    assert leaks == []
