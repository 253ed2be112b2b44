"""A photo from upload to a reviewed shot, on the embedded default's code path.

Celery runs eagerly (the embedded default) and the OpenAI analyser talks
through the real SDK to the fake server from conftest, so everything between
the upload form and the shot page is the production code. A test transaction
never commits, so uploads run under ``django_capture_on_commit_callbacks``
(execute=True), which runs the on-commit enqueue as a real commit would.
"""

from __future__ import annotations

import base64
import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from leaderboards.boards import BoardSpec
from leaderboards.selectors import leaderboard
from retailers.models import CustomerLink, Retailer
from shots import services
from shots.analysis.base import AnalysisOutput
from shots.analysis.openai_analyser import PROMPT_VERSION, OpenAIAnalyser
from shots.models import AnalysisOutcome, PersonalBest, Shot, ShotAnalysis, ShotStatus
from shots.tests import fake_openai as fake
from shots.tests.conftest import DEAD_BROKER_URL
from shots.tests.photos import screen_photo, shrunk_screen_photo

pytestmark = pytest.mark.usefixtures("eager_analysis")

UPLOAD_URL = reverse("shots:upload")
SHOTS_API_URL = "/api/v1/shots/"

# A Garmin-style metric screen; every value is plausible for a driver.
DRIVER_SCREEN = fake.screen_answer(
    {
        "ball_speed": (240.0, "km/h"),
        "club_speed": (45.0, "m/s"),
        "smash_factor": (1.48, None),
        "launch_angle": (12.4, "°"),
        "spin_rate": (2650, "rpm"),
        "carry": (230.0, "m"),
        "total": (251.5, "m"),
        "carry_side": (-12.0, "m"),
    },
    club="Driver",
    device="Garmin Approach R50",
)
SEVEN_IRON_NUMBERS = {
    "ball_speed": (120.0, "mph"),
    "club_speed": (87.0, "mph"),
    "spin_rate": (7000, "rpm"),
    "carry": (165.0, "yds"),
}
DRIVER_NUMBERS = {"ball_speed": (150.0, "mph"), "club_speed": (103.0, "mph"), "carry": (240, "yds")}


