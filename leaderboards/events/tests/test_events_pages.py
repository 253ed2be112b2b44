"""Event pages for golfers: the list, an event, entering and the results sheet."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from leaderboards.events import services
from leaderboards.models import AttemptRule, Event, EventEntry
from retailers.models import Membership, Retailer, Role
from shots.models import Club
from shots.tests.factories import MeasuredShotFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def store(db) -> Retailer:
    return Retailer.objects.create(name="Fairway Lab", slug="fairway", timezone="Europe/London")


def member(store: Retailer, role: str = Role.STAFF) -> User:
    user: User = UserFactory.create(username=f"{store.slug}-{role}")
    Membership.objects.create(user=user, retailer=store, role=role)
    return user


def make_event(store: Retailer, **rules) -> Event:
    now = timezone.now()
    values: dict[str, Any] = {
        "name": "Longest drive",
        "metric": "carry",
        "club": Club.DRIVER,
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=1),
    }
    values.update(rules)
    return services.event_create(retailer=store, created_by=None, **values)


def finished_event(store: Retailer, **rules) -> Event:
    now = timezone.now()
    return make_event(
        store, starts_at=now - timedelta(days=8), ends_at=now - timedelta(days=1), **rules
    )


FORM = {
    "name": "Summer long drive",
    "metric": "carry",
    "club": "driver",
    "starts_at": "2026-07-01T09:00",
    "ends_at": "2026-07-08T21:00",
    "attempt_rule": "first_n",
    "attempts": "3",
    "divisions": "Juniors, Seniors",
    "verified_only": "on",
}


def test_the_events_page_groups_upcoming_active_and_finished(client, store, other_store):
    now = timezone.now()
    make_event(store, name="On now")
    make_event(store, name="Next week", starts_at=now + timedelta(7), ends_at=now + timedelta(8))
    finished_event(store, name="Last week")
    make_event(other_store, name="Elsewhere")

    html = client.get(f"/s/{store.slug}/events/").content.decode()

    assert html.index("On now") < html.index("Next week") < html.index("Last week")
    assert "Coming up" in html
    assert "Finished" in html
    assert "Elsewhere" not in html


def test_the_event_page_explains_the_rules_and_shows_the_board(client, store):
    event = make_event(store, attempt_rule=AttemptRule.FIRST_N, attempts=3)
    golfer = UserFactory(display_name="Ann")
    EventEntry.objects.create(event=event, golfer=golfer)
    MeasuredShotFactory(golfer=golfer, retailer=store, hit_at=timezone.now(), carry=251.5)

    html = client.get(f"/s/{store.slug}/events/{event.pk}/").content.decode()

    assert "Only your first 3 shots in the window count" in html
    assert "None of these uses one up" in html
    assert "before entering count too" in html
    assert "Ann" in html
    assert "251.5 yd" in html
    assert "Log in to enter" in html


def test_anonymous_visitors_are_sent_to_log_in_to_enter(client, store):
    event = make_event(store)

    response = client.post(f"/s/{store.slug}/events/{event.pk}/enter/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not EventEntry.objects.exists()


def test_a_golfer_enters_once_and_entering_again_is_harmless(client, store):
    event = make_event(store)
    golfer = UserFactory()
    client.force_login(golfer)
    url = f"/s/{store.slug}/events/{event.pk}/enter/"

    first = client.post(url, follow=True)
    again = client.post(url, follow=True)

    assert "You&#x27;ve entered Longest drive. Good luck!" in first.content.decode()
    assert "You had already entered" in again.content.decode()
    assert EventEntry.objects.filter(event=event, golfer=golfer).count() == 1
    assert client.get(url).status_code == 302  # back from log-in: to the event page


def test_entering_needs_a_division_when_the_event_has_them(client, store):
    event = make_event(store, divisions=["Juniors", "Seniors"])
    client.force_login(UserFactory())
    url = f"/s/{store.slug}/events/{event.pk}/enter/"

    missing = client.post(url)
    unknown = client.post(url, {"division": "Pros"})
    chosen = client.post(url, {"division": "Seniors"})

    assert missing.status_code == 400
    assert "Choose your division: Juniors, Seniors." in missing.content.decode()
    assert unknown.status_code == 400
    assert chosen.status_code == 302
    assert EventEntry.objects.get().division == "Seniors"


def test_a_finished_event_refuses_entries_and_shows_final_results(client, store):
    event = finished_event(store)
    client.force_login(UserFactory())

    refused = client.post(f"/s/{store.slug}/events/{event.pk}/enter/", follow=True)
    html = client.get(f"/s/{store.slug}/events/{event.pk}/").content.decode()

    assert "has finished, so it is closed to new entries" in refused.content.decode()
    assert not EventEntry.objects.exists()
    assert "Final results" in html
    assert "Entries closed" in html
    assert f"/s/{store.slug}/events/{event.pk}/enter/" not in html


def test_the_printable_results_sheet_names_the_winners_per_division(client, store):
    event = finished_event(store, divisions=["Juniors", "Seniors"])
    for name, division, carry in [("Ann", "Juniors", 240), ("Bob", "Seniors", 260)]:
        golfer = UserFactory(display_name=name)
        EventEntry.objects.create(event=event, golfer=golfer, division=division)
        MeasuredShotFactory(
            golfer=golfer, retailer=store, hit_at=event.starts_at + timedelta(1), carry=carry
        )

    response = client.get(f"/s/{store.slug}/events/{event.pk}/results/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Fairway Lab" in html
    assert "Longest drive" in html
    assert "Final results" in html
    # Its print layout is a stylesheet of its own (no inline style under the CSP).
    assert "css/results-sheet" in html
    assert "@media print" in (settings.BASE_DIR / "static/css/results-sheet.css").read_text()
    juniors, seniors = html.index("<h2>Juniors</h2>"), html.index("<h2>Seniors</h2>")
    assert juniors < html.index("Ann", juniors) < seniors < html.index("Bob", seniors)
    assert "Rules" in html


def test_an_open_events_sheet_says_the_standings_are_provisional(client, store):
    event = make_event(store)

    html = client.get(f"/s/{store.slug}/events/{event.pk}/results/").content.decode()

    assert "Provisional standings" in html
    assert "Final results" not in html


def test_an_unknown_store_is_a_404(client, db):
    assert client.get("/s/nowhere/events/").status_code == 404


def test_the_admin_lists_events_and_entries(admin_client, store):
    event = make_event(store)
    EventEntry.objects.create(event=event, golfer=UserFactory())

    assert admin_client.get("/admin/leaderboards/event/").status_code == 200
    assert admin_client.get(f"/admin/leaderboards/event/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/leaderboards/evententry/").status_code == 200


def test_an_anonymous_user_has_no_entry(store):
    from leaderboards.events.selectors import entry_for

    assert entry_for(make_event(store), AnonymousUser()) is None


def test_it_names_the_event_and_division_once_on_entering(client, store):
    event = make_event(store, name="Open", divisions=["Open", "Seniors"])
    client.force_login(UserFactory())

    page = client.post(
        f"/s/{store.slug}/events/{event.pk}/enter/", {"division": "Open"}, follow=True
    ).content.decode()

    assert "You&#x27;ve entered Open, Open division. Good luck!" in page
    assert "in in" not in page
