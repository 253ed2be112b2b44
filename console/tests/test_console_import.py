"""Store staff import a customer's session file in the console, and only for their own store."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from console.tests.test_console import World, build_world, console
from retailers.models import PlanStatus
from shots.import_forms import ImportChoicesForm
from shots.models import ImportStatus, Shot, ShotImport, ShotSource, ShotTrust
from shots.services.imports import import_plan, import_upload
from shots.tests.import_files import GOOD_ROWS, garmin_sample_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings) -> World:
    # The production hasher is slow, and the world makes seven users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def garmin_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("DrivingRange.csv", garmin_sample_csv(), "text/csv")


def confirm_data(shot_import: ShotImport) -> dict[str, str]:
    form = ImportChoicesForm(plan=import_plan(shot_import=shot_import))
    return {**{name: str(form[name].value() or "") for name in form.fields}, "action": "import"}


def staff_import(world: World) -> ShotImport:
    shot_import, _plan = import_upload(
        golfer=world.golfer,
        uploaded_by=world.staff,
        retailer=world.store,
        file_name="DrivingRange.csv",
        content=garmin_sample_csv(),
    )
    return shot_import


def test_it_imports_a_file_for_a_customer_at_the_store_uploaded_by_the_staff_member(client, world):
    client.force_login(world.staff)

    response = client.post(
        console("customer_import", world.store, world.golfer.pk), {"file": garmin_file()}
    )
    shot_import = ShotImport.objects.get()
    preview = client.get(response["Location"])
    confirm = client.post(response["Location"], confirm_data(shot_import))

    assert response.status_code == 302
    assert response["Location"] == console("import", world.store, shot_import.pk)
    assert shot_import.golfer == world.golfer
    assert shot_import.retailer == world.store
    assert shot_import.uploaded_by == world.staff
    assert preview.status_code == 200
    assert "Garmin Golf CSV" in preview.content.decode()
    assert "Fairway Lab" in preview.content.decode()
    assert confirm.status_code == 302
    assert confirm["Location"] == console("customer", world.store, world.golfer.pk)
    imported = Shot.objects.filter(shot_import=shot_import)
    assert imported.count() == GOOD_ROWS
    assert {shot.retailer_id for shot in imported} == {world.store.pk}
    assert {(shot.source, shot.trust) for shot in imported} == {
        (ShotSource.CSV, ShotTrust.MEASURED)
    }
    page = client.get(confirm["Location"]).content.decode()
    assert "Gary Golfer: Imported 3 shots (0 were already there)." in page


def test_it_links_the_import_from_the_customer_page(client, world):
    client.force_login(world.staff)

    page = client.get(console("customer", world.store, world.golfer.pk)).content.decode()

    assert console("customer_import", world.store, world.golfer.pk) in page
    assert "Import a file for this customer" in page


def test_it_refuses_a_file_it_cannot_read_and_keeps_nothing(client, world):
    client.force_login(world.staff)

    response = client.post(
        console("customer_import", world.store, world.golfer.pk),
        {"file": SimpleUploadedFile("notes.csv", b"Name,Score\nPat,72\n", "text/csv")},
    )

    assert response.status_code == 400
    assert "does not recognise this file" in response.content.decode()
    assert not ShotImport.objects.exists()


def test_it_hides_the_import_pages_from_another_stores_staff(client, world):
    shot_import = staff_import(world)
    client.force_login(world.other_staff)

    upload_page = client.get(console("customer_import", world.store, world.golfer.pk))
    preview = client.get(console("import", world.store, shot_import.pk))
    confirm = client.post(console("import", world.store, shot_import.pk), {"action": "import"})
    # Through their own store's door, another store's import is no more visible.
    own_door = client.get(console("import", world.other_store, shot_import.pk))

    assert upload_page.status_code == 404
    assert preview.status_code == 404
    assert confirm.status_code == 404
    assert own_door.status_code == 404
    shot_import.refresh_from_db()
    assert shot_import.status == ImportStatus.PREVIEW


def test_it_imports_for_no_golfer_who_is_not_the_stores_customer(client, world):
    client.force_login(world.staff)

    response = client.post(
        console("customer_import", world.store, world.other_golfer.pk), {"file": garmin_file()}
    )
    stranger = client.get(console("customer_import", world.store, world.stranger.pk))

    assert response.status_code == 404
    assert stranger.status_code == 404
    assert not ShotImport.objects.exists()


def test_it_shows_staff_no_golfers_own_import_from_home(client, world):
    home_import, _plan = import_upload(
        golfer=world.golfer,
        uploaded_by=world.golfer,
        retailer=None,
        file_name="home.csv",
        content=garmin_sample_csv(),
    )
    client.force_login(world.staff)

    assert client.get(console("import", world.store, home_import.pk)).status_code == 404


def test_it_lets_the_golfer_see_the_import_staff_made_for_them(client, world):
    shot_import = staff_import(world)
    client.force_login(world.golfer)

    assert client.get(shot_import.get_absolute_url()).status_code == 200


def test_a_read_only_store_refuses_imports(client, world):
    shot_import = staff_import(world)
    world.store.plan_status = PlanStatus.CANCELLED
    world.store.save()
    client.force_login(world.staff)

    upload = client.post(
        console("customer_import", world.store, world.golfer.pk), {"file": garmin_file()}
    )
    confirm = client.post(console("import", world.store, shot_import.pk), confirm_data(shot_import))
    preview = client.get(console("import", world.store, shot_import.pk))

    assert upload.status_code == 403
    assert confirm.status_code == 403
    assert preview.status_code == 200  # reading is still allowed
    assert ShotImport.objects.count() == 1
    assert not Shot.objects.filter(shot_import=shot_import).exists()


def test_it_polls_a_background_import_through_the_console(client, world):
    shot_import = staff_import(world)
    ShotImport.objects.filter(pk=shot_import.pk).update(status=ImportStatus.IMPORTING)
    client.force_login(world.staff)
    status_url = reverse("console:import_status", args=[world.store.slug, shot_import.pk])

    page = client.get(console("import", world.store, shot_import.pk)).content.decode()

    assert f'hx-get="{status_url}"' in page
    assert client.get(status_url).status_code == 200
    client.force_login(world.other_staff)
    assert client.get(status_url).status_code == 404