@pytest.fixture
def upload(browser, django_capture_on_commit_callbacks):
    """Post a photo through the HTML form, letting the on-commit enqueue run."""

    def post(content: bytes | None = None, **fields: str):
        data = {
            "image": SimpleUploadedFile(
                "screen.jpg", content or screen_photo(), content_type="image/jpeg"
            ),
            "club": "",
            "client_token": uuid.uuid4().hex,
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return browser.post(UPLOAD_URL, data)

    return post


@pytest.fixture
def api_upload(api, django_capture_on_commit_callbacks):
    def post(content: bytes | None = None, *, idempotency_key: str = "", **fields: str):
        data = {
            "image": SimpleUploadedFile(
                "screen.jpg", content or screen_photo(), content_type="image/jpeg"
            ),
            **fields,
        }
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(SHOTS_API_URL, data, format="multipart", headers=headers)

    return post


def the_shot(golfer) -> Shot:
    return Shot.objects.get(golfer=golfer)


def stored_photo_shot(golfer, *, status: str, attempts: int, age: timedelta) -> Shot:
    """A photo shot left in ``status``, unchanged for ``age``, as a dead worker leaves it.

    Made through the service but outside django_capture_on_commit_callbacks, so
    its on-commit enqueue never runs (the test transaction never commits).
    """
    shot, _ = services.shot_create_from_photo(golfer=golfer, photo=shrunk_screen_photo())
    Shot.objects.filter(pk=shot.pk).update(
        status=status, analysis_attempts=attempts, updated_at=timezone.now() - age
    )
    shot.refresh_from_db()
    return shot


def outcomes(shot: Shot) -> list[str]:
    return list(shot.analyses.order_by("attempt", "id").values_list("outcome", flat=True))


# --- Upload → analysed ----------------------------------------------------------


def test_a_photo_uploaded_through_the_form_is_read_into_canonical_units(
    upload, golfer, fake_openai
):
    fake_openai.enqueue(
        fake.good_answer(
            DRIVER_SCREEN, prompt_tokens=2000, completion_tokens=500, request_id="req_form"
        )
    )

    response = upload()

    shot = the_shot(golfer)
    assert response.status_code == 302
    assert response["Location"] == shot.get_absolute_url()
    assert shot.status == ShotStatus.ANALYZED
    assert shot.source == "photo"
    assert shot.club == "driver"  # read from the screen
    assert shot.source_device == "Garmin Approach R50"
    assert shot.ball_speed == pytest.approx(149.129, abs=0.001)  # 240 km/h
    assert shot.club_speed == pytest.approx(100.662, abs=0.001)  # 45 m/s
    assert shot.carry == pytest.approx(251.531, abs=0.001)  # 230 m
    assert shot.carry_side == pytest.approx(-13.123, abs=0.001)  # 12 m left
    assert shot.face_angle is None
    assert shot.is_counted
    assert shot.analysis_attempts == 1
    assert PersonalBest.objects.get(golfer=golfer, metric="carry").shot == shot

    analysis = shot.analyses.get()
    assert analysis.outcome == AnalysisOutcome.ANALYZED
    assert analysis.analyser == "openai"
    assert analysis.model == "gpt-4o-mini"
    assert analysis.prompt_version == PROMPT_VERSION
    assert analysis.request_id == "req_form"
    assert (analysis.tokens_in, analysis.tokens_out) == (2000, 500)
    # gpt-4o-mini list prices: 2000 × $0.15 + 500 × $0.60 per million tokens.
    assert analysis.cost == Decimal("0.000600")
    assert analysis.values["carry"] == pytest.approx(251.531, abs=0.001)
    assert analysis.club_read == "driver"
    assert analysis.problems == []

    # The analyser was sent the stored, shrunk photo, not the original upload.
    sent = fake_openai.requests[0].json()["messages"][1]["content"][1]["image_url"]["url"]
    with shot.image.open("rb") as stored:
        assert sent == "data:image/jpeg;base64," + base64.b64encode(stored.read()).decode()


@pytest.mark.django_db(transaction=True)
def test_a_photo_posted_to_the_api_comes_back_analysed_on_the_embedded_default(
    api, golfer, fake_openai
):
    # A transactional test: on_commit fires as in production, so the eager
    # analysis runs inside the request and the response already has the numbers.
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN, request_id="req_api"))

    response = api.post(
        SHOTS_API_URL,
        {"image": SimpleUploadedFile("screen.jpg", screen_photo(), "image/jpeg")},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "analyzed"
    assert body["source"] == "photo"
    assert body["club"] == "driver"
    assert body["ball_speed"] == pytest.approx(149.129, abs=0.001)
    assert body["is_counted"] is True
    assert body["image"] == f"http://testserver/api/v1/shots/{body['id']}/image/"
    analysis = ShotAnalysis.objects.get(shot_id=body["id"])
    assert (analysis.request_id, analysis.tokens_in, analysis.tokens_out) == ("req_api", 1200, 300)
    assert analysis.cost == Decimal("0.000360")


def test_an_api_upload_is_analysed_after_commit(api_upload, golfer, fake_openai):
    fake_openai.enqueue(fake.good_answer(fake.screen_answer(SEVEN_IRON_NUMBERS, club="7 Iron")))

    response = api_upload(club="")

    assert response.status_code == 201, response.json()
    shot = the_shot(golfer)
    assert shot.status == ShotStatus.ANALYZED
    assert (shot.club, shot.carry, shot.ball_speed) == ("7i", 165.0, 120.0)
    assert shot.analyses.count() == 1


def test_the_upload_page_offers_the_camera_and_a_one_time_token(browser):
    response = browser.get(UPLOAD_URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'accept="image/*"' in page
    assert 'enctype="multipart/form-data"' in page
    token = response.context["form"]["client_token"].value()
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert f'value="{token}"' in page
    assert 'name="retailer"' not in page  # the golfer has not joined a store


def test_a_photo_can_be_filed_under_a_store_the_golfer_joined(upload, golfer, fake_openai):
    store = Retailer.objects.create(name="Range", slug="range")
    CustomerLink.objects.create(golfer=golfer, retailer=store)
    elsewhere = Retailer.objects.create(name="Elsewhere", slug="elsewhere")
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))

    refused = upload(retailer=str(elsewhere.pk))
    assert refused.status_code == 400
    assert not Shot.objects.exists()

    upload(retailer=str(store.pk))
    assert the_shot(golfer).retailer == store


# --- What the validator makes of the numbers ---------------------------------------


def test_an_impossible_value_is_discarded_flagged_and_held_for_review(upload, golfer, fake_openai):
    fake_openai.enqueue(
        fake.good_answer(
            fake.screen_answer({**DRIVER_NUMBERS, "ball_speed": (400.0, "mph")}, club="Driver")
        )
    )

    upload()

    shot = the_shot(golfer)
    assert shot.status == ShotStatus.NEEDS_REVIEW
    assert shot.ball_speed is None  # discarded, never "corrected"
    assert shot.carry == 240.0
    assert shot.flags_for("ball_speed") == ["rejected"]
    assert shot.has_rejected_values
    assert not shot.is_counted
    assert not PersonalBest.objects.filter(golfer=golfer).exists()
    analysis = shot.analyses.get()
    assert analysis.outcome == AnalysisOutcome.NEEDS_REVIEW
    assert "ball_speed" not in analysis.values
    assert analysis.problems[0]["metric"] == "ball_speed"


