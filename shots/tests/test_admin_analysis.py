"""The platform-staff admin for photo analysis: audit trail, AI spend, review queue."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from shots.models import (
    AnalysisOutcome,
    Club,
    PersonalBest,
    Shot,
    ShotAnalysis,
    ShotSource,
    ShotStatus,
)
from shots.selectors import ai_spend_by_month

pytestmark = pytest.mark.django_db

SPEND_URL = "admin:shots_shotanalysis_spend"
QUEUE_URL = "admin:shots_shotneedingreview_changelist"


@pytest.fixture
def golfer() -> User:
    return User.objects.create_user("birdie", "birdie@example.com", "golfer password")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def photo_shot(golfer: User, **fields) -> Shot:
    values = {
        "club": Club.DRIVER,
        "status": ShotStatus.NEEDS_REVIEW,
        "source": ShotSource.PHOTO,
        "ball_speed": 150.0,
        "club_speed": 103.0,
        "carry": 240.0,
        **fields,
    }
    return Shot.objects.create(golfer=golfer, **values)


def analysis_of(shot: Shot, **fields) -> ShotAnalysis:
    values = {
        "attempt": 1,
        "analyser": "openai",
        "model": "gpt-4o-mini",
        "outcome": AnalysisOutcome.NEEDS_REVIEW,
        "tokens_in": 1000,
        "tokens_out": 100,
        "cost": Decimal("0.000210"),
        "problems": [{"metric": "carry", "message": "Carry looks long for a driver."}],
        **fields,
    }
    return ShotAnalysis.objects.create(shot=shot, **values)


def month_start(months_ago: int) -> datetime:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months_ago
    return timezone.make_aware(datetime(index // 12, index % 12 + 1, 1))


def dated(analysis: ShotAnalysis, when: datetime) -> ShotAnalysis:
    # created_at is auto_now_add; only update() can move it into the past.
    ShotAnalysis.objects.filter(pk=analysis.pk).update(created_at=when)
    return analysis


def jpeg_bytes() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 60)).save(output, "JPEG")
    return output.getvalue()


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
    return len(queries)


# --- Monthly AI spend ----------------------------------------------------------


def test_the_spend_summary_sums_by_month_and_analyser(golfer):
    first, second, third = photo_shot(golfer), photo_shot(golfer), photo_shot(golfer)
    this_month = month_start(0) + timedelta(hours=12)
    last_month = month_start(1) + timedelta(days=9)
    dated(analysis_of(first, cost=Decimal("0.010000"), tokens_in=1000, tokens_out=50), this_month)
    dated(
        analysis_of(
            first,
            attempt=2,
            outcome=AnalysisOutcome.ANALYZED,
            cost=Decimal("0.020000"),
            tokens_in=2000,
            tokens_out=70,
        ),
        this_month,
    )
    dated(
        analysis_of(
            second, outcome=AnalysisOutcome.FAILED, cost=Decimal("0.005000"), tokens_in=500
        ),
        this_month,
    )
    dated(
        analysis_of(second, analyser="ocr", model="", cost=Decimal("0"), tokens_in=0, tokens_out=0),
        this_month,
    )
    dated(analysis_of(third, cost=Decimal("0.100000"), tokens_in=9000, tokens_out=900), last_month)
    # Too old for a 12-month summary, and sweeper bookkeeping is not an analysis.
    dated(analysis_of(third, cost=Decimal("5")), month_start(12) + timedelta(days=2))
    dated(analysis_of(third, analyser="sweeper", cost=Decimal("0")), this_month)

    with CaptureQueriesContext(connection) as queries:
        rows = ai_spend_by_month(months=12)

    assert len(queries) == 1
    summary = {(row.month, row.analyser): row for row in rows}
    assert list(summary) == [
        (month_start(0).date(), "ocr"),
        (month_start(0).date(), "openai"),
        (month_start(1).date(), "openai"),
    ]
    openai_now = summary[(month_start(0).date(), "openai")]
    assert openai_now.analyses == 3
    assert openai_now.successful == 2
    assert openai_now.shots == 2
    assert (openai_now.tokens_in, openai_now.tokens_out) == (3500, 220)
    assert openai_now.cost == Decimal("0.035")
    assert openai_now.cost_per_shot == Decimal("0.0175")
    ocr_now = summary[(month_start(0).date(), "ocr")]
    assert (ocr_now.analyses, ocr_now.cost, ocr_now.cost_per_shot) == (1, Decimal("0"), 0)
    openai_before = summary[(month_start(1).date(), "openai")]
    assert (openai_before.analyses, openai_before.cost) == (1, Decimal("0.1"))


def test_the_spend_summary_can_cover_only_this_month(golfer):
    shot = photo_shot(golfer)
    dated(analysis_of(shot), month_start(0) + timedelta(hours=1))
    dated(analysis_of(shot), month_start(1) + timedelta(hours=1))

    assert [row.month for row in ai_spend_by_month(months=1)] == [month_start(0).date()]


def test_the_spend_page_shows_each_month_with_costs_in_dollars(admin_client, golfer):
    shot = photo_shot(golfer)
    dated(analysis_of(shot, cost=Decimal("0.123400")), month_start(0) + timedelta(hours=1))
    dated(analysis_of(shot, analyser="ocr", cost=Decimal("0")), month_start(0) + timedelta(hours=2))
    dated(analysis_of(shot, cost=Decimal("1.500000")), month_start(2) + timedelta(days=3))

    response = admin_client.get(reverse(SPEND_URL))

    assert response.status_code == 200
    html = response.content.decode()
    assert month_start(0).strftime("%B %Y") in html
    assert month_start(2).strftime("%B %Y") in html
    assert "$0.1234" in html
    assert "$1.5000" in html
    assert "All analysers" in html


def test_the_spend_page_takes_a_fixed_number_of_queries(admin_client, golfer):
    url = reverse(SPEND_URL)
    shot = photo_shot(golfer)
    dated(analysis_of(shot), month_start(0) + timedelta(hours=1))
    few = queries_for(admin_client, url)
    for months_ago in range(1, 12):
        for analyser in ("openai", "ocr"):
            dated(analysis_of(shot, analyser=analyser), month_start(months_ago) + timedelta(days=1))

    assert queries_for(admin_client, url) == few


def test_the_analyses_changelist_links_to_the_spend_page(admin_client, golfer):
    response = admin_client.get(reverse("admin:shots_shotanalysis_changelist"))

    assert reverse(SPEND_URL) in response.content.decode()


def test_golfers_are_sent_to_the_admin_login_from_the_spend_page(client, golfer):
    client.force_login(golfer)

    response = client.get(reverse(SPEND_URL))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_the_view_permission_cannot_see_the_spend(client):
    staff = User.objects.create_user("helper", "helper@example.com", "x", is_staff=True)
    client.force_login(staff)

    assert client.get(reverse(SPEND_URL)).status_code == 403

    staff.user_permissions.add(Permission.objects.get(codename="view_shotanalysis"))
    assert client.get(reverse(SPEND_URL)).status_code == 200


# --- Analyses ------------------------------------------------------------------


def test_the_analyses_changelist_queries_do_not_grow_with_the_rows(admin_client):
    url = reverse("admin:shots_shotanalysis_changelist")

    def add_analyses(count: int, offset: int) -> None:
        for index in range(offset, offset + count):
            golfer = User.objects.create_user(f"golfer{index}", f"g{index}@example.com", "x")
            analysis_of(photo_shot(golfer), model=f"model-{index % 3}")

    add_analyses(5, 0)
    with_five = queries_for(admin_client, url)
    add_analyses(45, 5)

    assert queries_for(admin_client, url) == with_five
    assert with_five <= 12


def test_analyses_can_be_found_by_shot_number_and_username(admin_client, golfer):
    other = User.objects.create_user("eagle", "eagle@example.com", "x")
    mine, theirs = analysis_of(photo_shot(golfer)), analysis_of(photo_shot(other))
    url = reverse("admin:shots_shotanalysis_changelist")

    def found(query: str) -> set[int]:
        response = admin_client.get(url, {"q": query})
        assert response.status_code == 200
        return {analysis.pk for analysis in response.context["cl"].result_list}

    assert found("birdie") == {mine.pk}
    assert found(str(theirs.shot_id)) == {theirs.pk}
    assert found(f"#{mine.shot_id}") == {mine.pk}


def test_raw_output_problems_and_errors_are_shown_escaped(admin_client, golfer):
    analysis = analysis_of(
        photo_shot(golfer),
        raw_output={"club": "<script>alert('raw')</script>", "carry": 240.0},
        values={"carry": 240.0},
        problems=[{"metric": "", "message": "<script>alert('problem')</script>"}],
        error="<script>alert('error')</script>",
    )

    response = admin_client.get(reverse("admin:shots_shotanalysis_change", args=[analysis.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;raw&#x27;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#x27;problem&#x27;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#x27;error&#x27;)&lt;/script&gt;" in html
    # Pretty-printed: one key per line, indented.
    assert "\n  &quot;carry&quot;: 240.0" in html


def test_a_raw_output_that_is_not_json_is_shown_as_escaped_text(admin_client, golfer):
    analysis = analysis_of(photo_shot(golfer), raw_output='{"carry": 24<img src=x onerror=1>')

    response = admin_client.get(reverse("admin:shots_shotanalysis_change", args=[analysis.pk]))

    assert "<img src=x" not in response.content.decode()
    assert "&lt;img src=x onerror=1&gt;" in response.content.decode()


def test_analyses_are_read_only_and_only_superusers_delete_them(admin_client, golfer):
    analysis = analysis_of(photo_shot(golfer))
    change_url = reverse("admin:shots_shotanalysis_change", args=[analysis.pk])
    delete_url = reverse("admin:shots_shotanalysis_delete", args=[analysis.pk])

    assert admin_client.get(reverse("admin:shots_shotanalysis_add")).status_code == 403
    assert admin_client.post(change_url, {"analyser": "forged"}).status_code == 403
    analysis.refresh_from_db()
    assert analysis.analyser == "openai"

    staff = User.objects.create_user("helper", "helper@example.com", "x", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_shotanalysis", "delete_shotanalysis"])
    )
    staff_client = Client()
    staff_client.force_login(staff)
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert ShotAnalysis.objects.filter(pk=analysis.pk).exists()

    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not ShotAnalysis.objects.filter(pk=analysis.pk).exists()


def test_a_photo_shots_page_lists_its_latest_analyses_newest_first(admin_client, golfer):
    shot = photo_shot(golfer)
    start = timezone.now() - timedelta(hours=1)
    for attempt in range(1, 13):
        dated(analysis_of(shot, attempt=attempt), start + timedelta(minutes=attempt))

    response = admin_client.get(reverse("admin:shots_shot_change", args=[shot.pk]))

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]
    attempts = [form.original.attempt for form in inline]
    assert attempts == list(range(12, 2, -1))
    assert f"?shot__id__exact={shot.pk}" in response.content.decode()


def test_a_typed_in_shot_has_no_analyses_inline(admin_client, golfer):
    shot = photo_shot(golfer, source=ShotSource.MANUAL, status=ShotStatus.CONFIRMED)

    response = admin_client.get(reverse("admin:shots_shot_change", args=[shot.pk]))

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"] == []


# --- Review queue ----------------------------------------------------------------


def test_the_review_queue_lists_only_shots_needing_review_oldest_first(admin_client, golfer):
    newer = photo_shot(golfer)
    older = photo_shot(golfer)
    Shot.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))
    for status in (ShotStatus.ANALYZED, ShotStatus.CONFIRMED, ShotStatus.FAILED):
        photo_shot(golfer, status=status)
    analysis_of(older, problems=[{"metric": "", "message": "First look."}])
    analysis_of(older, attempt=2, problems=[{"metric": "carry", "message": "Carry too long."}])

    response = admin_client.get(reverse(QUEUE_URL))

    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert [shot.pk for shot in listed] == [older.pk, newer.pk]
    html = response.content.decode()
    assert "carry: Carry too long." in html
    assert "First look." not in html


def test_the_review_queue_queries_do_not_grow_with_the_rows(admin_client, media):
    url = reverse(QUEUE_URL)

    def add_shots(count: int, offset: int) -> None:
        for index in range(offset, offset + count):
            golfer = User.objects.create_user(f"golfer{index}", f"g{index}@example.com", "x")
            shot = photo_shot(golfer, image=f"shots/2026/01/{index}.jpg")
            analysis_of(shot)

    add_shots(5, 0)
    with_five = queries_for(admin_client, url)
    add_shots(45, 5)

    assert queries_for(admin_client, url) == with_five
    assert with_five <= 12


def test_confirming_from_the_queue_confirms_and_sets_personal_bests(admin_client, golfer):
    shot = photo_shot(golfer, carry=251.0)
    no_club = photo_shot(golfer, club="")

    response = admin_client.post(
        reverse(QUEUE_URL),
        {"action": "confirm_as_read", "_selected_action": [shot.pk, no_club.pk]},
        follow=True,
    )

    assert response.status_code == 200
    shot.refresh_from_db()
    no_club.refresh_from_db()
    assert shot.status == ShotStatus.CONFIRMED
    assert no_club.status == ShotStatus.NEEDS_REVIEW
    record = PersonalBest.objects.get(golfer=golfer, club=Club.DRIVER, metric="carry")
    assert (record.value, record.shot_id) == (251.0, shot.pk)
    shown = [str(message) for message in response.context["messages"]]
    assert f"Shot #{no_club.pk}: Choose the club (correct the shot) before you confirm it." in shown
    assert "Confirmed 1 shot; they now count." in shown


def test_marking_failed_from_the_queue_takes_shots_off_it(admin_client, golfer):
    unreadable = photo_shot(golfer)
    kept = photo_shot(golfer)

    admin_client.post(
        reverse(QUEUE_URL), {"action": "mark_failed", "_selected_action": [unreadable.pk]}
    )

    unreadable.refresh_from_db()
    kept.refresh_from_db()
    assert unreadable.status == ShotStatus.FAILED
    assert kept.status == ShotStatus.NEEDS_REVIEW
    assert not PersonalBest.objects.exists()


# --- Staff photo view ------------------------------------------------------------


@pytest.fixture
def shot_with_photo(media, golfer) -> Shot:
    shot = photo_shot(golfer)
    shot.image.save("a1b2c3.jpg", ContentFile(jpeg_bytes()))
    return shot


def test_staff_see_the_photo_through_the_admin(admin_client, shot_with_photo):
    for name in ("admin:shots_shot_photo", "admin:shots_shotneedingreview_photo"):
        response = admin_client.get(reverse(name, args=[shot_with_photo.pk]))

        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content) == jpeg_bytes()
        assert "private" in response["Cache-Control"]


def test_the_queue_and_change_page_show_the_photo_from_the_admin_view(
    admin_client, shot_with_photo
):
    queue = admin_client.get(reverse(QUEUE_URL)).content.decode()
    change = admin_client.get(
        reverse("admin:shots_shot_change", args=[shot_with_photo.pk])
    ).content.decode()

    assert reverse("admin:shots_shotneedingreview_photo", args=[shot_with_photo.pk]) in queue
    assert reverse("admin:shots_shot_photo", args=[shot_with_photo.pk]) in change
    assert shot_with_photo.image.name not in queue + change


def test_a_queued_shot_opens_in_the_queue_with_its_photo_and_analyses(
    admin_client, shot_with_photo
):
    analysis_of(shot_with_photo)

    response = admin_client.get(
        reverse("admin:shots_shotneedingreview_change", args=[shot_with_photo.pk])
    )

    assert response.status_code == 200
    assert len(list(response.context["inline_admin_formsets"][0])) == 1
    photo_url = reverse("admin:shots_shotneedingreview_photo", args=[shot_with_photo.pk])
    assert photo_url in response.content.decode()


def test_golfers_cannot_use_the_staff_photo_view_even_for_their_own_shot(
    client, golfer, shot_with_photo
):
    client.force_login(golfer)

    response = client.get(reverse("admin:shots_shot_photo", args=[shot_with_photo.pk]))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_the_view_permission_cannot_see_photos(client, shot_with_photo):
    staff = User.objects.create_user("helper", "helper@example.com", "x", is_staff=True)
    client.force_login(staff)

    response = client.get(reverse("admin:shots_shot_photo", args=[shot_with_photo.pk]))

    assert response.status_code == 403


def test_a_shot_without_a_photo_is_a_404(admin_client, golfer):
    shot = photo_shot(golfer)

    assert admin_client.get(reverse("admin:shots_shot_photo", args=[shot.pk])).status_code == 404
    assert admin_client.get(reverse("admin:shots_shot_photo", args=[999999])).status_code == 404
