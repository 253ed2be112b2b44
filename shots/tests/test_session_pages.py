"""The session page, the sessions list and API: per-club statistics, units, tenancy, queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Units
from accounts.tests.factories import UserFactory
from shots import services
from shots.models import PracticeSession, Shot
from shots.session_selectors import latest_session_for, session_stats

T0 = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)

# Three counted drives, an excluded one that must not count, and one 7-iron.
DRIVES = [
    {"carry": 200.0, "total": 220.0, "ball_speed": 140.0, "carry_side": -5.0},
    {"carry": 210.0, "total": 228.0, "ball_speed": 145.0, "carry_side": 5.0},
    {"carry": 230.0, "total": 250.0, "ball_speed": 150.0, "carry_side": 12.0},
]
# By hand: mean 213.33; sample SD sqrt(((-13.33)² + (-3.33)² + 16.67²) / 2) = sqrt(233.33).
CARRY_MEAN = 640 / 3
CARRY_SD = (700 / 3) ** 0.5  # 15.275
SIDE_MEAN = 4.0
SIDE_SD = 73**0.5  # deviations -9, 1, 8: (81 + 1 + 64) / 2 = 73 → 8.544


def _session(golfer, store=None) -> PracticeSession:
    shots = []
    for minute, metrics in enumerate(DRIVES):
        shot, _ = services.shot_create_manual(
            golfer=golfer,
            club="driver",
            metrics=metrics,
            hit_at=T0 + timedelta(minutes=minute * 10),
            retailer=store,
        )
        shots.append(shot)
    excluded, _ = services.shot_create_manual(
        golfer=golfer, club="driver", metrics={"carry": 300.0}, hit_at=T0 + timedelta(minutes=35)
    )
    Shot.objects.filter(pk=excluded.pk).update(is_excluded=True)
    services.shot_create_manual(
        golfer=golfer, club="7i", metrics={"carry": 150.0}, hit_at=T0 + timedelta(minutes=40)
    )
    assert shots[0].session_id is not None
    session = PracticeSession.objects.get(pk=shots[0].session_id)
    assert session.shot_count == 5
    return session


@pytest.mark.django_db
class TestSessionStatistics:
    def test_it_computes_averages_spread_and_bests_per_club_from_counted_shots(self, golfer):
        stats = session_stats(_session(golfer))

        driver, seven = stats.clubs  # bag order
        assert (driver.club, driver.shots, seven.club, seven.shots) == ("driver", 3, "7i", 1)
        carry = driver.metrics["carry"]
        assert carry.mean == pytest.approx(CARRY_MEAN)
        assert carry.stdev == pytest.approx(CARRY_SD)
        assert (carry.best, carry.low, carry.high) == (230.0, 200.0, 230.0)
        side = driver.metrics["carry_side"]
        assert side.mean == pytest.approx(SIDE_MEAN)
        assert side.stdev == pytest.approx(SIDE_SD)
        assert side.best is None  # offline has no "highest is best"
        assert seven.metrics["carry"].stdev is None  # one shot has no spread
        assert "spin_rate" not in driver.metrics  # never measured
        assert stats.counted_shots == 4

    def test_it_reads_the_statistics_in_one_query(self, golfer, django_assert_num_queries):
        session = _session(golfer)

        with django_assert_num_queries(1):
            session_stats(session)

    def test_it_answers_the_same_on_the_sqlite_path(self, golfer, monkeypatch):
        session = _session(golfer)
        from_database = session_stats(session)

        monkeypatch.setattr(connections["default"], "vendor", "sqlite")
        from_python = session_stats(session)

        assert connection.vendor == "sqlite"
        assert len(from_python.clubs) == len(from_database.clubs)
        for python_club, database_club in zip(from_python.clubs, from_database.clubs, strict=True):
            assert python_club.shots == database_club.shots
            assert python_club.metrics.keys() == database_club.metrics.keys()
            for name, stat in python_club.metrics.items():
                other = database_club.metrics[name]
                assert (stat.shots, stat.low, stat.high) == (other.shots, other.low, other.high)
                assert stat.mean == pytest.approx(other.mean)
                assert stat.stdev == pytest.approx(other.stdev)

    def test_it_finds_the_latest_session_for_the_home_page(self, golfer):
        _session(golfer)
        later, _ = services.shot_create_manual(
            golfer=golfer, club="pw", metrics={"carry": 110.0}, hit_at=T0 + timedelta(days=1)
        )

        assert latest_session_for(golfer) == later.session
        assert latest_session_for(UserFactory.create()) is None


@pytest.mark.django_db
class TestSessionPage:
    def test_it_shows_place_duration_and_per_club_statistics(self, browser, golfer, store):
        session = _session(golfer, store=store)

        html = browser.get(reverse("shots:session", args=[session.pk])).content.decode()

        assert store.name in html
        assert "40\xa0minutes" in html
        assert "213.3 yd" in html  # carry average
        assert "15.3 yd" in html  # carry spread
        assert "230.0 yd" in html  # best carry
        assert "4.0 yd R" in html  # offline average keeps its side
        assert "8.5 yd<" in html  # its spread is a size, with no side
        assert "300.0" not in html  # the excluded drive
        assert "(4 counted)" in html

    def test_it_shows_the_viewers_units(self, client, golfer):
        session = _session(golfer)
        golfer.units = Units.METRIC
        golfer.save(update_fields=["units"])
        client.force_login(golfer)

        html = client.get(reverse("shots:session", args=[session.pk])).content.decode()

        assert f"{CARRY_MEAN / 1.09361:.1f} m" in html

    def test_it_is_a_404_for_another_golfer(self, client, golfer):
        session = _session(golfer)
        client.force_login(UserFactory.create())

        assert client.get(reverse("shots:session", args=[session.pk])).status_code == 404

    def test_it_needs_a_login(self, client, golfer):
        session = _session(golfer)

        response = client.get(reverse("shots:session", args=[session.pk]))

        assert response.status_code == 302
        assert "login" in response["Location"]

    def test_its_queries_do_not_grow_with_clubs_or_shots(self, browser, golfer):
        session = _session(golfer)
        url = reverse("shots:session", args=[session.pk])
        browser.get(url)  # the first request of a login also writes its session
        with CaptureQueriesContext(connection) as small:
            assert browser.get(url).status_code == 200
        for index, club in enumerate(("3w", "5i", "9i", "sw")):
            services.shot_create_manual(
                golfer=golfer,
                club=club,
                metrics={"carry": 100.0 + index, "spin_rate": 5000},
                hit_at=T0 + timedelta(minutes=41 + index),
            )
        with CaptureQueriesContext(connection) as large:
            assert browser.get(url).status_code == 200

        assert len(large) == len(small)

    def test_the_list_shows_the_golfers_sessions_only(self, browser, golfer):
        mine = _session(golfer)
        theirs = _session(UserFactory.create())

        html = browser.get(reverse("shots:sessions")).content.decode()

        assert reverse("shots:session", args=[mine.pk]) in html
        assert reverse("shots:session", args=[theirs.pk]) not in html

    def test_the_shot_list_links_each_shot_to_its_session(self, browser, golfer):
        session = _session(golfer)

        html = browser.get(reverse("shots:list")).content.decode()

        assert reverse("shots:session", args=[session.pk]) in html

    def test_the_shot_list_filters_by_session(self, browser, golfer):
        session = _session(golfer)
        services.shot_create_manual(
            golfer=golfer, club="pw", metrics={"carry": 111.0}, hit_at=T0 + timedelta(days=2)
        )

        page = browser.get(reverse("shots:list"), {"session": session.pk}).context["page"]

        assert {shot.session_id for shot in page.object_list} == {session.pk}
        assert len(page.object_list) == 5


@pytest.mark.django_db
class TestSessionsApi:
    def test_it_lists_the_golfers_sessions_with_pagination(self, api, golfer, store):
        session = _session(golfer, store=store)
        _session(UserFactory.create())

        body = api.get("/api/v1/sessions/").json()

        assert body["count"] == 1
        (row,) = body["results"]
        assert row == {
            "id": session.pk,
            "started_at": "2026-06-10T09:00:00Z",
            "ended_at": "2026-06-10T09:40:00Z",
            "duration_seconds": 2400,
            "shot_count": 5,
            "retailer": store.slug,
            "kind": "practice",
            "import_reference": "",
        }

    def test_it_gives_a_session_with_its_per_club_summary(self, api, golfer):
        session = _session(golfer)

        body = api.get(f"/api/v1/sessions/{session.pk}/").json()

        assert body["counted_shots"] == 4
        driver, seven = body["clubs"]
        assert (driver["club"], driver["shots"], seven["club"]) == ("driver", 3, "7i")
        carry = driver["metrics"]["carry"]
        assert carry["mean"] == pytest.approx(CARRY_MEAN)
        assert carry["stdev"] == pytest.approx(CARRY_SD)
        assert (carry["best"], carry["min"], carry["max"], carry["shots"]) == (230, 200, 230, 3)

    def test_it_is_a_404_for_another_golfers_session(self, golfer):
        session = _session(golfer)
        other = APIClient()
        other.force_authenticate(UserFactory.create())

        assert other.get(f"/api/v1/sessions/{session.pk}/").status_code == 404
        assert other.get("/api/v1/sessions/").json()["count"] == 0

    def test_the_shot_api_names_the_session_and_refuses_to_set_it(self, api, golfer):
        session = _session(golfer)
        shot = session.shots.first()
        assert shot is not None

        assert api.get(f"/api/v1/shots/{shot.pk}/").json()["session"] == session.pk
        response = api.patch(f"/api/v1/shots/{shot.pk}/", {"session": 999}, format="json")
        assert response.status_code == 400
        assert "read-only" in response.json()["session"][0]

    def test_its_detail_queries_are_bounded(self, api, golfer, django_assert_max_num_queries):
        session = _session(golfer)

        # The golfer, the session, the statistics.
        with django_assert_max_num_queries(3):
            assert api.get(f"/api/v1/sessions/{session.pk}/").status_code == 200


@pytest.mark.django_db
class TestSessionTimes:
    """Both session pages show times in the golfer's zone and say which it is."""

    def test_the_list_names_the_golfers_zone_and_shows_its_times_in_it(self, browser, golfer):
        golfer.timezone = "America/New_York"
        golfer.save(update_fields=["timezone"])
        _session(golfer)

        html = browser.get(reverse("shots:sessions")).content.decode()

        assert "Times in New York time (E" in html  # EST or EDT, by today's date
        assert "Wed 10 Jun 2026, 05:00" in html  # 09:00 UTC is 05:00 EDT

    def test_the_session_page_names_the_golfers_zone_and_shows_its_times_in_it(
        self, browser, golfer
    ):
        golfer.timezone = "America/New_York"
        golfer.save(update_fields=["timezone"])
        session = _session(golfer)

        html = browser.get(reverse("shots:session", args=[session.pk])).content.decode()

        assert "Times in New York time (E" in html
        assert "05:00–05:40" in html  # 09:00–09:40 UTC
