"""The kiosk in a real browser: full screen, rows shown, slides rotating, fresh data."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leaderboards import views
from leaderboards.tests.test_board_selector import consent, golfer, shot, store
from shots import services
from shots.models import ShotSource

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_kiosk_fills_the_screen_rotates_its_boards_and_refreshes_itself(
    browser_page, live_server, monkeypatch
):
    # The live server runs in this process, so it sees the shorter slide time.
    monkeypatch.setattr(views, "KIOSK_SLIDE_SECONDS", 1)
    fairway = store("fairway", name="Fairway Lab", kiosk_public=True)
    for index in range(views.KIOSK_LIMIT):  # a full board
        person = golfer(f"Player {index + 1}")
        consent(person, fairway)
        shot(person, fairway, carry=250.0 - index, ball_speed=160.0 - index, hit_at=timezone.now())
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 720})

    page.goto(f"{live_server.url}/s/fairway/kiosk/")

    expect(page.get_by_role("heading", name="Fairway Lab", level=1)).to_be_visible()
    title = page.locator(".kiosk-title")
    expect(title).to_have_text("Carry · This week")
    rows = page.locator(".kiosk-table tbody tr")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("Player 1")
    expect(rows.first).to_contain_text("250.0 yd")
    # Full screen: the slide spans the TV, and the whole board fits on it.
    slide = page.locator("#kiosk-slide").bounding_box()
    assert slide is not None
    assert slide["width"] >= 1200
    assert slide["y"] + slide["height"] >= 700
    for bottom_line in (rows.last, page.locator(".kiosk-progress")):
        expect(bottom_line).to_be_in_viewport(ratio=1)

    expect(title).to_have_text("Ball speed · This week", timeout=5_000)
    expect(rows.first).to_contain_text("160.0 mph")
    expect(title).to_have_text("Carry · Driver · This month", timeout=5_000)

    # A new record while the TV runs shows when its board comes round again.
    newcomer = golfer("New Record")
    consent(newcomer, fairway)
    services.shot_create_manual(
        golfer=newcomer,
        club="driver",
        metrics={"carry": 275.0},
        retailer=fairway,
        source=ShotSource.CSV,  # imported from the bay: measured, so it ranks
    )
    expect(title).to_have_text("Carry · This week", timeout=5_000)
    expect(rows.first).to_contain_text("New Record")
    expect(rows.first).to_contain_text("275.0 yd")
    assert page.console_errors == []
