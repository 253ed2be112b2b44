"""A golfer's session-file import pages: upload, preview and its choices, confirm, progress."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.tests.factories import UserFactory
from retailers.models import CustomerLink
from shots.import_forms import ImportChoicesForm
from shots.imports.plan import LEAVE_OUT
from shots.imports.tables import MAX_IMPORT_BYTES
from shots.models import (
    ImportStatus,
    PracticeSession,
    SessionKind,
    Shot,
    ShotImport,
    ShotSource,
    ShotTrust,
)
from shots.services import imports as imports_service
from shots.services.imports import import_plan
from shots.tests.import_files import (
    GOOD_ROWS,
    REJECTED_ROW,
    SAMPLE_ROWS,
    garmin_sample_csv,
    garmin_sample_csv_without_dates,
)

pytestmark = pytest.mark.django_db

FILE_NAME = "DrivingRange-2025-03-15.csv"


def upload(client, content: bytes | None = None, name: str = FILE_NAME, **fields: object):
    file = SimpleUploadedFile(name, garmin_sample_csv() if content is None else content, "text/csv")
    return client.post(reverse("shots:import_new"), {"file": file, **fields})


def uploaded(client) -> ShotImport:
    response = upload(client)
    assert response.status_code == 302, response.content.decode()
    shot_import = ShotImport.objects.get()
    assert response["Location"] == shot_import.get_absolute_url()
    return shot_import


def club_field(shot_import: ShotImport, text: str) -> str:
    plan = import_plan(shot_import=shot_import)
    return f"club-{[found.text for found in plan.clubs].index(text)}"


def choices(shot_import: ShotImport, action: str = "update", **changes: str) -> dict[str, str]:
    """What the preview's form posts when nothing is changed, with ``changes`` applied."""
    shot_import.refresh_from_db()  # the choices saved by an earlier post
    form = ImportChoicesForm(plan=import_plan(shot_import=shot_import))
    data = {name: str(form[name].value() or "") for name in form.fields}
    return {**data, "action": action, **changes}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    return buffer.getvalue()


# --- Upload and preview ------------------------------------------------------------


