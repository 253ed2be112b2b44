from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Units, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "seven iron at dawn"


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "ann",
        "email": "ann@example.com",
        "display_name": "Ann P.",
        "units": "metric",
        "timezone": "Europe/London",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    data.update(overrides)
    return data


def assert_base_layout(response) -> None:
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'name="viewport"' in html
    assert 'href="/static/css/site.css"' in html
    assert 'href="#content"' in html
    assert 'class="site-header"' in html
    assert 'id="content"' in html
    assert 'class="site-footer"' in html


# --- sign-up -----------------------------------------------------------------


def test_it_signs_up_logs_in_and_redirects_to_the_golfer_home(client):
    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(username="ann")
    assert user.email == "ann@example.com"
    assert user.display_name == "Ann P."
    assert user.units == Units.METRIC
    assert user.timezone == "Europe/London"
    assert user.check_password(STRONG_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    welcome = [str(message) for message in get_messages(response.wsgi_request)]
    assert welcome == ["Welcome to golfshots, Ann P.!"]


def test_it_welcomes_a_golfer_without_display_name_by_username(client):
    response = client.post(reverse("signup"), signup_data(display_name=""))

    welcome = [str(message) for message in get_messages(response.wsgi_request)]
    assert welcome == ["Welcome to golfshots, ann!"]


def test_it_follows_a_safe_next_after_sign_up(client):
    response = client.post(reverse("signup") + "?next=/bag/", signup_data())

    assert response.status_code == 302
    assert response.url == "/bag/"


def test_it_ignores_an_offsite_next_after_sign_up(client):
    response = client.post(
        reverse("signup"), {**signup_data(), "next": "https://evil.example.com/"}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_it_redirects_a_signed_in_golfer_away_from_sign_up(client):
    client.force_login(UserFactory())

    response = client.get(reverse("signup"))

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_sign_up_page_asks_the_browser_for_its_time_zone(client):
    response = client.get(reverse("signup"))

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<input type="hidden" name="timezone"[^>]*data-browser-timezone', html)
    assert "/static/js/timezone.js" in html
    assert_base_layout(response)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "Taken"}, "username", "A user with that username already exists."),
        (
            {"password2": "seven iron at dusk"},
            "password2",
            "The two password fields didn\u2019t match.",
        ),
        (
            {"password1": "password", "password2": "password"},
            "password2",
            "This password is too common.",
        ),
        (
            {"password1": "12345678", "password2": "12345678"},
            "password2",
            "This password is entirely numeric.",
        ),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"username": ""}, "username", "This field is required."),
        ({"units": "furlongs"}, "units", "Select a valid choice."),
    ],
    ids=[
        "duplicate-username-other-case",
        "mismatched-passwords",
        "common-password",
        "numeric-password",
        "missing-email",
        "invalid-email",
        "missing-username",
        "unknown-units",
    ],
)
def test_it_rejects_bad_sign_up_input_and_creates_no_user(client, overrides, field, message):
    UserFactory(username="taken", email="taken@example.com")
    users_before = User.objects.count()

    response = client.post(reverse("signup"), signup_data(**overrides))

    assert response.status_code == 200
    assert User.objects.count() == users_before
    assert "_auth_user_id" not in client.session
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    html = response.content.decode()
    # The error is on the page, tied to its field for screen readers.
    assert f'id="id_{field}_error"' in html
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error', html)
    assert "Please fix the problems below." in html


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "   "])
def test_it_falls_back_to_the_site_time_zone_when_the_browser_sends_none_or_nonsense(
    client, settings, zone
):
    response = client.post(reverse("signup"), signup_data(timezone=zone))

    assert response.status_code == 302
    assert User.objects.get(username="ann").timezone == settings.TIME_ZONE


def test_it_keeps_the_typed_values_when_sign_up_fails(client):
    response = client.post(reverse("signup"), signup_data(password2="different words here"))

    html = response.content.decode()
    assert 'value="ann@example.com"' in html
    assert 'value="Ann P."' in html
    assert STRONG_PASSWORD not in html


