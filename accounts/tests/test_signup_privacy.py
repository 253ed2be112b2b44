"""Sign-up and settings do not tell anyone whether an email address is registered.

An address another account has is accepted like any other; that account's
owner gets one email about it (a day at most)."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import user_update_settings
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "seven iron at dawn"


@pytest.fixture(autouse=True)
def _notice_sent_in_process(eager_tasks):
    """The notice email is a Celery task: run it in-process, as the embedded default does."""


@pytest.fixture
def owner(db) -> User:
    return UserFactory.create(username="eve", email="eve@example.com")


def sign_up(username: str, email: str, **overrides: str):
    client = Client()
    data = {
        "username": username,
        "email": email,
        "display_name": "Pat",
        "units": "imperial",
        "timezone": "UTC",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client, client.post(reverse("signup"), data)


def page_without_secrets(response, *names: str) -> str:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    for name in names:
        html = html.replace(name, "NAME")
    return html


def test_sign_up_answers_the_same_for_a_taken_and_a_free_email(owner):
    # Names that appear nowhere else on the pages, so swapping them out leaves
    # only what the answers would differ in.
    free_client, free = sign_up("qxfree", "qxfree@example.com")
    taken_client, taken = sign_up("qxtaken", "EVE@example.com")

    assert (free.status_code, free.url) == (taken.status_code, taken.url) == (302, reverse("home"))
    assert [str(m) for m in get_messages(free.wsgi_request)] == [
        str(m) for m in get_messages(taken.wsgi_request)
    ]
    home_free = free_client.get(free.url)
    home_taken = taken_client.get(taken.url)
    assert page_without_secrets(home_free, "qxfree") == page_without_secrets(home_taken, "qxtaken")
    # And so do the settings, where the address shows.
    settings_free = free_client.get(reverse("account_settings"))
    settings_taken = taken_client.get(reverse("account_settings"))
    assert page_without_secrets(
        settings_free, "qxfree@example.com", "qxfree"
    ) == page_without_secrets(settings_taken, "EVE@example.com", "qxtaken")


def test_a_failed_sign_up_answers_the_same_for_a_taken_and_a_free_email(owner):
    _, free = sign_up("qxfree", "qxfree@example.com", password2="something else")
    _, taken = sign_up("qxtaken", "eve@example.com", password2="something else")

    assert free.status_code == taken.status_code == 200
    assert page_without_secrets(free, "qxfree@example.com", "qxfree") == page_without_secrets(
        taken, "eve@example.com", "qxtaken"
    )
    assert "already" not in taken.content.decode()


def test_the_owner_of_a_taken_address_is_told_once_a_day(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, response = sign_up("bob", "EVE@example.com")

    assert response.status_code == 302
    assert User.objects.get(username="bob").email == "EVE@example.com"
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["eve@example.com"]
    assert notice.subject == "Your email address was used for another golfshots account"
    assert 'the golfshots account "bob"' in notice.body
    assert "Hello eve," in notice.body

    with django_capture_on_commit_callbacks(execute=True):
        sign_up("carl", "eve@example.com")
    assert len(mail.outbox) == 1
    assert User.objects.filter(email__iexact="eve@example.com").count() == 3


def test_a_free_address_sends_no_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up("ann", "ann@example.com")

    assert mail.outbox == []


def test_usernames_stay_unique_and_say_so(owner):
    _, response = sign_up("EVE", "someone@example.com")

    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()


def test_settings_accept_an_address_another_account_has_and_tell_its_owner(
    owner, client, django_capture_on_commit_callbacks
):
    golfer = UserFactory(username="bob", email="bob@example.com")
    client.force_login(golfer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_settings"),
            {
                "display_name": "",
                "email": "eve@example.com",
                "units": "imperial",
                "handedness": "right",
                "timezone": "UTC",
            },
        )

    assert response.status_code == 302
    golfer.refresh_from_db()
    assert golfer.email == "eve@example.com"
    assert [message.to for message in mail.outbox] == [["eve@example.com"]]


def test_saving_settings_with_an_unchanged_shared_address_sends_nothing(
    owner, django_capture_on_commit_callbacks
):
    golfer = UserFactory(username="bob", email="eve@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        user_update_settings(user=golfer, email="EVE@example.com", units="metric")

    assert mail.outbox == []
