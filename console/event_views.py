"""The store's events in the console: the list, a new event and editing one.

The golfers' side (event pages, entering, results) is in leaderboards/events/views.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from console.access import ConsoleRequest, console_view
from leaderboards.events import selectors as events
from leaderboards.events import services
from leaderboards.events.forms import EventForm
from leaderboards.events.views import event_of_store
from retailers.models import Retailer, Role


def _is_owner(request: ConsoleRequest) -> bool:
    # The console nav shows owners their Staff and Settings links.
    return request.membership.role == Role.OWNER


def _form_values(form: EventForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in EventForm.Meta.fields}


def _add_service_errors(form: EventForm, problem: ValidationError) -> None:
    if hasattr(problem, "error_dict"):
        for name, errors in problem.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, problem)


@console_view()
@require_GET
def event_list(request: ConsoleRequest, store: Retailer) -> HttpResponse:
    return render(
        request,
        "console/events.html",
        {
            "store": store,
            "is_owner": _is_owner(request),
            "events_by_state": events.events_by_state(store),
        },
    )


@console_view()
@require_http_methods(["GET", "POST"])
def event_new(request: ConsoleRequest, store: Retailer) -> HttpResponse:
    form = EventForm(request.POST or None, retailer=store)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                retailer=store, created_by=request.user, **_form_values(form)
            )
        except ValidationError as problem:
            _add_service_errors(form, problem)
        else:
            messages.success(request, f"“{event.name}” is set up.")
            return redirect("console:events", slug=store.slug)
    return render(
        request,
        "console/event_form.html",
        {"store": store, "is_owner": _is_owner(request), "form": form, "event": None},
        status=400 if form.errors else 200,
    )


@console_view()
@require_http_methods(["GET", "POST"])
def event_edit(request: ConsoleRequest, store: Retailer, pk: int) -> HttpResponse:
    event = event_of_store(store, pk)
    saved_name = event.name  # the form writes onto the event while it validates
    form = EventForm(request.POST or None, instance=event, retailer=store)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(event=event, **_form_values(form))
        except ValidationError as problem:
            _add_service_errors(form, problem)
        else:
            messages.success(request, f"“{form.cleaned_data['name']}” is saved.")
            return redirect("console:events", slug=store.slug)
    return render(
        request,
        "console/event_form.html",
        {
            "store": store,
            "is_owner": _is_owner(request),
            "form": form,
            "event": event,
            "event_name": saved_name,
            "public_url": reverse("events:detail", args=[store.slug, event.pk]),
        },
        status=400 if form.errors else 200,
    )
