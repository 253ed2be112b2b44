"""The store console at /console/<store>/: dashboard, customers, verification,
shots on behalf of customers, settings and CSV exports.

Every view gets its store from ``retailers.tenancy.retailer_for_staff`` (404
for anyone not on the store's staff) and every shot or golfer through
``console.selectors``, which only ever look inside that store. Dates show on
the store's clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpResponse, HttpResponseBase, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analytics.forms import AnalyticsPeriodForm
from analytics.presenters import analytics_page_body
from console import exports, selectors
from console import services as console_services
from console.access import ConsoleRequest, console_view
from console.forms import (
    BulkVerifyForm,
    CustomerChoiceForm,
    CustomerSearchForm,
    ExcludeForm,
    IncludeForm,
    QueueFilterForm,
    StaffCorrectForm,
    StoreSettingsForm,
)
from retailers.models import Retailer, Role
from retailers.services import retailer_settings_update
from retailers.units import shows_metric_units
from shots import services as shot_services
from shots.forms import PhotoUploadForm, ShotForm
from shots.images import ImageRejected, check_request_size
from shots.metrics import METRICS_BY_NAME, RECORD_METRICS
from shots.models import Shot
from shots.photos import photo_response
from shots.selectors import review_notes

SHOTS_PER_PAGE = 25
CUSTOMERS_PER_PAGE = 50
REVIEWS_PER_PAGE = 50


def _console(
    request: ConsoleRequest, store: Retailer, template: str, context: dict, **kw: Any
) -> HttpResponse:
    # The console is the store's screen: its numbers are in the store's units,
    # whoever looks (the shot_tags template tags read ``metric_units``).
    context = {
        "store": store,
        "is_owner": request.membership.role == Role.OWNER,
        "metric_units": _uses_metric(store),
        **context,
    }
    return render(request, template, context, **kw)


def _uses_metric(store: Retailer) -> bool:
    return shows_metric_units(store=store)


Row = TypeVar("Row", bound=Model)


def _page_by_ids(
    ids: Sequence[int] | QuerySet[Any, int], rows: QuerySet[Row], per_page: int, number: Any
) -> Page[Row]:
    """The page ``number`` of ``rows``, paginated by their ``ids``, in the ids' order.

    The count and the slice read ids only; then the page's own rows are read,
    with whatever costly annotations ``rows`` carries, for those ids alone.
    """
    ids_page = Paginator(ids, per_page).get_page(number)
    position = {pk: index for index, pk in enumerate(ids_page)}
    page_rows = sorted(rows.filter(pk__in=list(ids_page)), key=lambda row: position[row.pk])
    # The page's numbers and links come from the ids' paginator: same count, same pages.
    return Page(page_rows, ids_page.number, cast("Paginator[Row]", ids_page.paginator))


# --- Dashboard and customers ---------------------------------------------------


@console_view()
@require_GET
def dashboard(request: ConsoleRequest, store: Retailer) -> HttpResponse:
    return _console(
        request,
        store,
        "console/dashboard.html",
        {"dashboard": selectors.store_dashboard(store)},
    )


@console_view()
@require_GET
def customer_list(request: ConsoleRequest, store: Retailer) -> HttpResponse:
    form = CustomerSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    customers = selectors.customers_search(store, query)
    # By ids: an OFFSET over the annotated rows would run the activity
    # subqueries for every customer skipped on the way to a late page.
    page = _page_by_ids(
        customers.values_list("pk", flat=True),
        customers,
        CUSTOMERS_PER_PAGE,
        request.GET.get("page"),
    )
    return _console(
        request,
        store,
        "console/customers.html",
        {"form": form, "page": page, "query": query},
    )


@console_view()
@require_GET
def customer_detail(request: ConsoleRequest, store: Retailer, golfer_id: int) -> HttpResponse:
    link = selectors.customer_link(store, golfer_id)
    shots = selectors.shots_at_store(store).filter(golfer=link.golfer)
    page = Paginator(shots, SHOTS_PER_PAGE).get_page(request.GET.get("page"))
    bag = selectors.bag_at_store(store, link.golfer)
    for row in bag:
        # (metric, value) pairs for the {% metric_value %} tag; None shows "—".
        row.best_values = [
            (name, getattr(best, name) if (best := row.bests.get(name)) else None)
            for name in RECORD_METRICS
        ]
    return _console(
        request,
        store,
        "console/customer.html",
        {
            "link": link,
            "customer": link.golfer,
            "page": page,
            "bag": bag,
            "best_labels": [METRICS_BY_NAME[name].label for name in RECORD_METRICS],
        },
    )


@console_view()
@require_GET
def customer_game(request: ConsoleRequest, store: Retailer, golfer_id: int) -> HttpResponse:
    """The customer's "My game" analytics, from shots hit at this store only."""
    link = selectors.customer_link(store, golfer_id)
    form = AnalyticsPeriodForm(request.GET or None)
    store_bests = {
        row.club: best.carry
        for row in selectors.bag_at_store(store, link.golfer)
        if (best := row.bests.get("carry"))
    }
    body = analytics_page_body(
        request,
        golfer=link.golfer,
        form=form,
        metric_units=_uses_metric(store),
        retailer=store,
        bests=store_bests,
    )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return _console(
        request,
        store,
        "console/customer_game.html",
        {"link": link, "customer": link.golfer, "body": body},
        status=status,
    )


