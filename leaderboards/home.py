"""Reads for the pages where golfers find their stores' boards and events: the golfer
home at ``/`` and the running-events list on a store's page.

The golfer home lives in leaderboards/ because it is the lowest layer that can
read everything it shows: the last session and new personal bests (shots/),
the golfer's stores (retailers/), this week's rank on each store's board and
the stores' running events (here). golfshots/ sits below every app and cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from leaderboards.boards import BoardSpec
from leaderboards.cache import cached_board_me, cached_output
from leaderboards.models import Event, EventEntry
from leaderboards.selectors import BoardRow
from retailers.models import CustomerLink, Retailer
from retailers.selectors import customer_links_for
from shots.models import PersonalBest
from shots.selectors import new_personal_bests
from shots.session_selectors import SessionStats, latest_session_for, session_stats

# The board the home page ranks the golfer on at each store: this week's carry, any club.
HOME_BOARD_METRIC = "carry"
HOME_BOARD_PERIOD = "week"

# An event starts and ends with no write to bump a version, so the store page's
# list of running events is cached only this long (an edit or an entry bumps it).
RUNNING_EVENTS_CACHE_SECONDS = 60


@dataclass(frozen=True)
class StoreWeek:
    """One of the golfer's stores on the home page: this week's rank and its running events."""

    link: CustomerLink
    board: BoardSpec
    me: BoardRow | None
    events: list[Event]

    @property
    def retailer(self) -> Retailer:
        return self.link.retailer


@dataclass(frozen=True)
class GolferHome:
    last_session: SessionStats | None
    new_bests: list[PersonalBest]
    stores: list[StoreWeek]

    @property
    def running_events(self) -> list[Event]:
        return [event for store in self.stores for event in store.events]


def home_board(retailer: Retailer) -> BoardSpec:
    return BoardSpec(
        retailer=retailer, club=None, metric=HOME_BOARD_METRIC, period=HOME_BOARD_PERIOD
    )


def running_events_at(
    retailers: list[Retailer], *, golfer: User, now: datetime
) -> dict[int, list[Event]]:
    """The events on now at these stores, ending soonest first, each marked ``entered``
    for the golfer; by store id. One query for all the stores."""
    events = (
        Event.objects.filter(retailer__in=retailers, starts_at__lte=now, ends_at__gt=now)
        .select_related("retailer")
        .annotate(entered=Exists(EventEntry.objects.filter(event=OuterRef("pk"), golfer=golfer)))
        .order_by("ends_at", "id")
    )
    by_store: dict[int, list[Event]] = {retailer.pk: [] for retailer in retailers}
    for event in events:
        by_store[event.retailer_id].append(event)
    return by_store


def golfer_home(golfer: User, *, now: datetime | None = None) -> GolferHome:
    """Everything the golfer home shows.

    Queries: the stores (1), their running events (1), the last session and its
    per-club stats (2),
    new bests (1), and on a cache miss one rank query per store (``cached_board_me``
    keeps it until the store's board changes).
    """
    now = now or timezone.now()
    links = customer_links_for(golfer)
    events = running_events_at([link.retailer for link in links], golfer=golfer, now=now)
    stores = []
    for link in links:
        board = home_board(link.retailer)
        stores.append(
            StoreWeek(
                link=link,
                board=board,
                me=cached_board_me(board, board.window(now), viewer=golfer),
                events=events[link.retailer_id],
            )
        )
    session = latest_session_for(golfer)
    return GolferHome(
        last_session=session_stats(session) if session is not None else None,
        new_bests=new_personal_bests(golfer, now=now),
        stores=stores,
    )


@dataclass(frozen=True)
class RunningEvents:
    """The store's events on now, and when that list next changes by the clock alone."""

    events: list[Event]
    # The next start or end among the events cached with them; None: none within the hour.
    changes_at: datetime | None


def store_running_events(retailer: Retailer, *, now: datetime | None = None) -> RunningEvents:
    """The store's running events for its public page, ending soonest first.

    The cache holds the events not yet over that start within the hour, and
    the clock picks the running ones on each read, so an event starts and ends
    on time; a new event shows within ``RUNNING_EVENTS_CACHE_SECONDS``.
    """
    now = now or timezone.now()
    horizon = now + timedelta(hours=1)
    events: list[Event] = cached_output(
        variant="running-events",
        retailer=retailer,
        parts=[],
        compute=lambda: list(
            Event.objects.filter(retailer=retailer, ends_at__gt=now, starts_at__lte=horizon)
            .select_related("retailer")
            .order_by("ends_at", "id")
        ),
        timeout=RUNNING_EVENTS_CACHE_SECONDS,
    )
    moments = [moment for event in events for moment in (event.starts_at, event.ends_at)]
    return RunningEvents(
        events=[event for event in events if event.starts_at <= now < event.ends_at],
        changes_at=min((moment for moment in moments if moment > now), default=None),
    )
