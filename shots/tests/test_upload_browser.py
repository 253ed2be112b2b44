import random
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from playwright.sync_api import Page, expect

from shots.models import Shot, ShotStatus
from shots.tests.screens import phone_photo, render_screen, spec_for_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long unusual passphrase"


def log_in_and_upload(page: Page, server_url: str, username: str, photo: Path) -> None:
    page.set_default_timeout(30_000)  # the OCR model loads on the first photo
    page.goto(f"{server_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Upload photo").click()
    page.get_by_label("Photo of the screen").set_input_files(str(photo))
    page.get_by_role("button", name="Upload photo").click()


def test_a_golfer_uploads_a_photo_sees_it_analysed_and_confirms(
    browser_page, live_server, django_user_model, eager_analysis, settings, tmp_path
):
    settings.SHOT_ANALYSER = "ocr"
    django_user_model.objects.create_user("snap", "snap@example.com", PASSWORD)
    screen = render_screen(spec_for_case(0))
    photo = tmp_path / "screen.jpg"
    photo.write_bytes(phone_photo(screen.image, random.Random(7), megapixels=12))

    page = browser_page
    log_in_and_upload(page, live_server.url, "snap", photo)

    panel = page.locator("#shot-panel")
    expect(panel.locator(".badge:not(.badge-trust)")).to_have_text("Analysed")
    expect(page.get_by_role("img", name="Photo of the launch-monitor screen")).to_be_visible()
    shot = Shot.objects.get(golfer__username="snap")
    assert shot.carry == pytest.approx(screen.expected["carry"], abs=screen.tolerance["carry"])

    page.get_by_role("button", name="Confirm these numbers").click()
    expect(page.get_by_text("Numbers confirmed. This shot already counted.")).to_be_visible()
    expect(panel.locator(".badge:not(.badge-trust)")).to_have_text("Confirmed")
    shot.refresh_from_db()
    assert shot.status == ShotStatus.CONFIRMED
    assert page.console_errors == []


def test_a_golfer_uploads_a_photo_of_nothing_types_the_numbers_in_and_keeps_the_photo(
    browser_page, live_server, django_user_model, eager_analysis, settings, tmp_path
):
    settings.SHOT_ANALYSER = "ocr"
    django_user_model.objects.create_user("blank", "blank@example.com", PASSWORD)
    photo = tmp_path / "wall.jpg"
    Image.new("RGB", (1200, 900), "#3a6ea5").save(photo, "JPEG", quality=85)

    page = browser_page
    log_in_and_upload(page, live_server.url, "blank", photo)

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("We could not find launch-monitor numbers in this photo.")
    alert.get_by_role("link", name="Type the numbers in").click()
    expect(page.get_by_role("img", name="Your photo, to type the numbers from")).to_be_visible()
    page.get_by_label("Club", exact=True).select_option("7i")
    page.get_by_label("Carry (yd)").fill("152")
    page.get_by_role("button", name="Save shot").click()

    shot = Shot.objects.get(golfer__username="blank")
    expect(page.get_by_role("img", name="Photo of the launch-monitor screen")).to_be_visible()
    assert shot.carry == pytest.approx(152)
    assert shot.club == "7i"
    assert shot.status != ShotStatus.UNREADABLE
    assert shot.image  # typing the numbers in kept the photo
    assert page.console_errors == []


def test_a_golfer_discards_a_photo_of_nothing_and_nothing_is_left(
    browser_page, live_server, django_user_model, eager_analysis, settings, tmp_path
):
    settings.SHOT_ANALYSER = "ocr"
    django_user_model.objects.create_user("gone", "gone@example.com", PASSWORD)
    photo = tmp_path / "wall.jpg"
    Image.new("RGB", (1200, 900), "#7a5230").save(photo, "JPEG", quality=85)

    page = browser_page
    log_in_and_upload(page, live_server.url, "gone", photo)
    stored = Shot.objects.get(golfer__username="gone").image.name

    page.get_by_role("button", name="Discard the photo").click()

    expect(page.get_by_role("alert")).to_have_count(0)
    assert not Shot.objects.filter(golfer__username="gone").exists()
    assert not default_storage.exists(stored)
    assert page.console_errors == []
