"""/ping: /healthz's answer through the whole middleware stack, the benchmarks' bare view."""

from __future__ import annotations

import pytest

# Headers only the middleware stack adds (security, django-csp, clickjacking):
# /healthz is answered before that stack, /ping after it.
STACK_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
)


@pytest.mark.django_db
def test_ping_answers_pong_through_the_middleware_with_no_query(client, django_assert_num_queries):
    # Anonymous, no session cookie: the session and the user stay unread
    # (UserTimezoneMiddleware asks for request.user, which needs no row then).
    with django_assert_num_queries(0):
        response = client.get("/ping", secure=True)

    assert response.status_code == 200
    assert response.content == b"pong"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    for header in STACK_HEADERS:
        assert header in response, header


def test_healthz_skips_the_middleware_that_ping_goes_through(client):
    response = client.get("/healthz", secure=True)

    assert response.status_code == 200
    for header in STACK_HEADERS:
        assert header not in response, header


def test_ping_is_refused_for_a_host_outside_allowed_hosts(client, settings):
    settings.ALLOWED_HOSTS = ["golfshots.example"]

    response = client.get("/ping", secure=True, headers={"Host": "elsewhere.example"})

    assert response.status_code == 400


def test_ping_answers_only_get_and_head(client):
    assert client.post("/ping", secure=True).status_code == 405
