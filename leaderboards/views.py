"""Leaderboard pages: the filterable board, a store's boards and the kiosk (TV) page.

Boards are cached as rendered HTML (leaderboards.cache) and shared by every
viewer; the viewer's own row ("me") is looked up per viewer (and cached for
that viewer alone), outside the shared fragment. Every board is a
``BoardSpec`` (leaderboards/boards.py); a request computes its window once
and hands it to both the cache key and the query.

A visitor who is not logged in gets the whole page from the response cache
(golfshots/response_cache.py) in one Redis round trip, with an ETag and a 304
when nothing changed: every view here asks it first, names the board
version its page depends on before rendering, and says until when the page
holds without a bump (the store's midnight, an event's start or end, at most
``PAGE_CACHE_SECONDS``). Logged-in golfers get the page rendered around the
cached fragments, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from accounts.models import Units
from golfshots.cache_scopes import boards_version_key
from golfshots.response_cache import PublicPage
from leaderboards.boards import CLUB_LABELS, PERIOD_LABELS, BoardSpec, BoardWindow
from leaderboards.cache import (
    cached_board_me,
    cached_board_output,
    cached_output,
    store_by_slug,
    stores_for_boards,
)
from leaderboards.events.selectors import active_event_slides, next_event_start
from leaderboards.home import store_running_events
from leaderboards.selectors import DEFAULT_LIMIT, BoardRow, leaderboard
from retailers.models import Retailer
from retailers.tenancy import retailer_for_staff
from retailers.units import shows_metric_units
from shots.metrics import METRICS_BY_NAME, format_value
from shots.models import Club, RecordMetric

DEFAULT_METRIC = "carry"
DEFAULT_PERIOD = "week"
STORE_PAGE_LIMIT = 10
KIOSK_LIMIT = 10
KIOSK_SLIDE_SECONDS = 15
# How long a visitor's whole page is served from the response cache at most
# (golfshots/response_cache.py): what no version bump covers (the store list,
# a store's units, a new event) is cached for as long elsewhere.
PAGE_CACHE_SECONDS = 60

# A store's current boards: its page shows them all, its kiosk rotates through them.
STORE_BOARDS: tuple[tuple[str, str | None, str], ...] = (
    ("carry", None, "week"),
    ("ball_speed", None, "week"),
    ("carry", Club.DRIVER, "month"),
)


def _store_boards(retailer: Retailer) -> list[BoardSpec]:
    return [
        BoardSpec(retailer=retailer, club=club, metric=metric, period=period)
        for metric, club, period in STORE_BOARDS
    ]


class BoardFilterForm(forms.Form):
    store = forms.ChoiceField(label="Store", required=False)
    club = forms.ChoiceField(
        label="Club", required=False, choices=[("", "Any club"), *Club.choices]
    )
    metric = forms.ChoiceField(label="Metric", required=False, choices=RecordMetric.choices)
    period = forms.ChoiceField(label="Period", required=False, choices=list(PERIOD_LABELS.items()))

    def __init__(self, data: Any, *, stores: list[Retailer]) -> None:
        super().__init__({"metric": DEFAULT_METRIC, "period": DEFAULT_PERIOD, **data.dict()})
        self.stores = {store.slug: store for store in stores}
        store_field = self.fields["store"]
        assert isinstance(store_field, forms.ChoiceField)
        store_field.choices = [
            ("", "All stores"),
            *((store.slug, store.name) for store in stores),
        ]

    def selects(self) -> list[dict[str, Any]]:
        """Each filter as a plain <select>: a loop in the template renders far
        faster than Django's widget templates, and this page is a hot path."""
        chosen = self.spec()
        current = {
            "store": chosen.retailer.slug if chosen.retailer else "",
            "club": chosen.club or "",
            "metric": chosen.metric,
            "period": chosen.period,
        }
        return [
            {
                "name": name,
                "id": f"id_{name}",
                "label": field.label,
                "options": field.choices,
                "selected": current[name],
                "errors": self.errors.get(name),
            }
            for name, field in self.fields.items()
            if isinstance(field, forms.ChoiceField)
        ]

    def spec(self) -> BoardSpec:
        """The board asked for; a value that is not valid falls back to its default."""
        self.is_valid()
        cleaned = self.cleaned_data
        return BoardSpec(
            retailer=self.stores.get(cleaned.get("store") or ""),
            club=cleaned.get("club") or None,
            metric=cleaned.get("metric") or DEFAULT_METRIC,
            period=cleaned.get("period") or DEFAULT_PERIOD,
        )


