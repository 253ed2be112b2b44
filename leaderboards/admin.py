"""Events and entries in the admin; a save or delete here makes the event's boards fresh.

Event boards are cached under the store's boards version (see
leaderboards/events/selectors.py); the admin writes rows directly, so it
bumps the version itself through ``services.event_boards_stale``: for the
store before the change as well as after it, when a row moves.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from leaderboards.events import services
from leaderboards.models import Event, EventEntry


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "retailer",
        "metric",
        "club",
        "attempt_rule",
        "attempts",
        "verified_only",
        "starts_at",
        "ends_at",
    )
    list_filter = ("metric", "attempt_rule", "verified_only")
    list_select_related = ("retailer",)
    raw_id_fields = ("retailer", "created_by")
    search_fields = ("name", "retailer__name", "retailer__slug")
    date_hierarchy = "starts_at"
    readonly_fields = ("created_at",)

    def save_model(self, request: HttpRequest, obj: Event, form: ModelForm, change: bool) -> None:
        before = _event_stores(Event.objects.filter(pk=obj.pk)) if change else []
        super().save_model(request, obj, form, change)
        services.event_boards_stale(retailer_ids=[*before, obj.retailer_id])

    def delete_model(self, request: HttpRequest, obj: Event) -> None:
        retailer_id = obj.retailer_id
        super().delete_model(request, obj)
        services.event_boards_stale(retailer_ids=[retailer_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        retailer_ids = _event_stores(queryset)
        super().delete_queryset(request, queryset)
        services.event_boards_stale(retailer_ids=retailer_ids)


@admin.register(EventEntry)
class EventEntryAdmin(admin.ModelAdmin):
    list_display = ("golfer", "event", "division", "entered_at")
    list_select_related = ("golfer", "event", "event__retailer")
    raw_id_fields = ("event", "golfer")
    search_fields = ("golfer__username", "golfer__email", "event__name", "division")
    readonly_fields = ("entered_at",)
    show_full_result_count = False

    def save_model(
        self, request: HttpRequest, obj: EventEntry, form: ModelForm, change: bool
    ) -> None:
        before = _entry_stores(EventEntry.objects.filter(pk=obj.pk)) if change else []
        super().save_model(request, obj, form, change)
        services.event_boards_stale(retailer_ids=[*before, obj.event.retailer_id])

    def delete_model(self, request: HttpRequest, obj: EventEntry) -> None:
        retailer_id = obj.event.retailer_id
        super().delete_model(request, obj)
        services.event_boards_stale(retailer_ids=[retailer_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[EventEntry]) -> None:
        retailer_ids = _entry_stores(queryset)
        super().delete_queryset(request, queryset)
        services.event_boards_stale(retailer_ids=retailer_ids)


def _event_stores(events: QuerySet[Event]) -> list[int]:
    return list(events.values_list("retailer_id", flat=True).distinct())


def _entry_stores(entries: QuerySet[EventEntry]) -> list[int]:
    return list(entries.values_list("event__retailer_id", flat=True).distinct())
