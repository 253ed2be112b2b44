"""Owners invite and remove staff; invitation links are signed, expiring and single-use."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.signing import b62_encode

from accounts.models import User
from retailers.models import Membership, Retailer, Role, StaffInvitation
from retailers.services import InvitationError, invitation_accept, staff_invite, staff_remove

pytestmark = pytest.mark.django_db


def person(username: str, email: str = "") -> User:
    return User.objects.create_user(
        username, email=email or f"{username}@example.com", password="correct horse battery"
    )


def member(store: Retailer, username: str, role: str = Role.STAFF) -> Membership:
    return Membership.objects.create(user=person(username), retailer=store, role=role)


@pytest.fixture
def owner(store) -> User:
    return member(store, "olivia", Role.OWNER).user


def invite(store: Retailer, owner: User, email: str = "Sam@Example.com") -> str:
    return staff_invite(retailer=store, email=email, role=Role.STAFF, invited_by=owner).token


def test_an_owner_invites_by_email_with_a_link_that_works(client, store, owner):
    client.force_login(owner)
    response = client.post("/console/fairway/staff/", {"email": "sam@example.com", "role": "staff"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@example.com"]
    url = re.search(r"http://testserver(/invitations/\S+/)", mail.outbox[0].body).group(1)

    sam = person("sam", "SAM@example.com")
    client.force_login(sam)
    assert "Accept the invitation" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert Membership.objects.get(user=sam, retailer=store).role == Role.STAFF
    invitation = StaffInvitation.objects.get()
    assert invitation.accepted_by == sam
    assert invitation.accepted_at is not None


def test_the_invitation_page_needs_a_login(client, store, owner):
    token = invite(store, owner)
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/invitations/")


def test_an_invitation_cannot_be_used_twice(store, owner):
    token = invite(store, owner)
    invitation_accept(token=token, user=person("sam", "sam@example.com"))
    with pytest.raises(InvitationError, match="already been used"):
        invitation_accept(token=token, user=person("sam2", "sam@example.com"))


def test_an_expired_invitation_is_refused(client, store, owner, settings):
    token = invite(store, owner)
    sam = person("sam", "sam@example.com")
    settings.STAFF_INVITE_MAX_AGE_DAYS = -1  # as if a week had passed
    with pytest.raises(InvitationError, match="expired"):
        invitation_accept(token=token, user=sam)
    client.force_login(sam)
    response = client.post(f"/invitations/{token}/")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=sam).exists()


def test_an_invitation_for_someone_else_is_refused(client, store, owner):
    token = invite(store, owner)
    eve = person("eve", "eve@example.com")
    with pytest.raises(InvitationError, match=r"sent to Sam@Example\.com"):
        invitation_accept(token=token, user=eve)
    client.force_login(eve)
    assert client.post(f"/invitations/{token}/").status_code == 400
    assert not Membership.objects.filter(user=eve).exists()
    assert StaffInvitation.objects.get().accepted_at is None


def test_a_tampered_link_is_refused(client, store, owner):
    token = invite(store, owner)
    client.force_login(person("sam", "sam@example.com"))
    response = client.post(f"/invitations/{token[:-2]}xx/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_a_withdrawn_invitation_is_refused(store, owner):
    token = invite(store, owner)
    StaffInvitation.objects.all().delete()
    with pytest.raises(InvitationError, match="withdrawn"):
        invitation_accept(token=token, user=person("sam", "sam@example.com"))


def test_accepting_never_demotes_an_existing_member(store, owner):
    token = staff_invite(
        retailer=store, email="x@example.com", role=Role.STAFF, invited_by=owner
    ).token
    co_owner = Membership.objects.create(
        user=person("x", "x@example.com"), retailer=store, role=Role.OWNER
    )
    assert invitation_accept(token=token, user=co_owner.user).role == Role.OWNER


def test_staff_cannot_invite(store, owner):
    staff = member(store, "sam").user
    with pytest.raises(PermissionDenied):
        staff_invite(retailer=store, email="a@example.com", role=Role.STAFF, invited_by=staff)


def test_the_last_owner_cannot_be_removed(client, store, owner):
    membership = Membership.objects.get(user=owner)
    with pytest.raises(ValidationError, match="needs an owner"):
        staff_remove(membership=membership, by=owner)
    client.force_login(owner)
    client.post(f"/console/fairway/staff/{membership.pk}/remove/")
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_owner_may_leave_when_another_owner_remains(store, owner):
    co_owner = member(store, "cody", Role.OWNER)
    staff_remove(membership=Membership.objects.get(user=owner), by=co_owner.user)
    assert list(Membership.objects.filter(retailer=store)) == [co_owner]


def test_staff_cannot_remove_anyone(store, owner):
    staff = member(store, "sam")
    with pytest.raises(PermissionDenied):
        staff_remove(membership=Membership.objects.get(user=owner), by=staff.user)


@pytest.mark.parametrize(("age_days", "works"), [(6, True), (8, False)])
def test_an_invitation_link_lasts_a_week(store, owner, monkeypatch, age_days, works):
    signed_at = time.time() - age_days * 24 * 60 * 60
    with monkeypatch.context() as patched:
        patched.setattr(
            signing.TimestampSigner, "timestamp", lambda self: b62_encode(int(signed_at))
        )
        token = invite(store, owner)
    sam = person("sam", "sam@example.com")
    if works:
        assert invitation_accept(token=token, user=sam).retailer == store
    else:
        with pytest.raises(InvitationError, match="expired"):
            invitation_accept(token=token, user=sam)


def test_the_wrong_user_is_told_before_clicking_accept(client, store, owner):
    token = invite(store, owner)
    client.force_login(person("eve", "eve@example.com"))
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "sent to Sam@Example.com" in page
    assert "Accept the invitation" not in page
