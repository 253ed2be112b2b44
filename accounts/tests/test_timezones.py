"""The time-zone list people pick from: canonical zones by region, human names, old ones still valid."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.forms import AccountSettingsForm
from accounts.tests.factories import UserFactory
from accounts.timezones import timezone_choices_grouped, zone_label


def _flat(choices) -> dict[str, str]:
    flat: dict[str, str] = {}
    for value, label in choices:
        if isinstance(label, list):
            flat.update(dict(label))
        else:
            flat[value] = label
    return flat


def test_it_offers_canonical_zones_grouped_by_region_without_aliases():
    choices = timezone_choices_grouped(at=datetime(2027, 1, 15, tzinfo=ZoneInfo("UTC")))
    flat = _flat(choices)
    groups = [value for value, label in choices if isinstance(label, list)]

    assert "Europe" in groups
    assert "Americas" in groups
    assert flat["America/New_York"] == "New York (UTC−05:00)"
    assert flat["UTC"] == "UTC"
    assert not [name for name in flat if name == "Factory" or name.startswith(("Etc/", "US/"))]
    assert len(flat) < 500


@pytest.mark.django_db
def test_it_keeps_accepting_a_valid_zone_stored_before_that_the_list_leaves_out():
    golfer = UserFactory(timezone="US/Eastern")
    form = AccountSettingsForm(instance=golfer)

    assert "US/Eastern" in _flat(form.fields["timezone"].choices)
    bound = AccountSettingsForm(
        {
            "display_name": "",
            "email": golfer.email,
            "units": "imperial",
            "handedness": "right",
            "timezone": "US/Eastern",
        },
        instance=golfer,
    )
    assert bound.is_valid(), bound.errors


@pytest.mark.django_db
def test_it_shows_the_settings_page_without_factory(client):
    golfer = UserFactory()
    client.force_login(golfer)

    html = client.get(reverse("account_settings")).content.decode()

    assert "<optgroup" in html
    assert ">Factory<" not in html
    assert 'value="Factory"' not in html


def test_it_names_a_zone_the_way_a_page_says_it():
    winter = datetime(2027, 1, 15, tzinfo=ZoneInfo("UTC"))

    assert zone_label(ZoneInfo("America/New_York"), at=winter) == "New York time (EST)"
    assert zone_label("UTC", at=winter) == "UTC"


@pytest.mark.django_db
def test_the_golfers_zone_ends_with_the_request(client, settings):
    from django.urls import reverse
    from django.utils import timezone

    from accounts.tests.factories import UserFactory

    golfer = UserFactory.create(timezone="America/New_York")
    client.force_login(golfer)
    client.get(reverse("shots:list"))

    # Anything run after the response on this thread (the next test, an eager
    # task) is back in the default zone, not the last golfer's.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
