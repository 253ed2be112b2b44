"""The console's staff pages: only owners manage staff, and what a read-only store still allows.

The invitation services and the invited person's page are tested in
retailers/tests/test_staff.py.
"""

from __future__ import annotations

import pytest
from django.core import mail

from retailers.models import Membership, PlanStatus, Retailer, Role, StaffInvitation
from retailers.tests.test_staff import invite, member, person


@pytest.fixture
def owner(store):
    return member(store, "olivia", Role.OWNER).user


def test_inviting_a_current_member_is_refused(client, store, owner):
    member(store, "sam")
    client.force_login(owner)
    response = client.post("/console/fairway/staff/", {"email": "SAM@example.com", "role": "staff"})
    assert response.status_code == 200
    assert "already on this store" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "url",
    ["/console/fairway/staff/", "/console/fairway/staff/1/remove/"],
)
def test_staff_and_outsiders_cannot_manage_staff(client, store, owner, url):
    staff = member(store, "sam")
    other_owner = member(Retailer.objects.create(name="Tee", slug="tee"), "tom", Role.OWNER)
    for user in (staff.user, other_owner.user, person("golfer")):
        client.force_login(user)
        assert client.get(url).status_code in (404, 405)
        assert client.post(url, {"email": "x@example.com", "role": "owner"}).status_code == 404
    assert Membership.objects.filter(retailer=store).count() == 2
    assert not StaffInvitation.objects.exists()


def test_the_staff_page_lists_the_staff_for_the_owner(client, store, owner):
    member(store, "sam")
    client.force_login(owner)
    page = client.get("/console/fairway/staff/").content.decode()
    assert "olivia" in page
    assert "sam" in page


def test_an_owner_removes_staff(client, store, owner):
    staff = member(store, "sam")
    client.force_login(owner)
    response = client.post(f"/console/fairway/staff/{staff.pk}/remove/")
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=staff.pk).exists()


def test_an_owner_cannot_remove_another_stores_staff(client, store, owner):
    elsewhere = member(Retailer.objects.create(name="Tee", slug="tee"), "tim")
    client.force_login(owner)
    assert client.post(f"/console/fairway/staff/{elsewhere.pk}/remove/").status_code == 404
    assert Membership.objects.filter(pk=elsewhere.pk).exists()


@pytest.fixture
def read_only_store(store) -> Retailer:
    store.plan_status = PlanStatus.CANCELLED
    store.save(update_fields=["plan_status"])
    return store


def test_a_read_only_stores_owner_still_sees_the_staff_page(client, read_only_store, owner):
    client.force_login(owner)

    assert client.get("/console/fairway/staff/").status_code == 200


def test_a_read_only_store_cannot_invite_staff(client, read_only_store, owner):
    client.force_login(owner)

    response = client.post("/console/fairway/staff/", {"email": "new@example.com", "role": "staff"})

    assert response.status_code == 403
    assert "read-only" in response.content.decode().lower()
    assert not StaffInvitation.objects.exists()
    assert mail.outbox == []


def test_a_read_only_stores_owner_can_still_remove_staff(client, read_only_store, owner):
    # Taking access away must work whatever the plan: a lapsed store may need
    # to lock out someone who left.
    staff = member(read_only_store, "sam")
    client.force_login(owner)

    response = client.post(f"/console/fairway/staff/{staff.pk}/remove/")

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=staff.pk).exists()


def test_a_read_only_stores_owner_can_still_withdraw_an_invitation(client, store, owner):
    invite(store, owner)
    invitation = StaffInvitation.objects.get()
    store.plan_status = PlanStatus.CANCELLED
    store.save(update_fields=["plan_status"])
    client.force_login(owner)

    response = client.post(f"/console/fairway/staff/invitations/{invitation.pk}/withdraw/")

    assert response.status_code == 302
    assert not StaffInvitation.objects.exists()
