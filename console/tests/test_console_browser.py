"""The console in a real browser: an owner logs in, verifies a shot, exports CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from console.tests.test_console import build_world, png_bytes
from shots.models import ReviewAction, ShotAnalysis, ShotReview, ShotStatus
from shots.tests.factories import ShotFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_verifies_a_shot_from_the_queue_and_exports_csv(browser_page, live_server):
    world = build_world()
    world.shot.verified_at = world.shot.created_at  # already checked: not in the queue
    world.shot.save()
    waiting = ShotFactory(
        golfer=world.golfer,
        retailer=world.store,
        status=ShotStatus.NEEDS_REVIEW,
        carry=255.0,
        source="photo",
    )
    waiting.image.save("screen.png", ContentFile(png_bytes()))
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/?next=/console/fairway/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Fairway Lab", level=1)).to_be_visible()

    page.get_by_role("navigation", name="Store console").get_by_role(
        "link", name="Verification"
    ).click()
    item = page.locator(".console-queue-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("255.0 yd")
    photo = item.get_by_role("img")
    expect(photo).to_be_visible()
    # Visible is not loaded: wait for the image itself (0 if it fails to load).
    width = photo.evaluate(
        """image => image.complete ? image.naturalWidth : new Promise(resolve => {
            image.addEventListener("load", () => resolve(image.naturalWidth));
            image.addEventListener("error", () => resolve(0));
        })"""
    )
    assert width > 0  # served through the console
    item.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("status").filter(has_text="verified")).to_be_visible()
    expect(page.get_by_text("All caught up")).to_be_visible()
    review = ShotReview.objects.get(shot=waiting)
    assert (review.action, review.staff) == (ReviewAction.VERIFY, world.owner)

    page.get_by_role("navigation", name="Store console").get_by_role(
        "link", name="Dashboard"
    ).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export shots (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("fairway-shots-")
    rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    by_id = {int(row["shot_id"]): row for row in rows}
    assert set(by_id) == {world.shot.pk, waiting.pk}
    assert by_id[waiting.pk]["carry_yd"] == "255.0"
    assert by_id[waiting.pk]["verified_at"] != ""
    assert page.console_errors == []


def test_staff_work_the_queue_and_the_golfer_sees_the_reason(browser_page, live_server):
    world = build_world()
    world.shot.delete()  # start from a queue of exactly the two shots below
    typed = ShotFactory(golfer=world.golfer, retailer=world.store, carry=301.0, trust="typed")
    edited = ShotFactory(
        golfer=world.golfer,
        retailer=world.store,
        source="photo",
        trust="typed",
        carry=165.0,
        metric_flags={"carry": ["edited"]},
        hit_at=typed.hit_at - timedelta(days=40),  # off this month's boards: edited only
    )
    edited.image.save("screen.png", ContentFile(png_bytes()))
    ShotAnalysis.objects.create(
        shot=edited, attempt=1, analyser="ocr", values={"carry": 162.0}, outcome="analyzed"
    )
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/?next=/console/fairway/verification/")
    page.get_by_label("Username").fill("staffer")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    items = page.locator(".console-queue-item")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Typed in, would rank")
    expect(items.nth(1)).to_contain_text("Carry 165.0 yd (the photo read 162.0 yd)")
    items.first.get_by_role("button", name=f"Verify shot #{typed.pk}").click()

    # The next shot opens by itself.
    expect(page.get_by_role("heading", name=f"Shot #{edited.pk}", level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="verified")).to_be_visible()
    expect(page.get_by_text("Edited after reading")).to_be_visible()
    page.get_by_text("Correct the values").click()
    page.get_by_label("Carry (yd)", exact=True).fill("162")
    page.get_by_label("Why correct it?").fill("The photo shows 162")
    page.get_by_role("button", name="Save correction and verify").click()
    expect(page.get_by_text("All caught up")).to_be_visible()

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next=/shots/{edited.pk}/")
    page.get_by_label("Username").fill("gary")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    notes = page.get_by_role("region", name="From the store's staff")
    expect(notes).to_contain_text("Corrected by Fairway Lab")
    expect(notes).to_contain_text("The photo shows 162")
    expect(notes).to_contain_text("Carry: 165.0 yd → 162.0 yd")
    edited.refresh_from_db()
    assert (edited.carry, edited.trust, edited.verified_by) == (162.0, "verified", world.staff)
    assert page.console_errors == []