# --- Recording a shot for a customer -------------------------------------------


@console_view()
@require_GET
def record_pick(request: ConsoleRequest, store: Retailer) -> HttpResponse:
    form = CustomerChoiceForm(request.GET or None, retailer=store)
    if request.GET and form.is_valid():
        return redirect("console:record", store.slug, form.cleaned_data["golfer"].golfer_id)
    return _console(request, store, "console/record_pick.html", {"form": form})


@console_view()
@require_http_methods(["GET", "POST"])
def record(request: ConsoleRequest, store: Retailer, golfer_id: int) -> HttpResponse:
    customer = selectors.customer_link(store, golfer_id).golfer
    metric_units = _uses_metric(store)
    photo_form = PhotoUploadForm(golfer=customer)
    photo_form.fields.pop("retailer", None)  # the shot is at this store, not the golfer's pick
    values_form = ShotForm(metric_units=metric_units)
    status = 200
    if request.method == "POST" and request.POST.get("kind") == "photo":
        try:
            check_request_size(request.META.get("CONTENT_LENGTH"))
        except ImageRejected as rejection:
            messages.error(request, rejection.message)
            return redirect("console:record", store.slug, golfer_id)
        photo_form = PhotoUploadForm(request.POST, request.FILES, golfer=customer)
        photo_form.fields.pop("retailer", None)
        if photo_form.is_valid():
            try:
                shot, _created = shot_services.shot_create_from_photo(
                    golfer=customer,
                    photo=photo_form.shrunk_image(),
                    club=photo_form.cleaned_data["club"],
                    retailer=store,
                    client_token=photo_form.cleaned_data["client_token"],
                    recorded_by=request.user,
                )
            except shot_services.PhotoStorageUnavailable as outage:
                photo_form.add_error(None, outage.message)
                status = 503
            else:
                messages.success(request, "Photo received; it is being read now.")
                return redirect("console:shot", store.slug, shot.pk)
        else:
            status = 400
    elif request.method == "POST":
        values_form = ShotForm(request.POST, metric_units=metric_units)
        if values_form.is_valid():
            shot, _created = shot_services.shot_create_manual(
                golfer=customer,
                club=values_form.cleaned_data["club"],
                metrics=values_form.canonical_metrics(),
                hit_at=values_form.cleaned_data["hit_at"],
                retailer=store,
                client_token=values_form.cleaned_data["client_token"],
                recorded_by=request.user,
            )
            messages.success(request, f"Shot saved for {customer.display_name or customer}.")
            return redirect("console:customer", store.slug, customer.pk)
        status = 400
    return _console(
        request,
        store,
        "console/record.html",
        {
            "customer": customer,
            "photo_form": photo_form,
            "form": values_form,
            "metric_units": metric_units,
        },
        status=status,
    )


# --- Verification ----------------------------------------------------------------


