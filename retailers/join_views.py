"""Golfers joining a store by its link or QR code, and managing the stores they joined."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import AuthenticatedHttpRequest
from retailers.counter_card import counter_card_bytes
from retailers.forms import ConsentForm
from retailers.models import CustomerLink, Retailer
from retailers.selectors import customer_links_for, staff_stores_for
from retailers.services import (
    InvitationError,
    JoinedVia,
    customer_consent_update,
    customer_join,
    customer_leave,
    invitation_accept,
    invitation_for_token,
    invitation_refusal,
)

# A printed QR code outlives any cache; a day keeps the counter screen cheap.
QR_CACHE_SECONDS = 24 * 60 * 60


def _consent_initial(link: CustomerLink | None) -> dict[str, object]:
    if link is None:
        return {}
    return {
        "leaderboard_consent": link.leaderboard_consent,
        "leaderboard_name": link.leaderboard_name,
        "marketing_consent": link.marketing_consent,
    }


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, slug: str) -> HttpResponse:
    retailer = get_object_or_404(Retailer, slug=slug)
    joined_via = JoinedVia.QR if request.GET.get("via") == JoinedVia.QR else JoinedVia.LINK
    link = None
    if request.user.is_authenticated:
        link = CustomerLink.objects.filter(golfer=request.user, retailer=retailer).first()
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        form = ConsentForm(request.POST)
        if form.is_valid():
            customer_join(
                golfer=request.user, retailer=retailer, joined_via=joined_via, **form.cleaned_data
            )
            messages.success(request, f"You joined {retailer.name}.")
            # The golfer home shows the store's rank and running events.
            return redirect("home")
    else:
        form = ConsentForm(initial=_consent_initial(link))
    return render(
        request,
        "retailers/join.html",
        {"retailer": retailer, "form": form, "link": link, "next": request.get_full_path()},
    )


def _join_url_for_qr(request: HttpRequest, retailer: Retailer) -> str:
    path = reverse("stores:join", kwargs={"slug": retailer.slug})
    return request.build_absolute_uri(f"{path}?via={JoinedVia.QR}")


@require_GET
@cache_control(public=True, max_age=QR_CACHE_SECONDS)
def join_qr_svg(request: HttpRequest, slug: str) -> HttpResponse:
    retailer = get_object_or_404(Retailer, slug=slug)
    url = _join_url_for_qr(request, retailer)
    output = io.BytesIO()
    segno.make(url, error="m").save(
        output, kind="svg", scale=8, border=4, title=f"Join {retailer.name}", desc=url
    )
    return HttpResponse(output.getvalue(), content_type="image/svg+xml")


@require_GET
@cache_control(public=True, max_age=QR_CACHE_SECONDS)
def join_qr_png(request: HttpRequest, slug: str) -> HttpResponse:
    retailer = get_object_or_404(Retailer, slug=slug)
    output = io.BytesIO()
    segno.make(_join_url_for_qr(request, retailer), error="m").save(
        output, kind="png", scale=10, border=4
    )
    return HttpResponse(output.getvalue(), content_type="image/png")


# The card is public like the QR code: it carries only the store's name and its
# public join link, and a store can send the link to a print shop or open it on
# the counter PC without a staff log-in.
COUNTER_CARD_FORMATS = {"png": ("PNG", "image/png"), "pdf": ("PDF", "application/pdf")}


@require_GET
@cache_control(public=True, max_age=QR_CACHE_SECONDS)
def counter_card(request: HttpRequest, slug: str, extension: str) -> HttpResponse:
    """The printable counter card as a PNG or a one-page A6 PDF."""
    retailer = get_object_or_404(Retailer, slug=slug)
    image_format, content_type = COUNTER_CARD_FORMATS[extension]
    short_url = f"{request.get_host()}{reverse('stores:join', kwargs={'slug': retailer.slug})}"
    content = counter_card_bytes(
        store_name=retailer.name,
        join_url=_join_url_for_qr(request, retailer),
        short_url=short_url,
        image_format=image_format,
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'inline; filename="golfshots-{retailer.slug}-counter-card.{extension}"'
    )
    return response


@login_required
@require_GET
def after_login(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where log-in lands without a ``next``: staff on their console, golfers at home.

    Staff of one store go straight to its console; staff of several choose.
    """
    stores = staff_stores_for(request.user)
    if len(stores) == 1:
        return redirect("console:dashboard", slug=stores[0].slug)
    if stores:
        return redirect("stores:consoles")
    return redirect("home")


@login_required
@require_GET
def consoles(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The chooser for someone on several stores' staff (and the header's console link)."""
    return render(request, "retailers/consoles.html", {"consoles": staff_stores_for(request.user)})


@login_required
@require_GET
def my_stores(request: AuthenticatedHttpRequest) -> HttpResponse:
    stores = [
        (link, ConsentForm(initial=_consent_initial(link), prefix=link.retailer.slug))
        for link in customer_links_for(request.user)
    ]
    return render(
        request,
        "retailers/my_stores.html",
        {"stores": stores, "consoles": staff_stores_for(request.user)},
    )


@login_required
@require_POST
def my_store_update(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    link = get_object_or_404(CustomerLink, golfer=request.user, retailer__slug=slug)
    form = ConsentForm(request.POST, prefix=slug)
    if form.is_valid():
        customer_consent_update(link=link, **form.cleaned_data)
        messages.success(request, f"Your choices for {link.retailer.name} are saved.")
    else:
        messages.error(request, "Those choices could not be saved: " + form.errors.as_text())
    return redirect("stores:mine")


@login_required
@require_POST
def my_store_leave(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    link = get_object_or_404(
        CustomerLink.objects.select_related("retailer"), golfer=request.user, retailer__slug=slug
    )
    customer_leave(link=link)
    messages.success(request, f"You left {link.retailer.name}.")
    return redirect("stores:mine")


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    error = None
    invitation = None
    try:
        invitation = invitation_for_token(token=token)
        if request.method == "POST":
            membership = invitation_accept(token=token, user=request.user)
            messages.success(request, f"You are now on the staff of {membership.retailer.name}.")
            return redirect("console:dashboard", slug=membership.retailer.slug)
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
