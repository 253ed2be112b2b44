"""Where a shot was hit: the store defaults for a golfer of one store, typed shots say how they rank,
and confirming says the right thing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from retailers.models import CustomerLink, Retailer
from shots.forms import PhotoUploadForm, ShotForm
from shots.models import Shot, ShotSource, ShotStatus
from shots.tests.factories import ShotFactory

pytestmark = pytest.mark.django_db


def test_it_defaults_the_upload_to_the_one_store_the_golfer_joined(golfer, store):
    CustomerLink.objects.create(golfer=golfer, retailer=store)

    form = PhotoUploadForm(golfer=golfer)

    assert form["retailer"].value() == store.pk


def test_it_leaves_the_upload_at_no_store_for_a_golfer_of_two_stores(golfer, store, other_store):
    CustomerLink.objects.create(golfer=golfer, retailer=store)
    CustomerLink.objects.create(golfer=golfer, retailer=other_store)

    form = PhotoUploadForm(golfer=golfer)

    assert form["retailer"].value() is None


def test_it_offers_no_where_to_a_golfer_of_no_store(golfer):
    assert "retailer" not in PhotoUploadForm(golfer=golfer).fields
    assert "retailer" not in ShotForm(metric_units=False, golfer=golfer).fields


def test_it_saves_a_typed_shot_at_the_chosen_store_and_says_how_it_ranks(browser, golfer, store):
    CustomerLink.objects.create(golfer=golfer, retailer=store)

    page = browser.get(reverse("shots:new")).content.decode()
    response = browser.post(
        reverse("shots:new"),
        {
            "club": "driver",
            "hit_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "carry": "231",
            "retailer": str(store.pk),
            "client_token": "t1",
        },
    )

    assert 'name="retailer"' in page
    assert "never ranks on a" in page
    assert (
        "until the store&rsquo;s staff verify it" in page
        or "until the store’s staff verify it" in page
    )
    assert response.status_code == 302
    assert Shot.objects.get(golfer=golfer).retailer == store


def test_it_refuses_a_typed_shot_at_a_store_the_golfer_never_joined(browser, golfer, store):
    response = browser.post(
        reverse("shots:new"),
        {
            "club": "driver",
            "hit_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "carry": "231",
            "retailer": str(store.pk),
            "client_token": "t2",
        },
    )

    # No "Where" for this golfer: the store sent is ignored, never trusted.
    assert response.status_code == 302
    assert Shot.objects.get(golfer=golfer).retailer is None


def test_it_says_confirming_an_already_counted_shot_only_confirms_it(browser, golfer):
    shot = ShotFactory(
        golfer=golfer, source=ShotSource.PHOTO, status=ShotStatus.ANALYZED, carry=231.0
    )
    assert shot.is_counted

    page = browser.post(reverse("shots:confirm", args=[shot.pk]), follow=True).content.decode()

    assert "Numbers confirmed. This shot already counted." in page
    assert "It now counts" not in page


def test_it_says_a_shot_held_for_review_now_counts_once_confirmed(browser, golfer):
    shot = ShotFactory(
        golfer=golfer, source=ShotSource.PHOTO, status=ShotStatus.NEEDS_REVIEW, carry=231.0
    )

    page = browser.post(reverse("shots:confirm", args=[shot.pk]), follow=True).content.decode()

    assert "Shot confirmed. It now counts." in page


def test_it_rejects_a_store_id_that_is_not_one_of_the_golfers(golfer, store):
    elsewhere = Retailer.objects.create(name="Elsewhere", slug="elsewhere")
    CustomerLink.objects.create(golfer=golfer, retailer=store)

    form = ShotForm(
        {
            "club": "driver",
            "hit_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "carry": "231",
            "retailer": str(elsewhere.pk),
        },
        metric_units=False,
        golfer=golfer,
    )

    assert not form.is_valid()
    assert "retailer" in form.errors
