"""A lost database answers 503 wherever it is noticed: in a view, or in any middleware.

Django turns an exception raised inside a middleware into a 500 before the
middleware around it sees it; these tests put the failure there. The failure
is raised by hand, as golfshots/tests/test_health.py does for views, because
the point is where it is raised; golfshots/tests/test_database_outage.py
stops a real PostgreSQL under a real gunicorn.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DataError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import path


def ok_view(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


urlpatterns = [
    path("page/", ok_view),
    path("api/v1/thing/", ok_view),
]


class LosesTheDatabaseOnTheWayIn:
    """Stands for a middleware that reads the session or the user as PostgreSQL goes away."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


class LosesTheDatabaseOnTheWayOut(LosesTheDatabaseOnTheWayIn):
    """Stands for SessionMiddleware saving a changed session after the view."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.get_response(request)
        raise OperationalError("server closed the connection unexpectedly")


class SendsBadInput(LosesTheDatabaseOnTheWayIn):
    def __call__(self, request: HttpRequest) -> HttpResponse:
        raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")


def with_inner_middleware(settings, middleware: type) -> Client:
    inner = f"{__name__}.{middleware.__name__}"
    auth = settings.MIDDLEWARE.index("accounts.middleware.UserTimezoneMiddleware")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:auth], inner, *settings.MIDDLEWARE[auth:]]
    # The test client re-raises what Django reports through got_request_exception;
    # a browser gets the response.
    return Client(raise_request_exception=False)


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("middleware", [LosesTheDatabaseOnTheWayIn, LosesTheDatabaseOnTheWayOut])
def test_a_middleware_losing_the_database_answers_the_503_page(settings, middleware):
    response = with_inner_middleware(settings, middleware).get("/page/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls(__name__)
def test_under_the_api_a_middleware_losing_the_database_answers_json_503(settings):
    response = with_inner_middleware(settings, LosesTheDatabaseOnTheWayIn).get("/api/v1/thing/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "briefly unavailable" in response.json()["detail"]


@pytest.mark.urls(__name__)
def test_bad_input_raised_in_a_middleware_stays_a_500_not_an_outage(settings):
    response = with_inner_middleware(settings, SendsBadInput).get("/page/")

    assert response.status_code == 500
    assert "Retry-After" not in response
