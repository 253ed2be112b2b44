"""A golfer's launch-monitor file imports: upload, preview with its choices, confirm, progress.

Thin: form → ``shots.services.imports`` → redirect. The preview's steps
(``preview_step``) and the messages are shared with the store console's
import pages (``console.import_views``), which differ only in who may see an
import and where they go afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.requests import AuthenticatedHttpRequest
from shots.import_forms import ImportChoicesForm, ImportUploadForm
from shots.imports.plan import ImportPlan
from shots.imports.result import ImportFileError
from shots.models import ImportStatus, ShotImport
from shots.services.imports import (
    ImportNotReady,
    ImportOutcome,
    import_choices_update,
    import_commit,
    import_plan,
    import_progress,
    import_upload,
)

UPDATE = "update"
CONFIRM = "import"
NOTHING_NEW = "Every shot in this file is already in golfshots: there is nothing new to import."


@dataclass
class PreviewStep:
    """What a GET or POST of an import's preview came to."""

    plan: ImportPlan | None  # None: the kept file can no longer be read
    form: ImportChoicesForm | None
    error: str = ""
    outcome: ImportOutcome | None = None  # the import was confirmed
    updated: bool = False  # the choices were saved; show the preview again
    status: int = 200


def preview_step(request: HttpRequest, shot_import: ShotImport) -> PreviewStep:
    """GET: the preview. POST: save its choices and, for "Import", confirm them."""
    posted = request.method == "POST"
    try:
        plan = import_plan(shot_import=shot_import)
    except ImportFileError as problem:
        return PreviewStep(plan=None, form=None, error=str(problem), status=400 if posted else 200)
    form = ImportChoicesForm(request.POST if posted else None, plan=plan)
    if not posted:
        return PreviewStep(plan=plan, form=form)
    if not form.is_valid():
        return PreviewStep(plan=plan, form=form, status=400)
    try:
        plan = import_choices_update(
            shot_import=shot_import,
            units=form.chosen_units(),
            clubs=form.chosen_clubs(),
            session_started_at=form.chosen_session_start(),
        )
        if request.POST.get("action") != CONFIRM:
            return PreviewStep(plan=plan, form=form, updated=True)
        if not plan.new_shots and not plan.problems:
            raise ImportNotReady(NOTHING_NEW)
        outcome = import_commit(shot_import=shot_import)
    except (ImportNotReady, ImportFileError) as problem:
        # The choices that were saved show in a fresh form drawn from the new plan.
        return PreviewStep(
            plan=plan, form=ImportChoicesForm(plan=plan), error=str(problem), status=400
        )
    return PreviewStep(plan=plan, form=form, outcome=outcome)


def imported_message(*, created: int, duplicates: int) -> str:
    shots = f"{created} shot{'s' if created != 1 else ''}"
    already = f"{duplicates} {'was' if duplicates == 1 else 'were'} already there"
    return f"Imported {shots} ({already})."


def progress_context(shot_import: ShotImport) -> dict:
    done, total = import_progress(shot_import=shot_import)
    return {"shot_import": shot_import, "done": min(done, total), "total": total}


def _own_import(request: AuthenticatedHttpRequest, pk: int) -> ShotImport:
    # Another golfer's import is a 404, never a 403: its existence is private.
    imports = ShotImport.objects.filter(golfer=request.user).select_related("golfer", "retailer")
    return get_object_or_404(imports, pk=pk)


def _after_import(shot_import: ShotImport) -> str:
    if shot_import.session_id is not None:
        return reverse("shots:session", args=[shot_import.session_id])
    return reverse("shots:sessions")


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    # Bound on every POST: a form holding only the file has an empty request.POST.
    form = ImportUploadForm(
        request.POST if posted else None, request.FILES if posted else None, golfer=request.user
    )
    if posted and form.is_valid():
        try:
            shot_import, _plan = import_upload(
                golfer=request.user,
                uploaded_by=request.user,
                retailer=form.cleaned_data.get("retailer"),
                file_name=form.file_name(),
                content=form.file_content(),
            )
        except ImportFileError as problem:
            form.add_error("file", str(problem))
        else:
            return redirect(shot_import)
    status = 400 if posted else 200
    context = {"form": form, "cancel_url": reverse("shots:sessions")}
    return render(request, "shots/import_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The preview while the import waits for confirmation; its progress or outcome after."""
    shot_import = _own_import(request, pk)
    if shot_import.status != ImportStatus.PREVIEW:
        if request.method == "POST":
            return redirect(shot_import)
        return render(request, "shots/import_progress.html", _progress_page(shot_import))
    step = preview_step(request, shot_import)
    if step.outcome is not None:
        if step.outcome.in_background:
            return redirect(shot_import)
        messages.success(
            request,
            imported_message(created=step.outcome.created, duplicates=step.outcome.duplicates),
        )
        if step.outcome.sessions:
            return redirect("shots:session", step.outcome.sessions[0])
        return redirect("shots:sessions")
    if step.updated:
        return redirect(shot_import)
    context = {"shot_import": shot_import, "step": step, "cancel_url": reverse("shots:import_new")}
    return render(request, "shots/import_preview.html", context, status=step.status)


@login_required
@require_GET
def import_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone; htmx polls it while the import runs in the background."""
    shot_import = _own_import(request, pk)
    response = render(request, "shots/_import_progress.html", _progress_page(shot_import))
    if shot_import.status == ImportStatus.IMPORTED:
        messages.success(
            request,
            imported_message(
                created=shot_import.created_count, duplicates=shot_import.duplicate_count
            ),
        )
        response["HX-Redirect"] = _after_import(shot_import)
    elif shot_import.status == ImportStatus.PREVIEW:
        # The background job gave up and handed the import back: its preview says why.
        response["HX-Redirect"] = shot_import.get_absolute_url()
    return response


def _progress_page(shot_import: ShotImport) -> dict:
    return {
        **progress_context(shot_import),
        "status_url": reverse("shots:import_status", args=[shot_import.pk]),
        "done_url": _after_import(shot_import),
        "preview_url": shot_import.get_absolute_url(),
    }
