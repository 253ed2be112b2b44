from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import Resolver404
from django.views import defaults
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularSwaggerSplitView
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from golfshots import monitoring
from golfshots.security_headers import inline_style_hashes

# Under this prefix every error is JSON, as DRF answers inside its views:
# the handlers below cover what happens outside them (no such URL, a crash).
API_PREFIX = "/api/"
SWAGGER_TEMPLATE = "drf_spectacular/swagger_ui.html"


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus scrape: every process's metrics plus the database gauges."""
    allowed = monitoring.scrape_allowed(
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        authorization=request.headers.get("Authorization", ""),
    )
    if not allowed:
        if not settings.METRICS_TOKEN:
            raise Http404("Not found.")
        response = HttpResponse(
            "/metrics needs a bearer token.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = monitoring.scrape_registry(include_database=True)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


_swagger_ui = SpectacularSwaggerSplitView.as_view(url_name="api-schema")


def api_docs(request: HttpRequest) -> HttpResponseBase:
    """Swagger UI. The split view serves its start-up script as a file, so the
    page needs no inline script; its one inline <style> is allowed by hash."""
    response = _swagger_ui(request)
    response._csp_update = {"style-src": list(inline_style_hashes(SWAGGER_TEMPLATE))}  # type: ignore[attr-defined]
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE or a bad Host: Django refuses
        # these before DRF parses anything.
        return JsonResponse({"detail": "The request could not be read."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": "You do not have permission to perform this action."}, status=403
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        if isinstance(exception, Resolver404):
            detail = "No API endpoint at this URL. The endpoints are listed at /api/docs/."
        else:
            detail = "Not found."
        return JsonResponse({"detail": detail}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side. Please try again in a moment."},
            status=500,
        )
    return defaults.server_error(request)
