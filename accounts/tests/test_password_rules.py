"""Password rules: Django's validators plus this site's own words (the demo password above all)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from demo.seed import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

SITE_WORD_MESSAGE = "This password is too easy to guess here"


def signup_data(password: str) -> dict[str, str]:
    return {
        "username": "ann",
        "email": "ann@example.com",
        "display_name": "",
        "units": "imperial",
        "timezone": "UTC",
        "password1": password,
        "password2": password,
    }


@pytest.mark.parametrize(
    "password",
    [DEMO_PASSWORD, "golfshots", "GolfShots", "golfshots2025!", "g0lfsh0ts", "Golf Shots 1"],
)
def test_sign_up_refuses_the_sites_name_and_the_demo_password(client, password):
    response = client.post(reverse("signup"), signup_data(password))

    assert response.status_code == 200
    assert not User.objects.exists()
    errors = response.context["form"].errors["password2"]
    assert any(SITE_WORD_MESSAGE in error for error in errors), errors
    assert SITE_WORD_MESSAGE in response.content.decode()


def test_the_demo_password_is_the_one_the_readme_publishes():
    assert DEMO_PASSWORD == "golfshots-demo"


@pytest.mark.parametrize("password", ["driver2024", "fairway!!", "b1rd1e123", "TrackMan99"])
def test_it_refuses_golf_words_with_decoration(password):
    with pytest.raises(ValidationError, match=SITE_WORD_MESSAGE):
        validate_password(password)


@pytest.mark.parametrize(
    "password", ["seven iron at dawn", "correct horse battery", "Tr0ub4dor&3", "driver at dusk"]
)
def test_it_accepts_passwords_that_only_contain_a_golf_word(password):
    validate_password(password)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "This password is too common."),
        ("12345678901", "This password is entirely numeric."),
        ("short1!", "This password is too short."),
        ("annsmith-ex", "The password is too similar to the username."),
    ],
)
def test_djangos_validators_still_apply(password, message):
    with pytest.raises(ValidationError, match=message):
        validate_password(password, User(username="annsmith-ex", email="ann@example.com"))


def test_changing_the_password_to_the_demo_password_is_refused(client):
    golfer = UserFactory()
    client.force_login(golfer)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": DEMO_PASSWORD,
            "new_password2": DEMO_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert SITE_WORD_MESSAGE in response.content.decode()
    golfer.refresh_from_db()
    assert golfer.check_password(DEFAULT_PASSWORD)


def test_the_sign_up_page_lists_the_rule(client):
    html = client.get(reverse("signup")).content.decode()

    assert "the demo password" in html
