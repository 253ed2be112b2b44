from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def use_time_zone(page, zone: str) -> None:
    session = page.context.new_cdp_session(page)
    session.send("Emulation.setTimezoneOverride", {"timezoneId": zone})


def test_sign_up_stores_the_time_zone_the_browser_runs_in(browser_page, live_server):
    page = browser_page
    use_time_zone(page, "America/Denver")
    page.goto(f"{live_server.url}/accounts/signup/")

    page.get_by_label("Username").fill("denver")
    page.get_by_label("Email address").fill("denver@example.com")
    page.get_by_label("Metric").check()
    page.get_by_label("Password", exact=True).fill("thin air long drives")
    page.get_by_label("Password confirmation").fill("thin air long drives")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_server.url}/")  # the golfer home

    golfer = User.objects.get(username="denver")
    assert golfer.timezone == "America/Denver"
    assert golfer.units == "metric"
    assert page.console_errors == []


def test_settings_offer_the_devices_time_zone(browser_page, live_server):
    page = browser_page
    golfer = UserFactory(username="kim", timezone="UTC")
    use_time_zone(page, "Asia/Tokyo")
    page.goto(f"{live_server.url}/accounts/login/?next=/accounts/settings/")
    page.get_by_label("Username").fill("kim")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()

    page.get_by_role("button", name="Use this device\u2019s time zone (Asia/Tokyo)").click()
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_role("status")).to_contain_text("Your settings are saved.")
    golfer.refresh_from_db()
    assert golfer.timezone == "Asia/Tokyo"
    assert page.console_errors == []


@pytest.mark.parametrize("path", ["/", "/accounts/signup/", "/accounts/login/"])
def test_pages_fit_a_phone_screen_without_sideways_scrolling(browser_page, live_server, path):
    page = browser_page
    page.goto(f"{live_server.url}{path}")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    assert overflow <= 0
    assert page.console_errors == []


def test_the_skip_link_appears_on_focus_and_jumps_to_the_content(browser_page, live_server):
    page = browser_page
    # The home page: form pages autofocus their first field.
    page.goto(f"{live_server.url}/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "content"
