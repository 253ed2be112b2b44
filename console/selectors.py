"""Reads for the store console and the staff API.

Every function takes the store already resolved by ``retailers.tenancy``:
shots are only those hit at the store, golfers only the store's customers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, partial
from typing import TYPE_CHECKING, TypedDict

from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from golfshots.cache_scopes import boards_version_key, store_shots_version_key
from golfshots.versioned_cache import cached_versioned, version_get
from leaderboards.boards import BoardSpec, BoardWindow
from leaderboards.cache import cached_board_output
from leaderboards.events.selectors import active_events_for, cached_event_board, in_state
from leaderboards.models import Event, EventEntry, EventState
from leaderboards.selectors import leaderboard
from leaderboards.views import STORE_BOARDS
from retailers.models import CustomerLink, Retailer
from shots.metrics import METRICS_BY_NAME, RECORD_METRICS
from shots.models import (
    CLUB_ORDER,
    COUNTED,
    AnalysisOutcome,
    Club,
    Shot,
    ShotAnalysis,
    ShotOutlier,
    ShotReview,
    ShotSource,
    ShotStatus,
    ShotTrust,
    record_value_present,
)
from shots.services.outliers import OUTLIER_METRICS, rows_without_jit

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# Shots staff should look at: what counts (or would, once reviewed) and has
# not been vouched for. Pending and failed photos have nothing to verify yet.
AWAITING_VERIFICATION = Q(verified_at__isnull=True) & (
    COUNTED | Q(status=ShotStatus.NEEDS_REVIEW, is_excluded=False)
)


def shots_at_store(retailer: Retailer) -> QuerySet[Shot]:
    # A photo in which no numbers were found is not a shot: the golfer types the
    # numbers in or it is discarded, so staff never see it.
    return (
        Shot.objects.filter(retailer=retailer)
        .exclude(status=ShotStatus.UNREADABLE)
        .select_related("golfer")
    )


def shots_awaiting_verification(retailer: Retailer) -> QuerySet[Shot]:
    """Every shot at the store that staff could still verify, with a reason or not."""
    return shots_at_store(retailer).filter(AWAITING_VERIFICATION)


def shot_at_store(retailer: Retailer, pk: int) -> Shot:
    """One shot hit at the store; another store's shot id is a 404."""
    return get_object_or_404(shots_at_store(retailer), pk=pk)


def customer_links(retailer: Retailer) -> QuerySet[CustomerLink]:
    return CustomerLink.objects.filter(retailer=retailer).select_related("golfer")


def customer_link(retailer: Retailer, golfer_id: int) -> CustomerLink:
    return get_object_or_404(customer_links(retailer), golfer_id=golfer_id)


class CustomerActivity(TypedDict):
    """What ``customers_search`` annotates each customer with: their shots at the store."""

    shots_here: int
    last_shot_here: datetime | None


def customers_search(
    retailer: Retailer, query: str = ""
) -> QuerySet[WithAnnotations[CustomerLink, CustomerActivity]]:
    """The store's customers, newest first, each with their shots here (any status).

    The activity is two correlated subqueries, not a join grouped over every
    customer: PostgreSQL runs them only for the rows a page keeps (after the
    ORDER BY and LIMIT), and a count leaves them out, so a page costs the same
    at 50 customers as at 5,000.
    """
    shots_here = (
        Shot.objects.filter(retailer=retailer, golfer=OuterRef("golfer"))
        .order_by()
        .values("golfer")
    )
    links = customer_links(retailer).annotate(
        shots_here=Coalesce(
            Subquery(shots_here.annotate(count=Count("pk")).values("count")), Value(0)
        ),
        last_shot_here=Subquery(shots_here.annotate(last=Max("hit_at")).values("last")),
    )
    query = query.strip()
    if query:
        links = links.filter(
            Q(golfer__display_name__icontains=query)
            | Q(golfer__username__icontains=query)
            | Q(leaderboard_name__icontains=query)
        )
    return links.order_by("-joined_at", "-id")