def _display_rows(rows: list[BoardRow], metric: str, *, metric_units: bool) -> list[dict]:
    shown = METRICS_BY_NAME[metric]
    return [
        {
            "rank": row.rank,
            "name": row.name,
            "value": format_value(shown, row.value, metric_units=metric_units),
            "club": CLUB_LABELS.get(row.club, row.club),
            "shot_id": row.shot_id,
            "hit_at": row.hit_at,
            "trust": row.trust,
        }
        for row in rows
    ]


def _render_board(
    template: str, spec: BoardSpec, window: BoardWindow, *, limit: int, metric_units: bool
) -> str:
    """Compute a board and render it for the cache; nothing in it depends on the viewer."""
    board = leaderboard(spec, window, limit=limit)
    return render_to_string(
        template,
        {
            "spec": spec,
            "board": board,
            "rows": _display_rows(board.rows, spec.metric, metric_units=metric_units),
            "metric_units": metric_units,
        },
    )


def _cached_board_html(
    template: str,
    variant: str,
    spec: BoardSpec,
    window: BoardWindow,
    *,
    limit: int,
    metric_units: bool,
) -> SafeString:
    html = cached_board_output(
        variant=variant,
        board=spec,
        window=window,
        metric_units=metric_units,
        limit=limit,
        compute=lambda: _render_board(
            template, spec, window, limit=limit, metric_units=metric_units
        ),
    )
    return mark_safe(html)  # rendered by our own template, autoescaped


def _board_region(request: HttpRequest, spec: BoardSpec) -> dict[str, Any]:
    """The cached board plus the viewer's own row: what the page and the htmx partial show."""
    window = spec.window(timezone.now())
    metric_units = shows_metric_units(viewer=request.user, store=spec.retailer)
    me = cached_board_me(spec, window, viewer=request.user)
    return {
        "spec": spec,
        "board_html": _cached_board_html(
            "leaderboards/_board.html",
            "html",
            spec,
            window,
            limit=DEFAULT_LIMIT,
            metric_units=metric_units,
        ),
        "me": me,
        "me_value": (
            format_value(METRICS_BY_NAME[spec.metric], me.value, metric_units=metric_units)
            if me
            else ""
        ),
        "me_club": CLUB_LABELS.get(me.club, me.club) if me else "",
        "me_on_board": me is not None and me.rank <= DEFAULT_LIMIT,
    }


def _board_query(spec: BoardSpec) -> str:
    params = {
        "store": spec.retailer.slug if spec.retailer else "",
        "club": spec.club or "",
        "metric": spec.metric,
        "period": spec.period,
    }
    return urlencode({key: value for key, value in params.items() if value})


FILTER_NAMES = ("store", "club", "metric", "period")


def _board_page(request: HttpRequest, view: str) -> PublicPage:
    """The board's entry in the response cache: keyed by the filters, the only parameters read."""
    filters = [(name, request.GET[name]) for name in FILTER_NAMES if name in request.GET]
    return PublicPage(request, key=f"{view}:{urlencode(filters)}")


def page_valid_until(
    now: datetime, zone: tzinfo, changes: Iterable[datetime | None] = ()
) -> datetime:
    """Until when a visitor's page may be served whole: the page cache's limit, the
    zone's next midnight (every board period rolls over at one), or the first change."""
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    moments = [
        now + timedelta(seconds=PAGE_CACHE_SECONDS),
        datetime.combine(tomorrow, time.min, tzinfo=zone),
        *(moment for moment in changes if moment is not None),
    ]
    return min(moments)


def _board_response(request: HttpRequest, *, view: str, template: str) -> HttpResponse:
    page = _board_page(request, view)
    if (cached := page.cached_response()) is not None:
        return cached
    form = BoardFilterForm(request.GET, stores=stores_for_boards())
    spec = form.spec()
    now = timezone.now()
    page.depends_on([boards_version_key(spec.retailer.pk if spec.retailer else None)])
    context = _board_region(request, spec)
    if view == "board":
        context = {
            "form": form,
            "partial_url": reverse("leaderboards:board_partial"),
            **context,
        }
    response = render(request, template, context)
    if view == "board-partial":
        # The address bar shows the full page's URL, so a reload or a shared link works.
        response["HX-Push-Url"] = f"{reverse('leaderboards:board')}?{_board_query(spec)}"
    if form.errors:
        return response  # a nonsense filter: not worth a cache entry
    return page.store(response, valid_until=page_valid_until(now, spec.zone))


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    return _board_response(request, view="board", template="leaderboards/board.html")


@require_GET
def board_partial(request: HttpRequest) -> HttpResponse:
    """The board region alone, for the filters' htmx requests."""
    return _board_response(
        request, view="board-partial", template="leaderboards/_board_region.html"
    )


