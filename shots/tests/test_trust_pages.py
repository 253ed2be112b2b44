"""The golfer's own pages show each shot's trust level."""

from __future__ import annotations

import pytest

from retailers.models import CustomerLink
from shots import services
from shots.models import ShotSource

pytestmark = pytest.mark.django_db


def test_a_typed_shot_says_it_is_typed_and_that_it_does_not_rank_at_the_store(
    browser, golfer, store
):
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    shot, _created = services.shot_create_manual(
        golfer=golfer, club="driver", metrics={"carry": 350.0}, retailer=store
    )

    detail = browser.get(shot.get_absolute_url()).content.decode()
    listing = browser.get("/shots/").content.decode()
    bag = browser.get("/bag/").content.decode()

    assert 'class="badge badge-trust badge-typed"' in detail
    assert "not on store boards or in events until store staff verify them" in detail
    assert 'class="badge badge-trust badge-typed"' in listing
    assert ">typed</small>" in bag


def test_an_imported_shot_is_shown_as_measured(browser, golfer, store):
    shot, _created = services.shot_create_manual(
        golfer=golfer,
        club="driver",
        metrics={"carry": 250.0},
        retailer=store,
        source=ShotSource.CSV,
    )

    detail = browser.get(shot.get_absolute_url()).content.decode()

    assert 'class="badge badge-trust badge-measured"' in detail
    assert "until store staff verify them" not in detail
    assert ">typed</small>" not in browser.get("/bag/").content.decode()