def test_unusual_values_wait_for_review_with_the_reasons_shown(
    upload, golfer, browser, fake_openai
):
    fake_openai.enqueue(
        fake.good_answer(
            fake.screen_answer(
                {
                    "ball_speed": (150.0, "mph"),
                    "club_speed": (100.0, "mph"),
                    "smash_factor": (1.30, None),  # 150 ÷ 100 is 1.50
                    "carry": (420.0, "yds"),  # possible, but past the warn range
                },
                club="Driver",
            )
        )
    )

    upload()

    shot = the_shot(golfer)
    assert shot.status == ShotStatus.NEEDS_REVIEW
    assert (shot.smash_factor, shot.carry) == (1.30, 420.0)  # kept as read
    assert shot.flags_for("carry") == ["warned"]
    assert "warned" in shot.flags_for("smash_factor")
    assert not shot.has_rejected_values
    assert not PersonalBest.objects.filter(golfer=golfer).exists()

    page = browser.get(shot.get_absolute_url()).content.decode()
    assert "Carry 420 is unusual for a full swing." in page
    assert "Smash factor 1.30 does not match ball ÷ club speed (1.50)." in page
    assert "not counted" in page
    assert reverse("shots:confirm", args=[shot.pk]) in page


def test_an_impossible_value_is_shown_as_discarded_on_the_shot_page(
    upload, golfer, browser, fake_openai
):
    fake_openai.enqueue(
        fake.good_answer(
            fake.screen_answer({**DRIVER_NUMBERS, "spin_rate": (99000, "rpm")}, club="Driver")
        )
    )

    upload()

    page = browser.get(the_shot(golfer).get_absolute_url()).content.decode()
    assert "Spin rate must be between 0 and 15000 rpm. The value read was discarded." in page
    assert "99000" not in page
    assert "99,000" not in page


def test_the_club_on_the_screen_is_used_when_the_golfer_gave_none(upload, golfer, fake_openai):
    fake_openai.enqueue(fake.good_answer(fake.screen_answer(SEVEN_IRON_NUMBERS, club="7 Iron")))

    upload(club="")

    shot = the_shot(golfer)
    assert (shot.status, shot.club) == (ShotStatus.ANALYZED, "7i")
    assert PersonalBest.objects.filter(golfer=golfer, club="7i", metric="carry").exists()


def test_the_golfers_own_club_choice_wins_over_the_screen(upload, golfer, fake_openai):
    fake_openai.enqueue(fake.good_answer(fake.screen_answer(SEVEN_IRON_NUMBERS, club="7 Iron")))

    upload(club="6i")

    shot = the_shot(golfer)
    assert (shot.status, shot.club) == (ShotStatus.ANALYZED, "6i")
    assert shot.analyses.get().club_read == "7i"


def test_a_shot_with_no_club_anywhere_asks_the_golfer_for_it(upload, golfer, browser, fake_openai):
    fake_openai.enqueue(fake.good_answer(fake.screen_answer(SEVEN_IRON_NUMBERS, club=None)))

    upload(club="")

    shot = the_shot(golfer)
    assert (shot.status, shot.club) == (ShotStatus.NEEDS_REVIEW, "")
    assert shot.carry == 165.0
    assert not shot.is_counted
    page = browser.get(shot.get_absolute_url()).content.decode()
    assert "Which club was this? The photo doesn&#x27;t say." in page
    # Confirming needs a club, so the page offers the correction form instead.
    assert reverse("shots:confirm", args=[shot.pk]) not in page
    assert reverse("shots:edit", args=[shot.pk]) in page


# --- Readings the analyser doubts -------------------------------------------------

DOUBTFUL = 0.3  # under the OpenAI analyser's MIN_CONFIDENCE


def test_a_doubtful_reading_waits_for_review_with_the_reason_and_counts_nowhere(
    upload, golfer, browser, fake_openai
):
    fake_openai.enqueue(
        fake.good_answer(
            fake.screen_answer({**DRIVER_NUMBERS, "carry": (240, "yds", DOUBTFUL)}, club="Driver"),
            completion_tokens=400,
        )
    )

    upload()

    shot = the_shot(golfer)
    assert shot.status == ShotStatus.NEEDS_REVIEW
    assert shot.flags_for("carry") == ["uncertain"]
    assert not shot.is_counted
    assert not PersonalBest.objects.filter(golfer=golfer).exists()
    analysis = shot.analyses.get()
    # The reason is the analyser's words (its module tests them), after the metric's name.
    [problem] = analysis.problems
    assert problem["metric"] == "carry"
    assert problem["message"].startswith("Carry: ")
    assert "240 yds" in problem["message"]
    # The analyser's confidence is on the audit row, the doubtful one with the rest.
    assert analysis.confidence["carry"] == DOUBTFUL
    assert analysis.confidence["ball_speed"] == fake.CONFIDENT
    page = browser.get(shot.get_absolute_url()).content.decode()
    assert problem["message"] in page


