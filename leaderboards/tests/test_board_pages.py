"""The leaderboard pages: the filterable board, a store's boards and the kiosk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Units
from leaderboards import views
from leaderboards.tests.test_board_selector import consent, golfer, shot, store
from retailers.models import Membership, Role

pytestmark = pytest.mark.django_db

BOARD_URL = reverse("leaderboards:board")
PARTIAL_URL = reverse("leaderboards:board_partial")


@pytest.fixture
def fairway():
    return store("fairway", name="Fairway Lab")


@pytest.fixture
def players(fairway):
    """Four golfers with this week's drives at Fairway Lab, best first."""
    people = []
    for index, carry in enumerate([250.0, 240.0, 230.0, 220.0]):
        person = golfer(f"Player {index + 1}")
        consent(person, fairway)
        shot(person, fairway, carry=carry, ball_speed=160.0 - index, hit_at=timezone.now())
        people.append(person)
    return people


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- /leaderboards/ ------------------------------------------------------------------


def test_the_board_page_lists_golfers_best_first(awkward_moment, client, players):
    page = html(client.get(BOARD_URL, {"store": "fairway"}))

    assert page.index("Player 1") < page.index("Player 2") < page.index("Player 4")
    assert "250.0 yd" in page
    assert "Carry · This week &middot; Fairway Lab" in page
    assert 'hx-get="/leaderboards/board/"' in page
    assert '<a href="/leaderboards/" aria-current="page">Leaderboards</a>' in page


def test_the_filters_pick_the_board(client, players, fairway):
    driver_only = golfer("Seven Iron Sam")
    consent(driver_only, fairway)
    shot(driver_only, fairway, club="7i", carry=170.0, ball_speed=175.0, hit_at=timezone.now())

    page = html(
        client.get(
            BOARD_URL, {"store": "fairway", "club": "7i", "metric": "ball_speed", "period": "month"}
        )
    )

    assert "Seven Iron Sam" in page
    assert "Player 1" not in page
    assert "Ball speed · 7-iron · This month" in page
    assert '<option value="7i" selected>' in page
    assert '<option value="month" selected>' in page


def test_all_stores_is_the_default_board(client, players):
    page = html(client.get(BOARD_URL))

    assert "Carry · This week &middot; all stores" in page
    assert "Player 1" in page


def test_a_bad_filter_value_falls_back_to_the_default_and_says_so(client, players):
    page = html(client.get(BOARD_URL, {"store": "fairway", "metric": "spin", "period": "ever"}))

    assert "Carry · This week" in page
    assert "Select a valid choice" in page
    assert 'aria-invalid="true"' in page


def test_the_partial_is_the_board_alone_and_pushes_the_page_url(client, players):
    response = client.get(PARTIAL_URL, {"store": "fairway", "metric": "ball_speed", "club": ""})

    body = html(response)
    assert "<html" not in body
    assert "Ball speed · This week" in body
    assert response["HX-Push-Url"] == "/leaderboards/?store=fairway&metric=ball_speed&period=week"


def test_the_viewers_own_row_is_highlighted(client, players):
    client.force_login(players[1])

    page = html(client.get(BOARD_URL, {"store": "fairway"}))

    shot_id = players[1].shots.get().pk
    assert f'data-me-shot="{shot_id}"' in page  # static/js/board.js marks that row
    assert "Your rank: <strong>#2</strong> with 240.0 yd (Driver), highlighted below." in page


def test_the_viewers_rank_shows_when_outside_the_top_n(client, players, monkeypatch):
    monkeypatch.setattr(views, "DEFAULT_LIMIT", 2)
    client.force_login(players[3])

    page = html(client.get(BOARD_URL, {"store": "fairway"}))

    assert "Player 4" not in page.split("Your rank")[1]  # not in the table
    assert "Your rank: <strong>#4</strong> with 220.0 yd (Driver)." in page
    assert "data-shot=" in page
    assert "data-me-shot" not in page


def test_a_golfer_who_has_not_consented_sees_no_rank(client, players, fairway):
    shy = golfer("Shy")
    consent(shy, fairway, agreed=False)
    shot(shy, fairway, carry=300.0, hit_at=timezone.now())
    client.force_login(shy)

    page = html(client.get(BOARD_URL, {"store": "fairway"}))

    assert "Your rank" not in page
    assert "Shy" not in page


def test_values_are_shown_in_the_viewers_units(client, players):
    players[0].units = Units.METRIC
    players[0].save()
    client.force_login(players[0])

    page = html(client.get(BOARD_URL, {"store": "fairway"}))

    assert "228.6 m" in page  # 250 yd
    assert "250.0 yd" not in page


def test_a_visitor_sees_a_metric_stores_board_in_metres(client, players, fairway):
    fairway.units = Units.METRIC
    fairway.save()

    page = html(client.get(BOARD_URL, {"store": "fairway"}))

    assert "228.6 m" in page


