"""What an analysis attempt leaves for the next, and what the sweeper sends again.

The pipeline in this process, against the fake OpenAI server, with the
states a dead worker or a lost message leave in PostgreSQL (test_worker_crash.py
produces them with real killed workers). The sweeper's backlog tests send to
the real Redis broker (REDIS_URL's database), with no worker to take anything.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from shots import services, tasks
from shots.models import AnalysisOutcome, Shot, ShotAnalysis, ShotStatus
from shots.services.pipeline import RETRY_LATER_MESSAGE
from shots.tests import fake_openai as fake
from shots.tests.conftest import DEAD_BROKER_URL
from shots.tests.photos import shrunk_screen_photo
from shots.tests.test_pipeline import DRIVER_SCREEN, MeanwhileAnalyser

OVERDUE = timedelta(seconds=django_settings.ANALYSIS_STUCK_AFTER_SECONDS + 60)


def photo_shot(golfer, colour: str = "navy", **state) -> Shot:
    """A photo shot in ``state``, as a worker or the sweeper left it (never enqueued here).

    Made in the test's transaction, so the upload's on-commit enqueue never runs.
    """
    shot, _ = services.shot_create_from_photo(golfer=golfer, photo=shrunk_screen_photo(colour))
    Shot.objects.filter(pk=shot.pk).update(**state)
    shot.refresh_from_db()
    return shot


def dead_attempt(golfer, *, attempts: int = 1, **state) -> Shot:
    """Analysing, with a lease that ran out a minute ago: its worker died."""
    return photo_shot(
        golfer,
        status=ShotStatus.ANALYZING,
        analysis_attempts=attempts,
        analysis_lease_until=timezone.now() - timedelta(minutes=1),
        **state,
    )


# --- An attempt's row --------------------------------------------------------------


@pytest.mark.usefixtures("eager_analysis")
def test_an_attempt_is_on_record_before_the_analyser_is_called(golfer, fake_openai):
    shot = photo_shot(golfer, status=ShotStatus.QUEUED)
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    seen_during_the_call = []

    def look() -> None:
        seen_during_the_call.extend(shot.analyses.values_list("attempt", "outcome", "tokens_in"))

    run = services.shot_analyze(shot_id=shot.pk, analyser=MeanwhileAnalyser(look))

    assert seen_during_the_call == [(1, AnalysisOutcome.STARTED, 0)]
    assert run.outcome == AnalysisOutcome.ANALYZED
    analysis = shot.analyses.get()
    assert (analysis.outcome, analysis.tokens_in, analysis.tokens_out) == (
        AnalysisOutcome.ANALYZED,
        1200,
        300,
    )
    assert analysis.output["club"] == "driver"  # the answer, kept for a successor


def test_an_attempt_that_died_during_the_call_is_closed_and_the_photo_read_again(
    golfer, fake_openai
):
    shot = dead_attempt(golfer)
    ShotAnalysis.objects.create(
        shot=shot, attempt=1, analyser="openai", outcome=AnalysisOutcome.STARTED
    )
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))

    run = services.shot_analyze(shot_id=shot.pk)

    assert run.outcome == AnalysisOutcome.ANALYZED
    shot.refresh_from_db()
    assert (shot.status, shot.analysis_attempts) == (ShotStatus.ANALYZED, 2)
    rows = list(shot.analyses.order_by("id").values_list("attempt", "outcome", "error"))
    assert rows[0][:2] == (1, AnalysisOutcome.INTERRUPTED)
    assert "stopped before it finished" in rows[0][2]
    assert rows[1][:2] == (2, AnalysisOutcome.ANALYZED)
    assert len(fake_openai.requests) == 1


def test_an_answer_a_dead_attempt_recorded_is_used_without_paying_again(golfer, fake_openai):
    shot = dead_attempt(golfer)
    # What _record_answer writes when the answer arrives: the reading and its cost.
    ShotAnalysis.objects.create(
        shot=shot,
        attempt=1,
        analyser="openai",
        model="gpt-4o-mini",
        outcome=AnalysisOutcome.STARTED,
        tokens_in=1200,
        tokens_out=300,
        cost=Decimal("0.00036"),
        output={
            "values": {"ball_speed": 150.0, "club_speed": 103.0, "carry": 240.0},
            "club": "driver",
            "units_seen": {"carry": "yds"},
            "estimated": [],
            "uncertain": {},
            "confidence": {"carry": 0.97},
            "device": "",
        },
    )

    run = services.shot_analyze(shot_id=shot.pk)

    assert run.outcome == AnalysisOutcome.ANALYZED
    shot.refresh_from_db()
    assert (shot.status, shot.club, shot.carry, shot.analysis_attempts) == (
        ShotStatus.ANALYZED,
        "driver",
        240.0,
        2,
    )
    analysis = shot.analyses.get()  # the paid row, finished: no second one
    assert (analysis.attempt, analysis.outcome, analysis.tokens_in) == (
        1,
        AnalysisOutcome.ANALYZED,
        1200,
    )
    assert analysis.values["carry"] == 240.0
    assert fake_openai.requests == []


def test_a_photo_that_keeps_killing_its_worker_is_given_to_the_golfer(golfer, settings):
    shot = dead_attempt(golfer, attempts=settings.ANALYSIS_MAX_ATTEMPTS)
    ShotAnalysis.objects.create(
        shot=shot,
        attempt=shot.analysis_attempts,
        analyser="openai",
        outcome=AnalysisOutcome.STARTED,
    )

    run = services.shot_analyze(shot_id=shot.pk, take_over=True)

    assert run.claimed is False
    shot.refresh_from_db()
    assert shot.status == ShotStatus.NEEDS_REVIEW
    assert list(shot.analyses.order_by("id").values_list("outcome", flat=True)) == [
        AnalysisOutcome.INTERRUPTED,
        AnalysisOutcome.NEEDS_REVIEW,
    ]


def test_a_take_over_waits_for_a_live_lease_and_a_duplicate_does_not(golfer):
    shot = photo_shot(
        golfer,
        status=ShotStatus.ANALYZING,
        analysis_attempts=1,
        analysis_lease_until=timezone.now() + timedelta(seconds=20),
    )

    duplicate = services.shot_analyze(shot_id=shot.pk)
    take_over = services.shot_analyze(shot_id=shot.pk, take_over=True)

    assert (duplicate.claimed, duplicate.retry_after) == (False, None)
    assert take_over.claimed is False
    assert take_over.take_over is True
    assert 19 < take_over.retry_after <= 21
    shot.refresh_from_db()
    assert (shot.status, shot.analysis_attempts) == (ShotStatus.ANALYZING, 1)


# --- A storage read error ------------------------------------------------------------


@pytest.mark.usefixtures("eager_analysis")
def test_a_photo_the_storage_cannot_read_is_tried_again_not_failed(golfer, fake_openai):
    shot = photo_shot(golfer, status=ShotStatus.QUEUED)
    path = shot.image.path
    with open(path, "rb") as file:
        content = file.read()
    shot.image.storage.delete(shot.image.name)  # the disk (or bucket) fails to give it back

    run = services.shot_analyze(shot_id=shot.pk)

    shot.refresh_from_db()
    assert run.outcome == AnalysisOutcome.RETRY
    assert run.retry_after is not None
    assert shot.status == ShotStatus.RETRY_LATER
    analysis = shot.analyses.get()
    assert "Could not read the photo from storage" in analysis.error
    assert fake_openai.requests == []  # nothing paid for a photo that was not sent

    with open(path, "wb") as file:
        file.write(content)  # the storage is back
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    assert services.shot_analyze(shot_id=shot.pk).outcome == AnalysisOutcome.ANALYZED


# --- The sweeper ----------------------------------------------------------------------


@pytest.fixture
def broker(settings, point_celery_at):
    """The real Redis broker (REDIS_URL's database), with nothing consuming it."""
    url = settings.REDIS_URL
    client = redis.Redis.from_url(url)

    def purge() -> None:
        keys = list(client.scan_iter(match="analysis*"))
        if keys:
            client.delete(*keys)

    purge()
    point_celery_at(eager=False, broker_url=url)
    yield purge
    purge()
    client.close()


def sent_long_ago(shot: Shot, age: timedelta) -> None:
    Shot.objects.filter(pk=shot.pk).update(
        analysis_due_at=timezone.now() - age, updated_at=timezone.now() - age
    )


def test_the_sweeper_leaves_a_backlog_alone_and_resends_only_lost_messages(golfer, broker):
    waiting = [photo_shot(golfer, colour) for colour in ("navy", "teal", "olive")]
    for shot in waiting:
        tasks.analysis_enqueue(shot_id=shot.pk)
        sent_long_ago(shot, OVERDUE * 2)  # a long backlog: sent ten minutes ago
    assert tasks.analysis_backlog() == 3

    # However overdue, each still has its message in the queue.
    assert services.shots_requeue_stuck() == 0

    broker()  # the broker lost them (a Redis restart without persistence)
    newer = [photo_shot(golfer, colour) for colour in ("maroon", "purple")]
    for shot in newer:
        tasks.analysis_enqueue(shot_id=shot.pk)
        sent_long_ago(shot, OVERDUE)
    assert tasks.analysis_backlog() == 2

    # The two messages in the queue are the newest shots'; the three before are lost.
    assert services.shots_requeue_stuck() == 3
    assert tasks.analysis_backlog() == 5
    assert services.shots_requeue_stuck() == 0  # sent again: not overdue any more


def test_the_sweeper_resends_no_queued_shot_while_the_broker_cannot_say(
    golfer, point_celery_at, caplog
):
    shot = photo_shot(golfer, status=ShotStatus.QUEUED)
    sent_long_ago(shot, OVERDUE)
    point_celery_at(eager=False, broker_url=DEAD_BROKER_URL)

    assert services.shots_requeue_stuck() == 0

    assert "Could not ask the broker how many analyses wait" in caplog.text
    assert Shot.objects.get(pk=shot.pk).status == ShotStatus.QUEUED


def test_the_sweeper_never_takes_over_a_live_attempt_even_when_told_to_resend_all(golfer, broker):
    shot = photo_shot(
        golfer,
        status=ShotStatus.ANALYZING,
        analysis_attempts=1,
        analysis_lease_until=timezone.now() + timedelta(seconds=20),
    )
    sent_long_ago(shot, OVERDUE)

    assert services.shots_requeue_stuck(stuck_for=timedelta(0)) == 0
    assert Shot.objects.get(pk=shot.pk).status == ShotStatus.ANALYZING


def test_the_sweeper_sends_a_dead_attempts_shot_at_once(golfer, broker):
    shot = dead_attempt(golfer)

    assert services.shots_requeue_stuck() == 1

    shot.refresh_from_db()
    assert shot.status == ShotStatus.QUEUED
    assert tasks.analysis_backlog() == 1


def test_the_sweeper_sends_hourly_retries_when_due_and_quick_ones_only_once_lost(
    golfer, settings, broker
):
    last = settings.ANALYSIS_MAX_ATTEMPTS
    hourly_due = photo_shot(
        golfer,
        "navy",
        status=ShotStatus.RETRY_LATER,
        analysis_attempts=last,
        analysis_due_at=timezone.now() - timedelta(seconds=5),
    )
    hourly_later = photo_shot(
        golfer,
        "teal",
        status=ShotStatus.RETRY_LATER,
        analysis_attempts=last,
        analysis_due_at=timezone.now() + timedelta(minutes=30),
    )
    # A Celery retry is on its way for these (its countdown held by a worker).
    quick_due = photo_shot(
        golfer,
        "olive",
        status=ShotStatus.RETRY_LATER,
        analysis_attempts=1,
        analysis_due_at=timezone.now() - timedelta(seconds=5),
    )
    quick_lost = photo_shot(
        golfer,
        "maroon",
        status=ShotStatus.RETRY_LATER,
        analysis_attempts=1,
        analysis_due_at=timezone.now() - OVERDUE,
    )

    assert services.shots_requeue_stuck() == 2

    statuses = dict(Shot.objects.values_list("pk", "status"))
    assert statuses[hourly_due.pk] == statuses[quick_lost.pk] == ShotStatus.QUEUED
    assert statuses[hourly_later.pk] == statuses[quick_due.pk] == ShotStatus.RETRY_LATER


@pytest.mark.usefixtures("eager_analysis")
def test_a_golfer_may_type_the_numbers_while_a_retry_waits(golfer, browser, api, fake_openai):
    shot = photo_shot(
        golfer,
        status=ShotStatus.RETRY_LATER,
        analysis_attempts=1,
        analysis_due_at=timezone.now() + timedelta(minutes=5),
    )
    ShotAnalysis.objects.create(
        shot=shot,
        attempt=1,
        analyser="openai",
        outcome=AnalysisOutcome.RETRY,
        problems=[{"metric": "", "message": "We'll try again in about 5 minutes"}],
    )

    page = browser.get(shot.get_absolute_url()).content.decode()
    assert "Will try again" in page
    assert "try again in about 5 minutes" in page
    answer = api.get(f"/api/v1/shots/{shot.pk}/").json()
    assert (answer["status"], answer["status_message"]) == ("retry_later", RETRY_LATER_MESSAGE)

    services.shot_update(shot=shot, club="driver", metrics={"carry": 230.0})
    # The retry comes, finds the golfer's numbers, and leaves them.
    assert services.shot_analyze(shot_id=shot.pk).claimed is False
    shot.refresh_from_db()
    assert (shot.status, shot.carry) == (ShotStatus.CONFIRMED, 230.0)
    assert fake_openai.requests == []


def test_a_shot_waiting_to_be_tried_again_says_so_and_offers_typing_the_numbers(client, golfer):
    shot = photo_shot(
        golfer,
        status=ShotStatus.RETRY_LATER,
        analysis_attempts=1,
        analysis_due_at=timezone.now() + timedelta(minutes=5),
    )
    client.force_login(golfer)

    page = client.get(shot.get_absolute_url()).content.decode()

    assert "Will try again" in page
    assert "we will try again in a few minutes" in page
    assert 'hx-trigger="every 30s"' in page  # not every second for minutes
    assert ">Type the numbers</a>" in page
