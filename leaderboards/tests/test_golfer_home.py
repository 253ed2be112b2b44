"""The golfer home at /, and the links that lead golfers to their stores' running events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from leaderboards.models import Event, EventEntry
from retailers.models import CustomerLink, Retailer
from shots.models import Club, ShotTrust
from shots.services import personal_bests_recompute, sessions_regroup_for_golfer
from shots.tests.factories import ShotFactory

pytestmark = pytest.mark.django_db

# A Wednesday noon: this week (from Monday) holds the last two days on every clock.
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def hit(golfer, store, at: datetime, club: str = Club.DRIVER, **values):
    values.setdefault("trust", ShotTrust.MEASURED)
    return ShotFactory(golfer=golfer, retailer=store, hit_at=at, club=club, **values)


def running_event(store: Retailer, name: str, **times) -> Event:
    return Event.objects.create(
        retailer=store,
        name=name,
        metric="carry",
        starts_at=times.get("starts_at", NOW - timedelta(days=3)),
        ends_at=times.get("ends_at", NOW + timedelta(days=10)),
    )


@pytest.fixture
def ann(store):
    golfer = UserFactory(username="ann", display_name="Ann")
    CustomerLink.objects.create(
        golfer=golfer, retailer=store, leaderboard_consent=True, leaderboard_name="Ann"
    )
    # An older session: its record was set 30 days ago, so it is not "new".
    hit(golfer, store, NOW - timedelta(days=30), club=Club.IRON_7, carry=160.0)
    # The last session, this morning: two drives and a 7-iron.
    hit(golfer, store, NOW - timedelta(hours=3), carry=230.0)
    hit(golfer, store, NOW - timedelta(hours=2, minutes=30), carry=250.0)
    hit(golfer, store, NOW - timedelta(hours=2), club=Club.IRON_7, carry=150.0)
    sessions_regroup_for_golfer(golfer_id=golfer.pk)
    for club in (Club.DRIVER, Club.IRON_7):
        personal_bests_recompute(golfer_id=golfer.pk, club=club)
    return golfer


@pytest.fixture
def rival(store):
    golfer = UserFactory(username="rival")
    CustomerLink.objects.create(
        golfer=golfer, retailer=store, leaderboard_consent=True, leaderboard_name="Rival"
    )
    hit(golfer, store, NOW - timedelta(days=1), carry=270.0)
    return golfer


def home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_visitors_get_the_landing_page(client):
    page = home(client)

    assert "Every shot counts." in page
    assert "Your stores this week" not in page


def test_it_shows_the_last_session_per_club(client, ann):
    client.force_login(ann)

    page = home(client)

    assert "Last session" in page
    assert "3 shots" in page
    assert '<th scope="row">Driver</th><td class="num">2</td>' in page
    assert "240.0 yd" in page  # the drives' average carry
    assert "250.0 yd" in page
    session = ann.practice_sessions.order_by("-started_at").first()
    assert f'href="{reverse("shots:session", args=[session.pk])}"' in page


def test_it_shows_records_of_the_last_14_days_only(client, ann):
    client.force_login(ann)

    page = home(client)

    assert "Driver carry: <strong>250.0 yd</strong>" in page
    # The 7-iron's record is 30 days old; this session's 150 yd did not beat it.
    assert "7-iron carry" not in page


def test_it_shows_this_weeks_rank_at_each_store(client, ann, rival, other_store):
    CustomerLink.objects.create(golfer=ann, retailer=other_store, leaderboard_consent=True)
    client.force_login(ann)

    page = home(client)

    assert "Weekly carry, any club: <strong>#2</strong> with 250.0 yd (Driver)" in page
    assert "No counted shot at this store this week yet." in page  # Tee Time


def test_a_typed_shot_gives_no_rank(client, store):
    golfer = UserFactory()
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    hit(golfer, store, NOW - timedelta(hours=1), carry=350.0, trust=ShotTrust.TYPED)
    client.force_login(golfer)

    assert "No counted shot at this store this week yet." in home(client)


def test_it_says_why_a_golfer_without_consent_has_no_rank(client, store):
    golfer = UserFactory()
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=False)
    client.force_login(golfer)

    assert "You are not on this store's boards." in home(client)


def test_it_lists_the_running_events_at_the_golfers_stores_only(client, ann, store, other_store):
    entered = running_event(store, "December long drive")
    running_event(store, "Spring classic", ends_at=NOW - timedelta(days=1))
    running_event(store, "Summer open", starts_at=NOW + timedelta(days=1))
    running_event(other_store, "Elsewhere cup")
    EventEntry.objects.create(event=entered, golfer=ann)
    client.force_login(ann)

    page = home(client)

    detail = reverse("events:detail", args=["fairway", entered.pk])
    assert f'<a href="{detail}">December long drive</a> <span class="badge' in page
    assert "entered" in page
    assert f'href="{reverse("events:list", args=["fairway"])}"' in page
    assert "Spring classic" not in page
    assert "Summer open" not in page
    assert "Elsewhere cup" not in page


def test_a_new_golfer_is_invited_to_start(client):
    client.force_login(UserFactory())

    page = home(client)

    assert "No shots yet." in page
    assert "You have not joined a store yet." in page


def test_the_home_costs_a_bounded_number_of_queries(client, ann, rival, store, other_store):
    running_event(store, "December long drive")
    client.force_login(ann)
    with CaptureQueriesContext(connection) as first:
        home(client)
    with CaptureQueriesContext(connection) as repeat:
        home(client)

    # More shots and more stores: the same queries, plus one rank per new store on a miss.
    for minutes in range(20):
        hit(ann, store, NOW - timedelta(minutes=90 - minutes), carry=200.0 + minutes)
    sessions_regroup_for_golfer(golfer_id=ann.pk)
    CustomerLink.objects.create(golfer=ann, retailer=other_store, leaderboard_consent=True)
    with CaptureQueriesContext(connection) as bigger:
        home(client)

    # User, stores, events, last session (2), new bests, the header's staff stores, a rank
    # per store.
    assert len(first) <= 8
    # The rank and the header's staff stores come from the cache.
    assert len(repeat) == len(first) - 2
    assert len(bigger) <= len(first) + 1


def test_it_names_the_golfers_zone_and_shows_its_times_in_it(client, ann):
    ann.timezone = "America/New_York"
    ann.save(update_fields=["timezone"])
    client.force_login(ann)

    page = home(client)

    assert "Times in New York time (EDT)." in page
    assert "Wed 3 Jun, 05:00" in page  # the last session began at 09:00 UTC


# --- Events from the store page and the leaderboards --------------------------------


def test_the_store_page_lists_its_running_events(client, store):
    event = running_event(store, "December long drive")
    running_event(store, "Summer open", starts_at=NOW + timedelta(days=1))

    response = client.get(reverse("leaderboards:store", args=["fairway"]))

    page = response.content.decode()
    assert "Running events" in page
    assert f'<a href="{reverse("events:detail", args=["fairway", event.pk])}">' in page
    assert "Summer open" not in page
    assert f'href="{reverse("events:list", args=["fairway"])}"' in page


def test_the_store_page_says_when_no_event_runs(client, store):
    page = client.get(reverse("leaderboards:store", args=["fairway"])).content.decode()

    assert "No event on now." in page


def test_the_store_pages_events_follow_an_event_ending_within_a_minute(client, store):
    running_event(store, "December long drive", ends_at=NOW + timedelta(seconds=30))
    url = reverse("leaderboards:store", args=["fairway"])
    assert "December long drive" in client.get(url).content.decode()

    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        assert "December long drive" not in client.get(url).content.decode()


def test_the_leaderboards_link_to_the_chosen_stores_events(client, store):
    page = client.get(reverse("leaderboards:board"), {"store": "fairway"}).content.decode()
    partial = client.get(reverse("leaderboards:board_partial"), {"store": "fairway"})

    events_link = f'<a href="{reverse("events:list", args=["fairway"])}">Events at Fairway Lab</a>'
    assert events_link in page
    assert events_link in partial.content.decode()
    assert "Events at" not in client.get(reverse("leaderboards:board")).content.decode()
