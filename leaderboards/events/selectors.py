"""Reads for store events: which events a store runs and each event's board.

An event's board follows the event's own rules (see ``Event.rules_in_words``):
shots hit at the event's store, counted, inside [starts_at, ends_at), with the
event's club, the metric measured, of a level that ranks (verified, and
measured unless the event is verified-only: ``shots.models.rankable``), by
golfers who entered. Under "first N" only each golfer's first N such shots are
attempts; a shot that does not qualify (not counted, another club, ...) does
not use one up. One row per golfer: their best attempt; ties go to the earlier
shot, then the lower shot id.

Caching: event boards are cached like the store's boards. The pages, the API
and the kiosk read them through ``cached_event_boards`` and
``active_event_slides``, stored with ``leaderboards.cache.cached_output``
under the store's boards version, and ``event_board``/``event_boards``
compute them. Why: the kiosk asks for the store's running events on every
slide of every TV in the shop (every 15 seconds), and an event page with
divisions costs three queries per division; during an event those pages are
read far more often than a shot lands. What makes a cached event board
stale bumps the store's version, so it shows on the next request:

- a counted shot at the store, as for every board
  (``golfshots.cache_scopes.board_versions_bump_on_commit``, from shots/);
- a new entrant (``services.event_enter``) and an edit of the event's rules
  (``services.event_update``), and the same writes made in the admin;
- a golfer renamed, or a consenting golfer's board name changed at the
  store (accounts/ and retailers/ bump the stores the golfer is linked to).

A new event needs no bump: its id is in the key, and so are the store's
units the values are formatted in. The list of running events is not
cached: an event starts and ends with no write, so it is read (one query)
on each request. Two name changes bump no store: a golfer who entered
without a link to the store renaming themselves, and a board name changed
without leaderboard consent (entering an event is consent to its board).
``EVENT_BOARD_CACHE_SECONDS`` is short so that such a name is at most a
minute old.

A visitor who is not logged in gets the whole kiosk page from the response
cache (golfshots/response_cache.py), kept until the store's version moves,
the next event starts (``next_event_start``) or a running one ends, and at
most ``leaderboards.views.PAGE_CACHE_SECONDS``: creating an event bumps
nothing, so a new event that is already running shows there within that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from urllib.parse import quote

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import Units, User
from leaderboards.cache import cached_output
from leaderboards.models import Event, EventEntry, EventState
from retailers.models import CustomerLink, Retailer
from retailers.units import shows_metric_units
from shots.metrics import METRICS_BY_NAME, format_value
from shots.models import Club, Shot, rankable, record_value_present

Output = TypeVar("Output")

DEFAULT_BOARD_LIMIT = 50
KIOSK_BOARD_LIMIT = 10
# Short, unlike the store's boards: see the module's docstring.
EVENT_BOARD_CACHE_SECONDS = 60


@dataclass(frozen=True)
class EventBoardRow:
    rank: int
    golfer_id: int
    golfer_name: str
    value: float
    value_display: str  # in the store's units, e.g. "252.3 yd"
    club: str
    club_label: str
    shot_id: int
    hit_at: datetime
    division: str
    trust: str = ""  # a ShotTrust value: verified or measured


@dataclass(frozen=True)
class DivisionBoard:
    division: str  # "" for the overall board
    rows: list[EventBoardRow]


@dataclass(frozen=True)
class EventSlide:
    """What a kiosk slide shows for one active event; ``rules`` is the short summary."""

    event: Event
    rows: list[EventBoardRow]
    rules: list[str] = field(default_factory=list)


def events_for_store(retailer: Retailer) -> QuerySet[Event]:
    return (
        Event.objects.filter(retailer=retailer)
        .select_related("retailer")
        .annotate(entrant_count=Count("entries"))
    )


def in_state(events: QuerySet[Event], state: str, *, now: datetime) -> QuerySet[Event]:
    if state == EventState.UPCOMING:
        return events.filter(starts_at__gt=now)
    if state == EventState.ACTIVE:
        return events.filter(starts_at__lte=now, ends_at__gt=now)
    return events.filter(ends_at__lte=now)


def events_by_state(retailer: Retailer, *, now: datetime | None = None) -> dict[str, list[Event]]:
    """The store's events as {"active": [...], "upcoming": [...], "finished": [...]}.

    Active events end soonest first, upcoming start soonest first, finished
    are newest first.
    """
    now = now or timezone.now()
    events = events_for_store(retailer)
    return {
        "active": active_events_for(retailer, now=now),
        "upcoming": list(
            in_state(events, EventState.UPCOMING, now=now).order_by("starts_at", "id")
        ),
        "finished": list(
            in_state(events, EventState.FINISHED, now=now).order_by("-ends_at", "-id")
        ),
    }


def active_events_for(retailer: Retailer, *, now: datetime | None = None) -> list[Event]:
    """The store's events on now, ending soonest first (as in ``events_by_state``). One query."""
    events = in_state(events_for_store(retailer), EventState.ACTIVE, now=now or timezone.now())
    return list(events.order_by("ends_at", "id"))


def next_event_start(retailer: Retailer, *, now: datetime) -> datetime | None:
    """When the store's next event starts, if one is planned: a kiosk's slides change then.

    One query; the kiosk's cached pages are kept no longer than this.
    """
    return (
        Event.objects.filter(retailer=retailer, starts_at__gt=now)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )


def _qualifying_shots(event: Event, *, division: str | None) -> QuerySet[Shot]:
    entrants = EventEntry.objects.filter(event=event)
    if division is not None:
        entrants = entrants.filter(division=division)
    # Ranked by trust level like the store's boards, under the event's own rule.
    shots = Shot.objects.filter(
        rankable(verified_only=event.verified_only),
        record_value_present(event.metric),
        retailer_id=event.retailer_id,
        hit_at__gte=event.starts_at,
        hit_at__lt=event.ends_at,
        golfer__in=entrants.values("golfer"),
    )
    if event.club:
        shots = shots.filter(club=event.club)
    return shots


