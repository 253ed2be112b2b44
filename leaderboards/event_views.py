"""Store events: the staff console (list, new, edit) and the golfers' pages.

Every date on these pages is in the store's time zone: an event runs on the
store's clock, whoever is looking.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from leaderboards import events, services
from leaderboards.event_forms import EventEntryForm, EventForm
from leaderboards.models import Event, EventState
from retailers.models import Retailer
from retailers.tenancy import retailer_for_staff

# The printable sheet names the podium of each board.
WINNERS_PER_BOARD = 3


def _store_zone(retailer: Retailer) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(retailer.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _refuse_write_when_read_only(request: HttpRequest, store: Retailer) -> HttpResponse | None:
    # Same rule as the rest of the console: a lapsed plan keeps its data, takes no writes.
    if request.method == "POST" and store.is_read_only():
        return render(request, "retailers/console_read_only.html", {"store": store}, status=403)
    return None


def _event_of(retailer: Retailer, pk: int) -> Event:
    # Looked up through the store: another store's event id is a 404 here.
    return get_object_or_404(events.events_for_store(retailer), pk=pk)


def _form_values(form: EventForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in EventForm.Meta.fields}


def _add_service_errors(form: EventForm, problem: ValidationError) -> None:
    if hasattr(problem, "error_dict"):
        for name, errors in problem.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, problem)


# --- Staff console ------------------------------------------------------------


def console_event_list(request: HttpRequest, slug: str) -> HttpResponse:
    store = retailer_for_staff(request.user, slug)
    with timezone.override(_store_zone(store)):
        return render(
            request,
            "leaderboards/event_console_list.html",
            {"store": store, "events_by_state": events.events_by_state(store)},
        )


@require_http_methods(["GET", "POST"])
def console_event_new(request: HttpRequest, slug: str) -> HttpResponse:
    store = retailer_for_staff(request.user, slug)
    if refused := _refuse_write_when_read_only(request, store):
        return refused
    with timezone.override(_store_zone(store)):
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
                return redirect("events:console_list", slug=store.slug)
        return render(
            request,
            "leaderboards/event_form.html",
            {"store": store, "form": form, "event": None},
            status=400 if form.errors else 200,
        )


@require_http_methods(["GET", "POST"])
def console_event_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = retailer_for_staff(request.user, slug)
    event = _event_of(store, pk)
    if refused := _refuse_write_when_read_only(request, store):
        return refused
    saved_name = event.name  # the form writes onto the event while it validates
    with timezone.override(_store_zone(store)):
        form = EventForm(request.POST or None, instance=event, retailer=store)
        if request.method == "POST" and form.is_valid():
            try:
                services.event_update(event=event, **_form_values(form))
            except ValidationError as problem:
                _add_service_errors(form, problem)
            else:
                messages.success(request, f"“{form.cleaned_data['name']}” is saved.")
                return redirect("events:console_list", slug=store.slug)
        return render(
            request,
            "leaderboards/event_form.html",
            {
                "store": store,
                "form": form,
                "event": event,
                "event_name": saved_name,
                "public_url": reverse("events:detail", args=[store.slug, event.pk]),
            },
            status=400 if form.errors else 200,
        )


# --- Golfers' pages -----------------------------------------------------------


def event_list(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_object_or_404(Retailer, slug=slug)
    with timezone.override(_store_zone(store)):
        return render(
            request,
            "leaderboards/event_list.html",
            {"store": store, "events_by_state": events.events_by_state(store)},
        )


def _detail_page(
    request: HttpRequest, store: Retailer, event: Event, *, entry_form: EventEntryForm | None
) -> HttpResponse:
    entry = events.entry_for(event, request.user)
    state = event.state()
    if entry_form is None and entry is None and state != EventState.FINISHED:
        entry_form = EventEntryForm(event=event)
    with timezone.override(_store_zone(store)):
        return render(
            request,
            "leaderboards/event_detail.html",
            {
                "store": store,
                "event": event,
                "state": state,
                "rules": event.rules_in_words(),
                "boards": events.event_boards(event),
                "entry": entry,
                "entry_form": entry_form,
            },
            status=400 if entry_form is not None and entry_form.errors else 200,
        )


def event_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_object_or_404(Retailer, slug=slug)
    return _detail_page(request, store, _event_of(store, pk), entry_form=None)


@login_required
@require_http_methods(["GET", "POST"])
def event_enter(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_object_or_404(Retailer, slug=slug)
    event = _event_of(store, pk)
    if request.method != "POST":
        # Back from the log-in page: the entry form is on the event page.
        return redirect("events:detail", slug=store.slug, pk=event.pk)
    form = EventEntryForm(request.POST, event=event)
    if not form.is_valid():
        return _detail_page(request, store, event, entry_form=form)
    try:
        entry, created = services.event_enter(
            event=event, golfer=request.user, division=form.chosen_division()
        )
    except services.EventClosed as closed:
        messages.error(request, str(closed))
    except ValidationError as problem:
        for errors in problem.message_dict.values():
            for error in errors:
                form.add_error("division" if "division" in form.fields else None, error)
        return _detail_page(request, store, event, entry_form=form)
    else:
        in_division = f" in {entry.division}" if entry.division else ""
        if created:
            messages.success(request, f"You're in{in_division}. Good luck!")
        else:
            messages.info(request, f"You had already entered{in_division}.")
    return redirect("events:detail", slug=store.slug, pk=event.pk)


def event_results(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_object_or_404(Retailer, slug=slug)
    event = _event_of(store, pk)
    boards = events.event_boards(event)
    with timezone.override(_store_zone(store)):
        return render(
            request,
            "leaderboards/event_results.html",
            {
                "store": store,
                "event": event,
                "is_final": event.is_finished,
                "rules": event.rules_in_words(),
                "podiums": [(board.division, board.rows[:WINNERS_PER_BOARD]) for board in boards],
                "standings": boards[0].rows,
                "printed_at": timezone.now(),
            },
        )
