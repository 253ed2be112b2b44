"""Store events, the golfers' pages: list, detail, entering and the results sheet.

The staff's side (list, new, edit) is in console/event_views.py.

Every date on these pages is in the store's time zone: an event runs on the
store's clock, whoever is looking.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.requests import AuthenticatedHttpRequest
from leaderboards.events import selectors as events
from leaderboards.events import services
from leaderboards.events.forms import EventEntryForm
from leaderboards.models import Event, EventState
from retailers.models import Retailer

# The printable sheet names the podium of each board.
WINNERS_PER_BOARD = 3


def event_of_store(retailer: Retailer, pk: int) -> Event:
    # Looked up through the store: another store's event id is a 404 here.
    return get_object_or_404(events.events_for_store(retailer), pk=pk)


# --- Golfers' pages -----------------------------------------------------------


def event_list(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_object_or_404(Retailer, slug=slug)
    with timezone.override(store.zone):
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
    with timezone.override(store.zone):
        return render(
            request,
            "leaderboards/event_detail.html",
            {
                "store": store,
                "event": event,
                "state": state,
                "rules": event.rules_in_words(),
                "boards": events.cached_event_boards(event),
                "entry": entry,
                "entry_form": entry_form,
            },
            status=400 if entry_form is not None and entry_form.errors else 200,
        )


def event_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_object_or_404(Retailer, slug=slug)
    return _detail_page(request, store, event_of_store(store, pk), entry_form=None)


@login_required
@require_http_methods(["GET", "POST"])
def event_enter(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_object_or_404(Retailer, slug=slug)
    event = event_of_store(store, pk)
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
        # "the Open division", never "You're in in Open".
        division = f", {entry.division} division" if entry.division else ""
        if created:
            messages.success(request, f"You've entered {event.name}{division}. Good luck!")
        else:
            messages.info(request, f"You had already entered {event.name}{division}.")
    return redirect("events:detail", slug=store.slug, pk=event.pk)


def event_results(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    store = get_object_or_404(Retailer, slug=slug)
    event = event_of_store(store, pk)
    boards = events.cached_event_boards(event)
    with timezone.override(store.zone):
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
