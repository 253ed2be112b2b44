"""The one place that turns a store slug into a store the user may act for.

Every store-staff view and API endpoint fetches its store through
``retailer_for_staff``; anyone who is not a member gets a 404, so the
existence of another store's data never leaks.
"""

from __future__ import annotations

from django.http import Http404

from accounts.models import User
from retailers.models import Membership, Retailer, Role


def retailer_for_staff(user: User, slug: str, *, owner_only: bool = False) -> Retailer:
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
    return membership.retailer


def is_staff_of(user: User, retailer: Retailer) -> bool:
    return (
        user.is_authenticated and Membership.objects.filter(user=user, retailer=retailer).exists()
    )