def test_it_previews_a_garmin_file_with_its_format_units_clubs_and_rejected_rows(browser):
    shot_import = uploaded(browser)

    response = browser.get(shot_import.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert "Garmin Golf CSV" in html
    assert "Garmin R10/R50" in html
    assert FILE_NAME in html
    assert "Fri 14 Mar 2025, 18:01" in html
    assert "“Driver”" in html
    assert "“7 Iron”" in html
    assert '<option value="7i" selected>7-iron</option>' in html
    assert '<option value="skip">Leave these rows out</option>' in html
    assert "Carry Distance" in html
    assert "from the file&#x27;s units row" in html
    assert '<option value="yds" selected>yards</option>' in html
    assert f"Row {REJECTED_ROW}: Ball Speed" in html  # the reader says why, naming the column
    assert f'id="import-new">{GOOD_ROWS}<' in html
    assert 'id="import-rejected">1<' in html
    assert f"Import {GOOD_ROWS} shots" in html
    assert not Shot.objects.exists()


def test_it_defaults_where_to_the_one_store_the_golfer_joined(browser, golfer, store):
    CustomerLink.objects.create(golfer=golfer, retailer=store)

    page = browser.get(reverse("shots:import_new")).content.decode()
    upload(browser, retailer=str(store.pk))

    assert f'<option value="{store.pk}" selected>' in page
    assert ShotImport.objects.get().retailer == store


def test_it_shows_a_changed_club_mapping_in_the_preview(browser):
    shot_import = uploaded(browser)

    response = browser.post(
        shot_import.get_absolute_url(),
        choices(shot_import, **{club_field(shot_import, "7 Iron"): "6i"}),
    )
    html = browser.get(shot_import.get_absolute_url()).content.decode()

    assert response.status_code == 302
    shot_import.refresh_from_db()
    assert shot_import.clubs == {"Driver": "driver", "7 Iron": "6i"}
    assert '<option value="6i" selected>6-iron</option>' in html
    assert '<option value="7i" selected>' not in html


def test_it_counts_the_rows_of_a_club_left_out_as_skipped(browser):
    shot_import = uploaded(browser)

    browser.post(
        shot_import.get_absolute_url(),
        choices(shot_import, **{club_field(shot_import, "7 Iron"): LEAVE_OUT}),
    )
    html = browser.get(shot_import.get_absolute_url()).content.decode()

    assert 'id="import-new">1<' in html
    assert "club “7 Iron” left out" in html
    assert "Import 1 shot<" in html


def test_it_reads_the_column_again_in_the_unit_chosen_in_the_preview(browser):
    shot_import = uploaded(browser)

    browser.post(shot_import.get_absolute_url(), choices(shot_import, **{"unit-carry": "m"}))
    html = browser.get(shot_import.get_absolute_url()).content.decode()
    browser.post(shot_import.get_absolute_url(), choices(shot_import, action="import"))

    shot_import.refresh_from_db()
    assert shot_import.units == {"carry": "m"}
    assert '<option value="m" selected>metres</option>' in html
    assert "chosen in this preview" in html
    driver = Shot.objects.get(club="driver")
    assert driver.carry == pytest.approx(245.3 * 1.09361, abs=0.05)
    assert driver.total == pytest.approx(268.1)  # its own column, still in yards


def test_it_lists_unusual_values_and_values_no_launch_monitor_measures(browser):
    unusual_spin = SAMPLE_ROWS[0].replace(",2650,", ",13500,")
    impossible_launch = SAMPLE_ROWS[1].replace(",17.9,", ",75.0,")
    upload(browser, garmin_sample_csv((unusual_spin, impossible_launch)))
    shot_import = ShotImport.objects.get()

    html = browser.get(shot_import.get_absolute_url()).content.decode()

    assert 'id="import-new">2<' in html
    dropped = html[html.index("Values left out") : html.index("Unusual values")]
    warned = html[html.index("Unusual values") :]
    assert "Row 3: " in warned
    assert "Row 4: left out: " in dropped


def test_it_refuses_a_file_over_the_size_limit(browser):
    response = upload(browser, b"a" * (MAX_IMPORT_BYTES + 1))

    assert response.status_code == 400
    assert "The file is over 10 MB" in response.content.decode()
    assert not ShotImport.objects.exists()


# --- Confirming ----------------------------------------------------------------------


def test_it_imports_the_shots_as_measured_into_one_session_and_shows_its_bests(browser, golfer):
    shot_import = uploaded(browser)

    response = browser.post(
        shot_import.get_absolute_url(),
        choices(shot_import, action="import", **{club_field(shot_import, "7 Iron"): "6i"}),
    )

    session = PracticeSession.objects.get(golfer=golfer)
    assert response.status_code == 302
    assert response["Location"] == reverse("shots:session", args=[session.pk])
    shots = Shot.objects.filter(golfer=golfer)
    assert shots.count() == GOOD_ROWS
    assert {shot.source for shot in shots} == {ShotSource.CSV}
    assert {shot.trust for shot in shots} == {ShotTrust.MEASURED}
    assert sorted(shot.club for shot in shots) == ["6i", "6i", "driver"]
    assert {shot.session_id for shot in shots} == {session.pk}
    assert session.kind == SessionKind.IMPORT
    shot_import.refresh_from_db()
    assert shot_import.status == ImportStatus.IMPORTED
    assert shot_import.uploaded_by == golfer
    assert shot_import.retailer is None

    html = browser.get(response["Location"]).content.decode()
    assert "Imported 3 shots (0 were already there)." in html
    assert "Personal bests from this session:" in html
    assert "Driver carry 245.3" in html
    assert "6-iron carry 162.4" in html


def test_it_counts_a_file_imported_again_as_duplicates_and_creates_nothing(browser, golfer):
    first = uploaded(browser)
    browser.post(first.get_absolute_url(), choices(first, action="import"))

    response = upload(browser)
    again = ShotImport.objects.exclude(pk=first.pk).get()
    html = browser.get(again.get_absolute_url()).content.decode()
    confirm = browser.post(again.get_absolute_url(), choices(again, action="import"))

    assert response.status_code == 302
    assert 'id="import-new">0<' in html
    assert f'id="import-duplicates">{GOOD_ROWS}<' in html
    assert "nothing new to import" in html
    assert confirm.status_code == 400
    assert "nothing new to import" in confirm.content.decode()
    assert Shot.objects.filter(golfer=golfer).count() == GOOD_ROWS


def test_it_asks_when_the_session_was_for_a_file_without_times(browser, golfer):
    golfer.timezone = "Europe/Berlin"
    golfer.save()
    response = upload(browser, garmin_sample_csv_without_dates(), name="export.csv")
    shot_import = ShotImport.objects.get()
    html = browser.get(shot_import.get_absolute_url()).content.decode()

    refused = browser.post(shot_import.get_absolute_url(), choices(shot_import, action="import"))
    imported = browser.post(
        shot_import.get_absolute_url(),
        choices(shot_import, action="import", session_started_at="2025-03-14T18:30"),
    )

    assert response.status_code == 302
    assert 'type="datetime-local" name="session_started_at"' in html
    assert "enter its date and time" in html
    assert refused.status_code == 400
    assert "enter its date and time" in refused.content.decode()
    assert imported.status_code == 302
    first = Shot.objects.filter(golfer=golfer).order_by("hit_at").first()
    assert first is not None
    assert first.hit_at == datetime(2025, 3, 14, 18, 30, tzinfo=ZoneInfo("Europe/Berlin"))


def test_it_refuses_to_import_until_a_club_it_cannot_name_is_chosen(browser, golfer):
    rows = (SAMPLE_ROWS[0].replace("Driver", "Mystery Stick"),)
    upload(browser, garmin_sample_csv(rows))
    shot_import = ShotImport.objects.get()

    refused = browser.post(shot_import.get_absolute_url(), choices(shot_import, action="import"))
    imported = browser.post(
        shot_import.get_absolute_url(),
        choices(shot_import, action="import", **{club_field(shot_import, "Mystery Stick"): "3w"}),
    )

    assert refused.status_code == 400
    assert "Choose the club for “Mystery Stick”: 1 rows." in refused.content.decode()
    assert imported.status_code == 302
    assert Shot.objects.get(golfer=golfer).club == "3w"


# --- Files that cannot be imported ------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (png_bytes(), "not a shot export"),
        (b"Name,Score,Notes\nPat,72,windy\nSam,80,wet\n", "does not recognise this file"),
    ],
    ids=["empty", "png", "no-known-columns"],
)
def test_it_refuses_a_file_it_cannot_read_and_keeps_nothing(browser, content, message):
    response = upload(browser, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'class="errorlist' in response.content.decode()
    assert not ShotImport.objects.exists()


def test_it_asks_for_a_file_when_none_is_sent(browser):
    response = browser.post(reverse("shots:import_new"), {})

    assert response.status_code == 400
    assert "Choose the file your launch monitor" in response.content.decode()


# --- Who sees what -------------------------------------------------------------------------


def test_it_hides_another_golfers_import(client, golfer):
    client.force_login(golfer)
    shot_import = uploaded(client)
    client.force_login(UserFactory.create())

    preview = client.get(shot_import.get_absolute_url())
    confirm = client.post(shot_import.get_absolute_url(), {"action": "import"})
    status = client.get(reverse("shots:import_status", args=[shot_import.pk]))

    assert preview.status_code == 404
    assert confirm.status_code == 404
    assert status.status_code == 404
    shot_import.refresh_from_db()
    assert shot_import.status == ImportStatus.PREVIEW
    assert not Shot.objects.exists()


@pytest.mark.parametrize("name", ["shots:import_new", "shots:import"])
def test_it_sends_a_visitor_to_log_in(client, golfer, name):
    shot_import = ShotImport.objects.create(
        golfer=golfer, uploaded_by=golfer, file_name="x.csv", content=b"", vendor="Garmin"
    )
    url = reverse(name, args=[shot_import.pk] if name == "shots:import" else [])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_links_the_import_beside_record_a_shot(browser):
    # Beside "Record a shot" on the pages that offer it; the header has no room
    # for another link (its desktop test), so it is not there.
    link = f'href="{reverse("shots:import_new")}">Import a file'
    for page in ("shots:list", "shots:sessions", "home"):
        assert link in browser.get(reverse(page)).content.decode(), page


# --- Big files, in the background ------------------------------------------------------------


def test_it_shows_the_progress_of_a_background_import_and_polls_it(browser, golfer):
    shot_import = uploaded(browser)
    ShotImport.objects.filter(pk=shot_import.pk).update(status=ImportStatus.IMPORTING)
    status_url = reverse("shots:import_status", args=[shot_import.pk])

    page = browser.get(shot_import.get_absolute_url()).content.decode()
    confirm_again = browser.post(shot_import.get_absolute_url(), choices(shot_import))

    assert f'hx-get="{status_url}"' in page
    assert 'hx-trigger="every 2s"' in page
    assert f"0 of {GOOD_ROWS} shots saved" in page
    assert confirm_again.status_code == 302  # nothing to choose while it runs
    assert not Shot.objects.exists()


def test_it_sends_the_progress_page_to_the_session_once_the_import_is_done(
    browser, golfer, eager_analysis, monkeypatch
):
    # A file this small goes to the background when the threshold is lower than it;
    # eager Celery runs the job in the request, as the embedded default does.
    monkeypatch.setattr(imports_service, "IMPORT_IN_BACKGROUND_ROWS", GOOD_ROWS - 1)
    shot_import = uploaded(browser)

    response = browser.post(shot_import.get_absolute_url(), choices(shot_import, action="import"))
    page = browser.get(shot_import.get_absolute_url()).content.decode()
    poll = browser.get(
        reverse("shots:import_status", args=[shot_import.pk]), HTTP_HX_REQUEST="true"
    )

    shot_import.refresh_from_db()
    session_url = reverse("shots:session", args=[shot_import.session_id])
    assert response.status_code == 302
    assert response["Location"] == shot_import.get_absolute_url()
    assert shot_import.status == ImportStatus.IMPORTED
    assert Shot.objects.filter(golfer=golfer).count() == GOOD_ROWS
    assert "Imported 3 shots (0 were already there)." in page
    assert f'href="{session_url}"' in page
    assert poll["HX-Redirect"] == session_url
