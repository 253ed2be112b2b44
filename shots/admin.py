from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from shots.metrics import METRIC_NAMES
from shots.models import PersonalBest, Shot
from shots.services import personal_bests_recompute, shot_delete
from shots.validation import check_values


class ShotAdminForm(forms.ModelForm):
    # No Meta: ShotAdmin builds the form class with the model and its fieldsets.

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        club = cleaned.get("club")
        if club:
            values = {name: cleaned.get(name) for name in METRIC_NAMES if name in cleaned}
            # The same hard ranges as every other way in: staff can correct a
            # misread here, not store an impossible number.
            for name, message in check_values(values, club=club).rejected.items():
                self.add_error(name, message)
        return cleaned


@admin.register(Shot)
class ShotAdmin(admin.ModelAdmin):
    form = ShotAdminForm
    list_display = (
        "id",
        "golfer",
        "club",
        "status",
        "source",
        "hit_at",
        "carry",
        "ball_speed",
        "retailer",
    )
    list_filter = ("status", "source", "club", "retailer")
    list_select_related = ("golfer", "retailer")
    search_fields = ("golfer__username", "golfer__email")
    search_help_text = "A shot number, or part of the golfer's username or email."
    date_hierarchy = "hit_at"
    raw_id_fields = ("golfer", "verified_by")
    readonly_fields = ("created_at", "updated_at", "image_sha256")
    # The table grows without bound; skip counting every row on filtered pages.
    show_full_result_count = False
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "golfer",
                    "retailer",
                    "club",
                    "hit_at",
                    "status",
                    ("source", "source_device"),
                )
            },
        ),
        (
            "Ball",
            {
                "fields": (
                    ("ball_speed", "smash_factor"),
                    ("launch_angle", "launch_direction"),
                    ("spin_rate", "spin_axis"),
                    ("back_spin", "side_spin"),
                )
            },
        ),
        (
            "Club delivery",
            {
                "fields": (
                    "club_speed",
                    ("attack_angle", "dynamic_loft"),
                    ("club_path", "face_angle", "face_to_path"),
                )
            },
        ),
        (
            "Flight",
            {
                "fields": (
                    ("carry", "total"),
                    ("carry_side", "total_side"),
                    ("apex", "descent_angle", "hang_time"),
                )
            },
        ),
        (
            "Trust",
            {
                "fields": (
                    "metric_flags",
                    "has_rejected_values",
                    ("is_excluded", "exclusion_reason"),
                    ("verified_by", "verified_at"),
                )
            },
        ),
        (
            "Submission",
            {
                "classes": ("collapse",),
                "fields": ("image", "image_sha256", "client_token", "created_at", "updated_at"),
            },
        ),
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Shot], search_term: str
    ) -> tuple[QuerySet[Shot], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().removeprefix("#")
        # A shot number goes to the primary key index; searching the id as
        # text would cast every row.
        if term.isdigit() and len(term) < 19:
            results |= queryset.filter(pk=int(term))
        return results, may_have_duplicates

    def save_model(
        self, request: HttpRequest, obj: Shot, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        # An admin edit bypasses shot_update, so rebuild the personal bests it
        # can touch: the shot's golfer and club now and before the edit.
        affected = {(obj.golfer_id, obj.club)}
        if change:
            affected.add((form.initial.get("golfer"), form.initial.get("club")))
        golfers = User.objects.in_bulk({golfer_id for golfer_id, _club in affected})
        for golfer_id, club in affected:
            if golfer_id in golfers and club:
                personal_bests_recompute(golfer=golfers[golfer_id], club=club)

    def delete_model(self, request: HttpRequest, obj: Shot) -> None:
        shot_delete(shot=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Shot]) -> None:
        # One by one through the service so personal bests roll back and
        # images go too; admin deletes are a handful of rows.
        for shot in queryset.select_related("golfer"):
            shot_delete(shot=shot)


@admin.register(PersonalBest)
class PersonalBestAdmin(admin.ModelAdmin):
    """Read-only: personal bests are rebuilt from counted shots, so a hand edit
    would be silently overwritten by the next recompute. Fix the shot instead.

    Deleting stays allowed because deleting a shot cascades to the records it
    held (and the admin asks for delete permission on them); the shot admin
    then rebuilds them from the remaining shots.
    """

    list_display = ("golfer", "club", "metric", "value", "hit_at")
    list_filter = ("club", "metric")
    list_select_related = ("golfer",)
    raw_id_fields = ("golfer", "shot")
    search_fields = ("golfer__username", "golfer__email")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PersonalBest | None = None) -> bool:
        return False
