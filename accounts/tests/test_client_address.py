"""The client's address (accounts.requests.client_ip): one rule for lockout and the token
throttle, which a made-up X-Forwarded-For cannot steer."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.requests import client_ip
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

LIMIT = 5
ROUTER = "10.0.0.2"  # the platform's router in these tests
ATTACKER = "203.0.113.9"


@pytest.fixture
def behind_router(settings):
    settings.FORWARDED_ALLOW_IPS = [ip_network("10.0.0.0/8")]
    settings.TRUSTED_PROXY_HOPS = 1


def address_of(**meta: Any) -> str | None:
    return client_ip(RequestFactory().get("/", **meta))


# --- the rule ------------------------------------------------------------------------


def test_a_client_that_reaches_us_directly_is_its_peer_address_whatever_it_forwards(
    behind_router,
):
    assert address_of(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="1.2.3.4") == ATTACKER


def test_behind_our_router_the_client_is_the_address_the_router_appended(behind_router):
    assert address_of(REMOTE_ADDR=ROUTER, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}") == ATTACKER
    assert address_of(REMOTE_ADDR=ROUTER, HTTP_X_FORWARDED_FOR=ATTACKER) == ATTACKER
    assert address_of(REMOTE_ADDR=ROUTER) == ROUTER


def test_with_two_proxies_the_client_is_the_second_address_from_the_right(settings):
    settings.FORWARDED_ALLOW_IPS = "*"
    settings.TRUSTED_PROXY_HOPS = 2
    forwarded = f"1.2.3.4, {ATTACKER}, 10.0.0.7"

    assert address_of(REMOTE_ADDR=ROUTER, HTTP_X_FORWARDED_FOR=forwarded) == ATTACKER


def test_no_hops_means_x_forwarded_for_is_never_read(settings):
    settings.FORWARDED_ALLOW_IPS = "*"
    settings.TRUSTED_PROXY_HOPS = 0

    assert address_of(REMOTE_ADDR=ROUTER, HTTP_X_FORWARDED_FOR=ATTACKER) == ROUTER


def test_garbage_from_a_proxy_falls_back_to_the_peer(behind_router):
    assert address_of(REMOTE_ADDR=ROUTER, HTTP_X_FORWARDED_FOR="1.2.3.4, unknown") == ROUTER
    assert address_of(REMOTE_ADDR=ROUTER, HTTP_X_FORWARDED_FOR=" , ") == ROUTER


def test_ipv6_addresses_come_back_in_one_spelling(behind_router):
    forwarded = "2001:DB8:0:0::1"

    assert address_of(REMOTE_ADDR=ROUTER, HTTP_X_FORWARDED_FOR=forwarded) == "2001:db8::1"


def test_a_peer_that_is_no_address_has_none():
    assert address_of(REMOTE_ADDR="") is None


def test_the_default_trusts_only_this_machine(settings):
    # What the settings module reads with FORWARDED_ALLOW_IPS unset.
    trusted = settings.FORWARDED_ALLOW_IPS
    assert trusted == [ip_network("127.0.0.1"), ip_network("::1")]


# --- lockout and throttle through the rule ----------------------------------------------


def log_in(client, password: str, forwarded: str, peer: str):
    return client.post(
        reverse("login"),
        {"username": "cara", "password": password},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_a_new_x_forwarded_for_from_a_direct_client_does_not_reset_the_count(client, behind_router):
    UserFactory(username="cara")
    for attempt in range(LIMIT):
        log_in(client, "wrong", forwarded=f"198.51.100.{attempt}", peer=ATTACKER)

    response = log_in(client, DEFAULT_PASSWORD, forwarded="198.51.100.200", peer=ATTACKER)

    assert response.status_code == 429


@pytest.mark.django_db
def test_a_made_up_x_forwarded_for_through_our_router_does_not_reset_the_count(
    client, behind_router
):
    UserFactory(username="cara")
    for attempt in range(LIMIT):
        log_in(client, "wrong", forwarded=f"198.51.100.{attempt}, {ATTACKER}", peer=ROUTER)

    locked = log_in(client, DEFAULT_PASSWORD, forwarded=f"192.0.2.1, {ATTACKER}", peer=ROUTER)
    assert locked.status_code == 429
    # Another golfer behind the same router is someone else.
    other = log_in(client, DEFAULT_PASSWORD, forwarded="198.51.100.77", peer=ROUTER)
    assert other.status_code == 302


@pytest.mark.django_db
def test_the_token_endpoint_lockout_ignores_a_made_up_x_forwarded_for(behind_router):
    UserFactory(username="cara")
    api = APIClient()
    url = reverse("api-token")
    for attempt in range(LIMIT):
        api.post(
            url,
            {"username": "cara", "password": "wrong"},
            format="json",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )

    response = api.post(
        url,
        {"username": "cara", "password": DEFAULT_PASSWORD},
        format="json",
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )

    assert response.status_code == 429


@pytest.mark.django_db
def test_the_token_endpoint_throttle_ignores_a_made_up_x_forwarded_for(behind_router, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)
    api = APIClient()
    statuses = [
        api.post(
            reverse("api-token"),
            {"username": f"nobody{attempt}", "password": "guess"},
            format="json",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        ).status_code
        for attempt in range(3)
    ]

    assert statuses == [401, 401, 429]


@pytest.mark.django_db
def test_an_anonymous_caller_is_counted_by_the_anonymous_throttle_alone(monkeypatch):
    # The per-user throttle would count an anonymous caller at the user rate
    # too, two more Redis trips per public read for a looser limit.
    monkeypatch.setattr(AnonRateThrottle, "rate", "1000/minute", raising=False)
    monkeypatch.setattr(UserRateThrottle, "rate", "2/minute", raising=False)
    api = APIClient()

    statuses = [api.get(reverse("api-leaderboards")).status_code for _attempt in range(3)]

    assert statuses == [200, 200, 200]


@pytest.mark.django_db
def test_a_signed_in_caller_is_counted_by_account(monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "2/minute", raising=False)
    api = APIClient()
    # A real token, as clients send it: force_authenticate sends no credentials,
    # so the board's response cache would take the caller for an anonymous one.
    token = RefreshToken.for_user(UserFactory()).access_token
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    statuses = [api.get(reverse("api-leaderboards")).status_code for _attempt in range(3)]

    assert statuses == [200, 200, 429]
