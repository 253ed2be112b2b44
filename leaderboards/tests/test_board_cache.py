"""Cached boards: fresh on the next request after a write, cheap on repeat, fail-open."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache, caches
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django_redis import get_redis_connection

from accounts.models import User
from golfshots.cache_scopes import ALL_STORES_BOARDS_VERSION_KEY, board_versions_bump
from leaderboards.cache import scope_version
from leaderboards.tests.test_board_selector import NEW_YORK, consent, golfer, shot, store
from shots import services
from shots.analysis.base import AnalysisOutput
from shots.models import ShotSource, ShotStatus

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
API_URL = "/api/v1/leaderboards/"
BOARD_URL = "/leaderboards/"


@pytest.fixture
def fairway():
    return store("fairway")


@pytest.fixture
def ann(fairway):
    person = golfer("Ann Able")
    consent(person, fairway)
    shot(person, fairway, carry=230.0, hit_at=timezone.now())
    return person


@pytest.fixture
def bob(fairway):
    person = golfer("Bob Bold")
    consent(person, fairway)
    return person


def api_names(client, **params) -> list[str]:
    response = client.get(API_URL, {"retailer": "fairway", **params})
    assert response.status_code == 200
    return [row["golfer"] for row in response.json()["results"]]


def page_text(client, url: str = f"{BOARD_URL}?store=fairway") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Freshness ---------------------------------------------------------------------


def test_a_new_record_shows_on_the_next_request(
    client, fairway, ann, bob, django_capture_on_commit_callbacks
):
    assert api_names(client) == ["Ann Able"]
    assert "Bob Bold" not in page_text(client)

    with django_capture_on_commit_callbacks(execute=True):
        services.shot_create_manual(
            golfer=bob,
            club="driver",
            metrics={"carry": 251.0},
            retailer=fairway,
            source=ShotSource.CSV,  # imported from the bay: measured, so it ranks
        )

    assert api_names(client) == ["Bob Bold", "Ann Able"]
    assert "Bob Bold" in page_text(client)
    assert "Bob Bold" in page_text(client, reverse("leaderboards:store", args=["fairway"]))
    assert api_names(client, retailer="") == ["Bob Bold", "Ann Able"]  # all stores


def test_repeat_views_come_from_the_cache_until_a_bump(client, fairway, ann, bob):
    assert api_names(client) == ["Ann Able"]
    # Written behind the services' back: nothing bumps, so the cache answers.
    shot(bob, fairway, carry=251.0, hit_at=timezone.now())

    assert api_names(client) == ["Ann Able"]
    board_versions_bump(retailer_ids=[fairway.pk])
    assert api_names(client) == ["Bob Bold", "Ann Able"]


def test_a_corrected_misread_leaves_the_board_at_once(
    client, fairway, ann, bob, django_capture_on_commit_callbacks
):
    misread = shot(bob, fairway, carry=390.0, hit_at=timezone.now())
    board_versions_bump(retailer_ids=[fairway.pk])
    assert api_names(client) == ["Bob Bold", "Ann Able"]

    with django_capture_on_commit_callbacks(execute=True):
        services.shot_update(shot=misread, club="driver", metrics={"carry": 210.0})

    # Changed by hand from what was measured: typed now, so off the board.
    assert api_names(client) == ["Ann Able"]


def test_a_deleted_shot_leaves_the_board_at_once(
    client, fairway, ann, django_capture_on_commit_callbacks
):
    record = ann.shots.get()
    assert api_names(client) == ["Ann Able"]

    with django_capture_on_commit_callbacks(execute=True):
        services.shot_delete(shot=record)

    assert api_names(client) == []


def test_a_confirmed_shot_joins_the_board_at_once(
    client, fairway, ann, bob, django_capture_on_commit_callbacks
):
    in_review = shot(
        bob, fairway, carry=260.0, status=ShotStatus.NEEDS_REVIEW, hit_at=timezone.now()
    )
    assert api_names(client) == ["Ann Able"]

    with django_capture_on_commit_callbacks(execute=True):
        services.shot_confirm(shot=in_review)

    assert api_names(client) == ["Bob Bold", "Ann Able"]


class ReadsADrive:
    name = "fake"

    def analyse(self, image: bytes) -> AnalysisOutput:
        return AnalysisOutput(
            values={"ball_speed": 150.0, "club_speed": 103.0, "carry": 262.0}, club="driver"
        )


def test_an_analysed_photo_joins_the_board_at_once(
    client, fairway, ann, bob, django_capture_on_commit_callbacks
):
    photo = shot(
        bob, fairway, status=ShotStatus.QUEUED, carry=None, ball_speed=None, hit_at=timezone.now()
    )
    photo.image.save("screen.jpg", ContentFile(b"not really a jpeg"), save=True)
    assert api_names(client) == ["Ann Able"]

    with django_capture_on_commit_callbacks(execute=True):
        run = services.shot_analyze(shot_id=photo.pk, analyser=ReadsADrive())

    assert run.outcome == "analyzed"
    assert api_names(client) == ["Bob Bold", "Ann Able"]


def test_moving_a_shot_to_another_store_in_the_admin_refreshes_both_stores(
    client, fairway, ann, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    hudson = store("hudson")
    moved = ann.shots.get()
    before = {scope: scope_version(scope) for scope in (fairway, hudson, None)}
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    url = reverse("admin:shots_shot_change", args=[moved.pk])
    initial = client.get(url).context["adminform"].form.initial
    skipped = {"image", "verified_by", "metric_flags", "has_rejected_values", "is_excluded"}
    form = {
        name: "" if value is None else value
        for name, value in initial.items()
        if name not in skipped
    }
    form.update(
        {
            "golfer": ann.pk,
            "retailer": hudson.pk,
            "hit_at_0": timezone.localtime(moved.hit_at).strftime("%Y-%m-%d"),
            "hit_at_1": timezone.localtime(moved.hit_at).strftime("%H:%M:%S"),
            "verified_at_0": "",
            "verified_at_1": "",
            "metric_flags": "{}",
        }
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    after = {scope: scope_version(scope) for scope in (fairway, hudson, None)}
    assert all(after[scope] == before[scope] + 1 for scope in before)


# --- Versions ----------------------------------------------------------------------


def test_a_bump_moves_the_store_and_all_stores_versions_only(fairway):
    hudson = store("hudson")
    before = {scope: scope_version(scope) for scope in (fairway, hudson, None)}

    board_versions_bump(retailer_ids=[fairway.pk, fairway.pk, None])

    assert scope_version(fairway) == before[fairway] + 1
    assert scope_version(None) == before[None] + 1
    assert scope_version(hudson) == before[hudson]


def test_home_practice_bumps_nothing(fairway):
    before = (scope_version(fairway), scope_version(None))

    board_versions_bump(retailer_ids=[None])

    assert (scope_version(fairway), scope_version(None)) == before


def test_an_evicted_version_restarts_above_every_old_one(fairway):
    board_versions_bump(retailer_ids=[fairway.pk])
    old = scope_version(fairway)
    cache.delete(f"lb:v:{fairway.pk}")
    cache.delete(ALL_STORES_BOARDS_VERSION_KEY)

    board_versions_bump(retailer_ids=[fairway.pk])

    # Restarting at 1 could revive entries cached under an old version.
    assert scope_version(fairway) > old


def test_a_bump_never_raises_while_redis_is_down(fairway, unreachable_cache):
    # A real outage (nothing listens on the port), not a patched cache.
    board_versions_bump(retailer_ids=[fairway.pk])

    assert scope_version(fairway) is None


# --- Cost of a cached read ---------------------------------------------------------


def test_a_cached_api_board_costs_no_query(client, fairway, ann, django_assert_num_queries):
    client.get(API_URL)
    client.get(API_URL, {"retailer": "fairway"})

    with django_assert_num_queries(0):
        assert client.get(API_URL).status_code == 200
    with django_assert_num_queries(0):  # the store by its slug comes from the cache too
        assert client.get(API_URL, {"retailer": "fairway"}).status_code == 200


def test_cached_pages_cost_no_query(client, fairway, ann, django_assert_num_queries):
    store_url = reverse("leaderboards:store", args=["fairway"])
    client.get(BOARD_URL)
    client.get(store_url)

    with django_assert_num_queries(0):  # the stores for the filter come from the cache too
        assert client.get(BOARD_URL).status_code == 200
    with django_assert_num_queries(0):  # the store comes from the cache
        assert client.get(store_url).status_code == 200


def test_a_logged_in_golfers_cached_page_adds_only_their_account(
    client, fairway, ann, django_assert_max_num_queries
):
    client.force_login(ann)
    client.get(BOARD_URL)

    # The user; the stores, the session and "me" come from the cache.
    with django_assert_max_num_queries(1):
        response = client.get(BOARD_URL)
    assert "Your rank: <strong>#1</strong>" in response.content.decode()


def test_a_request_reads_the_period_window_once_on_a_miss(client, fairway, ann, monkeypatch):
    from leaderboards import boards

    calls = []

    def counted_window(*args, **kwargs):
        calls.append(args)
        return real_window(*args, **kwargs)

    real_window = boards.period_window
    monkeypatch.setattr(boards, "period_window", counted_window)
    client.force_login(ann)

    for url, params in [(BOARD_URL, {"store": "fairway"}), (API_URL, {"retailer": "fairway"})]:
        calls.clear()
        assert client.get(url, params).status_code == 200  # a miss: rows, "me" and their keys
        assert len(calls) == 1, url


# --- Midnight ----------------------------------------------------------------------


def test_today_rolls_over_at_the_stores_midnight_without_a_bump(client, monkeypatch):
    hudson = store("hudson", timezone="America/New_York")
    night_owl = golfer("Night Owl")
    consent(night_owl, hudson)
    shot(night_owl, hudson, hit_at=datetime(2025, 6, 11, 23, 50, tzinfo=NEW_YORK))
    params = {"retailer": "hudson", "period": "today"}
    page = f"{BOARD_URL}?store=hudson&period=today"

    monkeypatch.setattr(timezone, "now", lambda: datetime(2025, 6, 11, 23, 58, tzinfo=NEW_YORK))
    assert api_names(client, **params) == ["Night Owl"]
    assert "Night Owl" in page_text(client, page)

    monkeypatch.setattr(timezone, "now", lambda: datetime(2025, 6, 12, 0, 2, tzinfo=NEW_YORK))
    assert api_names(client, **params) == []
    assert "Night Owl" not in page_text(client, page)
    # The week is the same week, and still cached.
    assert api_names(client, retailer="hudson", period="week") == ["Night Owl"]


def test_a_cached_board_keeps_its_generation_time(client, fairway, ann, monkeypatch):
    first = client.get(API_URL, {"retailer": "fairway"}).json()
    later = timezone.now() + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert client.get(API_URL, {"retailer": "fairway"}).json() == first


# --- Redis down --------------------------------------------------------------------


def _drop_default_cache() -> None:
    with contextlib.suppress(AttributeError):  # not built in this thread yet
        del caches["default"]


@pytest.fixture
def unreachable_cache(settings):
    """The default cache on a port where nothing listens (see golfshots/tests/test_health.py)."""
    default = settings.CACHES["default"]
    settings.CACHES = {"default": {**default, "LOCATION": UNREACHABLE_REDIS}}
    _drop_default_cache()
    yield
    _drop_default_cache()


def test_boards_are_served_from_the_database_while_redis_is_down(
    client, fairway, ann, bob, unreachable_cache, django_capture_on_commit_callbacks
):
    assert get_redis_connection("default").connection_pool.connection_kwargs["port"] == 1

    assert api_names(client) == ["Ann Able"]
    with django_capture_on_commit_callbacks(execute=True):
        services.shot_create_manual(
            golfer=bob,
            club="driver",
            metrics={"carry": 251.0},
            retailer=fairway,
            source=ShotSource.CSV,  # imported from the bay: measured, so it ranks
        )

    assert api_names(client) == ["Bob Bold", "Ann Able"]
    assert "Bob Bold" in page_text(client)
    assert "Bob Bold" in page_text(client, reverse("leaderboards:store", args=["fairway"]))
    partial = client.get(reverse("leaderboards:board_partial"), {"store": "fairway"})
    assert partial.status_code == 200
    assert "Bob Bold" in partial.content.decode()


def test_a_renamed_golfer_shows_under_the_new_name_at_once(
    client, fairway, ann, django_capture_on_commit_callbacks
):
    from accounts.services import user_update_settings

    assert api_names(client) == ["Ann Able"]

    with django_capture_on_commit_callbacks(execute=True):
        user_update_settings(user=ann, display_name="Ann the Long")

    assert api_names(client) == ["Ann the Long"]
