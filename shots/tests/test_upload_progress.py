"""An upload answers at once and shows its progress; the badge and the message agree.

The background path is the embedded default's: eager Celery with
ANALYSIS_IN_BACKGROUND, the analysis on one thread of the web process. The
analyser is the OpenAI one pointed at a local fake server that can be told to
answer slowly, so "the upload returned before the analysis finished" is timed
against a real analysis, not a stub.
"""

from __future__ import annotations

import io
import re
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from shots import services, tasks
from shots.models import Shot, ShotStatus
from shots.tests import fake_openai as fake
from shots.tests.photos import screen_photo, shrunk_screen_photo
from shots.tests.test_pipeline import DRIVER_SCREEN

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_analysis")]

UPLOAD_URL = reverse("shots:upload")
ANALYSIS_SECONDS = 3.0


@pytest.fixture
def in_background(settings):
    settings.ANALYSIS_IN_BACKGROUND = True
    yield
    # Nothing of this test may still run when the next one flushes the tables.
    assert tasks.analysis_worker.wait_until_idle(timeout=30)


def _post_photo(client):
    return client.post(
        UPLOAD_URL,
        {
            "image": SimpleUploadedFile("screen.jpg", screen_photo(), content_type="image/jpeg"),
            "club": "",
            "client_token": uuid.uuid4().hex,
        },
    )


def _badge_and_message(html: str) -> tuple[str, str]:
    panel = html[html.index('id="shot-panel"') :]
    # The status badge, not the trust level's badge beside it.
    badge = re.search(r'<span class="badge badge-(?!trust)[^"]*">([^<]+)</span>', panel)
    assert badge is not None
    return badge.group(1).strip(), panel


def test_it_answers_the_upload_before_the_analysis_finishes_and_the_shot_ends_analysed(
    client, golfer, fake_openai, in_background
):
    fake_openai.enqueue(fake.slow(fake.good_answer(DRIVER_SCREEN), ANALYSIS_SECONDS))
    client.force_login(golfer)

    started = time.monotonic()
    response = _post_photo(client)
    took = time.monotonic() - started

    assert response.status_code == 302
    assert took < ANALYSIS_SECONDS - 0.5, f"the upload waited for the analysis ({took:.1f} s)"
    shot = Shot.objects.get(golfer=golfer)
    assert shot.status in {ShotStatus.QUEUED, ShotStatus.ANALYZING}
    page = client.get(response["Location"]).content.decode()
    badge, panel = _badge_and_message(page)
    assert badge in {"Queued", "Analysing", "Received"}
    assert "Reading the numbers" in panel
    assert "Photo received." in page

    assert tasks.analysis_worker.wait_until_idle(timeout=30)
    shot.refresh_from_db()
    assert shot.status == ShotStatus.ANALYZED
    assert shot.carry is not None
    badge, panel = _badge_and_message(
        client.get(reverse("shots:status", args=[shot.pk])).content.decode()
    )
    assert badge == "Analysed"
    assert "Reading the numbers" not in panel


def test_it_shows_no_reading_message_beside_an_analysed_badge(client, golfer, fake_openai):
    # In-request analysis (tests, or a worker faster than the redirect): the
    # shot is analysed when the page is drawn, and nothing on it says otherwise.
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    client.force_login(golfer)

    response = _post_photo(client)
    page = client.get(response["Location"]).content.decode()

    badge, _panel = _badge_and_message(page)
    assert badge == "Analysed"
    assert "Reading the numbers" not in page


def test_the_progress_page_says_when_the_photo_shows_no_numbers(
    client, golfer, settings, in_background
):
    # The local OCR analyser, on a thread of this process, reads a plain colour. A
    # plain colour reads fast, so the worker's one thread is held busy until the
    # upload has answered: otherwise the page could find the analysis done already.
    settings.SHOT_ANALYSER = "ocr"
    client.force_login(golfer)
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "#3a6ea5").save(buffer, "JPEG")
    upload_answered = threading.Event()
    tasks.analysis_worker.submit(lambda: upload_answered.wait(timeout=60))

    response = client.post(
        UPLOAD_URL,
        {
            "image": SimpleUploadedFile("wall.jpg", buffer.getvalue(), content_type="image/jpeg"),
            "club": "",
            "client_token": uuid.uuid4().hex,
        },
    )

    assert response.status_code == 302  # the analysis had not finished: the page polls
    shot = Shot.objects.get(golfer=golfer)
    status_url = reverse("shots:status", args=[shot.pk])
    assert f'hx-get="{status_url}"' in client.get(response["Location"]).content.decode()
    upload_answered.set()
    assert tasks.analysis_worker.wait_until_idle(timeout=60)
    panel = client.get(status_url).content.decode()
    assert "We could not find launch-monitor numbers in this photo." in panel
    assert "hx-get" not in panel  # settled: the polling stops
    assert reverse("shots:edit", args=[shot.pk]) in panel
    assert reverse("shots:discard", args=[shot.pk]) in panel
    badge, _panel = _badge_and_message(panel)
    assert badge == "No numbers found"


