"""Importing a customer's launch-monitor session file in the store console.

Staff upload the file on the customer's behalf: the import is the customer's,
at this store, uploaded by the staff member. The preview, its confirmation
and the progress page are the golfer's (``shots.import_views``) behind
``console_view``, and only for imports at this store of one of its customers:
any other import is a 404, as for a stranger.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from console import selectors
from console.access import ConsoleRequest, console_view
from retailers.models import Retailer, Role
from retailers.units import shows_metric_units
from shots.import_forms import ImportUploadForm
from shots.import_views import imported_message, preview_step, progress_context
from shots.imports.result import ImportFileError
from shots.models import ImportStatus, ShotImport
from shots.services.imports import import_upload


def _console(
    request: ConsoleRequest, store: Retailer, template: str, context: dict, **kw: Any
) -> HttpResponse:
    context = {
        "store": store,
        "is_owner": request.membership.role == Role.OWNER,
        "metric_units": shows_metric_units(store=store),
        **context,
    }
    return render(request, template, context, **kw)


def _store_import(store: Retailer, pk: int) -> ShotImport:
    """An import at this store of one of its customers; a 404 for any other."""
    imports = ShotImport.objects.filter(
        retailer=store, golfer__store_links__retailer=store
    ).select_related("golfer", "retailer")
    return get_object_or_404(imports, pk=pk)


def _imported_for(shot_import: ShotImport, created: int, duplicates: int) -> str:
    name = shot_import.golfer.display_name or shot_import.golfer.username
    return f"{name}: {imported_message(created=created, duplicates=duplicates)}"


def _customer_url(store: Retailer, shot_import: ShotImport) -> str:
    return reverse("console:customer", args=[store.slug, shot_import.golfer_id])


@console_view()
@require_http_methods(["GET", "POST"])
def customer_import(request: ConsoleRequest, store: Retailer, golfer_id: int) -> HttpResponse:
    customer = selectors.customer_link(store, golfer_id).golfer
    posted = request.method == "POST"
    form = ImportUploadForm(
        request.POST if posted else None, request.FILES if posted else None, golfer=customer
    )
    form.fields.pop("retailer", None)  # the session was hit here, not at the golfer's pick
    if posted and form.is_valid():
        try:
            shot_import, _plan = import_upload(
                golfer=customer,
                uploaded_by=request.user,
                retailer=store,
                file_name=form.file_name(),
                content=form.file_content(),
            )
        except ImportFileError as problem:
            form.add_error("file", str(problem))
        else:
            return redirect("console:import", store.slug, shot_import.pk)
    return _console(
        request,
        store,
        "console/customer_import.html",
        {
            "customer": customer,
            "form": form,
            "cancel_url": reverse("console:customer", args=[store.slug, customer.pk]),
        },
        status=400 if posted else 200,
    )


@console_view()
@require_http_methods(["GET", "POST"])
def import_detail(request: ConsoleRequest, store: Retailer, pk: int) -> HttpResponse:
    shot_import = _store_import(store, pk)
    own_url = reverse("console:import", args=[store.slug, pk])
    if shot_import.status != ImportStatus.PREVIEW:
        if request.method == "POST":
            return redirect(own_url)
        return _console(
            request, store, "console/import_progress.html", _progress_page(store, shot_import)
        )
    step = preview_step(request, shot_import)
    if step.outcome is not None:
        if step.outcome.in_background:
            return redirect(own_url)
        messages.success(
            request, _imported_for(shot_import, step.outcome.created, step.outcome.duplicates)
        )
        return redirect(_customer_url(store, shot_import))
    if step.updated:
        return redirect(own_url)
    return _console(
        request,
        store,
        "console/import_preview.html",
        {
            "shot_import": shot_import,
            "customer": shot_import.golfer,
            "step": step,
            "cancel_url": reverse(
                "console:customer_import", args=[store.slug, shot_import.golfer_id]
            ),
        },
        status=step.status,
    )


@console_view()
@require_GET
def import_status(request: ConsoleRequest, store: Retailer, pk: int) -> HttpResponse:
    """The progress panel alone; htmx polls it while the import runs in the background."""
    shot_import = _store_import(store, pk)
    response = _console(
        request, store, "shots/_import_progress.html", _progress_page(store, shot_import)
    )
    if shot_import.status == ImportStatus.IMPORTED:
        messages.success(
            request,
            _imported_for(shot_import, shot_import.created_count, shot_import.duplicate_count),
        )
        response["HX-Redirect"] = _customer_url(store, shot_import)
    elif shot_import.status == ImportStatus.PREVIEW:
        response["HX-Redirect"] = reverse("console:import", args=[store.slug, pk])
    return response


def _progress_page(store: Retailer, shot_import: ShotImport) -> dict:
    return {
        **progress_context(shot_import),
        "customer": shot_import.golfer,
        "status_url": reverse("console:import_status", args=[store.slug, shot_import.pk]),
        "done_url": _customer_url(store, shot_import),
        "preview_url": reverse("console:import", args=[store.slug, shot_import.pk]),
        "done_label": "Back to the customer",
    }
