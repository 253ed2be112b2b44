from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Units, User
from accounts.services import user_sign_up, user_update_settings
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sign_up(**overrides: str) -> User:
    arguments = {
        "username": "ann",
        "email": "ann@EXAMPLE.com",
        "password": "seven iron at dawn",
        "display_name": "",
        "units": "imperial",
        "timezone": "Europe/London",
    }
    arguments.update(overrides)
    return user_sign_up(**arguments)


def test_sign_up_creates_a_golfer_who_can_log_in():
    user = sign_up()

    assert user.pk is not None
    assert user.check_password("seven iron at dawn")
    assert user.email == "ann@example.com"  # the domain part is case-insensitive
    assert not user.is_staff


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"timezone": "Nowhere/Special"}, "timezone"), ({"units": "cubits"}, "units")],
)
def test_sign_up_rejects_unknown_choices(overrides, field):
    with pytest.raises(ValidationError) as caught:
        sign_up(**overrides)

    assert field in caught.value.message_dict
    assert not User.objects.exists()


def test_sign_up_rejects_a_weak_password():
    with pytest.raises(ValidationError):
        sign_up(password="password")

    assert not User.objects.exists()


def test_sign_up_turns_a_lost_username_race_into_a_validation_error():
    UserFactory(username="ann")

    with pytest.raises(ValidationError) as caught:
        sign_up()

    assert caught.value.message_dict == {"username": ["A user with that username already exists."]}
    assert User.objects.count() == 1


def test_update_settings_saves_only_the_given_fields():
    golfer = UserFactory(display_name="Old", units=Units.IMPERIAL)

    user_update_settings(user=golfer, units="metric", timezone="Australia/Sydney")

    golfer.refresh_from_db()
    assert golfer.units == Units.METRIC
    assert golfer.timezone == "Australia/Sydney"
    assert golfer.display_name == "Old"


def test_update_settings_refuses_fields_that_are_not_settings():
    golfer = UserFactory()

    with pytest.raises(TypeError):
        user_update_settings(user=golfer, is_staff=True)

    golfer.refresh_from_db()
    assert not golfer.is_staff


def test_update_settings_refuses_an_unknown_time_zone():
    golfer = UserFactory(timezone="UTC")

    with pytest.raises(ValidationError):
        user_update_settings(user=golfer, timezone="Atlantis/Capital")

    golfer.refresh_from_db()
    assert golfer.timezone == "UTC"
