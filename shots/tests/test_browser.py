import pytest
from playwright.sync_api import expect

from shots.models import Shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_golfer_signs_up_records_a_shot_and_sees_it_in_the_bag(browser_page, live_server):
    page = browser_page
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign up").first.click()

    page.get_by_label("Username").fill("newgolfer")
    page.get_by_label("Email address").fill("new@example.com")
    page.get_by_label("Password", exact=True).fill("a long unusual passphrase")
    page.get_by_label("Password confirmation").fill("a long unusual passphrase")
    page.get_by_role("button", name="Sign up").click()
    # A new golfer lands on their home page.
    expect(page.get_by_role("heading", name="Hi,")).to_be_visible()

    page.get_by_role("link", name="Record a shot").first.click()
    page.get_by_label("Club", exact=True).select_option("7i")
    page.get_by_label("Carry (yd)").fill("152")
    page.get_by_label("Ball speed (mph)").fill("118.5")
    page.get_by_role("button", name="Save shot").click()
    expect(page.get_by_text("Shot saved.")).to_be_visible()

    # At phone width the header's links sit behind the menu button.
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="My bag").click()
    row = page.get_by_role("row", name="7-iron")
    expect(row).to_contain_text("152.0 yd")
    expect(row).to_contain_text("118.5 mph")
    assert Shot.objects.get(golfer__username="newgolfer").carry == 152
    assert page.console_errors == []