def _render_store_boards(retailer: Retailer, *, metric_units: bool, now: datetime) -> str:
    boards = [
        {
            # Our own autoescaped template's output.
            "html": mark_safe(
                _render_board(
                    "leaderboards/_board.html",
                    spec,
                    spec.window(now),
                    limit=STORE_PAGE_LIMIT,
                    metric_units=metric_units,
                )
            ),
            "url": f"{reverse('leaderboards:board')}?{_board_query(spec)}",
        }
        for spec in _store_boards(retailer)
    ]
    return render_to_string("leaderboards/_store_boards.html", {"boards": boards})


@require_GET
def store(request: HttpRequest, slug: str) -> HttpResponse:
    """A store's current boards, cached together: they all roll over with the store's date."""
    page = PublicPage(request, key=f"store:{slug}")
    if (cached := page.cached_response()) is not None:
        return cached
    retailer = store_by_slug(slug)
    if retailer is None:
        raise Http404("No such store.")
    now = timezone.now()
    page.depends_on([boards_version_key(retailer.pk)])
    metric_units = shows_metric_units(viewer=request.user, store=retailer)
    local_date = now.astimezone(retailer.zone).date()
    boards_html = cached_output(
        variant="store",
        retailer=retailer,
        parts=[local_date.isoformat(), Units.METRIC if metric_units else Units.IMPERIAL],
        compute=lambda: _render_store_boards(retailer, metric_units=metric_units, now=now),
    )
    running = store_running_events(retailer, now=now)
    response = render(
        request,
        "leaderboards/store.html",
        {
            "retailer": retailer,
            "boards_html": mark_safe(boards_html),
            "running_events": running.events,
        },
    )
    return page.store(
        response, valid_until=page_valid_until(now, retailer.zone, [running.changes_at])
    )


# --- Kiosk -----------------------------------------------------------------------


def _kiosk_store(request: HttpRequest, slug: str) -> Retailer:
    """The store, if its kiosk is public or the viewer is its staff; a 404 for anyone else."""
    retailer = store_by_slug(slug)
    if retailer is not None and retailer.kiosk_public:
        return retailer
    return retailer_for_staff(request.user, slug)


def _kiosk_slide(retailer: Retailer, index: int, *, now: datetime) -> dict[str, Any]:
    boards = _store_boards(retailer)
    events = active_event_slides(retailer, now=now)
    count = len(boards) + len(events)
    index %= count
    if index < len(boards):
        spec = boards[index]
        html = _cached_board_html(
            "leaderboards/_kiosk_board.html",
            "kiosk",
            spec,
            spec.window(now),
            limit=KIOSK_LIMIT,
            metric_units=shows_metric_units(store=retailer),
        )
    else:
        html = render_to_string(
            "leaderboards/_kiosk_event.html", {"slide": events[index - len(boards)]}
        )
    return {
        "retailer": retailer,
        "slide_html": html,
        "slide": index,
        "slide_count": count,
        "next_slide": (index + 1) % count,
        "slide_seconds": KIOSK_SLIDE_SECONDS,
        "event_ends": [slide.event.ends_at for slide in events],
    }


def _slide_index(request: HttpRequest) -> int:
    value = request.GET.get("slide", "")
    return int(value) if value.isdigit() and len(value) < 6 else 0


def _kiosk_response(request: HttpRequest, slug: str, *, view: str, template: str) -> HttpResponse:
    requested = _slide_index(request)
    # Only a public kiosk reaches a visitor who is not logged in, so only a
    # public kiosk is stored for them; its staff, logged in, render it.
    page = PublicPage(request, key=f"{view}:{slug}:{requested}")
    if (cached := page.cached_response()) is not None:
        return cached
    retailer = _kiosk_store(request, slug)
    now = timezone.now()
    page.depends_on([boards_version_key(retailer.pk)])
    context = _kiosk_slide(retailer, requested, now=now)
    response = render(request, template, context)
    if context["slide"] != requested or not page.eligible:
        # A number past the last slide wraps round; htmx asks only for the
        # numbers the slides name, so those alone are stored.
        return response
    # The slides change when an event starts or ends.
    changes = [*context["event_ends"], next_event_start(retailer, now=now)]
    return page.store(response, valid_until=page_valid_until(now, retailer.zone, changes))


@require_GET
def kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    """A full-screen board for a shop TV; htmx swaps in the next slide every few seconds."""
    return _kiosk_response(request, slug, view="kiosk", template="leaderboards/kiosk.html")


@require_GET
def kiosk_slide(request: HttpRequest, slug: str) -> HttpResponse:
    return _kiosk_response(
        request, slug, view="kiosk-slide", template="leaderboards/_kiosk_slide.html"
    )
