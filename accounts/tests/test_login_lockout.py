"""Log-in lockout (django-axes, accounts/lockout.py) on the three ways in: the log-in page,
Django admin and the API's token endpoint. Real PostgreSQL; the Redis test uses a
Redis that is not there."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 5  # AXES_FAILURE_LIMIT: one username from one address
LOCKED_MESSAGE = "Too many failed log-ins; try again in 15 minutes."


def html_log_in(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def admin_log_in(client, username: str, password: str, **extra):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        **extra,
    )


def token(client, username: str, password: str, **extra):
    return APIClient().post(
        reverse("api-token"), {"username": username, "password": password}, format="json", **extra
    )


def assert_locked_page(response) -> None:
    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 15 * 60


def test_the_log_in_page_locks_a_username_after_the_limit_even_with_the_right_password(client):
    UserFactory(username="cara")
    for _ in range(LIMIT - 1):
        response = html_log_in(client, "cara", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()

    assert_locked_page(html_log_in(client, "cara", "wrong"))

    response = html_log_in(client, "cara", DEFAULT_PASSWORD)
    assert_locked_page(response)
    assert "_auth_user_id" not in client.session
    # The page says what to do, in the site's layout, not a bare error.
    html = response.content.decode()
    assert f'href="{reverse("password_reset")}"' in html
    assert 'class="site-header"' in html


def test_the_admin_log_in_is_locked_the_same_way(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(LIMIT):
        response = admin_log_in(client, "root", "wrong")

    assert_locked_page(response)
    assert_locked_page(admin_log_in(client, "root", DEFAULT_PASSWORD))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the log-in


def test_the_token_endpoint_is_locked_with_a_json_message(client):
    UserFactory(username="cara")
    for _ in range(LIMIT - 1):
        assert token(client, "cara", "wrong").status_code == 401

    response = token(client, "cara", "wrong")
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED_MESSAGE}
    assert 0 < int(response["Retry-After"]) <= 15 * 60

    response = token(client, "cara", DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert "access" not in response.json()


def test_the_three_ways_in_share_one_count(client):
    UserFactory(username="cara")
    html_log_in(client, "cara", "wrong")
    html_log_in(client, "cara", "wrong")
    admin_log_in(client, "cara", "wrong")
    token(client, "cara", "wrong")

    assert token(client, "cara", "wrong").status_code == 429
    assert_locked_page(html_log_in(client, "cara", DEFAULT_PASSWORD))


def test_a_locked_username_still_logs_in_from_another_address(client):
    UserFactory(username="cara")
    for _ in range(LIMIT):
        html_log_in(client, "cara", "wrong", REMOTE_ADDR="203.0.113.7")

    response = html_log_in(client, "cara", DEFAULT_PASSWORD, REMOTE_ADDR="198.51.100.20")

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_an_address_trying_many_usernames_is_locked_at_its_own_limit(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 8
    UserFactory(username="cara")
    for number in range(7):
        assert html_log_in(client, f"victim{number}", "guess").status_code == 200

    assert_locked_page(html_log_in(client, "victim7", "guess"))
    # Every username from that address now, the attacker's own included.
    assert_locked_page(html_log_in(client, "cara", DEFAULT_PASSWORD))
    assert token(client, "cara", DEFAULT_PASSWORD).status_code == 429


def test_the_default_address_limit_is_thirty_failures(client):
    for number in range(29):
        assert html_log_in(client, f"victim{number}", "guess").status_code == 200

    assert_locked_page(html_log_in(client, "victim29", "guess"))


def test_a_successful_log_in_clears_that_usernames_count(client):
    UserFactory(username="cara")
    for _ in range(LIMIT - 1):
        html_log_in(client, "cara", "wrong")
    assert html_log_in(client, "cara", DEFAULT_PASSWORD).status_code == 302
    client.logout()

    for _ in range(LIMIT - 1):
        assert html_log_in(client, "cara", "wrong").status_code == 200
    assert html_log_in(client, "cara", DEFAULT_PASSWORD).status_code == 302


def test_logging_in_to_ones_own_account_does_not_clear_the_addresss_count(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    UserFactory(username="mallory")
    for number in range(5):
        html_log_in(client, f"victim{number}", "guess")
    assert html_log_in(client, "mallory", DEFAULT_PASSWORD).status_code == 302
    client.logout()

    assert_locked_page(html_log_in(client, "victim5", "guess"))


def test_the_lock_lifts_after_the_cool_off_and_tries_meanwhile_do_not_extend_it(client):
    UserFactory(username="cara")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(LIMIT):
            html_log_in(client, "cara", "wrong")
        clock.shift(timedelta(minutes=10))
        response = html_log_in(client, "cara", DEFAULT_PASSWORD)
        assert response.status_code == 429
        assert "try again in 5 minutes" in response.content.decode()

        clock.shift(timedelta(minutes=5, seconds=1))
        assert html_log_in(client, "cara", DEFAULT_PASSWORD).status_code == 302


def test_an_operator_unlocks_a_username_with_axes_reset_username(client):
    UserFactory(username="cara")
    for _ in range(LIMIT):
        html_log_in(client, "cara", "wrong")

    call_command("axes_reset_username", "cara")

    assert html_log_in(client, "cara", DEFAULT_PASSWORD).status_code == 302


def test_an_overlong_username_at_the_token_endpoint_is_a_400_not_a_500(client):
    response = token(client, "x" * 300, "guess")

    assert response.status_code == 400
    assert "username" in response.json()
    assert not AccessAttempt.objects.exists()


def test_lockout_keeps_working_while_redis_is_down(client, settings):
    # Port 1 on this machine: nothing listens, so every cache call is refused,
    # which the cache ignores (fail open), as in a Redis outage.
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    cache.set("probe", "stored")
    assert cache.get("probe") is None  # the cache really is gone
    UserFactory(username="cara")
    for _ in range(LIMIT - 1):
        assert html_log_in(client, "cara", "wrong").status_code == 200

    assert_locked_page(html_log_in(client, "cara", "wrong"))
    assert token(client, "cara", DEFAULT_PASSWORD).status_code == 429
