"""The console's own navigation on every console page, and removing staff takes two steps."""

from __future__ import annotations

import re

import pytest

from console.tests.test_console import build_world
from leaderboards.events import services as event_services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["events/", "events/new/", "staff/"])
def test_it_shows_the_console_nav_on_the_events_and_staff_pages(client, page):
    world = build_world()
    client.force_login(world.owner)

    html = client.get(f"/console/{world.store.slug}/{page}").content.decode()

    assert 'aria-label="Store console"' in html
    assert f'href="/console/{world.store.slug}/settings/"' in html  # the owner's links too


def test_it_shows_the_console_nav_on_the_event_edit_page(client):
    from datetime import timedelta

    from django.utils import timezone

    world = build_world()
    event = event_services.event_create(
        retailer=world.store,
        created_by=None,
        name="Long drive",
        metric="carry",
        club="driver",
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(days=3),
    )
    client.force_login(world.owner)

    html = client.get(f"/console/{world.store.slug}/events/{event.pk}/edit/").content.decode()

    assert 'aria-label="Store console"' in html


def test_it_asks_before_removing_a_staff_member_without_javascript(client):
    world = build_world()
    client.force_login(world.owner)

    html = client.get(f"/console/{world.store.slug}/staff/").content.decode()

    # Remove opens a question; only the button inside it posts.
    forms = re.findall(r'<details class="confirm-step">.*?</details>', html, re.S)
    assert forms, "Remove should open a confirmation step"
    assert all("<summary" in form and "Yes, remove" in form for form in forms)
    outside = re.sub(r'<details class="confirm-step">.*?</details>', "", html, flags=re.S)
    assert "/remove/" not in outside
    assert "Remove Sam Staff from the staff?" in html
