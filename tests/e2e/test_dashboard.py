"""The director's dashboard in Chromium: the charts draw, and a filter changes the figures."""

import pytest

from tests.e2e.conftest import login, screenshot
from tests.test_stats import Builder

pytestmark = pytest.mark.e2e


def test_director_sees_the_charts_and_filters_the_period(page, live_server, make_user, app):
    director = make_user("network-director")  # every site (issue 10)
    build = Builder(app)
    build.entry("2025-03-03T10:00:00+01:00", "emploi", party=40)
    build.entry("2025-06-02T11:00:00+02:00", "documentation", party=2)
    build.entry("2025-06-02T11:30:00+02:00", "emploi", site="gap", party=5)
    build.reorientation("2025-06-02T12:00:00+02:00", "emploi", "formation")
    build.interview("2025-06-02T14:00:00+02:00", "formation", themes=["cpf"],
                    outcomes=["information"], profile={"gender": "femme"})

    login(page, live_server.url, director.username)
    page.goto(f"{live_server.url}/statistiques/tableau-de-bord?start=2025-01-01&end=2025-12-31")
    page.wait_for_selector("canvas[data-rendered]")

    assert page.locator("[data-kpi=visitors]").inner_text() == "47"
    assert page.locator("[data-kpi=interviews]").inner_text() == "1"
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 12
    assert page.locator("canvas[data-chart]:not([data-rendered])").count() == 0
    assert page.locator("[data-testid=heatmap] td.heat-5").count() == 1   # Monday 10h
    assert page.js_errors == []
    # No bar label is cut: long ones wrap; counts are joined by straight lines.
    labels = page.evaluate("""() => [...document.querySelectorAll('canvas[data-chart]')]
        .map(c => Chart.getChart(c)).filter(Boolean)
        .flatMap(chart => Object.values(chart.scales).flatMap(scale => scale.ticks
            .map(t => [].concat(t.label).join(' '))))""")
    assert labels and not [label for label in labels if "…" in label]
    assert "Compte personnel de formation" in labels  # 29 characters, on two lines
    tensions = page.evaluate("""() => [...document.querySelectorAll('canvas[data-chart]')]
        .map(c => Chart.getChart(c)).filter(Boolean).flatMap(chart => chart.data.datasets
            .filter(d => d.type === 'line' || chart.config.type === 'line')
            .map(d => d.tension || 0))""")
    assert tensions and set(tensions) == {0}
    screenshot(page, "dashboard-year")

    # The attendance chart switches from months to weeks without a reload.
    page.click("label:has(input[value=week])")
    assert page.locator("#chart-attendance").get_attribute("data-grain") == "week"

    # From June on, at Marseille only: the 40 March visitors and Gap's 5 drop out.
    page.fill("#start", "2025-06-01")
    page.select_option("#site", "marseille")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("canvas[data-rendered]")

    assert "start=2025-06-01" in page.url and "site=marseille" in page.url
    assert page.locator("[data-kpi=visitors]").inner_text() == "2"
    assert page.locator("[data-kpi=reorientations]").inner_text() == "1"
    assert "Cité des Métiers de Marseille" in page.locator("[data-testid=period]").inner_text()
    assert page.js_errors == []
    screenshot(page, "dashboard-filtered")


def test_an_invalid_filter_is_explained_in_french(page, live_server, make_user):
    director = make_user("director")
    login(page, live_server.url, director.username)
    page.goto(f"{live_server.url}/statistiques/tableau-de-bord?start=2025-06-01&end=2025-01-01")

    alert = page.locator("[data-testid=filter-error]")
    assert "la date de fin précède la date de début" in alert.inner_text()
    assert page.locator("#end[aria-invalid=true]").count() == 1
    assert page.locator("canvas").count() == 0
    assert page.js_errors == []


def test_the_floor_board_refreshes_its_figures_every_minute(page, live_server, make_user, app):
    agent = make_user("agent")
    build = Builder(app)
    build.entry("2025-06-02T10:15:00+02:00", "emploi", party=3)
    build.entry("2025-05-26T10:15:00+02:00", "emploi", party=4)
    page.clock.install()
    login(page, live_server.url, agent.username)
    page.goto(f"{live_server.url}/statistiques/jour?date=2025-06-02")
    page.wait_for_selector("#chart-floor-hours")
    visitors = page.locator("[data-figure='totals.visitors.today']")
    assert visitors.inner_text() == "3"
    assert page.locator("[data-figure='totals.visitors.last_week']").inner_text() == "4"

    build.entry("2025-06-02T11:40:00+02:00", "documentation", party=2)
    with page.expect_response(lambda response: "/statistiques/jour.json" in response.url):
        page.clock.fast_forward(61_000)

    page.wait_for_function(
        "document.querySelector(\"[data-figure='totals.visitors.today']\").textContent === '5'")
    assert page.locator("[data-figure='destinations.documentation.today']").inner_text() == "2"
    assert page.js_errors == []
    screenshot(page, "floor")