def test_a_doubtful_club_is_not_taken_and_the_golfer_is_asked(upload, golfer, fake_openai):
    fake_openai.enqueue(
        fake.good_answer(
            fake.screen_answer(SEVEN_IRON_NUMBERS, club="7 Iron", club_confidence=DOUBTFUL)
        )
    )

    upload(club="")

    shot = the_shot(golfer)
    assert (shot.status, shot.club) == (ShotStatus.NEEDS_REVIEW, "")
    assert shot.carry == 165.0
    [problem] = shot.analyses.get().problems
    assert problem["metric"] == "club"
    assert problem["message"].startswith("Which club was this? ")
    assert "7 Iron" in problem["message"]


class ReadingWithDoubts:
    """An analyser that keeps a doubtful value and says why, as the OCR one may.

    Stands for an analyser's output (the real ones fill ``uncertain`` their own
    way, tested in their modules): what is under test is what the pipeline
    does with a value that is there but in doubt.
    """

    name = "ocr"

    def __init__(self, values, uncertain, *, club="driver"):
        self.output = AnalysisOutput(
            values=values, club=club, uncertain=uncertain, confidence={"carry": 0.41}
        )

    def analyse(self, image: bytes) -> AnalysisOutput:
        return self.output


def test_a_kept_doubtful_value_counts_for_records_and_boards_only_once_confirmed(
    golfer, browser, store
):
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    shot, _ = services.shot_create_from_photo(
        golfer=golfer, photo=shrunk_screen_photo(), retailer=store
    )
    doubts = ReadingWithDoubts(
        {"ball_speed": 150.0, "carry": 300.0}, {"carry": "the 3 might be an 8"}
    )
    board = BoardSpec(retailer=store, club="driver", metric="carry", period="all")

    services.shot_analyze(shot_id=shot.pk, analyser=doubts)

    shot.refresh_from_db()
    assert (shot.status, shot.carry) == (ShotStatus.NEEDS_REVIEW, 300.0)
    assert shot.flags_for("carry") == ["uncertain"]
    assert {"metric": "carry", "message": "Carry: the 3 might be an 8."} in (
        shot.analyses.get().problems
    )
    assert shot.analyses.get().confidence == {"carry": 0.41}
    assert not PersonalBest.objects.filter(golfer=golfer).exists()
    assert leaderboard(board).rows == []
    panel = browser.get(reverse("shots:status", args=[shot.pk])).content.decode()
    assert "Carry: the 3 might be an 8." in panel
    assert ">check</small>" in panel

    browser.post(reverse("shots:confirm", args=[shot.pk]))

    shot.refresh_from_db()
    assert shot.is_counted
    assert PersonalBest.objects.get(golfer=golfer, metric="carry").value == 300.0
    assert [row.shot_id for row in leaderboard(board).rows] == [shot.pk]
    panel = browser.get(reverse("shots:status", args=[shot.pk])).content.decode()
    assert ">check</small>" not in panel  # settled by the golfer


# --- Analyser failures ------------------------------------------------------------


def test_a_rate_limit_waits_at_least_as_long_as_openai_asks_and_says_so(
    golfer, settings, fake_openai
):
    settings.ANALYSIS_RETRY_BASE_SECONDS = 2  # our own backoff shorter than Retry-After
    shot = stored_photo_shot(golfer, status=ShotStatus.QUEUED, attempts=0, age=timedelta(0))
    fake_openai.enqueue(fake.error(429, "Rate limit reached", headers={"Retry-After": "7"}))

    run = services.shot_analyze(shot_id=shot.pk)

    shot.refresh_from_db()
    assert run.outcome == AnalysisOutcome.RETRY
    assert run.retry_after == 7.0
    # Not pending: the golfer may type the numbers in meanwhile, and is told so.
    assert shot.status == ShotStatus.RETRY_LATER
    assert not shot.is_pending
    assert timedelta(seconds=6) < shot.analysis_due_at - timezone.now() <= timedelta(seconds=7)
    assert outcomes(shot) == [AnalysisOutcome.RETRY]
    analysis = shot.analyses.get()
    assert "429" in analysis.error
    assert "try again in about 1 minute" in analysis.problems[0]["message"]


