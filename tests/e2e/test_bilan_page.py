"""The bilan's page in Chromium: its charts, drawn on the server, load beside it."""

import pytest

from tests.e2e.conftest import login, screenshot
from tests.test_stats import Builder

pytestmark = pytest.mark.e2e


@pytest.fixture
def figures_kept_a_minute(app):
    """Let the page's charts share one read of the figures, as in production."""
    from app.bilan import services

    services._RECENT.clear()
    app.config["BILAN_CACHE_SECONDS"] = 60
    yield
    app.config["BILAN_CACHE_SECONDS"] = 0
    services._RECENT.clear()


@pytest.mark.parametrize("size", [(1024, 768), (768, 1024)])
def test_director_reads_the_bilan_with_its_charts(page, live_server, make_user, app, size,
                                                  figures_kept_a_minute):
    build = Builder(app)
    for day in range(1, 28):
        build.entry(f"2025-03-{day:02d}T10:00:00+01:00", "emploi", party=1 + day % 4)
        build.entry(f"2025-06-{day:02d}T15:00:00+02:00", "documentation")
        build.interview(f"2025-{day % 12 + 1:02d}-10T11:00:00+02:00", "formation",
                        themes=["cpf"], outcomes=["information"], profile={"gender": "femme"})
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login(page, live_server.url, make_user("network-director").username)
    page.goto(f"{live_server.url}/rapports/bilan/?year=2025&site=&edition=public",
              wait_until="domcontentloaded")
    images = page.locator(".bilan-chart img")
    assert images.count() > 10
    # Each chart is drawn when the browser asks for it: wait for all of them to arrive.
    page.wait_for_function("""() => [...document.querySelectorAll('.bilan-chart img')]
        .every(img => img.complete)""", timeout=90_000)
    broken = page.evaluate("""() => [...document.querySelectorAll('.bilan-chart img')]
        .filter(img => img.naturalWidth === 0).map(img => img.src)""")
    assert broken == []
    assert page.locator("#key_figures .bilan-key-value").first.inner_text() == "96"  # 69 + 27
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    assert page.js_errors == []
    screenshot(page, f"bilan-{size[0]}x{size[1]}")
