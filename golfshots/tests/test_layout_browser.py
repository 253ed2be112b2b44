"""Every main page fits its window: no sideways scrolling on a laptop or a phone.

Wide tables may scroll inside their own box (``.table-wrap``); the page itself
must not. Runs on the demo seed, so the pages hold realistic amounts of data
(long event names, thousands of shots, every metric filled in).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from demo.seed import demo_data_seed
from golfshots.tests.main_pages import main_pages
from leaderboards.models import Event
from shots.models import Shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"laptop": (1280, 800), "phone": (390, 844)}

# The outermost elements that stick out past the window's right edge, so a
# failure names the culprit ("table.events-table") instead of just a width.
CULPRITS_JS = """() => {
  const width = window.innerWidth;
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.getBoundingClientRect().right <= width + 0.5) continue;
    let parent = element.parentElement, inside = false;
    while (parent && parent !== document.body) {
      if (parent.getBoundingClientRect().right > width + 0.5) { inside = true; break; }
      parent = parent.parentElement;
    }
    if (!inside) {
      const name = element.tagName.toLowerCase() + (element.className && typeof element.className === "string"
        ? "." + element.className.trim().split(/\\s+/).join(".") : "");
      found.push(name + " " + Math.round(element.getBoundingClientRect().right) + "px");
    }
  }
  return found.slice(0, 4).join(", ");
}"""


def _pages() -> dict[str | None, list[str]]:
    golfer = User.objects.get(username="demo")
    shot = Shot.objects.filter(golfer=golfer, source="photo").first() or (
        Shot.objects.filter(golfer=golfer).first()
    )
    assert shot is not None
    event = Event.objects.filter(retailer__slug="demo").first()
    assert event is not None
    return main_pages(golfer_id=golfer.pk, shot_id=shot.pk, event_id=event.pk)


def _log_in(page, live_server, username: str | None) -> None:
    page.context.clear_cookies()
    if username is None:
        return
    client = Client()
    client.force_login(User.objects.get(username=username))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_it_scrolls_no_main_page_sideways_at_laptop_or_phone_width(browser_page, live_server):
    demo_data_seed()
    pages = _pages()
    page = browser_page
    too_wide = []
    for username, paths in pages.items():
        _log_in(page, live_server, username)
        for viewport, (width, height) in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            for path in paths:
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None
                assert response.status == 200, (username, path)
                page.wait_for_load_state("load")
                scroll_width, inner_width = page.evaluate(
                    "[document.documentElement.scrollWidth, window.innerWidth]"
                )
                if scroll_width > inner_width:
                    too_wide.append(
                        f"{viewport} {username or 'visitor'} {path}: {scroll_width} px > "
                        f"{inner_width} ({page.evaluate(CULPRITS_JS)})"
                    )
    assert too_wide == [], "pages that scroll sideways:\n" + "\n".join(too_wide)
