"""Every error under /api/ is JSON with a ``detail`` a person can read, never an HTML page.

DRF answers errors inside its views; Django's handlers (golfshots/views.py)
answer the rest: no such URL, a crash, a request Django refuses before any view.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from golfshots import urls as project_urls
from golfshots import views

pytestmark = pytest.mark.django_db


def assert_json_detail(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body["detail"]


@api_view(["GET"])
@permission_classes([AllowAny])
def _crashing_endpoint(request):
    raise RuntimeError("a bug in an endpoint")


def _django_view_refusing(request):
    raise PermissionDenied


def _crashing_page(request):
    raise RuntimeError("a bug in a page")


# The real routes plus three that fail the ways no real route should.
urlpatterns = [
    path("api/v1/test-crash/", _crashing_endpoint),
    path("api/v1/test-refuse/", _django_view_refusing),
    path("test-crash/", _crashing_page),
    *project_urls.urlpatterns,
]
handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error


@pytest.mark.parametrize("url", ["/api/", "/api/v1/no-such-thing/", "/api/v2/shots/"])
def test_an_unknown_api_url_answers_404_json(api, url):
    detail = assert_json_detail(api.get(url), 404)

    assert "/api/docs/" in detail


def test_an_unknown_api_url_answers_json_to_anonymous_callers_too(client):
    assert_json_detail(client.post("/api/v1/no-such-thing/", {}), 404)


def test_an_unknown_page_outside_the_api_stays_html(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_object_answers_404_json(api):
    assert_json_detail(api.get("/api/v1/shots/999999999/"), 404)


def test_a_method_the_endpoint_lacks_answers_405_json(api):
    detail = assert_json_detail(api.put("/api/v1/shots/", {}, format="json"), 405)

    assert "PUT" in detail


def test_malformed_json_answers_400_json(api):
    response = api.post("/api/v1/shots/", '{"club": "driver",', content_type="application/json")

    assert_json_detail(response, 400)


def test_an_unsupported_body_type_answers_415_json(api):
    response = api.post("/api/v1/shots/", "club=driver", content_type="text/plain")

    assert_json_detail(response, 415)


def test_a_request_django_refuses_answers_400_json(db):
    # A Host outside ALLOWED_HOSTS is refused before any view runs.
    response = Client().get("/api/v1/shots/", HTTP_HOST="evil.example")

    assert_json_detail(response, 400)


@pytest.mark.urls(__name__)
def test_a_crash_in_an_endpoint_answers_500_json():
    response = Client(raise_request_exception=False).get("/api/v1/test-crash/")

    detail = assert_json_detail(response, 500)
    assert "a bug" not in detail  # nothing of the exception reaches the caller


@pytest.mark.urls(__name__)
def test_a_refusal_outside_drf_under_the_api_answers_403_json():
    assert_json_detail(Client().get("/api/v1/test-refuse/"), 403)


@pytest.mark.urls(__name__)
def test_a_crash_in_a_page_still_answers_the_html_error_page():
    response = Client(raise_request_exception=False).get("/test-crash/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"Something went wrong" in response.content
