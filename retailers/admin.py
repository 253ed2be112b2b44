from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from retailers.models import CustomerLink, Membership, PlanStatus, Retailer, StaffInvitation
from retailers.services import retailer_plan_change, retailer_trial_extend

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _StoreCounts(TypedDict):
    """What RetailerAdmin.get_queryset annotates each store with."""

    customers: int
    staff: int
    shots_this: int
    shots_last: int


def _month_starts(now: datetime) -> tuple[datetime, datetime]:
    """The first instants of last month and this month, in the site's timezone."""
    today = timezone.localdate(now)
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(last_month, time.min, tzinfo=tz),
        datetime.combine(this_month, time.min, tzinfo=tz),
    )


def _count_per_store(rows: QuerySet, **filters: object) -> Coalesce:
    # One subquery per count: joining customers, staff and shots in one
    # GROUP BY would multiply the rows by each other.
    counted = (
        rows.filter(retailer=OuterRef("pk"), **filters)
        .order_by()
        .values("retailer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@admin.register(Retailer)
class RetailerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "plan",
        "plan_status",
        "trial_ends_at",
        "customer_count",
        "staff_count",
        "shots_this_month",
        "shots_last_month",
        "created_at",
    )
    list_filter = ("plan_status", "plan", "units")
    search_fields = ("name", "slug", "contact_email")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    actions = ("extend_trial", "mark_active", "mark_past_due", "cancel")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Retailer]:
        last_month, this_month = _month_starts(timezone.now())
        # Shots are the app above this one: reach them through the reverse
        # relation (Shot.retailer, related_name "shots") instead of importing them.
        shots = Retailer.shots.field.model._default_manager.all()
        return (
            super()
            .get_queryset(request)
            .annotate(
                customers=_count_per_store(CustomerLink.objects.all()),
                staff=_count_per_store(Membership.objects.all()),
                shots_this=_count_per_store(shots, hit_at__gte=this_month),
                shots_last=_count_per_store(shots, hit_at__gte=last_month, hit_at__lt=this_month),
            )
        )

    @admin.display(description="Customers", ordering="customers")
    def customer_count(self, retailer: WithAnnotations[Retailer, _StoreCounts]) -> int:
        return retailer.customers

    @admin.display(description="Staff", ordering="staff")
    def staff_count(self, retailer: WithAnnotations[Retailer, _StoreCounts]) -> int:
        return retailer.staff

    @admin.display(description="Shots this month", ordering="shots_this")
    def shots_this_month(self, retailer: WithAnnotations[Retailer, _StoreCounts]) -> int:
        return retailer.shots_this

    @admin.display(description="Shots last month", ordering="shots_last")
    def shots_last_month(self, retailer: WithAnnotations[Retailer, _StoreCounts]) -> int:
        return retailer.shots_last

    @admin.action(description="Extend trial by 14 days")
    def extend_trial(self, request: HttpRequest, queryset: QuerySet[Retailer]) -> None:
        extended, skipped = 0, []
        for retailer in queryset:
            try:
                retailer_trial_extend(retailer=retailer)
            except ValidationError:
                skipped.append(retailer.name)
            else:
                extended += 1
        self.message_user(request, f"Extended {extended} trial(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"Not on trial, left alone: {', '.join(skipped)}.", messages.WARNING
            )

    def _change_status(
        self, request: HttpRequest, queryset: QuerySet[Retailer], plan_status: str
    ) -> None:
        for retailer in queryset:
            retailer_plan_change(retailer=retailer, plan_status=plan_status)
        label = PlanStatus(plan_status).label.lower()
        self.message_user(request, f"Marked {len(queryset)} store(s) {label}.", messages.SUCCESS)

    @admin.action(description="Mark active")
    def mark_active(self, request: HttpRequest, queryset: QuerySet[Retailer]) -> None:
        self._change_status(request, queryset, PlanStatus.ACTIVE)

    @admin.action(description="Mark past due")
    def mark_past_due(self, request: HttpRequest, queryset: QuerySet[Retailer]) -> None:
        self._change_status(request, queryset, PlanStatus.PAST_DUE)

    @admin.action(description="Cancel")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Retailer]) -> None:
        self._change_status(request, queryset, PlanStatus.CANCELLED)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "retailer", "role", "created_at")
    list_filter = ("role",)
    list_select_related = ("user", "retailer")
    raw_id_fields = ("user", "retailer")
    search_fields = ("user__username", "user__email", "retailer__slug", "retailer__name")
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


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "retailer", "role", "invited_by", "created_at", "accepted_at")
    list_filter = ("role", ("accepted_at", admin.EmptyFieldListFilter))
    list_select_related = ("retailer", "invited_by", "accepted_by")
    raw_id_fields = ("retailer", "invited_by", "accepted_by")
    search_fields = ("email", "retailer__slug", "retailer__name")
    readonly_fields = ("created_at", "accepted_at", "accepted_by")
