from __future__ import annotations

from django.contrib import admin

from retailers.models import CustomerLink, Retailer


@admin.register(Retailer)
class RetailerAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "timezone", "units", "created_at")
    list_filter = ("units",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)


@admin.register(CustomerLink)
class CustomerLinkAdmin(admin.ModelAdmin):
    list_display = ("golfer", "retailer", "joined_at", "leaderboard_consent", "marketing_consent")
    list_filter = ("leaderboard_consent", "marketing_consent", "joined_via")
    list_select_related = ("golfer", "retailer")
    raw_id_fields = ("golfer", "retailer")
    search_fields = ("golfer__username", "golfer__email", "leaderboard_name", "retailer__slug")
    readonly_fields = ("joined_at",)
    # Stores grow to thousands of customers; counting every row for the
    # "N total" line is a full scan we do not need.
    show_full_result_count = False