# --- settings ----------------------------------------------------------------


def test_settings_require_login(client):
    response = client.get(reverse("account_settings"))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse('account_settings')}"


def test_settings_show_the_current_values(client):
    golfer = UserFactory(display_name="Bo", units=Units.METRIC, timezone="Asia/Tokyo")
    client.force_login(golfer)

    response = client.get(reverse("account_settings"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Bo"' in html
    assert re.search(r'value="metric"[^>]*checked', html)
    assert '<option value="Asia/Tokyo" selected>' in html
    assert 'data-use-browser-timezone="id_timezone"' in html
    assert_base_layout(response)


def test_it_saves_changed_units_and_time_zone(client):
    golfer = UserFactory(units=Units.IMPERIAL, timezone="UTC")
    client.force_login(golfer)

    response = client.post(
        reverse("account_settings"),
        {
            "display_name": "Lefty",
            "email": golfer.email,
            "units": "metric",
            "handedness": "left",
            "timezone": "America/Chicago",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("account_settings")
    golfer.refresh_from_db()
    assert golfer.units == Units.METRIC
    assert golfer.timezone == "America/Chicago"
    assert golfer.handedness == "left"
    assert golfer.display_name == "Lefty"

    page = client.get(response.url)
    assert "Your settings are saved." in page.content.decode()
    assert 'role="status"' in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Select a valid choice."),
        ({"units": "furlongs"}, "units", "Select a valid choice."),
        ({"email": ""}, "email", "This field is required."),
    ],
    # An address another account has is accepted: test_signup_privacy.py.
    ids=["unknown-timezone", "unknown-units", "missing-email"],
)
def test_it_rejects_bad_settings_and_changes_nothing(client, overrides, field, message):
    UserFactory(email="other@example.com")
    golfer = UserFactory(units=Units.IMPERIAL, timezone="UTC")
    client.force_login(golfer)
    data = {
        "display_name": "",
        "email": golfer.email,
        "units": "metric",
        "handedness": "right",
        "timezone": "Europe/Paris",
        **overrides,
    }

    response = client.post(reverse("account_settings"), data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert "Your settings were not saved." in response.content.decode()
    golfer.refresh_from_db()
    assert golfer.units == Units.IMPERIAL
    assert golfer.timezone == "UTC"


def test_a_golfer_may_keep_their_own_email_in_another_case(client):
    golfer = UserFactory(email="bo@example.com")
    client.force_login(golfer)

    response = client.post(
        reverse("account_settings"),
        {
            "display_name": "",
            "email": "Bo@example.com",
            "units": "imperial",
            "handedness": "right",
            "timezone": "UTC",
        },
    )

    assert response.status_code == 302


# --- log in, log out ---------------------------------------------------------


def test_it_logs_in_with_the_right_password_and_lands_on_the_golfer_home(client):
    golfer = UserFactory(username="cara")

    response = client.post(
        reverse("login"), {"username": "cara", "password": DEFAULT_PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1] == (reverse("home"), 302)
    assert client.session["_auth_user_id"] == str(golfer.pk)


def test_factory_passwords_can_be_chosen(client):
    UserFactory(username="dee", password="a different secret")

    assert client.login(username="dee", password="a different secret")


def test_it_refuses_a_wrong_password_with_a_message(client):
    UserFactory(username="cara")

    response = client.post(reverse("login"), {"username": "cara", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_keeps_next_for_after_logging_in(client):
    UserFactory(username="cara")

    page = client.get(reverse("login") + "?next=/bag/")
    response = client.post(
        reverse("login"), {"username": "cara", "password": DEFAULT_PASSWORD, "next": "/bag/"}
    )

    assert 'name="next" value="/bag/"' in page.content.decode()
    assert response.url == "/bag/"


def test_it_logs_out_with_a_post_from_the_menu(client):
    client.force_login(UserFactory())
    page = client.get(reverse("account_settings"))
    assert re.search(
        r'<form class="logout-form" method="post" action="/accounts/logout/">\s*<input type="hidden" name="csrfmiddlewaretoken"',
        page.content.decode(),
    )

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert "_auth_user_id" not in client.session


# --- passwords ---------------------------------------------------------------


def test_it_changes_the_password(client):
    golfer = UserFactory()
    client.force_login(golfer)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    golfer.refresh_from_db()
    assert golfer.check_password(STRONG_PASSWORD)
    # Django keeps the session that changed the password.
    assert client.get(reverse("password_change_done")).status_code == 200


def test_it_refuses_a_password_change_with_the_wrong_old_password(client):
    golfer = UserFactory()
    client.force_login(golfer)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "nope",
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    golfer.refresh_from_db()
    assert golfer.check_password(DEFAULT_PASSWORD)


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    golfer = UserFactory(username="eve", email="eve@example.com")

    response = client.post(reverse("password_reset"), {"email": "eve@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["eve@example.com"]
    assert message.subject == "Reset your golfshots password"
    assert "Hello eve," in message.body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)

    # The link swaps the token into the session and redirects to a token-free URL.
    landing = client.get(link)
    assert landing.status_code == 302
    form_page = client.get(landing.url)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()

    done = client.post(
        landing.url, {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD}
    )

    assert done.status_code == 302
    assert done.url == reverse("password_reset_complete")
    golfer.refresh_from_db()
    assert golfer.check_password(STRONG_PASSWORD)
    assert client.login(username="eve", password=STRONG_PASSWORD)


def test_password_reset_sends_nothing_for_an_unknown_address_but_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_bad_reset_link_says_so(client):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "not-a-token"]))

    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


# --- every page has the layout ---------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["home", "login", "signup", "password_reset", "password_reset_done", "password_reset_complete"],
)
def test_public_account_pages_render_with_the_layout(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert_base_layout(response)
    html = response.content.decode()
    assert f'href="{reverse("login")}"' in html
    assert f'href="{reverse("signup")}"' in html
    assert "Log out" not in html


@pytest.mark.parametrize(
    "url_name", ["account_settings", "password_change", "password_change_done"]
)
def test_signed_in_account_pages_render_with_the_layout(client, url_name):
    client.force_login(UserFactory())

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert_base_layout(response)
    html = response.content.decode()
    for name in ["shots:list", "shots:new", "shots:bag", "account_settings"]:
        assert f'href="{reverse(name)}"' in html
    assert "Log out" in html


@pytest.mark.parametrize(
    "url_name", ["account_settings", "password_change", "password_change_done"]
)
def test_signed_in_pages_require_login(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_the_menu_marks_the_current_page(client):
    client.force_login(UserFactory())

    html = client.get(reverse("account_settings")).content.decode()

    assert html.count('aria-current="page"') == 1
    assert f'<a href="{reverse("account_settings")}" aria-current="page">Settings</a>' in html


def test_the_home_page_pitches_and_offers_sign_up(client):
    html = client.get(reverse("home")).content.decode()

    assert "Photograph the launch-monitor screen" in html
    assert "leaderboards" in html
    assert 'class="button button-large" href="/accounts/signup/"' in html


def test_an_unknown_address_gets_the_styled_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We couldn&rsquo;t find that page" in response.content.decode()
    assert_base_layout(response)


def test_the_error_pages_render_without_a_request_or_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        server_error = render_to_string("500.html")
        unavailable = render_to_string("503.html", request=None)

    assert "Something went wrong" in server_error
    assert "back in a moment" in unavailable
    assert "<style>" in unavailable


def test_the_logged_out_page_renders_with_the_layout(rf):
    # LOGOUT_REDIRECT_URL sends people home, so only a custom next_page shows this page.
    html = render_to_string("registration/logged_out.html", request=rf.get("/"))

    assert "You have logged out" in html
    assert 'class="site-header"' in html