def customers_activity(retailer: Retailer) -> dict[int, CustomerActivity]:
    """Every golfer's shots at the store (any status), by golfer id: one grouped pass.

    For a list of every customer (the CSV export), where two subqueries per
    customer (``customers_search``) would cost twice as much.
    """
    return {
        row["golfer"]: {"shots_here": row["shots_here"], "last_shot_here": row["last_shot_here"]}
        for row in Shot.objects.filter(retailer=retailer)
        .order_by()
        .values("golfer")
        .annotate(shots_here=Count("pk"), last_shot_here=Max("hit_at"))
    }


# --- The verification queue ---------------------------------------------------------

# The top of a board the queue guards: as many rows as the store page and the kiosk show.
QUEUE_TOP_N = 10
HAND_TYPED_SOURCES = (ShotSource.MANUAL, ShotSource.API)
# Long: the version bumps on writes, not the TTL, keep the queue fresh.
QUEUE_CACHE_SECONDS = 24 * 60 * 60


class QueueReason(models.TextChoices):
    """Why a shot needs a staff decision, riskiest first (``verification_queue`` says why)."""

    TYPED = "typed", "Typed in, would rank"
    WOULD_RANK = "would_rank", f"Would enter a top {QUEUE_TOP_N}"
    EDITED = "edited", "Edited after reading"
    OUTLIER = "outlier", "Unusual for the golfer"
    WARNED = "warned", "Analyser warning"


# Powers of two, in QueueReason's order: ordering by their sum orders by the
# riskiest reason a shot has, then by its next one, and so on.
RISK_WEIGHTS: dict[str, int] = {
    QueueReason.TYPED: 32,
    QueueReason.WOULD_RANK: 16,
    QueueReason.EDITED: 8,
    QueueReason.OUTLIER: 4,
    QueueReason.WARNED: 2,
}


@dataclass(frozen=True)
class QueueBoard:
    """A board the queue guards: a current store board or a running event's."""

    key: str  # the annotation that is true for a shot that would enter its top N
    title: str
    event: Event | None
    qualifies: Q  # the unverified shots that could stand on it once verified
    enters: Q  # ... and would be in its top N
    # What ``enters`` depends on besides the shots, consent and entries: its
    # window and its top rows. The queue's cached ids are kept per fingerprint.
    fingerprint: str


@dataclass(frozen=True)
class ReasonValue:
    """A number behind a reason: the shot's value and what it is compared with."""

    metric: str
    value: float | None
    compared: float | None  # the value read from the photo, or the golfer's usual


@dataclass(frozen=True)
class ShotReason:
    code: str
    label: str
    boards: tuple[str, ...] = ()  # would rank: the boards' titles
    values: tuple[ReasonValue, ...] = ()  # edited, outlier
    flagged: tuple[str, ...] = ()  # warned: labels of the metrics flagged
    needs_review: bool = False  # warned: the golfer has not confirmed the reading yet


@dataclass(frozen=True)
class QueueItem:
    shot: Shot
    reasons: list[ShotReason]


@dataclass(frozen=True)
class OutlierVerdict:
    """A shot far above its golfer's usual (``shots.services.outliers``): each such metric's usual."""

    usual: dict[str, float]


