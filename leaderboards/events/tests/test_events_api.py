"""The events API: /api/v1/events/ (public list and detail) and entering (authenticated)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from drf_spectacular.drainage import reset_generator_stats

from accounts.tests.factories import UserFactory
from leaderboards.events import services
from leaderboards.models import AttemptRule, Event, EventEntry
from retailers.models import Retailer
from shots.models import Club
from shots.tests.factories import MeasuredShotFactory

EVENT_KEYS = {
    "id",
    "retailer",
    "retailer_name",
    "name",
    "metric",
    "club",
    "starts_at",
    "ends_at",
    "state",
    "attempt_rule",
    "attempts",
    "divisions",
    "verified_only",
    "entrant_count",
    "url",
}


@pytest.fixture
def golfer(db):
    return UserFactory(display_name="Ann")


def make_event(store: Retailer, *, days_from_now: int = 0, **rules) -> Event:
    now = timezone.now() + timedelta(days=days_from_now)
    values: dict[str, Any] = {
        "name": "Longest drive",
        "metric": "carry",
        "club": Club.DRIVER,
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=1),
    }
    values.update(rules)
    return services.event_create(retailer=store, created_by=None, **values)


def enter_url(event: Event) -> str:
    return f"/api/v1/events/{event.pk}/enter/"


def test_anyone_lists_a_stores_events(client, store, other_store):
    active = make_event(store, name="Now")
    finished = make_event(store, name="Past", days_from_now=-10)
    make_event(other_store, name="Elsewhere")

    response = client.get("/api/v1/events/", {"retailer": "fairway"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [event["name"] for event in results] == ["Now", "Past"]
    assert set(results[0]) == EVENT_KEYS
    assert results[0]["state"] == "active"
    assert results[0]["retailer"] == "fairway"
    assert results[0]["url"].endswith(f"/s/fairway/events/{active.pk}/")
    only_finished = client.get("/api/v1/events/", {"retailer": "fairway", "state": "finished"})
    assert [event["id"] for event in only_finished.json()["results"]] == [finished.pk]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"retailer": "nowhere"}, "retailer", 'Unknown store "nowhere".'),
        ({"state": "soon"}, "state", '"soon" is not a valid choice.'),
    ],
)
def test_a_bad_list_filter_is_a_400(client, store, query, field, message):
    response = client.get("/api/v1/events/", query)

    assert response.status_code == 400
    assert response.json()[field] == [message]


def test_anyone_reads_an_event_with_its_boards(client, store, golfer):
    event = make_event(
        store, attempt_rule=AttemptRule.FIRST_N, attempts=2, divisions=["Juniors", "Seniors"]
    )
    EventEntry.objects.create(event=event, golfer=golfer, division="Juniors")
    shot = MeasuredShotFactory(golfer=golfer, retailer=store, carry=251.5, hit_at=timezone.now())

    response = client.get(f"/api/v1/events/{event.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == EVENT_KEYS | {"rules", "boards", "entry"}
    assert (body["attempt_rule"], body["attempts"], body["entrant_count"]) == ("first_n", 2, 1)
    assert [board["division"] for board in body["boards"]] == ["", "Juniors", "Seniors"]
    assert body["boards"][0]["results"] == [
        {
            "rank": 1,
            "golfer": "Ann",
            "value": 251.5,
            "club": "driver",
            "shot_id": shot.pk,
            "hit_at": shot.hit_at.isoformat().replace("+00:00", "Z"),
            "division": "Juniors",
            "trust": "measured",
        }
    ]
    assert body["boards"][2]["results"] == []
    assert body["entry"] is None
    assert any("first 2 shots" in rule for rule in body["rules"])


def test_the_detail_shows_the_requesting_golfers_entry(api, store, golfer):
    event = make_event(store)
    EventEntry.objects.create(event=event, golfer=golfer)

    entry = api.get(f"/api/v1/events/{event.pk}/").json()["entry"]

    assert entry["event"] == event.pk
    assert entry["division"] == ""


def test_an_unknown_event_is_a_404(client, db):
    assert client.get("/api/v1/events/999999/").status_code == 404


def test_entering_needs_an_account(client, store):
    event = make_event(store)

    response = client.post(enter_url(event), {}, content_type="application/json")

    assert response.status_code == 401
    assert not EventEntry.objects.exists()


def test_entering_answers_201_then_200(api, store, golfer):
    event = make_event(store)

    first = api.post(enter_url(event), {}, format="json")
    again = api.post(enter_url(event), {}, format="json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert set(first.json()) == {"event", "division", "entered_at"}
    assert EventEntry.objects.filter(golfer=golfer).count() == 1


def test_entering_with_a_bad_division_lists_the_allowed_ones(api, store):
    event = make_event(store, divisions=["Juniors", "Seniors"])

    for body in ({}, {"division": "Pros"}):
        response = api.post(enter_url(event), body, format="json")
        assert response.status_code == 400
        assert response.json()["allowed_divisions"] == ["Juniors", "Seniors"]
        assert "Juniors, Seniors" in response.json()["division"][0]
    assert not EventEntry.objects.exists()

    chosen = api.post(enter_url(event), {"division": "juniors"}, format="json")
    assert chosen.status_code == 201
    assert chosen.json()["division"] == "Juniors"


def test_entering_a_finished_event_is_a_409(api, store):
    event = make_event(store, days_from_now=-10)

    response = api.post(enter_url(event), {}, format="json")

    assert response.status_code == 409
    assert "has finished" in response.json()["detail"]
    assert not EventEntry.objects.exists()


def test_the_schema_documents_the_events_api_without_warnings(tmp_path):
    reset_generator_stats()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/events/{id}/enter/:" in schema
    assert "EventDetail:" in schema
