"""Writes for store events. Console views, golfer pages and the API call these.

Event boards are cached under the store's boards version (see
leaderboards/events/selectors.py), so every write that changes what a board
shows (an entry, an edit of the rules) bumps it once the write commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from golfshots.cache_scopes import board_versions_bump_on_commit
from leaderboards.models import AttemptRule, Event, EventEntry
from retailers.models import Retailer


class EventClosed(Exception):
    """The event has finished; nobody new can enter."""


def event_boards_stale(*, retailer_ids: Iterable[int]) -> None:
    """The cached boards of these stores' events (and the stores' boards) go stale on commit.

    The services call it; so do writes made outside them, such as the admin's.
    """
    board_versions_bump_on_commit(retailer_ids=retailer_ids)


def event_create(
    *,
    retailer: Retailer,
    created_by: User | None,
    name: str,
    metric: str,
    club: str,
    starts_at: datetime,
    ends_at: datetime,
    attempt_rule: str = AttemptRule.BEST,
    attempts: int | None = None,
    divisions: list[str] | None = None,
    verified_only: bool = False,
) -> Event:
    event = Event(
        retailer=retailer,
        created_by=created_by,
        name=name,
        metric=metric,
        club=club,
        starts_at=starts_at,
        ends_at=ends_at,
        attempt_rule=attempt_rule,
        attempts=attempts,
        divisions=divisions or [],
        verified_only=verified_only,
    )
    event.full_clean()
    event.save()
    # The store's page and kiosk list its running events: a new one that has
    # already started shows on the next request, not when their cache expires.
    board_versions_bump_on_commit(retailer_ids=[retailer.pk], all_stores=False)
    return event


@transaction.atomic
def event_update(
    *,
    event: Event,
    name: str,
    metric: str,
    club: str,
    starts_at: datetime,
    ends_at: datetime,
    attempt_rule: str,
    attempts: int | None,
    divisions: list[str],
    verified_only: bool,
) -> Event:
    """Change an event's rules; its board follows at once, entries stay.

    A division that golfers have entered cannot be removed: their entries
    would point at nothing.
    """
    event = Event.objects.select_for_update().get(pk=event.pk)
    event.name = name
    event.metric = metric
    event.club = club
    event.starts_at = starts_at
    event.ends_at = ends_at
    event.attempt_rule = attempt_rule
    event.attempts = attempts
    event.divisions = divisions
    event.verified_only = verified_only
    event.full_clean()
    # Exact names: entries store the spelling they picked, so even a change
    # of case would move entrants off their division's board.
    orphaned = sorted(
        set(
            event.entries.exclude(division="")
            .exclude(division__in=event.divisions)
            .values_list("division", flat=True)
        )
    )
    if orphaned:
        raise ValidationError(
            {
                "divisions": f"Golfers have entered {', '.join(orphaned)}; keep "
                f"{'that division' if len(orphaned) == 1 else 'those divisions'}."
            }
        )
    event.save()
    event_boards_stale(retailer_ids=[event.retailer_id])
    return event


def event_enter(
    *, event: Event, golfer: User, division: str = "", now: datetime | None = None
) -> tuple[EventEntry, bool]:
    """Enter a golfer; ``(entry, created)``. Entering again returns the existing entry unchanged.

    Raises ``EventClosed`` for a finished event and ``ValidationError`` for a
    division the event does not have (or a missing one when it has some).
    """
    existing = EventEntry.objects.filter(event=event, golfer=golfer).first()
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    if now >= event.ends_at:
        raise EventClosed(f"{event.name} has finished, so it is closed to new entries.")
    division = _division_for_entry(event, division)
    entry, created = EventEntry.objects.get_or_create(
        event=event, golfer=golfer, defaults={"division": division}
    )
    if created:
        event_boards_stale(retailer_ids=[event.retailer_id])
    return entry, created


def _division_for_entry(event: Event, division: str) -> str:
    division = (division or "").strip()
    if not event.divisions:
        if division:
            raise ValidationError(
                {"division": "This event has no divisions; enter without choosing one."}
            )
        return ""
    allowed = ", ".join(event.divisions)
    if not division:
        raise ValidationError({"division": f"Choose your division: {allowed}."})
    matched = event.division_matching(division)
    if matched is None:
        raise ValidationError(
            {"division": f"“{division}” is not a division of this event. Choose one of: {allowed}."}
        )
    return matched