@dataclass
class VerificationQueue:
    """The store's shots that need a staff decision, and the boards they were checked against.

    ``shots`` is a lazy, ordered queryset (paginate it); ``items`` explains a page of it.
    The outlier reason reads the store's stored verdicts (``ShotOutlier``)
    the first time ``shots`` or ``conditions`` is used.
    """

    retailer: Retailer
    boards: list[QueueBoard]
    # Every shot staff could still verify.
    candidates: QuerySet[Shot]
    # The reasons a shot's own row settles (all but the outlier), each as a condition.
    row_conditions: dict[str, Q]

    @property
    def events(self) -> list[Event]:
        """The running events whose boards the queue guards, ending soonest first."""
        return [board.event for board in self.boards if board.event is not None]

    @cached_property
    def outliers(self) -> dict[int, OutlierVerdict]:
        """Every shot at the store that is unusual for its golfer, by id.

        Kept per shot by every shot write (``shots.services.outliers``), so
        this is one index range of a few hundred rows, not the store's history.
        """
        return outliers_of(ShotOutlier.objects.filter(retailer=self.retailer))

    @cached_property
    def conditions(self) -> dict[str, Q]:
        """Each reason as a condition on the candidates, in ``QueueReason`` order."""
        conditions = {**self.row_conditions, QueueReason.OUTLIER: Q(pk__in=sorted(self.outliers))}
        return {code: conditions[code] for code in QueueReason}

    @cached_property
    def shots(self) -> QuerySet[Shot]:
        """The candidates with at least one reason, riskiest first, then newest first."""
        conditions = self.conditions
        needs_decision = Q(*conditions.values(), _connector=Q.OR)
        risk = sum(
            (
                Case(When(conditions[code], then=Value(weight)), default=Value(0))
                for code, weight in RISK_WEIGHTS.items()
            ),
            start=Value(0),
        )
        return (
            self.candidates.filter(needs_decision)
            .alias(risk=risk)
            .order_by("-risk", "-hit_at", "-id")
        )

    def narrowed(self, *, reason: str = "", event: Event | None = None) -> QuerySet[Shot]:
        """The queue's shots with this reason (a ``QueueReason``) that could count in ``event``."""
        shots = self.shots
        if reason:
            shots = shots.filter(self.conditions[QueueReason(reason)])
        if event is not None:
            board = next((b for b in self.boards if b.event == event), None)
            shots = shots.filter(board.qualifies) if board is not None else shots.none()
        return shots

    def narrowed_ids(self, *, reason: str = "", event: Event | None = None) -> list[int]:
        """The ids of ``narrowed``, in queue order: one list serves a page and the page count.

        Reading them is one pass over the store's unverified shots (0.3 s at a
        store with 120,000), so they are cached, exactly: until a shot at the
        store changes (its history version, bumped by every shot write), a
        customer's consent or an event's entries change (the store's boards
        version), or a board's window or top rows move (the boards'
        fingerprints, in the key).
        """

        def compute() -> list[int]:
            narrowed = self.narrowed(reason=reason, event=event)
            return rows_without_jit(narrowed.values_list("pk", flat=True))

        history = version_get(store_shots_version_key(self.retailer.pk))
        if history is None:  # Redis is unreachable: from the database
            return compute()
        boards = hashlib.sha256("\n".join(b.fingerprint for b in self.boards).encode()).hexdigest()
        return cached_versioned(
            version_key=boards_version_key(self.retailer.pk),
            parts=[
                "console",
                "queue",
                str(self.retailer.pk),
                str(history),
                boards,
                reason or "any",
                str(event.pk) if event is not None else "all",
            ],
            compute=compute,
            timeout=QUEUE_CACHE_SECONDS,
        )

    def items(self, shots: Iterable[Shot]) -> list[QueueItem]:
        """Each shot of ``shots`` (a page of ``self.shots``) with its reasons. A few queries.

        The reasons are worked out again for these rows alone, which is cheap
        for a page; the outliers are the stored verdicts of these shots.
        """
        shots = list(shots)
        ids = [shot.pk for shot in shots]
        if not ids:
            return []
        outliers = outliers_of(ShotOutlier.objects.filter(shot_id__in=ids))
        explained = self.candidates.filter(pk__in=ids).annotate(
            **{
                f"reason_{code}": ExpressionWrapper(condition, BooleanField())
                for code, condition in self.row_conditions.items()
            },
            **{board.key: ExpressionWrapper(board.enters, BooleanField()) for board in self.boards},
        )
        by_id = {shot.pk: shot for shot in explained}
        shots = [by_id[pk] for pk in ids if pk in by_id]
        edited_ids = [shot.pk for shot in shots if _annotated(shot, "reason_edited")]
        readings: dict[int, dict] = {}
        if edited_ids:
            for shot_id, values in (
                ShotAnalysis.objects.filter(
                    shot_id__in=edited_ids,
                    outcome__in=(AnalysisOutcome.ANALYZED, AnalysisOutcome.NEEDS_REVIEW),
                )
                .order_by("shot_id", "-created_at", "-id")
                .values_list("shot_id", "values")
            ):
                readings.setdefault(shot_id, values)  # the latest reading of each shot
        return [
            QueueItem(shot, self._reasons(shot, readings.get(shot.pk, {}), outliers.get(shot.pk)))
            for shot in shots
        ]

    def _reasons(self, shot: Shot, read: dict, outlier: OutlierVerdict | None) -> list[ShotReason]:
        reasons = []
        if _annotated(shot, "reason_typed"):
            reasons.append(ShotReason(QueueReason.TYPED, QueueReason.TYPED.label))
        if _annotated(shot, "reason_would_rank"):
            titles = tuple(board.title for board in self.boards if _annotated(shot, board.key))
            reasons.append(
                ShotReason(QueueReason.WOULD_RANK, QueueReason.WOULD_RANK.label, boards=titles)
            )
        if _annotated(shot, "reason_edited"):
            edited = [name for name in METRICS_BY_NAME if "edited" in shot.flags_for(name)]
            values = tuple(
                ReasonValue(name, getattr(shot, name), read.get(name)) for name in edited
            )
            reasons.append(ShotReason(QueueReason.EDITED, QueueReason.EDITED.label, values=values))
        if outlier is not None:
            values = tuple(
                ReasonValue(name, getattr(shot, name), outlier.usual[name])
                for name in OUTLIER_METRICS
                if name in outlier.usual
            )
            reasons.append(
                ShotReason(QueueReason.OUTLIER, QueueReason.OUTLIER.label, values=values)
            )
        if _annotated(shot, "reason_warned"):
            flagged = tuple(
                METRICS_BY_NAME[name].label
                for name in METRICS_BY_NAME
                if {"warned", "rejected"} & set(shot.flags_for(name))
            )
            reasons.append(
                ShotReason(
                    QueueReason.WARNED,
                    QueueReason.WARNED.label,
                    flagged=flagged,
                    needs_review=shot.status == ShotStatus.NEEDS_REVIEW,
                )
            )
        return reasons