def test_transient_failures_spread_the_retries_over_a_quarter_to_half_an_hour(
    golfer, settings, fake_openai
):
    settings.ANALYSIS_MAX_ATTEMPTS = 4
    shot = stored_photo_shot(golfer, status=ShotStatus.QUEUED, attempts=0, age=timedelta(0))
    delays = []
    for _ in range(3):
        fake_openai.enqueue(fake.error(500, "The server had an error."))
        run = services.shot_analyze(shot_id=shot.pk)
        delays.append(run.retry_after)

    # Each between half and all of 240 s × 2^n: the defaults.
    assert 120 <= delays[0] <= 240
    assert 240 <= delays[1] <= 480
    assert 480 <= delays[2] <= 960
    assert 14 * 60 <= sum(delays) <= 28 * 60


def test_transient_failures_until_the_last_attempt_retry_hourly_for_a_day(
    upload, golfer, settings, fake_openai
):
    settings.ANALYSIS_MAX_ATTEMPTS = 2
    rate_limited = {"headers": {"Retry-After": "1"}}
    fake_openai.enqueue(
        fake.error(429, "Rate limit reached", **rate_limited),
        fake.error(429, "Rate limit reached", **rate_limited),
    )

    upload()

    # Eagerly, Celery runs the retry at once instead of after its countdown.
    shot = the_shot(golfer)
    assert len(fake_openai.requests) == 2
    assert shot.status == ShotStatus.RETRY_LATER
    assert shot.analysis_attempts == 2
    assert outcomes(shot) == [AnalysisOutcome.RETRY, AnalysisOutcome.RETRY]
    # The sweeper sends it when due, 45 to 60 minutes from now.
    assert timedelta(minutes=44) < shot.analysis_due_at - timezone.now() <= timedelta(hours=1)
    assert shot.image.storage.exists(shot.image.name)  # nothing lost
    assert "try again within the hour" in shot.analyses.first().problems[0]["message"]


def test_a_photo_still_unread_a_day_after_upload_is_left_for_the_golfer(
    golfer, settings, fake_openai
):
    settings.ANALYSIS_MAX_ATTEMPTS = 2
    shot = stored_photo_shot(golfer, status=ShotStatus.RETRY_LATER, attempts=7, age=timedelta(0))
    Shot.objects.filter(pk=shot.pk).update(created_at=timezone.now() - timedelta(hours=25))
    fake_openai.enqueue(fake.error(503, "The server is overloaded."))

    run = services.shot_analyze(shot_id=shot.pk)

    shot.refresh_from_db()
    assert (run.outcome, run.retry_after) == (AnalysisOutcome.NEEDS_REVIEW, None)
    assert shot.status == ShotStatus.NEEDS_REVIEW
    assert "type the numbers in" in shot.analyses.get().problems[0]["message"]


