"""A kiosk TV's polls in a real browser: a slide it has seen comes back as a 304."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from golfshots import response_cache
from leaderboards import views
from leaderboards.tests.test_board_selector import consent, golfer, shot, store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_unchanged_slide_is_revalidated_and_answered_304(browser_page, live_server, monkeypatch):
    monkeypatch.setattr(views, "KIOSK_SLIDE_SECONDS", 1)
    fairway = store("fairway", name="Fairway Lab", kiosk_public=True)
    person = golfer("Player One")
    consent(person, fairway)
    shot(person, fairway, carry=250.0, hit_at=timezone.now())
    # Counted in the server (the live server runs in this process): the browser
    # hands the page the 200 it holds, so the page never sees the 304.
    not_modified: list[str] = []
    real_not_modified = response_cache._not_modified

    def counted_not_modified(etag: str):
        not_modified.append(etag)
        return real_not_modified(etag)

    monkeypatch.setattr(response_cache, "_not_modified", counted_not_modified)
    page = browser_page

    page.goto(f"{live_server.url}/s/fairway/kiosk/")

    title = page.locator(".kiosk-title")
    # Three boards: slides 1, 2, 0, then 1 again, which the browser already holds.
    for expected in ("Ball speed · This week", "Carry · Driver · This month", "Carry · This week"):
        expect(title).to_have_text(expected, timeout=5_000)
    expect(title).to_have_text("Ball speed · This week", timeout=5_000)
    expect(page.locator(".kiosk-table tbody tr").first).to_contain_text("Player One")

    assert not_modified, "the browser's revalidation of slide 1 was not a 304"
    assert page.console_errors == []