def _annotated(shot: Shot, name: str) -> bool:
    # The queue's annotations; False on a shot that did not come from it.
    return bool(getattr(shot, name, False))


def verification_queue(retailer: Retailer, *, now: datetime | None = None) -> VerificationQueue:
    """The shots at the store that need a staff decision, riskiest first.

    A shot is a candidate when nobody on the staff has vouched for it (not
    verified, not recorded by staff, not excluded) and it counts or would once
    checked (``AWAITING_VERIFICATION``). It is in the queue only with at least
    one reason, and the reasons set the order, riskiest first:

    1. **typed, would rank**: numbers typed by hand (``trust`` typed, source
       manual or API) that would enter a top N. Nothing stands behind them,
       and verifying puts them in front of every customer and any prize.
    2. **would rank**: it would enter the top ``QUEUE_TOP_N`` of one of the
       store's current boards (``leaderboards.views.STORE_BOARDS``) or of a
       running event's board, or stands there now unchecked. Judged against
       the board as it ranks today: it beats the Nth row (or the board has
       room), and it beats the golfer's own row if they have one. Boards are
       public and events have prizes; everything below touches the golfer's
       own numbers first.
    3. **edited**: a photo whose numbers the golfer changed from what the
       analyser read (the ``edited`` flag, ``shots.trust``); the read value
       is shown beside the edited one.
    4. **outlier**: a carry or ball speed far above the golfer's usual with
       that club at this store (``shots.services.outliers``).
    5. **warned**: the analyser flagged a value (``warned``/``rejected``) or
       the shot waits for the golfer's review. Such a shot counts nowhere
       until someone confirms it, so it is the least urgent.

    Within one set of reasons, newest first. The boards cost one query each
    (events two, from the boards' cache when warm); the queue itself is one
    query for the store's stored outliers and one for the shots,
    whatever its length. ``VerificationQueue.narrowed`` filters it by reason
    and event.
    """
    now = now or timezone.now()
    boards = _store_queue_boards(retailer, now) + _event_queue_boards(retailer, now)
    would_rank = Q(*[board.enters for board in boards], _connector=Q.OR)
    row_conditions: dict[str, Q] = {
        QueueReason.TYPED: would_rank & Q(trust=ShotTrust.TYPED, source__in=HAND_TYPED_SOURCES),
        QueueReason.WOULD_RANK: would_rank,
        # The flags as JSON text, searched for a quoted flag: portable to SQLite.
        QueueReason.EDITED: Q(source=ShotSource.PHOTO, flags_text__contains='"edited"'),
        QueueReason.WARNED: Q(status=ShotStatus.NEEDS_REVIEW)
        | Q(flags_text__contains='"warned"')
        | Q(flags_text__contains='"rejected"'),
    }
    candidates = (
        shots_at_store(retailer)
        .filter(AWAITING_VERIFICATION)
        .alias(flags_text=Cast("metric_flags", TextField()))
    )
    return VerificationQueue(
        retailer=retailer,
        boards=boards,
        candidates=candidates,
        row_conditions=row_conditions,
    )


