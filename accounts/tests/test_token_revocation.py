"""API tokens: refresh tokens rotate and work once, and a password change (or reset)
ends every API session of the account."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import user_revoke_tokens, user_set_password
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "seven iron at dawn"
SHOTS_URL = "/api/v1/shots/"


def obtain(user: User, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
    response = APIClient().post(
        reverse("api-token"), {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def refresh(token: str):
    return APIClient().post(reverse("api-token-refresh"), {"refresh": token}, format="json")


def get_shots(access: str):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return api.get(SHOTS_URL)


# --- rotation ------------------------------------------------------------------------


def test_refreshing_answers_a_new_refresh_token_and_the_old_one_is_refused():
    tokens = obtain(UserFactory())

    first = refresh(tokens["refresh"])
    assert first.status_code == 200
    rotated = first.json()
    assert set(rotated) == {"access", "refresh"}
    assert rotated["refresh"] != tokens["refresh"]
    assert get_shots(rotated["access"]).status_code == 200

    reused = refresh(tokens["refresh"])
    assert reused.status_code == 401
    assert "blacklisted" in reused.json()["detail"]

    assert refresh(rotated["refresh"]).status_code == 200


def test_a_refresh_token_of_a_deleted_account_is_a_401_not_a_500():
    golfer = UserFactory()
    tokens = obtain(golfer)
    golfer.delete()

    response = refresh(tokens["refresh"])

    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_refresh_token_of_a_deactivated_account_is_refused():
    golfer = UserFactory()
    tokens = obtain(golfer)
    User.objects.filter(pk=golfer.pk).update(is_active=False)

    assert refresh(tokens["refresh"]).status_code == 401


# --- revocation on a password change -------------------------------------------------------


def assert_api_sessions_ended(tokens: dict[str, str]) -> None:
    assert refresh(tokens["refresh"]).status_code == 401
    # The access token issued before the change stops too, not only after it expires.
    response = get_shots(tokens["access"])
    assert response.status_code == 401
    assert response.json()["detail"]


def test_changing_the_password_on_the_site_ends_the_api_sessions(client):
    golfer = UserFactory()
    tokens = obtain(golfer)
    other_device = obtain(golfer)
    client.force_login(golfer)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    assert_api_sessions_ended(tokens)
    assert_api_sessions_ended(other_device)
    # The browser that changed it stays logged in; a new log-in works.
    assert client.get(reverse("password_change_done")).status_code == 200
    fresh = obtain(golfer, NEW_PASSWORD)
    assert get_shots(fresh["access"]).status_code == 200
    assert refresh(fresh["refresh"]).status_code == 200


def test_resetting_the_password_by_email_ends_the_api_sessions(client):
    golfer = UserFactory(email="eve@example.com")
    tokens = obtain(golfer)
    client.post(reverse("password_reset"), {"email": "eve@example.com"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    landing = client.get(link)

    done = client.post(landing.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done.url == reverse("password_reset_complete")
    assert_api_sessions_ended(tokens)
    golfer.refresh_from_db()
    assert golfer.check_password(NEW_PASSWORD)
    # The link worked once.
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_staff_setting_a_password_in_admin_ends_the_api_sessions(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    golfer = UserFactory()
    tokens = obtain(golfer)
    client.force_login(admin)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[golfer.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    golfer.refresh_from_db()
    assert golfer.check_password(NEW_PASSWORD)
    assert_api_sessions_ended(tokens)


def test_a_password_set_outside_the_services_still_stops_old_tokens():
    # manage.py changepassword, or a shell: set_password() revokes nothing, but
    # the tokens' password claim no longer matches.
    golfer = UserFactory()
    tokens = obtain(golfer)
    golfer.set_password(NEW_PASSWORD)
    golfer.save()

    assert_api_sessions_ended(tokens)


def test_revoking_leaves_other_accounts_tokens_alone():
    golfer, other = UserFactory(), UserFactory()
    tokens, others = obtain(golfer), obtain(other)

    assert user_revoke_tokens(user=golfer) == 1

    assert refresh(tokens["refresh"]).status_code == 401
    assert refresh(others["refresh"]).status_code == 200


def test_set_password_validates_the_new_password():
    golfer = UserFactory()

    with pytest.raises(ValidationError, match="too easy to guess"):
        user_set_password(user=golfer, password="golfshots-demo")

    golfer.refresh_from_db()
    assert golfer.check_password(DEFAULT_PASSWORD)