def test_it_recovers_a_shot_that_an_ended_process_left_queued(golfer, fake_openai, in_background):
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))
    # Stored and queued, but the thread that held it died with its process.
    shot, _ = services.shot_create_from_photo(golfer=golfer, photo=shrunk_screen_photo())
    Shot.objects.filter(pk=shot.pk).update(
        status=ShotStatus.QUEUED, updated_at=timezone.now() - timedelta(hours=1)
    )
    assert tasks.analysis_worker.wait_until_idle(timeout=30)  # the create's own enqueue
    Shot.objects.filter(pk=shot.pk).update(
        status=ShotStatus.QUEUED, updated_at=timezone.now() - timedelta(hours=1)
    )
    fake_openai.enqueue(fake.good_answer(DRIVER_SCREEN))

    tasks.analysis_recover_after_restart()

    assert tasks.analysis_worker.wait_until_idle(timeout=30)
    shot.refresh_from_db()
    assert shot.status == ShotStatus.ANALYZED


@pytest.mark.browser
def test_it_shows_progress_at_once_and_sends_the_photo_only_once(
    browser_page, live_server, fake_openai, tmp_path
):
    # The analysis runs inside the request here and takes seconds, so the
    # upload page stays in front of us while we look at the button.
    fake_openai.enqueue(fake.slow(fake.good_answer(DRIVER_SCREEN), ANALYSIS_SECONDS))
    golfer = UserFactory(username="snap")
    photo = tmp_path / "screen.png"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "navy").save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/?next={UPLOAD_URL}")
    page.get_by_label("Username").fill(golfer.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{UPLOAD_URL}")
    page.get_by_label("Photo of the screen").set_input_files(str(photo))
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    # The page reports what it saw through a binding rather than an evaluate
    # after the press: the navigation to the shot can commit at any moment
    # after the press, and an evaluate in flight then fails. A binding's call
    # is made while the upload page is still in front and arrives regardless.
    reports: list[dict] = []
    page.expose_function("reportUploadState", lambda seen: reports.append(seen))

    # Time the change in the page itself: from the press to the button going
    # busy. This submit listener is added after upload.js's, so it sees the
    # form as upload.js left it.
    page.evaluate(
        """() => {
          const button = document.querySelector("form.upload-form button[type=submit]");
          const form = document.querySelector("form.upload-form");
          button.addEventListener("click", () => { window.pressedAt = performance.now(); },
                                  {capture: true});
          new MutationObserver(() => {
            if (button.disabled && window.busyAt === undefined) window.busyAt = performance.now();
          }).observe(button, {attributes: true});
          let seen = null;
          form.addEventListener("submit", (event) => {
            if (seen === null) {
              seen = {disabled: button.disabled, busy: button.getAttribute("aria-busy"),
                      label: button.textContent.trim(), after: window.busyAt - window.pressedAt};
              // A second press (or Enter) is refused by the page itself. Sent
              // once this submit has finished: a submit inside a submit is
              // ignored by the browser and would prove nothing.
              setTimeout(() => form.requestSubmit(), 0);
            } else {
              seen.refused = event.defaultPrevented;
              window.reportUploadState(seen);
            }
          });
        }"""
    )

    page.get_by_role("button", name="Upload photo").click(no_wait_after=True)
    page.wait_for_url(re.compile(r"/shots/\d+/$"), timeout=20_000)
    assert len(reports) == 1, "the page did not report the second press"
    state = reports[0]
    assert state["disabled"] is True
    assert state["busy"] == "true"
    assert state["label"] == "Uploading…"
    assert state["after"] < 100, f"the button went busy {state['after']:.0f} ms after the press"
    assert state["refused"] is True
    expect(page.locator("#shot-panel .badge:not(.badge-trust)")).to_have_text(
        "Analysed", timeout=20_000
    )
    assert len(posts) == 1
    assert Shot.objects.filter(golfer=golfer).count() == 1
    assert page.console_errors == []
