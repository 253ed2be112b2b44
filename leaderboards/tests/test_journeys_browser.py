"""Journeys in a real browser: the owner reaches the console, the QR card and the kiosk; a
new golfer joins by QR and finds the store's running event; the phone header is a menu."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from leaderboards.models import Event
from retailers.models import CustomerLink, Membership, Retailer, Role
from retailers.tests.journeys import sign_up_from_join_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def loaded_width(image) -> int:
    """The image's natural width once it loaded (0 if it failed): visible is not loaded."""
    return image.evaluate(
        """image => image.complete ? image.naturalWidth : new Promise(resolve => {
            image.addEventListener("load", () => resolve(image.naturalWidth));
            image.addEventListener("error", () => resolve(0));
        })"""
    )


def test_the_owner_logs_in_to_the_console_and_opens_the_counter_card_and_kiosk(
    browser_page, live_server
):
    store = Retailer.objects.create(name="Fairway Lab", slug="fairway")
    Membership.objects.create(user=UserFactory(username="owner"), retailer=store, role=Role.OWNER)
    page = browser_page
    page.set_viewport_size(DESKTOP)

    log_in(page, live_server.url, "owner")

    page.wait_for_url(f"{live_server.url}/console/fairway/")
    expect(page.get_by_role("heading", name="Fairway Lab", level=1)).to_be_visible()
    switch = page.get_by_role("navigation", name="Switch view")
    expect(switch.get_by_role("link", name="Store console")).to_have_attribute(
        "aria-current", "true"
    )
    assert loaded_width(page.get_by_role("img", name="QR code that opens Fairway Lab")) > 0
    expect(page.get_by_role("link", name=f"{live_server.url}/join/fairway/")).to_be_visible()

    pdf_path = page.get_by_role("link", name="Counter card (PDF)").get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{pdf_path}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    page.get_by_role("link", name="Counter card (PNG)").click()
    page.wait_for_url(f"{live_server.url}/s/fairway/counter-card.png")
    assert loaded_width(page.locator("img")) == 1240
    page.go_back()

    page.get_by_role("link", name=f"{live_server.url.split('://')[1]}/s/fairway/kiosk/").click()
    page.wait_for_url(f"{live_server.url}/s/fairway/kiosk/")
    expect(page.get_by_text("Fairway Lab").first).to_be_visible()
    assert page.console_errors == []


def test_a_new_golfer_joins_by_qr_and_finds_the_running_event(browser_page, live_server):
    store = Retailer.objects.create(name="Fairway Lab", slug="fairway")
    now = timezone.now()
    event = Event.objects.create(
        retailer=store,
        name="December long drive",
        metric="carry",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=7),
    )
    page = browser_page

    sign_up_from_join_link(
        page, f"{live_server.url}/join/fairway/?via=qr"
    )  # the link the QR code opens
    page.get_by_label("Show me on this store's leaderboards").check()
    page.get_by_role("button", name="Join Fairway Lab").click()

    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("status").filter(has_text="You joined Fairway Lab.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your stores this week")).to_be_visible()
    page.get_by_role("link", name="December long drive").click()
    page.wait_for_url(f"{live_server.url}/s/fairway/events/{event.pk}/")
    expect(page.get_by_role("heading", name="December long drive")).to_be_visible()
    assert CustomerLink.objects.get(golfer__username="newgolfer").joined_via == "qr"
    assert page.console_errors == []


def header_height(page) -> float:
    return page.locator(".site-header").evaluate("header => header.getBoundingClientRect().height")


@pytest.mark.parametrize("who", ["visitor", "golfer", "owner"])
def test_the_phone_header_is_one_row_with_a_menu_that_opens(browser_page, live_server, who):
    store = Retailer.objects.create(name="Fairway Lab", slug="fairway")
    page = browser_page  # 390 x 844
    if who != "visitor":
        user = UserFactory(username=who)
        if who == "owner":
            Membership.objects.create(user=user, retailer=store, role=Role.OWNER)
        log_in(page, live_server.url, who)
        page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/leaderboards/")

    assert header_height(page) <= 80
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()

    page.screenshot(path=f"/tmp/n/phone-{who}.png")
    menu.click()
    page.screenshot(path=f"/tmp/n/phone-{who}-open.png")

    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    if who == "visitor":
        expect(nav.get_by_role("link", name="Sign up")).to_be_visible()
    else:
        expect(nav.get_by_role("link", name="My shots")).to_be_visible()
        expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    if who == "owner":
        expect(nav.get_by_role("link", name="Store console")).to_be_visible()
    # The open menu still fits the phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    assert page.console_errors == []


def test_the_desktop_header_shows_every_link_without_a_menu(browser_page, live_server):
    store = Retailer.objects.create(name="Fairway Lab", slug="fairway")
    Membership.objects.create(user=UserFactory(username="owner"), retailer=store, role=Role.OWNER)
    page = browser_page
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server.url, "owner")
    page.wait_for_url(f"{live_server.url}/console/fairway/")

    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    switch = page.get_by_role("navigation", name="Switch view")
    expect(switch.get_by_role("link", name="My golf")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My shots")
    ).to_be_visible()
    # Two rows at 1280: the wordmark and the switch, then the links.
    assert header_height(page) <= 100
    page.screenshot(path="/tmp/n/desktop-owner.png")
    switch.get_by_role("link", name="My golf").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(switch.get_by_role("link", name="My golf")).to_have_attribute("aria-current", "true")
    assert page.console_errors == []
