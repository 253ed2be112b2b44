"""The imports API: POST /api/v1/imports/, GET /api/v1/imports/<id>/, POST .../commit/."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from retailers.models import CustomerLink
from shots.models import ImportStatus, Shot, ShotImport, ShotTrust
from shots.tests.import_files import GarminShot, garmin_csv, garmin_session

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/"


def post_file(api: APIClient, content: bytes, name: str = "DrivingRange.csv", **extra):
    return api.post(URL, {"file": SimpleUploadedFile(name, content), **extra}, format="multipart")


def test_it_answers_the_preview_of_an_uploaded_file(api):
    response = post_file(api, garmin_session(3))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("vendor", "format", "rows", "skipped", "duplicates")} == {
        "vendor": "Garmin",
        "format": "garmin_csv",
        "rows": 3,
        "skipped": 0,
        "duplicates": 0,
    }
    assert body["rejected"] == []
    assert body["units"]["ball_speed"]["unit"] == "mph"
    assert body["clubs"] == [{"text": "7 Iron", "suggested": "7i", "club": "7i", "rows": 3}]
    assert Shot.objects.count() == 0
    assert api.get(f"{URL}{body['id']}/").json()["rows"] == 3


def test_it_lists_rejected_rows_with_their_number_and_reason(api):
    content = garmin_csv([GarminShot(), GarminShot(when="11/14/26 4:20:00 PM", carry="abc")])

    body = post_file(api, content).json()

    assert body["rejected"] == [{"row": 4, "reason": "Carry Distance: 'abc' is not a number"}]
    assert body["rows"] == 1


def test_it_commits_with_club_and_unit_overrides(api, golfer):
    body = post_file(api, garmin_session(2, club="Wonder Wood")).json()
    assert body["can_commit"] is False

    response = api.post(
        f"{URL}{body['id']}/commit/",
        {"clubs": {"Wonder Wood": "3w"}, "units": {"carry": "m"}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    assert response.json()["session"] is not None
    shots = Shot.objects.filter(golfer=golfer)
    assert set(shots.values_list("club", "trust")) == {("3w", ShotTrust.MEASURED)}
    assert shots.order_by("hit_at").first().carry == pytest.approx(150 * 1.09361)


def test_it_commits_once_when_confirmed_twice(api, golfer):
    body = post_file(api, garmin_session(2)).json()
    first = api.post(f"{URL}{body['id']}/commit/", {}, format="json")
    second = api.post(f"{URL}{body['id']}/commit/", {}, format="json")

    assert first.json()["created"] == second.json()["created"] == 2
    assert Shot.objects.filter(golfer=golfer).count() == 2
    assert api.get(f"{URL}{body['id']}/").json()["status"] == ImportStatus.IMPORTED


def test_it_reports_rows_already_imported(api):
    first = post_file(api, garmin_session(3)).json()
    api.post(f"{URL}{first['id']}/commit/", {}, format="json")

    again = post_file(api, garmin_session(3)).json()
    commit = api.post(f"{URL}{again['id']}/commit/", {}, format="json").json()

    assert (again["rows"], again["duplicates"]) == (0, 3)
    assert (commit["created"], commit["duplicates"]) == (0, 3)


def test_it_refuses_a_commit_that_still_needs_a_choice(api):
    body = post_file(api, garmin_session(1, club="Mystery")).json()

    response = api.post(f"{URL}{body['id']}/commit/", {}, format="json")

    assert response.status_code == 400
    assert "Choose the club" in response.json()["detail"]
    assert Shot.objects.count() == 0


def test_it_refuses_an_unknown_club_or_metric_in_a_commit(api):
    body = post_file(api, garmin_session(1)).json()

    bad_club = api.post(f"{URL}{body['id']}/commit/", {"clubs": {"7 Iron": "11i"}}, format="json")
    bad_metric = api.post(f"{URL}{body['id']}/commit/", {"units": {"cary": "m"}}, format="json")

    assert bad_club.status_code == bad_metric.status_code == 400
    assert "Unknown metrics: cary" in str(bad_metric.json())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a shot export"),
        (b"name,age\nPat,41\n", "does not recognise"),
        (b'{"Shots": [{"BallData": ', "cut short"),
    ],
    ids=["empty", "binary", "no-known-columns", "truncated-json"],
)
def test_it_answers_a_bad_file_with_a_clear_400_and_stores_nothing(api, content, message):
    response = post_file(api, content)

    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert ShotImport.objects.count() == 0


def test_it_refuses_a_file_over_the_size_limit_before_reading_it(api, settings):
    from shots.imports.tables import MAX_IMPORT_BYTES

    response = post_file(api, b"a" * (MAX_IMPORT_BYTES + 1))

    assert response.status_code == 413
    assert "over 10 MB" in response.json()["file"][0]
    assert ShotImport.objects.count() == 0


def test_it_puts_the_import_at_a_store_only_the_golfer_joined(api, golfer, store, other_store):
    CustomerLink.objects.create(golfer=golfer, retailer=store)

    joined = post_file(api, garmin_session(1), retailer="fairway")
    not_joined = post_file(api, garmin_session(1), retailer="teetime")

    assert joined.status_code == 201
    assert joined.json()["retailer"] == "fairway"
    assert not_joined.status_code == 400
    assert "Unknown store" in str(not_joined.json())


def test_another_golfers_import_is_a_404(api):
    other = UserFactory.create()
    other_api = APIClient()
    other_api.force_authenticate(other)
    body = post_file(other_api, garmin_session(1)).json()

    assert api.get(f"{URL}{body['id']}/").status_code == 404
    assert api.post(f"{URL}{body['id']}/commit/", {}, format="json").status_code == 404
    assert Shot.objects.count() == 0


def test_it_needs_authentication():
    assert APIClient().post(URL, {}, format="multipart").status_code == 401
