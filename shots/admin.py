from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.fields.json import JSONField
from django.forms.models import BaseInlineFormSet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from shots import selectors, services
from shots.metrics import METRIC_NAMES
from shots.models import (
    PersonalBest,
    Shot,
    ShotAnalysis,
    ShotNeedingReview,
    ShotSource,
    ShotStatus,
)
from shots.services import ShotPlace, counted_shot_changed, session_for_shot, shot_delete
from shots.trust import trust_level_for
from shots.validation import check_values, hit_at_problem

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec
    from django_stubs_ext import WithAnnotations

# Shown on a shot's change page; the analyses changelist has the full history.
LATEST_ANALYSES_SHOWN = 10


class ShotAdminForm(forms.ModelForm):
    # No Meta: ShotAdmin builds the form class with the model and its fieldsets.

    def clean(self) -> dict[str, Any]:
        super().clean()  # ModelForm.clean() returns self.cleaned_data
        cleaned = self.cleaned_data
        club = cleaned.get("club")
        if club:
            values = {name: cleaned.get(name) for name in METRIC_NAMES if name in cleaned}
            # The same hard ranges as every other way in: staff can correct a
            # misread here, not store an impossible number.
            for name, message in check_values(values, club=club).rejected.items():
                self.add_error(name, message)
        # The window every way in checks; a stored time is left alone unless changed.
        hit_at = cleaned.get("hit_at")
        if hit_at is not None and "hit_at" in self.changed_data:
            problem = hit_at_problem(hit_at)
            if problem is not None:
                self.add_error("hit_at", problem)
        return cleaned


def _pretty_json(value: Any) -> SafeString | None:
    """JSON as an indented, escaped block: analyser output is untrusted text."""
    if value in (None, "", [], {}):
        return None
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    )
    return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)


def _problem_text(problem: Any) -> str:
    if not isinstance(problem, dict):
        return str(problem)
    metric, message = problem.get("metric") or "", str(problem.get("message", ""))
    return f"{metric}: {message}" if metric else message


def _problems_text(problems: Any) -> str:
    return "; ".join(_problem_text(problem) for problem in problems or [])


class LatestAnalysesFormSet(BaseInlineFormSet):
    """Only the newest analyses: a shot retried many times would make a very long page."""

    def get_queryset(self) -> QuerySet[ShotAnalysis]:
        if not hasattr(self, "_latest"):
            self._latest = super().get_queryset()[:LATEST_ANALYSES_SHOWN]
        return self._latest


class ShotAnalysisInline(admin.TabularInline):
    model = ShotAnalysis
    formset = LatestAnalysesFormSet
    verbose_name_plural = f"latest analyses (newest first, up to {LATEST_ANALYSES_SHOWN})"
    fields = (
        "created_at",
        "attempt",
        "analyser",
        "model",
        "outcome",
        "problems_summary",
        "tokens_in",
        "tokens_out",
        "cost",
        "duration_ms",
    )
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description="problems")
    def problems_summary(self, analysis: ShotAnalysis) -> str:
        return _problems_text(analysis.problems)

    # The audit trail of what the analyser saw and said is never edited.
    def has_add_permission(self, request: HttpRequest, obj: Shot | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Shot | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Shot | None = None) -> bool:
        return False


