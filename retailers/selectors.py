"""Reads about a person's stores: the stores they work at (for the header and the
landing after log-in) and the stores they joined as a golfer."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction

from accounts.models import User
from retailers.models import CustomerLink, Membership, Role

# The header asks on every page a member of staff opens; a cached answer keeps
# a cached board page at one query. Joining or leaving a store's staff forgets
# it (``staff_stores_forget``); an edit in the admin shows within this time.
STAFF_STORES_CACHE_SECONDS = 5 * 60


@dataclass(frozen=True)
class StaffStore:
    """A store the user works at, as the header and the console chooser show it."""

    slug: str
    name: str
    role: str

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


def _staff_stores_key(user_id: int) -> str:
    return f"retailers:staff-stores:{user_id}"


def staff_stores_for(user: User | AnonymousUser) -> list[StaffStore]:
    """The stores the user is on the staff of, by name; [] for golfers and visitors."""
    if not user.is_authenticated:
        return []
    key = _staff_stores_key(user.pk)
    stores = cache.get(key)
    if stores is None:
        stores = [
            StaffStore(slug=slug, name=name, role=role)
            for slug, name, role in Membership.objects.filter(user=user)
            .order_by("retailer__name")
            .values_list("retailer__slug", "retailer__name", "role")
        ]
        cache.set(key, stores, STAFF_STORES_CACHE_SECONDS)
    return stores


def staff_stores_forget(*, user_id: int) -> None:
    """Drop the cached answer once the write that changed the user's staff places commits."""
    transaction.on_commit(lambda: cache.delete(_staff_stores_key(user_id)))


def customer_links_for(golfer: User) -> list[CustomerLink]:
    """The golfer's links to the stores they joined, with the store, by store name."""
    return list(
        CustomerLink.objects.filter(golfer=golfer)
        .select_related("retailer")
        .order_by("retailer__name")
    )