def outliers_of(rows: QuerySet[ShotOutlier]) -> dict[int, OutlierVerdict]:
    return {shot_id: OutlierVerdict(usual) for shot_id, usual in rows.values_list("shot", "usual")}


def _store_queue_boards(retailer: Retailer, now: datetime) -> list[QueueBoard]:
    # IN (a subquery), not a correlated EXISTS: PostgreSQL hashes it once
    # either way, but costs EXISTS as if it ran per shot, and a plan costed in
    # the millions is JIT-compiled, which took longer than running it.
    consents = Q(
        golfer_id__in=CustomerLink.objects.filter(
            retailer=retailer, leaderboard_consent=True
        ).values("golfer_id")
    )
    boards = []
    for index, (metric, club, period) in enumerate(STORE_BOARDS):
        spec = BoardSpec(retailer=retailer, club=club, metric=metric, period=period)
        window = spec.window(now)
        qualifies = consents & record_value_present(metric)
        if club is not None:
            qualifies &= Q(club=club)
        if window.start is not None and window.end is not None:
            qualifies &= Q(hit_at__gte=window.start, hit_at__lt=window.end)
        rows = cached_board_output(
            variant="queue-top",
            board=spec,
            window=window,
            limit=QUEUE_TOP_N,
            compute=partial(_top_rows, spec, window),
        )
        boards.append(
            QueueBoard(
                key=f"board_{index}",
                title=spec.title,
                event=None,
                qualifies=qualifies,
                enters=qualifies & _enters_top(metric, rows),
                fingerprint=f"{spec.title}|{window.start}|{window.end}|{rows}",
            )
        )
    return boards


def _top_rows(spec: BoardSpec, window: BoardWindow) -> list[tuple[int, int, float]]:
    """(golfer, shot, value) of the board's top ``QUEUE_TOP_N`` rows."""
    return [
        (row.golfer_id, row.shot_id, row.value)
        for row in leaderboard(spec, window, limit=QUEUE_TOP_N).rows
    ]


def _event_queue_boards(retailer: Retailer, now: datetime) -> list[QueueBoard]:
    boards = []
    for event in active_events_for(retailer, now=now):
        qualifies = (
            Q(golfer_id__in=EventEntry.objects.filter(event=event).values("golfer_id"))
            & record_value_present(event.metric)
            & Q(hit_at__gte=event.starts_at, hit_at__lt=event.ends_at)
        )
        if event.club:
            qualifies &= Q(club=event.club)
        rows = [
            (row.golfer_id, row.shot_id, row.value)
            for row in cached_event_board(event, limit=QUEUE_TOP_N)
        ]
        boards.append(
            QueueBoard(
                key=f"event_{event.pk}",
                title=event.name,
                event=event,
                qualifies=qualifies,
                enters=qualifies & _enters_top(event.metric, rows),
                fingerprint=(
                    f"event {event.pk}|{event.metric}|{event.club}|{event.starts_at}|"
                    f"{event.ends_at}|{rows}"
                ),
            )
        )
    return boards