@admin.register(Shot)
class ShotAdmin(admin.ModelAdmin):
    form = ShotAdminForm
    # The options below are typed wider than their values: ShotNeedingReviewAdmin
    # overrides them with tuples of other lengths and no date hierarchy.
    list_display: tuple[str, ...] = (
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
    list_filter: ClassVar[tuple[str, ...]] = ("status", "trust", "source", "club", "retailer")
    list_select_related: ClassVar[tuple[str, ...]] = ("golfer", "retailer")
    search_fields = ("golfer__username", "golfer__email")
    search_help_text = "A shot number, or part of the golfer's username or email."
    date_hierarchy: ClassVar[str | None] = "hit_at"
    raw_id_fields = ("golfer", "verified_by")
    # The photo is shown through photo_view, never as a MEDIA link, and is not
    # replaceable here: an admin upload would skip the shrinking and scrubbing.
    # trust is derived (shots.trust.trust_level_for) from the fields beside it.
    readonly_fields = (
        "created_at",
        "updated_at",
        "image_sha256",
        "photo",
        "analysis_history",
        "trust",
    )
    # The table grows without bound; skip counting every row on filtered pages.
    show_full_result_count = False
    fieldsets: ClassVar[_FieldsetSpec] = (
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
                    "trust",
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
                "fields": (
                    "photo",
                    "image_sha256",
                    "analysis_history",
                    "client_token",
                    "created_at",
                    "updated_at",
                ),
            },
        ),
    )

    def get_inlines(
        self, request: HttpRequest, obj: Shot | None
    ) -> list[type[admin.options.InlineModelAdmin]]:
        # Only photos are analysed; a typed-in shot has no analyses to list.
        if obj is not None and obj.source == ShotSource.PHOTO:
            return [ShotAnalysisInline]
        return []

    def get_urls(self) -> list[URLPattern]:
        opts = self.opts
        # Before the default URLs: "<path:object_id>/" would swallow it.
        return [
            path(
                "<int:pk>/photo.jpg",
                self.admin_site.admin_view(self.photo_view),
                name=f"{opts.app_label}_{opts.model_name}_photo",
            ),
            *super().get_urls(),
        ]

    def photo_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """The shot's photo for platform staff. MEDIA is private: no public URL serves it."""
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        shot = get_object_or_404(self.get_queryset(request), pk=pk)
        if not shot.image:
            raise Http404("This shot has no photo.")
        try:
            photo = shot.image.open("rb")
        except FileNotFoundError:
            raise Http404("The photo file is missing.") from None
        # Stored photos are always re-encoded JPEGs; nosniff (settings) keeps it so.
        response = FileResponse(photo, content_type="image/jpeg", filename=f"shot-{shot.pk}.jpg")
        response["Cache-Control"] = "private, max-age=3600"
        return response

    def photo_url(self, shot: Shot) -> str:
        opts = self.opts
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_photo",
            args=[shot.pk],
            current_app=self.admin_site.name,
        )

    @admin.display(description="photo")
    def photo(self, shot: Shot) -> SafeString:
        if not shot.pk or not shot.image:
            return self.get_empty_value_display()
        url = self.photo_url(shot)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="Photo of shot #{}" height="320"></a>',
            url,
            url,
            shot.pk,
        )

    @admin.display(description="analyses")
    def analysis_history(self, shot: Shot) -> SafeString:
        if not shot.pk or shot.source != ShotSource.PHOTO:
            return self.get_empty_value_display()
        url = reverse("admin:shots_shotanalysis_changelist", current_app=self.admin_site.name)
        return format_html(
            '<a href="{}?shot__id__exact={}">Every analysis of this shot</a>', url, shot.pk
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
        with transaction.atomic():
            obj.trust = trust_level_for(obj)
            super().save_model(request, obj, form, change)
            session_for_shot(shot=obj)
            # An admin edit bypasses shot_update, so follow it up the same way,
            # for where the shot counted before the edit as well as after it.
            places = [ShotPlace.of(obj)]
            if change and form.initial.get("golfer"):
                places.append(
                    ShotPlace(
                        golfer_id=form.initial["golfer"],
                        club=form.initial.get("club") or "",
                        retailer_id=form.initial.get("retailer"),
                    )
                )
            counted_shot_changed(places=places)

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


# The spend summary covers this month and the eleven before it.
SPEND_MONTHS = 12


@dataclass
class SpendMonth:
    """One month of the spend summary: a row per analyser and the month's totals."""

    month: date
    rows: list[selectors.SpendRow]

    @property
    def analyses(self) -> int:
        return sum(row.analyses for row in self.rows)

    @property
    def successful(self) -> int:
        return sum(row.successful for row in self.rows)

    @property
    def tokens_in(self) -> int:
        return sum(row.tokens_in for row in self.rows)

    @property
    def tokens_out(self) -> int:
        return sum(row.tokens_out for row in self.rows)

    @property
    def cost(self) -> Decimal:
        return sum((row.cost for row in self.rows), Decimal("0"))


@admin.register(ShotAnalysis)
class ShotAnalysisAdmin(admin.ModelAdmin):
    """The analysers' audit trail: read-only, deletable by superusers alone."""

    list_display = (
        "shot_link",
        "attempt",
        "analyser",
        "model",
        "outcome",
        "tokens_in",
        "tokens_out",
        "cost",
        "duration_ms",
        "created_at",
    )
    list_filter = ("analyser", "outcome", "model", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("shot__golfer",)
    search_fields = ("shot__golfer__username",)
    search_help_text = "A shot number, or part of the golfer's username."
    show_full_result_count = False
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "shot_link",
                    ("attempt", "analyser", "outcome"),
                    ("model", "prompt_version", "request_id"),
                    "created_at",
                )
            },
        ),
        ("Usage", {"fields": (("tokens_in", "tokens_out"), ("cost", "duration_ms"))}),
        ("Result", {"fields": ("club_read", "values_read", "problems_found", "error_text")}),
        ("Raw output", {"fields": ("raw_output_pretty",)}),
    )
    readonly_fields = (
        "shot_link",
        "attempt",
        "analyser",
        "outcome",
        "model",
        "prompt_version",
        "request_id",
        "created_at",
        "tokens_in",
        "tokens_out",
        "cost",
        "duration_ms",
        "club_read",
        "values_read",
        "problems_found",
        "error_text",
        "raw_output_pretty",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ShotAnalysis | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ShotAnalysis | None = None) -> bool:
        return request.user.is_superuser

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ShotAnalysis], search_term: str
    ) -> tuple[QuerySet[ShotAnalysis], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().removeprefix("#")
        if term.isdigit() and len(term) < 19:
            results |= queryset.filter(shot_id=int(term))
        return results, may_have_duplicates

    @admin.display(description="shot", ordering="shot")
    def shot_link(self, analysis: ShotAnalysis) -> SafeString:
        url = reverse(
            "admin:shots_shot_change", args=[analysis.shot_id], current_app=self.admin_site.name
        )
        return format_html(
            '<a href="{}">#{} · {}</a>', url, analysis.shot_id, analysis.shot.golfer.username
        )

    @admin.display(description="values read")
    def values_read(self, analysis: ShotAnalysis) -> SafeString:
        return _pretty_json(analysis.values) or self.get_empty_value_display()

    @admin.display(description="problems")
    def problems_found(self, analysis: ShotAnalysis) -> SafeString:
        if not analysis.problems:
            return self.get_empty_value_display()
        items = format_html_join(
            "", "<li>{}</li>", ((_problem_text(problem),) for problem in analysis.problems)
        )
        return format_html("<ul>{}</ul>", items)

    @admin.display(description="error")
    def error_text(self, analysis: ShotAnalysis) -> SafeString:
        return _pretty_json(analysis.error) or self.get_empty_value_display()

    @admin.display(description="raw output")
    def raw_output_pretty(self, analysis: ShotAnalysis) -> SafeString:
        return _pretty_json(analysis.raw_output) or self.get_empty_value_display()

    def get_urls(self) -> list[URLPattern]:
        opts = self.opts
        return [
            path(
                "spend/",
                self.admin_site.admin_view(self.spend_view),
                name=f"{opts.app_label}_{opts.model_name}_spend",
            ),
            *super().get_urls(),
        ]

    def spend_view(self, request: HttpRequest) -> HttpResponse:
        """Monthly AI spend per analyser, for whoever may view analyses."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = selectors.ai_spend_by_month(months=SPEND_MONTHS)
        months = [
            SpendMonth(month=month, rows=list(month_rows))
            for month, month_rows in groupby(rows, key=attrgetter("month"))
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Monthly AI spend",
            "months": months,
            "months_shown": SPEND_MONTHS,
        }
        return TemplateResponse(request, "admin/shots/shotanalysis/spend.html", context)


class _LatestProblems(TypedDict):
    """What ShotNeedingReviewAdmin.get_queryset annotates each shot with."""

    latest_problems: list[Any] | None


@admin.register(ShotNeedingReview)
class ShotNeedingReviewAdmin(ShotAdmin):
    """Shots the analyser was unsure about, oldest first, to confirm or fix by hand."""

    list_display = (
        "id",
        "thumbnail",
        "golfer",
        "club",
        "hit_at",
        "latest_problem",
        "analysis_attempts",
    )
    list_display_links = ("id",)
    list_filter = ("club", "source", "retailer")
    list_select_related = ("golfer",)
    date_hierarchy = None
    ordering = ("created_at", "id")
    actions = ("confirm_as_read", "mark_failed")
    # The photo leads here: reviewing means comparing it with the numbers.
    fieldsets = (
        ("Photo", {"fields": ("photo", "analysis_history")}),
        *ShotAdmin.fieldsets[:-1],
        (
            "Submission",
            {
                "classes": ("collapse",),
                "fields": ("image_sha256", "client_token", "created_at", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Shot]:
        latest_problems = (
            ShotAnalysis.objects.filter(shot=OuterRef("pk"))
            .order_by("-created_at", "-id")
            .values("problems")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .filter(status=ShotStatus.NEEDS_REVIEW)
            .annotate(latest_problems=Subquery(latest_problems, output_field=JSONField()))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="photo")
    def thumbnail(self, shot: Shot) -> SafeString | None:
        if not shot.image:
            return None
        url = self.photo_url(shot)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="Photo of shot #{}" height="60" loading="lazy"></a>',
            url,
            url,
            shot.pk,
        )

    @admin.display(description="latest problem")
    def latest_problem(self, shot: WithAnnotations[Shot, _LatestProblems]) -> str | None:
        return _problems_text(shot.latest_problems) or None

    @admin.action(description="Confirm the numbers as read", permissions=["change"])
    def confirm_as_read(self, request: HttpRequest, queryset: QuerySet[Shot]) -> None:
        confirmed = 0
        for shot in queryset.select_related("golfer"):
            try:
                services.shot_confirm(shot=shot)
            except services.ShotBusy as busy:
                self.message_user(request, f"Shot #{shot.pk}: {busy}", messages.ERROR)
            except ValidationError as problem:
                text = " ".join(problem.messages)
                self.message_user(request, f"Shot #{shot.pk}: {text}", messages.ERROR)
            else:
                confirmed += 1
        if confirmed:
            self.message_user(
                request,
                f"Confirmed {confirmed} shot{'s' if confirmed != 1 else ''}; they now count.",
                messages.SUCCESS,
            )

    @admin.action(description="Mark as failed (unreadable)", permissions=["change"])
    def mark_failed(self, request: HttpRequest, queryset: QuerySet[Shot]) -> None:
        # A shot in review counts for nothing, so failing it moves no personal best.
        failed = queryset.filter(status=ShotStatus.NEEDS_REVIEW).update(
            status=ShotStatus.FAILED, updated_at=timezone.now()
        )
        self.message_user(
            request,
            f"Marked {failed} shot{'s' if failed != 1 else ''} as failed.",
            messages.SUCCESS,
        )
