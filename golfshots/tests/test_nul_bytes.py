"""Bad input is a 400 that says so, never an outage (issue 15).

A NUL byte in a store's slug (``/s/al%00pha/``) or in the customer search
(``?q=%00``) reached PostgreSQL, which refuses NUL in text, and the error was
answered "service briefly unavailable". JSON nested 1,000 deep made Python's
parser raise RecursionError: a 500 for a 2 KB anonymous request.
"""

from __future__ import annotations

import socket

import pytest
from django.db import DatabaseError, DataError, OperationalError, ProgrammingError, connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.http import HttpResponse
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from golfshots.middleware import (
    CONTROL_CHARACTER_MESSAGE,
    DatabaseUnavailableMiddleware,
    is_database_outage,
)
from golfshots.parsers import MAX_DEPTH, NUL_MESSAGE, TOO_DEEP_MESSAGE
from retailers.models import Membership, PlanStatus, Retailer, Role

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def store() -> Retailer:
    return Retailer.objects.create(name="Alpha", slug="alpha", plan_status=PlanStatus.ACTIVE)


@pytest.fixture
def staff_client(client, store):
    staff = UserFactory.create()
    Membership.objects.create(user=staff, retailer=store, role=Role.OWNER)
    client.force_login(staff)
    return client


# --- The address -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/s/al%00pha/",
        "/console/al%00pha/",
        "/?next=%00",
        "/s/alpha/?board=%0d%0aSet-Cookie:x",
        "/s/alpha/%7f/",
    ],
)
def test_it_rejects_a_control_character_in_the_address_with_a_400(client, store, url):
    response = client.get(url)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().strip() == CONTROL_CHARACTER_MESSAGE


def test_it_rejects_a_nul_in_the_customer_search_with_a_400(staff_client, store):
    response = staff_client.get(reverse("console:customers", args=[store.slug]), {"q": "\x00"})

    assert response.status_code == 400


def test_it_answers_json_for_a_nul_in_an_api_address(store):
    response = APIClient().get("/api/v1/retailers/al%00pha/shots/")

    assert response.status_code == 400
    assert response.json() == {"detail": CONTROL_CHARACTER_MESSAGE}


def test_it_still_serves_an_address_with_percent_encoded_text(client, store):
    # Only control characters are refused: an accented search or a space is fine.
    assert client.get("/s/alpha/", {"q": "Zoë Müller"}).status_code == 200


# --- Bodies --------------------------------------------------------------------------


def test_a_form_field_with_a_nul_is_a_form_error(client):
    UserFactory.create(username="gary")

    response = client.post(reverse("login"), {"username": "ga\x00ry", "password": "x"})

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()


def test_it_rejects_a_nul_anywhere_in_a_json_body():
    api = APIClient()

    in_value = api.post(
        TOKEN_URL, '{"username": "ga\\u0000ry", "password": "x"}', content_type="application/json"
    )
    in_key = api.post(
        TOKEN_URL, '{"user\\u0000name": "gary", "password": "x"}', content_type="application/json"
    )

    assert in_value.status_code == in_key.status_code == 400
    assert in_value.json() == in_key.json() == {"detail": NUL_MESSAGE}


def test_it_rejects_json_nested_1000_deep_with_a_400():
    body = "[" * 1000 + "]" * 1000  # 2 KB, anonymous: was a RecursionError, a 500

    response = APIClient().post(TOKEN_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": TOO_DEEP_MESSAGE}


@pytest.mark.parametrize("url", ["/api/v1/shots/", "/api/v1/imports/"])
def test_the_shot_and_import_apis_parse_json_with_the_same_limits(store, url):
    # Both set their own parser_classes; they must name the bounded parser.
    golfer = UserFactory.create()
    api = APIClient()
    api.force_authenticate(golfer)

    deep = api.post(url, "[" * 1000 + "]" * 1000, content_type="application/json")
    nul = api.post(
        url, '{"club": "driver", "retailer": "al\\u0000pha"}', content_type="application/json"
    )

    assert deep.status_code == 400
    assert deep.json() == {"detail": TOO_DEEP_MESSAGE}
    assert nul.status_code == 400
    assert nul.json() == {"detail": NUL_MESSAGE}


def test_it_rejects_json_one_level_deeper_than_the_limit():
    api = APIClient()
    deepest = '{"username": ' + "[" * (MAX_DEPTH - 1) + '"x"' + "]" * (MAX_DEPTH - 1) + "}"
    too_deep = '{"username": ' + "[" * MAX_DEPTH + '"x"' + "]" * MAX_DEPTH + "}"

    # At the limit the body parses, and the serializer says what is wrong with it.
    assert "username" in api.post(TOKEN_URL, deepest, content_type="application/json").json()
    refused = api.post(TOKEN_URL, too_deep, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json() == {"detail": TOO_DEEP_MESSAGE}


# --- What counts as an outage ------------------------------------------------------


def _raised_by(sql: str, params: list[str] | None = None) -> DatabaseError:
    with pytest.raises(DatabaseError) as caught, connection.cursor() as cursor:
        cursor.execute(sql, params)
    return caught.value


def test_a_nul_or_a_bad_query_from_postgresql_is_not_an_outage():
    nul = _raised_by("SELECT %s::text", ["al\x00pha"])
    bad_query = _raised_by("SELECT no_such_column FROM retailers_retailer")
    # SQLSTATE 54023: psycopg files it under OperationalError, but the query asked for it.
    too_many_arguments = _raised_by(f"SELECT concat({', '.join(['1'] * 101)})")

    assert isinstance(nul, DataError)
    assert isinstance(bad_query, ProgrammingError)
    assert not is_database_outage(nul)
    assert not is_database_outage(bad_query)
    assert not is_database_outage(too_many_arguments)


def test_a_database_that_refuses_connections_is_an_outage():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = {**connection.settings_dict, "PORT": closed_port, "OPTIONS": {"connect_timeout": 1}}
    down = DatabaseWrapper(settings, alias="down")

    with pytest.raises(OperationalError) as caught:
        down.ensure_connection()

    assert is_database_outage(caught.value)


def test_the_outage_middleware_leaves_a_data_error_alone(rf):
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    nul = _raised_by("SELECT %s::text", ["\x00"])

    assert middleware.process_exception(rf.get("/s/alpha/"), nul) is None
