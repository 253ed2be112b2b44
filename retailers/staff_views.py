"""Owners managing their store's staff, and invited people accepting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from retailers.forms import StaffInviteForm
from retailers.models import Membership, StaffInvitation
from retailers.services import (
    InvitationError,
    invitation_accept,
    invitation_email_send,
    invitation_for_token,
    invitation_max_age,
    invitation_refusal,
    invitation_withdraw,
    staff_invite,
    staff_remove,
)
from retailers.tenancy import retailer_for_staff


@login_required
@require_http_methods(["GET", "POST"])
def staff_list(request: HttpRequest, slug: str) -> HttpResponse:
    retailer = retailer_for_staff(request.user, slug, owner_only=True)
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
            return redirect("stores:staff", slug=retailer.slug)
    memberships = retailer.memberships.select_related("user").order_by("role", "user__username")
    pending = retailer.invitations.filter(
        accepted_at__isnull=True, created_at__gt=timezone.now() - invitation_max_age()
    ).select_related("invited_by")
    return render(
        request,
        "retailers/staff.html",
        {"retailer": retailer, "memberships": memberships, "pending": pending, "form": form},
    )


@login_required
@require_POST
def staff_remove_view(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    retailer = retailer_for_staff(request.user, slug, owner_only=True)
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
    return redirect("stores:staff", slug=retailer.slug)


@login_required
@require_POST
def invitation_withdraw_view(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    retailer = retailer_for_staff(request.user, slug, owner_only=True)
    invitation = get_object_or_404(
        StaffInvitation, pk=invitation_id, retailer=retailer, accepted_at__isnull=True
    )
    invitation_withdraw(invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return redirect("stores:staff", slug=retailer.slug)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    error = None
    invitation = None
    try:
        invitation = invitation_for_token(token=token)
        if request.method == "POST":
            membership = invitation_accept(token=token, user=request.user)
            messages.success(request, f"You are now on the staff of {membership.retailer.name}.")
            return redirect("home")
        refusal = invitation_refusal(invitation=invitation, user=request.user)
        if refusal is not None:
            raise refusal
    except InvitationError as problem:
        error = " ".join(problem.messages)
    return render(
        request,
        "retailers/invitation.html",
        {"invitation": invitation, "error": error},
        status=400 if error else 200,
    )
