"""/metrics: who may read it, the gauges it reads from the database, and gunicorn's sum."""

from __future__ import annotations

import json
import re
import socket
import time
from datetime import timedelta
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.tests.factories import UserFactory
from golfshots.tests.servers import gunicorn_instance
from shots.models import Shot, ShotStatus

REPO = Path(__file__).resolve().parents[2]
TOKEN = "scrape-token-for-tests"


def scrape(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} from Prometheus text."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def production_metrics(settings):
    settings.DEBUG = False
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


@pytest.mark.django_db
def test_metrics_is_refused_without_the_token_in_production(client, production_metrics):
    response = client.get("/metrics")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"golfshots_" not in response.content


@pytest.mark.django_db
def test_metrics_is_refused_with_a_wrong_token(client, production_metrics):
    response = client.get("/metrics", headers={"Authorization": "Bearer guess"})

    assert response.status_code == 401


@pytest.mark.django_db
def test_metrics_answers_the_bearer_of_the_token(client, production_metrics):
    client.get("/")

    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "django_http_responses_total_by_status_total{" in text
    assert "golfshots_analysis_backlog_oldest_seconds" in text


@pytest.mark.django_db
def test_metrics_answers_an_allowed_address_without_a_token(client, settings):
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = [__import__("ipaddress").ip_network("127.0.0.0/8")]

    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404


@pytest.mark.django_db
def test_metrics_is_absent_in_production_when_nothing_is_configured(client, settings):
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []

    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_the_database_gauges_show_the_backlog_and_the_shots_needing_review(
    client, production_metrics
):
    golfer = UserFactory()
    now = timezone.now()
    waiting = [
        Shot.objects.create(golfer=golfer, status=ShotStatus.QUEUED, source="photo"),
        Shot.objects.create(golfer=golfer, status=ShotStatus.RECEIVED, source="photo"),
    ]
    Shot.objects.filter(pk=waiting[0].pk).update(created_at=now - timedelta(minutes=20))
    Shot.objects.create(golfer=golfer, status=ShotStatus.NEEDS_REVIEW, source="photo")
    Shot.objects.create(golfer=golfer, status=ShotStatus.CONFIRMED, club="7i", carry=160)

    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    samples = scrape(response.content.decode())
    assert samples[("golfshots_analysis_backlog_shots", ())] == 2
    assert 20 * 60 <= samples[("golfshots_analysis_backlog_oldest_seconds", ())] < 21 * 60
    assert samples[("golfshots_shots_needs_review", ())] == 1
    assert samples[("golfshots_db_server_connections", ())] >= 1
    assert samples[("golfshots_db_server_connections_max", ())] >= 10


@pytest.mark.django_db
def test_an_empty_backlog_is_zero_seconds_old(client, production_metrics):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    samples = scrape(response.content.decode())
    assert samples[("golfshots_analysis_backlog_oldest_seconds", ())] == 0
    assert samples[("golfshots_analysis_backlog_shots", ())] == 0


@pytest.mark.django_db
def test_a_request_records_the_pool_size_and_the_process_memory(client, production_metrics):
    client.get("/healthz")

    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    samples = scrape(response.content.decode())
    assert samples[("golfshots_db_pool_connections_max", (("alias", "default"),))] >= 1
    assert ("golfshots_db_pool_connections_in_use", (("alias", "default"),)) in samples
    memory = samples[("golfshots_process_resident_memory_bytes", (("role", "web"),))]
    assert 10 * 2**20 < memory < 4 * 2**30


# --- gunicorn with two workers ----------------------------------------------------


def get(url: str, *, token: str = "") -> tuple[int, str]:
    request = Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


def requests_through_the_stack(text: str) -> float:
    """Requests timed by django-prometheus, every view: probes and scrapes skip it."""
    return sum(
        value
        for (name, _labels), value in scrape(text).items()
        if name == "django_http_requests_latency_seconds_by_view_method_count"
    )


@pytest.mark.django_db(transaction=True)
def test_metrics_under_gunicorn_sum_both_workers(tmp_path):
    with gunicorn_instance(tmp_path, workers=2, METRICS_TOKEN=TOKEN) as web:
        # A worker that has accepted a half-sent request is busy until it is
        # finished, so everything else must go to the other worker: both serve.
        held = socket.create_connection(("127.0.0.1", web.port), timeout=10)
        held.sendall(b"GET /api/v1/shots/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.3)
        for _ in range(20):
            assert get(f"{web.url}/api/v1/shots/")[0] == 401
        held.sendall(b"Connection: close\r\n\r\n")
        assert held.recv(1024).startswith(b"HTTP/1.1 401")
        held.close()
        time.sleep(0.2)

        status, text = get(f"{web.url}/metrics", token=TOKEN)
    log_path = web.log_path

    assert status == 200
    boot_lines = [line for line in log_path.read_text().splitlines() if "Booting worker" in line]
    assert len(boot_lines) == 2
    assert all(json.loads(line)["logger"] == "gunicorn.error" for line in boot_lines)
    request_lines = [
        json.loads(line)
        for line in log_path.read_text().splitlines()
        if line.startswith("{") and '"golfshots.request"' in line
    ]
    api_lines = [line for line in request_lines if line["path"] == "/api/v1/shots/"]
    assert len(api_lines) == 21  # one line per request, none twice
    assert len({line["pid"] for line in api_lines}) == 2, "both workers should have served some"
    # 20 + the held one, counted by two processes, summed in one scrape.
    assert requests_through_the_stack(text) == 21


def test_every_series_we_export_is_documented_and_nothing_else():
    defined = set(
        re.findall(r'"(golfshots_[a-z_]+)"', (REPO / "golfshots/monitoring.py").read_text())
    )
    operations = (REPO / "docs/operations.md").read_text()
    section = operations[
        operations.index("## Metrics and dashboards") : operations.index("## Logs")
    ]
    documented = {name.removesuffix("_total") for name in re.findall(r"golfshots_[a-z_]+", section)}

    assert {"golfshots_analyses", "golfshots_analysis_backlog_oldest_seconds"} <= defined
    assert sorted(defined - documented) == [], "document these in docs/operations.md"
    assert sorted(documented - defined) == [], "docs/operations.md names series that do not exist"


@pytest.mark.django_db
def test_a_scraper_on_a_private_address_is_answered_whatever_the_host(client, settings):
    settings.ALLOWED_HOSTS = ["golfshots.example.com"]
    settings.DEBUG = False
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    private = {"HTTP_HOST": "10.0.3.7:8000"}

    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, **private)
    probed = client.get("/healthz", **private)
    page = client.get("/", **private)

    assert (scraped.status_code, probed.status_code) == (200, 200)
    assert page.status_code == 400  # everything else still checks ALLOWED_HOSTS