def _enters_top(metric: str, rows: list[tuple[int, int, float]]) -> Q:
    """Shots that would be in a board's top N, given its top N ``rows`` (golfer, shot, value).

    One row per golfer: a shot enters by beating the Nth row (any shot, while
    the board has room) unless its golfer is already there, in which case it
    must beat the golfer's own row. A row's own shot is in already.
    """
    golfers = [golfer_id for golfer_id, _shot_id, _value in rows]
    newcomer = Q(**{f"{metric}__gt": rows[-1][2]}) if len(rows) >= QUEUE_TOP_N else Q()
    if golfers:
        newcomer &= ~Q(golfer_id__in=golfers)
    enters = newcomer
    for golfer_id, shot_id, value in rows:
        enters |= Q(pk=shot_id) | Q(golfer_id=golfer_id, **{f"{metric}__gt": value})
    return enters


def reviews_at_store(retailer: Retailer) -> QuerySet[ShotReview]:
    return ShotReview.objects.filter(shot__retailer=retailer).select_related(
        "shot", "shot__golfer", "shot__retailer", "staff"
    )


@dataclass(frozen=True)
class Dashboard:
    shots_today: int
    shots_this_week: int
    new_customers_this_week: int
    active_events: int
    awaiting_verification: int


def store_dashboard(retailer: Retailer, *, now: datetime | None = None) -> Dashboard:
    """Counts on the store's clock: "today" and "this week" (from Monday) where the store is."""
    local_now = (now or timezone.now()).astimezone(retailer.zone)
    start_of_day = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    start_of_week = start_of_day - timedelta(days=start_of_day.weekday())
    shots = shots_at_store(retailer).aggregate(
        today=Count("id", filter=Q(hit_at__gte=start_of_day)),
        week=Count("id", filter=Q(hit_at__gte=start_of_week)),
    )
    return Dashboard(
        shots_today=shots["today"],
        shots_this_week=shots["week"],
        new_customers_this_week=CustomerLink.objects.filter(
            retailer=retailer, joined_at__gte=start_of_week
        ).count(),
        active_events=in_state(
            Event.objects.filter(retailer=retailer), EventState.ACTIVE, now=local_now
        ).count(),
        # What the queue holds (shots needing a decision), not every unverified shot.
        awaiting_verification=len(verification_queue(retailer, now=now).narrowed_ids()),
    )


@dataclass
class StoreBagRow:
    club: str
    label: str
    shots: int
    counted_shots: int
    bests: dict[str, Shot] = field(default_factory=dict)
    # (metric, best value or None) in RECORD_METRICS order; the customer page fills it.
    best_values: list[tuple[str, float | None]] = field(default_factory=list)


def bag_at_store(retailer: Retailer, golfer: User) -> list[StoreBagRow]:
    """The golfer's bag and bests from shots hit at this store only.

    The golfer's stored PersonalBest rows may come from home practice or
    another store, which the console must not show, so bests are computed here.
    """
    shots = shots_at_store(retailer).filter(golfer=golfer)
    labels = dict(Club.choices)
    rows = {
        row["club"]: StoreBagRow(
            club=row["club"],
            label=labels.get(row["club"], row["club"]),
            shots=row["shots"],
            counted_shots=row["counted"],
        )
        for row in shots.exclude(club="")
        .values("club")
        .annotate(shots=Count("id"), counted=Count("id", filter=COUNTED))
    }
    counted = shots.filter(COUNTED)
    for metric in RECORD_METRICS:
        # One best shot per club; a window function rather than DISTINCT ON,
        # which SQLite (the embedded default) does not have.
        best_shots = (
            counted.filter(**{f"{metric}__isnull": False})
            .annotate(
                place=Window(
                    RowNumber(),
                    partition_by=[F("club")],
                    order_by=[F(metric).desc(), F("hit_at").asc(), F("id").asc()],
                )
            )
            .filter(place=1)
        )
        for shot in best_shots:
            if shot.club in rows:
                rows[shot.club].bests[metric] = shot
    return sorted(rows.values(), key=lambda row: CLUB_ORDER.get(row.club, 99))
