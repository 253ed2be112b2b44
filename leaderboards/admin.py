from __future__ import annotations

from django.contrib import admin

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


@admin.register(EventEntry)
class EventEntryAdmin(admin.ModelAdmin):
    list_display = ("golfer", "event", "division", "entered_at")
    list_select_related = ("golfer", "event", "event__retailer")
    raw_id_fields = ("event", "golfer")
    search_fields = ("golfer__username", "golfer__email", "event__name", "division")
    readonly_fields = ("entered_at",)
    show_full_result_count = False
