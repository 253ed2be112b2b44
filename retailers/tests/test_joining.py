"""Golfers joining a store by its link or QR code."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from retailers.models import CustomerLink, Retailer
from retailers.services import customer_join
from retailers.tests.journeys import sign_up_from_join_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def golfer() -> User:
    return User.objects.create_user(
        "ann", email="ann@example.com", password="correct horse battery", display_name="Ann"
    )


def test_the_join_page_shows_the_store_and_unticked_consents(client, store, golfer):
    client.force_login(golfer)
    response = client.get("/join/fairway/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Join Fairway Lab" in page
    assert 'name="leaderboard_consent"' in page
    assert 'name="marketing_consent"' in page
    assert 'name="leaderboard_name"' in page
    assert "checked" not in page


def test_it_offers_anonymous_visitors_sign_up_and_log_in_that_come_back_here(client, store):
    response = client.get("/join/fairway/?via=qr")
    page = response.content.decode()
    assert response.status_code == 200
    assert "/accounts/signup/?next=/join/fairway/%3Fvia%3Dqr" in page
    assert "/accounts/login/?next=/join/fairway/%3Fvia%3Dqr" in page


def test_an_anonymous_post_is_sent_to_log_in(client, store):
    response = client.post("/join/fairway/", {"leaderboard_consent": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not CustomerLink.objects.exists()


def test_it_gives_a_404_for_an_unknown_store(client):
    assert client.get("/join/nowhere/").status_code == 404


def test_a_golfer_joins_without_any_consent(client, store, golfer):
    client.force_login(golfer)
    response = client.post("/join/fairway/", {})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    link = CustomerLink.objects.get(golfer=golfer, retailer=store)
    assert (link.leaderboard_consent, link.marketing_consent) == (False, False)
    assert link.joined_via == "link"


def test_a_golfer_joins_with_consent_and_a_board_name_by_qr(client, store, golfer):
    client.force_login(golfer)
    client.post(
        "/join/fairway/?via=qr",
        {"leaderboard_consent": "on", "leaderboard_name": " Big Ann ", "marketing_consent": "on"},
    )
    link = CustomerLink.objects.get(golfer=golfer, retailer=store)
    assert link.leaderboard_consent
    assert link.marketing_consent
    assert link.leaderboard_name == "Big Ann"
    assert link.joined_via == "qr"


def test_joining_again_updates_the_choices_and_keeps_the_first_join(store, golfer):
    first = customer_join(
        golfer=golfer,
        retailer=store,
        joined_via="qr",
        leaderboard_consent=True,
        leaderboard_name="Ann",
        marketing_consent=True,
    )
    again = customer_join(
        golfer=golfer,
        retailer=store,
        joined_via="link",
        leaderboard_consent=False,
        leaderboard_name="",
        marketing_consent=False,
    )
    assert again.pk == first.pk
    assert CustomerLink.objects.count() == 1
    again.refresh_from_db()
    assert (again.joined_via, again.leaderboard_consent, again.marketing_consent) == (
        "qr",
        False,
        False,
    )


def test_a_member_sees_their_choices_on_the_join_page(client, store, golfer):
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    client.force_login(golfer)
    page = client.get("/join/fairway/").content.decode()
    assert "already a customer" in page
    assert "checked" in page


def test_the_qr_code_svg_encodes_the_join_url(client, store):
    response = client.get("/s/fairway/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "max-age=86400" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    svg = response.content.decode()
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert "http://testserver/join/fairway/?via=qr" in svg


def test_the_qr_code_png_is_a_png(client, store):
    response = client.get("/s/fairway/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_the_qr_code_of_an_unknown_store_is_a_404(client):
    assert client.get("/s/nowhere/qr.svg").status_code == 404


def test_my_stores_lists_only_my_stores(client, store, golfer):
    other = Retailer.objects.create(name="Tee Time", slug="teetime")
    CustomerLink.objects.create(golfer=golfer, retailer=store)
    client.force_login(golfer)
    page = client.get("/stores/").content.decode()
    assert "Fairway Lab" in page
    assert other.name not in page


def test_my_stores_needs_a_login(client):
    response = client.get("/stores/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.browser
def test_an_anonymous_golfer_joins_by_the_store_link(browser_page, live_server):
    Retailer.objects.create(name="Fairway Lab", slug="fairway")
    page = browser_page
    sign_up_from_join_link(page, f"{live_server.url}/join/fairway/")  # the link the QR code opens
    page.get_by_label("Show me on this store's leaderboards").check()
    page.get_by_label("Name on the boards").fill("Newbie")
    page.get_by_role("button", name="Join Fairway Lab").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Fairway Lab").is_visible()
    link = CustomerLink.objects.get(golfer__username="newgolfer")
    assert link.leaderboard_consent
    assert link.leaderboard_name == "Newbie"
    assert not link.marketing_consent
    assert page.console_errors == []
