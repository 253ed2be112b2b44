"""The one place that turns a store slug into a store the user may act for.

Every store-console view (through ``console.access.console_view``) and every
staff API endpoint fetches its store through ``membership_for_staff``; anyone who is not a member gets a 404, so the
existence of another store's data never leaks.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import User
from retailers.models import Membership, Retailer, Role


def membership_for_staff(
    user: User | AnonymousUser, slug: str, *, owner_only: bool = False
) -> Membership:
    """The user's membership of the store, with the store; Http404 for anyone else."""
    if not user.is_authenticated:
        raise Http404("No such store.")
    memberships = Membership.objects.filter(user=user, retailer__slug=slug).select_related(
        "retailer"
    )
    if owner_only:
        memberships = memberships.filter(role=Role.OWNER)
    membership = memberships.first()
    if membership is None:
        raise Http404("No such store.")
    return membership


def retailer_for_staff(
    user: User | AnonymousUser, slug: str, *, owner_only: bool = False
) -> Retailer:
    return membership_for_staff(user, slug, owner_only=owner_only).retailer