def _queue_page(
    request: ConsoleRequest,
    store: Retailer,
    *,
    bulk_form: BulkVerifyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    queue = selectors.verification_queue(store)
    # The filters come in the query string, or with a bulk POST in its "queue" field.
    filter_data = (
        request.GET if request.method == "GET" else QueryDict(request.POST.get("queue", ""))
    )
    filters = QueueFilterForm(filter_data or None, events=queue.events)
    if filters.is_bound and not filters.is_valid():
        status = 400
    # By ids, all read at once: one pass over the store's candidates serves
    # both the page and the page count.
    page = _page_by_ids(
        queue.narrowed_ids(**filters.filters()),
        # Plain rows: the ids carry the order, and ``items`` the reasons.
        queue.candidates,
        SHOTS_PER_PAGE,
        request.GET.get("page"),
    )
    return _console(
        request,
        store,
        "console/queue.html",
        {
            "page": page,
            "items": queue.items(page.object_list),
            "filters": filters,
            "queue_query": filters.query_string(),
            "bulk_form": bulk_form,
        },
        status=status,
    )


@console_view()
@require_GET
def verification_queue(request: ConsoleRequest, store: Retailer) -> HttpResponse:
    return _queue_page(request, store)


@console_view()
@require_POST
def queue_verify(request: ConsoleRequest, store: Retailer) -> HttpResponse:
    """Verify the shots ticked in the queue, all or none."""
    form = BulkVerifyForm(request.POST, waiting=selectors.shots_awaiting_verification(store))
    if form.is_valid():
        try:
            reviews = console_services.shots_verify_bulk(
                shots=list(form.cleaned_data["shots"]), staff=request.user
            )
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            count = len(reviews)
            messages.success(request, f"{count} shot{'s' if count != 1 else ''} verified.")
            return redirect(_queue_url(store, _carried_filters(request, store)))
    return _queue_page(request, store, bulk_form=form, status=400)


@console_view()
@require_GET
def review_log(request: ConsoleRequest, store: Retailer) -> HttpResponse:
    page = Paginator(selectors.reviews_at_store(store), REVIEWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return _console(
        request,
        store,
        "console/audit.html",
        {"page": page, "notes": review_notes(page.object_list)},
    )


def _shot_page(
    request: ConsoleRequest,
    store: Retailer,
    shot: Shot,
    *,
    correct_form: StaffCorrectForm | None = None,
    exclude_form: ExcludeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    metric_units = _uses_metric(store)
    queue = selectors.verification_queue(store)
    # The shot alone (a candidate without a reason gets none): no need to list the queue.
    in_queue = queue.items([shot])
    # The queue's filters ride along, so the next shot comes from the same list.
    source = request.GET if request.method == "GET" else QueryDict(request.POST.get("queue", ""))
    filters = QueueFilterForm(source, events=queue.events)
    return _console(
        request,
        store,
        "console/shot.html",
        {
            "shot": shot,
            "reasons": in_queue[0].reasons if in_queue else [],
            "queue_query": filters.query_string(),
            "correct_form": correct_form or StaffCorrectForm(metric_units=metric_units, shot=shot),
            "exclude_form": exclude_form or ExcludeForm(),
            "include_form": IncludeForm(),
            "notes": review_notes(shot.reviews.select_related("staff")),
        },
        status=status,
    )


@console_view()
@require_GET
def shot_review(request: ConsoleRequest, store: Retailer, pk: int) -> HttpResponse:
    return _shot_page(request, store, selectors.shot_at_store(store, pk))


@console_view()
@require_GET
def shot_photo(request: ConsoleRequest, store: Retailer, pk: int) -> HttpResponseBase:
    """The shot's photo for the store's staff; media is never served from a public URL."""
    return photo_response(selectors.shot_at_store(store, pk))


def _carried_filters(request: ConsoleRequest, store: Retailer) -> str:
    """The queue's filters that a POST carried in its "queue" field, as a query string."""
    queue = selectors.verification_queue(store)
    return QueueFilterForm(
        QueryDict(request.POST.get("queue", "")), events=queue.events
    ).query_string()


def _queue_url(store: Retailer, query: str) -> str:
    return reverse("console:queue", args=[store.slug]) + (f"?{query}" if query else "")


def _after_action(request: ConsoleRequest, store: Retailer, shot: Shot) -> HttpResponse:
    """After a decision the next shot in the queue opens (same filters), or the empty queue."""
    if request.POST.get("next", "") == "shot":
        return redirect("console:shot", store.slug, shot.pk)
    queue = selectors.verification_queue(store)
    filters = QueueFilterForm(QueryDict(request.POST.get("queue", "")), events=queue.events)
    query = filters.query_string()
    following = next((pk for pk in queue.narrowed_ids(**filters.filters()) if pk != shot.pk), None)
    if following is None:
        return redirect(_queue_url(store, query))
    url = reverse("console:shot", args=[store.slug, following])
    return redirect(url + (f"?{query}" if query else ""))


@console_view()
@require_POST
def shot_verify(request: ConsoleRequest, store: Retailer, pk: int) -> HttpResponse:
    shot = selectors.shot_at_store(store, pk)
    try:
        shot_services.shot_verify(shot=shot, staff=request.user)
    except (ValidationError, shot_services.ShotBusy) as problem:
        messages.error(request, _message(problem))
        return redirect("console:shot", store.slug, shot.pk)
    messages.success(request, f"Shot #{shot.pk} verified.")
    return _after_action(request, store, shot)


@console_view()
@require_POST
def shot_exclude(request: ConsoleRequest, store: Retailer, pk: int) -> HttpResponse:
    shot = selectors.shot_at_store(store, pk)
    form = ExcludeForm(request.POST)
    if not form.is_valid():
        return _shot_page(request, store, shot, exclude_form=form, status=400)
    shot_services.shot_exclude(shot=shot, staff=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, f"Shot #{shot.pk} excluded from personal bests and boards.")
    return _after_action(request, store, shot)


@console_view()
@require_POST
def shot_include(request: ConsoleRequest, store: Retailer, pk: int) -> HttpResponse:
    shot = selectors.shot_at_store(store, pk)
    form = IncludeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    shot_services.shot_include(shot=shot, staff=request.user, reason=reason)
    messages.success(request, f"Shot #{shot.pk} counts again.")
    return _after_action(request, store, shot)


@console_view()
@require_POST
def shot_correct(request: ConsoleRequest, store: Retailer, pk: int) -> HttpResponse:
    shot = selectors.shot_at_store(store, pk)
    form = StaffCorrectForm(request.POST, metric_units=_uses_metric(store), shot=shot)
    if not form.is_valid():
        return _shot_page(request, store, shot, correct_form=form, status=400)
    try:
        shot_services.shot_correct_by_staff(
            shot=shot,
            staff=request.user,
            club=form.cleaned_data["club"],
            metrics=form.canonical_metrics(),
            hit_at=form.cleaned_data["hit_at"],
            reason=form.cleaned_data["reason"],
        )
    except (ValidationError, shot_services.ShotBusy) as problem:
        form.add_error(None, _message(problem))
        shot.refresh_from_db()  # the service may have set values on the instance before refusing
        status = 409 if isinstance(problem, shot_services.ShotBusy) else 400
        return _shot_page(request, store, shot, correct_form=form, status=status)
    messages.success(request, f"Shot #{shot.pk} corrected and verified.")
    return _after_action(request, store, shot)


def _message(problem: Exception) -> str:
    if isinstance(problem, ValidationError):
        return " ".join(problem.messages)
    return str(problem)


# --- Settings and exports ------------------------------------------------------


# What changes the boards: their rules, or the clock their "today" follows.


@console_view(owner_only=True)
@require_http_methods(["GET", "POST"])
def store_settings(request: ConsoleRequest, store: Retailer) -> HttpResponse:
    form = StoreSettingsForm(request.POST or None, instance=store)
    if request.method == "POST" and form.is_valid():
        retailer_settings_update(
            retailer=store, **{name: form.cleaned_data[name] for name in form.changed_data}
        )
        messages.success(request, "Store settings saved.")
        return redirect("console:settings", store.slug)
    status = 400 if request.method == "POST" else 200
    return _console(request, store, "console/settings.html", {"form": form}, status=status)


def _csv_response(lines: Any, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@console_view()
@require_GET
def export_shots(request: ConsoleRequest, store: Retailer) -> StreamingHttpResponse:
    lines = exports.csv_lines(exports.SHOT_COLUMNS, exports.shot_rows(store))
    return _csv_response(lines, f"{store.slug}-shots-{timezone.localdate():%Y-%m-%d}.csv")


@console_view()
@require_GET
def export_customers(request: ConsoleRequest, store: Retailer) -> StreamingHttpResponse:
    lines = exports.csv_lines(exports.CUSTOMER_COLUMNS, exports.customer_rows(store))
    return _csv_response(lines, f"{store.slug}-customers-{timezone.localdate():%Y-%m-%d}.csv")
