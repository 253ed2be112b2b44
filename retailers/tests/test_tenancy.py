import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import User
from retailers.models import Membership, Retailer, Role
from retailers.tenancy import membership_for_staff, retailer_for_staff


def member(store: Retailer, role: str = Role.STAFF) -> User:
    user = User.objects.create_user(f"{store.slug}-{role}", password="correct horse battery")
    Membership.objects.create(user=user, retailer=store, role=role)
    return user


def test_it_resolves_a_store_for_its_staff(store):
    assert retailer_for_staff(member(store), "fairway") == store


def test_it_hides_another_stores_existence_with_a_404(store, other_store):
    with pytest.raises(Http404):
        retailer_for_staff(member(other_store), "fairway")


@pytest.mark.parametrize("slug", ["fairway", "no-such-store"])
def test_it_gives_anonymous_visitors_a_404(store, slug):
    with pytest.raises(Http404):
        retailer_for_staff(AnonymousUser(), slug)


def test_owner_only_pages_refuse_staff(store):
    assert retailer_for_staff(member(store, Role.OWNER), "fairway", owner_only=True) == store
    with pytest.raises(Http404):
        retailer_for_staff(member(store, Role.STAFF), "fairway", owner_only=True)


def test_a_golfer_is_not_staff(store):
    golfer = User.objects.create_user("golfer", password="correct horse battery")
    with pytest.raises(Http404):
        membership_for_staff(golfer, "fairway")
    assert membership_for_staff(member(store), "fairway").retailer == store


def test_a_retailer_falls_back_to_the_sites_zone_for_an_unknown_name(store, settings):
    store.timezone = "Mars/Olympus_Mons"
    assert str(store.zone) == settings.TIME_ZONE
    store.timezone = "America/New_York"
    assert str(store.zone) == "America/New_York"


def test_a_store_turns_read_only_when_cancelled_or_past_due_beyond_the_grace(store):
    from datetime import timedelta

    from django.utils import timezone

    from retailers.models import PAST_DUE_GRACE, PlanStatus

    now = timezone.now()
    assert not store.is_read_only(now)
    store.plan_status = PlanStatus.PAST_DUE
    store.past_due_since = now - PAST_DUE_GRACE + timedelta(hours=1)
    assert not store.is_read_only(now)
    store.past_due_since = now - PAST_DUE_GRACE - timedelta(hours=1)
    assert store.is_read_only(now)
    store.plan_status = PlanStatus.CANCELLED
    assert store.is_read_only(now)