def test_a_bad_api_key_fails_fast_and_the_golfer_types_the_numbers(
    upload, golfer, browser, fake_openai
):
    fake_openai.enqueue(fake.error(401, "Incorrect API key provided.", code="invalid_api_key"))

    upload(club="driver")

    shot = the_shot(golfer)
    assert shot.status == ShotStatus.FAILED
    assert len(fake_openai.requests) == 1  # no retry
    assert outcomes(shot) == [AnalysisOutcome.FAILED]
    assert "401" in shot.analyses.get().error
    page = browser.get(shot.get_absolute_url()).content.decode()
    assert "We couldn't read this photo" in page
    assert "Type the numbers" in page

    edit_url = reverse("shots:edit", args=[shot.pk])
    assert browser.get(edit_url).status_code == 200
    response = browser.post(
        edit_url,
        {
            "club": "driver",
            "hit_at": (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "ball_speed": "150",
            "club_speed": "103",
            "carry": "245",
        },
    )

    assert response.status_code == 302
    shot.refresh_from_db()
    assert (shot.status, shot.carry) == (ShotStatus.CONFIRMED, 245.0)
    assert shot.is_counted
    assert PersonalBest.objects.get(golfer=golfer, metric="carry").value == 245.0
    assert shot.analyses.count() == 1  # the failed attempt stays on record


@pytest.mark.parametrize(
    ("reply", "error_fragment"),
    [
        (fake.completion('{"carry": {"value": 150'), "unusable"),
        (fake.refusal("I can't help with that."), "refused"),
    ],
    ids=["malformed-json", "refusal"],
)
def test_an_unusable_answer_fails_the_shot_and_keeps_what_came_back(
    upload, golfer, fake_openai, reply, error_fragment
):
    fake_openai.enqueue(reply)

    upload()

    shot = the_shot(golfer)
    assert shot.status == ShotStatus.FAILED
    assert len(fake_openai.requests) == 1
    analysis = shot.analyses.get()
    assert analysis.outcome == AnalysisOutcome.FAILED
    assert error_fragment in analysis.error
    assert analysis.raw_output  # what the model said, for the admin
    assert (analysis.tokens_in, analysis.tokens_out) == (1200, 300)  # paid for all the same
    assert shot.image.storage.exists(shot.image.name)


def test_a_server_error_is_retried_and_the_next_answer_used(upload, golfer, fake_openai):
    fake_openai.enqueue(
        fake.error(500, "The server had an error."), fake.good_answer(DRIVER_SCREEN)
    )

    upload()

    shot = the_shot(golfer)
    assert shot.status == ShotStatus.ANALYZED
    assert shot.analysis_attempts == 2
    assert outcomes(shot) == [AnalysisOutcome.RETRY, AnalysisOutcome.ANALYZED]
    assert shot.carry == pytest.approx(251.531, abs=0.001)


def test_a_timeout_is_retried(upload, golfer, settings, fake_openai):
    settings.OPENAI_TIMEOUT = 0.5
    fake_openai.enqueue(
        fake.slow(fake.good_answer(DRIVER_SCREEN), seconds=3), fake.good_answer(DRIVER_SCREEN)
    )

    upload()

    shot = the_shot(golfer)
    assert shot.status == ShotStatus.ANALYZED
    assert outcomes(shot) == [AnalysisOutcome.RETRY, AnalysisOutcome.ANALYZED]
    assert "did not answer within 0.5 s" in shot.analyses.order_by("attempt").first().error


class MeanwhileAnalyser:
    """The real OpenAI analyser, with something else happening while it waits.

    Stands in for what happens in another process during a slow OpenAI call
    (test_worker.py does the same with a real worker and a real delay).
    """

    name = "openai"

    def __init__(self, meanwhile) -> None:
        self.meanwhile = meanwhile

    def analyse(self, image: bytes):
        self.meanwhile()
        return OpenAIAnalyser().analyse(image)


ANSWERS = {
    "good": lambda: fake.good_answer(DRIVER_SCREEN),
    "rate-limited": lambda: fake.error(429, "Rate limit reached"),
    "bad-key": lambda: fake.error(401, "Incorrect API key provided."),
}


@pytest.mark.parametrize("answer", ANSWERS)
def test_a_shot_deleted_during_its_analysis_stays_deleted(golfer, fake_openai, answer):
    shot = stored_photo_shot(golfer, status=ShotStatus.QUEUED, attempts=0, age=timedelta(0))
    shot_id = shot.pk
    fake_openai.enqueue(ANSWERS[answer]())

    def golfer_deletes_it() -> None:
        services.shot_delete(shot=Shot.objects.get(pk=shot_id))

    run = services.shot_analyze(shot_id=shot_id, analyser=MeanwhileAnalyser(golfer_deletes_it))

    assert run.claimed is False
    assert run.retry_after is None
    assert not Shot.objects.filter(pk=shot_id).exists()  # a plain save() would re-insert it
    assert not ShotAnalysis.objects.filter(shot_id=shot_id).exists()
    assert not PersonalBest.objects.filter(golfer=golfer).exists()


@pytest.mark.parametrize("answer", ANSWERS)
def test_an_attempt_overtaken_by_a_newer_one_writes_nothing(golfer, fake_openai, answer):
    shot = stored_photo_shot(golfer, status=ShotStatus.QUEUED, attempts=0, age=timedelta(0))
    fake_openai.enqueue(ANSWERS[answer]())

    def sweeper_hands_it_on() -> None:
        # The sweeper re-queued the shot and a second task claimed it.
        Shot.objects.filter(pk=shot.pk).update(analysis_attempts=F("analysis_attempts") + 1)

    run = services.shot_analyze(shot_id=shot.pk, analyser=MeanwhileAnalyser(sweeper_hands_it_on))

    assert run.claimed is False
    shot.refresh_from_db()
    assert (shot.status, shot.analysis_attempts) == (ShotStatus.ANALYZING, 2)
    assert shot.carry is None
    # Its row stays on record, closed, with what a paid answer cost.
    analysis = shot.analyses.get()
    assert analysis.outcome == AnalysisOutcome.INTERRUPTED
    assert analysis.tokens_in == (1200 if answer == "good" else 0)


# --- Review ---------------------------------------------------------------------


def test_confirming_a_shot_held_for_review_makes_it_count(upload, golfer, browser, fake_openai):
    fake_openai.enqueue(
        fake.good_answer(fake.screen_answer({**DRIVER_NUMBERS, "carry": (420, "yds")}, club="Dr"))
    )
    upload()
    shot = the_shot(golfer)
    assert shot.status == ShotStatus.NEEDS_REVIEW
    assert "What needs a look" in browser.get(shot.get_absolute_url()).content.decode()

    response = browser.post(reverse("shots:confirm", args=[shot.pk]), follow=True)

    shot.refresh_from_db()
    assert shot.status == ShotStatus.CONFIRMED
    assert shot.is_counted
    assert PersonalBest.objects.get(golfer=golfer, club="driver", metric="carry").value == 420.0
    page = response.content.decode()
    assert "Shot confirmed. It now counts." in page
    assert "Personal best with your Driver" in page
    assert "What needs a look" not in page  # the golfer has settled it


def test_confirming_an_analysed_shot_keeps_its_records(upload, golfer, browser, fake_openai):
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    upload()
    shot = the_shot(golfer)

    browser.post(reverse("shots:confirm", args=[shot.pk]))

    shot.refresh_from_db()
    assert shot.status == ShotStatus.CONFIRMED
    assert PersonalBest.objects.get(golfer=golfer, metric="ball_speed").shot == shot


@pytest.mark.parametrize("status", [ShotStatus.RECEIVED, ShotStatus.QUEUED, ShotStatus.ANALYZING])
def test_a_shot_cannot_be_confirmed_while_its_photo_is_read(golfer, browser, status):
    shot = stored_photo_shot(golfer, status=status, attempts=0, age=timedelta(0))

    response = browser.post(reverse("shots:confirm", args=[shot.pk]), follow=True)

    shot.refresh_from_db()
    assert shot.status == status
    assert "still being read" in response.content.decode()


def test_the_shot_page_polls_while_pending_and_stops_once_read(golfer, browser, fake_openai):
    shot = stored_photo_shot(golfer, status=ShotStatus.QUEUED, attempts=0, age=timedelta(0))
    status_url = reverse("shots:status", args=[shot.pk])

    page = browser.get(shot.get_absolute_url()).content.decode()
    assert f'<img src="{reverse("shots:photo", args=[shot.pk])}"' in page
    assert f'hx-get="{status_url}"' in page
    assert "Reading the numbers from your photo" in page

    partial = browser.get(status_url)
    assert partial.status_code == 200
    assert partial.templates[0].name == "shots/_shot_panel.html"
    panel = partial.content.decode()
    assert panel.lstrip().startswith('<section id="shot-panel"')
    assert f'hx-get="{status_url}"' in panel

    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    services.shot_analyze(shot_id=shot.pk)

    panel = browser.get(status_url).content.decode()
    assert "hx-get" not in panel
    assert "Analysed" in panel
    assert "Carry" in panel
    page = browser.get(shot.get_absolute_url()).content.decode()
    assert "hx-get" not in page
    assert f'<img src="{reverse("shots:photo", args=[shot.pk])}"' in page


# --- Privacy --------------------------------------------------------------------


def test_the_photo_is_served_to_its_owner_only(client, golfer, browser):
    shot = stored_photo_shot(golfer, status=ShotStatus.QUEUED, attempts=0, age=timedelta(0))
    photo_url = reverse("shots:photo", args=[shot.pk])

    response = browser.get(photo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    with shot.image.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()

    client.logout()
    anonymous = client.get(photo_url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))

    client.force_login(UserFactory())
    assert client.get(photo_url).status_code == 404


def test_another_golfers_shot_is_404_on_every_photo_url(client, golfer):
    shot = stored_photo_shot(golfer, status=ShotStatus.ANALYZING, attempts=1, age=timedelta(0))
    Shot.objects.filter(pk=shot.pk).update(status=ShotStatus.NEEDS_REVIEW, club="driver", carry=200)
    client.force_login(UserFactory())

    for name in ("detail", "status", "photo", "edit"):
        assert client.get(reverse(f"shots:{name}", args=[shot.pk])).status_code == 404, name
    assert client.post(reverse("shots:confirm", args=[shot.pk])).status_code == 404
    shot.refresh_from_db()
    assert shot.status == ShotStatus.NEEDS_REVIEW


# --- Idempotency ----------------------------------------------------------------


def test_a_double_submit_of_the_form_makes_one_shot(upload, golfer, fake_openai):
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    token = uuid.uuid4().hex

    first = upload(screen_photo("navy"), client_token=token)
    # A re-submit of the same form (same token) even with a re-encoded photo.
    second = upload(screen_photo("maroon"), client_token=token)

    shot = the_shot(golfer)
    assert first["Location"] == second["Location"] == shot.get_absolute_url()
    assert len(fake_openai.requests) == 1


def test_the_same_photo_uploaded_twice_gives_back_the_first_shot(
    upload, golfer, browser, fake_openai
):
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    photo = screen_photo()

    upload(photo)
    second = upload(photo)

    shot = the_shot(golfer)
    assert second["Location"] == shot.get_absolute_url()
    page = browser.get(second["Location"]).content.decode()
    assert "already uploaded this photo" in page
    assert len(fake_openai.requests) == 1


def test_the_api_returns_the_first_shot_for_a_repeated_idempotency_key(
    api_upload, golfer, fake_openai
):
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))

    first = api_upload(screen_photo("navy"), idempotency_key="upload-1")
    again = api_upload(screen_photo("maroon"), idempotency_key="upload-1")
    same_photo = api_upload(screen_photo("navy"), idempotency_key="upload-2")

    assert (first.status_code, again.status_code, same_photo.status_code) == (201, 200, 200)
    assert first.json()["id"] == again.json()["id"] == same_photo.json()["id"]
    assert Shot.objects.filter(golfer=golfer).count() == 1
    assert len(fake_openai.requests) == 1


