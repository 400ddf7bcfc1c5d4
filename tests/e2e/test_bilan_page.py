"""The bilan's page in Chromium: its charts, drawn on the server, load beside it."""

import pytest

from tests.e2e.conftest import login, screenshot
from tests.test_stats import Builder

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", [(1024, 768), (768, 1024)])
def test_director_reads_the_bilan_with_its_charts(page, live_server, make_user, app, size):
    build = Builder(app)
    for day in range(1, 28):
        build.entry(f"2025-03-{day:02d}T10:00:00+01:00", "emploi", party=1 + day % 4)
        build.entry(f"2025-06-{day:02d}T15:00:00+02:00", "documentation")
        build.interview(f"2025-{day % 12 + 1:02d}-10T11:00:00+02:00", "formation",
                        themes=["cpf"], outcomes=["information"], profile={"gender": "femme"})
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login(page, live_server.url, make_user("director").username)
    page.goto(f"{live_server.url}/rapports/bilan/?year=2025&site=&edition=public")
    page.wait_for_load_state("load")
    images = page.locator(".bilan-chart img")
    assert images.count() > 10
    broken = page.evaluate("""() => [...document.querySelectorAll('.bilan-chart img')]
        .filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src)""")
    assert broken == []
    assert page.locator("#key_figures .bilan-key-value").first.inner_text() == "96"  # 69 + 27
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    assert page.js_errors == []
    screenshot(page, f"bilan-{size[0]}x{size[1]}")
