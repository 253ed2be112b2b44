"""The store console's event pages: tenancy first, then creating and editing events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.tests.factories import UserFactory

# Members, events and the event form are shared with the golfers' event pages.
from leaderboards.events.tests.test_events_pages import FORM, make_event, member
from leaderboards.models import AttemptRule, Event, EventEntry
from retailers.models import Retailer, Role


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def store(db) -> Retailer:
    # London, so a form's local times and the stored UTC ones differ.
    return Retailer.objects.create(name="Fairway Lab", slug="fairway", timezone="Europe/London")


# --- Console tenancy ------------------------------------------------------------


def console_urls(store: Retailer, event: Event) -> list[str]:
    return [
        f"/console/{store.slug}/events/",
        f"/console/{store.slug}/events/new/",
        f"/console/{store.slug}/events/{event.pk}/edit/",
    ]


@pytest.mark.parametrize("role", [Role.OWNER, Role.STAFF])
def test_owners_and_staff_reach_every_console_page(client, store, role):
    event = make_event(store)
    client.force_login(member(store, role))

    for url in console_urls(store, event):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["other-store-staff", "golfer"])
def test_everyone_else_gets_a_404_from_every_console_page(client, store, other_store, who):
    event = make_event(store)
    if who == "other-store-staff":
        client.force_login(member(other_store, Role.OWNER))
    else:
        client.force_login(UserFactory())

    for url in console_urls(store, event):
        assert client.get(url).status_code == 404, url
        assert client.post(url, FORM).status_code == 404, url
    assert Event.objects.count() == 1
    assert Event.objects.get().name == "Longest drive"


def test_anonymous_visitors_are_sent_to_log_in_like_everywhere_in_the_console(client, store):
    event = make_event(store)

    for url in console_urls(store, event):
        for response in (client.get(url), client.post(url, FORM)):
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/"), url
    assert Event.objects.count() == 1
    assert Event.objects.get().name == "Longest drive"


def test_another_stores_event_is_a_404_under_your_own_stores_slug(client, store, other_store):
    theirs = make_event(other_store)
    client.force_login(member(store))

    assert client.get(f"/console/{store.slug}/events/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/console/{store.slug}/events/{theirs.pk}/edit/", FORM).status_code == 404
    for suffix in ("", "results/"):
        assert client.get(f"/s/{store.slug}/events/{theirs.pk}/{suffix}").status_code == 404
    assert client.post(f"/s/{store.slug}/events/{theirs.pk}/enter/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Longest drive"
    assert not EventEntry.objects.exists()


def test_the_console_list_shows_only_this_stores_events(client, store, other_store):
    make_event(store, name="Ours")
    make_event(other_store, name="Theirs")
    client.force_login(member(store))

    html = client.get(f"/console/{store.slug}/events/").content.decode()

    assert "Ours" in html
    assert "Theirs" not in html


# --- Console writes -------------------------------------------------------------


def test_staff_create_an_event_in_the_stores_time_zone(client, store):
    staff = member(store)
    client.force_login(staff)

    response = client.post(f"/console/{store.slug}/events/new/", FORM)

    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.retailer, event.created_by, event.name) == (store, staff, "Summer long drive")
    # 09:00 in London in July is 08:00 UTC.
    assert event.starts_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 7, 8, 20, 0, tzinfo=UTC)
    assert (event.attempt_rule, event.attempts) == (AttemptRule.FIRST_N, 3)
    assert event.divisions == ["Juniors", "Seniors"]
    assert event.verified_only is True


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ends_at": "2026-07-01T09:00"}, "ends_at", "The event must end after it starts."),
        ({"attempts": ""}, "attempts", "Say how many shots each golfer gets"),
        ({"attempts": "51"}, "attempts", "less than or equal to 50"),
        ({"metric": "spin_rate"}, "metric", "not one of the available choices"),
    ],
)
def test_the_event_form_says_what_is_wrong(client, store, change, field, message):
    client.force_login(member(store))

    response = client.post(f"/console/{store.slug}/events/new/", {**FORM, **change})

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Event.objects.exists()


def test_staff_edit_an_event_and_cannot_drop_an_entered_division(client, store):
    event = make_event(store, divisions=["Juniors", "Seniors"])
    EventEntry.objects.create(event=event, golfer=UserFactory(), division="Juniors")
    client.force_login(member(store, Role.OWNER))
    url = f"/console/{store.slug}/events/{event.pk}/edit/"

    refused = client.post(url, {**FORM, "divisions": "Seniors"})
    saved = client.post(url, {**FORM, "divisions": "Juniors, Seniors, Ladies"})

    assert refused.status_code == 400
    assert "Golfers have entered Juniors" in refused.content.decode()
    assert saved.status_code == 302
    event.refresh_from_db()
    assert event.name == "Summer long drive"
    assert event.divisions == ["Juniors", "Seniors", "Ladies"]


def test_the_edit_form_shows_times_in_the_stores_time_zone(client, store):
    event = make_event(
        store,
        starts_at=datetime(2026, 7, 1, 8, 0, tzinfo=UTC),
        ends_at=datetime(2026, 7, 2, 8, 0, tzinfo=UTC),
    )
    client.force_login(member(store))

    html = client.get(f"/console/{store.slug}/events/{event.pk}/edit/").content.decode()

    assert 'value="2026-07-01T09:00"' in html


# --- Golfers' pages -------------------------------------------------------------