def test_board_names_are_escaped(client, fairway):
    mischief = golfer("<script>alert(1)</script>")
    consent(mischief, fairway)
    shot(mischief, fairway, hit_at=timezone.now())

    page = html(client.get(BOARD_URL, {"store": "fairway"}))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- /s/<store>/ ---------------------------------------------------------------------


def test_the_store_page_shows_its_current_boards(client, players):
    page = html(client.get(reverse("leaderboards:store", args=["fairway"])))

    assert "<h1>Fairway Lab</h1>" in page
    for title in ("Carry · This week", "Ball speed · This week", "Carry · Driver · This month"):
        assert title in page
    assert "/leaderboards/?store=fairway&amp;club=driver&amp;metric=carry&amp;period=month" in page


def test_an_unknown_store_is_a_404(client):
    assert client.get(reverse("leaderboards:store", args=["nowhere"])).status_code == 404
    assert client.get(reverse("leaderboards:kiosk", args=["nowhere"])).status_code == 404


# --- Kiosk -----------------------------------------------------------------------------


def staff_of(retailer, role=Role.STAFF):
    person = golfer(f"{retailer.slug} {role}")
    Membership.objects.create(user=person, retailer=retailer, role=role)
    return person


def test_a_private_kiosk_is_a_404_for_visitors_golfers_and_other_stores_staff(client, fairway):
    other = store("hudson")
    kiosk_url = reverse("leaderboards:kiosk", args=["fairway"])
    slide_url = reverse("leaderboards:kiosk_slide", args=["fairway"])

    assert client.get(kiosk_url).status_code == 404
    assert client.get(slide_url).status_code == 404
    for outsider in (golfer("Customer"), staff_of(other)):
        client.force_login(outsider)
        assert client.get(kiosk_url).status_code == 404
        assert client.get(slide_url).status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.OWNER])
def test_a_private_kiosk_opens_for_the_stores_staff(client, fairway, players, role):
    client.force_login(staff_of(fairway, role))

    page = html(client.get(reverse("leaderboards:kiosk", args=["fairway"])))

    assert "Player 1" in page


def test_a_public_kiosk_opens_for_anyone(client, fairway, players):
    fairway.kiosk_public = True
    fairway.save()

    page = html(client.get(reverse("leaderboards:kiosk", args=["fairway"])))

    assert "<h1>Fairway Lab</h1>" in page
    assert "Carry · This week" in page
    assert "Player 1" in page
    assert 'hx-get="/s/fairway/kiosk/slide/?slide=1"' in page
    assert 'hx-trigger="every 15s"' in page
    assert "site-header" not in page  # full screen: no site navigation


def test_kiosk_slides_rotate_through_the_stores_boards_and_wrap(client, fairway, players):
    fairway.kiosk_public = True
    fairway.save()
    slide_url = reverse("leaderboards:kiosk_slide", args=["fairway"])

    second = html(client.get(slide_url, {"slide": 1}))
    third = html(client.get(slide_url, {"slide": 2}))
    wrapped = html(client.get(slide_url, {"slide": 3}))

    assert "Ball speed · This week" in second
    assert 'hx-get="/s/fairway/kiosk/slide/?slide=2"' in second
    assert "Carry · Driver · This month" in third
    assert "slide=0" in third
    assert "Carry · This week" in wrapped
    assert "<html" not in second
    assert "160.0 mph" in second


def test_a_kiosk_uses_the_stores_units_whoever_looks(client, fairway, players):
    fairway.kiosk_public = True
    fairway.units = Units.METRIC
    fairway.save()

    page = html(client.get(reverse("leaderboards:kiosk", args=["fairway"])))

    assert "228.6 m" in page


def test_a_nonsense_slide_number_shows_the_first_slide(client, fairway, players):
    fairway.kiosk_public = True
    fairway.save()

    page = html(client.get(reverse("leaderboards:kiosk_slide", args=["fairway"]), {"slide": "-9x"}))

    assert "Carry · This week" in page


def test_the_kiosk_adds_a_slide_for_each_running_event(awkward_moment, client, fairway, players):
    from leaderboards.models import Event, EventEntry

    fairway.kiosk_public = True
    fairway.save()
    now = timezone.now()
    event = Event.objects.create(
        retailer=fairway,
        name="Long Drive Friday",
        metric="carry",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    EventEntry.objects.create(event=event, golfer=players[2])
    slide_url = reverse("leaderboards:kiosk_slide", args=["fairway"])

    event_slide = html(client.get(slide_url, {"slide": 3}))

    assert "Long Drive Friday" in event_slide
    assert "Player 3" in event_slide
    assert "230.0 yd" in event_slide
    assert "4 / 4" in event_slide
    assert 'hx-get="/s/fairway/kiosk/slide/?slide=0"' in event_slide
