"""Trust levels on boards: a ranked row's level follows the store's (and event's) rule.

Every way a shot can be made or changed goes through the real services, then
the store's board, the all-stores board and an event are read: a shot ranks
only when verified, or measured where the store counts both; its row carries
its level. The golfer's own bests count it either way (unless excluded or
still waiting for the golfer).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from leaderboards.boards import BoardSpec
from leaderboards.events import selectors as event_selectors
from leaderboards.events import services as event_services
from leaderboards.models import Event, EventEntry
from leaderboards.selectors import BoardRow, leaderboard
from retailers.models import CustomerLink, Membership, Retailer, Role
from shots import services
from shots.analysis.base import AnalysisOutput
from shots.models import PersonalBest, Shot, ShotSource, ShotStatus, ShotTrust
from shots.tests.photos import shrunk_screen_photo

CLEAN_READING = {"ball_speed": 150.0, "club_speed": 103.0, "smash_factor": 1.46, "carry": 240.0}
# The smash factor disagrees with ball ÷ club speed: the reading waits for the golfer.
DOUBTFUL_READING = {**CLEAN_READING, "smash_factor": 1.25}


class ReadsTheScreen:
    """An analyser that reads what it is told, instantly."""

    name = "scripted"

    def __init__(self, values: dict[str, float]) -> None:
        self.values = values

    def analyse(self, image: bytes) -> AnalysisOutput:
        return AnalysisOutput(values=dict(self.values), club="driver")


@pytest.fixture
def staff(store: Retailer) -> User:
    member = UserFactory.create(username="counter")
    Membership.objects.create(user=member, retailer=store, role=Role.STAFF)
    return member


@pytest.fixture
def player(store: Retailer) -> User:
    golfer = UserFactory.create(username="ann", display_name="Ann")
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    return golfer


def _typed(golfer: User, store: Retailer, **extra: Any) -> Shot:
    shot, _created = services.shot_create_manual(
        golfer=golfer, club="driver", metrics=CLEAN_READING, retailer=store, **extra
    )
    return shot


def _photo(golfer: User, store: Retailer, reading: dict[str, float], **extra: Any) -> Shot:
    shot, _created = services.shot_create_from_photo(
        golfer=golfer, photo=shrunk_screen_photo(), retailer=store, **extra
    )
    services.shot_analyze(shot_id=shot.pk, analyser=ReadsTheScreen(reading))
    shot.refresh_from_db()
    return shot


def typed(golfer: User, store: Retailer, staff: User) -> Shot:
    return _typed(golfer, store)


def typed_through_the_api(golfer: User, store: Retailer, staff: User) -> Shot:
    return _typed(golfer, store, source=ShotSource.API)


def typed_at_the_counter_by_staff(golfer: User, store: Retailer, staff: User) -> Shot:
    return _typed(golfer, store, recorded_by=staff)


def photo_at_the_counter_by_staff(golfer: User, store: Retailer, staff: User) -> Shot:
    return _photo(golfer, store, CLEAN_READING, recorded_by=staff)


def photo_read_unflagged(golfer: User, store: Retailer, staff: User) -> Shot:
    return _photo(golfer, store, CLEAN_READING)


def photo_needing_review(golfer: User, store: Retailer, staff: User) -> Shot:
    shot = _photo(golfer, store, DOUBTFUL_READING)
    assert shot.status == ShotStatus.NEEDS_REVIEW
    return shot


def photo_confirmed_as_read(golfer: User, store: Retailer, staff: User) -> Shot:
    shot = _photo(golfer, store, DOUBTFUL_READING)
    services.shot_confirm(shot=shot)
    return shot


def photo_corrected_by_the_golfer(golfer: User, store: Retailer, staff: User) -> Shot:
    shot = _photo(golfer, store, CLEAN_READING)
    services.shot_update(shot=shot, club="driver", metrics={**CLEAN_READING, "carry": 262.0})
    return shot


def photo_club_corrected_numbers_kept(golfer: User, store: Retailer, staff: User) -> Shot:
    shot = _photo(golfer, store, DOUBTFUL_READING)
    services.shot_update(shot=shot, club="driver", metrics=DOUBTFUL_READING)
    return shot


def imported_from_a_launch_monitor_file(golfer: User, store: Retailer, staff: User) -> Shot:
    return _typed(golfer, store, source=ShotSource.CSV)


def typed_then_verified(golfer: User, store: Retailer, staff: User) -> Shot:
    shot = _typed(golfer, store)
    services.shot_verify(shot=shot, staff=staff)
    return shot


def photo_corrected_by_staff(golfer: User, store: Retailer, staff: User) -> Shot:
    shot = _photo(golfer, store, DOUBTFUL_READING)
    services.shot_correct_by_staff(
        shot=shot, staff=staff, club="driver", metrics=CLEAN_READING, reason="Misread"
    )
    return shot


def excluded(golfer: User, store: Retailer, staff: User) -> Shot:
    shot = _typed(golfer, store, source=ShotSource.CSV)
    services.shot_exclude(shot=shot, staff=staff, reason="Not this golfer's swing")
    return shot


def _excluded_then_included(shot: Shot, staff: User) -> Shot:
    services.shot_exclude(shot=shot, staff=staff, reason="Checking")
    services.shot_include(shot=shot, staff=staff)
    return shot


def measured_excluded_then_included(golfer: User, store: Retailer, staff: User) -> Shot:
    return _excluded_then_included(_typed(golfer, store, source=ShotSource.CSV), staff)


def typed_excluded_then_included(golfer: User, store: Retailer, staff: User) -> Shot:
    return _excluded_then_included(_typed(golfer, store), staff)


def verified_excluded_then_included(golfer: User, store: Retailer, staff: User) -> Shot:
    return _excluded_then_included(typed_then_verified(golfer, store, staff), staff)


def golfer_edit_after_verification(golfer: User, store: Retailer, staff: User) -> Shot:
    shot = typed_then_verified(golfer, store, staff)
    services.shot_update(shot=shot, club="driver", metrics={**CLEAN_READING, "carry": 330.0})
    return shot


# (how the shot came about, its level, whether the golfer's bests count it)
PATHS: list[tuple[Callable[[User, Retailer, User], Shot], str, bool]] = [
    (typed, ShotTrust.TYPED, True),
    (typed_through_the_api, ShotTrust.TYPED, True),
    (typed_at_the_counter_by_staff, ShotTrust.VERIFIED, True),
    (photo_at_the_counter_by_staff, ShotTrust.VERIFIED, True),
    (photo_read_unflagged, ShotTrust.MEASURED, True),
    (photo_needing_review, ShotTrust.MEASURED, False),  # not counted: waits for the golfer
    (photo_confirmed_as_read, ShotTrust.MEASURED, True),
    (photo_corrected_by_the_golfer, ShotTrust.TYPED, True),
    (photo_club_corrected_numbers_kept, ShotTrust.MEASURED, True),
    (imported_from_a_launch_monitor_file, ShotTrust.MEASURED, True),
    (typed_then_verified, ShotTrust.VERIFIED, True),
    (photo_corrected_by_staff, ShotTrust.VERIFIED, True),
    (excluded, ShotTrust.EXCLUDED, False),
    (measured_excluded_then_included, ShotTrust.MEASURED, True),
    (typed_excluded_then_included, ShotTrust.TYPED, True),
    (verified_excluded_then_included, ShotTrust.VERIFIED, True),
    (golfer_edit_after_verification, ShotTrust.TYPED, True),
]


def _row_for(rows: list[Any], golfer: User) -> Any:
    return next((row for row in rows if row.golfer_id == golfer.pk), None)


def _running_event(store: Retailer, *, verified_only: bool) -> Event:
    now = timezone.now()
    event = event_services.event_create(
        retailer=store,
        created_by=None,
        name="Long drive",
        metric="carry",
        club="driver",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        verified_only=verified_only,
    )
    return event


@pytest.mark.django_db
@pytest.mark.parametrize(
    "verified_only", [False, True], ids=["verified-and-measured", "verified-only"]
)
@pytest.mark.parametrize(
    ("make", "level", "counts_for_golfer"), PATHS, ids=[make.__name__ for make, _, _ in PATHS]
)
def test_it_ranks_a_shot_by_its_trust_level_and_the_stores_rule(
    store, staff, player, make, level, counts_for_golfer, verified_only
):
    store.leaderboard_verified_only = verified_only
    store.save()
    event = _running_event(store, verified_only=verified_only)
    EventEntry.objects.create(event=event, golfer=player)

    shot = make(player, store, staff)

    shot.refresh_from_db()
    assert shot.trust == level
    ranks = shot.is_counted and (
        level == ShotTrust.VERIFIED or (level == ShotTrust.MEASURED and not verified_only)
    )
    store_board = leaderboard(BoardSpec(retailer=store, club=None, metric="carry", period="all"))
    all_stores = leaderboard(BoardSpec(retailer=None, club="driver", metric="carry", period="all"))
    event_rows = event_selectors.event_board(event)
    for rows in (store_board.rows, all_stores.rows, event_rows):
        row = _row_for(rows, player)
        if ranks:
            assert row is not None
            assert row.trust == level
        else:
            assert row is None
    has_best = PersonalBest.objects.filter(golfer=player, club="driver", metric="carry").exists()
    assert has_best is counts_for_golfer


# --- The typed 350-yard drive, end to end ------------------------------------------


@pytest.mark.django_db
def test_a_typed_350_yard_api_drive_counts_for_the_golfer_but_ranks_only_once_staff_verify_it(
    client, api, golfer, store, staff, django_capture_on_commit_callbacks
):
    store.kiosk_public = True
    store.save()
    CustomerLink.objects.create(
        golfer=golfer, retailer=store, leaderboard_consent=True, leaderboard_name="Big Hitter"
    )
    event = _running_event(store, verified_only=False)
    EventEntry.objects.create(event=event, golfer=golfer)
    rival = UserFactory.create(display_name="Rival")
    CustomerLink.objects.create(golfer=rival, retailer=store, leaderboard_consent=True)
    EventEntry.objects.create(event=event, golfer=rival)
    with django_capture_on_commit_callbacks(execute=True):
        services.shot_create_manual(
            golfer=rival,
            club="driver",
            metrics={"carry": 250.0},
            retailer=store,
            source=ShotSource.CSV,
        )

    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/shots/",
            {"club": "driver", "carry": 350, "retailer": store.slug},
            format="json",
        )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["is_counted"] is True
    assert body["trust"] == "typed"
    best = PersonalBest.objects.get(golfer=golfer, club="driver", metric="carry")
    assert best.value == 350.0

    def boards() -> dict[str, object]:
        store_board = client.get(
            "/api/v1/leaderboards/", {"retailer": store.slug, "metric": "carry", "period": "week"}
        ).json()
        everywhere = client.get(
            "/api/v1/leaderboards/", {"metric": "carry", "period": "week", "club": "driver"}
        ).json()
        event_board = client.get(f"/api/v1/events/{event.pk}/").json()["boards"][0]["results"]
        page = client.get(f"/s/{store.slug}/").content.decode()
        kiosk = "".join(
            client.get(f"/s/{store.slug}/kiosk/slide/", {"slide": index}).content.decode()
            for index in range(4)
        )
        return {
            "store": [(row["golfer"], row["trust"]) for row in store_board["results"]],
            "all stores": [(row["golfer"], row["trust"]) for row in everywhere["results"]],
            "event": [(row["golfer"], row["trust"]) for row in event_board],
            "store page": "350.0" in page,
            "kiosk": "350.0" in kiosk,
        }

    assert boards() == {
        "store": [("Rival", "measured")],
        "all stores": [("Rival", "measured")],
        "event": [("Rival", "measured")],
        "store page": False,
        "kiosk": False,
    }

    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        verified = client.post(f"/console/{store.slug}/shots/{body['id']}/verify/")
    assert verified.status_code in (200, 302)
    client.logout()

    assert boards() == {
        "store": [("Big Hitter", "verified"), ("Rival", "measured")],
        "all stores": [("Big Hitter", "verified"), ("Rival", "measured")],
        "event": [("Big Hitter", "verified"), ("Rival", "measured")],
        "store page": True,
        "kiosk": True,
    }
    page = client.get(f"/s/{store.slug}/").content.decode()
    assert 'class="badge badge-trust badge-verified"' in page
    assert 'class="badge badge-trust badge-measured"' in page
    assert api.get(f"/api/v1/shots/{body['id']}/").json()["trust"] == "verified"


@pytest.mark.django_db
def test_a_verified_only_store_shows_no_measured_rows_and_badges_only_verified_ones(
    client, store, staff, player
):
    store.leaderboard_verified_only = True
    store.save()
    typed_at_the_counter_by_staff(player, store, staff)
    rival = UserFactory.create(display_name="Rival")
    CustomerLink.objects.create(golfer=rival, retailer=store, leaderboard_consent=True)
    imported_from_a_launch_monitor_file(rival, store, staff)

    rows: list[BoardRow] = leaderboard(
        BoardSpec(retailer=store, club=None, metric="carry", period="all")
    ).rows

    assert [(row.name, row.trust) for row in rows] == [("Ann", ShotTrust.VERIFIED)]
