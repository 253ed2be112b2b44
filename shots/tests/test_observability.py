"""What the photo pipeline tells an operator: Prometheus counters and JSON log lines.

The counters are prometheus_client's own, read from this process's registry
(the suite does not run in multiprocess mode; golfshots/tests/test_metrics.py
covers gunicorn). The tests are transactional so that on-commit work (the
enqueue, the counters) runs inside the request, as it does in production.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from prometheus_client import REGISTRY

from golfshots.logs import JsonFormatter, RequestIdFilter
from shots.models import Shot
from shots.tests import fake_openai as fake
from shots.tests.photos import screen_photo

pytestmark = pytest.mark.django_db(transaction=True)

SCREEN = fake.screen_answer(
    {"ball_speed": (150.0, "mph"), "club_speed": (103.0, "mph"), "carry": (240.0, "yds")},
    club="Driver",
)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def photo_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("screen.jpg", screen_photo("teal"), "image/jpeg")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The JSON lines the console handler would write, for the request and analysis loggers."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger("golfshots.request"), logging.getLogger("golfshots.analysis")]
    for each in loggers:
        each.addHandler(handler)
    yield stream
    for each in loggers:
        each.removeHandler(handler)


def log_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_counters_move_when_a_photo_is_uploaded_and_analysed(api, eager_analysis, fake_openai):
    fake_openai.enqueue(fake.good_answer(SCREEN, prompt_tokens=2000, completion_tokens=500))
    before = {
        "photos": sample("golfshots_shots_uploaded_total", source="photo"),
        "analysed": sample("golfshots_analyses_total", analyser="openai", outcome="analyzed"),
        "timed": sample("golfshots_analysis_duration_seconds_count", analyser="openai"),
        "input": sample("golfshots_openai_tokens_total", model="gpt-4o-mini", kind="input"),
        "output": sample("golfshots_openai_tokens_total", model="gpt-4o-mini", kind="output"),
        "cost": sample("golfshots_openai_cost_usd_total", model="gpt-4o-mini"),
    }

    response = api.post("/api/v1/shots/", {"image": photo_upload()}, format="multipart")

    assert response.status_code == 201, response.json()
    assert Shot.objects.get().status == "analyzed"
    assert sample("golfshots_shots_uploaded_total", source="photo") == before["photos"] + 1
    assert (
        sample("golfshots_analyses_total", analyser="openai", outcome="analyzed")
        == before["analysed"] + 1
    )
    assert (
        sample("golfshots_analysis_duration_seconds_count", analyser="openai")
        == before["timed"] + 1
    )
    assert (
        sample("golfshots_openai_tokens_total", model="gpt-4o-mini", kind="input")
        == before["input"] + 2000
    )
    assert (
        sample("golfshots_openai_tokens_total", model="gpt-4o-mini", kind="output")
        == before["output"] + 500
    )
    # gpt-4o-mini list prices: 2000 × $0.15 + 500 × $0.60 per million tokens.
    cost = sample("golfshots_openai_cost_usd_total", model="gpt-4o-mini") - before["cost"]
    assert Decimal(str(round(cost, 6))) == Decimal("0.000600")


def test_a_typed_in_shot_counts_as_its_source(api):
    before = sample("golfshots_shots_uploaded_total", source="api")

    response = api.post("/api/v1/shots/", {"club": "7i", "carry": 160}, format="json")

    assert response.status_code == 201, response.json()
    assert sample("golfshots_shots_uploaded_total", source="api") == before + 1


def test_a_rejected_upload_counts_nothing(api):
    before = sample("golfshots_shots_uploaded_total", source="photo")

    response = api.post(
        "/api/v1/shots/",
        {"image": SimpleUploadedFile("screen.jpg", b"not a photo", "image/jpeg")},
        format="multipart",
    )

    assert response.status_code == 400
    assert sample("golfshots_shots_uploaded_total", source="photo") == before


def test_the_request_id_of_the_upload_is_on_the_analysis_log_line(
    api, golfer, eager_analysis, fake_openai, json_log
):
    fake_openai.enqueue(fake.good_answer(SCREEN))

    response = api.post(
        "/api/v1/shots/",
        {"image": photo_upload()},
        format="multipart",
        headers={"X-Request-ID": "upload-7f3a9c21"},
    )

    assert response.status_code == 201, response.json()
    assert response["X-Request-ID"] == "upload-7f3a9c21"
    lines = log_lines(json_log)
    request_line = next(line for line in lines if line["logger"] == "golfshots.request")
    analysis_line = next(line for line in lines if line["logger"] == "golfshots.analysis")
    assert request_line["request_id"] == analysis_line["request_id"] == "upload-7f3a9c21"
    assert (request_line["method"], request_line["path"], request_line["status"]) == (
        "POST",
        "/api/v1/shots/",
        201,
    )
    assert request_line["user_id"] == golfer.pk
    assert request_line["duration_ms"] > 0
    assert analysis_line["shot_id"] == response.json()["id"]
    assert analysis_line["outcome"] == "analyzed"
    assert analysis_line["analyser"] == "openai"


def test_a_request_without_an_id_gets_a_fresh_one(client, json_log):
    first = client.get("/healthz")
    second = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith a newline"})

    ids = [line["request_id"] for line in log_lines(json_log)]
    assert ids == [first["X-Request-ID"], second["X-Request-ID"]]
    assert len(set(ids)) == 2
    assert all(len(each) == 32 for each in ids)  # uuid4 hex, not the caller's text
