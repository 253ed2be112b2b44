"""No page breaks the Content-Security-Policy in a real browser.

Chromium reports each refused inline script or style, and each blocked image
or script, as a ``securitypolicyviolation`` event and a console error. Every
main page of each role (golfshots/tests/main_pages.py) on the demo seed, plus
the admin and the API docs, must load with neither.
"""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from demo.seed import demo_data_seed
from golfshots.tests.test_layout_browser import _log_in, _pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI || "inline"}`);
});
"""
EXTRA_PAGES: dict[str | None, list[str]] = {
    "csp-admin": [
        "/admin/",
        "/admin/shots/shot/",
        "/admin/shots/shot/add/",
        "/admin/shots/shotanalysis/spend/",
        "/api/docs/",
    ],
}


def test_no_main_page_breaks_the_content_security_policy(browser_page, live_server):
    demo_data_seed()
    UserFactory.create(username="csp-admin", is_staff=True, is_superuser=True)
    pages = {**_pages(), **EXTRA_PAGES}
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    broken = []
    for username, paths in pages.items():
        _log_in(page, live_server, username)
        for path in paths:
            page.console_errors.clear()
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            assert response.status == 200, (username, path)
            page.wait_for_load_state("networkidle")
            violations = page.evaluate("window.__cspViolations")
            if violations or page.console_errors:
                broken.append(f"{username or 'visitor'} {path}: {violations} {page.console_errors}")
    assert broken == [], "pages the policy breaks:\n" + "\n".join(broken)


def test_the_leaderboard_still_highlights_the_viewers_row(browser_page, live_server):
    # The highlight was an inline <style>; static/js/board.js now marks the row,
    # also after the filters swap a new board in.
    demo_data_seed()
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    _log_in(page, live_server, "demo")

    page.goto(f"{live_server.url}/leaderboards/?store=demo&period=all")
    page.wait_for_load_state("networkidle")
    me = page.locator("[data-me-shot]")
    if me.count() == 0:
        pytest.fail("the demo golfer should be on the demo store's all-time board")
    assert page.locator("#board tr.is-me").count() == 1
    page.select_option("select[name=metric]", "ball_speed")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelector('#board tr.is-me') !== null")

    assert page.evaluate("window.__cspViolations") == []
