"""Where log-in lands, the header's "My golf" / "Store console" switch, "My stores" and
the printable counter card."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from retailers.models import CustomerLink, Membership, Retailer, Role
from retailers.services import staff_remove

pytestmark = pytest.mark.django_db


def log_in(client, username: str, next_url: str | None = None):
    data = {"username": username, "password": DEFAULT_PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    return client.post(reverse("login"), data, follow=True)


# --- Where log-in lands --------------------------------------------------------


def test_it_lands_the_owner_of_one_store_on_its_console(client, store):
    owner = UserFactory(username="owner")
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)

    response = log_in(client, "owner")

    assert response.redirect_chain[-1] == (reverse("console:dashboard", args=["fairway"]), 302)
    assert response.status_code == 200


def test_it_lets_staff_of_several_stores_choose_a_console(client, store, other_store):
    clerk = UserFactory(username="clerk")
    Membership.objects.create(user=clerk, retailer=store, role=Role.STAFF)
    Membership.objects.create(user=clerk, retailer=other_store, role=Role.OWNER)

    response = log_in(client, "clerk")

    assert response.redirect_chain[-1] == (reverse("stores:consoles"), 302)
    page = response.content.decode()
    assert f'href="{reverse("console:dashboard", args=["fairway"])}"' in page
    assert f'href="{reverse("console:dashboard", args=["teetime"])}"' in page


def test_it_lands_a_golfer_on_the_golfer_home(client, store):
    golfer = UserFactory(username="gail")
    CustomerLink.objects.create(golfer=golfer, retailer=store)

    response = log_in(client, "gail")

    assert response.redirect_chain[-1] == (reverse("home"), 302)
    assert "Your stores this week" in response.content.decode()


def test_it_follows_a_safe_next_even_for_staff(client, store):
    owner = UserFactory(username="owner")
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)

    response = log_in(client, "owner", next_url="/bag/")

    assert response.redirect_chain == [("/bag/", 302)]


def test_it_ignores_an_offsite_next(client, store):
    owner = UserFactory(username="owner")
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)

    response = log_in(client, "owner", next_url="https://evil.example.com/")

    assert response.redirect_chain[-1] == (reverse("console:dashboard", args=["fairway"]), 302)


def test_the_landing_and_the_chooser_need_a_log_in(client):
    for name in ("stores:after_login", "stores:consoles"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- The header's switch ---------------------------------------------------------


def test_staff_see_a_switch_between_their_golf_and_the_console(client, store):
    owner = UserFactory()
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)
    client.force_login(owner)

    golf = client.get(reverse("shots:list")).content.decode()
    console = client.get(reverse("console:dashboard", args=["fairway"])).content.decode()

    console_url = reverse("console:dashboard", args=["fairway"])
    assert 'aria-label="Switch view"' in golf
    assert f'<a href="{reverse("home")}" aria-current="true">My golf</a>' in golf
    assert f'<a href="{console_url}">Store console</a>' in golf
    assert f'<a href="{console_url}" aria-current="true">Store console</a>' in console


def test_staff_of_several_stores_get_the_chooser_from_the_switch(client, store, other_store):
    clerk = UserFactory()
    Membership.objects.create(user=clerk, retailer=store)
    Membership.objects.create(user=clerk, retailer=other_store)
    client.force_login(clerk)

    page = client.get(reverse("shots:list")).content.decode()

    assert f'<a href="{reverse("stores:consoles")}">Store console</a>' in page


def test_golfers_and_visitors_see_no_switch(client, golfer):
    assert "view-switch" not in client.get(reverse("leaderboards:board")).content.decode()
    client.force_login(golfer)
    assert "view-switch" not in client.get(reverse("leaderboards:board")).content.decode()


def test_removed_staff_lose_the_switch_at_once(client, store, django_capture_on_commit_callbacks):
    owner, clerk = UserFactory(), UserFactory()
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)
    membership = Membership.objects.create(user=clerk, retailer=store)
    client.force_login(clerk)
    assert "view-switch" in client.get(reverse("shots:list")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        staff_remove(membership=membership, by=owner)

    assert "view-switch" not in client.get(reverse("shots:list")).content.decode()


def test_the_header_asks_for_the_staff_stores_once_per_few_minutes(
    client, store, django_assert_max_num_queries
):
    owner = UserFactory()
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)
    client.force_login(owner)
    client.get(reverse("leaderboards:board"))

    # The session and the user; the boards, the stores and the switch come from the cache.
    with django_assert_max_num_queries(2):
        response = client.get(reverse("leaderboards:board"))
    assert "Store console" in response.content.decode()


# --- My stores -------------------------------------------------------------------------


def test_my_stores_links_each_store_to_its_page_and_events(client, store, golfer):
    CustomerLink.objects.create(golfer=golfer, retailer=store)
    client.force_login(golfer)

    page = client.get(reverse("stores:mine")).content.decode()

    assert f'href="{reverse("leaderboards:store", args=["fairway"])}"' in page
    assert f'href="{reverse("events:list", args=["fairway"])}"' in page
    assert "Stores you work at" not in page


def test_my_stores_shows_staff_their_consoles(client, store):
    owner = UserFactory()
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)
    client.force_login(owner)

    page = client.get(reverse("stores:mine")).content.decode()

    assert "Stores you work at" in page
    assert f'href="{reverse("console:dashboard", args=["fairway"])}"' in page


# --- The counter card ----------------------------------------------------------------


def test_the_counter_card_png_is_a_printable_image(client, store):
    response = client.get(reverse("stores:counter_card_png", args=["fairway"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    image.load()
    assert image.format == "PNG"
    assert image.size == (1240, 1748)  # A6 at 300 dpi
    assert round(image.info["dpi"][0]) == 300
    # Mostly white paper with a dark QR code on it, not a blank page.
    colours = {colour for _, colour in image.convert("L").getcolors(maxcolors=256 * 256) or []}
    assert 0 in colours or min(colours) < 40
    assert 255 in colours


def test_the_counter_card_pdf_is_one_a6_page(client, store):
    response = client.get(reverse("stores:counter_card_pdf", args=["fairway"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="golfshots-fairway-counter-card.pdf"' in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    assert content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") == 1
    # A6 is 105 x 148 mm: 297.6 x 419.5 points at 300 dpi for 1240 x 1748 pixels.
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", content)
    assert box is not None
    assert (round(float(box[1])), round(float(box[2]))) == (298, 420)
    # The page is one embedded image of the card.
    assert b"/Subtype /Image" in content
    assert b"/Width 1240" in content


def test_the_counter_card_is_public_and_cached_like_the_qr_code(client, store):
    response = client.get(reverse("stores:counter_card_png", args=["fairway"]))

    assert "public" in response["Cache-Control"]


def test_the_counter_card_of_an_unknown_store_is_a_404(client):
    assert client.get("/s/nowhere/counter-card.png").status_code == 404
    assert client.get("/s/fairway/counter-card.gif").status_code == 404


def test_the_counter_card_prints_a_long_store_name(client):
    Retailer.objects.create(
        name="The Extraordinarily Long Named Golf Simulator Studio & Club Fitting Centre",
        slug="long",
    )

    response = client.get(reverse("stores:counter_card_png", args=["long"]))

    assert Image.open(io.BytesIO(response.content)).size == (1240, 1748)


def test_accepting_an_invitation_lands_on_the_console_with_the_switch(
    client, store, mailoutbox, django_capture_on_commit_callbacks
):
    owner = UserFactory()
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)
    sam = UserFactory(email="sam@example.com")
    client.force_login(sam)
    assert "view-switch" not in client.get(reverse("home")).content.decode()  # cached: no staff
    client.force_login(owner)
    client.post(reverse("console:staff", args=["fairway"]), {"email": sam.email, "role": "staff"})
    url = re.search(r"http://testserver(/invitations/\S+/)", mailoutbox[0].body)[1]

    client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=True):  # the cached "not staff" goes
        response = client.post(url)

    assert response["Location"] == reverse("console:dashboard", args=["fairway"])
    assert "view-switch" in client.get(response["Location"]).content.decode()
