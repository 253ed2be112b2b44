"""The store console: dashboard, customers, verification, shots on behalf, settings, read-only."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accounts.tests.factories import UserFactory
from leaderboards import cache as board_cache
from retailers.models import CustomerLink, Membership, PlanStatus, Retailer, Role
from shots.models import PersonalBest, ReviewAction, Shot, ShotReview, ShotSource, ShotStatus
from shots.tests.factories import ShotFactory


@dataclass
class World:
    store: Retailer
    other_store: Retailer
    owner: User
    staff: User
    other_staff: User
    golfer: User
    other_golfer: User
    stranger: User
    shot: Shot
    other_shot: Shot


def build_world() -> World:
    store = Retailer.objects.create(
        name="Fairway Lab", slug="fairway", plan_status=PlanStatus.ACTIVE
    )
    other_store = Retailer.objects.create(
        name="Tee Time", slug="teetime", plan_status=PlanStatus.ACTIVE
    )
    owner = UserFactory.create(username="owner", display_name="Olive Owner")
    staff = UserFactory.create(username="staffer", display_name="Sam Staff")
    other_staff = UserFactory.create(username="rival", display_name="Rita Rival")
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)
    Membership.objects.create(user=staff, retailer=store, role=Role.STAFF)
    Membership.objects.create(user=other_staff, retailer=other_store, role=Role.OWNER)
    golfer = UserFactory.create(
        username="gary", display_name="Gary Golfer", email="gary@example.com"
    )
    other_golfer = UserFactory.create(username="olga", display_name="Olga Other")
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    CustomerLink.objects.create(golfer=other_golfer, retailer=other_store)
    stranger = UserFactory.create(username="stranger")
    shot = ShotFactory.create(golfer=golfer, retailer=store, carry=231.0)
    other_shot = ShotFactory.create(golfer=other_golfer, retailer=other_store, carry=199.0)
    return World(
        store,
        other_store,
        owner,
        staff,
        other_staff,
        golfer,
        other_golfer,
        stranger,
        shot,
        other_shot,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


def console(name: str, store: Retailer, *args: object) -> str:
    return reverse(f"console:{name}", args=[store.slug, *args])


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "white").save(buffer, "PNG")
    return buffer.getvalue()


# --- Dashboard -------------------------------------------------------------------


def test_the_dashboard_counts_the_stores_shots_and_waiting_queue(client, awkward_moment, world):
    ShotFactory(golfer=world.golfer, retailer=world.store, status=ShotStatus.NEEDS_REVIEW)
    ShotFactory(golfer=world.golfer, retailer=world.store, verified_at=timezone.now())
    ShotFactory(golfer=world.golfer, retailer=None)  # home practice: not the store's
    client.force_login(world.staff)

    response = client.get(console("dashboard", world.store))

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.shots_today == 3
    assert dashboard.awaiting_verification == 2
    assert dashboard.new_customers_this_week == 1
    assert b"/s/fairway/kiosk/" in response.content
    assert b"/console/fairway/events/" in response.content


def test_the_dashboard_counts_today_on_the_stores_clock(world):
    from console.selectors import store_dashboard

    world.store.timezone = "Pacific/Auckland"
    world.store.save()
    now = timezone.now()
    dashboard = store_dashboard(world.store, now=now + timedelta(days=2))
    assert dashboard.shots_today == 0


def test_staff_do_not_see_the_settings_link_but_owners_do(client, world):
    client.force_login(world.staff)
    assert (
        b"/console/fairway/settings/" not in client.get(console("dashboard", world.store)).content
    )
    client.force_login(world.owner)
    assert b"/console/fairway/settings/" in client.get(console("dashboard", world.store)).content


# --- Customers -------------------------------------------------------------------


def test_it_searches_customers_by_name(client, world):
    other = UserFactory(username="zed", display_name="Zed")
    CustomerLink.objects.create(golfer=other, retailer=world.store)
    client.force_login(world.staff)

    response = client.get(console("customers", world.store), {"q": "gary"})

    assert [link.golfer for link in response.context["page"]] == [world.golfer]


def test_a_later_customers_page_shows_each_customers_shots_here(client, world):
    # The page is read by ids after the OFFSET; its rows must still carry their activity.
    for index in range(50):  # newer than Gary, so he is alone on page 2
        CustomerLink.objects.create(
            golfer=UserFactory(username=f"newer{index}"), retailer=world.store
        )
    ShotFactory.create(golfer=world.golfer, retailer=world.store, carry=240.0)
    ShotFactory.create(golfer=world.golfer, retailer=world.other_store, carry=250.0)
    client.force_login(world.staff)

    response = client.get(console("customers", world.store), {"page": 2})

    page = response.context["page"]
    assert (page.number, page.paginator.num_pages) == (2, 2)
    assert [(link.golfer, link.shots_here) for link in page] == [(world.golfer, 2)]
    assert page[0].last_shot_here is not None


def test_it_shows_no_email_without_marketing_consent(client, world):
    client.force_login(world.staff)
    assert b"gary@example.com" not in client.get(console("customers", world.store)).content
    assert (
        b"gary@example.com"
        not in client.get(console("customer", world.store, world.golfer.pk)).content
    )
    CustomerLink.objects.filter(golfer=world.golfer).update(marketing_consent=True)
    assert b"gary@example.com" in client.get(console("customers", world.store)).content


def test_a_customer_page_shows_only_shots_and_bests_from_this_store(client, world):
    ShotFactory(golfer=world.golfer, retailer=None, carry=300.0)
    ShotFactory(golfer=world.golfer, retailer=world.other_store, carry=290.0)
    client.force_login(world.staff)

    response = client.get(console("customer", world.store, world.golfer.pk))

    assert [shot.pk for shot in response.context["page"]] == [world.shot.pk]
    [driver] = response.context["bag"]
    assert driver.bests["carry"].pk == world.shot.pk
    assert b"300" not in response.content
    assert b"290" not in response.content


def test_a_photo_with_no_numbers_is_in_no_console_list(client, world):
    # What the analyser leaves when it finds no launch-monitor numbers: the golfer
    # types them in or it is discarded, so it is not a shot staff should handle.
    nothing = ShotFactory(
        golfer=world.golfer,
        retailer=world.store,
        source=ShotSource.PHOTO,
        status=ShotStatus.UNREADABLE,
        club="",
        carry=None,
    )
    client.force_login(world.staff)

    customer_page = client.get(console("customer", world.store, world.golfer.pk))
    queue_page = client.get(console("queue", world.store))
    shot_page = client.get(console("shot", world.store, nothing.pk))

    assert [shot.pk for shot in customer_page.context["page"]] == [world.shot.pk]
    assert nothing.pk not in [item.shot.pk for item in queue_page.context["items"]]
    assert shot_page.status_code == 404


def test_a_customers_game_counts_only_shots_hit_at_this_store(client, world):
    ShotFactory(golfer=world.golfer, retailer=None, carry=300.0)
    ShotFactory(golfer=world.golfer, retailer=world.other_store, carry=290.0)
    client.force_login(world.staff)

    response = client.get(console("customer_game", world.store, world.golfer.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert "231.0" in page
    assert "300.0" not in page
    assert "290.0" not in page
    assert (
        client.get(console("customer_game", world.store, world.other_golfer.pk)).status_code == 404
    )


def test_a_golfer_who_is_not_a_customer_is_a_404(client, world):
    client.force_login(world.staff)
    assert client.get(console("customer", world.store, world.other_golfer.pk)).status_code == 404


# --- Verification --------------------------------------------------------------------


def test_the_queue_shows_each_shots_numbers_in_the_stores_units(client, world):
    world.store.units = "metric"
    world.store.save(update_fields=["units"])
    client.force_login(world.staff)  # a staff member whose own preference is imperial

    page = client.get(console("queue", world.store)).content.decode()

    assert "Carry 211.2 m" in page  # 231.0 yd, in the store's metres
    assert "No numbers yet" not in page


@pytest.mark.parametrize(
    ("source", "says"),
    [
        (ShotSource.MANUAL, "Typed in; no photo."),
        (ShotSource.CSV, "From the launch monitor's export file; no photo."),
        (ShotSource.API, "Sent through the API; no photo."),
    ],
)
def test_a_shot_page_without_a_photo_says_where_its_numbers_came_from(client, world, source, says):
    world.shot.source = source
    world.shot.save(update_fields=["source"])
    client.force_login(world.staff)

    page = client.get(console("shot", world.store, world.shot.pk)).content.decode()

    assert says in page


def test_verifying_a_shot_records_who_and_bumps_the_boards(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.staff)
    before = board_cache.scope_version(world.store)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(console("shot_verify", world.store, world.shot.pk))

    assert response.status_code == 302
    world.shot.refresh_from_db()
    assert world.shot.verified_by == world.staff
    assert world.shot.verified_at is not None
    review = ShotReview.objects.get(shot=world.shot)
    assert review.action == ReviewAction.VERIFY
    assert review.staff == world.staff
    assert board_cache.scope_version(world.store) != before


def test_verifying_a_needs_review_shot_makes_it_count_for_personal_bests(client, world):
    shot = ShotFactory(
        golfer=world.golfer, retailer=world.store, status=ShotStatus.NEEDS_REVIEW, carry=260.0
    )
    client.force_login(world.staff)

    client.post(console("shot_verify", world.store, shot.pk))

    shot.refresh_from_db()
    assert shot.status == ShotStatus.CONFIRMED
    assert PersonalBest.objects.get(golfer=world.golfer, metric="carry").shot == shot


def test_excluding_a_shot_needs_a_reason_and_rolls_back_the_personal_best(client, world):
    from shots.services import personal_bests_recompute

    personal_bests_recompute(golfer_id=world.golfer.pk, club="driver")
    client.force_login(world.staff)

    refused = client.post(console("shot_exclude", world.store, world.shot.pk), {"reason": ""})
    assert refused.status_code == 400
    client.post(console("shot_exclude", world.store, world.shot.pk), {"reason": "Mis-hit sensor"})

    world.shot.refresh_from_db()
    assert world.shot.is_excluded
    assert world.shot.exclusion_reason == "Mis-hit sensor"
    assert not PersonalBest.objects.filter(golfer=world.golfer, metric="carry").exists()
    review = ShotReview.objects.get(shot=world.shot)
    assert (review.action, review.reason) == (ReviewAction.EXCLUDE, "Mis-hit sensor")

    client.post(console("shot_include", world.store, world.shot.pk))
    world.shot.refresh_from_db()
    assert not world.shot.is_excluded
    assert PersonalBest.objects.get(golfer=world.golfer, metric="carry").value == 231.0
    assert ShotReview.objects.filter(shot=world.shot, action=ReviewAction.INCLUDE).exists()


def test_correcting_a_shot_uses_the_stores_units_and_audits_before_and_after(client, world):
    world.store.units = "metric"
    world.store.save()
    client.force_login(world.staff)

    response = client.post(
        console("shot_correct", world.store, world.shot.pk),
        {"club": "driver", "hit_at": "2026-01-10T10:00", "carry": "200", "reason": "Misread"},
    )

    assert response.status_code == 302
    world.shot.refresh_from_db()
    assert world.shot.carry == pytest.approx(218.72, abs=0.01)
    assert world.shot.verified_by == world.staff
    review = ShotReview.objects.get(shot=world.shot)
    assert review.action == ReviewAction.CORRECT
    assert review.before["carry"] == 231.0
    assert review.after["carry"] == pytest.approx(218.72, abs=0.01)
    assert PersonalBest.objects.get(golfer=world.golfer, metric="carry").value == pytest.approx(
        218.72, abs=0.01
    )


def test_the_audit_log_lists_actions_at_this_store_only(client, world):
    from shots.services import shot_verify

    shot_verify(shot=world.shot, staff=world.staff)
    shot_verify(shot=world.other_shot, staff=world.other_staff)
    client.force_login(world.owner)

    response = client.get(console("review_log", world.store))

    assert [review.shot_id for review in response.context["page"]] == [world.shot.pk]


def test_the_photo_is_served_to_staff_of_the_shots_store_only(client, world):
    from django.core.files.base import ContentFile

    world.shot.image.save("screen.jpg", ContentFile(png_bytes()))
    client.force_login(world.staff)
    response = client.get(console("shot_photo", world.store, world.shot.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()

    client.force_login(world.other_staff)
    assert client.get(console("shot_photo", world.store, world.shot.pk)).status_code == 404
    assert client.get(console("shot_photo", world.other_store, world.shot.pk)).status_code == 404


# --- Recording on behalf of a customer ---------------------------------------------


def test_a_shot_recorded_by_staff_belongs_to_the_customer_at_this_store(client, world):
    client.force_login(world.staff)

    response = client.post(
        console("record", world.store, world.golfer.pk),
        {"kind": "values", "club": "7i", "hit_at": "2026-01-10T10:00", "carry": "165"},
    )

    assert response.status_code == 302
    shot = Shot.objects.get(club="7i")
    assert (shot.golfer, shot.retailer, shot.source) == (
        world.golfer,
        world.store,
        ShotSource.MANUAL,
    )


def test_a_photo_recorded_by_staff_belongs_to_the_customer_at_this_store(client, world, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client.force_login(world.staff)
    upload = io.BytesIO(png_bytes())
    upload.name = "screen.png"

    response = client.post(
        console("record", world.store, world.golfer.pk), {"kind": "photo", "image": upload}
    )

    assert response.status_code == 302, response.content
    shot = Shot.objects.get(source=ShotSource.PHOTO)
    assert (shot.golfer, shot.retailer) == (world.golfer, world.store)


def test_the_customer_picker_offers_only_this_stores_customers(client, world):
    client.force_login(world.staff)

    refused = client.get(console("record_pick", world.store), {"golfer": world.other_golfer.pk})
    assert refused.status_code == 200
    assert refused.context["form"].errors
    chosen = client.get(console("record_pick", world.store), {"golfer": world.golfer.pk})
    assert chosen.url == console("record", world.store, world.golfer.pk)


def test_recording_for_another_stores_customer_is_a_404(client, world):
    client.force_login(world.staff)
    response = client.post(
        console("record", world.store, world.other_golfer.pk),
        {"kind": "values", "club": "7i", "hit_at": "2026-01-10T10:00", "carry": "165"},
    )
    assert response.status_code == 404
    assert not Shot.objects.filter(club="7i").exists()


# --- Settings ----------------------------------------------------------------------


def test_owners_change_settings_and_the_boards_are_bumped(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.owner)
    before = board_cache.scope_version(world.store)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            console("settings", world.store),
            {
                "name": "Fairway Lab Denver",
                "timezone": "America/Denver",
                "units": "metric",
                "contact_email": "hello@fairway.example",
                "leaderboard_verified_only": "on",
            },
        )

    assert response.status_code == 302
    world.store.refresh_from_db()
    assert world.store.leaderboard_verified_only
    assert world.store.timezone == "America/Denver"
    assert board_cache.scope_version(world.store) != before


def test_settings_reject_an_unknown_time_zone(client, world):
    client.force_login(world.owner)
    response = client.post(
        console("settings", world.store),
        {"name": "X", "timezone": "Mars/Olympus", "units": "metric"},
    )
    assert response.status_code == 400


def test_staff_cannot_open_settings(client, world):
    client.force_login(world.staff)
    assert client.get(console("settings", world.store)).status_code == 404


# --- Read-only ----------------------------------------------------------------------


@pytest.fixture
def read_only_world(world) -> World:
    world.store.plan_status = PlanStatus.CANCELLED
    world.store.save()
    return world


def test_a_read_only_store_shows_a_banner_and_still_reads(client, read_only_world):
    client.force_login(read_only_world.staff)
    response = client.get(console("dashboard", read_only_world.store))
    assert response.status_code == 200
    assert b"This store is read-only" in response.content
    assert client.get(console("export_shots", read_only_world.store)).status_code == 200


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("shot_verify", {}),
        ("shot_exclude", {"reason": "x"}),
        ("shot_include", {}),
        (
            "shot_correct",
            {"club": "driver", "hit_at": "2026-01-10T10:00", "carry": "100", "reason": "x"},
        ),
    ],
)
def test_a_read_only_store_refuses_shot_changes(client, read_only_world, name, data):
    world = read_only_world
    client.force_login(world.owner)

    response = client.post(console(name, world.store, world.shot.pk), data)

    assert response.status_code == 403
    assert b"is read-only" in response.content
    assert not ShotReview.objects.exists()


def test_a_read_only_store_refuses_new_shots_and_settings(client, read_only_world):
    world = read_only_world
    client.force_login(world.owner)
    assert (
        client.post(
            console("record", world.store, world.golfer.pk),
            {"kind": "values", "club": "7i", "hit_at": "2026-01-10T10:00", "carry": "165"},
        ).status_code
        == 403
    )
    assert client.post(console("settings", world.store), {"name": "Y"}).status_code == 403
    assert not Shot.objects.filter(club="7i").exists()


def test_a_read_only_store_refuses_new_events(client, read_only_world):
    from leaderboards.models import Event

    world = read_only_world
    client.force_login(world.owner)

    response = client.post(
        f"/console/{world.store.slug}/events/new/",
        {"name": "Long drive", "metric": "carry", "starts_at": "2026-01-10T10:00"},
    )

    assert response.status_code == 403
    assert b"is read-only" in response.content
    assert not Event.objects.exists()


def test_on_a_verified_only_store_a_shot_reaches_the_board_once_verified(client, world):
    from leaderboards.boards import BoardSpec
    from leaderboards.selectors import eligible_shots

    world.store.leaderboard_verified_only = True
    world.store.save()

    def on_board() -> list[int]:
        board = BoardSpec(retailer=world.store, club=None, metric="carry", period="all")
        return list(eligible_shots(board).values_list("pk", flat=True))

    assert on_board() == []
    client.force_login(world.staff)
    client.post(console("shot_verify", world.store, world.shot.pk))
    assert on_board() == [world.shot.pk]
    client.post(console("shot_exclude", world.store, world.shot.pk), {"reason": "Wrong golfer"})
    assert on_board() == []
