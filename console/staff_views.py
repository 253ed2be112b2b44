"""Owners managing their store's staff: invite, remove, withdraw an invitation.

Accepting an invitation is the invited person's page, in retailers/join_views.py.
A read-only store (lapsed plan) cannot invite anyone, but its owner can still
remove staff and withdraw invitations: taking access away must always work.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from console.access import ConsoleRequest, console_view
from console.forms import StaffInviteForm
from retailers.models import Membership, Retailer, StaffInvitation
from retailers.services import (
    invitation_email_send,
    invitation_max_age,
    invitation_withdraw,
    staff_invite,
    staff_remove,
)


@console_view(owner_only=True)
@require_http_methods(["GET", "POST"])
def staff_list(request: ConsoleRequest, retailer: Retailer) -> HttpResponse:
    form = StaffInviteForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            issued = staff_invite(
                retailer=retailer,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            accept_url = request.build_absolute_uri(
                reverse("stores:invitation", kwargs={"token": issued.token})
            )
            invitation_email_send(invitation=issued.invitation, accept_url=accept_url)
            messages.success(request, f"Invitation sent to {issued.invitation.email}.")
            return redirect("console:staff", slug=retailer.slug)
    memberships = retailer.memberships.select_related("user").order_by("role", "user__username")
    pending = retailer.invitations.filter(
        accepted_at__isnull=True, created_at__gt=timezone.now() - invitation_max_age()
    ).select_related("invited_by")
    return render(
        request,
        "console/staff.html",
        {"retailer": retailer, "memberships": memberships, "pending": pending, "form": form},
    )


@console_view(owner_only=True, writes_when_read_only=True)
@require_POST
def staff_remove_view(
    request: ConsoleRequest, retailer: Retailer, membership_id: int
) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, retailer=retailer
    )
    try:
        staff_remove(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.user.public_name} is no longer on the staff.")
    if membership.user_id == request.user.pk and membership.pk is None:
        # An owner who removed themselves can no longer open the staff page.
        return redirect("home")
    return redirect("console:staff", slug=retailer.slug)


@console_view(owner_only=True, writes_when_read_only=True)
@require_POST
def invitation_withdraw_view(
    request: ConsoleRequest, retailer: Retailer, invitation_id: int
) -> HttpResponse:
    invitation = get_object_or_404(
        StaffInvitation, pk=invitation_id, retailer=retailer, accepted_at__isnull=True
    )
    invitation_withdraw(invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return redirect("console:staff", slug=retailer.slug)
