"""Golfer journeys in a real browser that end on a store's board: a photo read and confirmed
ranks; a typed 350-yard drive does not, until the store's staff verify it."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from retailers.models import CustomerLink, Membership, Retailer, Role
from retailers.tests.journeys import sign_up_from_join_link
from shots.models import Shot, ShotStatus, ShotTrust
from shots.tests.screens import phone_photo, render_screen, spec_for_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, username: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_new_golfer_joins_by_qr_uploads_confirms_and_ranks_at_the_store(
    browser_page, live_server, eager_analysis, settings, tmp_path
):
    settings.SHOT_ANALYSER = "ocr"
    Retailer.objects.create(name="Fairway Lab", slug="fairway")
    screen = render_screen(spec_for_case(0))
    photo = tmp_path / "screen.jpg"
    photo.write_bytes(phone_photo(screen.image, random.Random(7), megapixels=12))
    page = browser_page
    page.set_default_timeout(30_000)  # the OCR model loads on the first photo

    sign_up_from_join_link(
        page, f"{live_server.url}/join/fairway/?via=qr"
    )  # the link the QR code opens
    page.get_by_label("Show me on this store's leaderboards").check()
    page.get_by_role("button", name="Join Fairway Lab").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/shots/upload/")
    # The golfer joined one store, so the upload is at that store unless they say otherwise.
    expect(page.get_by_label("Where")).to_have_value(str(Retailer.objects.get().pk))
    page.get_by_label("Photo of the screen").set_input_files(str(photo))
    page.get_by_role("button", name="Upload photo").click()
    panel = page.locator("#shot-panel")
    expect(panel.locator(".badge:not(.badge-trust)")).to_have_text("Analysed")
    page.get_by_role("button", name="Confirm these numbers").click()
    expect(panel.locator(".badge:not(.badge-trust)")).to_have_text("Confirmed")

    shot = Shot.objects.get(golfer__username="newgolfer")
    assert (shot.status, shot.trust) == (ShotStatus.CONFIRMED, ShotTrust.MEASURED)
    assert CustomerLink.objects.get(golfer__username="newgolfer").joined_via == "qr"
    page.goto(f"{live_server.url}/s/fairway/")
    expect(page.locator("main")).to_contain_text("newgolfer")
    assert page.console_errors == []


def test_a_typed_350_yard_drive_ranks_only_once_staff_verify_it(browser_page, live_server):
    store = Retailer.objects.create(name="Fairway Lab", slug="fairway", kiosk_public=True)
    golfer = UserFactory.create(username="bigdrive", display_name="Big Drive")
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    owner = UserFactory.create(username="olive")
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)
    page = browser_page

    log_in(page, live_server.url, "bigdrive")
    page.goto(f"{live_server.url}/shots/new/")
    page.get_by_label("Club", exact=True).select_option("driver")
    page.get_by_label("Carry (yd)").fill("350")
    page.get_by_label("Where").select_option(str(store.pk))
    page.get_by_role("button", name="Save shot").click()
    expect(page.get_by_text("Shot saved.")).to_be_visible()
    shot = Shot.objects.get(golfer=golfer)
    assert shot.trust == ShotTrust.TYPED

    page.goto(f"{live_server.url}/s/fairway/")
    expect(page.locator("main")).not_to_contain_text("Big Drive")
    page.goto(f"{live_server.url}/s/fairway/kiosk/")
    expect(page.locator("body")).to_contain_text("Fairway Lab")
    expect(page.locator("body")).not_to_contain_text("Big Drive")

    page.context.clear_cookies()
    log_in(page, live_server.url, "olive")
    page.wait_for_url(f"{live_server.url}/console/fairway/")
    page.goto(f"{live_server.url}/console/fairway/verification/")
    queued = page.locator(".console-queue-item", has_text="Big Drive")
    expect(queued).to_contain_text("350.0 yd")
    queued.get_by_role("button", name=f"Verify shot #{shot.pk}").click()

    page.goto(f"{live_server.url}/s/fairway/")
    row = page.locator("main tr", has_text="Big Drive").first
    expect(row).to_contain_text("350.0 yd")
    expect(row).to_contain_text("Verified")
    shot.refresh_from_db()
    assert shot.trust == ShotTrust.VERIFIED
    assert page.console_errors == []
