"""Each board says which time zone its times are in, so two pages never seem to disagree."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_says_the_store_zone_under_a_store_board(client, store):
    store.timezone = "America/New_York"
    store.save()

    html = client.get(f"/leaderboards/?store={store.slug}").content.decode()

    assert "Times in New York time (E" in html  # EST or EDT, by the date


def test_it_says_utc_under_the_all_stores_board(client, settings):
    settings.TIME_ZONE = "UTC"

    html = client.get("/leaderboards/").content.decode()

    assert "Times in UTC." in html


def test_event_pages_name_the_stores_zone_in_words(client, store):
    store.timezone = "America/New_York"
    store.save()

    html = client.get(f"/s/{store.slug}/events/").content.decode()

    assert "New York time (E" in html
    assert "America/New_York" not in html


def test_a_golfers_shot_list_says_its_times_are_in_the_golfers_zone(client, golfer):
    golfer.timezone = "Europe/Berlin"
    golfer.save()
    client.force_login(golfer)

    html = client.get("/shots/").content.decode()

    assert "Times in Berlin time (CE" in html
