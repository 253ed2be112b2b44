"""The verification queue: only shots needing a decision, with reasons, riskiest first.

Filters, bulk verify, the next shot after each decision, reasons required to
correct or exclude, and what the golfer then sees on the shot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from console.selectors import QUEUE_TOP_N, verification_queue
from console.tests.test_console import World, build_world, console
from leaderboards.models import Event, EventEntry
from retailers import services as retailer_services
from retailers.models import CustomerLink
from shots import services
from shots.models import (
    AnalysisOutcome,
    ReviewAction,
    Shot,
    ShotAnalysis,
    ShotReview,
    ShotSource,
    ShotStatus,
    ShotTrust,
)
from shots.tests.factories import ShotFactory

pytestmark = pytest.mark.django_db


def customer(world: World, name: str, *, consent: bool = True) -> User:
    golfer = UserFactory.create(username=name, display_name=name.title())
    CustomerLink.objects.create(golfer=golfer, retailer=world.store, leaderboard_consent=consent)
    return golfer


def just_now() -> object:
    return timezone.now() - timedelta(minutes=5)


def photo_shot(world: World, golfer: User, **values: object) -> Shot:
    fields: dict[str, object] = {
        "golfer": golfer,
        "retailer": world.store,
        "source": ShotSource.PHOTO,
        "status": ShotStatus.ANALYZED,
        "trust": ShotTrust.MEASURED,
        "hit_at": just_now(),
        "carry": 200.0,
        "ball_speed": 140.0,
        **values,
    }
    return ShotFactory.create(**fields)


def fill_the_boards(world: World) -> None:
    """Ten verified golfers at 250-259 yd and 150 mph: a shot must beat 250 yd to rank."""
    for index in range(QUEUE_TOP_N):
        golfer = customer(world, f"leader{index}")
        ShotFactory.create(
            golfer=golfer,
            retailer=world.store,
            hit_at=just_now(),
            carry=250.0 + index,
            ball_speed=150.0,
            verified_at=timezone.now(),
            trust=ShotTrust.VERIFIED,
        )


@dataclass
class Queue:
    world: World
    typed_ranking: Shot
    measured_ranking: Shot
    edited: Shot
    outlier: Shot
    warned: Shot
    plain: Shot


def build_queue() -> Queue:
    world = build_world()
    world.shot.delete()  # the world's own typed 231-yd drive would rank on the open boards
    fill_the_boards(world)
    gary = world.golfer
    typed_ranking = ShotFactory.create(
        golfer=gary, retailer=world.store, hit_at=just_now(), carry=300.0, trust=ShotTrust.TYPED
    )
    ranker = customer(world, "ranker")
    measured_ranking = photo_shot(world, ranker, carry=280.0)
    editor = customer(world, "editor")
    edited = photo_shot(
        world,
        editor,
        status=ShotStatus.CONFIRMED,
        trust=ShotTrust.TYPED,
        carry=165.0,
        metric_flags={"carry": ["edited"]},
    )
    ShotAnalysis.objects.create(
        shot=edited,
        attempt=1,
        analyser="ocr",
        values={"carry": 162.0, "ball_speed": 140.0},
        outcome=AnalysisOutcome.ANALYZED,
    )
    steady = customer(world, "steady")
    for carry in (200.0, 202.0, 198.0, 201.0, 199.0, 200.0):
        # Earlier, verified and off this month's boards: history, not the queue.
        ShotFactory.create(
            golfer=steady,
            retailer=world.store,
            hit_at=timezone.now() - timedelta(days=45),
            carry=carry,
            ball_speed=120.0,
            verified_at=timezone.now(),
            trust=ShotTrust.VERIFIED,
        )
    outlier = photo_shot(world, steady, carry=245.0)  # > 200 + 15 % and > 3 SD
    warned = photo_shot(
        world,
        customer(world, "wobbly"),
        status=ShotStatus.NEEDS_REVIEW,
        carry=210.0,
        metric_flags={"carry": ["warned"]},
    )
    plain = photo_shot(world, customer(world, "plain"), carry=205.0)
    # Never in the queue: recorded by staff, excluded, another store's, no board consent.
    photo_shot(
        world,
        customer(world, "counter"),
        carry=240.0,  # off the boards, so it does not move the 10th row
        verified_at=timezone.now(),
        verified_by=world.staff,
        trust=ShotTrust.VERIFIED,
    )
    photo_shot(
        world,
        gary,
        carry=330.0,
        is_excluded=True,
        exclusion_reason="Sensor",
        trust=ShotTrust.EXCLUDED,
    )
    ShotFactory.create(golfer=world.other_golfer, retailer=world.other_store, carry=340.0)
    photo_shot(world, customer(world, "shy", consent=False), carry=290.0)
    # The factory writes rows without the services: judge the history as every write does.
    services.outliers_rebuild(retailer_ids=[world.store.pk])
    return Queue(world, typed_ranking, measured_ranking, edited, outlier, warned, plain)


@pytest.fixture
def queue() -> Queue:
    return build_queue()


def reason_codes(item) -> list[str]:
    return [reason.code for reason in item.reasons]


def test_it_lists_only_shots_needing_a_decision_riskiest_first_with_reasons(queue):
    built = verification_queue(queue.world.store)
    items = built.items(built.shots)

    assert [item.shot for item in items] == [
        queue.typed_ranking,
        queue.measured_ranking,
        queue.edited,
        queue.outlier,
        queue.warned,
    ]
    assert [reason_codes(item) for item in items] == [
        ["typed", "would_rank"],
        ["would_rank"],
        ["edited"],
        ["outlier"],
        ["warned"],
    ]
    would_rank = items[1].reasons[0]
    assert would_rank.boards == ("Carry · This week", "Carry · Driver · This month")
    edited = items[2].reasons[0].values[0]
    assert (edited.metric, edited.value, edited.compared) == ("carry", 165.0, 162.0)
    outlier = items[3].reasons[0].values[0]
    assert outlier.metric == "carry"
    assert outlier.compared == pytest.approx(200.0)
    assert items[4].reasons[0].flagged == ("Carry",)
    assert items[4].reasons[0].needs_review


def test_a_shot_on_the_board_now_unverified_is_in_the_queue(queue):
    on_board = photo_shot(queue.world, customer(queue.world, "leaderx"), carry=270.0)

    built = verification_queue(queue.world.store)

    assert on_board in built.shots
    assert queue.plain not in built.shots


def test_a_shot_hit_at_the_same_moment_is_not_earlier_history(queue):
    # Four earlier shots and one at the very moment of the long one: four, not
    # five, shots of history, too few to call it unusual.
    golfer = customer(queue.world, "twin", consent=False)
    earlier = timezone.now() - timedelta(days=45)
    for offset, carry in enumerate((200.0, 202.0, 198.0, 201.0)):
        ShotFactory.create(
            golfer=golfer,
            retailer=queue.world.store,
            hit_at=earlier + timedelta(minutes=offset),
            carry=carry,
            ball_speed=120.0,
        )
    moment = just_now()
    photo_shot(queue.world, golfer, hit_at=moment, carry=199.0, ball_speed=120.0)
    long_one = photo_shot(queue.world, golfer, hit_at=moment, carry=245.0, ball_speed=120.0)
    services.outliers_rebuild(retailer_ids=[queue.world.store.pk])

    built = verification_queue(queue.world.store)

    assert long_one not in built.shots
    assert long_one.pk not in built.outliers
    assert queue.outlier.pk in built.outliers


def test_the_outliers_are_one_read_of_the_stored_verdicts_which_a_shot_write_keeps(
    queue, django_assert_num_queries
):
    built = verification_queue(queue.world.store)
    with django_assert_num_queries(1):  # not the store's history
        assert queue.outlier.pk in built.outliers

    # A typed 245 yd a month earlier: it ranks nowhere (no board's version
    # moves), but it is the golfer's history: 245 yd and 140 mph are no longer unusual.
    services.shot_create_manual(
        golfer=queue.outlier.golfer,
        club=queue.outlier.club,
        metrics={"carry": 245.0, "ball_speed": 140.0},
        hit_at=timezone.now() - timedelta(days=30),
        retailer=queue.world.store,
    )

    assert queue.outlier.pk not in verification_queue(queue.world.store).outliers


def test_the_cached_queue_drops_a_shot_once_its_golfer_withdraws_board_consent(
    queue, django_assert_num_queries, django_capture_on_commit_callbacks
):
    assert queue.typed_ranking.pk in verification_queue(queue.world.store).narrowed_ids()
    again = verification_queue(queue.world.store)
    with django_assert_num_queries(0):  # from the cache
        assert queue.typed_ranking.pk in again.narrowed_ids()

    # A typed shot is on no board, so the boards' top rows stay: only the
    # store's boards version tells the cached queue that consent changed.
    link = CustomerLink.objects.get(retailer=queue.world.store, golfer=queue.typed_ranking.golfer)
    with django_capture_on_commit_callbacks(execute=True):
        retailer_services.customer_consent_update(
            link=link, leaderboard_consent=False, leaderboard_name="", marketing_consent=False
        )

    assert queue.typed_ranking.pk not in verification_queue(queue.world.store).narrowed_ids()


def test_the_page_explains_an_outlier_with_its_golfers_usual(queue):
    built = verification_queue(queue.world.store)

    [item] = built.items([queue.outlier])

    assert reason_codes(item) == ["outlier"]
    assert item.reasons[0].values[0].compared == pytest.approx(200.0)


def test_a_golfers_shot_below_their_own_row_does_not_enter_the_board(queue):
    leader = User.objects.get(username="leader9")  # 259 yd on the board
    shorter = photo_shot(queue.world, leader, carry=255.0)  # beats the 10th, not their own row

    assert shorter not in verification_queue(queue.world.store).shots


def test_the_queue_costs_a_few_queries_however_long_it_is(
    client, queue, django_assert_max_num_queries
):
    for index in range(30):
        # Typed, so none of them ranks yet and every one of them would.
        ShotFactory.create(
            golfer=customer(queue.world, f"big{index}"),
            retailer=queue.world.store,
            hit_at=just_now(),
            carry=290.0 + index,
            trust=ShotTrust.TYPED,
        )
    client.force_login(queue.world.staff)

    with django_assert_max_num_queries(20):
        response = client.get(console("queue", queue.world.store))

    assert response.status_code == 200
    assert len(response.context["items"]) == 25


def test_the_page_shows_the_reasons_and_the_read_value_beside_the_edited_one(client, queue):
    client.force_login(queue.world.staff)

    page = client.get(console("queue", queue.world.store)).content.decode()

    assert "Typed in, would rank" in page
    assert "Carry 165.0 yd (the photo read 162.0 yd)" in page
    assert "against their usual 200.0 yd" in page
    assert "Carry · This week" in page


# --- Filters -------------------------------------------------------------------------


def test_it_filters_by_reason(client, queue):
    client.force_login(queue.world.staff)

    response = client.get(console("queue", queue.world.store), {"reason": "edited"})

    assert [item.shot for item in response.context["items"]] == [queue.edited]


def test_it_filters_by_a_running_event(client, queue):
    now = timezone.now()
    event = Event.objects.create(
        retailer=queue.world.store,
        name="Long drive week",
        metric="carry",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=6),
    )
    EventEntry.objects.create(event=event, golfer=queue.measured_ranking.golfer)
    client.force_login(queue.world.staff)

    response = client.get(console("queue", queue.world.store), {"event": event.pk})

    assert [item.shot for item in response.context["items"]] == [queue.measured_ranking]
    assert "Long drive week" in reason_titles(response.context["items"][0])


def reason_titles(item) -> tuple[str, ...]:
    return next(reason.boards for reason in item.reasons if reason.code == "would_rank")


def test_an_unknown_filter_is_a_400_with_a_message(client, queue):
    client.force_login(queue.world.staff)

    response = client.get(console("queue", queue.world.store), {"reason": "vibes", "event": 999})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "That event is not running at this store" in page


# --- Bulk verify ---------------------------------------------------------------------


def test_bulk_verify_verifies_every_ticked_shot(client, queue):
    client.force_login(queue.world.staff)

    response = client.post(
        console("queue_verify", queue.world.store),
        {"shots": [queue.measured_ranking.pk, queue.outlier.pk], "queue": "reason=would_rank"},
    )

    assert response.status_code == 302
    assert response.url == console("queue", queue.world.store) + "?reason=would_rank"
    for shot in (queue.measured_ranking, queue.outlier):
        shot.refresh_from_db()
        assert shot.verified_by == queue.world.staff
        assert shot.trust == ShotTrust.VERIFIED
    assert ShotReview.objects.filter(action=ReviewAction.VERIFY).count() == 2


@pytest.mark.parametrize("bad", ["foreign", "unknown", "not a number", "none"])
def test_bulk_verify_with_a_bad_id_refuses_and_changes_nothing(client, queue, bad):
    foreign = queue.world.other_shot
    ticked = {
        "foreign": [queue.measured_ranking.pk, foreign.pk],
        "unknown": [queue.measured_ranking.pk, 987654],
        "not a number": [queue.measured_ranking.pk, "x"],
        "none": [],
    }[bad]
    client.force_login(queue.world.staff)

    response = client.post(console("queue_verify", queue.world.store), {"shots": ticked})

    assert response.status_code == 400
    assert "Nothing was verified" in response.content.decode() or bad == "none"
    assert not ShotReview.objects.exists()
    for shot in (queue.measured_ranking, foreign):
        shot.refresh_from_db()
        assert shot.verified_at is None


# --- After each decision, the next shot ------------------------------------------------


def test_verifying_opens_the_next_shot_in_the_queue(client, queue):
    client.force_login(queue.world.staff)

    response = client.post(console("shot_verify", queue.world.store, queue.typed_ranking.pk))

    assert response.url == console("shot", queue.world.store, queue.measured_ranking.pk)


def test_the_next_shot_comes_from_the_same_filters(client, queue):
    client.force_login(queue.world.staff)

    response = client.post(
        console("shot_exclude", queue.world.store, queue.outlier.pk),
        {"reason": "Two balls on the mat", "queue": "reason=warned"},
    )

    assert response.url == (console("shot", queue.world.store, queue.warned.pk) + "?reason=warned")


def test_correcting_opens_the_next_shot_and_the_last_decision_the_empty_queue(client, queue):
    client.force_login(queue.world.staff)
    values = {"club": "driver", "hit_at": "2026-01-10T10:00", "carry": "162", "reason": "Misread"}

    response = client.post(
        console("shot_correct", queue.world.store, queue.edited.pk),
        {**values, "queue": "reason=edited"},
    )

    assert response.url == console("queue", queue.world.store) + "?reason=edited"


# --- Reasons required ------------------------------------------------------------------


def test_correcting_without_a_reason_is_a_400_and_changes_nothing(client, queue):
    client.force_login(queue.world.staff)

    response = client.post(
        console("shot_correct", queue.world.store, queue.edited.pk),
        {"club": "driver", "hit_at": "2026-01-10T10:00", "carry": "150", "reason": "  "},
    )

    assert response.status_code == 400
    assert "Say why you corrected the shot" in response.content.decode()
    queue.edited.refresh_from_db()
    assert (queue.edited.carry, queue.edited.verified_at) == (165.0, None)
    assert not ShotReview.objects.exists()


def test_excluding_without_a_reason_is_a_400_and_changes_nothing(client, queue):
    client.force_login(queue.world.staff)

    response = client.post(
        console("shot_exclude", queue.world.store, queue.edited.pk), {"reason": ""}
    )

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    queue.edited.refresh_from_db()
    assert not queue.edited.is_excluded
    assert not ShotReview.objects.exists()


# --- What the golfer and the audit log see ---------------------------------------------


def test_the_golfer_sees_who_corrected_the_shot_why_and_the_old_and_new_values(client, queue):
    client.force_login(queue.world.staff)
    client.post(
        console("shot_correct", queue.world.store, queue.edited.pk),
        {
            "club": "driver",
            "hit_at": "2026-01-10T10:00",
            "carry": "162",
            "reason": "Photo says 162",
        },
    )
    client.force_login(queue.edited.golfer)

    page = client.get(queue.edited.get_absolute_url()).content.decode()

    assert "Corrected by Fairway Lab" in page
    assert "Photo says 162" in page
    assert "Carry: 165.0 yd → 162.0 yd" in page
    assert "Sam Staff" not in page  # the store, not the member of staff


def test_an_excluded_shot_shows_the_golfer_the_reason(client, queue):
    client.force_login(queue.world.staff)
    client.post(
        console("shot_exclude", queue.world.store, queue.outlier.pk),
        {"reason": "Two balls on the mat"},
    )
    client.force_login(queue.outlier.golfer)

    page = client.get(queue.outlier.get_absolute_url()).content.decode()

    assert "Excluded by Fairway Lab" in page
    assert "Two balls on the mat" in page


def test_the_audit_log_shows_before_and_after_for_a_correction(client, queue):
    client.force_login(queue.world.staff)
    client.post(
        console("shot_correct", queue.world.store, queue.edited.pk),
        {"club": "driver", "hit_at": "2026-01-10T10:00", "carry": "162", "reason": "Misread"},
    )

    page = client.get(console("review_log", queue.world.store)).content.decode()

    assert "Carry: 165.0 yd → 162.0 yd" in page
    assert "Misread" in page
