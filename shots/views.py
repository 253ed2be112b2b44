"""HTML pages for a golfer's own shots and bag. Thin: form → service → redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.requests import AuthenticatedHttpRequest
from shots import selectors, services, tasks
from shots.filters import ShotListFilter
from shots.forms import PhotoUploadForm, ShotForm
from shots.images import ImageRejected, check_request_size
from shots.metrics import METRICS_BY_NAME, RECORD_METRICS, format_value
from shots.models import Shot
from shots.photos import photo_response
from shots.services import pipeline


def _own_shot(request: AuthenticatedHttpRequest, pk: int) -> Shot:
    # Another golfer's shot is a 404, never a 403: its existence is private.
    return get_object_or_404(selectors.shots_for_golfer(request.user), pk=pk)


def _announce_records(request: AuthenticatedHttpRequest, shot: Shot) -> None:
    records = selectors.records_held_by(shot)
    if not records:
        return
    parts = []
    for record in records:
        metric = METRICS_BY_NAME[record.metric]
        shown = format_value(metric, record.value, metric_units=request.user.uses_metric)
        parts.append(f"{metric.label.lower()} {shown}")
    messages.success(
        request, f"Personal best with your {shot.get_club_display()}: {', '.join(parts)}."
    )


@login_required
def shot_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    shot_filter = ShotListFilter(
        request.GET, queryset=selectors.shots_listed_for_golfer(request.user), request=request
    )
    page = Paginator(shot_filter.qs, settings.SHOTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "shots/shot_list.html",
        {
            "filter": shot_filter,
            "page": page,
            "is_filtered": any(request.GET.get(k) for k in shot_filter.form.fields),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shot_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ShotForm(
        request.POST or None, metric_units=request.user.uses_metric, golfer=request.user
    )
    if request.method == "POST" and form.is_valid():
        shot, created = services.shot_create_manual(
            golfer=request.user,
            club=form.cleaned_data["club"],
            metrics=form.canonical_metrics(),
            hit_at=form.cleaned_data["hit_at"],
            retailer=form.cleaned_data.get("retailer"),
            client_token=form.cleaned_data["client_token"],
        )
        if created:
            messages.success(request, "Shot saved.")
            _announce_records(request, shot)
        return redirect(shot)
    return render(request, "shots/shot_form.html", {"form": form, "shot": None})


@login_required
@require_http_methods(["GET", "POST"])
def shot_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            check_request_size(request.META.get("CONTENT_LENGTH"))
        except ImageRejected as rejection:
            messages.error(request, rejection.message)
            form = PhotoUploadForm(golfer=request.user)
            return render(request, "shots/shot_upload.html", {"form": form}, status=413)
    form = PhotoUploadForm(request.POST or None, request.FILES or None, golfer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            shot, created = services.shot_create_from_photo(
                golfer=request.user,
                photo=form.shrunk_image(),
                club=form.cleaned_data["club"],
                retailer=form.cleaned_data.get("retailer"),
                client_token=form.cleaned_data["client_token"],
            )
        except services.PhotoStorageUnavailable as outage:
            form.add_error(None, outage.message)
            response = render(request, "shots/shot_upload.html", {"form": form}, status=503)
            response["Retry-After"] = "60"
            return response
        shot.refresh_from_db()  # an eager analysis has read it by now
        if shot.is_unreadable:
            # Said here at once; with a worker the shot page's panel says it when it knows.
            context = {
                "form": PhotoUploadForm(golfer=request.user),
                "unreadable_shot": shot,
                "unreadable_message": pipeline.UNREADABLE_MESSAGE,
            }
            return render(request, "shots/shot_upload.html", context)
        if created:
            # Only "received": the shot page's badge and panel say how far the reading
            # got, so this message never contradicts them (eager analysis is done by now).
            messages.success(request, "Photo received.")
        else:
            messages.info(request, "You've already uploaded this photo; here is that shot.")
        return redirect(shot)
    status = 400 if request.method == "POST" else 200
    return render(request, "shots/shot_upload.html", {"form": form}, status=status)


def _analysis_context(shot: Shot) -> dict:
    if shot.is_pending:
        # After a restart on the embedded default, whoever waits for a shot
        # starts the background thread, whose first sweep picks the shot up.
        tasks.analysis_worker_wake()
    latest = shot.analyses.first() if shot.source == "photo" else None
    return {"shot": shot, "analysis": latest, "unreadable_message": pipeline.UNREADABLE_MESSAGE}


@login_required
def shot_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shot = _own_shot(request, pk)
    context = {**_analysis_context(shot), "staff_notes": selectors.staff_decisions_for(shot)}
    return render(request, "shots/shot_detail.html", context)


@login_required
def shot_photo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The shot's photo, for its owner only: media is private, never a public URL."""
    return photo_response(_own_shot(request, pk))


@login_required
def shot_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The status-and-numbers panel alone; htmx polls it while a photo is read."""
    shot = _own_shot(request, pk)
    return render(request, "shots/_shot_panel.html", _analysis_context(shot))


@login_required
@require_http_methods(["POST"])
def shot_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shot = _own_shot(request, pk)
    counted_before = shot.is_counted
    try:
        services.shot_confirm(shot=shot)
    except services.ShotBusy as busy:
        messages.error(request, str(busy))
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        if counted_before:
            # A shot read with nothing doubtful already counted: confirming only vouches for it.
            messages.success(request, "Numbers confirmed. This shot already counted.")
        else:
            messages.success(request, "Shot confirmed. It now counts.")
        _announce_records(request, shot)
    return redirect(shot)


@login_required
@require_http_methods(["GET", "POST"])
def shot_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shot = _own_shot(request, pk)
    if shot.is_pending:
        messages.info(request, "The photo is still being read; you can correct it in a moment.")
        return redirect(shot)
    form = ShotForm(request.POST or None, metric_units=request.user.uses_metric, shot=shot)
    if request.method == "POST" and form.is_valid():
        was_unreadable = shot.is_unreadable
        services.shot_update(
            shot=shot,
            club=form.cleaned_data["club"],
            metrics=form.canonical_metrics(),
            hit_at=form.cleaned_data["hit_at"],
        )
        messages.success(
            request, "Shot saved with your photo." if was_unreadable else "Shot updated."
        )
        _announce_records(request, shot)
        return redirect(shot)
    return render(request, "shots/shot_form.html", {"form": form, "shot": shot})


@login_required
@require_http_methods(["GET", "POST"])
def shot_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shot = _own_shot(request, pk)
    if request.method == "POST":
        services.shot_delete(shot=shot)
        messages.success(request, "Shot deleted. Your personal bests have been updated.")
        return redirect("shots:list")
    return render(request, "shots/shot_confirm_delete.html", {"shot": shot})


@login_required
@require_http_methods(["POST"])
def shot_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Throw away a photo in which no numbers were found: the shot and the file go."""
    shot = _own_shot(request, pk)
    try:
        pipeline.unreadable_shot_discard(shot=shot)
    except pipeline.NotUnreadable as refusal:
        messages.error(request, str(refusal))
        return redirect(shot)
    messages.success(request, "Photo discarded.")
    return redirect("shots:upload")


@login_required
def bag(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = selectors.bag_for_golfer(request.user)
    return render(request, "shots/bag.html", {"rows": rows, "record_metrics": RECORD_METRICS})