def test_the_same_photo_from_two_golfers_makes_two_shots(upload, client, golfer, fake_openai):
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN), fake.good_answer(DRIVER_SCREEN))
    photo = screen_photo()
    upload(photo)

    other = UserFactory()
    client.force_login(other)
    upload(photo)

    assert Shot.objects.filter(golfer=golfer).count() == 1
    assert Shot.objects.filter(golfer=other).count() == 1


# --- Broker outage and the sweeper -------------------------------------------------


def test_an_upload_during_a_broker_outage_is_kept_and_the_sweeper_finishes_it(
    upload, api_upload, golfer, fake_openai, point_celery_at, caplog
):
    # As in production (not eager), but the broker is unreachable.
    point_celery_at(eager=False, broker_url=DEAD_BROKER_URL)

    form_response = upload(screen_photo("navy"))
    api_response = api_upload(screen_photo("maroon"))

    assert form_response.status_code == 302
    assert api_response.status_code == 201, api_response.json()
    shots = list(Shot.objects.filter(golfer=golfer).order_by("id"))
    assert [shot.status for shot in shots] == [ShotStatus.RECEIVED] * 2
    assert all(shot.image.storage.exists(shot.image.name) for shot in shots)
    assert "Could not enqueue analysis" in caplog.text
    assert fake_openai.requests == []

    # Eager again, the broker still down: the sweeper's run needs no broker here.
    point_celery_at(eager=True, broker_url=DEAD_BROKER_URL)
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN), fake.good_answer(DRIVER_SCREEN))

    assert services.shots_requeue_stuck(stuck_for=timedelta(0)) == 2

    for shot in shots:
        shot.refresh_from_db()
        assert shot.status == ShotStatus.ANALYZED
        assert shot.analysis_attempts == 1


