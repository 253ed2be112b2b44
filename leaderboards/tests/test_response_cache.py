"""Whole pages for visitors who are not logged in (golfshots/response_cache.py).

A visitor's repeat request is answered from one cache entry with no render
and no query, a matching If-None-Match is a 304, and a new record, a store's
midnight or an event starting is on the next request.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from golfshots.cache_scopes import board_versions_bump, boards_version_key
from golfshots.response_cache import PublicPage
from leaderboards import views
from leaderboards.models import Event, EventEntry
from leaderboards.tests.test_board_selector import consent, golfer, shot, store

pytestmark = pytest.mark.django_db

BOARD_URL = reverse("leaderboards:board")
PARTIAL_URL = reverse("leaderboards:board_partial")
STORE_URL = reverse("leaderboards:store", args=["fairway"])
KIOSK_URL = reverse("leaderboards:kiosk", args=["fairway"])
SLIDE_URL = reverse("leaderboards:kiosk_slide", args=["fairway"])
API_URL = reverse("api-leaderboards")
PAGES = [
    (BOARD_URL, {"store": "fairway"}),
    (PARTIAL_URL, {"store": "fairway", "metric": "ball_speed"}),
    (STORE_URL, {}),
    (KIOSK_URL, {}),
    (SLIDE_URL, {"slide": "1"}),
    (API_URL, {"retailer": "fairway"}),
]
# Headers the middleware adds to every page: a cached one must carry them too.
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


@pytest.fixture
def fairway():
    return store("fairway", name="Fairway Lab", kiosk_public=True, timezone="UTC")


@pytest.fixture
def ann(fairway):
    person = golfer("Ann Able")
    consent(person, fairway)
    shot(person, fairway, carry=230.0, ball_speed=150.0, hit_at=timezone.now())
    return person


@pytest.fixture
def renders(monkeypatch):
    """How many times the leaderboard views rendered a page."""
    count = []
    real_render = views.render

    def counted_render(*args, **kwargs):
        count.append(args[1])
        return real_render(*args, **kwargs)

    monkeypatch.setattr(views, "render", counted_render)
    return count


def record(person, where, carry: float) -> None:
    """A new record written and its board bumped, as the services do on commit."""
    shot(person, where, carry=carry, ball_speed=170.0, hit_at=timezone.now())
    board_versions_bump(retailer_ids=[where.pk])


# --- Served whole --------------------------------------------------------------------


@pytest.mark.parametrize(("url", "params"), PAGES)
def test_a_visitors_repeat_request_costs_no_render_and_no_query(
    client, ann, renders, django_assert_num_queries, url, params
):
    first = client.get(url, params, secure=True)
    assert first.status_code == 200
    rendered = len(renders)

    with django_assert_num_queries(0):
        again = client.get(url, params, secure=True)

    assert len(renders) == rendered
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["ETag"] == first["ETag"]


@pytest.mark.parametrize(("url", "params"), PAGES)
def test_a_cached_page_carries_the_security_headers_of_a_rendered_one(client, ann, url, params):
    first = client.get(url, params, secure=True)
    again = client.get(url, params, secure=True)

    for header in SECURITY_HEADERS:
        if header in first:
            assert again[header] == first[header], header
    assert "Content-Security-Policy" in again
    assert "Strict-Transport-Security" in again or "Strict-Transport-Security" not in first
    assert again["Cache-Control"] == "no-cache"
    assert "Cookie" in again["Vary"]
    assert not again.cookies


def test_the_partial_keeps_its_push_url_when_cached(client, ann):
    params = {"store": "fairway", "metric": "ball_speed", "club": ""}
    client.get(PARTIAL_URL, params)

    again = client.get(PARTIAL_URL, params)

    assert again["HX-Push-Url"] == "/leaderboards/?store=fairway&metric=ball_speed&period=week"


def test_parameters_the_board_does_not_read_share_its_entry(client, ann, renders):
    client.get(BOARD_URL, {"store": "fairway"})

    client.get(BOARD_URL, {"store": "fairway", "utm_source": "flyer"})

    assert len(renders) == 1


def test_each_filter_has_its_own_entry(client, ann):
    carry = client.get(BOARD_URL, {"store": "fairway"}).content.decode()
    speed = client.get(BOARD_URL, {"store": "fairway", "metric": "ball_speed"}).content.decode()

    assert "Carry · This week" in carry
    assert "Ball speed · This week" in speed
    assert "Ball speed · This week" not in carry


def test_a_nonsense_filter_is_not_stored(client, ann, renders):
    for _ in range(2):
        page = client.get(BOARD_URL, {"store": "fairway", "metric": "spin"})
        assert "Select a valid choice" in page.content.decode()

    assert len(renders) == 2


# --- ETag and 304 --------------------------------------------------------------------


@pytest.mark.parametrize(("url", "params"), PAGES)
def test_an_unchanged_page_is_a_304(client, ann, renders, url, params):
    etag = client.get(url, params)["ETag"]
    rendered = len(renders)

    response = client.get(url, params, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert len(renders) == rendered


def test_an_unchanged_kiosk_poll_after_its_entry_expired_is_a_304_too(client, ann, renders):
    etag = client.get(SLIDE_URL, {"slide": "1"})["ETag"]
    caches["default"].clear()  # the entry is gone (evicted or timed out)

    response = client.get(SLIDE_URL, {"slide": "1"}, HTTP_IF_NONE_MATCH=f"W/{etag}")

    assert response.status_code == 304  # rendered again, to the same bytes


def test_a_new_record_is_on_the_next_request_and_changes_the_etag(client, fairway, ann):
    first = client.get(SLIDE_URL, {"slide": "0"})
    assert "Bob Bold" not in first.content.decode()
    bob = golfer("Bob Bold")
    consent(bob, fairway)

    record(bob, fairway, 260.0)
    response = client.get(SLIDE_URL, {"slide": "0"}, HTTP_IF_NONE_MATCH=first["ETag"])

    assert response.status_code == 200
    assert "Bob Bold" in response.content.decode()
    assert response["ETag"] != first["ETag"]


def test_a_new_record_shows_on_every_cached_page_at_once(client, fairway, ann):
    for url, params in PAGES:
        client.get(url, params)
    bob = golfer("Bob Bold")
    consent(bob, fairway)

    record(bob, fairway, 260.0)

    for url, params in PAGES:
        assert "Bob Bold" in client.get(url, params).content.decode(), url


def test_another_stores_record_leaves_this_stores_page_cached(client, fairway, ann, renders):
    hudson = store("hudson")
    client.get(STORE_URL)

    board_versions_bump(retailer_ids=[hudson.pk])
    client.get(STORE_URL)

    assert len(renders) == 1


# --- Who is served from it -----------------------------------------------------------


def test_a_logged_in_golfer_gets_their_own_page_not_the_visitors(client, ann):
    client.get(BOARD_URL, {"store": "fairway"})
    client.force_login(ann)

    response = client.get(BOARD_URL, {"store": "fairway"})

    page = response.content.decode()
    assert "Your rank: <strong>#1</strong>" in page
    assert "Log out" in page
    assert "ETag" not in response


def test_a_logged_in_golfers_page_is_never_stored_for_visitors(client, ann):
    client.force_login(ann)
    assert "Log out" in client.get(STORE_URL).content.decode()
    client.logout()

    page = client.get(STORE_URL).content.decode()

    assert "Log out" not in page
    assert "Log in" in page


@pytest.mark.parametrize("cookie", ["sessionid", "messages"])
def test_a_visitor_with_a_session_or_messages_is_rendered_for(client, ann, renders, cookie):
    client.get(STORE_URL)
    client.cookies[cookie] = "not-a-valid-one"

    response = client.get(STORE_URL)

    assert response.status_code == 200
    assert len(renders) == 2
    assert "ETag" not in response


def request_for(path: str = "/s/fairway/"):
    request = RequestFactory().get(path)
    request.COOKIES = {}
    return request


def test_a_page_that_used_the_csrf_token_is_not_stored(fairway):
    request = request_for()
    page = PublicPage(request, key="test:csrf")
    page.depends_on([boards_version_key(fairway.pk)])
    get_token(request)  # the page had a form

    page.store(HttpResponse("<form>"), valid_until=timezone.now() + timedelta(minutes=1))

    assert PublicPage(request_for(), key="test:csrf").cached_response() is None


def test_a_response_that_sets_a_cookie_is_not_stored(fairway):
    page = PublicPage(request_for(), key="test:cookie")
    page.depends_on([boards_version_key(fairway.pk)])
    response = HttpResponse("hello")
    response.set_cookie("seen", "1")

    page.store(response, valid_until=timezone.now() + timedelta(minutes=1))

    assert PublicPage(request_for(), key="test:cookie").cached_response() is None


def test_a_stored_response_is_served_until_its_moment(fairway):
    until = timezone.now() + timedelta(minutes=1)
    page = PublicPage(request_for(), key="test:until")
    page.depends_on([boards_version_key(fairway.pk)])
    page.store(HttpResponse("hello", content_type="text/plain"), valid_until=until)

    hit = PublicPage(request_for(), key="test:until").cached_response()
    assert hit is not None
    assert hit.content == b"hello"
    assert hit["Content-Type"] == "text/plain"
    with time_machine.travel(until + timedelta(seconds=1)):
        assert PublicPage(request_for(), key="test:until").cached_response() is None


# --- Time: midnight and events -------------------------------------------------------

NOON = datetime(2027, 2, 10, 12, 0, tzinfo=UTC)  # a Wednesday


def test_a_today_board_rolls_over_at_the_stores_midnight(client, fairway):
    night_owl = golfer("Night Owl")
    consent(night_owl, fairway)
    # 40 s apart: the page cache's minute alone would still serve the evening's page.
    with time_machine.travel(NOON.replace(hour=23, minute=59, second=30), tick=False):
        shot(night_owl, fairway, carry=240.0, hit_at=timezone.now())
        board_versions_bump(retailer_ids=[fairway.pk])
        today = client.get(BOARD_URL, {"store": "fairway", "period": "today"}).content.decode()
        assert "Night Owl" in today

    with time_machine.travel(NOON.replace(day=11, hour=0, minute=0, second=10), tick=False):
        tomorrow = client.get(BOARD_URL, {"store": "fairway", "period": "today"})

    assert "Night Owl" not in tomorrow.content.decode()


def test_an_event_shows_on_the_kiosk_when_it_starts(client, fairway, ann):
    with time_machine.travel(NOON, tick=False):
        event = Event.objects.create(
            retailer=fairway,
            name="Long Drive Friday",
            metric="carry",
            starts_at=NOON + timedelta(seconds=20),
            ends_at=NOON + timedelta(hours=2),
        )
        EventEntry.objects.create(event=event, golfer=ann)
        before = client.get(SLIDE_URL, {"slide": "2"}).content.decode()
        assert "3 / 3" in before

    with time_machine.travel(NOON + timedelta(seconds=21), tick=False):
        after = client.get(SLIDE_URL, {"slide": "2"}).content.decode()

    assert "3 / 4" in after


def test_an_event_leaves_the_store_page_when_it_ends(client, fairway, ann):
    with time_machine.travel(NOON, tick=False):
        Event.objects.create(
            retailer=fairway,
            name="Lunchtime Long Drive",
            metric="carry",
            starts_at=NOON - timedelta(hours=1),
            ends_at=NOON + timedelta(seconds=20),
        )
        assert "Lunchtime Long Drive" in client.get(STORE_URL).content.decode()

    with time_machine.travel(NOON + timedelta(seconds=21), tick=False):
        after = client.get(STORE_URL).content.decode()

    assert "Lunchtime Long Drive" not in after


# --- Redis down ----------------------------------------------------------------------


@pytest.fixture
def unreachable_cache(settings):
    # A real outage: nothing listens on port 1.
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    }


@pytest.mark.parametrize(("url", "params"), PAGES)
def test_pages_are_rendered_while_redis_is_down(client, ann, unreachable_cache, url, params):
    for _ in range(2):
        response = client.get(url, params)
        assert response.status_code == 200
        assert "Ann Able" in response.content.decode()
