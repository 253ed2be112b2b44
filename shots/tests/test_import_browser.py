"""A golfer imports a Garmin session file in Chromium: upload, change a club, confirm, see the session."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shots.models import Shot, ShotSource
from shots.tests.import_files import GOOD_ROWS, garmin_sample_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_golfer_imports_a_garmin_file_changes_a_club_and_sees_the_session(
    browser_page, live_server, django_user_model, tmp_path
):
    django_user_model.objects.create_user("range", "range@example.com", "a long unusual passphrase")
    export = tmp_path / "DrivingRange-2025-03-15.csv"
    export.write_bytes(garmin_sample_csv())

    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("range")
    page.get_by_label("Password").fill("a long unusual passphrase")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Import a file").click()
    page.get_by_label("Session file").set_input_files(str(export))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.get_by_text("Garmin Golf CSV")).to_be_visible()
    expect(page.locator("#import-rejected")).to_have_text("1")
    seven_iron = page.get_by_label("“7 Iron”")
    expect(seven_iron).to_have_value("7i")
    seven_iron.select_option("6i")
    page.get_by_role("button", name="Update preview").click()

    expect(page.get_by_label("“7 Iron”")).to_have_value("6i")
    page.get_by_role("button", name=f"Import {GOOD_ROWS} shots").click()

    expect(page.get_by_text("Imported 3 shots (0 were already there).")).to_be_visible()
    expect(page.get_by_role("heading", name="Session of Fri 14 Mar 2025")).to_be_visible()
    expect(page.get_by_role("heading", name="6-iron 2 shots")).to_be_visible()
    expect(page.get_by_role("heading", name="Driver 1 shot")).to_be_visible()
    bests = page.locator(".session-records")
    expect(bests).to_contain_text("Personal bests from this session:")
    expect(bests).to_contain_text("Driver carry 245.3")
    expect(bests).to_contain_text("6-iron carry 162.4")
    shots = Shot.objects.filter(golfer__username="range")
    assert shots.count() == GOOD_ROWS
    assert {shot.source for shot in shots} == {ShotSource.CSV}
    assert page.console_errors == []