def test_the_sweeper_requeues_a_shot_a_dead_worker_left_analysing(golfer, fake_openai):
    shot = stored_photo_shot(
        golfer, status=ShotStatus.ANALYZING, attempts=1, age=timedelta(hours=1)
    )
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))

    assert services.shots_requeue_stuck() == 1

    shot.refresh_from_db()
    assert shot.status == ShotStatus.ANALYZED
    assert shot.analysis_attempts == 2
    assert outcomes(shot) == [AnalysisOutcome.ANALYZED]


def test_the_sweeper_gives_a_shot_out_of_attempts_to_the_golfer(golfer, settings, fake_openai):
    shot = stored_photo_shot(
        golfer,
        status=ShotStatus.ANALYZING,
        attempts=settings.ANALYSIS_MAX_ATTEMPTS,
        age=timedelta(hours=1),
    )

    assert services.shots_requeue_stuck() == 0

    shot.refresh_from_db()
    assert shot.status == ShotStatus.NEEDS_REVIEW
    analysis = shot.analyses.get()
    assert (analysis.analyser, analysis.outcome) == ("sweeper", AnalysisOutcome.NEEDS_REVIEW)
    assert analysis.problems
    assert shot.image.storage.exists(shot.image.name)
    assert fake_openai.requests == []


def test_the_sweeper_leaves_a_shot_that_is_still_being_read(golfer, settings, fake_openai):
    recent = timedelta(seconds=settings.ANALYSIS_STUCK_AFTER_SECONDS - 60)
    shot = stored_photo_shot(golfer, status=ShotStatus.ANALYZING, attempts=1, age=recent)

    assert services.shots_requeue_stuck() == 0

    shot.refresh_from_db()
    assert shot.status == ShotStatus.ANALYZING
    assert not shot.analyses.exists()
    assert fake_openai.requests == []


def test_the_management_command_requeues_stuck_shots(golfer, fake_openai):
    shot = stored_photo_shot(
        golfer, status=ShotStatus.RECEIVED, attempts=0, age=timedelta(seconds=30)
    )
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    output = io.StringIO()

    call_command("requeue_stuck_shots", stdout=output)  # 30 s is not stuck yet
    assert output.getvalue() == "Re-enqueued 0 stuck shots.\n"

    call_command("requeue_stuck_shots", "--older-than", "10", stdout=output)

    assert output.getvalue().endswith("Re-enqueued 1 stuck shot.\n")
    shot.refresh_from_db()
    assert shot.status == ShotStatus.ANALYZED


def test_the_management_command_refuses_a_negative_age(db):
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("requeue_stuck_shots", "--older-than", "-5")
