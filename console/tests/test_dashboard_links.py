"""The console dashboard brings golfers in: join link, QR code, counter card, kiosk and boards."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from retailers.models import Membership, Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.OWNER, Role.STAFF])
def test_the_dashboard_shows_every_way_in_to_the_store(client, store, role):
    member = UserFactory()
    Membership.objects.create(user=member, retailer=store, role=role)
    client.force_login(member)

    page = client.get(reverse("console:dashboard", args=["fairway"])).content.decode()

    assert '<a href="/join/fairway/">http://testserver/join/fairway/</a>' in page
    assert '<img class="join-card-qr" src="/s/fairway/qr.svg"' in page
    assert 'href="/s/fairway/counter-card.pdf"' in page
    assert 'href="/s/fairway/counter-card.png"' in page
    assert 'href="/s/fairway/qr.png"' in page
    assert 'href="/s/fairway/kiosk/"' in page
    assert 'href="/s/fairway/"' in page
    assert 'href="/s/fairway/events/"' in page


def test_every_link_on_the_dashboard_opens(client, store):
    owner = UserFactory()
    Membership.objects.create(user=owner, retailer=store, role=Role.OWNER)
    client.force_login(owner)

    for path in [
        "/join/fairway/",
        "/s/fairway/qr.svg",
        "/s/fairway/qr.png",
        "/s/fairway/counter-card.pdf",
        "/s/fairway/counter-card.png",
        "/s/fairway/kiosk/",
        "/s/fairway/",
        "/s/fairway/events/",
    ]:
        assert client.get(path).status_code == 200, path
