"""One browser run of "My game": the charts draw, with no script errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from shots.models import Club
from shots.tests.factories import ShotFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_my_game_draws_the_gapping_dispersion_and_trend_charts(browser_page, live_server):
    golfer = UserFactory(username="chartgolfer")
    now = timezone.now()
    for index in range(12):
        for club, carry in ((Club.DRIVER, 240.0), (Club.IRON_7, 150.0)):
            ShotFactory(
                golfer=golfer,
                club=club,
                carry=carry + index % 5,
                carry_side=(index % 7) - 3.0,
                hit_at=now - timedelta(days=index * 2),
            )
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("chartgolfer")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # At phone width the header's links sit behind the menu button.
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="My game").first.click()

    expect(page.get_by_role("heading", name="My game")).to_be_visible()
    expect(page.get_by_role("row", name="7-iron").first).to_be_visible()
    canvases = page.locator("canvas")
    expect(canvases).to_have_count(5)  # gapping, two dispersion, two trend
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas'))"
        ".map((canvas) => Boolean(Chart.getChart(canvas)) && canvas.width > 0)"
    )
    assert drawn == [True] * 5
    assert page.console_errors == []
