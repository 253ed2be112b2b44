"""Factories for accounts, shared by every app's tests."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory, Password

from accounts.models import User

DEFAULT_PASSWORD = "correct horse battery"


class UserFactory(DjangoModelFactory[User]):
    """A golfer who can log in with DEFAULT_PASSWORD, or with UserFactory(password="...")."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"golfer{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    # Password is a transformer: an override is hashed too, so UserFactory(password="x") logs in with "x".
    password = Password(DEFAULT_PASSWORD)