def _attempts(event: Event, shots: QuerySet[Shot]) -> QuerySet[Shot]:
    if not event.is_first_n:
        return shots
    numbered = shots.annotate(
        attempt=Window(
            RowNumber(), partition_by=[F("golfer_id")], order_by=[F("hit_at").asc(), F("id").asc()]
        )
    ).filter(attempt__lte=event.attempts)
    return Shot.objects.filter(pk__in=numbered.values("pk"))


def _best_per_golfer(event: Event, shots: QuerySet[Shot]) -> QuerySet[Shot]:
    metric = event.metric
    return (
        shots.annotate(
            value=F(metric),
            place_for_golfer=Window(
                RowNumber(),
                partition_by=[F("golfer_id")],
                order_by=[F(metric).desc(), F("hit_at").asc(), F("id").asc()],
            ),
        )
        .filter(place_for_golfer=1)
        .order_by(F(metric).desc(), "hit_at", "id")
    )


def _board_names(event: Event, golfer_ids: list[int]) -> dict[int, str]:
    # Entering an event is agreeing to appear on its board; the store's
    # board name wins over the account name when the golfer set one.
    chosen = dict(
        CustomerLink.objects.filter(retailer_id=event.retailer_id, golfer_id__in=golfer_ids)
        .exclude(leaderboard_name="")
        .values_list("golfer_id", "leaderboard_name")
    )
    golfers = User.objects.filter(pk__in=golfer_ids).only(
        "username", "display_name", "first_name", "last_name"
    )
    return {golfer.pk: chosen.get(golfer.pk) or golfer.public_name for golfer in golfers}


def event_board(
    event: Event, *, division: str | None = None, limit: int = DEFAULT_BOARD_LIMIT
) -> list[EventBoardRow]:
    """The event's standings; only one division's entrants when ``division`` is given."""
    shots = _attempts(event, _qualifying_shots(event, division=division))
    best = _best_per_golfer(event, shots).annotate(
        entry_division=Subquery(
            EventEntry.objects.filter(event=event, golfer=OuterRef("golfer_id")).values("division")[
                :1
            ]
        )
    )
    top = list(
        best.values("id", "golfer_id", "value", "club", "hit_at", "trust", "entry_division")[:limit]
    )
    names = _board_names(event, [row["golfer_id"] for row in top])
    club_labels = dict(Club.choices)
    metric = METRICS_BY_NAME[event.metric]
    metric_units = shows_metric_units(store=event.retailer)
    return [
        EventBoardRow(
            rank=rank,
            golfer_id=row["golfer_id"],
            golfer_name=names.get(row["golfer_id"], ""),
            value=row["value"],
            value_display=format_value(metric, row["value"], metric_units=metric_units),
            club=row["club"],
            club_label=club_labels.get(row["club"], row["club"]),
            shot_id=row["id"],
            hit_at=row["hit_at"],
            division=row["entry_division"] or "",
            trust=row["trust"],
        )
        for rank, row in enumerate(top, start=1)
    ]


def event_boards(event: Event, *, limit: int = DEFAULT_BOARD_LIMIT) -> list[DivisionBoard]:
    """The overall board, then one board per division (when the event has divisions)."""
    boards = [DivisionBoard(division="", rows=event_board(event, limit=limit))]
    boards += [
        DivisionBoard(division=name, rows=event_board(event, division=name, limit=limit))
        for name in event.divisions
    ]
    return boards


def _cached_event_output(
    event: Event, what: str, *, limit: int, compute: Callable[[], Output]
) -> Output:
    """``compute()`` cached under the event's store's boards version (see the module docstring)."""
    units = Units.METRIC if shows_metric_units(store=event.retailer) else Units.IMPERIAL
    return cached_output(
        variant="event",
        retailer=event.retailer,
        parts=[str(event.pk), what, units, str(limit)],
        compute=compute,
        timeout=EVENT_BOARD_CACHE_SECONDS,
    )


def cached_event_boards(event: Event, *, limit: int = DEFAULT_BOARD_LIMIT) -> list[DivisionBoard]:
    """``event_boards`` from the cache: what the event's page, results sheet and API show."""
    return _cached_event_output(
        event, "boards", limit=limit, compute=lambda: event_boards(event, limit=limit)
    )


def cached_event_board(
    event: Event, *, division: str | None = None, limit: int = DEFAULT_BOARD_LIMIT
) -> list[EventBoardRow]:
    """``event_board`` from the cache; the division is quoted so any name makes a safe key."""
    what = "overall" if division is None else f"division={quote(division)}"
    return _cached_event_output(
        event, what, limit=limit, compute=lambda: event_board(event, division=division, limit=limit)
    )


def entry_for(event: Event, golfer: User | AnonymousUser) -> EventEntry | None:
    if not golfer.is_authenticated:
        return None
    return EventEntry.objects.filter(event=event, golfer=golfer).first()


def active_event_slides(
    retailer: Retailer, *, limit: int = KIOSK_BOARD_LIMIT, now: datetime | None = None
) -> list[EventSlide]:
    """One slide per event on now at the store: the event, its overall board and its rules.

    The events are read fresh (they start and end with no write); their boards
    come from the cache.
    """
    return [
        EventSlide(
            event=event,
            rows=cached_event_board(event, limit=limit),
            rules=event.rules_summary(),
        )
        for event in active_events_for(retailer, now=now)
    ]
